#pragma once
// Case-deletion diagnostics for random-effects models and meta-regressions (Viechtbauer &
// Cheung 2010), as metafor's influence.rma.uni, with Baujat et al. (2002) coordinates, plus
// cumulative meta-analysis. Formulas: docs/methods/metareg.md.

#include <Eigen/Dense>

#include <span>
#include <string>
#include <vector>

#include "carta/metareg.hpp"
#include "carta/mixed_model.hpp"
#include "carta/pool.hpp"
#include "carta/sensitivity.hpp"

namespace carta {

struct InfluenceRow {
  std::string label;
  double rstudent = 0.0;   // externally standardised residual
  double dffits = 0.0;
  double cook_d = 0.0;     // Cook's distance
  double cov_r = 0.0;      // covariance ratio
  double tau2_del = 0.0;   // tau^2 without the study
  double QE_del = 0.0;     // residual Q without the study
  double hat = 0.0;        // leverage
  double weight = 0.0;     // percent
  std::vector<double> dfbetas;  // one per coefficient
  bool influential = false;     // metafor's rule (see docs)
  bool converged = true;        // the fit without this study converged
  double baujat_x = 0.0;   // squared Pearson residual: contribution to heterogeneity
  double baujat_y = 0.0;   // squared standardised change of the prediction when deleted
};

// y, v, x as for fit_mixed_model; labels one per row. Needs k >= p + 2 (each deletion must leave
// more studies than coefficients). Throws carta::Error otherwise.
std::vector<InfluenceRow> influence_diagnostics(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                                const Eigen::MatrixXd& x, const std::vector<std::string>& names,
                                                const std::vector<std::string>& labels, bool intercept,
                                                const MixedModelOptions& options);

// Intercept-only (pooled) model of proportions under the pooling options.
std::vector<InfluenceRow> influence_proportions(std::span<const ProportionStudy> studies, const PoolOptions& options);

// The meta-regression's diagnostics (metafor's influence(rma(yi, vi, mods = ...))): leverage from
// the weighted hat matrix of its design, each deletion refitting the meta-regression. One row per
// study the regression kept (regression.design.kept indexes studies).
std::vector<InfluenceRow> influence_regression(const ProportionRegression& regression,
                                               std::span<const ProportionStudy> studies, const PoolOptions& options);

struct CumulativeRow {
  std::string added;  // label of the study added at this step
  std::string order_value;
  std::size_t k = 0;
  RefitSummary fit;
};

// Studies are added in the order of order_values (numbers when all are numeric, text
// otherwise; ties keep the input order), refitting the random-effects model each time.
// Studies with an empty order value are left out by the caller.
std::vector<CumulativeRow> cumulative_meta_analysis(std::span<const ProportionStudy> studies,
                                                    std::span<const std::string> order_values,
                                                    const PoolOptions& options);

}  // namespace carta
