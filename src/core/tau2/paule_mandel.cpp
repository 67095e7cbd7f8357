// Paule & Mandel (1982): tau2 solving the generalised Q equation Q(tau2) = k - p. The empirical
// Bayes (Morris 1983) estimator as metafor iterates it has the same fixed point, so both use this
// root (see docs/methods/tau2.md).
#include <fmt/format.h>

#include <cmath>

#include "../math/decreasing_root.hpp"
#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

double generalised_q_unchecked(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                            const Eigen::MatrixXd& x, double tau2) {
  if (x.cols() == 1 && (x.array() == 1.0).all()) {
    // Intercept only: no projection and no allocation (a Q-profile interval and the Paule-Mandel
    // root call this dozens of times per fit).
    return intercept_residual_ss((v.array() + tau2).inverse(), y);
  }
  const WeightedProjection proj((v.array() + tau2).inverse().matrix(), x);
  return proj.quadratic_form(y);
}

double tau2_se_pm(const Eigen::VectorXd& v, double tau2, Eigen::Index p) {
  const auto k = static_cast<double>(v.size());
  const double sum_w = (v.array() + tau2).inverse().sum();
  return std::sqrt(2.0 * k * k / (k - static_cast<double>(p)) / (sum_w * sum_w));
}

Tau2Estimate tau2_q_root(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                         double target, const char* target_name, const Tau2Control& control) {
  Tau2Estimate est;
  est.report.iterative = true;
  auto f = [&](double tau2) { return generalised_q_unchecked(y, v, x, tau2) - target; };
  const double f0 = f(0.0);
  if (f0 <= 0.0) {
    est.tau2 = 0.0;
    est.truncated = f0 < 0.0;
    est.report.message = fmt::format("Q(0) <= {}: the equation has no positive root, tau2 = 0", target_name);
  } else {
    const RootSearch root = solve_decreasing(f, control);
    est.tau2 = root.root;
    est.report = root.report;
  }
  est.se = tau2_se_pm(v, est.tau2, x.cols());
  return est;
}

Tau2Estimate tau2_paule_mandel(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                               const Eigen::MatrixXd& x, const Tau2Control& control) {
  return tau2_q_root(y, v, x, static_cast<double>(y.size() - x.cols()), "k - p", control);
}

}  // namespace carta::detail
