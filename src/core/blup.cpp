#include "carta/blup.hpp"

#include <fmt/format.h>

#include <cmath>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/pool.hpp"

namespace carta {

std::vector<StudyBlup> study_blups(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                   const Eigen::VectorXd& beta, const Eigen::MatrixXd& v_beta, double tau2,
                                   double crit) {
  if (v.size() != y.size() || x.rows() != y.size() || x.cols() != beta.size() || v_beta.rows() != beta.size() ||
      v_beta.cols() != beta.size()) {
    throw Error(ErrorCategory::kInvalidInput, "BLUPs: the outcomes, variances, design and coefficients differ in size");
  }
  if (!(tau2 >= 0.0) || !(crit > 0.0)) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("BLUPs: tau^2 = {} and the quantile {} must be >= 0 and > 0", tau2, crit));
  }
  std::vector<StudyBlup> out;
  out.reserve(static_cast<std::size_t>(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!(v[i] >= 0.0) || !std::isfinite(v[i])) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("BLUPs: study {} has sampling variance {}", i + 1, v[i]));
    }
    const double fitted = x.row(i).dot(beta);
    const double fitted_var = x.row(i) * v_beta * x.row(i).transpose();
    // tau^2 = v_i = 0 (a study without sampling error in a homogeneous model): not shrunk.
    const double lambda = std::isinf(tau2) ? 1.0 : (tau2 + v[i] > 0.0 ? tau2 / (tau2 + v[i]) : 1.0);
    StudyBlup b;
    b.shrinkage = lambda;
    b.est = lambda * y[i] + (1.0 - lambda) * fitted;
    b.se = std::sqrt(lambda * v[i] + (lambda == 1.0 ? 0.0 : (1.0 - lambda) * (1.0 - lambda) * fitted_var));
    b.pi_lb = b.est - crit * b.se;
    b.pi_ub = b.est + crit * b.se;
    if (tau2 == 0.0) {
      b.ranef = b.ranef_se = b.ranef_pi_lb = b.ranef_pi_ub = 0.0;
    } else {
      b.ranef = lambda * (y[i] - fitted);
      b.ranef_se = std::sqrt(lambda * v[i] + lambda * lambda * fitted_var);
      b.ranef_pi_lb = b.ranef - crit * b.ranef_se;
      b.ranef_pi_ub = b.ranef + crit * b.ranef_se;
    }
    out.push_back(b);
  }
  return out;
}

std::vector<StudyBlup> study_blups(const PoolResult& result, bool common_effect) {
  const auto k = static_cast<Eigen::Index>(result.studies.size());
  Eigen::VectorXd y(k), v(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    y[i] = result.studies[static_cast<std::size_t>(i)].yi;
    v[i] = result.studies[static_cast<std::size_t>(i)].vi;
  }
  const double alpha = 1.0 - result.options.level;
  // The random-effects model's own test: t with its df under Hartung-Knapp or t tests, else z.
  const bool t = !common_effect && std::isfinite(result.random.df) && result.random.df > 0.0;
  const double crit = t ? dist::t_quantile(1.0 - alpha / 2.0, result.random.df) : dist::normal_quantile(1.0 - alpha / 2.0);
  const double est = common_effect ? result.common.est : result.random.est;
  const double se = common_effect ? result.common.se : result.random.se;
  return study_blups(y, v, Eigen::MatrixXd::Ones(k, 1), Eigen::VectorXd::Constant(1, est), Eigen::MatrixXd::Constant(1, 1, se * se),
                     common_effect ? 0.0 : result.heterogeneity.tau2, crit);
}

}  // namespace carta
