#pragma once
// Axes shared by the scatter-type figures: funnel, bubble, Baujat (internal to carta_plot).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "carta/plot/svg.hpp"

namespace carta::plot::detail {

// Ticks at 1, 2 or 5 times a power of ten, about `target` of them across [lo, hi].
inline std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double half = std::max(1.0, std::abs(lo)) * 0.5;
    lo -= half;
    hi += half;
  }
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) {
    ticks.push_back(std::abs(t) < 1e-9 * step ? 0.0 : t);  // no "-0"
  }
  return ticks;
}

// As many decimals as the step needs.
inline std::string tick_label(double t, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", t, decimals);
}

// Canvas width that holds the fixed-width plot and the longest title or caption line. text_width
// estimates DejaVu Sans at 0.6 em; bold titles run about 12% wider, so they get that margin (the
// browser test measures the real glyphs and fails on any text outside the figure).
inline double canvas_width(double plot_canvas, double left, double right, double title_width,
                           double caption_width) {
  return std::max(plot_canvas, left + std::max(1.15 * title_width, 1.05 * caption_width) + right);
}

struct Axis {
  std::vector<double> ticks;                       // data values
  std::function<double(double)> to_pixel;          // data value -> x (bottom axis) or y (left axis)
  std::function<std::string(double)> tick_text;
  std::string title;
};

// The bottom axis from `left` to `right` at `bottom` (title centred below the tick labels) and
// the left axis from `top` to `bottom` at `left` (title above its top end).
inline void draw_axes(Svg& svg, const Axis& x, const Axis& y, double left, double right, double top, double bottom) {
  svg.line(left, bottom, right, bottom, "#000");
  for (double t : x.ticks) {
    svg.line(x.to_pixel(t), bottom, x.to_pixel(t), bottom + 5, "#000");
    svg.text(x.to_pixel(t), bottom + 18, x.tick_text(t), 11.0, "middle");
  }
  svg.text((left + right) / 2, bottom + 38, x.title, 12.0, "middle");
  svg.line(left, top, left, bottom, "#000");
  for (double t : y.ticks) {
    svg.line(left - 5, y.to_pixel(t), left, y.to_pixel(t), "#000");
    svg.text(left - 8, y.to_pixel(t) + 4, y.tick_text(t), 11.0, "end");
  }
  svg.text(left, top - 10, y.title, 12.0, "start");
}

}  // namespace carta::plot::detail
