#include "carta/plot/baujat.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "carta/plot/svg.hpp"
#include "axes.hpp"

namespace carta::plot {

namespace {

constexpr double kWidth = 560.0;
constexpr double kHeight = 440.0;
constexpr double kLeft = 64.0, kRight = 20.0, kTop = 52.0, kBottom = 92.0;

}  // namespace

std::string baujat_plot_svg(const std::vector<InfluenceRow>& rows, const BaujatOptions& options) {
  BaujatOptions o = options;
  o.title = fit_text(o.title, 2 * kMaxLabelChars);
  const std::string caption1 = "x: contribution to Cochran's Q (squared Pearson residual)";
  const auto skipped = static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const InfluenceRow& r) {
    return !std::isfinite(r.baujat_x) || !std::isfinite(r.baujat_y);
  }));
  std::string caption2 = "y: influence on the pooled estimate (squared standardised change when left out)";
  if (skipped > 0) caption2 += fmt::format("; {} not shown (fit without it failed)", skipped);
  // Labels: the studies farthest from the origin (relative to each axis' range), and every study
  // flagged influential.
  double x_max = 0.0, y_max = 0.0;
  for (const auto& r : rows) {
    if (std::isfinite(r.baujat_x)) x_max = std::max(x_max, r.baujat_x);
    if (std::isfinite(r.baujat_y)) y_max = std::max(y_max, r.baujat_y);
  }
  x_max = x_max > 0 ? x_max : 1.0;
  y_max = y_max > 0 ? y_max : 1.0;
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto distance = [&](std::size_t i) {
    const double a = rows[i].baujat_x / x_max, b = rows[i].baujat_y / y_max;
    return std::isfinite(a) && std::isfinite(b) ? a * a + b * b : -1.0;
  };
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return distance(a) > distance(b); });
  std::vector<bool> labelled(rows.size(), false);
  for (std::size_t j = 0; j < order.size() && j < o.max_labels; ++j) labelled[order[j]] = distance(order[j]) >= 0;
  for (std::size_t i = 0; i < rows.size(); ++i) labelled[i] = labelled[i] || rows[i].influential;

  const auto x_ticks = detail::nice_ticks(0.0, x_max * 1.08, 5);
  const auto y_ticks = detail::nice_ticks(0.0, y_max * 1.08, 5);
  const double x_top = std::max(x_ticks.back(), x_max * 1.08), y_top = std::max(y_ticks.back(), y_max * 1.08);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : x_top;
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : y_top;

  // Labels sit right of their point; the canvas widens so that a label at the right edge fits.
  double label_overhang = 0.0;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + v / x_top * plot_w; };
  auto py = [&](double v) { return kTop + (1.0 - v / y_top) * plot_h; };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (labelled[i]) label_overhang = std::max(label_overhang, px(rows[i].baujat_x) + 7 + 1.05 * text_width(fit_text(rows[i].label, kMaxLabelChars), 11.0) - (kWidth - kRight));
  }
  const double width = std::max(detail::canvas_width(kWidth, kLeft, kRight, text_width(o.title, 14.0),
                                                     std::max(text_width(caption1, 10.5), text_width(caption2, 10.5))),
                                kWidth + std::max(0.0, label_overhang));
  Svg svg(width, kHeight);
  svg.text(kLeft, 22, o.title, 14.0, "start", "bold");

  svg.open_group("studies");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!std::isfinite(r.baujat_x) || !std::isfinite(r.baujat_y)) continue;
    svg.circle(px(r.baujat_x), py(r.baujat_y), 4.0, r.influential ? "#b03a2e" : "#4a6fa5", "#2d4a75");
  }
  svg.close_group();
  svg.open_group("labels");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (labelled[i] && std::isfinite(rows[i].baujat_x) && std::isfinite(rows[i].baujat_y)) {
      svg.text(px(rows[i].baujat_x) + 7, py(rows[i].baujat_y) + 4, fit_text(rows[i].label, kMaxLabelChars), 11.0, "start", "normal", "#333");
    }
  }
  svg.close_group();

  const double bottom = kTop + plot_h;
  detail::draw_axes(
      svg,
      {x_ticks, px, [x_step](double t) { return detail::tick_label(t, x_step); }, "Contribution to overall heterogeneity"},
      {y_ticks, py, [y_step](double t) { return detail::tick_label(t, y_step); }, "Influence on the pooled result"}, kLeft,
      kLeft + plot_w, kTop, bottom);
  svg.text(kLeft, bottom + 58, caption1, 10.5, "start", "normal", "#555");
  svg.text(kLeft, bottom + 74, caption2, 10.5, "start", "normal", "#555");
  return svg.str();
}

}  // namespace carta::plot
