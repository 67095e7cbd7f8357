#include "pool_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "carta/error.hpp"
#include "carta/measure.hpp"
#include "options.hpp"
#include "carta/io/file.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/study_table.hpp"
#include "carta/io/table.hpp"
#include "carta/parallel.hpp"
#include "carta/beta_binomial.hpp"
#include "carta/exact_ci.hpp"
#include "carta/glmm.hpp"
#include "carta/influence.hpp"
#include "carta/metareg.hpp"
#include "carta/permutation.hpp"
#include "carta/blup.hpp"
#include "carta/pool.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"
#include "carta/plot/forest.hpp"
#include "carta/plot/render.hpp"
#include "text_summary.hpp"

namespace carta::cli {

namespace {

constexpr const char* kPoolFooter = R"(
Examples (the files are in carta's examples folder):
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --label study_id
  carta pool examples/cart-ball/studies.csv --events crs_grade3plus_events --n crs_grade3plus_n --method PM --test knha --format json
  carta pool examples/cart-ball/outcomes_long.csv --events events --n n --label study_id --by outcome --format json   (JSON Lines, one per group)
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --label study_id --subgroup antigen_target --forest cr.svg
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --moderator median_age_years --test knha
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --where population_group=adult --leave-one-out
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --label study_id --influence --cumulative year --bias
  carta pool examples/cart-ball/studies.csv --events cr_events --n cr_n --moderator median_age_years --permutations 10000

Measures: PLO logit (default), PAS arcsine, PFT Freeman-Tukey double arcsine, PR raw, PLN log.
Estimators: REML (default), DL, ML, PM, HE, SJ, HS, EB, HSk (HS with k/(k-p)), DLIT and SJIT
(iterated DL and SJ), PMM (median-unbiased PM). --method GLMM fits the random-intercept logistic
model by maximum likelihood (adaptive Gauss-Hermite, --nagq 7 as metafor's rma.glmm), with a
profile-likelihood CI for tau^2 and the population-averaged proportion. --method BB fits
the beta-binomial model (mean proportion and overdispersion by ML, profile-likelihood CIs).
Presets (conventions on which R packages differ; always printed with the results):
  carta    metafor's numbers; prediction interval with t(k-1); Clopper-Pearson study CIs
  metafor  metafor exactly: tau^2-based I^2, prediction interval with the test's quantile,
           Wald study CIs on the measure's scale
  meta     R meta: Q-based I^2 with Higgins-Thompson CIs, t(k-1) prediction interval,
           Clopper-Pearson study CIs, metaprop's zero-cell rules for PLN and PR
Subgroups: one pooled estimate per level (own tau^2 unless --tau-common) with its heterogeneity,
and the test for subgroup differences: by default over every subgroup, a single-study one with its
own estimate and variance (R meta, RevMan); with --subgroup-test pooled only over the subgroups
with at least --min-k studies (smaller ones listed, not pooled). Studies with no value in the
subgroup column are left out and named. Moderators: numeric
columns enter as they are, text columns as categories against the first level in byte order;
studies with a missing moderator value are left out of the regression (with a note).
Not reported: an empty cell, NA, NR, n/a or - (any case; --missing replaces the list). Rows whose
events or n are not reported are skipped with a note (not every trial reports every outcome); a
not-reported subgroup or moderator value leaves the study out of that analysis, named; a
not-reported cell passes no --where filter. Every other bad cell is an error naming
file:line:column.
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
  add_label_option(cmd, args.label, "column holding unique study labels (default: 'row N')");
  cmd->add_option("--measure", args.measure, "PLO, PAS, PFT, PR or PLN")->capture_default_str();
  cmd->add_option("--method", args.method,
                  "tau^2 estimator: " + tau2_method_names() + "; or GLMM (binomial-normal) or BB (beta-binomial)")
      ->capture_default_str();
  cmd->add_option("--nagq", args.nagq, "GLMM quadrature points (1 = Laplace)")->capture_default_str();
  cmd->add_option("--test", args.test, "z, knha (Hartung-Knapp-Sidik-Jonkman, t with k-1 df), or t (unscaled SE, t with k-1 df)")
      ->capture_default_str();
  cmd->add_option("--preset", args.preset, "carta, metafor or meta (see below)")->capture_default_str();
  add_tau2_ci_option(cmd, args.tau2_ci);
  cmd->add_option("--study-ci", args.study_ci,
                  "study CIs: clopper-pearson, wilson, wilson-cc, agresti-coull, wald, simple-asymptotic, simple-asymptotic-cc (default: the preset's)");
  cmd->add_option("--cc", args.continuity, "continuity correction added to studies with 0 or n events")
      ->capture_default_str();
  add_level_option(cmd, args.level);
  cmd->add_option("--by", args.by,
                  "run one meta-analysis per value of this column (read as a stream: each group's rows together)");
  cmd->add_option("--exclude", args.exclude, "leave out the study with this label (repeatable)");
  cmd->add_option("--subgroup", args.subgroup, "subgroup analysis by the levels of this column");
  cmd->add_flag("--tau-common", args.tau_common, "one tau^2 for all subgroups (mixed-effects model), with its QM test");
  cmd->add_option("--min-k", args.min_k, "with --subgroup-test pooled: smallest subgroup that is pooled and tested")
      ->capture_default_str();
  cmd->add_option("--missing", args.missing,
                  "cells that mean 'not reported', replacing the default NA, NR, n/a, - (an empty cell always is); "
                  "comma-separated")
      ->delimiter(',');
  cmd->add_option("--subgroup-test", args.subgroup_test,
                  "which subgroups the test for subgroup differences compares: all (meta, RevMan: single-study "
                  "subgroups with their own variance) or pooled (only those with at least --min-k studies)")
      ->capture_default_str();
  cmd->add_option("--moderator", args.moderators, "meta-regression on this column (repeatable: several moderators)");
  cmd->add_flag("--leave-one-out", args.leave_one_out, "refit without each study in turn");
  cmd->add_flag("--blup", args.blup,
                "each study's true effect as the random-effects model predicts it (BLUP: the study shrunk towards "
                "the pooled estimate, with its prediction interval) and its random effect, as metafor's blup() and ranef()");
  cmd->add_flag("--influence", args.influence,
                "case-deletion diagnostics (rstudent, DFFITS, Cook's distance, ...), Baujat coordinates");
  cmd->add_option("--cumulative", args.cumulative, "cumulative meta-analysis, adding studies in the order of this column");
  cmd->add_option("--predict", args.predict,
                  "predicted proportion at moderator values, e.g. median_age_years=20 or age=20,costim=CD28 (repeatable)");
  cmd->add_option("--permutations", args.permutations,
                  "permutation test with this many iterations (exact when fewer suffice): of the moderators with "
                  "--moderator, else of the random-effects mean by flipping the outcomes' signs (H0: mean 0 on the scale)");
  cmd->add_option("--seed", args.seed, "seed of the permutation test and of the bootstrap")->capture_default_str();
  cmd->add_option("--where", args.where,
                  "keep only rows that match, e.g. population_group=adult or median_age_years>=18 (repeatable, all must hold)");
  cmd->add_flag("--bias", args.bias,
                "small-study effects: Egger (and PET-PEESE), Peters, Begg, trim-and-fill, funnel-plot data");
  add_trimfill_option(cmd, args.trimfill_estimator);
  cmd->add_option("--ci", args.ci,
                  "a small-sample interval for the mean, besides the usual one: exact = the exact interval of the "
                  "normal-normal model (Michael et al. 2019); bootstrap = with --method BB, the profile-likelihood "
                  "interval with a parametric-bootstrap (Bartlett) calibrated cut-off");
  cmd->add_option("--exact-draws", args.exact_draws, "Monte Carlo draws for --ci exact")->capture_default_str();
  cmd->add_option("--bootstrap-replicates", args.bootstrap_replicates, "replicates for --ci bootstrap (at least 100)")
      ->capture_default_str();
  add_output_options(cmd, args.output, {"text", "json", "csv"}, "the summary (csv: one row per analysis)");
  add_progress_option(cmd, args.progress);
  cmd->add_option("--forest", args.forest,
                  "draw the forest plot into this file (.svg, .png or .pdf, by its extension); with --subgroup, one "
                  "block per subgroup with its diamond and the test for subgroup differences")
      ->option_text("FILE");
  cmd->add_option("--threads", args.threads,
                  "threads for --by batches and --permutations (0 = one per core); results do not depend on it")
      ->capture_default_str();
  return cmd;
}

namespace {

// Everything the options decide, shared by every group of a batch.
struct PoolPlan {
  explicit PoolPlan(const PoolArgs& a) : args(a) {}
  const PoolArgs& args;
  PoolOptions options;
  bool glmm = false;
  bool beta_binomial = false;
  SubgroupOptions subgroup_options;
  io::MissingValues missing;
  TrimFillEstimator trimfill_estimator = TrimFillEstimator::kL0;
  std::vector<std::vector<std::pair<std::string, std::string>>> prediction_points;
  unsigned threads = 1;
};

// One group's share of the output, kept apart so that groups pooled in parallel are written in
// their order in the file.
struct GroupOutput {
  std::string text;      // for the output
  std::string messages;  // notes and warnings for standard error
  std::string forest_svg;  // --forest: the figure
  int status = 0;
  bool pooled = false;
};

PoolPlan make_plan(const PoolArgs& args) {
  PoolPlan plan{args};
  PoolOptions& options = plan.options;
  options.measure = parse_or_throw(parse_measure(args.measure), "--measure", args.measure, "PLO, PAS, PFT, PR, PLN");
  const std::string method = canonical_method_name(args.method).value_or(args.method);  // "reml", "glmm", ...
  const bool glmm = plan.glmm = method == "GLMM";
  const bool beta_binomial = plan.beta_binomial = method == "BB";
  options.method = (glmm || beta_binomial) ? Tau2Method::kREML
                                           : parse_or_throw(parse_tau2_method(method), "--method", args.method,
                                                            (tau2_method_names() + ", GLMM, BB").c_str());
  if ((glmm || beta_binomial) && (!args.subgroup.empty() || !args.moderators.empty() || args.leave_one_out || args.influence ||
               !args.cumulative.empty() || args.bias || args.permutations > 0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--method {} does not yet combine with --subgroup, --moderator, --leave-one-out, "
                            "--influence, --cumulative, --bias or --permutations; run those with a two-step estimator "
                            "(e.g. --method REML)",
                            method));
  }
  options.test = parse_or_throw(parse_test(args.test), "--test", args.test, "z, knha, t");
  options.preset = parse_or_throw(parse_preset(args.preset), "--preset", args.preset, "carta, metafor, meta");
  if (!args.study_ci.empty()) {
    options.study_ci = parse_or_throw(parse_study_ci(args.study_ci), "--study-ci", args.study_ci,
                                      "clopper-pearson, wilson, wilson-cc, agresti-coull, wald, simple-asymptotic, "
                                      "simple-asymptotic-cc");
  }
  options.tau2_ci = parse_tau2_ci_option(args.tau2_ci);
  if (options.tau2_ci && (glmm || beta_binomial)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--tau2-ci chooses the two-step model's interval for tau^2; --method {} is a one-stage model "
                            "and always gives its profile-likelihood interval",
                            method));
  }
  options.continuity = args.continuity;
  if (!(args.continuity >= 0.0) || !std::isfinite(args.continuity)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--cc is {}, but must be >= 0 (usually 0.5)", args.continuity));
  }
  options.level = parse_level(args.level, "--level");

  // These refit the pooled model; beside --moderator they would look like the meta-regression's
  // (metafor's leave1out and cumul refuse models with moderators, regtest tests another model).
  if (!args.moderators.empty() && (args.leave_one_out || !args.cumulative.empty() || args.bias)) {
    const char* which = args.leave_one_out ? "--leave-one-out" : !args.cumulative.empty() ? "--cumulative" : "--bias";
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("{} analyses the pooled model, not a meta-regression (metafor refuses it for models with "
                            "moderators too): run it in a command without --moderator; --influence with --moderator "
                            "gives each study's influence on the meta-regression",
                            which));
  }
  if (args.permutations == 1) throw Error(ErrorCategory::kInvalidOption, "--permutations must be at least 2");
  if (!args.predict.empty() && args.moderators.empty()) {
    throw Error(ErrorCategory::kInvalidOption, "--predict needs a meta-regression: give at least one --moderator");
  }
  auto& prediction_points = plan.prediction_points;
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
  if (args.min_k < 1) throw Error(ErrorCategory::kInvalidOption, "--min-k must be at least 1");
  if (!args.missing.empty()) plan.missing = io::MissingValues(args.missing);
  plan.subgroup_options = SubgroupOptions{
      args.tau_common, args.min_k,
      parse_or_throw(parse_subgroup_test(args.subgroup_test), "--subgroup-test", args.subgroup_test, "all, pooled")};
  plan.trimfill_estimator = parse_trimfill_option(args.trimfill_estimator);
  if (!args.ci.empty() && args.ci != "exact" && args.ci != "bootstrap") {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--ci '{}' is not one of: exact, bootstrap", args.ci));
  }
  if (args.ci == "bootstrap" && !beta_binomial) {
    throw Error(ErrorCategory::kInvalidOption,
                "--ci bootstrap calibrates the beta-binomial model's interval: add --method BB (for the normal-normal "
                "model with few studies use --ci exact)");
  }
  if (args.ci == "bootstrap" && args.bootstrap_replicates < kMinBootstrapReplicates) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--bootstrap-replicates {} is too few: at least {} (1000 is the default)", args.bootstrap_replicates,
                            kMinBootstrapReplicates));
  }
  if (args.ci == "exact" && (glmm || beta_binomial)) {
    throw Error(ErrorCategory::kInvalidOption, "--ci exact is for the normal-normal (two-step) model, not --method GLMM or BB");
  }
  plan.threads = thread_count(args.threads);
  // The --by CSV is one summary row per group: the studies' own CIs are never printed.
  if (!args.by.empty() && args.output.format == "csv") options.study_intervals = false;

  return plan;
}

// With --cc 0 a study with 0 or all events has no estimate on some scales (PLO, PLN): metafor
// leaves such studies out with a warning and pools the rest, and so does carta, with a note
// naming them. Nothing left is an error.
io::StudyGroup without_undefined_effects(const PoolPlan& plan, const io::StudyGroup& given, std::vector<std::string>& notes) {
  if (plan.options.continuity != 0.0) return given;
  const Conventions conv = conventions_for(plan.options.preset);
  io::StudyGroup kept = given;
  kept.studies.clear();
  kept.rows.clear();
  std::vector<std::string> dropped;
  for (std::size_t i = 0; i < given.studies.size(); ++i) {
    const auto& s = given.studies[i];
    bool defined = true;
    try {
      (void)proportion_effect(s.events, s.n, plan.options.measure, conv.zero_cells, 0.0);
    } catch (const Error& e) {
      if (e.category() != ErrorCategory::kNumerical) throw;
      defined = false;
    }
    if (defined) {
      kept.studies.push_back(s);
      kept.rows.push_back(given.rows[i]);
    } else {
      dropped.push_back(fmt::format("{} ({}/{})", s.label, s.events, s.n));
    }
  }
  if (dropped.empty()) return given;
  if (kept.studies.empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("--cc 0: no study has a {} estimate without a continuity correction (each has 0 or all "
                            "events); use --cc 0.5, or the PFT or PAS measure, which need none",
                            to_string(plan.options.measure)));
  }
  std::string names;
  for (const auto& d : dropped) names += (names.empty() ? "" : ", ") + d;
  notes.push_back(fmt::format("--cc 0: {} stud{} with 0 or all events ha{} no {} estimate without a correction and "
                              "{} left out, as metafor does: {}",
                              dropped.size(), dropped.size() == 1 ? "y" : "ies", dropped.size() == 1 ? "s" : "ve",
                              to_string(plan.options.measure), dropped.size() == 1 ? "is" : "are", names));
  return kept;
}

// Pools one group (the whole table when not grouping) and runs the further analyses the options
// ask for. `progress`, when not null, receives the permutation test's progress as it happens.
GroupOutput pool_group(const PoolPlan& plan, const io::Table& table, const io::StudyGroup& given,
                       const std::vector<std::string>& table_notes, bool grouped, std::ostream* progress) {
  GroupOutput output;
  std::ostringstream text;
  std::ostringstream messages;
  std::vector<std::string> notes = table_notes;
  notes.insert(notes.end(), given.notes.begin(), given.notes.end());
  const io::StudyGroup group = plan.glmm || plan.beta_binomial ? given : without_undefined_effects(plan, given, notes);
  if (group.studies.empty()) {
    output.messages = fmt::format("carta: note: group '{}' has no usable study and is skipped ({})\n", group.key,
                                  group.notes.empty() ? "" : group.notes.front());
    return output;
  }
  auto cell = [&table, &plan](std::size_t row, std::size_t col) -> std::optional<std::string> {
    const std::string_view value = io::cell_value(table.rows[row][col]);
    if (plan.missing.is_missing(value)) return std::nullopt;
    return std::string(value);
  };
  const std::size_t subgroup_col = plan.args.subgroup.empty() ? 0 : table.column(plan.args.subgroup);
  std::vector<std::size_t> moderator_cols;
  for (const auto& m : plan.args.moderators) moderator_cols.push_back(table.column(m));
  const std::size_t cumulative_col = plan.args.cumulative.empty() ? 0 : table.column(plan.args.cumulative);

    PoolResult result;
    std::optional<GlmmFit> glmm_fit;
    std::optional<BetaBinomialFit> bb_fit;
    try {
      if (plan.beta_binomial) {
        bb_fit.emplace();
        BetaBinomialOptions model;
        if (plan.args.ci == "bootstrap") {
          model.bootstrap_replicates = plan.args.bootstrap_replicates;
          model.seed = plan.args.seed;
          model.threads = plan.threads;
        }
        result = pool_proportions_bb(group.studies, plan.options, &*bb_fit, model);
      } else if (plan.glmm) {
        glmm_fit.emplace();
        result = pool_proportions_glmm(group.studies, plan.options, plan.args.nagq, &*glmm_fit);
      } else {
        result = pool_proportions(group.studies, plan.options);
      }
    } catch (const Error& e) {
      if (!grouped) throw;
      throw Error(e.category(), fmt::format("group '{}' ({} = {}): {}", group.key, plan.args.by, group.key, e.what()));
    }
    result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
    if (!result.convergence.all_converged()) {
      output.status = 3;
      messages << fmt::format("carta: warning: {}an iterative computation did not converge; see "
                         "'convergence' in the output\n",
                         grouped ? fmt::format("group '{}': ", group.key) : std::string());
    }
    // Further analyses on the same studies.
    std::optional<SubgroupAnalysis> subgroups;
    std::optional<ProportionRegression> regression;
    std::optional<std::vector<LeaveOneOutRow>> loo;
    std::vector<std::optional<std::string>> level_of;  // --subgroup: each study's level, if reported
    if (!plan.args.subgroup.empty()) {
      std::vector<std::string> no_level;
      for (std::size_t i = 0; i < group.studies.size(); ++i) {
        level_of.push_back(cell(group.rows[i], subgroup_col));
        if (!level_of.back()) no_level.push_back(group.studies[i].label);
      }
      subgroups = subgroup_analysis(group.studies, level_of, plan.options, plan.subgroup_options);
      if (!no_level.empty()) {
        std::string list;
        for (const auto& l : no_level) list += (list.empty() ? "" : ", ") + l;
        subgroups->notes.insert(subgroups->notes.begin(),
                                fmt::format("{} stud{} with no '{}' reported ({}) left out of the subgroup analysis: {}",
                                            no_level.size(), no_level.size() == 1 ? "y" : "ies", plan.args.subgroup,
                                            plan.missing.describe(), list));
      }
    }
    if (!plan.args.moderators.empty()) {
      std::vector<ModeratorColumn> mods;
      for (std::size_t m = 0; m < plan.args.moderators.size(); ++m) {
        ModeratorColumn c{plan.args.moderators[m], {}, std::nullopt};
        for (const auto row : group.rows) c.values.push_back(cell(row, moderator_cols[m]));
        mods.push_back(std::move(c));
      }
      regression = regress_proportions(group.studies, mods, plan.options);
    }
    std::vector<MetaRegressionPrediction> predictions;
    if (regression) {
      for (const auto& point : plan.prediction_points) predictions.push_back(predict_at(*regression, point, group.studies, plan.options));
    }
    std::optional<PermutationTest> permutation;
    if (plan.args.permutations > 0 && !regression && group.studies.size() < 2) {
      result.notes.push_back("the permutation test needs at least 2 studies");
    } else if (plan.args.permutations > 0) {
      PermutationOptions po;
      po.iterations = plan.args.permutations;
      po.seed = plan.args.seed;
      po.threads = plan.threads;
      if (plan.args.permutations >= 1000 && progress != nullptr) {
        po.progress = [progress](std::size_t finished, std::size_t planned) {
          *progress << fmt::format("\rcarta: permutation test {:3d}% ({} of {})", 100 * finished / planned, finished, planned);
          if (finished == planned) *progress << '\n';
          progress->flush();
        };
      }
      const MixedModelOptions mo{plan.options.method, plan.options.test, plan.options.level, std::nullopt, false, plan.options.control};
      if (regression) {
        permutation = permutation_test(regression->y, regression->v, regression->design.x, regression->design.names, mo, po);
      } else {
        // The pooled model: the signs of the studies' outcomes are flipped (H0: mean 0 on the scale).
        Eigen::VectorXd y(static_cast<Eigen::Index>(result.studies.size())), v(y.size());
        for (std::size_t i = 0; i < result.studies.size(); ++i) {
          y[static_cast<Eigen::Index>(i)] = result.studies[i].yi;
          v[static_cast<Eigen::Index>(i)] = result.studies[i].vi;
        }
        permutation = permutation_test(y, v, Eigen::MatrixXd::Ones(y.size(), 1), {"intrcpt"}, mo, po);
      }
    }
    std::optional<ExactCi> exact;
    if (plan.args.ci == "exact") {
      if (group.studies.size() < 2) {
        result.notes.push_back("--ci exact needs at least 2 studies");
      } else {
        Eigen::VectorXd y(static_cast<Eigen::Index>(result.studies.size())), v(y.size());
        for (std::size_t i = 0; i < result.studies.size(); ++i) {
          y[static_cast<Eigen::Index>(i)] = result.studies[i].yi;
          v[static_cast<Eigen::Index>(i)] = result.studies[i].vi;
        }
        ExactCiOptions eo;
        eo.level = plan.options.level;
        eo.draws = plan.args.exact_draws;
        eo.threads = plan.threads;
        exact = exact_mean_interval(y, v, eo);
        if (group.studies.size() > 10) {
          result.notes.push_back("--ci exact is designed for few studies (k <= 10); with more it is valid but conservative");
        }
      }
    }
    std::optional<std::vector<StudyBlup>> blups;
    if (plan.args.blup) {
      if (!result.model.empty()) throw Error(ErrorCategory::kInvalidOption, "--blup needs a two-step estimator (e.g. --method REML)");
      blups = study_blups(result);
    }
    std::optional<SmallStudyEffects> bias;
    if (plan.args.bias) bias = small_study_effects(group.studies, plan.options, plan.trimfill_estimator);
    std::optional<std::vector<InfluenceRow>> influence;
    if (plan.args.influence) {
      influence = regression ? influence_regression(*regression, group.studies, plan.options)
                             : influence_proportions(group.studies, plan.options);
    }
    std::optional<std::vector<CumulativeRow>> cumulative;
    if (!plan.args.cumulative.empty()) {
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
                                           without.size() == 1 ? "y" : "ies", plan.args.cumulative, list));
      }
      if (!with_value.empty()) cumulative = cumulative_meta_analysis(with_value, values, plan.options);
    }
    if (plan.args.leave_one_out) {
      if (group.studies.size() >= 2) {
        loo = leave_one_out(group.studies, plan.options);
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
      output.status = 3;
      messages << "carta: warning: a subgroup, meta-regression, leave-one-out, influence or cumulative fit did not converge; see the output\n";
    }

    if (plan.args.output.format == "json") {
      nlohmann::json j = io::to_json(result);
      if (glmm_fit) j["glmm"] = io::to_json(*glmm_fit);
      if (bb_fit) j["beta_binomial"] = io::to_json(*bb_fit);
      if (exact) {
        const auto prop = [&](double x) { return to_proportion(plan.options.measure, x, result.n_harmonic); };
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
      if (blups) {
        for (std::size_t i = 0; i < blups->size(); ++i) {
          const auto& b = (*blups)[i];
          const auto n = static_cast<double>(result.studies[i].n);
          const auto prop = [&](double x) { return to_proportion(plan.options.measure, x, n); };
          j["studies"][i]["blup"] = {{"est", b.est},         {"se", b.se},
                                     {"pi_lb", b.pi_lb},     {"pi_ub", b.pi_ub},
                                     {"prop", prop(b.est)},  {"prop_pi_lb", prop(b.pi_lb)},
                                     {"prop_pi_ub", prop(b.pi_ub)}, {"shrinkage", b.shrinkage},
                                     {"ranef", b.ranef},     {"ranef_se", b.ranef_se},
                                     {"ranef_pi_lb", b.ranef_pi_lb}, {"ranef_pi_ub", b.ranef_pi_ub}};
        }
      }
      if (subgroups) j["subgroups"] = io::to_json(*subgroups, plan.args.subgroup);
      if (regression) j["metareg"] = io::to_json(*regression, plan.options.test);
      if (loo) j["leave_one_out"] = io::to_json(*loo);
      if (permutation && regression) j["metareg"]["permutation"] = io::to_json(*permutation, regression->design.names);
      if (permutation && !regression) j["permutation"] = io::to_json(*permutation, {"intrcpt"});
      if (regression) j["metareg"]["predictions"] = io::to_json(predictions);
      if (influence) {
        j["influence"] = io::to_json(*influence);
        j["influence_model"] = regression ? "meta-regression" : "pooled";
      }
      if (bias) j["bias"] = io::to_json(*bias, plan.options, result.n_harmonic);
      if (cumulative) j["cumulative"] = io::to_json(*cumulative, plan.args.cumulative);
      if (grouped) {
        nlohmann::json line;
        line["group"] = group.key;
        line["group_column"] = plan.args.by;
        line.update(j);
        text << line.dump() << '\n';
      } else {
        text << j.dump(2) << '\n';
      }
    } else if (plan.args.output.format == "csv") {
      text << (grouped ? io::summary_csv_row(group.key, result) : io::studies_csv(result));
    } else {
      SummaryContext ctx{plan.args.file, plan.args.events, plan.args.n, group.key, plan.args.by, bb_fit ? &*bb_fit : nullptr};
      text << text_summary(result, ctx);
      if (subgroups) text << text_subgroups(*subgroups, plan.args.subgroup, plan.options);
      if (regression) text << text_metareg(*regression, plan.options);
      if (blups) text << text_blups(result, *blups);
      if (loo) text << text_leave_one_out(*loo, plan.options);
      if (permutation) text << text_permutation(*permutation, regression ? regression->design.names : std::vector<std::string>{"intrcpt"});
      if (!predictions.empty()) text << text_predictions(predictions, plan.options);
      if (influence) text << text_influence(*influence, regression.has_value());
      if (bias) text << text_bias(*bias, plan.options, result.n_harmonic);
      if (exact) {
        const auto prop = [&](double x) { return to_proportion(plan.options.measure, x, result.n_harmonic); };
        text << fmt::format("\nExact {:.0f}% CI for the random-effects mean (Michael et al. 2019): {:.1f}% to {:.1f}% "
                              "({} scale [{:.4f}; {:.4f}], Monte Carlo SD of the bounds {:.4f} / {:.4f}; {} draws, seed {})\n",
                              100 * plan.options.level, 100 * prop(exact->lb), 100 * prop(exact->ub),
                              to_string(plan.options.measure), exact->lb, exact->ub, exact->lb_mc_sd, exact->ub_mc_sd,
                              exact->draws, exact->seed);
        if (!exact->note.empty()) text << "  - " << exact->note << '\n';
      }
      if (cumulative) text << text_cumulative(*cumulative, plan.args.cumulative, plan.options);
      if (grouped) text << "\n";
    }
    if (!plan.args.forest.empty()) {
      plot::ForestOptions fo;
      if (subgroups) {
        // The figure's overall diamond pools exactly the studies it draws: those with a level.
        std::vector<ProportionStudy> drawn;
        std::vector<std::string> drawn_levels;
        for (std::size_t i = 0; i < group.studies.size(); ++i) {
          if (!level_of[i]) continue;
          drawn.push_back(group.studies[i]);
          drawn_levels.push_back(*level_of[i]);
        }
        if (drawn.empty()) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("--forest with --subgroup {}: no study reports '{}'", plan.args.subgroup, plan.args.subgroup));
        }
        const PoolResult overall = drawn.size() == group.studies.size() ? result : pool_proportions(drawn, plan.options);
        output.forest_svg = plot::subgroup_forest_svg(overall, *subgroups, drawn_levels, plan.args.subgroup, fo);
      } else {
        output.forest_svg = plot::forest_plot_svg(result, fo);
      }
    }
  output.text = text.str();
  output.messages = messages.str();
  output.pooled = true;
  return output;
}

// Where the output goes: standard output as it is produced, or a file that appears (atomically)
// only when the whole run has succeeded.
class OutputSink {
 public:
  OutputSink(const std::string& path, std::ostream& out) {
    if (!path.empty()) file_.emplace(path);
    stream_ = file_ ? &file_->stream() : &out;
  }
  std::ostream& stream() { return *stream_; }
  void commit() {
    if (file_) file_->commit();
  }

 private:
  std::optional<io::AtomicFile> file_;
  std::ostream* stream_;
};

// --by: the file is read as a stream, one group's rows at a time, and groups are pooled on every
// core a batch at a time and written in file order, so memory does not grow with the number of
// groups (only their names are kept, to check that each group's rows are together).
int run_pool_batch(const PoolPlan& plan, std::ostream& out, std::ostream& err) {
  const PoolArgs& args = plan.args;
  io::TableReader reader(args.file);
  const io::Table& shape = reader.columns();
  for (const auto& n : shape.notes) err << "carta: note: " << n << '\n';
  // Every named column is checked before anything is written.
  const std::size_t by_col = shape.column(args.by);
  for (const auto* name : {&args.events, &args.n, &args.label, &args.subgroup, &args.cumulative}) {
    if (!name->empty()) (void)shape.column(*name);
  }
  for (const auto& m : args.moderators) (void)shape.column(m);
  std::vector<io::RowFilter> filters;
  for (const auto& w : args.where) filters.push_back(io::parse_row_filter(w));
  for (const auto& f : filters) (void)shape.column(f.column);
  const bool labelled = !args.label.empty();
  const std::size_t label_col = labelled ? shape.column(args.label) : 0;
  io::StudyColumns columns{args.events, args.n, std::nullopt, std::nullopt, plan.missing};
  if (!args.label.empty()) columns.label = args.label;
  const std::set<std::string> exclude(args.exclude.begin(), args.exclude.end());
  std::set<std::string> excluded_seen;

  OutputSink sink(args.output.path, out);
  if (args.output.format == "csv") sink.stream() << io::summary_csv_header(args.by);

  const std::size_t batch_size = 64 * static_cast<std::size_t>(plan.threads);
  std::vector<io::Table> batch;      // one table per group, its rows in file order
  std::vector<std::string> batch_keys;
  std::unordered_map<std::string, std::size_t> last_line_of;  // groups already read, for the order check
  std::string key;
  // Rows without a group: counted, and the first few named ("a, b and 97 more"), so that the note
  // stays readable, and memory bounded, when a million rows share the problem.
  std::vector<std::string> ungrouped;
  std::size_t ungrouped_count = 0;
  constexpr std::size_t kNamed = 10;
  std::size_t groups = 0;
  std::size_t pooled = 0;
  int status = 0;
  const io::LoadChecks per_group{false, false};  // checked over the whole file below
  auto pool_batch = [&] {
    std::vector<GroupOutput> outputs(batch.size());
    parallel_for(batch.size(), plan.threads, [&](std::size_t i) {
      const io::StudyLoad load = io::load_proportion_studies(batch[i], columns, args.exclude, filters, per_group);
      if (load.groups.empty()) return;  // every row left out by --where or --exclude
      io::StudyGroup group = load.groups.front();
      group.key = batch_keys[i];
      outputs[i] = pool_group(plan, batch[i], group, load.notes, true, nullptr);
    });
    for (const auto& o : outputs) {
      sink.stream() << o.text;
      err << o.messages;
      status = std::max(status, o.status);
      pooled += o.pooled ? 1 : 0;
    }
    const std::size_t before = groups;
    groups += batch.size();
    if (show_progress(args.progress) && groups / 1000 > before / 1000) err << fmt::format("carta: {} groups pooled\r", groups) << std::flush;
    batch.clear();
    batch_keys.clear();
  };

  std::vector<std::string> row;
  std::size_t line = 0;
  while (reader.next(row, line)) {
    const std::string_view cell_key = io::cell_value(row[by_col]);
    const std::string label = labelled ? std::string(io::cell_value(row[label_col])) : fmt::format("row {}", line);
    if (exclude.contains(label)) excluded_seen.insert(label);
    if (cell_key.empty()) {
      if (!exclude.contains(label)) {
        if (ungrouped.size() < kNamed) ungrouped.push_back(fmt::format("{} (line {})", label, line));
        ++ungrouped_count;
      }
      continue;
    }
    if (batch.empty() || cell_key != key) {
      if (const auto seen = last_line_of.find(std::string(cell_key)); seen != last_line_of.end()) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}:{}: group '{}' (column '{}') already appeared, up to line {}, and starts again "
                                "here after other groups. --by reads the file as a stream, one group at a time, so "
                                "each group's rows must be together: sort the file by '{}' and run again",
                                shape.source, line, cell_key, args.by, seen->second, args.by));
      }
      if (!batch.empty()) last_line_of[key] = batch.back().lines.back();
      if (batch.size() == batch_size) pool_batch();
      key = std::string(cell_key);
      batch.push_back(io::Table{shape.source, shape.header, {}, {}, shape.delimiter, {}});
      batch_keys.push_back(key);
    }
    batch.back().rows.push_back(std::move(row));
    batch.back().lines.push_back(line);
  }
  if (!batch.empty()) {
    last_line_of[key] = batch.back().lines.back();
    pool_batch();
  }
  if (show_progress(args.progress) && groups >= 1000) err << fmt::format("carta: {} groups pooled\n", groups);
  for (const auto& e : args.exclude) {
    if (!excluded_seen.contains(e)) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--exclude '{}' matches no study label in {}{}", e, shape.source,
                              labelled ? fmt::format(" (column '{}')", args.label)
                                        : std::string(" (without --label, labels are 'row N')")));
    }
  }
  if (ungrouped_count > 0) {
    std::string named;
    for (const auto& u : ungrouped) named += (named.empty() ? "" : ", ") + u;
    if (ungrouped_count > ungrouped.size()) named += fmt::format(" and {} more", ungrouped_count - ungrouped.size());
    err << fmt::format("carta: note: skipped {} row(s) with an empty '{}' value: {}\n", ungrouped_count, args.by, named);
  }
  if (pooled == 0) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: no usable study in any group: every row has an empty '{}' or '{}'{}. At least one "
                            "study with both counts is needed.",
                            shape.source, args.events, args.n, groups == 0 ? " (no data rows with a group)" : ""));
  }
  sink.commit();
  return status;
}

}  // namespace

int run_pool(const PoolArgs& args, std::ostream& out, std::ostream& err) {
  io::check_run_paths({{"FILE", args.file}}, {{"-o", args.output.path}, {"--forest", args.forest}});
  if (!args.forest.empty()) {
    if (!args.by.empty()) {
      throw Error(ErrorCategory::kInvalidOption,
                  "--forest draws one analysis and --by runs many: draw one group with --where COLUMN=VALUE, or use "
                  "'carta report' for a figure per outcome");
    }
    (void)figure_format("--forest", args.forest);  // a bad extension is refused before any work
  }
  const PoolPlan plan = make_plan(args);
  if (!args.by.empty()) return run_pool_batch(plan, out, err);

  const io::Table table = io::read_table(args.file);
  io::StudyColumns columns{args.events, args.n, std::nullopt, std::nullopt, plan.missing};
  if (!args.label.empty()) columns.label = args.label;
  std::vector<io::RowFilter> filters;
  for (const auto& w : args.where) filters.push_back(io::parse_row_filter(w));
  const io::StudyLoad load = io::load_proportion_studies(table, columns, args.exclude, filters);
  GroupOutput output = pool_group(plan, table, load.groups.front(), load.notes, false, show_progress(args.progress) ? &err : nullptr);
  err << output.messages;
  OutputSink sink(args.output.path, out);
  sink.stream() << output.text;
  if (!args.forest.empty()) write_figure("--forest", args.forest, output.forest_svg);
  sink.commit();
  return output.status;
}

}  // namespace carta::cli
