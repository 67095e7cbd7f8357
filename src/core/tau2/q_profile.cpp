// Q-profile confidence interval for tau^2 (Viechtbauer 2007): the set of tau2 whose generalised Q
// lies between the alpha/2 and 1 - alpha/2 chi-square quantiles with k - p df. Q(tau2) decreases
// in tau2, so each bound is one root.
#include <fmt/format.h>

#include <cmath>

#include "carta/distributions.hpp"
#include "../math/decreasing_root.hpp"
#include "carta/error.hpp"
#include "carta/tau2.hpp"
#include "estimators.hpp"

namespace carta {

Tau2Interval q_profile_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                const Eigen::MatrixXd& design, double level, const Tau2Control& control) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("q_profile_interval: level is {}, but must be in (0, 1)", level));
  }
  const double q0 = generalised_q(y, v, design, 0.0);  // validates the model
  // Q(tau2) depends on the design only through its column space: an orthonormal basis of it
  // keeps an ill-conditioned design (uncentred years, products) from deciding the bounds.
  const Eigen::MatrixXd x = detail::column_space_basis(design);
  // Q is scale free: solve on variances near 1 (exactly rescaled) so that the bracket and the
  // tolerances mean the same at any scale, then scale the bounds back.
  if (const int m = detail::variance_scale_exponent(v); m != 0) {
    const Eigen::VectorXd ys = y.unaryExpr([m](double e) { return std::ldexp(e, -m); });
    const Eigen::VectorXd vs = v.unaryExpr([m](double e) { return std::ldexp(e, -2 * m); });
    Tau2Interval scaled = q_profile_interval(ys, vs, x, level, control);
    scaled.lb = std::ldexp(scaled.lb, 2 * m);
    scaled.ub = std::ldexp(scaled.ub, 2 * m);
    scaled.lb_report.last_change = std::ldexp(scaled.lb_report.last_change, 2 * m);
    scaled.ub_report.last_change = std::ldexp(scaled.ub_report.last_change, 2 * m);
    return scaled;
  }
  const auto df = static_cast<double>(y.size() - x.cols());
  const double alpha = 1.0 - level;
  const double crit_upper = dist::chi2_upper_quantile(alpha / 2.0, df);
  const double crit_lower = dist::chi2_quantile(alpha / 2.0, df);
  // Each bound is the root of Q(tau2) = quantile, or 0 when Q(0) is already below it.
  auto bound = [&](double quantile, double& value, bool& at_zero, IterationReport& report,
                   const char* zero_message) {
    report.iterative = true;
    if (q0 < quantile) {
      at_zero = true;
      value = 0.0;
      report.message = zero_message;
      return;
    }
    const auto root = detail::solve_decreasing(
        [&](double tau2) { return detail::generalised_q_unchecked(y, v, x, tau2) - quantile; }, control);
    value = root.root;
    report = root.report;
  };

  Tau2Interval ci;
  bound(crit_lower, ci.ub, ci.ub_at_zero, ci.ub_report,
        "Q(0) is below the lower chi-square quantile: upper bound is 0");
  bound(crit_upper, ci.lb, ci.lb_at_zero, ci.lb_report,
        "Q(0) is below the upper chi-square quantile: lower bound is 0");
  return ci;
}

}  // namespace carta
