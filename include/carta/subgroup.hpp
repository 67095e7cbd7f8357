#pragma once
// Subgroup analysis: one pooled estimate per level of a grouping variable (own tau^2 per level,
// as R meta's default, or a common tau^2 from the mixed-effects model), and the test for
// subgroup differences under either of two conventions. Formulas: docs/methods/subgroups.md.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carta/pool.hpp"

namespace carta {

// Which subgroups the test for subgroup differences compares.
enum class SubgroupTest {
  // Every subgroup, a single-study subgroup with its own estimate and variance (R meta's
  // Q.b.random, RevMan): Q on (levels - 1) df.
  kAllSubgroups,
  // Only the subgroups with at least min_k studies (carta before 0.2): smaller subgroups are
  // shown but neither pooled nor tested.
  kPooledSubgroups,
};
std::string_view to_string(SubgroupTest test) noexcept;
// "all" / "pooled" (case-insensitive); nullopt otherwise.
std::optional<SubgroupTest> parse_subgroup_test(std::string_view text) noexcept;

struct SubgroupOptions {
  bool tau_common = false;  // one tau^2 for all tested levels (metafor mods = ~ factor(COL))
  std::size_t min_k = 2;    // kPooledSubgroups: levels with fewer studies are listed, not pooled
  SubgroupTest test = SubgroupTest::kAllSubgroups;
};

struct SubgroupLevel {
  std::string level;
  std::size_t k = 0;
  std::int64_t n = 0;                // patients in the level (0 when not known)
  bool n_known = true;               // false for effects given without their patients
  bool pooled = false;               // has a pooled result (k = 1 included under kAllSubgroups)
  std::optional<PoolResult> result;  // when pooled; with one study, that study's own estimate
  std::string note;                  // why not pooled
  bool in_test = false;              // enters the test for subgroup differences
};

struct SubgroupAnalysis {
  SubgroupOptions options;
  std::vector<SubgroupLevel> levels;  // sorted by level name (R's factor order)
  // Test for subgroup differences: Q of the tested levels' random-effects estimates around their
  // inverse-variance mean, chi^2 with (levels tested - 1) df. NaN when fewer than two levels are
  // tested; `test_unavailable` then says why in a sentence.
  std::size_t levels_tested = 0;
  double Q_between = 0.0, Q_between_df = 0.0, Q_between_p = 0.0;
  std::string test_unavailable;
  // With tau_common: the mixed-effects omnibus test of the level dummies (metafor QM).
  double QM = 0.0, QM_df = 0.0, QM_df2 = 0.0, QM_p = 0.0;
  double tau2_common = 0.0;
  std::vector<std::string> notes;
};

// level_of[i] is study i's level; studies with nullopt or an empty level are left out (the
// caller lists them). Throws carta::Error when no study has a level, or (kPooledSubgroups) when
// no level has min_k studies.
SubgroupAnalysis subgroup_analysis(std::span<const ProportionStudy> studies,
                                   std::span<const std::optional<std::string>> level_of,
                                   const PoolOptions& options, const SubgroupOptions& subgroup);

// The same for effects given directly (log odds ratios, mean differences, log hazards), each
// subgroup pooled by pool_effects. patients[i] is study i's number of patients (both arms); empty
// when not known, and then every SubgroupLevel has n_known = false (n = 0).
SubgroupAnalysis subgroup_analysis(std::span<const EffectStudy> studies,
                                   std::span<const std::optional<std::string>> level_of,
                                   const PoolOptions& options, const SubgroupOptions& subgroup,
                                   std::span<const std::int64_t> patients = {});

}  // namespace carta
