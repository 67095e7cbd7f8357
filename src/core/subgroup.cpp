#include "carta/subgroup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>

#include "carta/design.hpp"
#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/mixed_model.hpp"
#include "math/numbers.hpp"

namespace carta {

namespace {
using detail::kNaN;

std::string studies_word(std::size_t k) { return k == 1 ? "1 study" : fmt::format("{} studies", k); }
}  // namespace

std::string_view to_string(SubgroupTest test) noexcept {
  return test == SubgroupTest::kAllSubgroups ? "all" : "pooled";
}

std::optional<SubgroupTest> parse_subgroup_test(std::string_view text) noexcept {
  std::string lower;
  for (const char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "all") return SubgroupTest::kAllSubgroups;
  if (lower == "pooled") return SubgroupTest::kPooledSubgroups;
  return std::nullopt;
}

namespace {

// One body for proportions and for effects given directly: `Traits` says how a study becomes an
// effect, how a subgroup is pooled and how many patients study i has (nullopt when not known).
template <typename Study, typename Traits>
SubgroupAnalysis subgroup_analysis_of(std::span<const Study> studies, std::span<const std::optional<std::string>> level_of,
                                      const PoolOptions& options, const SubgroupOptions& subgroup, const Traits& traits) {
  if (studies.size() != level_of.size()) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("subgroup_analysis: {} studies but {} levels", studies.size(), level_of.size()));
  }
  if (subgroup.min_k < 1) {
    throw Error(ErrorCategory::kInvalidOption, "subgroup_analysis: --min-k must be at least 1");
  }
  std::map<std::string, std::vector<Study>> by_level;  // sorted, as R's factor levels
  std::map<std::string, std::optional<std::int64_t>> patients_by_level;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    if (!level_of[i] || level_of[i]->empty()) continue;
    const std::string& level = *level_of[i];
    const auto [at, fresh] = patients_by_level.try_emplace(level, std::int64_t{0});
    const std::optional<std::int64_t> n = traits.patients(studies[i], i);
    at->second = at->second && n ? std::optional<std::int64_t>(*at->second + *n) : std::nullopt;
    by_level[level].push_back(studies[i]);
  }
  if (by_level.empty()) {
    throw Error(ErrorCategory::kInvalidInput, "subgroup analysis: no study has a subgroup value");
  }
  const bool all = subgroup.test == SubgroupTest::kAllSubgroups;
  // Under kAllSubgroups every level is pooled and tested (one study: its own estimate).
  auto tested = [&](std::size_t k) { return all || k >= subgroup.min_k; };

  SubgroupAnalysis out;
  out.options = subgroup;
  out.QM = out.QM_df = out.QM_df2 = out.QM_p = kNaN;
  out.tau2_common = kNaN;

  // Common tau^2: the residual tau^2 of the mixed-effects model with the tested levels as a factor.
  PoolOptions level_options = options;
  if (subgroup.tau_common) {
    std::vector<Study> used;
    ModeratorColumn factor{"subgroup", {}, true};
    std::size_t levels_used = 0;
    for (const auto& [level, members] : by_level) {
      if (!tested(members.size())) continue;
      ++levels_used;
      for (const auto& s : members) {
        used.push_back(s);
        factor.values.emplace_back(level);
      }
    }
    if (levels_used >= 2) {
      const Design design = build_design({factor}, used.size());
      Eigen::VectorXd y(static_cast<Eigen::Index>(used.size()));
      Eigen::VectorXd v(y.size());
      for (std::size_t i = 0; i < used.size(); ++i) {
        const auto [yi, vi] = traits.effect(used[i], options);
        y[static_cast<Eigen::Index>(i)] = yi;
        v[static_cast<Eigen::Index>(i)] = vi;
      }
      MixedModelOptions mm{options.method, options.test, options.level, std::nullopt, false, options.control};
      const MixedModelFit fit = fit_mixed_model(y, v, design.x, design.names, true, mm);
      out.tau2_common = fit.tau2;
      out.QM = fit.QM;
      out.QM_df = fit.QM_df;
      out.QM_df2 = fit.QM_df2;
      out.QM_p = fit.QM_p;
      level_options.fixed_tau2 = fit.tau2;
      if (!fit.tau2_report.converged) {
        out.notes.push_back(fmt::format("common tau2 did not converge: {}", fit.tau2_report.message));
      }
    } else {
      out.notes.push_back("a common tau^2 needs at least two tested subgroups: each subgroup has its own tau^2");
    }
  }

  double sum_w = 0.0;
  double sum_wy = 0.0;
  std::vector<std::pair<double, double>> estimates;  // (est, se) of tested levels
  for (auto& [level, members] : by_level) {
    SubgroupLevel sl;
    sl.level = level;
    sl.k = members.size();
    const std::optional<std::int64_t> n = patients_by_level.at(level);
    sl.n = n.value_or(0);
    sl.n_known = n.has_value();
    if (!tested(members.size())) {
      sl.note = fmt::format("not pooled: {} (fewer than min_k = {})", studies_word(sl.k), subgroup.min_k);
    } else {
      sl.result = traits.pool(members, level_options);
      sl.pooled = true;
      const double est = sl.result->random.est;
      const double se = sl.result->random.se;
      if (se > 0.0 && std::isfinite(se) && std::isfinite(est)) {
        sl.in_test = true;
        estimates.emplace_back(est, se);
        sum_w += 1.0 / (se * se);
        sum_wy += est / (se * se);
      } else {
        sl.note = fmt::format("its random-effects estimate has no positive, finite standard error (SE = {}): "
                              "left out of the test for subgroup differences",
                              se);
        out.notes.push_back(fmt::format("subgroup '{}': {}", level, sl.note));
      }
    }
    out.levels.push_back(std::move(sl));
  }
  if (!all && estimates.empty() &&
      std::none_of(out.levels.begin(), out.levels.end(), [](const SubgroupLevel& l) { return l.pooled; })) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("subgroup analysis: no subgroup has at least min_k = {} studies", subgroup.min_k));
  }
  out.levels_tested = estimates.size();
  out.Q_between_df = static_cast<double>(estimates.size()) - 1.0;
  if (estimates.size() >= 2) {
    const double mean = sum_wy / sum_w;
    out.Q_between = 0.0;
    for (const auto& [est, se] : estimates) out.Q_between += (est - mean) * (est - mean) / (se * se);
    out.Q_between_p = dist::chi2_upper(out.Q_between, out.Q_between_df);
  } else {
    out.Q_between = out.Q_between_p = kNaN;
    out.Q_between_df = kNaN;
    if (by_level.size() == 1) {
      out.test_unavailable = fmt::format("The test for subgroup differences was not computed: every study is in "
                                         "one subgroup ('{}').",
                                         by_level.begin()->first);
    } else if (all) {
      out.test_unavailable = "The test for subgroup differences was not computed: fewer than two subgroups have an "
                             "estimate with a positive standard error.";
    } else {
      std::size_t pooled = 0;
      for (const auto& l : out.levels) pooled += l.pooled ? 1 : 0;
      out.test_unavailable = fmt::format(
          "The test for subgroup differences was not computed: only {} of the {} subgroups {} at least {} studies, "
          "and this analysis tests only those (subgroup_test = \"pooled\").",
          pooled, by_level.size(), pooled == 1 ? "has" : "have", subgroup.min_k);
    }
  }
  return out;
}

}  // namespace

SubgroupAnalysis subgroup_analysis(std::span<const ProportionStudy> studies,
                                   std::span<const std::optional<std::string>> level_of,
                                   const PoolOptions& options, const SubgroupOptions& subgroup) {
  struct {
    std::pair<double, double> effect(const ProportionStudy& s, const PoolOptions& o) const {
      const auto es = proportion_effect(s.events, s.n, o.measure, conventions_for(o.preset).zero_cells, o.continuity);
      return {es.yi, es.vi};
    }
    PoolResult pool(const std::vector<ProportionStudy>& members, const PoolOptions& o) const {
      return pool_proportions(members, o);
    }
    std::optional<std::int64_t> patients(const ProportionStudy& s, std::size_t) const { return s.n; }
  } traits;
  return subgroup_analysis_of(studies, level_of, options, subgroup, traits);
}

SubgroupAnalysis subgroup_analysis(std::span<const EffectStudy> studies,
                                   std::span<const std::optional<std::string>> level_of,
                                   const PoolOptions& options, const SubgroupOptions& subgroup,
                                   std::span<const std::int64_t> patients) {
  if (!patients.empty() && patients.size() != studies.size()) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("subgroup_analysis: {} studies but {} patient counts", studies.size(), patients.size()));
  }
  struct {
    std::span<const std::int64_t> patients_of;
    std::pair<double, double> effect(const EffectStudy& s, const PoolOptions&) const { return {s.yi, s.vi}; }
    PoolResult pool(const std::vector<EffectStudy>& members, const PoolOptions& o) const { return pool_effects(members, o); }
    std::optional<std::int64_t> patients(const EffectStudy&, std::size_t i) const {
      if (patients_of.empty()) return std::nullopt;
      return patients_of[i];
    }
  } traits{patients};
  return subgroup_analysis_of(studies, level_of, options, subgroup, traits);
}

}  // namespace carta
