// Issue 23: every tau^2 estimator, the Q-profile and profile-likelihood intervals and the mixed-effects fit are scale
// invariant. Multiplying y by c and v by c^2 must give tau^2 times c^2, the same I^2 and relative
// weights, and standard errors times c, for c from 1e-8 to 1e8 (the log hazards of metafor's
// Planck-constant data have SEs near 1e-7; a stopping rule in absolute units stops early there).

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "carta/mixed_model.hpp"
#include "carta/tau2.hpp"

namespace carta {
namespace {

const Eigen::VectorXd& effects() {
  static const Eigen::VectorXd y = (Eigen::VectorXd(8) << 0.12, -0.30, 0.45, 0.80, 0.05, 0.60, -0.10, 0.30).finished();
  return y;
}
const Eigen::VectorXd& variances() {
  static const Eigen::VectorXd v = (Eigen::VectorXd(8) << 0.04, 0.09, 0.02, 0.05, 0.12, 0.03, 0.07, 0.06).finished();
  return v;
}
Eigen::MatrixXd design(bool moderator) {
  Eigen::MatrixXd x = Eigen::MatrixXd::Ones(8, moderator ? 2 : 1);
  if (moderator) x.col(1) << 2.0, 1.0, 4.0, 3.0, 5.0, 1.5, 3.5, 0.5;
  return x;
}

// Relative agreement, or absolute at the scale of the values when the reference is zero.
void expect_scaled(double scaled, double reference, double factor, const std::string& what) {
  const double expected = reference * factor;
  const double tolerance = 1e-7 * std::max(std::abs(expected), 1e-12 * std::abs(factor));
  EXPECT_NEAR(scaled, expected, tolerance) << what;
}

class ScaleInvariance : public ::testing::TestWithParam<Tau2Method> {};

TEST_P(ScaleInvariance, Tau2AndTheFitScaleWithTheData) {
  const Tau2Method method = GetParam();
  for (const bool moderator : {false, true}) {
    const Eigen::MatrixXd x = design(moderator);
    const std::vector<std::string> names = moderator ? std::vector<std::string>{"intrcpt", "x"} : std::vector<std::string>{"intrcpt"};
    const MixedModelOptions options{method, TestType::kZ, 0.95, std::nullopt, false, Tau2Control{}};
    const auto base = estimate_tau2(effects(), variances(), x, method);
    ASSERT_TRUE(base.report.converged) << base.report.message;
    ASSERT_GT(base.tau2, 0.0) << "the data must be heterogeneous for the test to mean anything";
    const auto base_ci = q_profile_interval(effects(), variances(), x, 0.95);
    const bool reml = method == Tau2Method::kREML;
    const auto base_pl = profile_likelihood_interval(effects(), variances(), x, base.tau2, reml, 0.95);
    const auto base_fit = fit_mixed_model(effects(), variances(), x, names, true, options);
    for (const double c : {1e-8, 1e-6, 1e-4, 1e-2, 1e2, 1e4, 1e6, 1e8}) {
      const std::string at = std::string(to_string(method)) + (moderator ? " with a moderator" : "") + ", c = " +
                             std::to_string(c);
      const Eigen::VectorXd y = effects() * c;
      const Eigen::VectorXd v = variances() * (c * c);
      const auto est = estimate_tau2(y, v, x, method);
      EXPECT_TRUE(est.report.converged) << at << ": " << est.report.message;
      expect_scaled(est.tau2, base.tau2, c * c, "tau2, " + at);
      expect_scaled(est.se, base.se, c * c, "tau2 SE, " + at);
      const auto ci = q_profile_interval(y, v, x, 0.95);
      expect_scaled(ci.lb, base_ci.lb, c * c, "tau2 CI lower bound, " + at);
      expect_scaled(ci.ub, base_ci.ub, c * c, "tau2 CI upper bound, " + at);
      const auto pl = profile_likelihood_interval(y, v, x, est.tau2, reml, 0.95);
      EXPECT_TRUE(pl.lb_report.converged && pl.ub_report.converged) << at << ": " << pl.ub_report.message;
      expect_scaled(pl.lb, base_pl.lb, c * c, "tau2 profile-likelihood lower bound, " + at);
      expect_scaled(pl.ub, base_pl.ub, c * c, "tau2 profile-likelihood upper bound, " + at);
      const auto fit = fit_mixed_model(y, v, x, names, true, options);
      EXPECT_NEAR(fit.I2, base_fit.I2, 1e-7 * std::max(1.0, base_fit.I2)) << "I2, " << at;
      EXPECT_NEAR(fit.QE, base_fit.QE, 1e-7 * base_fit.QE) << "QE, " << at;
      for (std::size_t j = 0; j < fit.coefficients.size(); ++j) {
        expect_scaled(fit.coefficients[j].est, base_fit.coefficients[j].est, c, "coefficient, " + at);
        expect_scaled(fit.coefficients[j].se, base_fit.coefficients[j].se, c, "coefficient SE, " + at);
      }
      // Relative weights: those of the random-effects model, 1 / (v + tau2), normalised.
      const Eigen::VectorXd w0 = (variances().array() + base.tau2).inverse();
      const Eigen::VectorXd w = (v.array() + est.tau2).inverse();
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        EXPECT_NEAR(w[i] / w.sum(), w0[i] / w0.sum(), 1e-7) << "weight " << i << ", " << at;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryEstimator, ScaleInvariance,
                         ::testing::ValuesIn(kTau2Methods),
                         [](const auto& estimator) { return std::string(to_string(estimator.param)); });

}  // namespace
}  // namespace carta
