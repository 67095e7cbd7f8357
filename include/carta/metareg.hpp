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
  MixedModelFit fit;
  std::vector<std::string> notes;  // studies dropped for missing moderator values, ...
};

// Throws carta::Error (kInvalidInput) for constant or collinear moderators, or when fewer
// studies than coefficients remain after dropping those with missing values.
ProportionRegression regress_proportions(std::span<const ProportionStudy> studies,
                                         const std::vector<ModeratorColumn>& moderators,
                                         const PoolOptions& options);

}  // namespace carta
