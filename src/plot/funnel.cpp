#include "carta/plot/funnel.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "carta/plot/svg.hpp"
#include "axes.hpp"

namespace carta::plot {

namespace {

constexpr double kWidth = 560.0;
constexpr double kHeight = 460.0;
constexpr double kLeft = 70.0, kRight = 20.0, kTop = 52.0, kBottom = 92.0;

}  // namespace

std::string funnel_plot_svg(const SmallStudyEffects& effects, const FunnelOptions& given) {
  FunnelOptions options = given;
  options.title = fit_text(options.title, 2 * kMaxLabelChars);
  options.x_label = fit_text(options.x_label, kMaxLabelChars);
  const auto& f = effects.funnel;
  const TrimFill* tf = effects.trimfill && effects.trimfill->k0 > 0 ? &*effects.trimfill : nullptr;
  std::vector<FunnelData::Contour> contours = f.contours;
  std::sort(contours.begin(), contours.end(), [](const auto& a, const auto& b) { return a.z > b.z; });
  // Key, below the axis title: what the shading, the lines and the open circles mean.
  const bool enhanced = options.contour_null.has_value();
  std::string key = enhanced ? fmt::format("Contours: a study differs from {} at p < 0.01 (lightest), 0.01-0.05, 0.05-0.10; "
                                           "white: p > 0.10",
                                           options.null_label.empty() ? fmt::format("{:g}", *options.contour_null)
                                                                      : options.null_label)
                             : std::string("Shaded: pseudo-confidence regions");
  if (!enhanced && !contours.empty()) {
    std::vector<std::string> levels;
    for (auto it = contours.rbegin(); it != contours.rend(); ++it) levels.push_back(fmt::format("{:.0f}%", 100 * it->level));
    fmt::format_to(std::back_inserter(key), " {}", fmt::join(levels, "/"));
  }
  key += "; line: random-effects estimate";
  std::string tests_key;
  if (effects.egger) tests_key += fmt::format("Egger p = {:.3f}", effects.egger->p);
  if (effects.peters) tests_key += fmt::format("{}Peters p = {:.3f}", tests_key.empty() ? "" : "; ", effects.peters->p);
  if (effects.begg) tests_key += fmt::format("{}Begg p = {:.3f}", tests_key.empty() ? "" : "; ", effects.begg->p);
  const std::string filled_key =
      tf ? fmt::format("Open circles: {} stud{} filled by trim-and-fill; dashed line: adjusted estimate", tf->k0,
                       tf->k0 == 1 ? "y" : "ies")
         : std::string();
  const double width =
      detail::canvas_width(kWidth, kLeft, kRight, text_width(options.title, 14.0),
                           std::max({text_width(key, 10.5), text_width(filled_key, 10.5), text_width(tests_key, 10.5),
                                     text_width(options.x_label, 12.0)}));
  Svg svg(width, kHeight + (tests_key.empty() ? 0.0 : 16.0));
  svg.text(kLeft, 22, options.title, 14.0, "start", "bold");
  if (f.yi.empty()) return svg.str();

  // The error axis runs from 0 to a little beyond the largest standard error.
  std::vector<double> all_se = f.sei;
  if (tf) {
    for (double v : tf->filled_vi) all_se.push_back(std::sqrt(v));
  }
  const double se_top = *std::max_element(all_se.begin(), all_se.end());
  const auto se_ticks = detail::nice_ticks(0.0, se_top * 1.05, 4);
  const double se_step = se_ticks.size() > 1 ? se_ticks[1] - se_ticks[0] : se_top;
  const double se_max = std::max(se_ticks.back(), se_top);

  double widest_z = 1.959963984540054;
  for (const auto& c : f.contours) widest_z = std::max(widest_z, c.z);
  const double centre = enhanced ? *options.contour_null : f.center;
  double x_lo = centre - widest_z * se_max, x_hi = centre + widest_z * se_max;
  auto widen = [&](double y) {
    x_lo = std::min(x_lo, y);
    x_hi = std::max(x_hi, y);
  };
  for (double y : f.yi) widen(y);
  widen(f.center);
  if (tf) {
    for (double y : tf->filled_yi) widen(y);
  }
  const double pad = 0.04 * (x_hi - x_lo);
  const auto x_ticks = detail::nice_ticks(x_lo - pad, x_hi + pad, 6);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1.0;
  x_lo = std::min(x_lo - pad, x_ticks.front());
  x_hi = std::max(x_hi + pad, x_ticks.back());

  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double y) { return kLeft + (y - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double se) { return kTop + se / se_max * plot_h; };

  // Regions around the centre, widest first so that narrower ones paint over them. Contour-enhanced:
  // the area beyond every contour (p < 0.01) is the lightest, the innermost (p > 0.10) white.
  svg.open_group(enhanced ? "regions contour-enhanced" : "regions");
  auto triangle = [&](double z, const char* fill, const char* stroke) {
    svg.polygon(fmt::format("{},{} {},{} {},{}", coord(px(centre)), coord(py(0)), coord(px(centre - z * se_max)),
                            coord(py(se_max)), coord(px(centre + z * se_max)), coord(py(se_max))),
                fill, stroke);
  };
  if (enhanced) svg.rect(px(x_lo), py(0), px(x_hi) - px(x_lo), py(se_max) - py(0), "#f4f4f4");
  const char* enhanced_fills[] = {"#d0d0d0", "#a8a8a8", "#ffffff"};
  const char* fills[] = {"#e3e3e3", "#eeeeee", "#f8f8f8"};
  for (std::size_t i = 0; i < contours.size(); ++i) {
    const std::size_t shade = std::min<std::size_t>(i, 2);
    triangle(contours[i].z, enhanced ? enhanced_fills[shade] : fills[shade], enhanced ? "#999999" : "#bbbbbb");
  }
  svg.close_group();

  svg.line(px(f.center), py(0), px(f.center), py(se_max), "#333", 1.2);
  if (tf) svg.line(px(tf->est), py(0), px(tf->est), py(se_max), "#b03a2e", 1.2, "5,3");

  svg.open_group("studies");
  for (std::size_t i = 0; i < f.yi.size(); ++i) svg.circle(px(f.yi[i]), py(f.sei[i]), 4.0, "#4a6fa5", "#2d4a75");
  svg.close_group();
  if (tf) {
    svg.open_group("filled");
    for (std::size_t i = 0; i < tf->filled_yi.size(); ++i) {
      svg.circle(px(tf->filled_yi[i]), py(std::sqrt(tf->filled_vi[i])), 4.0, "#fff", "#b03a2e");
    }
    svg.close_group();
  }

  // Axes: effect along the bottom, standard error (0 at the top) on the left.
  const double bottom = py(se_max);
  std::vector<double> se_shown;
  for (double t : se_ticks) {
    if (t <= se_max + 1e-12) se_shown.push_back(t);
  }
  detail::draw_axes(svg, {x_ticks, px, [x_step](double t) { return detail::tick_label(t, x_step); }, options.x_label},
                    {se_shown, py, [se_step](double t) { return detail::tick_label(t, se_step); }, "Standard error"},
                    kLeft, kLeft + plot_w, py(0), bottom);

  svg.text(kLeft, bottom + 58, key, 10.5, "start", "normal", "#555");
  double caption_y = bottom + 74;
  if (tf) {
    svg.text(kLeft, caption_y, filled_key, 10.5, "start", "normal", "#b03a2e");
    caption_y += 16;
  }
  if (!tests_key.empty()) svg.text(kLeft, caption_y, tests_key, 10.5, "start", "normal", "#555");
  return svg.str();
}

}  // namespace carta::plot
