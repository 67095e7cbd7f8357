#include "carta/report/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>

#include "carta/beta_binomial.hpp"
#include "carta/error.hpp"
#include "carta/glmm.hpp"
#include "carta/influence.hpp"
#include "carta/io/file.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/study_table.hpp"
#include "carta/io/prisma_table.hpp"
#include "carta/io/rob_table.hpp"
#include "carta/io/survival_output.hpp"
#include "carta/io/survival_table.hpp"
#include "carta/metareg.hpp"
#include "carta/plot/baujat.hpp"
#include "carta/plot/bubble.hpp"
#include "carta/plot/forest.hpp"
#include "carta/plot/funnel.hpp"
#include "carta/plot/prisma_diagram.hpp"
#include "carta/plot/render.hpp"
#include "carta/plot/rob_plots.hpp"
#include "carta/plot/survival_curve.hpp"
#include "carta/plot/svg.hpp"
#include "carta/summary_curve.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"
#include "carta/survival.hpp"
#include "carta/version.hpp"

namespace carta::report {

namespace {

std::string measure_axis_label(Measure m) {
  switch (m) {
    case Measure::kPLO: return "Logit proportion";
    case Measure::kPAS: return "Arcsine square-root proportion";
    case Measure::kPFT: return "Freeman-Tukey double arcsine proportion";
    case Measure::kPR: return "Proportion";
    case Measure::kPLN: return "Log proportion";
  }
  return "Effect";
}

using plot::escape_xml;

std::string slug(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? std::string("outcome") : out;
}

std::string pct(double p) { return std::isfinite(p) ? fmt::format("{:.1f}%", 100.0 * p) : std::string("NA"); }
std::string pct_ci(double lb, double ub) { return fmt::format("{}&ndash;{}", pct(lb), pct(ub)); }
std::string pval(double p) {
  if (!std::isfinite(p)) return "NA";
  return p < 1e-4 ? std::string("&lt;0.0001") : fmt::format("{:.4f}", p);
}
std::string num(double x, int digits = 3) { return std::isfinite(x) ? fmt::format("{:.{}f}", x, digits) : std::string("NA"); }

// Checks that a column exists, with the spec line in the message.
void need_column(const io::Table& table, const std::string& column, const io::ReviewSpec& spec, std::size_t line,
                 const std::string& role) {
  try {
    (void)table.column(column);
  } catch (const Error& e) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}:{}: {} '{}': {}", spec.path.string(), line, role, column, e.what()));
  }
}

struct OutcomeRun {
  io::SpecOutcome spec;
  PoolOptions options;
  std::string method;
  std::optional<PoolResult> result;
  std::vector<std::size_t> rows;  // table row of each study
  nlohmann::json json;
  std::vector<std::pair<std::string, SubgroupAnalysis>> subgroups;
  std::vector<std::pair<std::string, ProportionRegression>> regressions;
  std::optional<SmallStudyEffects> bias;
  std::vector<LeaveOneOutRow> loo;
  std::vector<InfluenceRow> influence;
  std::string baujat_svg;
  std::vector<std::pair<std::string, PoolResult>> sensitivity;
  std::vector<std::string> warnings;
  std::string forest_svg;
  std::string funnel_svg;  // empty without small-study analyses
  std::vector<std::pair<std::string, std::string>> bubble_svgs;  // numeric moderator -> bubble plot
  std::vector<std::pair<std::string, std::string>> subgroup_svgs;
};

struct SurvivalRun {
  io::SpecSurvival spec;
  SurvivalOptions options;
  std::optional<SurvivalPoolResult> result;
  std::vector<std::string> load_notes;
  std::vector<std::string> warnings;  // could not run, and doubts about the exponential model
  std::string forest_svg;
  std::optional<SummaryCurve> curve;      // with grid and IPD: the pooled curve
  std::vector<StudyCurve> curve_studies;  // its input, on the grid
  std::string curve_svg;
};

SurvivalRun run_survival(const io::SpecSurvival& sv, const io::ReviewSpec& spec, const io::Table& table,
                         const std::vector<std::string>& exclude) {
  SurvivalRun run;
  run.spec = sv;
  run.options.pool = spec.options;
  if (!sv.method.empty()) run.options.pool.method = *parse_tau2_method(sv.method);
  if (sv.test) run.options.pool.test = *sv.test;
  if (spec.method == "GLMM" || spec.method == "BB") run.options.pool.method = Tau2Method::kREML;
  run.options.times = sv.at;
  io::SurvivalColumns columns = sv.columns;
  columns.label = spec.label;
  for (const auto* c : {&columns.s, &columns.s_lb, &columns.s_ub, &columns.s_time_column, &columns.median,
                        &columns.median_lb, &columns.median_ub, &columns.events, &columns.person_time, &columns.n,
                        &columns.ipd}) {
    if (*c) need_column(table, **c, spec, sv.line, fmt::format("survival '{}': column", sv.name));
  }
  io::SurvivalLoad load;
  try {
    load = io::load_survival_reports(table, columns, exclude);
  } catch (const Error& e) {
    throw Error(e.category(), fmt::format("{}:{}: survival '{}': {}", spec.path.string(), sv.line, sv.name, e.what()));
  }
  run.load_notes = load.notes;
  try {
    run.result = pool_survival(load.reports, run.options);
  } catch (const Error& e) {
    run.warnings.push_back(fmt::format("pooling failed: {}", e.what()));
    return run;
  }
  run.warnings.insert(run.warnings.end(), run.result->warnings.begin(), run.result->warnings.end());
  plot::ForestOptions fo;
  const double t = sv.at.front();
  fo.title = fmt::format("{}: S({:g}) under an exponential model per study", sv.name, t);
  fo.count_header = "From";
  fo.estimate_header = fmt::format("S({:g}) (%)", t);
  for (const auto& h : run.result->studies) fo.count_text.emplace_back(short_name(h.source));
  run.forest_svg = plot::forest_plot_svg(survival_at(*run.result, t), fo);
  if (!sv.grid.empty()) {
    std::vector<StudyCurve> display;  // every step of each Kaplan-Meier curve, for the figure
    for (const auto& rep : load.reports) {
      if (rep.ipd.empty()) continue;
      const KaplanMeier km = kaplan_meier(rep.ipd, spec.options.level);
      run.curve_studies.push_back(study_curve_from_km(rep.label, km, sv.grid));
      std::vector<double> steps;
      for (const auto& st : km.steps) steps.push_back(st.time);
      display.push_back(study_curve_from_km(rep.label, km, steps));
    }
    if (run.curve_studies.empty()) {
      run.warnings.push_back("grid is set but no study has patient data (ipd), so no pooled curve");
    } else {
      try {
        run.curve = summary_survival_curve(run.curve_studies, spec.options.level);
        plot::SurvivalCurveOptions co;
        co.title = fmt::format("{}: pooled survival curve", sv.name);
        run.curve_svg = plot::survival_curve_svg(*run.curve, display, co);
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("pooled curve: {}", e.what()));
      }
    }
  }
  return run;
}

PoolResult pool_with(const std::vector<ProportionStudy>& studies, const PoolOptions& options, const std::string& method) {
  if (method == "GLMM") return pool_proportions_glmm(studies, options, 7);
  if (method == "BB") return pool_proportions_bb(studies, options);
  return pool_proportions(studies, options);
}

std::string methods_paragraph(const io::ReviewSpec& spec) {
  const auto& o = spec.options;
  const Conventions c = conventions_for(o.preset);
  std::string model;
  if (spec.method == "GLMM") {
    model = "a one-stage random-intercept logistic model (binomial-normal GLMM) fitted by maximum likelihood with "
            "adaptive Gauss-Hermite quadrature (7 points), with a profile-likelihood confidence interval for the "
            "between-study variance";
  } else if (spec.method == "BB") {
    model = "a beta-binomial model fitted by maximum likelihood, with profile-likelihood confidence intervals";
  } else {
    model = fmt::format("a random-effects model with the {} estimator of the between-study variance (tau-squared) "
                        "on the {} scale{}, Q-profile confidence intervals for tau-squared",
                        o.method == Tau2Method::kREML ? "restricted maximum-likelihood" : std::string(to_string(o.method)),
                        o.measure == Measure::kPLO ? "logit" : std::string(to_string(o.measure)),
                        o.test == TestType::kKnha ? " and the Hartung-Knapp-Sidik-Jonkman adjustment of the confidence "
                                                    "interval"
                                                  : "");
  }
  std::string text = fmt::format(
      "Proportions were pooled using {}. Studies with zero or all events received a continuity correction of {} in "
      "the two-step analyses. Heterogeneity was quantified with Cochran's Q, I-squared ({}) and tau-squared; "
      "{:.0f}% prediction intervals used {}. Confidence intervals of individual studies are {}. ",
      model, o.continuity, c.i2 == I2Definition::kTau2Based ? "based on tau-squared" : "based on Q",
      100 * o.level, c.prediction == PredictionQuantile::kTkMinus1 ? "a t distribution with k - 1 degrees of freedom" : "the test's quantile",
      c.study_ci == StudyCiMethod::kClopperPearson ? "exact (Clopper-Pearson)" : std::string(to_string(c.study_ci)));
  if (!spec.subgroups.empty()) {
    text += "Subgroups were pooled separately (each with its own tau-squared), subgroups with fewer than " +
            std::to_string(spec.min_k) + " studies were not pooled, and differences were tested with the Q-between test. ";
  }
  if (!spec.moderators.empty()) text += "Mixed-effects meta-regression assessed study-level moderators. ";
  if (spec.bias) {
    text += "Small-study effects were assessed with Egger's regression test, the Peters test and trim-and-fill, "
            "acknowledging their limited meaning for proportions. ";
  }
  if (spec.leave_one_out) text += "Leave-one-out analyses assessed the influence of single studies. ";
  if (spec.influence) {
    text += "Case-deletion diagnostics (studentised residuals, DFFITS, Cook's distances, covariance ratios, "
            "leverages; Viechtbauer and Cheung 2010) flagged influential studies, shown with Baujat plots. ";
  }
  if (!spec.exclude.empty()) {
    text += fmt::format("{} report{} of trials that appear twice were excluded (the more complete or more recent "
                        "report was kept). ",
                        spec.exclude.size(), spec.exclude.size() == 1 ? "" : "s");
  }
  if (spec.risk_of_bias) {
    text += fmt::format("Risk of bias was assessed with {}{}. ", review::rob_tool(spec.risk_of_bias->tool).name,
                        review::rob_tool(spec.risk_of_bias->tool).rule == review::OverallRule::kRob2
                            ? ", with the overall judgement derived by the RoB 2 algorithm"
                            : "");
  }
  if (!spec.survival.empty()) {
    text += "Survival was pooled under an exponential model per study: each study's constant hazard was derived from "
            "the most informative quantity it reported (events and person-time, survival at a time point with its "
            "confidence interval or number of patients, or the median with its confidence interval), log hazards were "
            "pooled with the same random-effects model, and the pooled hazard was transformed back into survival at "
            "fixed times and a median; survival reported at a time point was also pooled directly on the "
            "complementary log-log scale as a sensitivity analysis. ";
  }
  text += fmt::format("All analyses were run with carta {} (preset {}), whose pooled estimates agree with R metafor.",
                      kVersion, to_string(o.preset));
  return text;
}

}  // namespace

ReportSummary write_report(const io::ReviewSpec& spec, const std::filesystem::path& out_dir,
                           const std::function<void(std::string_view)>& progress) {
  auto say = [&](std::string_view s) {
    if (progress) progress(s);
  };
  const io::Table table = io::read_table(spec.data_file);
  need_column(table, spec.label, spec, spec.data_file_line, "label column");
  for (const auto& c : spec.characteristics) need_column(table, c, spec, spec.data_file_line, "characteristics column");
  std::vector<std::string> exclude;
  for (const auto& e : spec.exclude) {
    bool found = false;
    for (const auto& row : table.rows) found = found || row[table.column(spec.label)] == e.study;
    if (!found) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: [[exclude]] study '{}' is not a label in {} (column '{}')", spec.path.string(),
                              e.line, e.study, spec.data_file.string(), spec.label));
    }
    exclude.push_back(e.study);
  }

  ReportSummary summary;
  std::vector<OutcomeRun> runs;
  for (const auto& oc : spec.outcomes) {
    say(fmt::format("pooling {}", oc.name));
    need_column(table, oc.events, spec, oc.line, fmt::format("outcome '{}': events column", oc.name));
    need_column(table, oc.n, spec, oc.line, fmt::format("outcome '{}': n column", oc.name));
    OutcomeRun run;
    run.spec = oc;
    run.options = spec.options;
    if (oc.measure) run.options.measure = *oc.measure;
    if (oc.test) run.options.test = *oc.test;
    run.method = oc.method.empty() ? spec.method : oc.method;
    if (const auto m = parse_tau2_method(run.method)) run.options.method = *m;
    const auto load = io::load_proportion_studies(table, io::StudyColumns{oc.events, oc.n, spec.label, std::nullopt}, exclude);
    const auto& group = load.groups.at(0);
    run.rows = group.rows;
    try {
      run.result = pool_with(group.studies, run.options, run.method);
    } catch (const Error& e) {
      run.warnings.push_back(fmt::format("pooling failed: {}", e.what()));
      summary.warnings.push_back(fmt::format("{}: {}", oc.name, run.warnings.back()));
      runs.push_back(std::move(run));
      continue;
    }
    auto& r = *run.result;
    r.notes.insert(r.notes.begin(), group.notes.begin(), group.notes.end());
    r.notes.insert(r.notes.begin(), load.notes.begin(), load.notes.end());
    auto cell = [&](std::size_t row, const std::string& col) -> std::optional<std::string> {
      const std::string& v = table.rows[row][table.column(col)];
      if (v.empty()) return std::nullopt;
      return v;
    };
    // The further analyses use the two-step model (they are defined for it).
    PoolOptions two_step = run.options;
    const auto& subgroup_vars = oc.subgroups ? *oc.subgroups : spec.subgroups;
    for (const auto& var : subgroup_vars) {
      need_column(table, var, spec, oc.line, "subgroup column");
      std::vector<std::optional<std::string>> level_of;
      std::vector<std::string> level_text;
      for (const auto row : group.rows) {
        level_of.push_back(cell(row, var));
        level_text.push_back(level_of.back().value_or(""));
      }
      try {
        auto a = subgroup_analysis(group.studies, level_of, two_step, SubgroupOptions{false, spec.min_k});
        plot::ForestOptions fo;
        fo.title = fmt::format("{} by {}", oc.name, var);
        const PoolResult overall = pool_proportions(group.studies, two_step);
        run.subgroup_svgs.emplace_back(var, plot::subgroup_forest_svg(overall, a, level_text, var, fo));
        run.subgroups.emplace_back(var, std::move(a));
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("subgroups by {}: {}", var, e.what()));
      }
    }
    const auto& moderator_vars = oc.moderators ? *oc.moderators : spec.moderators;
    for (const auto& var : moderator_vars) {
      need_column(table, var, spec, oc.line, "moderator column");
      ModeratorColumn m{var, {}, std::nullopt};
      for (const auto row : group.rows) m.values.push_back(cell(row, var));
      try {
        run.regressions.emplace_back(var, regress_proportions(group.studies, {m}, two_step));
        const auto& reg = run.regressions.back().second;
        if (plot::has_single_numeric_moderator(reg)) {
          std::vector<std::int64_t> n_used;
          for (const auto i : reg.design.kept) n_used.push_back(group.studies[i].n);
          const plot::BubbleOptions bo{fmt::format("{} by {}", oc.name, var), var, run.options.measure,
                                       harmonic_mean(n_used), run.options.level};
          run.bubble_svgs.emplace_back(var, plot::bubble_plot_svg(reg, bo));
        }
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("meta-regression on {}: {}", var, e.what()));
      }
    }
    if (spec.bias) {
      try {
        run.bias = small_study_effects(group.studies, two_step);
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("small-study effects: {}", e.what()));
      }
    }
    if (spec.leave_one_out && group.studies.size() >= 2) run.loo = leave_one_out(group.studies, two_step);
    if (spec.influence && group.studies.size() >= 3) {
      try {
        run.influence = influence_proportions(group.studies, two_step);
        run.baujat_svg = plot::baujat_plot_svg(run.influence, {fmt::format("{}: Baujat plot", oc.name)});
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("influence diagnostics: {}", e.what()));
      }
    }
    for (const auto& s : spec.sensitivity) {
      std::vector<io::RowFilter> filters;
      for (const auto& w : s.where) {
        try {
          filters.push_back(io::parse_row_filter(w));
          need_column(table, filters.back().column, spec, s.line, "sensitivity filter column");
        } catch (const Error& e) {
          throw Error(e.category(), fmt::format("{}:{}: sensitivity '{}': {}", spec.path.string(), s.line, s.name, e.what()));
        }
      }
      try {
        const auto sl = io::load_proportion_studies(table, io::StudyColumns{oc.events, oc.n, spec.label, std::nullopt},
                                                    exclude, filters);
        run.sensitivity.emplace_back(s.name, pool_with(sl.groups.at(0).studies, run.options, run.method));
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("sensitivity '{}': {}", s.name, e.what()));
      }
    }
    plot::ForestOptions fo;
    fo.title = oc.name;
    run.forest_svg = plot::forest_plot_svg(r, fo);
    if (run.bias) {
      plot::FunnelOptions fo_funnel;
      fo_funnel.title = oc.name;
      fo_funnel.x_label = measure_axis_label(run.options.measure);
      fo_funnel.contour_null = from_proportion(run.options.measure, spec.funnel_null, r.n_harmonic);
      fo_funnel.null_label = fmt::format("{:g}%", 100 * spec.funnel_null);
      run.funnel_svg = plot::funnel_plot_svg(*run.bias, fo_funnel);
    }
    for (const auto& w : run.warnings) summary.warnings.push_back(fmt::format("{}: {}", oc.name, w));
    runs.push_back(std::move(run));
  }

  std::vector<SurvivalRun> survival_runs;
  for (const auto& sv : spec.survival) {
    say(fmt::format("pooling {}", sv.name));
    survival_runs.push_back(run_survival(sv, spec, table, exclude));
    for (const auto& w : survival_runs.back().warnings) summary.warnings.push_back(fmt::format("{}: {}", sv.name, w));
  }

  // Risk of bias and PRISMA: read, checked and drawn; a problem in these files is an error that
  // names the spec line, as for the data file.
  std::optional<review::RobAssessment> rob;
  std::string rob_traffic_svg, rob_summary_svg;
  if (spec.risk_of_bias) {
    say("risk of bias");
    const auto& rs = *spec.risk_of_bias;
    io::RobColumns columns;
    columns.ihe_threshold = rs.threshold;
    try {
      rob = io::load_rob_assessment(io::read_table(rs.file), review::rob_tool(rs.tool), columns);
    } catch (const Error& e) {
      throw Error(e.category(), fmt::format("{}:{}: [risk_of_bias]: {}", spec.path.string(), rs.line, e.what()));
    }
    plot::RobPlotOptions ro;
    ro.title = rob->tool->name;
    ro.palette = rs.colourblind ? plot::RobPalette::kColourblind : plot::RobPalette::kCochrane;
    ro.weighted = rs.weighted;
    rob_traffic_svg = plot::traffic_light_svg(*rob, ro);
    rob_summary_svg = plot::rob_summary_svg(*rob, ro);
  }
  std::optional<review::PrismaCounts> prisma;
  review::PrismaCheck prisma_check;
  std::string prisma_svg;
  if (spec.prisma) {
    say("PRISMA 2020 flow diagram");
    try {
      prisma = io::load_prisma_counts(io::read_table(spec.prisma->file));
      prisma_check = review::complete_and_check(*prisma);
    } catch (const Error& e) {
      throw Error(e.category(), fmt::format("{}:{}: [prisma]: {}", spec.path.string(), spec.prisma->line, e.what()));
    }
    prisma_svg = plot::prisma_diagram_svg(*prisma);
  }

  // results.json: every number with the settings that produced it.
  nlohmann::json results;
  results["carta_version"] = std::string(kVersion);
  results["title"] = spec.title;
  results["spec"] = spec.path.filename().string();
  results["data"] = {{"file", spec.data_file.filename().string()}, {"rows", table.rows.size()}, {"label", spec.label}};
  nlohmann::json exclusions = nlohmann::json::array();
  for (const auto& e : spec.exclude) exclusions.push_back({{"study", e.study}, {"reason", e.reason}});
  results["exclusions"] = exclusions;
  results["methods"] = methods_paragraph(spec);
  nlohmann::json outcomes = nlohmann::json::array();
  std::string summary_csv =
      "outcome,method,k,patients,random_prop,random_prop_ci_lb,random_prop_ci_ub,random_prop_pi_lb,random_prop_pi_ub,"
      "common_prop,common_prop_ci_lb,common_prop_ci_ub,I2,tau2,Q_p\n";
  io::create_output_folder(out_dir / "figures");
  std::vector<plot::RenderJob> render_jobs;  // views into runs, which outlive the rendering
  for (auto& run : runs) {
    nlohmann::json j = {{"name", run.spec.name}, {"events", run.spec.events}, {"n", run.spec.n}, {"method", run.method}};
    if (run.result) {
      const auto& r = *run.result;
      j["pool"] = io::to_json(r);
      nlohmann::json sg = nlohmann::json::array();
      for (const auto& [var, a] : run.subgroups) sg.push_back(io::to_json(a, var, SubgroupOptions{false, spec.min_k}));
      j["subgroups"] = sg;
      nlohmann::json mr = nlohmann::json::array();
      for (const auto& [var, reg] : run.regressions) mr.push_back(io::to_json(reg, run.options.test));
      j["metareg"] = mr;
      if (run.bias) j["bias"] = io::to_json(*run.bias, run.options, r.n_harmonic);
      j["leave_one_out"] = io::to_json(run.loo);
      j["influence"] = io::to_json(run.influence);
      nlohmann::json sens = nlohmann::json::array();
      for (const auto& [name, sr] : run.sensitivity) sens.push_back({{"name", name}, {"pool", io::to_json(sr)}});
      j["sensitivity"] = sens;
      std::int64_t patients = 0;
      for (const auto& s : r.studies) patients += s.n;
      summary_csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", io::csv_field(run.spec.name), run.method,
                                 r.k, patients, r.random.prop, r.random.prop_ci_lb, r.random.prop_ci_ub,
                                 r.random.prop_pi_lb, r.random.prop_pi_ub, r.common.prop, r.common.prop_ci_lb,
                                 r.common.prop_ci_ub, r.heterogeneity.I2, r.heterogeneity.tau2, r.heterogeneity.Q_p);
      const std::string s = slug(run.spec.name);
      io::write_file_atomic(out_dir / fmt::format("studies_{}.csv", s), io::studies_csv(r));
      summary.files.push_back(fmt::format("studies_{}.csv", s));
      // Every figure as SVG, PNG and PDF; PNG and PDF are rendered from the same SVG after this loop.
      auto figure = [&](const std::string& stem, const std::string& svg) {
        io::write_file_atomic(out_dir / "figures" / (stem + ".svg"), svg);
        render_jobs.push_back({svg, out_dir / "figures" / (stem + ".png"), out_dir / "figures" / (stem + ".pdf")});
        for (const char* ext : {".svg", ".png", ".pdf"}) summary.files.push_back(std::filesystem::path("figures") / (stem + ext));
      };
      figure(fmt::format("forest_{}", s), run.forest_svg);
      for (const auto& [var, svg] : run.subgroup_svgs) figure(fmt::format("forest_{}_by_{}", s, slug(var)), svg);
      if (!run.funnel_svg.empty()) figure(fmt::format("funnel_{}", s), run.funnel_svg);
      for (const auto& [var, svg] : run.bubble_svgs) figure(fmt::format("bubble_{}_by_{}", s, slug(var)), svg);
      if (!run.baujat_svg.empty()) figure(fmt::format("baujat_{}", s), run.baujat_svg);
    }
    j["warnings"] = run.warnings;
    outcomes.push_back(std::move(j));
  }
  nlohmann::json survival_json = nlohmann::json::array();
  for (const auto& run : survival_runs) {
    nlohmann::json j = run.result ? io::to_json(*run.result) : nlohmann::json::object();
    j["name"] = run.spec.name;
    j["input_notes"] = run.load_notes;
    if (run.curve) j["curve"] = io::to_json(*run.curve, run.curve_studies);
    if (!run.result) j["warnings"] = run.warnings;
    survival_json.push_back(std::move(j));
    if (run.result) {
      const std::string stem = fmt::format("forest_survival_{}", slug(run.spec.name));
      io::write_file_atomic(out_dir / "figures" / (stem + ".svg"), run.forest_svg);
      render_jobs.push_back({run.forest_svg, out_dir / "figures" / (stem + ".png"), out_dir / "figures" / (stem + ".pdf")});
      for (const char* ext : {".svg", ".png", ".pdf"}) summary.files.push_back(std::filesystem::path("figures") / (stem + ext));
    }
    if (!run.curve_svg.empty()) {
      const std::string stem = fmt::format("survival_curve_{}", slug(run.spec.name));
      io::write_file_atomic(out_dir / "figures" / (stem + ".svg"), run.curve_svg);
      render_jobs.push_back({run.curve_svg, out_dir / "figures" / (stem + ".png"), out_dir / "figures" / (stem + ".pdf")});
      for (const char* ext : {".svg", ".png", ".pdf"}) summary.files.push_back(std::filesystem::path("figures") / (stem + ext));
    }
  }
  results["survival"] = survival_json;
  auto extra_figure = [&](const std::string& stem, const std::string& svg) {
    io::write_file_atomic(out_dir / "figures" / (stem + ".svg"), svg);
    render_jobs.push_back({svg, out_dir / "figures" / (stem + ".png"), out_dir / "figures" / (stem + ".pdf")});
    for (const char* ext : {".svg", ".png", ".pdf"}) summary.files.push_back(std::filesystem::path("figures") / (stem + ext));
  };
  if (rob) {
    const auto& tool = *rob->tool;
    nlohmann::json studies = nlohmann::json::array();
    for (const auto& st : rob->studies) {
      nlohmann::json judgements = nlohmann::json::array();
      for (auto level : st.domains) judgements.push_back(tool.levels[level].name);
      studies.push_back({{"study", st.study}, {"domains", judgements}, {"overall", tool.levels[st.overall].name},
                         {"notes", st.notes}});
    }
    nlohmann::json domains = nlohmann::json::array();
    for (const auto& d : rob->domains) domains.push_back({{"id", d.id}, {"name", d.name}});
    results["risk_of_bias"] = {{"tool", tool.id}, {"tool_name", tool.name}, {"domains", domains}, {"studies", studies},
                               {"notes", rob->notes}};
    extra_figure("rob_traffic_light", rob_traffic_svg);
    extra_figure("rob_summary", rob_summary_svg);
  }
  if (prisma) {
    results["prisma"] = {{"counts_csv", io::prisma_csv(*prisma)}, {"derived", prisma_check.derived}};
    io::write_file_atomic(out_dir / "prisma.csv", io::prisma_csv(*prisma));
    summary.files.emplace_back("prisma.csv");
    extra_figure("prisma", prisma_svg);
  }
  say(fmt::format("rendering {} figures as PNG and PDF", render_jobs.size()));
  plot::render_all(render_jobs);
  results["outcomes"] = outcomes;
  results["warnings"] = summary.warnings;
  io::write_file_atomic(out_dir / "results.json", results.dump(2) + "\n");
  summary.files.emplace_back("results.json");
  io::write_file_atomic(out_dir / "summary.csv", summary_csv);
  summary.files.emplace_back("summary.csv");

  // index.html: self-contained, every user text escaped.
  say("writing index.html");
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += fmt::format("<title>{}</title>\n", escape_xml(spec.title.empty() ? "carta report" : spec.title));
  h += "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}"
       "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border-bottom:1px solid #ddd;padding:4px 8px;"
       "text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}"
       "h2{border-bottom:2px solid #4a6fa5;padding-bottom:4px;margin-top:2em}.figure{overflow-x:auto;margin:1em 0}"
       ".warn{background:#fff4e5;border-left:4px solid #e69500;padding:6px 10px}.note{color:#555;font-size:0.85em}"
       "@media print{.figure{overflow:visible}}</style>\n</head><body>\n";
  h += fmt::format("<h1>{}</h1>\n", escape_xml(spec.title.empty() ? "Meta-analysis report" : spec.title));
  h += fmt::format("<p class=\"note\">Data: {} ({} rows). Generated by carta {} from {}.</p>\n",
                   escape_xml(spec.data_file.filename().string()), table.rows.size(), kVersion,
                   escape_xml(spec.path.filename().string()));

  h += "<h2 id=\"summary\">Summary of findings</h2>\n<table><tr><th>Outcome</th><th>Studies</th><th>Patients</th>"
       "<th>Pooled (random effects)</th><th>95% CI</th><th>Prediction interval</th><th>I&sup2;</th><th>&tau;&sup2;</th>"
       "<th>Heterogeneity p</th><th>Common effect</th></tr>\n";
  for (const auto& run : runs) {
    if (!run.result) {
      h += fmt::format("<tr><td>{}</td><td colspan=\"9\">not pooled: {}</td></tr>\n", escape_xml(run.spec.name),
                       escape_xml(run.warnings.empty() ? "" : run.warnings.front()));
      continue;
    }
    const auto& r = *run.result;
    std::int64_t patients = 0;
    for (const auto& s : r.studies) patients += s.n;
    h += fmt::format(
        "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{} ({})</td></tr>\n",
        slug(run.spec.name), escape_xml(run.spec.name), r.k, patients, pct(r.random.prop),
        pct_ci(r.random.prop_ci_lb, r.random.prop_ci_ub), pct_ci(r.random.prop_pi_lb, r.random.prop_pi_ub),
        std::isfinite(r.heterogeneity.I2) ? fmt::format("{:.1f}%", r.heterogeneity.I2) : std::string("NA"),
        num(r.heterogeneity.tau2, 4), pval(r.heterogeneity.Q_p), pct(r.common.prop),
        pct_ci(r.common.prop_ci_lb, r.common.prop_ci_ub));
  }
  h += "</table>\n";

  if (prisma) {
    h += "<h2 id=\"prisma\">Study selection (PRISMA 2020)</h2>\n";
    h += "<div class=\"figure\">" + prisma_svg + "</div>\n";
    if (!prisma_check.derived.empty()) {
      h += "<details><summary>Counts computed from the others</summary><ul>\n";
      for (const auto& d : prisma_check.derived) h += fmt::format("<li>{}</li>\n", escape_xml(d));
      h += "</ul></details>\n";
    }
  }

  if (!spec.characteristics.empty()) {
    h += "<h2 id=\"studies\">Study characteristics</h2>\n<table><tr><th>Study</th>";
    for (const auto& c : spec.characteristics) h += fmt::format("<th>{}</th>", escape_xml(c));
    h += "</tr>\n";
    for (const auto& row : table.rows) {
      const std::string& label = row[table.column(spec.label)];
      const bool excluded = std::find(exclude.begin(), exclude.end(), label) != exclude.end();
      h += fmt::format("<tr><td>{}{}</td>", escape_xml(label), excluded ? " <em>(excluded)</em>" : "");
      for (const auto& c : spec.characteristics) h += fmt::format("<td>{}</td>", escape_xml(row[table.column(c)]));
      h += "</tr>\n";
    }
    h += "</table>\n";
  }
  if (rob) {
    h += fmt::format("<h2 id=\"risk-of-bias\">Risk of bias ({})</h2>\n", escape_xml(rob->tool->name));
    h += "<div class=\"figure\">" + rob_traffic_svg + "</div>\n";
    h += "<div class=\"figure\">" + rob_summary_svg + "</div>\n";
    std::vector<std::string> notes = rob->notes;
    for (const auto& st : rob->studies) {
      for (const auto& n : st.notes) notes.push_back(st.study + ": " + n);
    }
    if (!notes.empty()) {
      h += "<details><summary>Notes</summary><ul>\n";
      for (const auto& n : notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
      h += "</ul></details>\n";
    }
  }
  if (!spec.exclude.empty()) {
    h += "<h3>Excluded reports</h3>\n<ul>\n";
    for (const auto& e : spec.exclude) h += fmt::format("<li><b>{}</b>: {}</li>\n", escape_xml(e.study), escape_xml(e.reason));
    h += "</ul>\n";
  }

  for (const auto& run : runs) {
    h += fmt::format("<h2 id=\"{}\">{}</h2>\n", slug(run.spec.name), escape_xml(run.spec.name));
    for (const auto& w : run.warnings) h += fmt::format("<p class=\"warn\">{}</p>\n", escape_xml(w));
    if (!run.result) continue;
    const auto& r = *run.result;
    h += fmt::format("<p>Events column <code>{}</code>, patients column <code>{}</code>; {}.</p>\n",
                     escape_xml(run.spec.events), escape_xml(run.spec.n), escape_xml(describe_conventions(r)));
    h += "<div class=\"figure\">" + run.forest_svg + "</div>\n";
    if (!run.subgroups.empty()) {
      h += "<h3>Subgroups</h3>\n";
      for (std::size_t i = 0; i < run.subgroups.size(); ++i) {
        const auto& [var, a] = run.subgroups[i];
        h += fmt::format("<p><b>{}</b>: test for subgroup differences Q = {}, df = {}, p = {}</p>\n", escape_xml(var),
                         num(a.Q_between, 2), num(a.Q_between_df, 0), pval(a.Q_between_p));
        h += "<div class=\"figure\">" + run.subgroup_svgs[i].second + "</div>\n";
      }
    }
    if (!run.regressions.empty()) {
      h += "<h3>Meta-regression</h3>\n<table><tr><th>Moderator</th><th>k</th><th>Coefficient</th><th>SE</th><th>p</th>"
           "<th>R&sup2;</th><th>Residual I&sup2;</th></tr>\n";
      for (const auto& [var, reg] : run.regressions) {
        for (std::size_t c = 1; c < reg.fit.coefficients.size(); ++c) {
          const auto& co = reg.fit.coefficients[c];
          h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                           "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                           escape_xml(co.name), reg.fit.k, num(co.est, 4), num(co.se, 4), pval(co.p),
                           std::isfinite(reg.fit.R2) ? fmt::format("{:.1f}%", reg.fit.R2) : std::string("NA"),
                           fmt::format("{:.1f}%", reg.fit.I2));
        }
      }
      h += "</table>\n";
      for (const auto& [var, svg] : run.bubble_svgs) h += "<div class=\"figure\">" + svg + "</div>\n";
    }
    if (run.bias) {
      const auto& b = *run.bias;
      h += "<h3>Small-study effects</h3>\n<ul>\n";
      if (b.egger) h += fmt::format("<li>Egger regression test: t({}) = {}, p = {}</li>\n", num(b.egger->df, 0), num(b.egger->stat), pval(b.egger->p));
      if (b.peters) h += fmt::format("<li>Peters test: t({}) = {}, p = {}</li>\n", num(b.peters->df, 0), num(b.peters->stat), pval(b.peters->p));
      if (b.begg) h += fmt::format("<li>Begg rank correlation: &tau; = {}, p = {}</li>\n", num(b.begg->tau), pval(b.begg->p));
      if (b.trimfill) {
        const auto& t = *b.trimfill;
        h += fmt::format("<li>Trim-and-fill ({}): {} studies filled on the {}; adjusted estimate {} ({})</li>\n",
                         t.estimator == TrimFillEstimator::kL0 ? "L0" : "R0", t.k0,
                         t.side == FunnelSide::kLeft ? "left" : "right",
                         pct(to_proportion(run.options.measure, t.est, r.n_harmonic)),
                         pct_ci(to_proportion(run.options.measure, t.ci_lb, r.n_harmonic),
                                to_proportion(run.options.measure, t.ci_ub, r.n_harmonic)));
      }
      h += "</ul>\n";
      if (!run.funnel_svg.empty()) h += "<div class=\"figure\">" + run.funnel_svg + "</div>\n";
      for (const auto& n : b.notes) h += fmt::format("<p class=\"note\">{}</p>\n", escape_xml(n));
    }
    if (!run.sensitivity.empty() || !run.loo.empty()) {
      h += "<h3>Sensitivity analyses</h3>\n<table><tr><th>Analysis</th><th>k</th><th>Pooled</th><th>95% CI</th><th>I&sup2;</th></tr>\n";
      h += fmt::format("<tr><td>Main analysis</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                       r.k, pct(r.random.prop), pct_ci(r.random.prop_ci_lb, r.random.prop_ci_ub),
                       std::isfinite(r.heterogeneity.I2) ? fmt::format("{:.1f}%", r.heterogeneity.I2) : std::string("NA"));
      for (const auto& [name, sr] : run.sensitivity) {
        h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                         escape_xml(name), sr.k, pct(sr.random.prop), pct_ci(sr.random.prop_ci_lb, sr.random.prop_ci_ub),
                         std::isfinite(sr.heterogeneity.I2) ? fmt::format("{:.1f}%", sr.heterogeneity.I2) : std::string("NA"));
      }
      if (!run.loo.empty()) {
        const auto [lo, hi] = std::minmax_element(run.loo.begin(), run.loo.end(), [](const auto& a, const auto& b2) {
          return a.fit.prop < b2.fit.prop;
        });
        h += fmt::format("<tr><td>Leave-one-out range (omitting {} / {})</td><td class=\"num\">{}</td><td class=\"num\">{} to {}</td><td></td><td></td></tr>\n",
                         escape_xml(lo->omitted), escape_xml(hi->omitted), r.k - 1, pct(lo->fit.prop), pct(hi->fit.prop));
      }
      h += "</table>\n";
    }
    if (!run.influence.empty()) {
      h += "<h3>Influence</h3>\n";
      std::vector<std::string> flagged;
      for (const auto& row : run.influence) {
        if (row.influential) {
          flagged.push_back(fmt::format("{} (studentised residual {}, Cook's distance {}, hat {})", escape_xml(row.label),
                                        num(row.rstudent, 2), num(row.cook_d, 3), num(row.hat, 3)));
        }
      }
      h += flagged.empty() ? std::string("<p>No study meets metafor's criteria for an influential case.</p>\n")
                           : fmt::format("<p>Influential by metafor's criteria: {}.</p>\n", fmt::format("{}", fmt::join(flagged, "; ")));
      h += "<div class=\"figure\">" + run.baujat_svg + "</div>\n";
    }
    h += "<details><summary>Notes</summary><ul>\n";
    for (const auto& n : r.notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
    h += "</ul></details>\n";
  }

  for (const auto& run : survival_runs) {
    h += fmt::format("<h2 id=\"survival-{}\">{}</h2>\n", slug(run.spec.name), escape_xml(run.spec.name));
    for (const auto& w : run.warnings) h += fmt::format("<p class=\"warn\">{}</p>\n", escape_xml(w));
    if (!run.result) continue;
    const auto& r = *run.result;
    const auto& het = r.log_hazard.heterogeneity;
    h += fmt::format("<p>{} studies; exponential model per study, log hazards pooled with {} ({} test). "
                     "I&sup2; = {:.1f}%, &tau;&sup2; = {}, heterogeneity p = {}.</p>\n",
                     r.log_hazard.k, escape_xml(std::string(to_string(r.options.pool.method))),
                     escape_xml(std::string(to_string(r.options.pool.test))), het.I2, num(het.tau2, 4), pval(het.Q_p));
    h += "<table><tr><th>Quantity</th><th>Random effects</th><th>95% CI</th><th>Prediction interval</th>"
         "<th>Common effect</th><th>Pooled directly (cloglog)</th></tr>\n";
    for (std::size_t i = 0; i < r.survival.size(); ++i) {
      const auto& at = r.survival[i];
      const auto& d = r.direct[i];
      h += fmt::format("<tr><td>S({:g})</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{} ({})</td><td class=\"num\">{}</td></tr>\n",
                       at.time, pct(at.random.est), pct_ci(at.random.ci_lb, at.random.ci_ub),
                       pct_ci(at.random.pi_lb, at.random.pi_ub), pct(at.common.est),
                       pct_ci(at.common.ci_lb, at.common.ci_ub),
                       d.pool ? fmt::format("{} ({}), k = {}", pct(d.random.est), pct_ci(d.random.ci_lb, d.random.ci_ub),
                                            d.labels.size())
                              : std::string("no study reports S then"));
    }
    h += fmt::format("<tr><td>Median</td><td class=\"num\">{}</td><td class=\"num\">{}&ndash;{}</td>"
                     "<td class=\"num\">{}&ndash;{}</td><td class=\"num\">{}</td><td></td></tr>\n",
                     num(r.median_random.est, 1), num(r.median_random.ci_lb, 1), num(r.median_random.ci_ub, 1),
                     num(r.median_random.pi_lb, 1), num(r.median_random.pi_ub, 1), num(r.median_common.est, 1));
    h += fmt::format("<tr><td>Hazard (per unit of time)</td><td class=\"num\">{}</td><td class=\"num\">{}&ndash;{}</td>"
                     "<td class=\"num\">{}&ndash;{}</td><td class=\"num\">{}</td><td></td></tr>\n",
                     num(r.hazard_random.est, 4), num(r.hazard_random.ci_lb, 4), num(r.hazard_random.ci_ub, 4),
                     num(r.hazard_random.pi_lb, 4), num(r.hazard_random.pi_ub, 4), num(r.hazard_common.est, 4));
    h += "</table>\n";
    h += "<div class=\"figure\">" + run.forest_svg + "</div>\n";
    h += "<table><tr><th>Study</th><th>From</th><th>Reported</th><th>ln hazard</th><th>SE</th><th>Weight</th></tr>\n";
    for (std::size_t i = 0; i < r.studies.size(); ++i) {
      const auto& st = r.studies[i];
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{:.1f}%</td></tr>\n",
                       escape_xml(st.label), escape_xml(std::string(short_name(st.source))), escape_xml(st.detail),
                       num(st.log_hazard, 4), num(st.se, 4), r.log_hazard.studies[i].weight_random);
    }
    h += "</table>\n<details><summary>Notes</summary><ul>\n";
    for (const auto& n : run.load_notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
    for (const auto& n : r.log_hazard.notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
    for (const auto& st : r.studies) {
      for (const auto& n : st.notes) h += fmt::format("<li>{}: {}</li>\n", escape_xml(st.label), escape_xml(n));
    }
    h += "</ul></details>\n";
    if (run.curve) {
      const auto& c = *run.curve;
      h += fmt::format("<h3>Pooled survival curve</h3>\n<p>{} studies with patient data; conditional survival over "
                       "each interval of the grid pooled with random effects (Combescure et al. 2014). I&sup2; = {:.1f}%, "
                       "median {}.</p>\n",
                       run.curve_studies.size(), c.I2,
                       std::isnan(c.median_random) ? std::string("not reached") : num(c.median_random, 1));
      h += "<div class=\"figure\">" + run.curve_svg + "</div>\n";
      h += "<table><tr><th>Time</th><th>Studies</th><th>Survival (random effects)</th><th>95% CI</th></tr>\n";
      for (const auto& p : c.points) {
        h += fmt::format("<tr><td class=\"num\">{:g}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td></tr>\n",
                         p.time, p.k, pct(p.random), pct_ci(p.random_lb, p.random_ub));
      }
      h += "</table>\n";
    }
  }

  if (!summary.warnings.empty()) {
    h += "<h2 id=\"warnings\">Warnings</h2>\n<ul>\n";
    for (const auto& w : summary.warnings) h += fmt::format("<li>{}</li>\n", escape_xml(w));
    h += "</ul>\n";
  }
  h += "<h2 id=\"methods\">Methods</h2>\n";
  h += fmt::format("<p>{}</p>\n", escape_xml(methods_paragraph(spec)));
  h += "<p class=\"note\">Every number in this report is in results.json with the settings that produced it.</p>\n";
  h += "</body></html>\n";
  io::write_file_atomic(out_dir / "index.html", h);
  summary.files.emplace_back("index.html");
  return summary;
}

}  // namespace carta::report
