#include <fmt/format.h>

#include "carta/error.hpp"
#include "carta/sensitivity.hpp"

namespace carta {

std::vector<LeaveOneOutRow> leave_one_out(std::span<const ProportionStudy> studies, const PoolOptions& options) {
  if (studies.size() < 2) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("leave-one-out needs at least 2 studies, but there {} {}",
                            studies.size() == 1 ? "is" : "are", studies.size()));
  }
  std::vector<LeaveOneOutRow> rows;
  rows.reserve(studies.size());
  std::vector<ProportionStudy> subset;
  subset.reserve(studies.size() - 1);
  for (std::size_t i = 0; i < studies.size(); ++i) {
    subset.clear();
    for (std::size_t j = 0; j < studies.size(); ++j) {
      if (j != i) subset.push_back(studies[j]);
    }
    const PoolResult r = pool_proportions(subset, options);
    LeaveOneOutRow row;
    row.omitted = studies[i].label;
    row.est = r.random.est;
    row.se = r.random.se;
    row.ci_lb = r.random.ci_lb;
    row.ci_ub = r.random.ci_ub;
    row.stat = r.random.stat;
    row.p = r.random.p;
    row.prop = r.random.prop;
    row.prop_ci_lb = r.random.prop_ci_lb;
    row.prop_ci_ub = r.random.prop_ci_ub;
    row.tau2 = r.heterogeneity.tau2;
    row.I2 = r.heterogeneity.I2;
    row.H2 = r.heterogeneity.H2;
    row.Q = r.heterogeneity.Q;
    row.Q_p = r.heterogeneity.Q_p;
    row.converged = r.convergence.tau2.converged;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace carta
