// Sidik & Jonkman (2005): one weighted step from the starting value
// tau0 = mean((y - mean(y))^2), the unweighted variance of the outcomes with divisor k.
#include <cmath>

#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

Tau2Estimate tau2_sj(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  const double tau0 = (y.array() - y.mean()).square().sum() / k;
  const WeightedProjection proj((v.array() + tau0).inverse().matrix(), x);
  const double rss = proj.quadratic_form(y);
  Tau2Estimate est;
  est.tau2 = tau0 * rss / (k - p);  // never negative
  const double t = est.tau2;
  est.se = std::sqrt(tau0 * tau0 / ((k - p) * (k - p)) *
                     (2.0 * proj.trace_square_times(v) + 4.0 * t * proj.trace_pp_times(v) +
                      2.0 * t * t * proj.trace_square()));
  est.report.message = "closed form (one step from the HE-type starting value)";
  return est;
}

}  // namespace carta::detail
