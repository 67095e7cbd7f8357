#include <fmt/format.h>

#include "carta/error.hpp"
#include "carta/sensitivity.hpp"

namespace carta {

RefitSummary summarize_refit(const PoolResult& r) {
  RefitSummary f;
  f.est = r.random.est;
  f.se = r.random.se;
  f.ci_lb = r.random.ci_lb;
  f.ci_ub = r.random.ci_ub;
  f.stat = r.random.stat;
  f.p = r.random.p;
  f.prop = r.random.prop;
  f.prop_ci_lb = r.random.prop_ci_lb;
  f.prop_ci_ub = r.random.prop_ci_ub;
  f.tau2 = r.heterogeneity.tau2;
  f.I2 = r.heterogeneity.I2;
  f.H2 = r.heterogeneity.H2;
  f.Q = r.heterogeneity.Q;
  f.Q_p = r.heterogeneity.Q_p;
  f.converged = r.convergence.tau2.converged;
  return f;
}

namespace {

template <typename Study, typename Pool>
std::vector<LeaveOneOutRow> leave_one_out_of(std::span<const Study> studies, const PoolOptions& options, Pool pool) {
  if (studies.size() < 2) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("leave-one-out needs at least 2 studies, but there {} {}",
                            studies.size() == 1 ? "is" : "are", studies.size()));
  }
  std::vector<LeaveOneOutRow> rows;
  rows.reserve(studies.size());
  std::vector<Study> subset;
  subset.reserve(studies.size() - 1);
  for (std::size_t i = 0; i < studies.size(); ++i) {
    subset.clear();
    for (std::size_t j = 0; j < studies.size(); ++j) {
      if (j != i) subset.push_back(studies[j]);
    }
    rows.push_back(LeaveOneOutRow{studies[i].label, summarize_refit(pool(subset, options))});
  }
  return rows;
}

}  // namespace

std::vector<LeaveOneOutRow> leave_one_out(std::span<const ProportionStudy> studies, const PoolOptions& options) {
  return leave_one_out_of(studies, options, [](const std::vector<ProportionStudy>& s, const PoolOptions& o) {
    return pool_proportions(s, o);
  });
}

std::vector<LeaveOneOutRow> leave_one_out(std::span<const EffectStudy> studies, const PoolOptions& options) {
  return leave_one_out_of(studies, options, [](const std::vector<EffectStudy>& s, const PoolOptions& o) {
    return pool_effects(s, o);
  });
}

}  // namespace carta
