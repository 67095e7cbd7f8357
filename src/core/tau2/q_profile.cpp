// Q-profile confidence interval for tau^2 (Viechtbauer 2007): the set of tau2 whose generalised Q
// lies between the alpha/2 and 1 - alpha/2 chi-square quantiles with k - p df. Q(tau2) decreases
// in tau2, so each bound is one root.
#include <boost/math/distributions/chi_squared.hpp>
#include <fmt/format.h>

#include "../math/decreasing_root.hpp"
#include "carta/error.hpp"
#include "carta/tau2.hpp"
#include "estimators.hpp"

namespace carta {

Tau2Interval q_profile_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                const Eigen::MatrixXd& x, double level, const Tau2Control& control) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("q_profile_interval: level is {}, but must be in (0, 1)", level));
  }
  const double q0 = generalised_q(y, v, x, 0.0);  // validates the model
  const auto df = static_cast<double>(y.size() - x.cols());
  const boost::math::chi_squared_distribution<double> chi2(df);
  const double alpha = 1.0 - level;
  const double crit_upper = boost::math::quantile(boost::math::complement(chi2, alpha / 2.0));
  const double crit_lower = boost::math::quantile(chi2, alpha / 2.0);
  auto q_minus = [&](double target) {
    return [&, target](double tau2) { return detail::generalised_q_unchecked(y, v, x, tau2) - target; };
  };

  Tau2Interval ci;
  ci.lb_report.iterative = ci.ub_report.iterative = true;
  if (q0 < crit_lower) {
    ci.ub_at_zero = true;
    ci.ub = 0.0;
    ci.ub_report.message = "Q(0) is below the lower chi-square quantile: upper bound is 0";
  } else {
    const detail::RootSearch r = detail::solve_decreasing(q_minus(crit_lower), control);
    ci.ub = r.root;
    ci.ub_report = r.report;
  }
  if (q0 < crit_upper) {
    ci.lb_at_zero = true;
    ci.lb = 0.0;
    ci.lb_report.message = "Q(0) is below the upper chi-square quantile: lower bound is 0";
  } else {
    const detail::RootSearch r = detail::solve_decreasing(q_minus(crit_upper), control);
    ci.lb = r.root;
    ci.lb_report = r.report;
  }
  return ci;
}

}  // namespace carta
