#include "carta/io/comparative_output.hpp"

#include <cmath>

#include "carta/io/pool_output.hpp"
#include "json_values.hpp"

namespace carta::io {

namespace {

using detail::number;

double scaled(bool ratio, double x) { return ratio ? std::exp(x) : x; }

// The inverse-variance common and random effects, heterogeneity and tau^2 of a PoolResult on
// effects (no proportion fields), with the reporting scale beside the analysis scale.
void inverse_variance_json(nlohmann::json& j, const PoolResult& r, bool ratio) {
  const auto& ce = r.common;
  const auto& re = r.random;
  const auto& h = r.heterogeneity;
  j["method"] = std::string(to_string(r.options.method));
  j["test"] = std::string(to_string(r.options.test));
  j["preset"] = std::string(to_string(r.options.preset));
  j["level"] = r.options.level;
  j["common_iv"] = {{"est", number(ce.est)},       {"se", number(ce.se)},       {"ci_lb", number(ce.ci_lb)},
                    {"ci_ub", number(ce.ci_ub)},   {"z", number(ce.z)},         {"p", number(ce.p)},
                    {"effect", number(scaled(ratio, ce.est))},
                    {"effect_ci_lb", number(scaled(ratio, ce.ci_lb))},
                    {"effect_ci_ub", number(scaled(ratio, ce.ci_ub))}};
  j["random"] = {{"est", number(re.est)},
                 {"se", number(re.se)},
                 {"ci_lb", number(re.ci_lb)},
                 {"ci_ub", number(re.ci_ub)},
                 {"stat", number(re.stat)},
                 {"p", number(re.p)},
                 {"df", number(re.df)},
                 {"pi_lb", number(re.pi_lb)},
                 {"pi_ub", number(re.pi_ub)},
                 {"effect", number(scaled(ratio, re.est))},
                 {"effect_ci_lb", number(scaled(ratio, re.ci_lb))},
                 {"effect_ci_ub", number(scaled(ratio, re.ci_ub))},
                 {"effect_pi_lb", number(scaled(ratio, re.pi_lb))},
                 {"effect_pi_ub", number(scaled(ratio, re.pi_ub))}};
  j["heterogeneity"] = {{"tau2", number(h.tau2)},           {"tau2_se", number(h.tau2_se)},
                        {"tau2_ci_lb", number(h.tau2_ci_lb)}, {"tau2_ci_ub", number(h.tau2_ci_ub)},
                        {"tau", number(h.tau)},             {"I2", number(h.I2)},
                        {"I2_ci_lb", number(h.I2_ci_lb)},   {"I2_ci_ub", number(h.I2_ci_ub)},
                        {"H2", number(h.H2)},               {"Q", number(h.Q)},
                        {"Q_df", number(h.Q_df)},           {"Q_p", number(h.Q_p)}};
  j["convergence"] = {{"tau2", r.convergence.tau2.converged},
                      {"tau2_ci_lb", r.convergence.tau2_ci_lb.converged},
                      {"tau2_ci_ub", r.convergence.tau2_ci_ub.converged}};
}

}  // namespace

nlohmann::json to_json(const ComparativeResult& r) {
  const BinaryMeasure measure = r.options.effect.measure;
  const bool ratio = is_ratio(measure);
  nlohmann::json j;
  record_build_info(j);
  j["analysis"] = "two-group binary";
  j["measure"] = std::string(to_string(measure));
  j["scale"] = ratio ? "log" : "identity";
  j["common_method"] = std::string(to_string(r.options.method));
  j["zero_cells"] = {{"correction", std::string(to_string(r.options.effect.correction.value_or(default_correction(measure))))},
                     {"add", r.options.effect.add},
                     {"drop_double_zero", r.options.effect.drop_double_zero.value_or(ratio)}};
  j["k"] = r.studies.size();
  j["k_pooled"] = r.k_pooled;
  inverse_variance_json(j, r.inverse_variance, ratio);
  if (r.table_based) {
    const auto& t = *r.table_based;
    nlohmann::json c = {{"method", std::string(to_string(r.options.method))},
                        {"est", number(t.est)},
                        {"se", number(t.se)},
                        {"ci_lb", number(t.ci_lb)},
                        {"ci_ub", number(t.ci_ub)},
                        {"z", number(t.z)},
                        {"p", number(t.p)},
                        {"effect", number(scaled(ratio, t.est))},
                        {"effect_ci_lb", number(scaled(ratio, t.ci_lb))},
                        {"effect_ci_ub", number(scaled(ratio, t.ci_ub))},
                        {"k_used", t.k_used},
                        {"Q", number(t.Q)},
                        {"Q_df", number(t.Q_df)},
                        {"Q_p", number(t.Q_p)},
                        {"I2", number(t.I2)},
                        {"H2", number(t.H2)}};
    if (r.options.method == ComparativeMethod::kMantelHaenszel && measure == BinaryMeasure::kOR) {
      c["cmh"] = {{"stat", number(t.cmh)}, {"p", number(t.cmh_p)}, {"continuity", r.options.cmh_continuity}};
      c["tarone"] = {{"stat", number(t.tarone)}, {"df", number(t.tarone_df)}, {"p", number(t.tarone_p)}};
    }
    j["common"] = c;
  } else {
    j["common"] = j["common_iv"];
    j["common"]["method"] = "IV";
  }
  nlohmann::json studies = nlohmann::json::array();
  for (const auto& s : r.studies) {
    studies.push_back({{"label", s.counts.label},
                       {"events_1", s.counts.events_1},
                       {"n_1", s.counts.n_1},
                       {"events_2", s.counts.events_2},
                       {"n_2", s.counts.n_2},
                       {"yi", number(s.effect.yi)},
                       {"vi", number(s.effect.vi)},
                       {"ci_lb", number(s.ci_lb)},
                       {"ci_ub", number(s.ci_ub)},
                       {"effect", number(scaled(ratio, s.effect.yi))},
                       {"effect_ci_lb", number(scaled(ratio, s.ci_lb))},
                       {"effect_ci_ub", number(scaled(ratio, s.ci_ub))},
                       {"corrected", s.effect.corrected},
                       {"dropped", s.effect.dropped},
                       {"why", s.effect.why},
                       {"weight_common", s.weight_common},
                       {"weight_random", s.weight_random}});
  }
  j["studies"] = studies;
  add_analyses_json(j, r.analyses, r.options.pool);
  if (r.glmm) {
    const GlmmOrFit& g = *r.glmm;
    j["glmm"] = {{"model", "UM.FS"},
                 {"nagq", g.nagq},
                 {"k", g.k},
                 {"dropped", g.dropped},
                 {"est", number(g.beta)},
                 {"se", number(g.se)},
                 {"stat", number(g.stat)},
                 {"df", number(g.df)},
                 {"p", number(g.p)},
                 {"ci_lb", number(g.ci_lb)},
                 {"ci_ub", number(g.ci_ub)},
                 {"pi_lb", number(g.pi_lb)},
                 {"pi_ub", number(g.pi_ub)},
                 {"effect", number(std::exp(g.beta))},
                 {"effect_ci_lb", number(std::exp(g.ci_lb))},
                 {"effect_ci_ub", number(std::exp(g.ci_ub))},
                 {"effect_pi_lb", number(std::exp(g.pi_lb))},
                 {"effect_pi_ub", number(std::exp(g.pi_ub))},
                 {"tau2", number(g.tau2)},
                 {"tau", number(g.tau)},
                 {"I2", number(g.I2)},
                 {"H2", number(g.H2)},
                 {"typical_variance", number(g.typical_variance)},
                 {"common", {{"est", number(g.common_beta)},
                             {"se", number(g.common_se)},
                             {"stat", number(g.common_stat)},
                             {"p", number(g.common_p)},
                             {"ci_lb", number(g.common_ci_lb)},
                             {"ci_ub", number(g.common_ci_ub)}}},
                 {"QE_lrt", number(g.QE_lrt)},
                 {"QE_lrt_p", number(g.QE_lrt_p)},
                 {"QE_wald", number(g.QE_wald)},
                 {"QE_wald_p", number(g.QE_wald_p)},
                 {"QE_df", number(g.QE_df)},
                 {"loglik", number(g.loglik)},
                 {"loglik_common", number(g.loglik_common)},
                 {"loglik_saturated", number(g.loglik_saturated)},
                 {"alpha", g.alpha},
                 {"convergence", {{"converged", g.report.converged},
                                  {"iterations", g.report.iterations},
                                  {"last_change", number(g.report.last_change)},
                                  {"message", g.report.message}}},
                 {"notes", g.notes}};
  }
  j["notes"] = r.notes;
  return j;
}

void add_analyses_json(nlohmann::json& j, const EffectAnalyses& a, const PoolOptions& options) {
  if (a.bias) j["bias"] = effects_bias_json(*a.bias, options);
  if (a.subgroups) {
    nlohmann::json s = to_json(*a.subgroups, a.subgroup_variable);
    strip_proportions(s);
    s["without_subgroup"] = a.without_subgroup;
    j["subgroups"] = std::move(s);
  }
  if (!a.leave_one_out.empty()) {
    nlohmann::json l = to_json(a.leave_one_out);
    strip_proportions(l);
    j["leave_one_out"] = std::move(l);
  }
}

nlohmann::json to_json(const ContinuousResult& r) {
  nlohmann::json j;
  record_build_info(j);
  j["analysis"] = "two-group continuous";
  j["measure"] = std::string(to_string(r.measure));
  j["scale"] = "identity";
  j["k"] = r.studies.size();
  inverse_variance_json(j, r.inverse_variance, false);
  j["common"] = j["common_iv"];
  j["common"]["method"] = "IV";
  nlohmann::json studies = nlohmann::json::array();
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& s = r.studies[i];
    const auto& e = r.inverse_variance.studies[i];
    studies.push_back({{"label", s.label},
                       {"mean_1", s.mean_1},
                       {"sd_1", s.sd_1},
                       {"n_1", s.n_1},
                       {"mean_2", s.mean_2},
                       {"sd_2", s.sd_2},
                       {"n_2", s.n_2},
                       // "reported", or the numbers it was estimated from: "range", "iqr", "iqr.range"
                       {"mean_1_from", std::string(to_string(s.mean_from_1))},
                       {"sd_1_from", std::string(to_string(s.sd_from_1))},
                       {"mean_2_from", std::string(to_string(s.mean_from_2))},
                       {"sd_2_from", std::string(to_string(s.sd_from_2))},
                       {"yi", number(e.yi)},
                       {"vi", number(e.vi)},
                       {"ci_lb", number(e.ci_lb)},
                       {"ci_ub", number(e.ci_ub)},
                       {"weight_common", e.weight_common},
                       {"weight_random", e.weight_random}});
  }
  j["studies"] = studies;
  add_analyses_json(j, r.analyses, r.inverse_variance.options);
  j["notes"] = r.notes;
  return j;
}

nlohmann::json reported_effects_json(const PoolResult& r, bool ratio, const std::vector<std::string>& sources) {
  nlohmann::json j;
  record_build_info(j);
  j["analysis"] = "generic inverse variance";
  j["scale"] = ratio ? "log" : "identity";
  j["k"] = r.k;
  inverse_variance_json(j, r, ratio);
  j["common"] = j["common_iv"];
  j["common"]["method"] = "IV";
  nlohmann::json studies = nlohmann::json::array();
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& s = r.studies[i];
    studies.push_back({{"label", s.label},
                       {"source", i < sources.size() ? nlohmann::json(sources[i]) : nlohmann::json(nullptr)},
                       {"yi", number(s.yi)},
                       {"vi", number(s.vi)},
                       {"ci_lb", number(s.ci_lb)},
                       {"ci_ub", number(s.ci_ub)},
                       {"effect", number(scaled(ratio, s.yi))},
                       {"effect_ci_lb", number(scaled(ratio, s.ci_lb))},
                       {"effect_ci_ub", number(scaled(ratio, s.ci_ub))},
                       {"weight_common", s.weight_common},
                       {"weight_random", s.weight_random}});
  }
  j["studies"] = studies;
  j["notes"] = r.notes;
  return j;
}

}  // namespace carta::io
