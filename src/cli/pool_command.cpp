#include "pool_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "carta/error.hpp"
#include "options.hpp"
#include "carta/io/file.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/study_table.hpp"
#include "carta/beta_binomial.hpp"
#include "carta/exact_ci.hpp"
#include "carta/glmm.hpp"
#include "carta/influence.hpp"
#include "carta/metareg.hpp"
#include "carta/permutation.hpp"
#include "carta/pool.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"
#include "text_summary.hpp"

namespace carta::cli {

namespace {

constexpr const char* kPoolFooter = R"(
Examples:
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --label study_id
  carta pool trials.csv --events crs3 --n n --method PM --test knha --format json
  carta pool long.csv --events x --n n --by outcome --format json   (JSON Lines, one per group)
  carta pool studies.csv --events cr_events --n cr_n --label study_id --subgroup antigen_target
  carta pool studies.csv --events cr_events --n cr_n --moderator median_age_years --test knha
  carta pool studies.csv --events cr_events --n cr_n --where population_group=adult --leave-one-out
  carta pool studies.csv --events cr_events --n cr_n --influence --cumulative year --bias
  carta pool studies.csv --events cr_events --n cr_n --moderator median_age_years --permutations 10000

Measures: PLO logit (default), PAS arcsine, PFT Freeman-Tukey double arcsine, PR raw, PLN log.
Estimators: REML (default), DL, ML, PM, HE, SJ, HS, EB. --method GLMM fits the random-intercept
logistic model by maximum likelihood (adaptive Gauss-Hermite, --nagq 7 as metafor's rma.glmm),
with a profile-likelihood CI for tau^2 and the population-averaged proportion. --method BB fits
the beta-binomial model (mean proportion and overdispersion by ML, profile-likelihood CIs).
Presets (conventions on which R packages differ; always printed with the results):
  carta    metafor's numbers; prediction interval with t(k-1); Clopper-Pearson study CIs
  metafor  metafor exactly: tau^2-based I^2, prediction interval with the test's quantile,
           Wald study CIs on the measure's scale
  meta     R meta: Q-based I^2 with Higgins-Thompson CIs, t(k-1) prediction interval,
           Clopper-Pearson study CIs, metaprop's zero-cell rules for PLN and PR
Subgroups: one pooled estimate per level (own tau^2 unless --tau-common), levels with fewer than
--min-k studies listed but not pooled, and the test for subgroup differences. Moderators: numeric
columns enter as they are, text columns as categories against the first level in byte order;
studies with a missing moderator value are left out of the regression (with a note).
Rows whose events or n cell is empty are skipped with a note (not every trial reports every
outcome). Every other bad cell is an error naming file:line:column.
Exit codes: 0 ok, 3 results written but an iteration did not converge, 64 bad option,
65 bad data, 66 unreadable file, 70 numerical failure.)";


}  // namespace

CLI::App* add_pool_command(CLI::App& app, PoolArgs& args) {
  auto* cmd = app.add_subcommand(
      "pool", "Pool single proportions (events/n per study) with common and random effects");
  cmd->footer(kPoolFooter);
  cmd->add_option("file", args.file, "CSV (or .tsv) table, one row per study; columns chosen by header name")
      ->required();
  cmd->add_option("--events", args.events, "column holding the number of patients with the event")->required();
  cmd->add_option("--n", args.n, "column holding the number of patients (the denominator)")->required();
  cmd->add_option("--label", args.label, "column holding unique study labels (default: 'row N')");
  cmd->add_option("--measure", args.measure, "PLO, PAS, PFT, PR or PLN")->capture_default_str();
  cmd->add_option("--method", args.method,
                  "tau^2 estimator: REML, DL, ML, PM, HE, SJ, HS, EB; or GLMM (binomial-normal) or BB (beta-binomial)")
      ->capture_default_str();
  cmd->add_option("--nagq", args.nagq, "GLMM quadrature points (1 = Laplace)")->capture_default_str();
  cmd->add_option("--test", args.test, "z, knha (Hartung-Knapp-Sidik-Jonkman, t with k-1 df), or t (unscaled SE, t with k-1 df)")
      ->capture_default_str();
  cmd->add_option("--preset", args.preset, "carta, metafor or meta (see below)")->capture_default_str();
  cmd->add_option("--study-ci", args.study_ci,
                  "study CIs: clopper-pearson, wilson, wilson-cc, agresti-coull, wald (default: the preset's)");
  cmd->add_option("--cc", args.continuity, "continuity correction added to studies with 0 or n events")
      ->capture_default_str();
  cmd->add_option("--level", args.level, "confidence level, as 0.95 or 95")->capture_default_str();
  cmd->add_option("--by", args.by, "run one meta-analysis per value of this column");
  cmd->add_option("--exclude", args.exclude, "leave out the study with this label (repeatable)");
  cmd->add_option("--subgroup", args.subgroup, "subgroup analysis by the levels of this column");
  cmd->add_flag("--tau-common", args.tau_common, "one tau^2 for all subgroups (mixed-effects model), with its QM test");
  cmd->add_option("--min-k", args.min_k, "smallest subgroup that is pooled")->capture_default_str();
  cmd->add_option("--moderator", args.moderators, "meta-regression on this column (repeatable: several moderators)");
  cmd->add_flag("--leave-one-out", args.leave_one_out, "refit without each study in turn");
  cmd->add_flag("--influence", args.influence,
                "case-deletion diagnostics (rstudent, DFFITS, Cook's distance, ...), Baujat coordinates");
  cmd->add_option("--cumulative", args.cumulative, "cumulative meta-analysis, adding studies in the order of this column");
  cmd->add_option("--predict", args.predict,
                  "predicted proportion at moderator values, e.g. median_age_years=20 or age=20,costim=CD28 (repeatable)");
  cmd->add_option("--permutations", args.permutations,
                  "permutation test for the moderators with this many iterations (exact when fewer suffice)");
  cmd->add_option("--seed", args.seed, "seed of the permutation test")->capture_default_str();
  cmd->add_option("--where", args.where,
                  "keep only rows that match, e.g. population_group=adult or median_age_years>=18 (repeatable, all must hold)");
  cmd->add_flag("--bias", args.bias,
                "small-study effects: Egger (and PET-PEESE), Peters, Begg, trim-and-fill, funnel-plot data");
  cmd->add_option("--trimfill-estimator", args.trimfill_estimator, "L0 or R0")->capture_default_str();
  cmd->add_option("--ci", args.ci,
                  "exact: also the exact interval for the random-effects mean (Michael et al. 2019), for few studies");
  cmd->add_option("--exact-draws", args.exact_draws, "Monte Carlo draws for --ci exact")->capture_default_str();
  cmd->add_option("--format", args.format, "text, json or csv")->capture_default_str();
  cmd->add_option("-o,--output", args.output, "write here instead of standard output (atomically)");
  return cmd;
}

int run_pool(const PoolArgs& args, std::ostream& out, std::ostream& err) {
  PoolOptions options;
  options.measure = parse_or_throw(parse_measure(args.measure), "--measure", args.measure, "PLO, PAS, PFT, PR, PLN");
  const bool glmm = args.method == "GLMM";
  const bool beta_binomial = args.method == "BB";
  options.method = (glmm || beta_binomial) ? Tau2Method::kREML
                                           : parse_or_throw(parse_tau2_method(args.method), "--method", args.method,
                                                            "REML, DL, ML, PM, HE, SJ, HS, EB, GLMM, BB");
  if ((glmm || beta_binomial) && (!args.subgroup.empty() || !args.moderators.empty() || args.leave_one_out || args.influence ||
               !args.cumulative.empty() || args.bias)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--method {} does not yet combine with --subgroup, --moderator, --leave-one-out, "
                            "--influence, --cumulative or --bias; run those with a two-step estimator (e.g. --method REML)",
                            args.method));
  }
  options.test = parse_or_throw(parse_test(args.test), "--test", args.test, "z, knha, t");
  options.preset = parse_or_throw(parse_preset(args.preset), "--preset", args.preset, "carta, metafor, meta");
  if (!args.study_ci.empty()) {
    options.study_ci = parse_or_throw(parse_study_ci(args.study_ci), "--study-ci", args.study_ci,
                                      "clopper-pearson, wilson, wilson-cc, agresti-coull, wald");
  }
  options.continuity = args.continuity;
  if (!(args.continuity >= 0.0) || !std::isfinite(args.continuity)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--cc is {}, but must be >= 0 (usually 0.5)", args.continuity));
  }
  options.level = parse_level(args.level, "--level");
  if (args.format != "text" && args.format != "json" && args.format != "csv") {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--format '{}' is not one of: text, json, csv", args.format));
  }

  const io::Table table = io::read_table(args.file);
  io::StudyColumns columns{args.events, args.n, std::nullopt, std::nullopt};
  if (!args.label.empty()) columns.label = args.label;
  if (!args.by.empty()) columns.by = args.by;
  std::vector<io::RowFilter> filters;
  for (const auto& w : args.where) filters.push_back(io::parse_row_filter(w));
  const io::StudyLoad load = io::load_proportion_studies(table, columns, args.exclude, filters);
  const std::size_t subgroup_col = args.subgroup.empty() ? 0 : table.column(args.subgroup);
  std::vector<std::size_t> moderator_cols;
  for (const auto& m : args.moderators) moderator_cols.push_back(table.column(m));
  const std::size_t cumulative_col = args.cumulative.empty() ? 0 : table.column(args.cumulative);
  if (args.permutations > 0 && args.moderators.empty()) {
    throw Error(ErrorCategory::kInvalidOption, "--permutations tests moderators: give at least one --moderator");
  }
  if (args.permutations == 1) throw Error(ErrorCategory::kInvalidOption, "--permutations must be at least 2");
  if (!args.predict.empty() && args.moderators.empty()) {
    throw Error(ErrorCategory::kInvalidOption, "--predict needs a meta-regression: give at least one --moderator");
  }
  std::vector<std::vector<std::pair<std::string, std::string>>> prediction_points;
  for (const auto& text : args.predict) {
    std::vector<std::pair<std::string, std::string>> point;
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t end = std::min(text.find(',', start), text.size());
      const std::string item = text.substr(start, end - start);
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("--predict '{}': write COLUMN=VALUE, several joined by commas", text));
      }
      point.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      start = end + 1;
    }
    prediction_points.push_back(std::move(point));
  }
  auto cell = [&table](std::size_t row, std::size_t col) -> std::optional<std::string> {
    std::string_view text = table.rows[row][col];
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    return std::string(text);
  };
  if (args.min_k < 1) throw Error(ErrorCategory::kInvalidOption, "--min-k must be at least 1");
  const SubgroupOptions subgroup_options{args.tau_common, args.min_k};
  if (args.trimfill_estimator != "L0" && args.trimfill_estimator != "R0") {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--trimfill-estimator '{}' is not one of: L0, R0", args.trimfill_estimator));
  }
  if (!args.ci.empty() && args.ci != "exact") {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--ci '{}' is not one of: exact", args.ci));
  }
  if (args.ci == "exact" && (glmm || beta_binomial)) {
    throw Error(ErrorCategory::kInvalidOption, "--ci exact is for the normal-normal (two-step) model, not --method GLMM or BB");
  }
  const TrimFillEstimator trimfill_estimator =
      args.trimfill_estimator == "L0" ? TrimFillEstimator::kL0 : TrimFillEstimator::kR0;

  const bool grouped = !args.by.empty();
  std::ostringstream buffer;
  int status = 0;
  std::size_t done = 0;
  const std::size_t total = load.groups.size();
  if (args.format == "csv" && grouped) buffer << io::summary_csv_header(args.by);

  for (const auto& group : load.groups) {
    std::vector<std::string> notes = load.notes;
    notes.insert(notes.end(), group.notes.begin(), group.notes.end());
    if (group.studies.empty()) {
      err << fmt::format("carta: note: group '{}' has no usable study and is skipped ({})\n", group.key,
                         group.notes.empty() ? "" : group.notes.front());
      continue;
    }
    PoolResult result;
    std::optional<GlmmFit> glmm_fit;
    std::optional<BetaBinomialFit> bb_fit;
    try {
      if (beta_binomial) {
        bb_fit.emplace();
        result = pool_proportions_bb(group.studies, options, &*bb_fit);
      } else if (glmm) {
        glmm_fit.emplace();
        result = pool_proportions_glmm(group.studies, options, args.nagq, &*glmm_fit);
      } else {
        result = pool_proportions(group.studies, options);
      }
    } catch (const Error& e) {
      if (!grouped) throw;
      throw Error(e.category(), fmt::format("group '{}' ({} = {}): {}", group.key, args.by, group.key, e.what()));
    }
    result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
    if (!result.convergence.all_converged()) {
      status = 3;
      err << fmt::format("carta: warning: {}an iterative computation did not converge; see "
                         "'convergence' in the output\n",
                         grouped ? fmt::format("group '{}': ", group.key) : std::string());
    }
    // Further analyses on the same studies.
    std::optional<SubgroupAnalysis> subgroups;
    std::optional<ProportionRegression> regression;
    std::optional<std::vector<LeaveOneOutRow>> loo;
    if (!args.subgroup.empty()) {
      std::vector<std::optional<std::string>> level_of;
      std::vector<std::string> no_level;
      for (std::size_t i = 0; i < group.studies.size(); ++i) {
        level_of.push_back(cell(group.rows[i], subgroup_col));
        if (!level_of.back()) no_level.push_back(group.studies[i].label);
      }
      subgroups = subgroup_analysis(group.studies, level_of, options, subgroup_options);
      if (!no_level.empty()) {
        std::string list;
        for (const auto& l : no_level) list += (list.empty() ? "" : ", ") + l;
        subgroups->notes.insert(subgroups->notes.begin(),
                                fmt::format("{} stud{} with an empty '{}' left out of the subgroup analysis: {}",
                                            no_level.size(), no_level.size() == 1 ? "y" : "ies", args.subgroup, list));
      }
    }
    if (!args.moderators.empty()) {
      std::vector<ModeratorColumn> mods;
      for (std::size_t m = 0; m < args.moderators.size(); ++m) {
        ModeratorColumn c{args.moderators[m], {}, std::nullopt};
        for (const auto row : group.rows) c.values.push_back(cell(row, moderator_cols[m]));
        mods.push_back(std::move(c));
      }
      regression = regress_proportions(group.studies, mods, options);
    }
    std::vector<MetaRegressionPrediction> predictions;
    if (regression) {
      for (const auto& point : prediction_points) predictions.push_back(predict_at(*regression, point, group.studies, options));
    }
    std::optional<PermutationTest> permutation;
    if (regression && args.permutations > 0) {
      PermutationOptions po;
      po.iterations = args.permutations;
      po.seed = args.seed;
      if (args.permutations >= 1000) {
        po.progress = [&err](std::size_t finished, std::size_t planned) {
          err << fmt::format("\rcarta: permutation test {:3d}% ({} of {})", 100 * finished / planned, finished, planned);
          if (finished == planned) err << '\n';
          err.flush();
        };
      }
      const MixedModelOptions mo{options.method, options.test, options.level, std::nullopt, false, options.control};
      permutation = permutation_test(regression->y, regression->v, regression->design.x, regression->design.names, mo, po);
    }
    std::optional<ExactCi> exact;
    if (args.ci == "exact") {
      if (group.studies.size() < 2) {
        result.notes.push_back("--ci exact needs at least 2 studies");
      } else {
        Eigen::VectorXd y(static_cast<Eigen::Index>(result.studies.size())), v(y.size());
        for (std::size_t i = 0; i < result.studies.size(); ++i) {
          y[static_cast<Eigen::Index>(i)] = result.studies[i].yi;
          v[static_cast<Eigen::Index>(i)] = result.studies[i].vi;
        }
        ExactCiOptions eo;
        eo.level = options.level;
        eo.draws = args.exact_draws;
        exact = exact_mean_interval(y, v, eo);
        if (group.studies.size() > 10) {
          result.notes.push_back("--ci exact is designed for few studies (k <= 10); with more it is valid but conservative");
        }
      }
    }
    std::optional<SmallStudyEffects> bias;
    if (args.bias) bias = small_study_effects(group.studies, options, trimfill_estimator);
    std::optional<std::vector<InfluenceRow>> influence;
    if (args.influence) influence = influence_proportions(group.studies, options);
    std::optional<std::vector<CumulativeRow>> cumulative;
    if (!args.cumulative.empty()) {
      std::vector<ProportionStudy> with_value;
      std::vector<std::string> values;
      std::vector<std::string> without;
      for (std::size_t i = 0; i < group.studies.size(); ++i) {
        auto value = cell(group.rows[i], cumulative_col);
        if (!value) {
          without.push_back(group.studies[i].label);
          continue;
        }
        with_value.push_back(group.studies[i]);
        values.push_back(*value);
      }
      if (!without.empty()) {
        std::string list;
        for (const auto& l : without) list += (list.empty() ? "" : ", ") + l;
        result.notes.push_back(fmt::format("cumulative analysis: {} stud{} with an empty '{}' left out: {}", without.size(),
                                           without.size() == 1 ? "y" : "ies", args.cumulative, list));
      }
      if (!with_value.empty()) cumulative = cumulative_meta_analysis(with_value, values, options);
    }
    if (args.leave_one_out) {
      if (group.studies.size() >= 2) {
        loo = leave_one_out(group.studies, options);
      } else {
        result.notes.push_back("leave-one-out needs at least 2 studies");
      }
    }
    const bool refits_converged =
        (!influence || std::all_of(influence->begin(), influence->end(), [](const InfluenceRow& r) { return r.converged; })) &&
        (!cumulative ||
         std::all_of(cumulative->begin(), cumulative->end(), [](const CumulativeRow& r) { return r.fit.converged; }));
    const bool extras_converged = refits_converged &&
        (!regression || regression->fit.tau2_report.converged) &&
        (!subgroups || std::all_of(subgroups->levels.begin(), subgroups->levels.end(), [](const SubgroupLevel& l) {
          return !l.result || l.result->convergence.all_converged();
        })) &&
        (!loo || std::all_of(loo->begin(), loo->end(), [](const LeaveOneOutRow& r) { return r.fit.converged; }));

    if (!extras_converged) {
      status = 3;
      err << "carta: warning: a subgroup, meta-regression, leave-one-out, influence or cumulative fit did not converge; see the output\n";
    }

    if (args.format == "json") {
      nlohmann::json j = io::to_json(result);
      if (glmm_fit) j["glmm"] = io::to_json(*glmm_fit);
      if (bb_fit) j["beta_binomial"] = io::to_json(*bb_fit);
      if (exact) {
        const auto prop = [&](double x) { return to_proportion(options.measure, x, result.n_harmonic); };
        j["exact_ci"] = {{"method", "Michael, Thornton, Xie & Tian (2019)"},
                         {"lb", exact->lb},
                         {"ub", exact->ub},
                         {"prop_lb", prop(exact->lb)},
                         {"prop_ub", prop(exact->ub)},
                         {"lb_mc_sd", exact->lb_mc_sd},
                         {"ub_mc_sd", exact->ub_mc_sd},
                         {"monte_carlo_se", exact->monte_carlo_se},
                         {"draws", exact->draws},
                         {"seed", exact->seed},
                         {"c0", exact->c0},
                         {"tau2_upper", exact->tau2_upper},
                         {"note", exact->note}};
      }
      if (subgroups) j["subgroups"] = io::to_json(*subgroups, args.subgroup, subgroup_options);
      if (regression) j["metareg"] = io::to_json(*regression, options.test);
      if (loo) j["leave_one_out"] = io::to_json(*loo);
      if (permutation) j["metareg"]["permutation"] = io::to_json(*permutation, regression->design.names);
      if (regression) j["metareg"]["predictions"] = io::to_json(predictions);
      if (influence) j["influence"] = io::to_json(*influence);
      if (bias) j["bias"] = io::to_json(*bias, options, result.n_harmonic);
      if (cumulative) j["cumulative"] = io::to_json(*cumulative, args.cumulative);
      if (grouped) {
        nlohmann::json line;
        line["group"] = group.key;
        line["group_column"] = args.by;
        line.update(j);
        buffer << line.dump() << '\n';
      } else {
        buffer << j.dump(2) << '\n';
      }
    } else if (args.format == "csv") {
      buffer << (grouped ? io::summary_csv_row(group.key, result) : io::studies_csv(result));
    } else {
      SummaryContext ctx{args.file, args.events, args.n, group.key, args.by, bb_fit ? &*bb_fit : nullptr};
      buffer << text_summary(result, ctx);
      if (subgroups) buffer << text_subgroups(*subgroups, args.subgroup, options, subgroup_options);
      if (regression) buffer << text_metareg(*regression, options);
      if (loo) buffer << text_leave_one_out(*loo, options);
      if (permutation) buffer << text_permutation(*permutation, regression->design.names);
      if (!predictions.empty()) buffer << text_predictions(predictions, options);
      if (influence) buffer << text_influence(*influence);
      if (bias) buffer << text_bias(*bias, options, result.n_harmonic);
      if (exact) {
        const auto prop = [&](double x) { return to_proportion(options.measure, x, result.n_harmonic); };
        buffer << fmt::format("\nExact {:.0f}% CI for the random-effects mean (Michael et al. 2019): {:.1f}% to {:.1f}% "
                              "({} scale [{:.4f}; {:.4f}], Monte Carlo SD of the bounds {:.4f} / {:.4f}; {} draws, seed {})\n",
                              100 * options.level, 100 * prop(exact->lb), 100 * prop(exact->ub),
                              to_string(options.measure), exact->lb, exact->ub, exact->lb_mc_sd, exact->ub_mc_sd,
                              exact->draws, exact->seed);
        if (!exact->note.empty()) buffer << "  - " << exact->note << '\n';
      }
      if (cumulative) buffer << text_cumulative(*cumulative, args.cumulative, options);
      if (grouped) buffer << "\n";
    }
    ++done;
    if (grouped && total >= 1000 && done % 1000 == 0) {
      err << fmt::format("carta: {} of {} groups pooled\r", done, total) << std::flush;
    }
  }
  if (grouped && total >= 1000) err << fmt::format("carta: {} of {} groups pooled\n", done, total);

  if (args.output.empty()) {
    out << buffer.str();
  } else {
    io::write_file_atomic(args.output, buffer.str());
  }
  return status;
}

}  // namespace carta::cli
