#pragma once
// Sensitivity analyses that refit the model on subsets of the studies.

#include <span>
#include <string>
#include <vector>

#include "carta/pool.hpp"

namespace carta {

// The random-effects summary of one refit on a subset of the studies.
struct RefitSummary {
  double est = 0.0, se = 0.0, ci_lb = 0.0, ci_ub = 0.0;  // measure scale
  double stat = 0.0, p = 0.0;
  double prop = 0.0, prop_ci_lb = 0.0, prop_ci_ub = 0.0;
  double tau2 = 0.0, I2 = 0.0, H2 = 0.0, Q = 0.0, Q_p = 0.0;
  bool converged = true;
};
RefitSummary summarize_refit(const PoolResult& result);

struct LeaveOneOutRow {
  std::string omitted;  // label of the study left out
  RefitSummary fit;
};

// One random-effects refit per study, in study order, as metafor's leave1out(). Needs k >= 2.
std::vector<LeaveOneOutRow> leave_one_out(std::span<const ProportionStudy> studies, const PoolOptions& options);
// The same for effects given directly (RefitSummary::prop* are NaN).
std::vector<LeaveOneOutRow> leave_one_out(std::span<const EffectStudy> studies, const PoolOptions& options);

}  // namespace carta
