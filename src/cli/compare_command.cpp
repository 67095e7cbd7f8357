#include "compare_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "carta/comparative.hpp"
#include "carta/error.hpp"
#include "carta/io/comparative_output.hpp"
#include "carta/io/comparative_table.hpp"
#include "carta/io/file.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/table.hpp"
#include "carta/pool.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"

namespace carta::cli {

namespace {

constexpr const char* kCompareFooter = R"(
Two-group binary outcomes: give each arm's events and patients (--events-1 --n-1 for the
experimental arm, --events-2 --n-2 for the control arm). Each study's odds ratio (OR), risk ratio
(RR), risk difference (RD) or arcsine difference (AS), as metafor's escalc; a study with a zero
cell gets 1/2 in each cell (--correction all-cells, metafor's and R meta's default) or, with
--correction treatment-arm, increments by arm (Sweeting, Sutton & Lambert 2004; R meta's TACC).
Studies without events in either arm (or with all) are left out of OR and RR, with a note: they
carry no information on a ratio; RD and AS keep them (--drop-double-zero, --keep-double-zero).

The common effect by inverse variance (--common IV), Mantel-Haenszel (MH: OR with the
Robins-Breslow-Greenland variance, the Cochran-Mantel-Haenszel and Tarone tests; RR with
Greenland-Robins; RD with Sato et al. 1989) or Peto's one-step odds ratio (Peto), as metafor's
rma.uni, rma.mh and rma.peto; the random-effects model always by inverse variance with the
--method estimator and --test of 'carta pool'. Ratios are pooled as logarithms and printed as
ratios; the JSON gives both scales. --bias adds Egger's and Begg's tests and trim-and-fill,
--subgroup COLUMN a subgroup analysis with the test for subgroup differences (--subgroup-test all,
as R meta and RevMan, or pooled), --leave-one-out a refit without each study.

--method GLMM (odds ratios) also fits the binomial-normal model with fixed study intercepts and a
random log odds ratio, by maximum likelihood with --nagq point adaptive quadrature (metafor's
rma.glmm, model UM.FS): no continuity correction, studies without events in either arm left out.

Continuous outcomes: each arm's mean, SD and patients (--mean-1 --sd-1 --n-1, --mean-2 --sd-2
--n-2), as the mean difference (MD, variance sd1^2/n1 + sd2^2/n2) or the standardised mean
difference (SMD: Hedges' g with the exact correction), as metafor's escalc. A study that gives
the median with the IQR and/or the range instead (--median-1 --q1-1 --q3-1 --min-1 --max-1, the
same with -2) has its missing mean and SD estimated as R meta does by default: the mean by Luo et
al. (2018), the SD by Wan et al. (2014) from the IQR or the range, by Shi et al. (2020) from both;
each arm and statistic only where it is missing, flagged in the JSON and named in a note.

Effects the studies report (hazard ratios, adjusted odds ratios, mean differences): give the
estimate with its SE (--se), variance (--vi) or interval (--lower --upper, at --reported-level),
and --ratio when they are ratios. An interval must be symmetric on the analysis scale (a note
past 10% of its width, an error past 30%, beyond the rounding of its digits). Time to event
without an interval (Tierney et al. 2007): the log-rank O - E and V (--oe --v, with --ratio: ln HR =
(O - E)/V, variance 1/V), or the HR with its two-sided p-value (--p: SE = |ln HR| / z). Each row uses
the first it reports (O - E and V, variance, SE, CI, p-value); the JSON says which.

Examples (the files are in carta's examples/comparative folder):
  carta compare examples/comparative/bcg.csv --label trial --events-1 tpos --n-1 tn --events-2 cpos --n-2 cn --measure RR
  carta compare examples/comparative/bcg.csv --label trial --events-1 tpos --n-1 tn --events-2 cpos --n-2 cn --common MH --format json
  carta compare examples/comparative/bcg.csv --label trial --events-1 tpos --n-1 tn --events-2 cpos --n-2 cn --method GLMM
  carta compare examples/comparative/normand1999.csv --label label --mean-1 m1i --sd-1 sd1i --n-1 n1i --mean-2 m2i --sd-2 sd2i --n-2 n2i --measure SMD
  carta compare examples/comparative/bcg_rr.csv --label trial --estimate rr --lower lower --upper upper --ratio

Formulas and conventions: docs/methods/comparative.md.)";

// What follows "p" in the text: "= 0.0123", "< 0.0001" or "not available" (formats write "p {}").
std::string p_text(double p) {
  if (!std::isfinite(p)) return "not available";
  if (p < 0.0001) return "< 0.0001";
  return fmt::format("= {:.4f}", p);
}

std::string measure_name(BinaryMeasure m) {
  switch (m) {
    case BinaryMeasure::kOR: return "odds ratio (OR)";
    case BinaryMeasure::kRR: return "risk ratio (RR)";
    case BinaryMeasure::kRD: return "risk difference (RD)";
    case BinaryMeasure::kAS: return "arcsine difference (AS)";
  }
  return "";
}

// "0.62 (0.57 to 0.68)" on the reporting scale.
std::string interval(bool ratio, double est, double lb, double ub) {
  auto f = [&](double x) { return fmt::format("{:.4f}", ratio ? std::exp(x) : x); };
  return fmt::format("{} ({} to {})", f(est), f(lb), f(ub));
}

std::string bias_text(const SmallStudyEffects& b, bool ratio);
std::string analyses_text(const EffectAnalyses& a, bool ratio, double level);

std::string heterogeneity_text(const PoolResult& r) {
  const auto& h = r.heterogeneity;
  if (!std::isfinite(h.Q)) return "Heterogeneity: not available from one study\n";
  std::string o = fmt::format("Heterogeneity (inverse-variance model): Q = {:.4f}, df = {:g}, p {}; I^2 = {:.1f}%",
                              h.Q, h.Q_df, p_text(h.Q_p), h.I2);
  if (std::isfinite(h.I2_ci_lb)) o += fmt::format(" ({:.1f}% to {:.1f}%)", h.I2_ci_lb, h.I2_ci_ub);
  o += fmt::format(" ({}); tau^2 = {:.4g}",
                   conventions_for(r.options.preset).i2 == I2Definition::kTau2Based ? "from tau^2" : "from Q", h.tau2);
  if (std::isfinite(h.tau2_ci_lb)) o += fmt::format(" ({:.4g} to {:.4g})", h.tau2_ci_lb, h.tau2_ci_ub);
  return o + "\n";
}

std::string random_text(const PoolResult& r, bool ratio, const std::string& name) {
  const auto& re = r.random;
  std::string o = fmt::format("Random effects ({}, {}): {} {}, {} = {:.4f}, p {}\n", to_string(r.options.method),
                              to_string(r.options.test), name, interval(ratio, re.est, re.ci_lb, re.ci_ub),
                              r.options.test == TestType::kZ ? "z" : "t", re.stat, p_text(re.p));
  if (std::isfinite(re.pi_lb)) {
    auto f = [&](double x) { return fmt::format("{:.4f}", ratio ? std::exp(x) : x); };
    o += fmt::format("Prediction interval: {} to {}\n", f(re.pi_lb), f(re.pi_ub));
  }
  return o;
}

std::string glmm_text(const GlmmOrFit& g, double level) {
  std::string o = fmt::format(
      "\nBinomial-normal GLMM (fixed study intercepts, random log odds ratio; rma.glmm UM.FS, {} quadrature point{}), "
      "k = {}\n",
      g.nagq, g.nagq == 1 ? "" : "s", g.k);
  const char* stat = std::isfinite(g.df) ? "t" : "z";
  o += fmt::format("Random effects: OR {}, {} = {:.4f}, p {}; {:g}% prediction interval {:.4f} to {:.4f}\n",
                   interval(true, g.beta, g.ci_lb, g.ci_ub), stat, g.stat, p_text(g.p), 100.0 * level, std::exp(g.pi_lb),
                   std::exp(g.pi_ub));
  o += fmt::format("tau^2 = {:.4f} (tau = {:.4f}), I^2 = {:.1f}%, H^2 = {:.4f}\n", g.tau2, g.tau, g.I2, g.H2);
  o += fmt::format("Common effect (logistic regression with study intercepts): OR {}, {} = {:.4f}, p {}\n",
                   interval(true, g.common_beta, g.common_ci_lb, g.common_ci_ub), stat, g.common_stat, p_text(g.common_p));
  o += fmt::format("Heterogeneity: likelihood-ratio Q = {:.4f}, df = {:g}, p {}; Wald Q = {}\n", g.QE_lrt, g.QE_df,
                   p_text(g.QE_lrt_p),
                   std::isfinite(g.QE_wald) ? fmt::format("{:.4f}, p {}", g.QE_wald, p_text(g.QE_wald_p))
                                            : std::string("not available (a zero cell)"));
  o += fmt::format("Fit: {}; log-likelihood {:.4f} (marginal)\n", g.report.message, g.loglik);
  return o;
}

std::string comparative_text(const ComparativeResult& r) {
  const BinaryMeasure m = r.options.effect.measure;
  const bool ratio = is_ratio(m);
  const std::string name(to_string(m));
  const auto& iv = r.inverse_variance;
  std::string o = fmt::format("Two-group binary outcome: {}, {} studies ({} pooled)\n", measure_name(m), r.studies.size(),
                              r.k_pooled);
  if (r.table_based) {
    const auto& t = *r.table_based;
    o += fmt::format("Common effect ({}): {} {}, z = {:.4f}, p {}\n",
                     r.options.method == ComparativeMethod::kPeto ? "Peto" : "Mantel-Haenszel", name,
                     interval(ratio, t.est, t.ci_lb, t.ci_ub), t.z, p_text(t.p));
    if (std::isfinite(t.cmh)) {
      o += fmt::format("Cochran-Mantel-Haenszel test{}: {:.4f}, df = 1, p {}\n",
                       r.options.cmh_continuity ? " (continuity-corrected)" : "", t.cmh, p_text(t.cmh_p));
    }
    if (std::isfinite(t.Q)) {
      o += fmt::format("Heterogeneity around the {} estimate: Q = {:.4f}, df = {:g}, p {}; I^2 = {:.1f}% (from Q)\n",
                       r.options.method == ComparativeMethod::kPeto ? "Peto" : "MH", t.Q, t.Q_df, p_text(t.Q_p), t.I2);
    }
    if (std::isfinite(t.tarone)) {
      o += fmt::format("Tarone's test of a common odds ratio: {:.4f}, df = {:g}, p {}\n", t.tarone, t.tarone_df,
                       p_text(t.tarone_p));
    }
  } else {
    o += fmt::format("Common effect (inverse variance): {} {}, z = {:.4f}, p {}\n", name,
                     interval(ratio, iv.common.est, iv.common.ci_lb, iv.common.ci_ub), iv.common.z, p_text(iv.common.p));
  }
  o += random_text(iv, ratio, name);
  o += heterogeneity_text(iv);
  if (r.glmm) o += glmm_text(*r.glmm, r.options.pool.level);
  o += fmt::format("\n{:<28} {:>12} {:>12} {:>28} {:>8} {:>8}\n", "Study", "Events/n 1", "Events/n 2",
                   fmt::format("{} ({:g}% CI)", name, 100.0 * r.options.pool.level), "W common", "W random");
  for (const auto& s : r.studies) {
    const std::string arm1 = fmt::format("{}/{}", s.counts.events_1, s.counts.n_1);
    const std::string arm2 = fmt::format("{}/{}", s.counts.events_2, s.counts.n_2);
    if (s.effect.dropped) {
      o += fmt::format("{:<28} {:>12} {:>12} {:>28}\n", s.counts.label, arm1, arm2, "left out: " + s.effect.why);
      continue;
    }
    o += fmt::format("{:<28} {:>12} {:>12} {:>28} {:>7.1f}% {:>7.1f}%\n", s.counts.label, arm1, arm2,
                     interval(ratio, s.effect.yi, s.ci_lb, s.ci_ub) + (s.effect.corrected ? "*" : ""), s.weight_common,
                     s.weight_random);
  }
  o += "\n* continuity-corrected\n" + describe_conventions(r) + "\n";
  o += analyses_text(r.analyses, ratio, r.options.pool.level);
  for (const auto& n : r.notes) o += "note: " + n + "\n";
  return o;
}

std::string bias_text(const SmallStudyEffects& b, bool ratio) {
  std::string o = fmt::format("\nSmall-study effects (on the {} scale)\n", ratio ? "log" : "analysis");
  if (b.egger) {
    o += fmt::format("Egger's test (weighted regression on the SE): t = {:.3f}, df = {:g}, p {}\n", b.egger->stat,
                     b.egger->df, p_text(b.egger->p));
  }
  if (b.egger_rma) {
    o += fmt::format("Egger's test, random-effects version: z = {:.3f}, p {}\n", b.egger_rma->stat, p_text(b.egger_rma->p));
  }
  if (b.peters) {
    o += fmt::format("Peters' test (regression on 1/n, n = both arms): t = {:.3f}, df = {:g}, p {}\n", b.peters->stat,
                     b.peters->df, p_text(b.peters->p));
  }
  if (b.inverse_sqrt_n) {
    o += fmt::format("Regression on 1/sqrt(n): t = {:.3f}, df = {:g}, p {}\n", b.inverse_sqrt_n->stat,
                     b.inverse_sqrt_n->df, p_text(b.inverse_sqrt_n->p));
  }
  if (b.harbord) {
    o += fmt::format("Harbord's test (score-based Egger test for the OR): t = {:.3f}, df = {:g}, p {}\n", b.harbord->stat,
                     b.harbord->df, p_text(b.harbord->p));
  }
  if (b.begg) o += fmt::format("Begg's test: Kendall tau = {:.3f}, p {}\n", b.begg->tau, p_text(b.begg->p));
  if (b.trimfill) {
    o += fmt::format("Trim-and-fill ({}): {} stud{} filled on the {}; adjusted {}\n",
                     b.trimfill->estimator == TrimFillEstimator::kR0 ? "R0" : "L0", b.trimfill->k0,
                     b.trimfill->k0 == 1 ? "y" : "ies", b.trimfill->side == FunnelSide::kLeft ? "left" : "right",
                     interval(ratio, b.trimfill->est, b.trimfill->ci_lb, b.trimfill->ci_ub));
  }
  if (b.henmi_copas) {
    const auto& h = *b.henmi_copas;
    o += fmt::format("Henmi-Copas interval (robust to publication bias): {}\n", interval(ratio, h.est, h.ci_lb, h.ci_ub));
  }
  for (const auto& n : b.notes) o += "note: " + n + "\n";
  return o;
}

std::string continuous_text(const ContinuousResult& r) {
  const std::string name(to_string(r.measure));
  const auto& iv = r.inverse_variance;
  std::string o = fmt::format("Two-group continuous outcome: {}, {} studies\n",
                              r.measure == ContinuousMeasure::kMD ? "mean difference (MD)"
                                                                  : "standardised mean difference (SMD, Hedges' g)",
                              r.studies.size());
  o += fmt::format("Common effect (inverse variance): {} {}, z = {:.4f}, p {}\n", name,
                   interval(false, iv.common.est, iv.common.ci_lb, iv.common.ci_ub), iv.common.z, p_text(iv.common.p));
  o += random_text(iv, false, name);
  o += heterogeneity_text(iv);
  o += fmt::format("\n{:<28} {:>24} {:>24} {:>28} {:>8} {:>8}\n", "Study", "Mean (SD) n 1", "Mean (SD) n 2",
                   fmt::format("{} ({:g}% CI)", name, 100.0 * iv.options.level), "W common", "W random");
  auto mark = [](SummaryScenario from) { return from == SummaryScenario::kReported ? "" : "~"; };
  bool estimated = false;
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& s = r.studies[i];
    const auto& e = iv.studies[i];
    o += fmt::format("{:<28} {:>24} {:>24} {:>28} {:>7.1f}% {:>7.1f}%\n", s.label,
                     fmt::format("{}{:g} ({}{:g}) {}", mark(s.mean_from_1), s.mean_1, mark(s.sd_from_1), s.sd_1, s.n_1),
                     fmt::format("{}{:g} ({}{:g}) {}", mark(s.mean_from_2), s.mean_2, mark(s.sd_from_2), s.sd_2, s.n_2),
                     interval(false, e.yi, e.ci_lb, e.ci_ub), e.weight_common, e.weight_random);
    estimated = estimated || s.mean_from_1 != SummaryScenario::kReported || s.sd_from_1 != SummaryScenario::kReported ||
                s.mean_from_2 != SummaryScenario::kReported || s.sd_from_2 != SummaryScenario::kReported;
  }
  if (estimated) o += "~ estimated from the median with the IQR and/or the range (see the note)\n";
  o += analyses_text(r.analyses, false, iv.options.level);
  for (const auto& n : r.notes) o += "note: " + n + "\n";
  return o;
}

// `name` heads the effect column: "HR" when log-rank rows make every row a hazard ratio.
std::string reported_text(const PoolResult& r, bool ratio, const std::string& name,
                          const std::vector<std::string>& notes, const std::vector<std::string>& sources) {
  std::string o = fmt::format("Generic inverse variance: {} studies{}\n", r.k, ratio ? " (ratios, pooled as logarithms)" : "");
  o += fmt::format("Common effect (inverse variance): {} {}, z = {:.4f}, p {}\n", name,
                   interval(ratio, r.common.est, r.common.ci_lb, r.common.ci_ub), r.common.z, p_text(r.common.p));
  o += random_text(r, ratio, name);
  o += heterogeneity_text(r);
  o += fmt::format("\n{:<28} {:>28} {:>8} {:>8}  {}\n", "Study", fmt::format("{} ({:g}% CI)", name, 100.0 * r.options.level),
                   "W common", "W random", "From");
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& s = r.studies[i];
    o += fmt::format("{:<28} {:>28} {:>7.1f}% {:>7.1f}%  {}\n", s.label, interval(ratio, s.yi, s.ci_lb, s.ci_ub),
                     s.weight_common, s.weight_random, i < sources.size() ? sources[i] : "");
  }
  for (const auto& n : notes) o += "note: " + n + "\n";
  return o;
}

// Runs a study's computation; an error from it names the study's line in the table.
template <typename F>
void at_row(const io::Table& table, std::size_t row, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    throw Error(e.category(), fmt::format("{}:{}: {}", table.source, table.lines[row], e.what()));
  }
}

// --subgroup-test and --min-k, checked whether or not --subgroup is given (as 'carta pool' does).
SubgroupOptions subgroup_options(const CompareArgs& args) {
  SubgroupOptions o;
  o.test = parse_or_throw(parse_subgroup_test(args.subgroup_test), "--subgroup-test", args.subgroup_test, "all, pooled");
  if (args.min_k < 1) throw Error(ErrorCategory::kInvalidOption, "--min-k must be at least 1");
  o.min_k = args.min_k;
  return o;
}

// What --bias, --subgroup and --leave-one-out ask, with each study's subgroup level read from the
// table (a cell the missing-value rule calls not reported has no level).
EffectAnalysisRequest analyses_request(const CompareArgs& args, const io::Table& table, const std::vector<std::size_t>& rows,
                                       const io::MissingValues& missing) {
  EffectAnalysisRequest request;
  request.small_study_effects = args.bias;
  request.trimfill = parse_trimfill_option(args.trimfill_estimator);
  request.leave_one_out = args.leave_one_out;
  request.subgroup = subgroup_options(args);
  if (!args.subgroup.empty()) {
    request.subgroup_variable = args.subgroup;
    const std::size_t col = table.column(args.subgroup);
    for (std::size_t r : rows) {
      const std::string_view cell = io::cell_value(table.rows[r][col]);
      request.subgroup_of.push_back(missing.is_missing(cell) ? std::nullopt : std::optional<std::string>(cell));
    }
  }
  return request;
}

// Whether every refit of the subgroups and of leave-one-out converged, as 'carta pool' checks.
bool analyses_converged(const EffectAnalyses& a) {
  const bool subgroups = !a.subgroups || std::all_of(a.subgroups->levels.begin(), a.subgroups->levels.end(),
                                                     [](const SubgroupLevel& l) {
                                                       return !l.result || l.result->convergence.all_converged();
                                                     });
  return subgroups && std::all_of(a.leave_one_out.begin(), a.leave_one_out.end(),
                                  [](const LeaveOneOutRow& r) { return r.fit.converged; });
}

// 0, or 3 (results written, but an iteration did not converge) with a warning on `err`.
int exit_status(bool main_fit_converged, const EffectAnalyses& a, std::ostream& err) {
  int status = 0;
  if (!main_fit_converged) {
    status = 3;
    err << "carta: warning: an iterative computation did not converge; see 'convergence' in the output\n";
  }
  if (!analyses_converged(a)) {
    status = 3;
    err << "carta: warning: a subgroup or leave-one-out fit did not converge; it is marked in the output\n";
  }
  return status;
}

std::string analyses_text(const EffectAnalyses& a, bool ratio, double level) {
  std::string o;
  if (a.subgroups) {
    const auto& s = *a.subgroups;
    o += fmt::format("\nSubgroups by {} (random effects in each; {:g}% CI)\n", a.subgroup_variable, 100.0 * level);
    for (const auto& l : s.levels) {
      if (!l.result) {
        o += fmt::format("  {:<24} k = {:<3} {}\n", l.level, l.k, l.note);
        continue;
      }
      const auto& re = l.result->random;
      const auto& h = l.result->heterogeneity;
      o += fmt::format("  {:<24} k = {:<3} {}", l.level, l.k, interval(ratio, re.est, re.ci_lb, re.ci_ub));
      if (l.k > 1) o += fmt::format("; I^2 = {:.1f}%, tau^2 = {:.4g}, Q = {:.2f} (p {})", h.I2, h.tau2, h.Q, p_text(h.Q_p));
      if (!l.result->convergence.all_converged()) o += " (did not converge)";
      o += "\n";
    }
    if (s.test_unavailable.empty()) {
      o += fmt::format("Test for subgroup differences ({} subgroups): Q = {:.4f}, df = {:g}, p {}\n",
                       s.options.test == SubgroupTest::kAllSubgroups ? "all" : "pooled", s.Q_between, s.Q_between_df,
                       p_text(s.Q_between_p));
    } else {
      o += s.test_unavailable + "\n";
    }
    for (const auto& n : s.notes) o += "note: " + n + "\n";
  }
  if (!a.leave_one_out.empty()) {
    o += fmt::format("\nLeave one out (random effects without the study; {:g}% CI)\n", 100.0 * level);
    for (const auto& row : a.leave_one_out) {
      o += fmt::format("  without {:<24} {}; I^2 = {:.1f}%, tau^2 = {:.4g}{}\n", row.omitted,
                       interval(ratio, row.fit.est, row.fit.ci_lb, row.fit.ci_ub), row.fit.I2, row.fit.tau2,
                       row.fit.converged ? "" : " (did not converge)");
    }
  }
  if (a.bias) o += bias_text(*a.bias, ratio);
  return o;
}

}  // namespace

CLI::App* add_compare_command(CLI::App& app, CompareArgs& args) {
  auto* cmd = app.add_subcommand(
      "compare", "Pool comparative effects: OR, RR, RD from two-arm counts (IV, Mantel-Haenszel, Peto) or reported HRs and CIs");
  cmd->footer(kCompareFooter);
  cmd->add_option("file", args.file, "CSV (or .tsv) table, one row per study; columns chosen by header name")->required();
  add_label_option(cmd, args.label);
  cmd->add_option("--events-1,--events-e", args.events_1, "column: events in the experimental arm");
  cmd->add_option("--n-1,--n-e", args.n_1, "column: patients in the experimental arm");
  cmd->add_option("--events-2,--events-c", args.events_2, "column: events in the control arm");
  cmd->add_option("--n-2,--n-c", args.n_2, "column: patients in the control arm");
  cmd->add_option("--mean-1,--mean-e", args.mean_1, "column: mean in the experimental arm (continuous outcomes)");
  cmd->add_option("--sd-1,--sd-e", args.sd_1, "column: its SD");
  cmd->add_option("--mean-2,--mean-c", args.mean_2, "column: mean in the control arm");
  cmd->add_option("--sd-2,--sd-c", args.sd_2, "column: its SD");
  cmd->add_option("--median-1,--median-e", args.median_1,
                  "column: median in the experimental arm (for a mean or SD not reported; with quartiles and/or range)");
  cmd->add_option("--q1-1,--q1-e", args.q1_1, "column: its first quartile");
  cmd->add_option("--q3-1,--q3-e", args.q3_1, "column: its third quartile");
  cmd->add_option("--min-1,--min-e", args.min_1, "column: its minimum");
  cmd->add_option("--max-1,--max-e", args.max_1, "column: its maximum");
  cmd->add_option("--median-2,--median-c", args.median_2, "column: median in the control arm");
  cmd->add_option("--q1-2,--q1-c", args.q1_2, "column: its first quartile");
  cmd->add_option("--q3-2,--q3-c", args.q3_2, "column: its third quartile");
  cmd->add_option("--min-2,--min-c", args.min_2, "column: its minimum");
  cmd->add_option("--max-2,--max-c", args.max_2, "column: its maximum");
  cmd->add_option("--measure", args.measure,
                  "two-arm counts: OR (default), RR, RD or AS; means: MD (default) or SMD (Hedges' g)");
  cmd->add_option("--common", args.common, "the common effect: IV (inverse variance), MH (Mantel-Haenszel) or Peto")
      ->capture_default_str();
  cmd->add_option("--correction", args.correction,
                  "zero cells: all-cells (add --cc to each cell; the default, but none for AS), treatment-arm "
                  "(Sweeting 2004, R meta's TACC) or none");
  cmd->add_option("--cc", args.continuity, "continuity correction for studies with a zero cell (default 0.5)");
  cmd->add_flag("--no-cmh-correction", args.no_cmh_correction,
                "the Cochran-Mantel-Haenszel test without its continuity correction (--common MH, OR)");
  cmd->add_flag("--keep-double-zero", args.keep_double_zero, "keep studies without events in either arm (OR, RR)");
  cmd->add_flag("--drop-double-zero", args.drop_double_zero, "leave out studies without events in either arm (RD, AS)");
  cmd->add_flag("--bias", args.bias,
                "small-study effects: Egger's tests, Peters' test and the regression on 1/sqrt(n) (from both arms' n), "
                "Harbord's test (OR), Begg's test, trim-and-fill");
  cmd->add_option("--subgroup", args.subgroup, "subgroup analysis by the levels of this column");
  cmd->add_option("--subgroup-test", args.subgroup_test,
                  "all (every subgroup, single-study ones with their own variance: R meta, RevMan) or pooled")
      ->capture_default_str();
  cmd->add_option("--min-k", args.min_k, "with --subgroup-test pooled: smallest subgroup that is pooled and tested")
      ->capture_default_str();
  cmd->add_flag("--leave-one-out", args.leave_one_out, "refit without each study in turn");
  cmd->add_option("--estimate", args.estimate, "column: a reported effect (e.g. a hazard ratio)");
  cmd->add_option("--se", args.se, "column: its standard error (on the analysis scale: log for --ratio)");
  cmd->add_option("--vi", args.vi, "column: its variance (on the analysis scale)");
  cmd->add_option("--lower", args.lower, "column: the lower bound of its CI");
  cmd->add_option("--upper", args.upper, "column: the upper bound of its CI");
  cmd->add_option("--p", args.p, "column: the two-sided p-value of the estimate (when no SE or CI is reported)");
  cmd->add_option("--oe", args.o_minus_e, "column: log-rank observed minus expected events (O - E), with --v");
  cmd->add_option("--v", args.logrank_v, "column: the log-rank variance V (ln HR = (O - E) / V)");
  cmd->add_flag("--ratio", args.ratio, "the estimates and bounds are ratios (HR, OR, RR): pooled as logarithms");
  cmd->add_option("--reported-level", args.reported_level,
                  "confidence level of the CIs the studies report (default 0.95)");
  cmd->add_option("--method", args.method,
                  "tau^2 estimator: " + tau2_method_names() +
                      "; or GLMM (two-arm counts, OR: the binomial-normal model with fixed study intercepts, "
                      "metafor's rma.glmm UM.FS, beside the inverse-variance fits)")
      ->capture_default_str();
  cmd->add_option("--nagq", args.nagq, "GLMM quadrature points (default 7, as rma.glmm; 1 = Laplace)");
  cmd->add_option("--test", args.test, "z, knha or t")->capture_default_str();
  cmd->add_option("--preset", args.preset, "carta, metafor or meta (see 'carta pool --help')")->capture_default_str();
  add_tau2_ci_option(cmd, args.tau2_ci);
  add_trimfill_option(cmd, args.trimfill_estimator);
  add_level_option(cmd, args.level);
  cmd->add_option("--exclude", args.exclude, "leave out the study with this label (repeatable)");
  cmd->add_option("--missing", args.missing,
                  "cells that mean 'not reported', replacing the default NA, NR, n/a, - (an empty cell always is); "
                  "comma-separated")
      ->delimiter(',');
  add_output_options(cmd, args.output, {"text", "json"}, "the comparison");
  return cmd;
}

int run_compare(const CompareArgs& args, std::ostream& out, std::ostream& err) {
  io::check_run_paths({{"FILE", args.file}}, {{"-o", args.output.path}});
  const bool counts = !args.events_1.empty() || !args.events_2.empty();
  const bool medians = !args.median_1.empty() || !args.q1_1.empty() || !args.q3_1.empty() || !args.min_1.empty() ||
                       !args.max_1.empty() || !args.median_2.empty() || !args.q1_2.empty() || !args.q3_2.empty() ||
                       !args.min_2.empty() || !args.max_2.empty();
  const bool means =
      medians || !args.mean_1.empty() || !args.sd_1.empty() || !args.mean_2.empty() || !args.sd_2.empty();
  const bool reported = !args.estimate.empty() || !args.o_minus_e.empty() || !args.logrank_v.empty();
  const int modes = (counts ? 1 : 0) + (means ? 1 : 0) + (reported ? 1 : 0);
  if (modes != 1) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("{}: two-arm counts (--events-1 --n-1 --events-2 --n-2), means (--mean-1 --sd-1 --n-1 "
                            "--mean-2 --sd-2 --n-2), or reported effects (--estimate with --se, --vi or --lower "
                            "--upper)",
                            modes == 0 ? "name the columns of one kind of input" : "give one kind of input, not several"));
  }
  PoolOptions pool;
  const bool glmm = canonical_method_name(args.method).value_or("") == "GLMM";
  pool.method = glmm ? Tau2Method::kREML
                     : parse_or_throw(parse_tau2_method(args.method), "--method", args.method,
                                      (tau2_method_names() + ", GLMM").c_str());
  if (args.nagq && !glmm) throw Error(ErrorCategory::kInvalidOption, "--nagq is for --method GLMM");
  if (glmm) {
    if (!counts) throw Error(ErrorCategory::kInvalidOption, "--method GLMM models two-arm counts (--events-1 ...)");
    if (!args.subgroup.empty() || args.leave_one_out || args.bias) {
      throw Error(ErrorCategory::kInvalidOption,
                  "--method GLMM does not yet combine with --subgroup, --leave-one-out or --bias; run those with a "
                  "two-step estimator (e.g. --method REML)");
    }
  }
  pool.test = parse_or_throw(parse_test(args.test), "--test", args.test, "z, knha, t");
  pool.preset = parse_or_throw(parse_preset(args.preset), "--preset", args.preset, "carta, metafor, meta");
  pool.level = parse_level(args.level, "--level");
  pool.tau2_ci = parse_tau2_ci_option(args.tau2_ci);
  (void)subgroup_options(args);
  const io::MissingValues missing = args.missing.empty() ? io::MissingValues() : io::MissingValues(args.missing);
  const io::Table table = io::read_table(args.file);

  // Options of another kind of input are refused, never ignored.
  auto refuse = [](bool given, const char* option, const char* belongs) {
    if (given) throw Error(ErrorCategory::kInvalidOption, fmt::format("{} is for {}", option, belongs));
  };
  if (!counts) {
    refuse(args.keep_double_zero || args.drop_double_zero, "--keep-double-zero/--drop-double-zero", "two-arm counts");
    refuse(!args.correction.empty(), "--correction", "two-arm counts");
    refuse(args.continuity.has_value(), "--cc", "two-arm counts");
    refuse(args.no_cmh_correction, "--no-cmh-correction", "two-arm counts with --common MH");
  }
  if (!reported) {
    refuse(args.ratio, "--ratio", "reported effects (--estimate)");
    refuse(args.reported_level.has_value(), "--reported-level", "reported effects (--estimate)");
    refuse(!args.se.empty() || !args.vi.empty() || !args.lower.empty() || !args.upper.empty() || !args.p.empty(),
           "--se, --vi, --lower, --upper and --p", "reported effects (--estimate)");
  }
  // --n-1 and --n-2 serve counts and means; a reported effect has no use for them.
  if (reported) {
    refuse(!args.n_1.empty() || !args.n_2.empty(), "--n-1/--n-2",
           "two-arm counts and means; a reported effect is pooled from its own spread");
  }
  const bool logrank = !args.o_minus_e.empty() || !args.logrank_v.empty();
  if (logrank && !args.ratio) {
    throw Error(ErrorCategory::kInvalidOption,
                "--oe and --v give log hazard ratios: give --ratio, so that the estimates beside them are read as "
                "hazard ratios (pooled as logarithms, on the same scale) and the output prints HRs");
  }
  if (reported) {
    if (parse_or_throw(parse_comparative_method(args.common), "--common", args.common, "IV, MH, Peto") !=
        ComparativeMethod::kInverseVariance) {
      throw Error(ErrorCategory::kInvalidOption,
                  "reported effects are pooled by inverse variance; --common MH and Peto need two-arm counts");
    }
    if (!args.measure.empty()) {
      throw Error(ErrorCategory::kInvalidOption,
                  "--measure is for counts and means; a reported effect is pooled on its own scale (--ratio for ratios)");
    }
    io::ReportedColumns columns;
    if (!args.estimate.empty()) columns.estimate = args.estimate;
    if (!args.p.empty()) columns.p = args.p;
    if (!args.o_minus_e.empty()) columns.o_minus_e = args.o_minus_e;
    if (!args.logrank_v.empty()) columns.logrank_variance = args.logrank_v;
    if (!args.se.empty()) columns.se = args.se;
    if (!args.vi.empty()) columns.variance = args.vi;
    if (!args.lower.empty()) columns.lower = args.lower;
    if (!args.upper.empty()) columns.upper = args.upper;
    if (!args.label.empty()) columns.label = args.label;
    columns.missing = missing;
    const auto load = io::load_reported_effects(table, columns, args.exclude);
    ReportedEffectOptions ro{args.ratio, parse_level(args.reported_level.value_or(0.95), "--reported-level")};
    std::vector<EffectStudy> effects;
    std::vector<std::string> notes = load.notes, sources(load.studies.size());
    for (std::size_t i = 0; i < load.studies.size(); ++i) {
      std::string note;
      at_row(table, load.rows[i], [&] { effects.push_back(effect_from_report(load.studies[i], ro, &note, &sources[i])); });
      if (!note.empty()) notes.push_back(fmt::format("{}:{}: {}", table.source, table.lines[load.rows[i]], note));
    }
    PoolResult r = pool_effects(effects, pool);
    for (const auto& n : r.notes) notes.push_back(n);
    std::vector<std::size_t> index(effects.size());
    for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
    const EffectAnalyses analyses = analyse_effects(effects, index, pool, analyses_request(args, table, load.rows, missing));
    for (const auto& n : notes) err << "carta: note: " << n << '\n';
    const int status = exit_status(r.convergence.all_converged(), analyses, err);
    if (args.output.format == "json") {
      nlohmann::json j = io::reported_effects_json(r, args.ratio, sources);
      if (logrank) j["measure"] = "HR";
      j["notes"] = notes;
      j["input"] = {{"file", args.file}, {"reported_level", ro.reported_level}};
      io::add_analyses_json(j, analyses, pool);
      write_result(args.output, j.dump(2) + "\n", out);
    } else {
      const std::string name = logrank ? "HR" : args.ratio ? "ratio" : "effect";
      write_result(args.output,
                   reported_text(r, args.ratio, name, notes, sources) + analyses_text(analyses, args.ratio, pool.level),
                   out);
    }
    return status;
  }

  if (means) {
    if (args.n_1.empty() || args.n_2.empty()) {
      throw Error(ErrorCategory::kInvalidOption,
                  "continuous outcomes need all six columns: --mean-1 --sd-1 --n-1 --mean-2 --sd-2 --n-2 (or "
                  "medians with quartiles or ranges in place of the means and SDs: --median-1 --q1-1 --q3-1 --min-1 "
                  "--max-1 and the same for arm 2); --n-1 and --n-2 are always needed");
    }
    for (int arm = 1; arm <= 2; ++arm) {
      const bool one = arm == 1;
      const std::string& mean = one ? args.mean_1 : args.mean_2;
      const std::string& sd = one ? args.sd_1 : args.sd_2;
      const std::string& median = one ? args.median_1 : args.median_2;
      const std::string& q1 = one ? args.q1_1 : args.q1_2;
      const std::string& q3 = one ? args.q3_1 : args.q3_2;
      const std::string& lo = one ? args.min_1 : args.min_2;
      const std::string& hi = one ? args.max_1 : args.max_2;
      if (q1.empty() != q3.empty()) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("an interquartile range needs both quartiles: give --q1-{0} and --q3-{0}", arm));
      }
      if (lo.empty() != hi.empty()) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("a range needs both ends: give --min-{0} and --max-{0}", arm));
      }
      if (mean.empty() && median.empty()) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("arm {0} has no mean: name its column (--mean-{0}) or its median's (--median-{0}, "
                                "with --q1-{0} --q3-{0} and/or --min-{0} --max-{0})",
                                arm));
      }
      if (sd.empty() && q1.empty() && lo.empty()) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("arm {0} has no SD: name its column (--sd-{0}), its quartiles (--q1-{0} --q3-{0}) or "
                                "its range (--min-{0} --max-{0})",
                                arm));
      }
      if (!median.empty() && q1.empty() && lo.empty()) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("--median-{0} needs the quartiles (--q1-{0} --q3-{0}) and/or the range (--min-{0} "
                                "--max-{0}) to estimate a mean from",
                                arm));
      }
    }
    const std::string measure_text = args.measure.empty() ? "MD" : args.measure;
    const ContinuousMeasure measure =
        parse_or_throw(parse_continuous_measure(measure_text), "--measure", measure_text, "MD, SMD (for means)");
    if (parse_or_throw(parse_comparative_method(args.common), "--common", args.common, "IV, MH, Peto") !=
        ComparativeMethod::kInverseVariance) {
      throw Error(ErrorCategory::kInvalidOption,
                  "continuous outcomes are pooled by inverse variance; --common MH and Peto are for two-arm counts");
    }
    io::ContinuousColumns columns{args.mean_1, args.sd_1, args.n_1,  args.mean_2, args.sd_2,
                                  args.n_2,    std::nullopt, missing, {},          {}};
    if (!args.label.empty()) columns.label = args.label;
    auto name = [](const std::string& column) { return column.empty() ? std::nullopt : std::optional<std::string>(column); };
    columns.summary_1 = {name(args.median_1), name(args.q1_1), name(args.q3_1), name(args.min_1), name(args.max_1)};
    columns.summary_2 = {name(args.median_2), name(args.q1_2), name(args.q3_2), name(args.min_2), name(args.max_2)};
    const auto load = io::load_continuous_studies(table, columns, args.exclude);
    for (std::size_t i = 0; i < load.studies.size(); ++i) {
      at_row(table, load.rows[i], [&] { (void)continuous_effect(load.studies[i], measure); });
    }
    ContinuousResult r = compare_continuous(load.studies, measure, pool, analyses_request(args, table, load.rows, missing));
    std::vector<std::string> notes = load.notes;
    for (const auto& n : r.notes) notes.push_back(n);
    r.notes = notes;
    for (const auto& n : notes) err << "carta: note: " << n << '\n';
    const int status = exit_status(r.inverse_variance.convergence.all_converged(), r.analyses, err);
    if (args.output.format == "json") {
      nlohmann::json j = io::to_json(r);
      j["input"] = {{"file", args.file}};
      write_result(args.output, j.dump(2) + "\n", out);
    } else {
      write_result(args.output, continuous_text(r), out);
    }
    return status;
  }

  if (args.events_1.empty() || args.n_1.empty() || args.events_2.empty() || args.n_2.empty()) {
    throw Error(ErrorCategory::kInvalidOption, "two-arm counts need all four columns: --events-1 --n-1 --events-2 --n-2");
  }
  if (args.keep_double_zero && args.drop_double_zero) {
    throw Error(ErrorCategory::kInvalidOption, "--keep-double-zero and --drop-double-zero contradict each other");
  }
  ComparativeOptions options;
  options.pool = pool;
  const std::string measure_text = args.measure.empty() ? "OR" : args.measure;
  options.effect.measure =
      parse_or_throw(parse_binary_measure(measure_text), "--measure", measure_text, "OR, RR, RD, AS (for counts)");
  options.method = parse_or_throw(parse_comparative_method(args.common), "--common", args.common, "IV, MH, Peto");
  if (!args.correction.empty()) {
    options.effect.correction = parse_or_throw(parse_zero_cell_correction(args.correction), "--correction",
                                               args.correction, "all-cells, treatment-arm, none");
  }
  const double cc = args.continuity.value_or(0.5);
  if (!(cc >= 0.0) || !std::isfinite(cc)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--cc is {}, but must be >= 0 (usually 0.5)", cc));
  }
  options.effect.add = cc;
  // An explicit --cc corrects the arcsine difference too (metafor applies an explicit add to AS).
  if (args.continuity && !options.effect.correction) options.effect.correction = ZeroCellCorrection::kAllCells;
  if (args.no_cmh_correction && !(options.method == ComparativeMethod::kMantelHaenszel &&
                                  options.effect.measure == BinaryMeasure::kOR)) {
    throw Error(ErrorCategory::kInvalidOption, "--no-cmh-correction is for the Mantel-Haenszel odds ratio (--common MH --measure OR)");
  }
  options.cmh_continuity = !args.no_cmh_correction;
  if (args.keep_double_zero) options.effect.drop_double_zero = false;
  if (args.drop_double_zero) options.effect.drop_double_zero = true;
  io::TwoArmColumns columns{args.events_1, args.n_1, args.events_2, args.n_2, std::nullopt, missing};
  if (!args.label.empty()) columns.label = args.label;
  const auto load = io::load_two_arm_studies(table, columns, args.exclude);
  options.analyses = analyses_request(args, table, load.rows, missing);
  if (glmm) {
    if (pool.test == TestType::kKnha) {
      throw Error(ErrorCategory::kInvalidOption, "--method GLMM: the test is z or t (Knapp-Hartung is for two-step models)");
    }
    options.glmm_nagq = args.nagq.value_or(7);
  }
  for (std::size_t i = 0; i < load.studies.size(); ++i) {
    at_row(table, load.rows[i], [&] { (void)binary_effect(load.studies[i], options.effect); });
  }
  ComparativeResult r = compare_binary(load.studies, options);
  std::vector<std::string> notes = load.notes;
  for (const auto& n : r.notes) notes.push_back(n);
  r.notes = notes;
  for (const auto& n : notes) err << "carta: note: " << n << '\n';
  const int status = exit_status(r.inverse_variance.convergence.all_converged() && (!r.glmm || r.glmm->report.converged),
                                 r.analyses, err);
  if (args.output.format == "json") {
    nlohmann::json j = io::to_json(r);
    j["input"] = {{"file", args.file}};
    write_result(args.output, j.dump(2) + "\n", out);
  } else {
    write_result(args.output, comparative_text(r), out);
  }
  return status;
}

}  // namespace carta::cli
