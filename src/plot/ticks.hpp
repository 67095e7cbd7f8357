#pragma once
// Axis ticks shared by the figure types (internal to carta_plot).

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

}  // namespace carta::plot::detail
