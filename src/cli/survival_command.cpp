#include "survival_command.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <optional>
#include <sstream>

#include "carta/design.hpp"
#include "carta/error.hpp"
#include "options.hpp"
#include "carta/io/file.hpp"
#include "carta/io/survival_output.hpp"
#include "carta/io/survival_table.hpp"
#include "carta/km_reconstruct.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/plot/forest.hpp"
#include "carta/plot/funnel.hpp"
#include "carta/plot/survival_curve.hpp"
#include "carta/small_study.hpp"
#include "carta/summary_curve.hpp"
#include "carta/survival.hpp"

namespace carta::cli {

namespace {

constexpr const char* kSurvivalFooter = R"(
Each study gives a constant hazard lambda from the most informative quantity it reports, in this
order: individual patient data (--ipd, D/T), events and person-time (D/T, SE 1/sqrt(D)), S(t) with
its CI (-ln S / t, SE from the CI read as symmetric on the --s-ci scale: log-log by default, log as
R survfit, or plain; a note when it is far from symmetric there), S(t) with n (delta method, binomial
variance), the median with its CI (ln 2 / median, SE from the CI on the log scale). ln lambda is
pooled with the estimator and test of 'carta pool'; the pooled hazard gives S(t) = exp(-lambda t)
at every --at time and the median ln 2 / lambda (interval bounds swap). As a sensitivity analysis,
S(t) is also pooled directly on the cloglog scale over the studies that report S at that time, and
warnings say when the constant-hazard model looks doubtful (CAR-T curves plateau).

Examples (the files are in carta's examples/survival folder):
  carta survival examples/survival/os12.csv --label study --s s --s-time 12 --n n
  carta survival examples/survival/mixed_sources.csv --label study --s s --s-lb s_lb --s-ub s_ub --s-time s_time --n n \
      --median median --median-lb median_lb --median-ub median_ub --events events --person-time person_time --method DL
  carta survival examples/survival/ipd_studies.csv --label study --ipd ipd_file --at 6,12,24 --format json

Times are in the units of the table (months, usually). Survival columns holding values above 1
are read as percent. Cells that are empty, NA, NR, NE or 'not reached' count as not reported.
Formulas: docs/methods/survival.md.)";

constexpr const char* kKmFooter = R"(
FILE holds individual patient data with columns time and event (1 = event, 0 = censored).
Greenwood standard errors; intervals on the log scale by default (as R survival::survfit).

Example (simulated patients in carta's examples/survival folder):
  carta km examples/survival/ipd_study_b.csv --at 12,24 --format json)";

constexpr const char* kReconstructFooter = R"(
Guyot et al. (2012): CURVE.csv holds digitised points time,survival (proportions or percent, any
order; the curve is sorted, (0,1) is prepended, exact duplicates dropped and small rises from
digitisation noise flattened), RISK.csv the published numbers at risk time,n_risk starting at
time 0. The patients go to --out (or standard output), one row per patient: time,event
(--format json: the diagnostics with the patients). Diagnostics (JSON) go to --report, or to
standard output when the patients go to a file: per interval the published and reconstructed numbers at risk, events and censorings;
the RMSE and largest gap between the digitised curve and the Kaplan-Meier curve of the IPD; the
median and S(t) of the reconstruction.

Example (a curve and its numbers at risk in carta's examples/survival folder):
  carta km-reconstruct --curve examples/survival/os_curve.csv --at-risk examples/survival/os_at_risk.csv --total-events 264 --out os_ipd.csv)";

constexpr const char* kCurveFooter = R"(
Pools whole survival curves without assuming their shape (Combescure, Foucher & Jackson 2014):
the conditional survival over each interval of a common time grid, arcsine-transformed, pooled by
a multivariate random-effects model (DerSimonian-Laird-type moments for the between-study
covariance), multiplied back into a curve with a CI by the delta method.

Input, either
  a table with one row per study and a column naming its IPD file (time,event), e.g. from
  'carta km-reconstruct', plus the grid:  --label study --ipd ipd_file --grid 3,6,9,12,18,24
or a long table of S and the number at risk at each grid time (a row at time 0 per study):
  --study study --time month --s survival --n-risk n_risk

Example (two simulated studies in carta's examples/survival folder):
  carta survival-curve examples/survival/ipd_studies.csv --label study --ipd ipd_file --grid 3,6,9,12,18,24 --svg os.svg)";


void check_times(const std::vector<double>& times) {
  for (double t : times) {
    if (!(t > 0.0) || !std::isfinite(t)) {
      throw Error(ErrorCategory::kInvalidOption, fmt::format("--at {}: times must be > 0", t));
    }
  }
}

void emit(const std::string& text, const std::string& output, std::ostream& out) {
  if (output.empty()) {
    out << text;
  } else {
    io::write_file_atomic(output, text);
  }
}

std::string bias_text(const SmallStudyEffects& b) {
  std::string o = "\nSmall-study effects on ln lambda\n";
  auto p = [](double x) { return fmt::format("{:.4f}", x); };
  if (b.egger) o += fmt::format("Egger test: t = {:.3f}, df = {:g}, p = {}\n", b.egger->stat, b.egger->df, p(b.egger->p));
  if (b.peters) {
    o += fmt::format("Peters test (1/n): t = {:.3f}, df = {:g}, p = {}\n", b.peters->stat, b.peters->df, p(b.peters->p));
  }
  if (b.inverse_sqrt_n) {
    o += fmt::format("Regression on 1/sqrt(n): t = {:.3f}, df = {:g}, p = {}\n", b.inverse_sqrt_n->stat,
                     b.inverse_sqrt_n->df, p(b.inverse_sqrt_n->p));
  }
  if (b.begg) o += fmt::format("Begg test: Kendall tau = {:.3f}, p = {}\n", b.begg->tau, p(b.begg->p));
  if (b.trimfill) {
    o += fmt::format("trim-and-fill ({}): {} stud{} filled; adjusted ln lambda {:.4f} ({:.4f} to {:.4f})\n",
                     b.trimfill->estimator == TrimFillEstimator::kR0 ? "R0" : "L0", b.trimfill->k0,
                     b.trimfill->k0 == 1 ? "y" : "ies", b.trimfill->est, b.trimfill->ci_lb, b.trimfill->ci_ub);
  }
  for (const auto& n : b.notes) o += "note: " + n + "\n";
  return o;
}

std::string fmt_est(const SurvivalEstimate& e, int digits, bool with_pi) {
  std::string s =
      fmt::format("{:.{}f} ({:.{}f} to {:.{}f})", e.est, digits, e.ci_lb, digits, e.ci_ub, digits);
  if (with_pi && std::isfinite(e.pi_lb))
    s += fmt::format("  PI {:.{}f} to {:.{}f}", e.pi_lb, digits, e.pi_ub, digits);
  return s;
}

std::string survival_text(const SurvivalPoolResult& r) {
  std::ostringstream o;
  const auto& p = r.log_hazard;
  o << fmt::format(
      "Survival under an exponential model per study: k = {}, {} with {} test, preset {}, level {}\n\n", p.k,
      to_string(p.options.method), to_string(p.options.test), to_string(p.options.preset), p.options.level);
  std::size_t width = 5;
  for (const auto& s : r.studies) width = std::max(width, s.label.size());
  o << fmt::format("{:<{}}  {:<18}  {:>9}  {:>7}  {:>7}  {}\n", "study", width, "from", "ln haz", "SE",
                   "w(RE)%", "reported");
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& s = r.studies[i];
    o << fmt::format("{:<{}}  {:<18}  {:>9.4f}  {:>7.4f}  {:>7.2f}  {}\n", s.label, width,
                     to_string(s.source), s.log_hazard, s.se, p.studies[i].weight_random, s.detail);
  }
  const auto& re = p.random;
  o << fmt::format("\nln hazard (random)  {:.4f} (SE {:.4f}; {:.4f} to {:.4f})\n", re.est, re.se, re.ci_lb,
                   re.ci_ub);
  o << fmt::format("hazard (random)     {}\n", fmt_est(r.hazard_random, 5, true));
  o << fmt::format("hazard (common)     {}\n", fmt_est(r.hazard_common, 5, false));
  o << fmt::format("median (random)     {}\n", fmt_est(r.median_random, 2, true));
  for (const auto& s : r.survival) {
    o << fmt::format("S({:g}) (random)     {}\n", s.time, fmt_est(s.random, 3, true));
  }
  const auto& h = p.heterogeneity;
  o << fmt::format(
      "heterogeneity       tau2 {:.5g} ({:.5g} to {:.5g}), I2 {:.1f}%, Q {:.4g} on {:g} df, p {:.4g}\n",
      h.tau2, h.tau2_ci_lb, h.tau2_ci_ub, h.I2, h.Q, h.Q_df, h.Q_p);
  bool header = false;
  for (const auto& d : r.direct) {
    if (!d.pool) continue;
    if (!header) o << "\nSensitivity: S(t) pooled directly on the cloglog scale\n";
    header = true;
    o << fmt::format("S({:g}) from {} stud{}  {}\n", d.time, d.labels.size(),
                     d.labels.size() == 1 ? "y" : "ies", fmt_est(d.random, 3, true));
  }
  for (const auto& w : r.warnings) o << "\nwarning: " << w << '\n';
  if (!p.notes.empty()) o << '\n';
  for (const auto& n : p.notes) o << "note: " << n << '\n';
  for (const auto& s : r.studies) {
    for (const auto& n : s.notes) o << fmt::format("note: study '{}': {}\n", s.label, n);
    for (const auto& u : s.unused)
      o << fmt::format("note: study '{}' also reports {} (not used)\n", s.label, u);
  }
  return o.str();
}

}  // namespace

CLI::App* add_survival_command(CLI::App& app, SurvivalArgs& args) {
  auto* cmd = app.add_subcommand("survival",
                                 "Pool survival (OS, EFS) across single-arm trials via exponential hazards");
  cmd->footer(kSurvivalFooter);
  cmd->add_option("file", args.file, "CSV (or .tsv) table, one row per study")->required();
  add_label_option(cmd, args.label, "column holding unique study labels");
  cmd->add_option("--s", args.s, "column: survival S(t) at the time of --s-time");
  cmd->add_option("--s-lb", args.s_lb, "column: lower CI bound of S(t)");
  cmd->add_option("--s-ub", args.s_ub, "column: upper CI bound of S(t)");
  cmd->add_option("--s-time", args.s_time, "the time S refers to: a number (e.g. 12) or a column");
  cmd->add_option("--median", args.median, "column: median survival time");
  cmd->add_option("--median-lb", args.median_lb, "column: lower CI bound of the median");
  cmd->add_option("--median-ub", args.median_ub, "column: upper CI bound of the median (NR if not reached)");
  cmd->add_option("--events", args.events, "column: number of events (deaths)");
  cmd->add_option("--person-time", args.person_time, "column: total follow-up time (person-months)");
  cmd->add_option("--n", args.n, "column: patients (SE of S(t) by the delta method when no CI is reported)");
  cmd->add_option("--ipd", args.ipd,
                  "column: path of an IPD file (time,event) per study, relative to the table");
  cmd->add_option("--method", args.method, "tau^2 estimator: " + tau2_method_names())
      ->capture_default_str();
  cmd->add_option("--test", args.test, "z, knha or t")->capture_default_str();
  cmd->add_option("--preset", args.preset, "carta, metafor or meta (see 'carta pool --help')")
      ->capture_default_str();
  add_tau2_ci_option(cmd, args.tau2_ci);
  add_level_option(cmd, args.level, "confidence level of the results, as 0.95 or 95");
  cmd->add_option("--reported-level", args.reported_level, "confidence level of the CIs the studies report")
      ->capture_default_str();
  cmd->add_option("--s-ci", args.s_ci,
                  "the scale the reported CIs of S are symmetric on: log-log (Stata, SAS, many papers), log (R "
                  "survfit's default) or plain")
      ->capture_default_str();
  cmd->add_option("--at", args.at, "report S(t) at these times (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--exclude", args.exclude, "leave out the study with this label (repeatable)");
  cmd->add_option("--where", args.where,
                  "keep only rows that match, e.g. population_group=adult (repeatable)");
  cmd->add_flag("--bias", args.bias,
                "small-study effects on ln lambda: Egger, PEESE, Begg, trim-and-fill; with --n also Peters' test "
                "(1/n) and the regression on 1/sqrt(n)");
  add_trimfill_option(cmd, args.trimfill_estimator);
  cmd->add_option("--forest", args.forest, "draw a forest plot of each study's S at the first --at time (.svg, .png or .pdf)")
      ->option_text("FILE");
  cmd->add_option("--funnel", args.funnel, "draw a funnel plot of the log hazards (.svg, .png or .pdf)")->option_text("FILE");
  add_output_options(cmd, args.output, {"text", "json"}, "the pooled survival");
  return cmd;
}

CLI::App* add_km_command(CLI::App& app, KmArgs& args) {
  auto* cmd = app.add_subcommand("km", "Kaplan-Meier curve with Greenwood CIs from individual patient data");
  cmd->footer(kKmFooter);
  cmd->add_option("file", args.file, "CSV with columns time,event")->required();
  cmd->add_option("--at", args.at, "report S(t) at these times (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  add_level_option(cmd, args.level);
  cmd->add_option("--conf-type", args.interval, "log (survfit's default), log-log or plain")
      ->capture_default_str();
  add_output_options(cmd, args.output, {"text", "json", "csv"}, "the curve (csv: every step)");
  return cmd;
}

CLI::App* add_km_reconstruct_command(CLI::App& app, KmReconstructArgs& args) {
  auto* cmd = app.add_subcommand("km-reconstruct",
                                 "Reconstruct patient data from a digitised Kaplan-Meier curve (Guyot 2012)");
  cmd->footer(kReconstructFooter);
  cmd->add_option("--curve", args.curve, "CSV of digitised points: time,survival")->required();
  cmd->add_option("--at-risk", args.at_risk, "CSV of the numbers at risk: time,n_risk (from time 0)")
      ->required();
  cmd->add_option("--total-events", args.total_events, "total number of events, when the paper reports it");
  add_output_options(cmd, args.output, {"csv", "json"},
                     "the reconstructed patients (csv: time,event; json: the diagnostics with the patients)");
  cmd->add_option("--report", args.report,
                  "write the diagnostics (JSON) here (default: standard output when the patients go to --out)");
  add_level_option(cmd, args.level, "confidence level of the reconstruction's median and S(t), as 0.95 or 95");
  cmd->add_option("--at", args.at, "report S(t) of the reconstruction at these times")
      ->delimiter(',')
      ->capture_default_str();
  return cmd;
}

CLI::App* add_survival_curve_command(CLI::App& app, SurvivalCurveArgs& args) {
  auto* cmd = app.add_subcommand(
      "survival-curve",
      "Pool survival curves (Combescure 2014) from reconstructed IPD or S and at-risk tables");
  cmd->footer(kCurveFooter);
  cmd->add_option("file", args.file, "CSV table (one row per study with --ipd; long format otherwise)")
      ->required();
  add_label_option(cmd, args.label, "column of study labels (--study is the same option)");
  cmd->add_option("--ipd", args.ipd,
                  "column: path of each study's IPD file (time,event), relative to the table");
  cmd->add_option("--grid", args.grid, "with --ipd: the common time grid (comma-separated)")->delimiter(',');
  cmd->add_option("--time", args.time, "long format: column of grid times");
  cmd->add_option("--s", args.s, "long format: column of survival at that time");
  cmd->add_option("--n-risk", args.n_risk, "long format: column of the number at risk at that time");
  add_level_option(cmd, args.level);
  add_output_options(cmd, args.output, {"text", "json"}, "the pooled curve");
  cmd->add_option("--svg", args.svg, "also draw the pooled curve over the study curves into this SVG file");
  return cmd;
}

int run_survival_curve(const SurvivalCurveArgs& args, std::ostream& out, std::ostream& err) {
  io::check_run_paths({{"FILE", args.file}}, {{"-o", args.output.path}, {"--svg", args.svg}});
  const double level = parse_level(args.level, "--level");
  const io::Table table = io::read_table(args.file);
  for (const auto& n : table.notes) err << "carta: note: " << n << '\n';
  std::vector<StudyCurve> studies;
  std::vector<StudyCurve> display;  // what the figure draws: every step of each curve when known
  if (!args.ipd.empty()) {
    if (args.grid.empty()) {
      throw Error(ErrorCategory::kInvalidOption,
                  "--ipd needs --grid: the common times, e.g. --grid 3,6,9,12,18,24");
    }
    check_times(args.grid);
    io::SurvivalColumns columns;
    if (!args.label.empty()) columns.label = args.label;
    columns.ipd = args.ipd;
    const auto load = io::load_survival_reports(table, columns);
    for (const auto& n : load.notes) err << "carta: note: " << n << '\n';
    for (const auto& r : load.reports) {
      if (r.ipd.empty()) continue;
      const KaplanMeier km = kaplan_meier(r.ipd, level);
      studies.push_back(study_curve_from_km(r.label, km, args.grid));
      std::vector<double> steps;
      for (const auto& st : km.steps) steps.push_back(st.time);
      display.push_back(study_curve_from_km(r.label, km, steps));
    }
  } else {
    if (args.label.empty() || args.time.empty() || args.s.empty() || args.n_risk.empty()) {
      throw Error(ErrorCategory::kInvalidOption,
                  "give either --ipd (with --label and --grid) or all of --label (or --study), --time, --s and --n-risk");
    }
    studies = io::load_study_curves(table, args.label, args.time, args.s, args.n_risk);
  }
  const SummaryCurve curve = summary_survival_curve(studies, level);
  if (!args.svg.empty()) {
    plot::SurvivalCurveOptions o;
    o.title = "Pooled survival curve";
    io::write_file_atomic(args.svg, plot::survival_curve_svg(curve, display.empty() ? studies : display, o));
  }
  if (args.output.format == "json") {
    emit(io::to_json(curve, studies).dump(2) + "\n", args.output.path, out);
    return 0;
  }
  std::ostringstream o;
  o << fmt::format("Summary survival curve (Combescure 2014): {} studies, {:g}% CIs\n\n", studies.size(),
                   100 * level);
  o << fmt::format("{:>8}  {:>3}  {:>26}  {:>26}\n", "time", "k", "random effects", "common effect");
  for (const auto& p : curve.points) {
    o << fmt::format("{:>8.4g}  {:>3}  {:>7.3f} ({:.3f} to {:.3f})  {:>7.3f} ({:.3f} to {:.3f})\n", p.time,
                     p.k, p.random, p.random_lb, p.random_ub, p.common, p.common_lb, p.common_ub);
  }
  auto show = [](double x) { return std::isnan(x) ? std::string("not reached") : fmt::format("{:.2f}", x); };
  o << fmt::format("\nmedian (random) {}, (common) {}\n", show(curve.median_random),
                   show(curve.median_common));
  o << fmt::format("heterogeneity: Q {:.4g} on {:g} df, H2 {:.3f}, I2 {:.1f}%\n", curve.Q, curve.Q_df,
                   curve.H2, curve.I2);
  for (const auto& n : curve.notes) o << "note: " << n << '\n';
  emit(o.str(), args.output.path, out);
  return 0;
}

int run_survival(const SurvivalArgs& args, std::ostream& out, std::ostream& err) {
  io::check_run_paths({{"FILE", args.file}}, {{"-o", args.output.path}, {"--forest", args.forest}, {"--funnel", args.funnel}});
  SurvivalOptions options;
  options.pool.method = parse_or_throw(parse_tau2_method(args.method), "--method", args.method,
                                       tau2_method_names().c_str());
  options.pool.test = parse_or_throw(parse_test(args.test), "--test", args.test, "z, knha, t");
  options.pool.preset =
      parse_or_throw(parse_preset(args.preset), "--preset", args.preset, "carta, metafor, meta");
  options.pool.level = parse_level(args.level, "--level");
  options.pool.tau2_ci = parse_tau2_ci_option(args.tau2_ci);
  const TrimFillEstimator trimfill_estimator = parse_trimfill_option(args.trimfill_estimator);
  options.reported_level = parse_level(args.reported_level, "--reported-level");
  options.s_ci = parse_or_throw(parse_survival_ci_scale(args.s_ci), "--s-ci", args.s_ci, "log-log, log, plain");
  check_times(args.at);
  options.times = args.at;
  io::SurvivalColumns columns;
  auto set = [](std::optional<std::string>& slot, const std::string& value) {
    if (!value.empty()) slot = value;
  };
  set(columns.label, args.label);
  set(columns.s, args.s);
  set(columns.s_lb, args.s_lb);
  set(columns.s_ub, args.s_ub);
  if (!args.s_time.empty()) {
    if (const auto t = parse_number(args.s_time)) {
      columns.s_time_value = *t;
    } else {
      columns.s_time_column = args.s_time;
    }
  }
  set(columns.median, args.median);
  set(columns.median_lb, args.median_lb);
  set(columns.median_ub, args.median_ub);
  set(columns.events, args.events);
  set(columns.person_time, args.person_time);
  set(columns.n, args.n);
  set(columns.ipd, args.ipd);
  std::vector<io::RowFilter> filters;
  for (const auto& w : args.where) filters.push_back(io::parse_row_filter(w));
  const io::Table table = io::read_table(args.file);
  const io::SurvivalLoad load = io::load_survival_reports(table, columns, args.exclude, filters);
  const SurvivalPoolResult result = pool_survival(load.reports, options);
  std::optional<SmallStudyEffects> bias;
  if (args.bias || !args.funnel.empty()) {
    std::vector<EffectStudy> effects;
    for (const auto& h : result.studies) effects.push_back({h.label, h.log_hazard, h.se * h.se});
    // Sample sizes for Peters' test: the patients given (--n), or the IPD's.
    std::vector<double> sizes;
    for (const auto& report : load.reports) {
      if (report.n) {
        sizes.push_back(static_cast<double>(*report.n));
      } else if (!report.ipd.empty()) {
        sizes.push_back(static_cast<double>(report.ipd.size()));
      } else {
        sizes.push_back(std::numeric_limits<double>::quiet_NaN());
      }
    }
    if (sizes.size() != effects.size() || (columns.n == std::nullopt && columns.ipd == std::nullopt)) sizes.clear();
    bias = small_study_effects(effects, options.pool, trimfill_estimator, sizes);
  }
  if (!args.forest.empty()) {
    plot::ForestOptions fo;
    const double t = options.times.front();
    fo.title = fmt::format("Survival at {:g} under an exponential model per study", t);
    fo.count_header = "From";
    fo.estimate_header = fmt::format("S({:g}) (%)", t);
    for (const auto& h : result.studies) fo.count_text.push_back(std::string(short_name(h.source)));
    write_figure("--forest", args.forest, plot::forest_plot_svg(survival_at(result, t), fo));
  }
  if (!args.funnel.empty()) {
    plot::FunnelOptions fo;
    fo.title = "Funnel plot of the log hazards";
    fo.x_label = "Log hazard";
    write_figure("--funnel", args.funnel, plot::funnel_plot_svg(*bias, fo));
  }
  int status = 0;
  if (!result.log_hazard.convergence.all_converged()) {
    status = 3;
    err << "carta: warning: an iterative computation did not converge; see 'convergence' in the output\n";
  }
  for (const auto& n : load.notes) err << "carta: note: " << n << '\n';
  if (args.output.format == "json") {
    nlohmann::json j = io::to_json(result);
    j["input"] = {{"file", args.file}, {"notes", load.notes}};
    if (bias && args.bias) j["bias"] = io::effects_bias_json(*bias, options.pool);
    emit(j.dump(2) + "\n", args.output.path, out);
  } else {
    std::string text = survival_text(result);
    if (bias && args.bias) text += bias_text(*bias);
    emit(text, args.output.path, out);
  }
  return status;
}

int run_km(const KmArgs& args, std::ostream& out, std::ostream&) {
  io::check_run_paths({{"FILE", args.file}}, {{"-o", args.output.path}});
  check_times(args.at);
  const double level = parse_level(args.level, "--level");
  const KmIntervalType type =
      parse_or_throw(parse_km_interval(args.interval), "--conf-type", args.interval, "log, log-log, plain");
  const auto ipd = io::read_ipd(args.file);
  const KaplanMeier km = kaplan_meier(ipd, level, type);
  if (args.output.format == "json") {
    emit(io::to_json(km, args.at).dump(2) + "\n", args.output.path, out);
  } else if (args.output.format == "csv") {
    emit(io::km_csv(km), args.output.path, out);
  } else {
    std::ostringstream o;
    o << fmt::format("Kaplan-Meier: n = {}, events = {}, {:g}% CIs ({} scale, Greenwood)\n\n", km.n,
                     km.events, 100.0 * level, to_string(type));
    o << fmt::format("{:>10}  {:>6}  {:>6}  {:>6}  {:>8}  {:>8}  {:>17}\n", "time", "n.risk", "events",
                     "cens", "S", "SE", "CI");
    for (const auto& s : km.steps) {
      o << fmt::format("{:>10.4g}  {:>6}  {:>6}  {:>6}  {:>8.4f}  {:>8.4f}  {:>8.4f}-{:<8.4f}\n", s.time,
                       s.n_risk, s.events, s.censored, s.survival, s.se, s.ci_lb, s.ci_ub);
    }
    const KmMedian m = km.median();
    auto show = [](double x) { return std::isnan(x) ? std::string("NR") : fmt::format("{:.4g}", x); };
    o << fmt::format("\nmedian {} ({} to {})\n", show(m.est), show(m.ci_lb), show(m.ci_ub));
    for (double t : args.at) {
      const KmStep s = km.at(t);
      if (std::isnan(s.survival)) {
        o << fmt::format("S({:g}) not estimable: beyond the last follow-up time\n", t);
      } else {
        o << fmt::format("S({:g}) = {:.4f} ({:.4f} to {:.4f})\n", t, s.survival, s.ci_lb, s.ci_ub);
      }
    }
    emit(o.str(), args.output.path, out);
  }
  return 0;
}

int run_km_reconstruct(const KmReconstructArgs& args, std::ostream& out, std::ostream& err) {
  io::check_run_paths({{"--curve", args.curve}, {"--at-risk", args.at_risk}},
                      {{"--out", args.output.path}, {"--report", args.report}});
  check_times(args.at);
  const double level = parse_level(args.level, "--level");
  const auto curve = io::read_curve(args.curve);
  const auto at_risk = io::read_at_risk(args.at_risk);
  ReconstructionOptions options;
  if (args.total_events) {
    if (*args.total_events < 0) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--total-events is {}, but a number of events must be 0 or more", *args.total_events));
    }
    options.total_events = *args.total_events;
  }
  Reconstruction r;
  try {
    r = reconstruct_ipd(curve, at_risk, options);
  } catch (const Error& e) {
    throw Error(e.category(), fmt::format("--curve {} with --at-risk {}: {}", args.curve, args.at_risk, e.what()));
  }
  nlohmann::json j = io::to_json(r, args.at, level);
  j["input"] = {{"curve", args.curve}, {"at_risk", args.at_risk},
                {"ipd", args.output.to_stdout() ? nlohmann::json(nullptr) : nlohmann::json(args.output.path)}};
  const std::string where = args.output.to_stdout() ? std::string("standard output") : args.output.path;
  if (args.output.format == "json") {
    nlohmann::json patients = nlohmann::json::array();
    for (const auto& o : r.ipd) patients.push_back({{"time", o.time}, {"event", o.event ? 1 : 0}});
    j["patients"] = std::move(patients);
    write_result(args.output, j.dump(2) + "\n", out);
    if (!args.report.empty()) io::write_file_atomic(args.report, j.dump(2) + "\n");
  } else {
    write_result(args.output, io::format_ipd_csv(r.ipd), out);
    // The diagnostics go to --report, or to standard output when the patients went to a file.
    if (!args.report.empty()) {
      io::write_file_atomic(args.report, j.dump(2) + "\n");
    } else if (!args.output.to_stdout()) {
      out << j.dump(2) << '\n';
    }
  }
  err << fmt::format(
      "carta: reconstructed {} patients ({} events, {} censored) into {}; curve RMSE {:.4f}, "
      "largest gap {:.4f}\n",
      r.ipd.size(), r.events, r.censored, where, r.rmse, r.max_abs_diff);
  if (!r.converged) {
    err << "carta: warning: the censoring adjustment did not converge in every interval; see 'intervals'\n";
    return 3;
  }
  return 0;
}

}  // namespace carta::cli
