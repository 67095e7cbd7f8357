// Profile-likelihood and Wald intervals for tau^2, as metafor's confint.rma.uni(type = "PL") and
// (type = "Wald"). The profile likelihood (Hardy & Thompson 1996) keeps the tau^2 whose
// log-likelihood, with the coefficients at their GLS values for that tau^2, lies within
// chi^2_1(level) / 2 of the fitted model's: -2 (ll(tau^2) - ll(tau^2_hat)) <= chi^2_1(level), with
// the restricted likelihood under REML and the ordinary one under ML (metafor's logLik).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "carta/distributions.hpp"
#include "../math/decreasing_root.hpp"
#include "carta/error.hpp"
#include "carta/tau2.hpp"
#include "estimators.hpp"

namespace carta {

Tau2Interval profile_likelihood_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                         double tau2_hat, bool reml, double level, const Tau2Control& control) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("profile-likelihood interval: level is {}, but must be in (0, 1)", level));
  }
  if (!(tau2_hat >= 0.0) || !std::isfinite(tau2_hat)) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("profile-likelihood interval: tau2 is {}", tau2_hat));
  }
  (void)generalised_q(y, v, x, 0.0);  // validates the model
  // The likelihood ratio is scale free: solve on variances near 1 (exactly rescaled) so that the
  // bracket and tolerances mean the same at any scale, then scale the bounds back.
  if (const int m = detail::variance_scale_exponent(v); m != 0) {
    const Eigen::VectorXd ys = y.unaryExpr([m](double e) { return std::ldexp(e, -m); });
    const Eigen::VectorXd vs = v.unaryExpr([m](double e) { return std::ldexp(e, -2 * m); });
    Tau2Interval scaled = profile_likelihood_interval(ys, vs, x, std::ldexp(tau2_hat, -2 * m), reml, level, control);
    scaled.lb = std::ldexp(scaled.lb, 2 * m);
    scaled.ub = std::ldexp(scaled.ub, 2 * m);
    scaled.lb_report.last_change = std::ldexp(scaled.lb_report.last_change, 2 * m);
    scaled.ub_report.last_change = std::ldexp(scaled.ub_report.last_change, 2 * m);
    return scaled;
  }
  auto loglik = [&](double tau2) {
    const FitStatistics f = fit_statistics(y, v, x, tau2, true);
    return reml ? f.reml.loglik : f.ml.loglik;
  };
  const double ll_hat = loglik(tau2_hat);
  const double objective = dist::chi2_quantile(level, 1.0);
  // lr(t) = -2 (ll(t) - ll_hat) - objective: negative inside the interval.
  auto lr = [&](double tau2) { return -2.0 * (loglik(tau2) - ll_hat) - objective; };

  Tau2Interval ci;
  ci.lb_report.iterative = ci.ub_report.iterative = true;
  if (lr(0.0) <= 0.0) {
    ci.lb = 0.0;
    ci.lb_at_zero = true;
    ci.lb_report.message = "the likelihood ratio at tau2 = 0 is inside the interval: lower bound is 0";
  } else {
    // On [0, tau2_hat] lr falls from lr(0) > 0 below 0 once (the likelihood is unimodal in tau^2;
    // when tau2_hat is not its maximum lr dips below -objective and rises back to it): held at
    // lr(tau2_hat) < 0 beyond, so the bracketing search sees one sign change on [0, inf).
    const auto root = detail::solve_decreasing([&](double t) { return lr(std::min(t, tau2_hat)); }, control);
    ci.lb = std::min(root.root, tau2_hat);
    ci.lb_report = root.report;
  }
  // Beyond tau2_hat, -lr(tau2_hat + s) starts at objective > 0 and crosses 0 once.
  const auto root = detail::solve_decreasing([&](double s) { return -lr(tau2_hat + s); }, control);
  ci.ub = tau2_hat + root.root;
  ci.ub_report = root.report;
  return ci;
}

Tau2Interval wald_tau2_interval(double tau2, double se, double level) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("Wald interval for tau2: level is {}, but must be in (0, 1)", level));
  }
  const double z = dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
  Tau2Interval ci;
  ci.lb = std::max(0.0, tau2 - z * se);
  ci.ub = tau2 + z * se;
  ci.lb_at_zero = ci.lb == 0.0;
  ci.lb_report.message = ci.ub_report.message = "closed form";
  return ci;
}

}  // namespace carta
