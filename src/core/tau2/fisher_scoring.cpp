// ML and REML by Fisher scoring (Viechtbauer 2005), started at the truncated HE estimate as
// metafor does. Steps that would cross zero are clamped to the boundary: the fixed points are
// those of metafor's step halving (an interior root of the score, or 0 with a negative score).
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

double log_likelihood(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                      double tau2, bool restricted) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  const Eigen::VectorXd total = v.array() + tau2;
  const WeightedProjection proj(total.cwiseInverse(), x);
  const double rss = proj.quadratic_form(y);
  const double log_det_v = total.array().log().sum();
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  if (restricted) {
    return -0.5 * (k - p) * log_2pi - 0.5 * log_det_v - 0.5 * proj.log_det_xtwx() - 0.5 * rss;
  }
  return -0.5 * k * log_2pi - 0.5 * log_det_v - 0.5 * rss;
}

Tau2Estimate tau2_fisher_scoring(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                 const Eigen::MatrixXd& x, bool restricted,
                                 const Tau2Control& control) {
  Tau2Estimate est;
  est.report.iterative = true;
  double tau2 = tau2_he(y, v, x).tau2;
  double change = 0.0;
  int iter = 0;
  bool converged = false;
  while (iter < control.max_iterations) {
    ++iter;
    const WeightedProjection proj((v.array() + tau2).inverse().matrix(), x);
    const Eigen::VectorXd py = proj.apply(y);
    double step = 0.0;
    if (restricted) {
      const auto [trace_p, trace_pp] = proj.trace_and_trace_square();
      step = (py.squaredNorm() - trace_p) / trace_pp;
    } else {
      const Eigen::VectorXd& w = proj.weights();
      step = (py.squaredNorm() - w.sum()) / w.squaredNorm();
    }
    if (!std::isfinite(step)) {
      est.report.message = fmt::format("Fisher scoring step is not finite at tau2 = {:.17g}", tau2);
      break;
    }
    const double next = std::max(0.0, tau2 + step);
    change = std::abs(next - tau2);
    tau2 = next;
    if (change <= control.threshold * std::max(1.0, tau2)) {
      converged = true;
      break;
    }
  }
  est.report.iterations = iter;
  est.report.last_change = change;
  est.report.converged = converged;
  if (converged) {
    est.report.message = fmt::format("Fisher scoring converged in {} iterations", iter);
  } else if (est.report.message.empty()) {
    est.report.message = fmt::format(
        "Fisher scoring did not converge in {} iterations (last step {:.3g})", iter, change);
  }

  // As metafor: a positive estimate whose likelihood is below that at tau2 = 0 is a local
  // maximum; the global one is at the boundary.
  if (converged && tau2 > 0.0) {
    const double ll = log_likelihood(y, v, x, tau2, restricted);
    const double ll0 = log_likelihood(y, v, x, 0.0, restricted);
    if (ll0 - ll > 1e-10 * std::max(1.0, std::abs(ll))) {
      est.report.message += fmt::format(
          "; stopped at a local maximum (tau2 = {:.6g}) whose likelihood is below that at 0, so "
          "tau2 = 0",
          tau2);
      tau2 = 0.0;
    }
  }

  est.tau2 = tau2;
  const WeightedProjection proj((v.array() + tau2).inverse().matrix(), x);
  est.se = restricted ? std::sqrt(2.0 / proj.trace_square())
                      : std::sqrt(2.0 / proj.weights().squaredNorm());
  return est;
}

}  // namespace carta::detail
