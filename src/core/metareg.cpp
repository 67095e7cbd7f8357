#include "carta/metareg.hpp"

#include <fmt/format.h>


#include <algorithm>
#include <cmath>

#include "carta/distributions.hpp"
#include "carta/error.hpp"

namespace carta {

ProportionRegression regress_proportions(std::span<const ProportionStudy> studies,
                                         const std::vector<ModeratorColumn>& moderators,
                                         const PoolOptions& options) {
  if (moderators.empty()) {
    throw Error(ErrorCategory::kInvalidOption, "regress_proportions: no moderator given");
  }
  ProportionRegression out;
  out.design = build_design(moderators, studies.size());
  if (!out.design.dropped.empty()) {
    std::string list;
    for (const auto i : out.design.dropped) list += (list.empty() ? "" : ", ") + studies[i].label;
    out.notes.push_back(fmt::format("meta-regression: {} stud{} with a missing moderator value left out: {}",
                                    out.design.dropped.size(), out.design.dropped.size() == 1 ? "y" : "ies", list));
  }
  const Conventions conv = conventions_for(options.preset);
  const auto k = static_cast<Eigen::Index>(out.design.kept.size());
  Eigen::VectorXd y(k), v(k);
  for (Eigen::Index r = 0; r < k; ++r) {
    const auto& s = studies[out.design.kept[static_cast<std::size_t>(r)]];
    try {
      const auto es = proportion_effect(s.events, s.n, options.measure, conv.zero_cells, options.continuity);
      y[r] = es.yi;
      v[r] = es.vi;
    } catch (const Error& e) {
      throw Error(e.category(), fmt::format("study '{}': {}", s.label, e.what()));
    }
  }
  const MixedModelOptions mo{options.method, options.test, options.level, std::nullopt, true, options.control};
  out.fit = fit_mixed_model(y, v, out.design.x, out.design.names, true, mo);
  out.y = std::move(y);
  out.v = std::move(v);
  if (!out.fit.tau2_report.converged) {
    out.notes.push_back(fmt::format("meta-regression: tau2 did not converge: {}", out.fit.tau2_report.message));
  }
  return out;
}

MetaRegressionPrediction predict_at(const ProportionRegression& reg,
                                    const std::vector<std::pair<std::string, std::string>>& at,
                                    std::span<const ProportionStudy> studies, const PoolOptions& options) {
  const auto p = static_cast<Eigen::Index>(reg.design.names.size());
  Eigen::VectorXd x0 = Eigen::VectorXd::Zero(p);
  x0[0] = 1.0;
  Eigen::Index col = 1;
  for (const auto& term : reg.design.terms) {
    const auto it = std::find_if(at.begin(), at.end(), [&](const auto& kv) { return kv.first == term.column; });
    if (it == at.end()) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--predict needs a value for every moderator; '{}' has none (write {}=VALUE)", term.column,
                              term.column));
    }
    if (!term.categorical) {
      const auto value = parse_number(it->second);
      if (!value) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("--predict {}={}: '{}' is numeric, so the value must be a number", term.column, it->second,
                                term.column));
      }
      x0[col++] = *value;
    } else {
      const auto level = std::find(term.levels.begin(), term.levels.end(), it->second);
      if (level == term.levels.end()) {
        std::string levels;
        for (const auto& l : term.levels) levels += (levels.empty() ? "" : ", ") + l;
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("--predict {}={}: not a level of '{}'; the levels are: {}", term.column, it->second,
                                term.column, levels));
      }
      for (std::size_t l = 1; l < term.levels.size(); ++l) x0[col++] = (term.levels[l] == it->second) ? 1.0 : 0.0;
    }
  }
  for (const auto& kv : at) {
    if (std::none_of(reg.design.terms.begin(), reg.design.terms.end(), [&](const auto& t) { return t.column == kv.first; })) {
      throw Error(ErrorCategory::kInvalidOption, fmt::format("--predict names '{}', which is not a moderator", kv.first));
    }
  }
  const auto& f = reg.fit;
  Eigen::VectorXd beta(p);
  for (Eigen::Index j = 0; j < p; ++j) beta[j] = f.coefficients[static_cast<std::size_t>(j)].est;
  MetaRegressionPrediction out;
  out.at = at;
  out.est = x0.dot(beta);
  out.se = std::sqrt(x0.dot(f.vcov * x0));
  const double alpha = 1.0 - options.level;
  const double crit = options.test == TestType::kKnha
                          ? dist::t_quantile(1.0 - alpha / 2.0, f.df)
                          : dist::normal_quantile(1.0 - alpha / 2.0);
  out.ci_lb = out.est - crit * out.se;
  out.ci_ub = out.est + crit * out.se;
  const double pi_half = crit * std::sqrt(out.se * out.se + f.tau2);
  out.pi_lb = out.est - pi_half;
  out.pi_ub = out.est + pi_half;
  std::vector<std::int64_t> n;
  for (const auto i : reg.design.kept) n.push_back(studies[i].n);
  const double n_harmonic = harmonic_mean(n);
  out.prop = to_proportion(options.measure, out.est, n_harmonic);
  out.prop_ci_lb = to_proportion(options.measure, out.ci_lb, n_harmonic);
  out.prop_ci_ub = to_proportion(options.measure, out.ci_ub, n_harmonic);
  out.prop_pi_lb = to_proportion(options.measure, out.pi_lb, n_harmonic);
  out.prop_pi_ub = to_proportion(options.measure, out.pi_ub, n_harmonic);
  return out;
}

}  // namespace carta
