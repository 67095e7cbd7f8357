// DerSimonian & Laird (1986): method of moments on Cochran's Q with inverse-variance weights.
#include <cmath>

#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

Tau2Estimate tau2_dl(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  const WeightedProjection proj(v.cwiseInverse(), x);
  const double q = proj.quadratic_form(y);
  const double tr_p = proj.trace();
  Tau2Estimate est;
  const double raw = (q - (k - p)) / tr_p;
  est.truncated = raw < 0.0;
  est.tau2 = std::max(0.0, raw);
  const double t = est.tau2;
  est.se = std::sqrt((2.0 * (k - p) + 4.0 * t * tr_p + 2.0 * t * t * proj.trace_square()) /
                     (tr_p * tr_p));
  est.report.message = "closed form";
  return est;
}

}  // namespace carta::detail
