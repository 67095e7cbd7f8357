#include "carta/plot/survival_curve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "axes.hpp"
#include "carta/error.hpp"
#include "carta/plot/svg.hpp"

namespace carta::plot {

namespace {

constexpr double kWidth = 600.0;
constexpr double kHeight = 440.0;
constexpr double kLeft = 64.0, kRight = 24.0, kTop = 52.0, kBottom = 96.0;

}  // namespace

std::string survival_curve_svg(const SummaryCurve& curve, const std::vector<StudyCurve>& studies,
                               const SurvivalCurveOptions& options) {
  SurvivalCurveOptions o = options;
  o.title = fit_text(o.title, 2 * kMaxLabelChars);
  o.time_label = fit_text(o.time_label, kMaxLabelChars);
  if (curve.points.size() < 2)
    throw Error(ErrorCategory::kInvalidInput, "a survival curve needs a point after time 0");
  double t_max = curve.points.back().time;
  for (const auto& s : studies) {
    if (!s.points.empty()) t_max = std::max(t_max, s.points.back().time);
  }
  const std::string caption1 = fmt::format(
      "{} studies (grey steps); pooled curve with random effects (line) and its {:.0f}% CI (band)",
      studies.size(), 100 * curve.level);
  const std::string caption2 =
      fmt::format("Heterogeneity: I2 = {:.1f}%, H2 = {:.2f}; median {}", curve.I2, curve.H2,
                  std::isnan(curve.median_random) ? std::string("not reached")
                                                  : fmt::format("{:.1f}", curve.median_random));
  const double width = detail::canvas_width(kWidth, kLeft, kRight, text_width(o.title, 14.0),
                                            std::max(text_width(caption1, 10.5), text_width(caption2, 10.5)));
  Svg svg(width, kHeight);
  svg.text(kLeft, 22, o.title, 14.0, "start", "bold");
  const auto x_ticks = detail::nice_ticks(0.0, t_max, 6);
  const double x_hi = std::max(t_max, x_ticks.back());
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double t) { return kLeft + t / x_hi * plot_w; };
  auto py = [&](double s) { return kTop + (1.0 - std::clamp(s, 0.0, 1.0)) * plot_h; };
  for (int t = 0; t <= 100; t += 20) svg.line(kLeft, py(t / 100.0), kLeft + plot_w, py(t / 100.0), "#eee");

  std::string upper, lower, line;
  for (const auto& p : curve.points) {
    if (std::isnan(p.random_lb) || std::isnan(p.random_ub)) continue;
    upper += fmt::format("{},{} ", coord(px(p.time)), coord(py(p.random_ub)));
    lower.insert(0, fmt::format("{},{} ", coord(px(p.time)), coord(py(p.random_lb))));
  }
  for (const auto& p : curve.points) line += fmt::format("{},{} ", coord(px(p.time)), coord(py(p.random)));
  svg.open_group("band");
  svg.polygon(upper + lower, "#d3deef", "none");
  svg.close_group();
  svg.open_group("studies");
  for (const auto& s : studies) {
    std::string points;
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      if (i > 0)
        points += fmt::format("{},{} ", coord(px(s.points[i].time)), coord(py(s.points[i - 1].survival)));
      points += fmt::format("{},{} ", coord(px(s.points[i].time)), coord(py(s.points[i].survival)));
    }
    svg.polyline(points, "#9aa5b1", 1.0);
  }
  svg.close_group();

  svg.open_group("summary");
  svg.polyline(line, "#1f3b63", 2.5);
  svg.close_group();

  detail::Axis x{
      x_ticks, px,
      [&](double t) { return detail::tick_label(t, x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1.0); },
      o.time_label};
  detail::Axis y{{0.0, 0.2, 0.4, 0.6, 0.8, 1.0},
                 py,
                 [](double s) { return fmt::format("{:.0f}", 100 * s); },
                 "Survival (%)"};
  detail::draw_axes(svg, x, y, kLeft, kLeft + plot_w, kTop, kTop + plot_h);
  svg.text(kLeft, kHeight - 30, caption1, 10.5);
  svg.text(kLeft, kHeight - 14, caption2, 10.5);
  return svg.str();
}

}  // namespace carta::plot
