// Hunter & Schmidt (2004): (Q - k) / sum(w) with inverse-variance weights. Note k, not k - p,
// as in metafor's method = "HS".
#include <cmath>

#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

Tau2Estimate tau2_hs_scaled(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                            double factor) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  const WeightedProjection proj(v.cwiseInverse(), x);
  const double q = proj.quadratic_form(y);
  const double sum_w = proj.weights().sum();
  Tau2Estimate est;
  const double raw = (factor * q - k) / sum_w;
  est.truncated = raw < 0.0;
  est.tau2 = std::max(0.0, raw);
  const double t = est.tau2;
  est.se = factor * std::sqrt((2.0 * (k - p) + 4.0 * t * proj.trace() + 2.0 * t * t * proj.trace_square()) /
                              (sum_w * sum_w));
  est.report.message = "closed form";
  return est;
}

Tau2Estimate tau2_hs(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x) {
  return tau2_hs_scaled(y, v, x, 1.0);
}

}  // namespace carta::detail
