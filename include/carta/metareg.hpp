#pragma once
// Meta-regression of single proportions on study-level moderators: effect sizes under the
// chosen measure and conventions, a design from the moderator columns, the mixed-effects fit.

#include <span>
#include <string>
#include <vector>

#include "carta/design.hpp"
#include "carta/mixed_model.hpp"
#include "carta/pool.hpp"

namespace carta {

struct ProportionRegression {
  Design design;
  Eigen::VectorXd y;  // effect sizes and variances of the studies kept (design.kept)
  Eigen::VectorXd v;
  MixedModelFit fit;
  std::vector<std::string> notes;  // studies dropped for missing moderator values, ...
};

// The model's prediction at given moderator values (metafor predict(res, newmods = )).
struct MetaRegressionPrediction {
  std::vector<std::pair<std::string, std::string>> at;  // column -> value, as given
  double est = 0.0, se = 0.0, ci_lb = 0.0, ci_ub = 0.0, pi_lb = 0.0, pi_ub = 0.0;
  double prop = 0.0, prop_ci_lb = 0.0, prop_ci_ub = 0.0, prop_pi_lb = 0.0, prop_pi_ub = 0.0;
};

// `at` gives a value for every moderator column: a number for numeric ones, a level for
// categorical ones. Intervals use the fit's test (z, or t(k - p) under knha); the prediction
// interval adds the residual tau^2. PFT is back-transformed at the harmonic mean n of the
// studies in the regression. Throws carta::Error (kInvalidOption) for a missing or unknown value.
MetaRegressionPrediction predict_at(const ProportionRegression& regression,
                                    const std::vector<std::pair<std::string, std::string>>& at,
                                    std::span<const ProportionStudy> studies, const PoolOptions& options);

// Throws carta::Error (kInvalidInput) for constant or collinear moderators, or when fewer
// studies than coefficients remain after dropping those with missing values.
ProportionRegression regress_proportions(std::span<const ProportionStudy> studies,
                                         const std::vector<ModeratorColumn>& moderators,
                                         const PoolOptions& options);

}  // namespace carta
