#include "carta/plot/bubble.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/plot/svg.hpp"
#include "axes.hpp"

namespace carta::plot {

namespace {

constexpr double kWidth = 560.0;
constexpr double kHeight = 440.0;
constexpr double kLeft = 64.0, kRight = 20.0, kTop = 52.0, kBottom = 92.0;
constexpr double kMaxRadius = 14.0, kMinRadius = 2.0;
constexpr int kLinePoints = 80;

}  // namespace

bool has_single_numeric_moderator(const ProportionRegression& regression) noexcept {
  return regression.design.terms.size() == 1 && !regression.design.terms[0].categorical &&
         regression.design.x.cols() == 2 && regression.y.size() > 0;
}

std::string bubble_plot_svg(const ProportionRegression& reg, const BubbleOptions& options) {
  BubbleOptions o = options;
  o.title = fit_text(o.title, 2 * kMaxLabelChars);
  o.x_label = fit_text(o.x_label, kMaxLabelChars);
  if (!has_single_numeric_moderator(reg)) {
    throw Error(ErrorCategory::kInvalidInput, "a bubble plot needs a meta-regression on exactly one numeric moderator");
  }
  const Eigen::VectorXd x = reg.design.x.col(1);
  const auto k = x.size();
  const auto& fit = reg.fit;
  const double b0 = fit.coefficients[0].est, b1 = fit.coefficients[1].est;
  const double alpha = 1.0 - o.level;
  // The band uses the fit's own test: t(k - p) under Hartung-Knapp, z otherwise.
  const double crit = std::isfinite(fit.df) && fit.df > 0
                          ? dist::t_quantile(1.0 - alpha / 2, fit.df)
                          : dist::normal_quantile(1.0 - alpha / 2);
  auto back = [&](double value) { return to_proportion(o.measure, value, o.n_harmonic); };

  const std::string caption1 =
      fmt::format("{} studies; area proportional to random-effects weight; band: {:.0f}% CI of the fitted line; "
                  "dashed: {:.0f}% prediction interval",
                  k, 100 * o.level, 100 * o.level);
  const char* scale = o.measure == Measure::kPLO   ? "logit"
                      : o.measure == Measure::kPAS ? "arcsine square-root"
                      : o.measure == Measure::kPFT ? "Freeman-Tukey double arcsine"
                      : o.measure == Measure::kPLN ? "log"
                                                   : "proportion";
  const std::string caption2 = fmt::format("Slope {:.4f} (SE {:.4f}) per unit of {}, on the {} scale", b1,
                                           fit.coefficients[1].se, o.x_label, scale);
  const double width = detail::canvas_width(kWidth, kLeft, kRight, text_width(o.title, 14.0),
                                            std::max(text_width(caption1, 10.5), text_width(caption2, 10.5)));
  Svg svg(width, kHeight);
  svg.text(kLeft, 22, o.title, 14.0, "start", "bold");

  const double x_min = x.minCoeff(), x_max = x.maxCoeff();
  const double pad = 0.05 * std::max(x_max - x_min, 1e-9 * std::max(1.0, std::abs(x_max)));
  const auto x_ticks = detail::nice_ticks(x_min - pad, x_max + pad, 6);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1.0;
  const double x_lo = std::min(x_min - pad, x_ticks.front()), x_hi = std::max(x_max + pad, x_ticks.back());
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + (v - x_lo) / (x_hi - x_lo) * plot_w; };
  // The fitted line, its confidence band and its prediction interval (metafor's predict(): the
  // same quantile, with tau^2 added to the line's variance), evaluated along the axis.
  struct Point {
    double x, est, ci_lb, ci_ub, pi_lb, pi_ub;
  };
  std::vector<Point> line;
  for (int i = 0; i <= kLinePoints; ++i) {
    const double xv = x_lo + (x_hi - x_lo) * i / kLinePoints;
    const double est = b0 + b1 * xv;
    const double var = std::max(0.0, fit.vcov(0, 0) + 2.0 * xv * fit.vcov(0, 1) + xv * xv * fit.vcov(1, 1));
    const double se = std::sqrt(var), se_pi = std::sqrt(var + fit.tau2);
    line.push_back({xv, back(est), back(est - crit * se), back(est + crit * se), back(est - crit * se_pi),
                    back(est + crit * se_pi)});
  }
  // The proportion axis fitted to the studies and the prediction interval, in round percent.
  double y_min = 1.0, y_max = 0.0;
  for (Eigen::Index i = 0; i < k; ++i) y_min = std::min(y_min, back(reg.y[i])), y_max = std::max(y_max, back(reg.y[i]));
  for (const auto& p : line) y_min = std::min(y_min, p.pi_lb), y_max = std::max(y_max, p.pi_ub);
  y_min = std::clamp(std::isfinite(y_min) ? y_min : 0.0, 0.0, 1.0);
  y_max = std::clamp(std::isfinite(y_max) ? y_max : 1.0, 0.0, 1.0);
  // Round ticks that enclose the data: the step of nice_ticks, extended outward to the next tick.
  const auto inner = detail::nice_ticks(100.0 * y_min, 100.0 * std::max(y_max, y_min + 0.02), 5);
  const double step = inner.size() > 1 ? inner[1] - inner[0] : 10.0;
  const double first = std::max(0.0, std::floor(100.0 * y_min / step + 1e-9) * step);
  const double last = std::min(100.0, std::ceil(100.0 * y_max / step - 1e-9) * step);
  std::vector<double> percent_ticks;
  for (double t = first; t <= last + 1e-9; t += step) percent_ticks.push_back(t / 100.0);
  if (percent_ticks.size() < 2) percent_ticks = {first / 100.0, std::min(1.0, (first + step) / 100.0)};
  const double y_lo = percent_ticks.front(), y_hi = std::max(percent_ticks.back(), y_lo + 0.01);
  // Proportions clamp to the axis: PR and PLN can back-transform outside [0, 1].
  auto py = [&](double p) { return kTop + (1.0 - (std::clamp(p, y_lo, y_hi) - y_lo) / (y_hi - y_lo)) * plot_h; };

  for (const double t : percent_ticks) svg.line(kLeft, py(t), kLeft + plot_w, py(t), "#eee");

  std::string band_upper, band_lower;
  for (const auto& p : line) {
    band_upper += fmt::format("{},{} ", coord(px(p.x)), coord(py(p.ci_ub)));
    band_lower.insert(0, fmt::format("{},{} ", coord(px(p.x)), coord(py(p.ci_lb))));
  }
  svg.open_group("band");
  svg.polygon(band_upper + band_lower, "#dde6f2");
  svg.close_group();
  svg.open_group("prediction");
  for (std::size_t i = 1; i < line.size(); ++i) {
    svg.line(px(line[i - 1].x), py(line[i - 1].pi_lb), px(line[i].x), py(line[i].pi_lb), "#7f8fa6", 1.0, "5 3");
    svg.line(px(line[i - 1].x), py(line[i - 1].pi_ub), px(line[i].x), py(line[i].pi_ub), "#7f8fa6", 1.0, "5 3");
  }
  svg.close_group();

  // Bubbles: area proportional to the weight 1/(v + tau^2); the largest drawn first so that small
  // studies stay visible on top.
  Eigen::VectorXd w = (reg.v.array() + fit.tau2).inverse().matrix();
  const double w_max = w.maxCoeff();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(k));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&w](auto a, auto b) { return w[a] > w[b]; });
  svg.open_group("studies");
  for (const auto i : order) {
    const double r = std::max(kMinRadius, kMaxRadius * std::sqrt(w[i] / w_max));
    svg.circle(px(x[i]), py(back(reg.y[i])), r, "#9db3d3", "#2d4a75");
  }
  svg.close_group();
  svg.open_group("fit");
  // Segments rather than a polygon, which would close the path back to its start.
  {
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i <= kLinePoints; ++i) {
      const double xv = x_lo + (x_hi - x_lo) * i / kLinePoints;
      pts.emplace_back(px(xv), py(back(b0 + b1 * xv)));
    }
    for (std::size_t i = 1; i < pts.size(); ++i) {
      svg.line(pts[i - 1].first, pts[i - 1].second, pts[i].first, pts[i].second, "#b03a2e", 1.6);
    }
  }
  svg.close_group();

  const double bottom = kTop + plot_h;
  detail::draw_axes(svg, {x_ticks, px, [x_step](double t) { return detail::tick_label(t, x_step); }, o.x_label},
                    {percent_ticks, py, [](double t) { return fmt::format("{:g}", std::round(1000.0 * t) / 10.0); },
                     "Proportion (%)"},
                    kLeft, kLeft + plot_w, kTop, bottom);
  svg.text(kLeft, bottom + 58, caption1, 10.5, "start", "normal", "#555");
  svg.text(kLeft, bottom + 74, caption2, 10.5, "start", "normal", "#555");
  return svg.str();
}

}  // namespace carta::plot
