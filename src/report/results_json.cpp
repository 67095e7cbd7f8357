#include "results_json.hpp"

#include <cmath>

#include "carta/io/pool_output.hpp"
#include "carta/io/prisma_table.hpp"
#include "carta/io/survival_output.hpp"
#include "methods.hpp"

namespace carta::report {

namespace {

std::string_view reason_key(analysis::LeftOutReason reason) {
  switch (reason) {
    case analysis::LeftOutReason::kExcluded: return "excluded";
    case analysis::LeftOutReason::kNotReported: return "outcome_not_reported";
    case analysis::LeftOutReason::kNoValue: return "value_not_reported";
    case analysis::LeftOutReason::kFilteredOut: return "filtered_out";
  }
  return "left_out";
}

// A GRADE rating with the thresholds it was rated by, so the JSON alone explains it.
nlohmann::json to_json(const review::CertaintyRating& rating, const review::GradeRules& rules) {
  nlohmann::json domains = nlohmann::json::array();
  for (const auto& d : rating.domains) {
    domains.push_back({{"domain", review::to_string(d.domain)},
                       {"concern", review::to_string(d.concern)},
                       {"levels_down", static_cast<int>(d.concern)},
                       {"assessed", d.assessed},
                       {"by_authors", d.by_authors},
                       {"reason", d.reason}});
  }
  return {{"start", review::to_string(rating.start)},
          {"start_reason", rating.start_reason},
          {"domains", std::move(domains)},
          {"levels_down", rating.levels_down},
          {"certainty", review::to_string(rating.certainty)},
          {"rules",
           {{"i2_serious", rules.i2_serious},
            {"i2_very_serious", rules.i2_very_serious},
            {"ci_width", rules.ci_width},
            {"optimal_information_size", rules.optimal_information_size},
            {"publication_bias_p", rules.publication_bias_p},
            {"publication_bias_min_k", rules.publication_bias_min_k}}}};
}

}  // namespace

nlohmann::json to_json(const analysis::StudySelection& selection) {
  nlohmann::json left = nlohmann::json::array();
  for (const auto& l : selection.left_out) {
    left.push_back({{"study", l.study}, {"reason", reason_key(l.reason)}, {"detail", l.detail}});
  }
  return {{"used", selection.used}, {"left_out", std::move(left)}};
}

nlohmann::json results_json(const analysis::ReviewResults& results) {
  const auto& spec = results.spec;
  nlohmann::json j;
  io::record_build_info(j);
  j["title"] = spec.title;
  j["spec"] = spec.path.filename().string();
  j["data"] = {{"file", spec.data_file.filename().string()},
               {"rows", results.table_rows},
               {"label", spec.label},
               {"missing_values", spec.missing.describe()}};
  nlohmann::json exclusions = nlohmann::json::array();
  for (const auto& e : spec.exclude) exclusions.push_back({{"study", e.study}, {"reason", e.reason}});
  j["exclusions"] = exclusions;
  const MethodsText methods = methods_text(results);
  j["methods"] = methods.paragraph;
  j["references"] = nlohmann::json::array();
  for (const auto& r : methods.references) {
    j["references"].push_back({{"key", r.key}, {"in_text", r.in_text}, {"citation", r.citation}, {"doi", r.doi.empty() ? nlohmann::json() : nlohmann::json(r.doi)}});
  }

  nlohmann::json outcomes = nlohmann::json::array();
  for (const auto& run : results.outcomes) {
    nlohmann::json o = {{"name", run.spec.name}, {"events", run.spec.events}, {"n", run.spec.n}, {"method", run.method},
                        {"selection", to_json(run.studies)}};
    if (run.pool) {
      o["pool"] = io::to_json(*run.pool);
      nlohmann::json sg = nlohmann::json::array();
      for (const auto& s : run.subgroups) {
        nlohmann::json e = s.analysis ? io::to_json(*s.analysis, s.column) : nlohmann::json{{"variable", s.column}};
        e["label"] = s.label;
        e["selection"] = to_json(s.studies);
        if (s.overall) {
          const auto& re = s.overall->random;
          e["overall"] = {{"k", s.overall->k},
                          {"est", io::json_number(re.est)},
                          {"se", io::json_number(re.se)},
                          {"prop", io::json_number(re.prop)},
                          {"prop_ci_lb", io::json_number(re.prop_ci_lb)},
                          {"prop_ci_ub", io::json_number(re.prop_ci_ub)}};
        }
        if (!s.failure.empty()) e["failure"] = s.failure;
        sg.push_back(std::move(e));
      }
      o["subgroups"] = sg;
      nlohmann::json mr = nlohmann::json::array();
      for (const auto& reg : run.regressions) {
        nlohmann::json e = reg.fit ? io::to_json(*reg.fit, run.options.test) : nlohmann::json::object();
        e["moderator"] = reg.column;
        e["label"] = reg.label;
        e["selection"] = to_json(reg.studies);
        if (!reg.failure.empty()) e["failure"] = reg.failure;
        mr.push_back(std::move(e));
      }
      o["metareg"] = mr;
      if (run.bias) o["bias"] = io::to_json(*run.bias, run.options, run.pool->n_harmonic);
      o["leave_one_out"] = io::to_json(run.leave_one_out);
      o["influence"] = io::to_json(run.influence);
      nlohmann::json sens = nlohmann::json::array();
      for (const auto& s : run.sensitivity) {
        nlohmann::json e = {{"name", s.name}, {"where", s.where}, {"selection", to_json(s.studies)}};
        e["pool"] = s.pool ? io::to_json(*s.pool) : nlohmann::json(nullptr);
        if (!s.failure.empty()) e["failure"] = s.failure;
        sens.push_back(std::move(e));
      }
      o["sensitivity"] = sens;
      if (run.grade) o["grade"] = to_json(*run.grade, spec.grade);
    } else {
      o["failure"] = run.failure;
    }
    o["warnings"] = run.warnings;
    outcomes.push_back(std::move(o));
  }
  j["outcomes"] = outcomes;

  nlohmann::json survival = nlohmann::json::array();
  for (const auto& run : results.survival) {
    nlohmann::json s = run.pool ? io::to_json(*run.pool) : nlohmann::json::object();
    s["name"] = run.spec.name;
    s["selection"] = to_json(run.studies);
    s["input_notes"] = run.input_notes;
    if (run.curve) s["curve"] = io::to_json(*run.curve, run.curve_studies);
    if (run.pool) {
      s["patients"] = io::json_number(run.patients);
      if (run.bias) s["bias"] = io::effects_bias_json(*run.bias, run.options.pool);
      nlohmann::json grade = nlohmann::json::array();
      for (std::size_t i = 0; i < run.grade.size(); ++i) {
        nlohmann::json g = to_json(run.grade[i], spec.grade);
        g["time"] = run.pool->survival[i].time;
        grade.push_back(std::move(g));
      }
      s["grade"] = std::move(grade);
    }
    if (!run.pool) s["warnings"] = run.warnings;
    survival.push_back(std::move(s));
  }
  j["survival"] = survival;

  nlohmann::json baseline = nlohmann::json::array();
  for (const auto& b : results.baseline) {
    using Kind = io::SpecBaseline::Kind;
    nlohmann::json e = {{"name", b.label}, {"column", b.spec.column}, {"reporting", b.reporting},
                        {"not_reporting", b.not_reporting}};
    switch (b.spec.kind) {
      case Kind::kSum:
        e["kind"] = "sum";
        e["total"] = b.total;
        break;
      case Kind::kMedian:
        e["kind"] = "median";
        e["median"] = io::json_number(b.median);
        e["min"] = io::json_number(b.min);
        e["max"] = io::json_number(b.max);
        break;
      case Kind::kCount:
        e["kind"] = "count";
        e["n_column"] = b.spec.n;
        e["events"] = b.total;
        e["n"] = b.denominator;
        e["proportion"] = io::json_number(b.denominator > 0 ? b.total / b.denominator : std::nan(""));
        break;
      case Kind::kCategories: {
        e["kind"] = "categories";
        if (!b.spec.n.empty()) e["n_column"] = b.spec.n;
        nlohmann::json levels = nlohmann::json::array();
        for (const auto& l : b.levels) {
          levels.push_back({{"level", l.level}, {"studies", l.studies}, {"patients", io::json_number(l.patients)}});
        }
        e["levels"] = std::move(levels);
        break;
      }
    }
    baseline.push_back(std::move(e));
  }
  j["baseline"] = baseline;

  if (results.risk_of_bias) {
    const auto& rob = *results.risk_of_bias;
    const auto& tool = *rob.tool;
    nlohmann::json studies = nlohmann::json::array();
    for (const auto& st : rob.studies) {
      nlohmann::json judgements = nlohmann::json::array();
      for (auto level : st.domains) judgements.push_back(tool.levels[level].name);
      studies.push_back({{"study", st.study}, {"domains", judgements}, {"overall", tool.levels[st.overall].name},
                         {"notes", st.notes}});
    }
    nlohmann::json domains = nlohmann::json::array();
    for (const auto& d : rob.domains) domains.push_back({{"id", d.id}, {"name", d.name}});
    j["risk_of_bias"] = {{"tool", tool.id}, {"tool_name", tool.name}, {"domains", domains}, {"studies", studies},
                         {"notes", rob.notes}};
  }
  if (results.prisma) {
    j["prisma"] = {{"counts_csv", io::prisma_csv(*results.prisma)}, {"derived", results.prisma_check.derived}};
  }
  j["warnings"] = results.warnings;
  return j;
}

}  // namespace carta::report
