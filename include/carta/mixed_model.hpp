#pragma once
// Mixed-effects meta-regression (and, with an intercept-only design, random-effects pooling):
//   y = X beta + u + e,  u ~ N(0, tau^2 I),  e ~ N(0, diag(v))
// estimated as metafor's rma.uni(yi, vi, mods = X, method, test). Formulas: docs/methods/metareg.md.

#include <Eigen/Dense>

#include <optional>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/pool.hpp"
#include "carta/tau2.hpp"

namespace carta {

struct MixedModelOptions {
  Tau2Method method = Tau2Method::kREML;
  TestType test = TestType::kZ;
  double level = 0.95;
  std::optional<double> fixed_tau2;  // use this tau^2 instead of estimating it
  bool compute_r2 = true;            // fit the intercept-only model for R^2 (needs an intercept)
  Tau2Control control;
};

struct Coefficient {
  std::string name;
  double est = 0.0, se = 0.0;
  double stat = 0.0;  // z, or t with k - p df under knha
  double p = 0.0;
  double ci_lb = 0.0, ci_ub = 0.0;
};

struct MixedModelFit {
  std::size_t k = 0;
  std::size_t p = 0;
  std::vector<Coefficient> coefficients;
  Eigen::MatrixXd vcov;       // of beta (Hartung-Knapp scaled under knha)
  double df = 0.0;            // t/F denominator df (k - p) under knha; NaN under z
  double knha_scale = 1.0;
  double tau2 = 0.0, tau2_se = 0.0;
  IterationReport tau2_report;
  // Omnibus test of all coefficients but the intercept: chi^2(m) under z, F(m, k - p) under knha.
  double QM = 0.0, QM_df = 0.0, QM_df2 = 0.0, QM_p = 0.0;
  // Residual heterogeneity.
  double QE = 0.0, QE_df = 0.0, QE_p = 0.0;
  double I2 = 0.0, H2 = 0.0;  // residual, tau2-based (metafor)
  double R2 = 0.0;            // percent of tau^2 explained; NaN for intercept-only models
  double tau2_intercept_only = 0.0;
  FitStatistics fit_statistics;  // ML and REML log-likelihood, deviance, AIC, BIC, AICc
};

// x must have full column rank and k > p rows; when `intercept` is true its first column is the
// intercept, left out of QM. Throws carta::Error (kInvalidInput) naming the problem for a
// rank-deficient design (constant or collinear moderators) or too few studies.
MixedModelFit fit_mixed_model(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                              const Eigen::MatrixXd& x, const std::vector<std::string>& names,
                              bool intercept, const MixedModelOptions& options);

}  // namespace carta
