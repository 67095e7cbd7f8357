#pragma once
// Subgroup analysis: one pooled estimate per level of a grouping variable (own tau^2 per level,
// as R meta's default, or a common tau^2 from the mixed-effects model), and the test for
// subgroup differences. Formulas: docs/methods/subgroups.md.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "carta/pool.hpp"

namespace carta {

struct SubgroupOptions {
  bool tau_common = false;  // one tau^2 for all levels (metafor mods = ~ factor(COL))
  std::size_t min_k = 2;    // levels with fewer studies are listed but not pooled
};

struct SubgroupLevel {
  std::string level;
  std::size_t k = 0;
  std::int64_t n = 0;          // patients in the level
  bool pooled = false;
  std::optional<PoolResult> result;  // when pooled
  std::string note;                  // why not pooled
};

struct SubgroupAnalysis {
  std::vector<SubgroupLevel> levels;  // sorted by level name (R's factor order)
  // Test for subgroup differences: Q of the pooled-level random-effects estimates around their
  // inverse-variance mean, chi^2 with (levels pooled - 1) df.
  double Q_between = 0.0, Q_between_df = 0.0, Q_between_p = 0.0;
  // With tau_common: the mixed-effects omnibus test of the level dummies (metafor QM).
  double QM = 0.0, QM_df = 0.0, QM_df2 = 0.0, QM_p = 0.0;
  double tau2_common = 0.0;
  std::vector<std::string> notes;
};

// level_of[i] is study i's level; studies with nullopt are left out (the caller notes it).
// Throws carta::Error when no level can be pooled.
SubgroupAnalysis subgroup_analysis(std::span<const ProportionStudy> studies,
                                   std::span<const std::optional<std::string>> level_of,
                                   const PoolOptions& options, const SubgroupOptions& subgroup);

}  // namespace carta
