// Hedges (1983) / Hedges & Olkin: method of moments on the unweighted residual sum of squares.
#include <cmath>

#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

Tau2Estimate tau2_he(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  const WeightedProjection ols(Eigen::VectorXd::Ones(y.size()), x);
  const double rss = ols.quadratic_form(y);
  const double tr_pv = ols.trace_times(v);
  Tau2Estimate est;
  const double raw = (rss - tr_pv) / (k - p);
  est.truncated = raw < 0.0;
  est.tau2 = std::max(0.0, raw);
  const double t = est.tau2;
  est.se = std::sqrt((2.0 * ols.trace_square_times(v) + 4.0 * t * tr_pv + 2.0 * t * t * (k - p)) /
                     ((k - p) * (k - p)));
  est.report.message = "closed form";
  return est;
}

}  // namespace carta::detail
