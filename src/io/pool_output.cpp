#include "carta/io/pool_output.hpp"

#include <fmt/format.h>

#include <functional>

#include <cmath>
#include <limits>

#include "carta/version.hpp"
#include "json_values.hpp"

namespace carta::io {

namespace {

using detail::number;
using detail::report_json;
using detail::fit_statistics_json;

using detail::csv_number;

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

nlohmann::json json_number(double x) { return detail::number(x); }

void record_build_info(nlohmann::json& j) {
  j["carta_version"] = std::string(kVersion);
  j["carta_commit"] = std::string(kCommit);
  j["carta_build_type"] = std::string(kBuildType);
}

nlohmann::json to_json(const PoolResult& r) {
  const auto& o = r.options;
  const auto& c = r.conventions;
  const auto& ce = r.common;
  const auto& re = r.random;
  const auto& h = r.heterogeneity;
  nlohmann::json j;
  record_build_info(j);
  j["k"] = r.k;
  j["measure"] = std::string(to_string(o.measure));
  j["method"] = r.model.empty() ? std::string(to_string(o.method)) : r.model;
  if (r.glmm_nagq > 0) j["nagq"] = r.glmm_nagq;
  j["test"] = std::string(to_string(o.test));
  j["preset"] = std::string(to_string(o.preset));
  j["level"] = o.level;
  j["conventions"] = {
      {"zero_cells", c.zero_cells == ZeroCellRule::kMetafor ? "metafor" : "meta"},
      {"continuity", o.continuity},
      {"i2", c.i2 == I2Definition::kTau2Based ? "tau2" : "Q"},
      {"prediction", c.prediction == PredictionQuantile::kSameAsTest ? "test-quantile" : "t(k-1)"},
      {"study_ci", std::string(to_string(r.study_ci))},
      {"description", describe_conventions(r)}};
  j["n_harmonic"] = number(r.n_harmonic);
  j["common"] = {{"est", number(ce.est)},         {"se", number(ce.se)},
                 {"ci_lb", number(ce.ci_lb)},     {"ci_ub", number(ce.ci_ub)},
                 {"z", number(ce.z)},             {"p", number(ce.p)},
                 {"prop", number(ce.prop)},       {"prop_ci_lb", number(ce.prop_ci_lb)},
                 {"prop_ci_ub", number(ce.prop_ci_ub)}};
  j["random"] = {{"est", number(re.est)},
                 {"se", number(re.se)},
                 {"ci_lb", number(re.ci_lb)},
                 {"ci_ub", number(re.ci_ub)},
                 {"stat", number(re.stat)},
                 {"p", number(re.p)},
                 {"df", number(re.df)},
                 {"knha_scale", number(re.knha_scale)},
                 {"pi_lb", number(re.pi_lb)},
                 {"pi_ub", number(re.pi_ub)},
                 {"pi_df", number(re.pi_df)},
                 {"prop", number(re.prop)},
                 {"prop_ci_lb", number(re.prop_ci_lb)},
                 {"prop_ci_ub", number(re.prop_ci_ub)},
                 {"prop_pi_lb", number(re.prop_pi_lb)},
                 {"prop_pi_ub", number(re.prop_pi_ub)}};
  if (r.model.empty()) j["fit_statistics"] = fit_statistics_json(r.fit_statistics);
  j["heterogeneity"] = {{"tau2", number(h.tau2)},         {"tau2_se", number(h.tau2_se)},
                        {"tau2_ci_lb", number(h.tau2_ci_lb)}, {"tau2_ci_ub", number(h.tau2_ci_ub)},
                        {"tau2_ci_method", h.tau2_ci_method},
                        {"tau", number(h.tau)},           {"tau_ci_lb", number(h.tau_ci_lb)},
                        {"tau_ci_ub", number(h.tau_ci_ub)}, {"I2", number(h.I2)},
                        {"I2_ci_lb", number(h.I2_ci_lb)}, {"I2_ci_ub", number(h.I2_ci_ub)},
                        {"H2", number(h.H2)},             {"H2_ci_lb", number(h.H2_ci_lb)},
                        {"H2_ci_ub", number(h.H2_ci_ub)}, {"Q", number(h.Q)},
                        {"Q_df", number(h.Q_df)},         {"Q_p", number(h.Q_p)},
                        {"typical_variance", number(h.typical_variance)}};
  nlohmann::json studies = nlohmann::json::array();
  for (const auto& s : r.studies) {
    studies.push_back({{"label", s.label},
                       {"events", s.events},
                       {"n", s.n},
                       {"yi", number(s.yi)},
                       {"vi", number(s.vi)},
                       {"corrected", s.corrected},
                       {"prop", number(s.prop)},
                       {"ci_lb", number(s.ci_lb)},
                       {"ci_ub", number(s.ci_ub)},
                       {"weight_common", number(s.weight_common)},
                       {"weight_random", number(s.weight_random)}});
  }
  j["studies"] = std::move(studies);
  j["convergence"] = {{"converged", r.convergence.all_converged()},
                      {"tau2", report_json(r.convergence.tau2)},
                      {"tau2_ci_lb", report_json(r.convergence.tau2_ci_lb)},
                      {"tau2_ci_ub", report_json(r.convergence.tau2_ci_ub)},
                      {"tolerances",
                       {{"threshold", o.control.threshold},
                        {"root_rel_tol", o.control.root_rel_tol},
                        {"max_iterations", o.control.max_iterations}}}};
  j["notes"] = r.notes;
  return j;
}

nlohmann::json to_json(const SubgroupAnalysis& a, std::string_view variable) {
  const auto& options = a.options;
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& l : a.levels) {
    nlohmann::json j = {{"level", l.level},
                        {"k", l.k},
                        {"n", l.n_known ? nlohmann::json(l.n) : nlohmann::json(nullptr)},
                        {"pooled", l.pooled},
                        {"in_test", l.in_test}};
    if (l.result) {
      const auto& re = l.result->random;
      const auto& h = l.result->heterogeneity;
      j.update({{"est", number(re.est)},           {"se", number(re.se)},
                {"ci_lb", number(re.ci_lb)},       {"ci_ub", number(re.ci_ub)},
                {"prop", number(re.prop)},         {"prop_ci_lb", number(re.prop_ci_lb)},
                {"prop_ci_ub", number(re.prop_ci_ub)}, {"tau2", number(h.tau2)},
                {"I2", number(h.I2)},              {"Q", number(h.Q)},
                {"Q_df", number(h.Q_df)},          {"Q_p", number(h.Q_p)},
                {"pi_lb", number(re.pi_lb)},       {"pi_ub", number(re.pi_ub)},
                {"prop_pi_lb", number(re.prop_pi_lb)}, {"prop_pi_ub", number(re.prop_pi_ub)},
                {"common_prop", number(l.result->common.prop)},
                {"converged", l.result->convergence.all_converged()},
                {"notes", l.result->notes}});
    } else {
      for (const char* key : {"est", "se", "ci_lb", "ci_ub", "prop", "prop_ci_lb", "prop_ci_ub", "tau2", "I2", "Q",
                              "Q_df", "Q_p", "pi_lb", "pi_ub", "prop_pi_lb", "prop_pi_ub"}) {
        j[key] = nullptr;
      }
    }
    if (!l.note.empty()) j["note"] = l.note;
    levels.push_back(std::move(j));
  }
  return {{"variable", variable},
          {"tau_common", options.tau_common},
          {"min_k", options.min_k},
          {"subgroup_test", to_string(options.test)},
          {"levels", std::move(levels)},
          {"levels_tested", a.levels_tested},
          {"Q_between", number(a.Q_between)},
          {"Q_between_df", number(a.Q_between_df)},
          {"Q_between_p", number(a.Q_between_p)},
          {"test_unavailable", a.test_unavailable.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.test_unavailable)},
          {"QM", number(a.QM)},
          {"QM_df", number(a.QM_df)},
          {"QM_df2", number(a.QM_df2)},
          {"QM_p", number(a.QM_p)},
          {"tau2_common", number(a.tau2_common)},
          {"notes", a.notes}};
}

nlohmann::json to_json(const ProportionRegression& reg, TestType test) {
  const auto& f = reg.fit;
  nlohmann::json coefficients = nlohmann::json::array();
  for (const auto& c : f.coefficients) {
    coefficients.push_back({{"name", c.name},
                            {"est", number(c.est)},
                            {"se", number(c.se)},
                            {"z_or_t", number(c.stat)},
                            {"p", number(c.p)},
                            {"ci_lb", number(c.ci_lb)},
                            {"ci_ub", number(c.ci_ub)}});
  }
  nlohmann::json terms = nlohmann::json::array();
  for (const auto& t : reg.design.terms) {
    terms.push_back({{"column", t.column}, {"type", t.categorical ? "categorical" : "numeric"},
                     {"levels", t.levels}, {"reference", t.levels.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.levels.front())}});
  }
  return {{"k", f.k},
          {"test", std::string(to_string(test))},
          {"terms", std::move(terms)},
          {"coefficients", std::move(coefficients)},
          {"df", number(f.df)},
          {"tau2", number(f.tau2)},
          {"tau2_se", number(f.tau2_se)},
          {"I2", number(f.I2)},
          {"H2", number(f.H2)},
          {"R2", number(f.R2)},
          {"fit_statistics", fit_statistics_json(f.fit_statistics)},
          {"QM", number(f.QM)},
          {"QM_df", number(f.QM_df)},
          {"QM_df2", number(f.QM_df2)},
          {"QM_p", number(f.QM_p)},
          {"QE", number(f.QE)},
          {"QE_df", number(f.QE_df)},
          {"QE_p", number(f.QE_p)},
          {"convergence", report_json(f.tau2_report)},
          {"permutation", nullptr},
          {"notes", reg.notes}};
}

namespace {

nlohmann::json refit_json(const RefitSummary& f) {
  return {{"est", number(f.est)},           {"se", number(f.se)},
          {"ci_lb", number(f.ci_lb)},       {"ci_ub", number(f.ci_ub)},
          {"stat", number(f.stat)},         {"p", number(f.p)},
          {"prop", number(f.prop)},         {"prop_ci_lb", number(f.prop_ci_lb)},
          {"prop_ci_ub", number(f.prop_ci_ub)}, {"tau2", number(f.tau2)},
          {"I2", number(f.I2)},             {"H2", number(f.H2)},
          {"Q", number(f.Q)},               {"Q_p", number(f.Q_p)},
          {"converged", f.converged}};
}

}  // namespace

nlohmann::json to_json(const std::vector<LeaveOneOutRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j = {{"label", r.omitted}};
    j.update(refit_json(r.fit));
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json to_json(const std::vector<InfluenceRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json dfbetas = nlohmann::json::array();
    for (const double d : r.dfbetas) dfbetas.push_back(number(d));
    out.push_back({{"label", r.label},           {"rstudent", number(r.rstudent)},
                   {"dffits", number(r.dffits)}, {"cook_d", number(r.cook_d)},
                   {"cov_r", number(r.cov_r)},   {"tau2_del", number(r.tau2_del)},
                   {"QE_del", number(r.QE_del)}, {"hat", number(r.hat)},
                   {"weight", number(r.weight)}, {"dfbetas", std::move(dfbetas)},
                   {"influential", r.influential}, {"baujat_x", number(r.baujat_x)},
                   {"baujat_y", number(r.baujat_y)}, {"converged", r.converged}});
  }
  return out;
}

nlohmann::json to_json(const std::vector<CumulativeRow>& rows, std::string_view order_column) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j = {{"added", r.added}, {"order_value", r.order_value}, {"k", r.k}};
    j.update(refit_json(r.fit));
    out.push_back(std::move(j));
  }
  return {{"order_column", order_column}, {"rows", std::move(out)}};
}

nlohmann::json to_json(const PermutationTest& t, const std::vector<std::string>& names) {
  nlohmann::json coefficients = nlohmann::json::array();
  for (std::size_t j = 0; j < t.coefficient_p.size(); ++j) {
    coefficients.push_back({{"name", j < names.size() ? names[j] : std::string()}, {"p", number(t.coefficient_p[j])}});
  }
  return {{"kind", t.sign_flip ? "sign_flip" : "permutation"},
          {"exact", t.exact},
          {"iterations", t.iterations},
          {"distinct_permutations", number(t.exact_count)},
          {"seed", t.exact ? nlohmann::json(nullptr) : nlohmann::json(t.seed)},
          {"coefficients", std::move(coefficients)},
          {"QM_p", number(t.QM_p)},
          {"failed_fits", t.failed_fits}};
}

nlohmann::json to_json(const std::vector<MetaRegressionPrediction>& predictions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : predictions) {
    nlohmann::json at = nlohmann::json::object();
    for (const auto& [column, value] : p.at) at[column] = value;
    out.push_back({{"at", std::move(at)},          {"est", number(p.est)},
                   {"se", number(p.se)},           {"ci_lb", number(p.ci_lb)},
                   {"ci_ub", number(p.ci_ub)},     {"pi_lb", number(p.pi_lb)},
                   {"pi_ub", number(p.pi_ub)},     {"prop", number(p.prop)},
                   {"prop_ci_lb", number(p.prop_ci_lb)}, {"prop_ci_ub", number(p.prop_ci_ub)},
                   {"prop_pi_lb", number(p.prop_pi_lb)}, {"prop_pi_ub", number(p.prop_pi_ub)}});
  }
  return out;
}

nlohmann::json to_json(const SmallStudyEffects& b, const PoolOptions& o, double n_harmonic) {
  auto regression = [](const std::optional<RegressionTest>& t, const char* stat_name) -> nlohmann::json {
    if (!t) return nullptr;
    return {{stat_name, number(t->stat)},
            {"df", number(t->df)},
            {"p", number(t->p)},
            {"k", t->k},
            {"slope", number(t->slope)},
            {"slope_se", number(t->slope_se)},
            {"limit_est", number(t->intercept)},
            {"limit_se", number(t->intercept_se)},
            {"limit_ci_lb", number(t->intercept_ci_lb)},
            {"limit_ci_ub", number(t->intercept_ci_ub)}};
  };
  auto prop = [&](double x) { return number(to_proportion(o.measure, x, n_harmonic)); };
  nlohmann::json j;
  j["egger"] = regression(b.egger, "t");
  if (b.egger) {
    j["egger"]["limit_prop"] = prop(b.egger->intercept);
    j["egger"]["limit_prop_ci_lb"] = prop(b.egger->intercept_ci_lb);
    j["egger"]["limit_prop_ci_ub"] = prop(b.egger->intercept_ci_ub);
  }
  j["peese"] = regression(b.peese, "t");
  if (b.peese) j["peese"]["limit_prop"] = prop(b.peese->intercept);
  j["egger_rma"] = regression(b.egger_rma, o.test == TestType::kZ ? "z" : "t");
  j["peters"] = regression(b.peters, "t");
  if (b.peters) j["peters"]["convention"] = b.peters_convention;
  j["inverse_sqrt_n"] = regression(b.inverse_sqrt_n, "t");
  if (b.harbord) j["harbord"] = regression(b.harbord, "t");
  j["begg"] = b.begg ? nlohmann::json{{"tau", number(b.begg->tau)}, {"p", number(b.begg->p)}, {"exact", b.begg->exact}, {"z", number(b.begg->z)}}
                     : nlohmann::json(nullptr);
  if (b.trimfill) {
    const auto& t = *b.trimfill;
    nlohmann::json filled = nlohmann::json::array();
    for (std::size_t i = 0; i < t.filled_yi.size(); ++i) {
      filled.push_back({{"yi", number(t.filled_yi[i])}, {"vi", number(t.filled_vi[i])}, {"prop", prop(t.filled_yi[i])}});
    }
    j["trimfill"] = {{"estimator", t.estimator == TrimFillEstimator::kL0 ? "L0" : "R0"},
                     {"convention", t.convention == TrimFillConvention::kMeta ? "meta" : "metafor"},
                     {"side", t.side == FunnelSide::kLeft ? "left" : "right"},
                     {"k0", t.k0},
                     {"k0_se", number(t.k0_se)},
                     {"iterations", t.iterations},
                     {"est", number(t.est)},
                     {"se", number(t.se)},
                     {"ci_lb", number(t.ci_lb)},
                     {"ci_ub", number(t.ci_ub)},
                     {"tau2", number(t.tau2)},
                     {"prop", prop(t.est)},
                     {"prop_ci_lb", prop(t.ci_lb)},
                     {"prop_ci_ub", prop(t.ci_ub)},
                     {"filled", std::move(filled)}};
  } else {
    j["trimfill"] = nullptr;
  }
  if (b.henmi_copas) {
    const auto& h = *b.henmi_copas;
    j["henmi_copas"] = {{"est", number(h.est)},         {"se", number(h.se)},
                        {"ci_lb", number(h.ci_lb)},     {"ci_ub", number(h.ci_ub)},
                        {"tau2", number(h.tau2)},       {"t", number(h.t)},
                        {"level", h.level},             {"prop", prop(h.est)},
                        {"prop_ci_lb", prop(h.ci_lb)},  {"prop_ci_ub", prop(h.ci_ub)},
                        {"converged", h.report.converged}};
  } else {
    j["henmi_copas"] = nullptr;
  }
  nlohmann::json studies = nlohmann::json::array();
  for (std::size_t i = 0; i < b.funnel.yi.size(); ++i) {
    studies.push_back({{"label", b.funnel.labels[i]}, {"yi", number(b.funnel.yi[i])}, {"sei", number(b.funnel.sei[i])}});
  }
  nlohmann::json contours = nlohmann::json::array();
  for (const auto& c : b.funnel.contours) contours.push_back({{"level", c.level}, {"z", number(c.z)}});
  j["funnel"] = {{"studies", std::move(studies)},
                 {"center", number(b.funnel.center)},
                 {"se_max", number(b.funnel.se_max)},
                 {"contours", std::move(contours)}};
  j["notes"] = b.notes;
  return j;
}

void strip_proportions(nlohmann::json& node) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end();) {
      if (it.key().find("prop") != std::string::npos) {
        it = node.erase(it);
      } else {
        strip_proportions(*it);
        ++it;
      }
    }
  } else if (node.is_array()) {
    for (auto& child : node) strip_proportions(child);
  }
}

nlohmann::json effects_bias_json(const SmallStudyEffects& bias, const PoolOptions& options) {
  nlohmann::json j = to_json(bias, options, 1.0);
  strip_proportions(j);
  return j;
}

nlohmann::json to_json(const GlmmFit& g) {
  return {{"nagq", g.nagq},
          {"loglik", number(g.loglik)},
          {"loglik_common", number(g.loglik_common)},
          {"loglik_saturated", number(g.loglik_saturated)},
          {"QE_wald", number(g.QE_wald)},
          {"QE_wald_p", number(g.QE_wald_p)},
          {"QE_lrt", number(g.QE_lrt)},
          {"QE_lrt_p", number(g.QE_lrt_p)},
          {"QE_df", number(g.QE_df)},
          {"mean_prop", number(g.mean_prop)},
          {"mean_prop_ci_lb", number(g.mean_prop_ci_lb)},
          {"mean_prop_ci_ub", number(g.mean_prop_ci_ub)},
          {"tau2_ci_method", "profile likelihood"}};
}

nlohmann::json to_json(const BetaBinomialFit& f) {
  nlohmann::json j = {{"pi", number(f.pi)},
          {"pi_ci_lb", number(f.pi_ci_lb)},
          {"pi_ci_ub", number(f.pi_ci_ub)},
          {"pi_ci_method", "profile likelihood"},
          {"pi_wald_lb", number(f.pi_wald_lb)},
          {"pi_wald_ub", number(f.pi_wald_ub)},
          {"logit_pi", number(f.logit_pi)},
          {"logit_pi_se", number(f.logit_pi_se)},
          {"rho", number(f.rho)},
          {"rho_ci_lb", number(f.rho_ci_lb)},
          {"rho_ci_ub", number(f.rho_ci_ub)},
          {"theta", number(f.theta)},
          {"theta_ci_lb", number(f.theta_ci_lb)},
          {"theta_ci_ub", f.theta_ci_ub == std::numeric_limits<double>::infinity() ? nlohmann::json("inf") : number(f.theta_ci_ub)},
          {"loglik", number(f.loglik)},
          {"loglik_binomial", number(f.loglik_binomial)},
          {"lrt_overdispersion", number(f.lrt_overdispersion)},
          {"lrt_p", number(f.lrt_p)}};
  if (const auto& c = f.calibration; c.replicates > 0) {
    nlohmann::json grid = nlohmann::json::array();
    for (std::size_t g = 0; g < c.rho_grid.size(); ++g) {
      grid.push_back({{"rho", number(c.rho_grid[g])}, {"bartlett_factor", number(c.factors[g])}});
    }
    j["calibrated"] = {{"method", "profile likelihood with a parametric-bootstrap Bartlett-corrected cut-off, the "
                                  "largest correction over the (1 - gamma) profile interval for rho at level + gamma "
                                  "(Berger & Boos 1994)"},
                       {"pi_lb", number(c.pi_lb)},
                       {"pi_ub", number(c.pi_ub)},
                       {"cutoff", number(c.cutoff)},
                       {"cutoff_mc_se", number(c.cutoff_mc_se)},
                       {"bartlett_factor", number(c.bartlett_factor)},
                       {"rho_at_max", number(c.rho_at_max)},
                       {"gamma", number(c.gamma)},
                       {"rho_set_lb", number(c.rho_set_lb)},
                       {"rho_set_ub", number(c.rho_set_ub)},
                       {"grid", std::move(grid)},
                       {"replicates", c.replicates},
                       {"seed", c.seed},
                       {"not_converged", c.not_converged}};
  }
  return j;
}

std::string studies_csv(const PoolResult& r) {
  std::string out = "label,events,n,yi,vi,corrected,prop,ci_lb,ci_ub,weight_common,weight_random\n";
  for (const auto& s : r.studies) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(s.label), s.events, s.n,
                       csv_number(s.yi), csv_number(s.vi), s.corrected ? "true" : "false",
                       csv_number(s.prop), csv_number(s.ci_lb), csv_number(s.ci_ub),
                       csv_number(s.weight_common), csv_number(s.weight_random));
  }
  return out;
}

std::string summary_csv_header(std::string_view group_column) {
  return fmt::format(
      "{},k,measure,method,test,preset,common_est,common_se,common_prop,common_prop_ci_lb,"
      "common_prop_ci_ub,random_est,random_se,random_ci_lb,random_ci_ub,random_pi_lb,random_pi_ub,"
      "random_prop,random_prop_ci_lb,random_prop_ci_ub,random_prop_pi_lb,random_prop_pi_ub,tau2,"
      "tau2_ci_lb,tau2_ci_ub,I2,I2_ci_lb,I2_ci_ub,H2,Q,Q_df,Q_p,converged,notes\n",
      csv_field(group_column.empty() ? "group" : group_column));
}

std::string summary_csv_row(std::string_view group, const PoolResult& r) {
  const auto& ce = r.common;
  const auto& re = r.random;
  const auto& h = r.heterogeneity;
  std::string notes;
  for (const auto& n : r.notes) notes += (notes.empty() ? "" : " | ") + n;
  return fmt::format(
      "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
      "{},{},{}\n",
      csv_field(group), r.k, to_string(r.options.measure),
      r.model.empty() ? to_string(r.options.method) : std::string_view(r.model),
      to_string(r.options.test), to_string(r.options.preset), csv_number(ce.est),
      csv_number(ce.se), csv_number(ce.prop), csv_number(ce.prop_ci_lb), csv_number(ce.prop_ci_ub),
      csv_number(re.est), csv_number(re.se), csv_number(re.ci_lb), csv_number(re.ci_ub),
      csv_number(re.pi_lb), csv_number(re.pi_ub), csv_number(re.prop), csv_number(re.prop_ci_lb),
      csv_number(re.prop_ci_ub), csv_number(re.prop_pi_lb), csv_number(re.prop_pi_ub),
      csv_number(h.tau2), csv_number(h.tau2_ci_lb), csv_number(h.tau2_ci_ub), csv_number(h.I2),
      csv_number(h.I2_ci_lb), csv_number(h.I2_ci_ub), csv_number(h.H2), csv_number(h.Q),
      csv_number(h.Q_df), csv_number(h.Q_p), r.convergence.all_converged() ? "true" : "false",
      csv_field(notes));
}

}  // namespace carta::io
