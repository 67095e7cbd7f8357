#include "carta/metareg.hpp"

#include <fmt/format.h>

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
  if (!out.fit.tau2_report.converged) {
    out.notes.push_back(fmt::format("meta-regression: tau2 did not converge: {}", out.fit.tau2_report.message));
  }
  return out;
}

}  // namespace carta
