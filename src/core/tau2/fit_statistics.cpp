// Log-likelihood, deviance and information criteria of the normal-normal model at a given tau^2,
// under ML and REML, as metafor's fit.stats (rma.uni): with W = diag(1/(v + tau^2)),
//   ll_ML   = -k/2 log 2 pi - 1/2 sum log(v + tau^2) - 1/2 RSS
//   ll_REML = -(k - p)/2 log 2 pi + 1/2 log|X'X| - 1/2 sum log(v + tau^2) - 1/2 log|X'WX| - 1/2 RSS
// (metafor's REMLf = TRUE keeps the log|X'X| term), RSS the weighted residual sum of squares at
// the GLS coefficients; deviance_ML = -2 (ll_ML - sum log N(y_i; y_i, v_i)) (the saturated model),
// deviance_REML = -2 ll_REML; AIC = -2 ll + 2 q, BIC = -2 ll + q log n, AICc = -2 ll + 2 q m / (m - q - 1)
// with m = max(n, q + 2), n = k (ML) or k - p (REML) and q = p (+ 1 when tau^2 is estimated).
#include <cmath>
#include <numbers>

#include "../projection.hpp"
#include "carta/tau2.hpp"

namespace carta {

FitStatistics fit_statistics(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                             double tau2, bool tau2_estimated) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  const double q = p + (tau2_estimated ? 1.0 : 0.0);
  const Eigen::VectorXd total = v.array() + tau2;
  const detail::WeightedProjection proj(total.cwiseInverse(), x);
  const double rss = proj.quadratic_form(y);
  const double log_det_total = total.array().log().sum();
  const double log_2pi = std::log(2.0 * std::numbers::pi);
  const double log_det_xtx = (x.transpose() * x).ldlt().vectorD().array().log().sum();
  FitStatistics f;
  f.ml.loglik = -0.5 * k * log_2pi - 0.5 * log_det_total - 0.5 * rss;
  f.reml.loglik = -0.5 * (k - p) * log_2pi + 0.5 * log_det_xtx - 0.5 * log_det_total - 0.5 * proj.log_det_xtwx() - 0.5 * rss;
  const double saturated = -0.5 * (k * log_2pi + v.array().log().sum());
  f.ml.deviance = k > p ? -2.0 * (f.ml.loglik - saturated) : 0.0;
  f.reml.deviance = -2.0 * f.reml.loglik;
  auto criteria = [q](FitStatistics::Criteria& c, double n) {
    c.aic = -2.0 * c.loglik + 2.0 * q;
    c.bic = -2.0 * c.loglik + q * std::log(n);
    const double m = std::max(n, q + 2.0);
    c.aicc = -2.0 * c.loglik + 2.0 * q * m / (m - q - 1.0);
  };
  criteria(f.ml, k);
  criteria(f.reml, k - p);
  return f;
}

}  // namespace carta
