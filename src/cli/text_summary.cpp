#include "text_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace carta::cli {

namespace {

std::string num(double x, int digits = 4) {
  if (!std::isfinite(x)) return "NA";
  return fmt::format("{:.{}f}", x, digits);
}

std::string pct(double p, int digits = 1) {
  if (!std::isfinite(p)) return "NA";
  return fmt::format("{:.{}f}%", 100.0 * p, digits);
}

std::string pct_ci(double lb, double ub) {
  return fmt::format("[{}; {}]", pct(lb), pct(ub));
}

std::string p_value(double p) {
  if (!std::isfinite(p)) return "NA";
  if (p < 1e-4) return "< 0.0001";
  return fmt::format("= {:.4f}", p);
}

// p-value for a table column: "0.0226" or "<0.0001".
std::string p_cell(double p) {
  if (!std::isfinite(p)) return "NA";
  if (p < 1e-4) return "<0.0001";
  return fmt::format("{:.4f}", p);
}

std::string_view measure_name(Measure m) {
  switch (m) {
    case Measure::kPLO: return "logit";
    case Measure::kPAS: return "arcsine";
    case Measure::kPFT: return "Freeman-Tukey double arcsine";
    case Measure::kPR: return "raw proportion";
    case Measure::kPLN: return "log proportion";
  }
  return "?";
}

// Width of a UTF-8 string in code points (labels may hold accented names).
std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad_right(std::string_view s, std::size_t width) {
  std::string out(s);
  const std::size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

}  // namespace

std::string text_summary(const PoolResult& r, const SummaryContext& ctx) {
  const auto& o = r.options;
  const auto& h = r.heterogeneity;
  const auto& ce = r.common;
  const auto& re = r.random;
  const int level_pct = static_cast<int>(std::lround(100.0 * o.level));
  std::string s;
  if (!ctx.group.empty()) {
    s += fmt::format("=== {} = {} ===\n", ctx.group_column, ctx.group);
  }
  s += fmt::format("Meta-analysis of proportions (k = {} studies, {} patients)\n", r.k,
                   [&] {
                     std::int64_t total = 0;
                     for (const auto& st : r.studies) total += st.n;
                     return total;
                   }());
  s += fmt::format("  data         {}  (events: {}, n: {})\n", ctx.source, ctx.events_column, ctx.n_column);
  s += fmt::format("  model        measure {} ({}), {}, test {}, level {}%\n",
                   to_string(o.measure), measure_name(o.measure),
                   r.model == "GLMM"
                       ? fmt::format("one-stage GLMM (binomial-normal, {} quadrature points)", r.glmm_nagq)
                       : (r.model == "BB" ? std::string("beta-binomial model (ML)")
                                          : fmt::format("tau^2 estimator {}", to_string(o.method))),
                   o.test == TestType::kZ ? "z" : (o.test == TestType::kKnha ? "knha (Hartung-Knapp, t with k-1 df)" : "t (t with k-1 df)"), level_pct);
  s += fmt::format("  conventions  {}\n\n", describe_conventions(r));

  s += "Heterogeneity\n";
  if (const auto* bb = ctx.beta_binomial) {
    s += fmt::format("  overdispersion rho = {} [{}; {}]   theta = {}   (profile-likelihood {}% CI)\n", num(bb->rho),
                     num(bb->rho_ci_lb), num(bb->rho_ci_ub), num(bb->theta), level_pct);
    s += fmt::format("  likelihood-ratio test of overdispersion: chi^2 = {}, p {} (boundary-corrected)\n\n",
                     num(bb->lrt_overdispersion), p_value(bb->lrt_p));
  } else {
  s += fmt::format("  tau^2 = {} [{}; {}]   tau = {}   ({} {}% CI)\n", num(h.tau2), num(h.tau2_ci_lb),
                   num(h.tau2_ci_ub), num(h.tau), r.model.empty() ? h.tau2_ci_method : std::string("profile-likelihood"), level_pct);
  s += fmt::format("  I^2 = {}% [{}; {}]   H^2 = {} [{}; {}]\n", num(h.I2, 2), num(h.I2_ci_lb, 2),
                   num(h.I2_ci_ub, 2), num(h.H2), num(h.H2_ci_lb), num(h.H2_ci_ub));
  s += fmt::format("  Q({}) = {}, p {}\n\n", num(h.Q_df, 0), num(h.Q), p_value(h.Q_p));
  }

  s += fmt::format("Pooled estimates ({} scale, then as a proportion with {}% CI)\n", to_string(o.measure), level_pct);
  s += fmt::format("  {:<22}{:>10}{:>10}   {:>7}  {}\n", "", "estimate", "se", "", "");
  s += fmt::format("  {:<22}{:>10}{:>10}   {:>7}  {}   z = {}, p {}\n", "common effect", num(ce.est),
                   num(ce.se), pct(ce.prop), pct_ci(ce.prop_ci_lb, ce.prop_ci_ub), num(ce.z, 2),
                   p_value(ce.p));
  s += fmt::format("  {:<22}{:>10}{:>10}   {:>7}  {}   {} = {}, p {}\n", "random effects", num(re.est),
                   num(re.se), pct(re.prop), pct_ci(re.prop_ci_lb, re.prop_ci_ub),
                   o.test == TestType::kZ ? "z" : fmt::format("t({})", num(re.df, 0)), num(re.stat, 2),
                   p_value(re.p));
  if (const auto* bb = ctx.beta_binomial; bb != nullptr && bb->calibration.replicates > 0) {
    const auto& c = bb->calibration;
    s += fmt::format("  {:<22}{:>10}{:>10}   {:>7}  {}   cut-off {} (Bartlett factor {} at rho = {}), {} x {} "
                     "replicates, seed {}\n",
                     "bootstrap-calibrated", "", "", "", pct_ci(c.pi_lb, c.pi_ub), num(c.cutoff), num(c.bartlett_factor),
                     num(c.rho_at_max), c.rho_grid.size(), c.replicates, c.seed);
  }
  s += fmt::format("  {:<22}{:>10}{:>10}   {:>7}  {}\n\n", "prediction interval", "", "", "",
                   pct_ci(re.prop_pi_lb, re.prop_pi_ub));

  std::size_t label_width = 5;
  for (const auto& st : r.studies) label_width = std::max(label_width, display_width(st.label));
  label_width = std::min<std::size_t>(label_width, 40);
  s += fmt::format("Studies ({} CIs)\n", to_string(r.study_ci));
  s += fmt::format("  {} {:>12} {:>7}  {:<18} {:>8} {:>8}\n", pad_right("study", label_width), "events/n",
                   "prop", fmt::format("{}% CI", level_pct), "w.common", "w.random");
  for (const auto& st : r.studies) {
    auto weight = [](double w) { return std::isfinite(w) ? fmt::format("{:.1f}%", w) : std::string("-"); };
    s += fmt::format("  {} {:>12} {:>7}  {:<18} {:>8} {:>8}{}\n", pad_right(st.label, label_width),
                     fmt::format("{}/{}", st.events, st.n), pct(st.prop), pct_ci(st.ci_lb, st.ci_ub),
                     weight(st.weight_common), weight(st.weight_random), st.corrected ? "  (cc)" : "");
  }

  const auto& conv = r.convergence;
  s += fmt::format("\nConvergence: tau^2 {}; {} bounds: {} / {}\n",
                   conv.tau2.message.empty() ? "closed form" : conv.tau2.message, r.heterogeneity.tau2_ci_method,
                   conv.tau2_ci_lb.message.empty() ? "-" : conv.tau2_ci_lb.message,
                   conv.tau2_ci_ub.message.empty() ? "-" : conv.tau2_ci_ub.message);
  if (!r.notes.empty()) {
    s += "Notes\n";
    for (const auto& n : r.notes) s += fmt::format("  - {}\n", n);
  }
  return s;
}

std::string text_subgroups(const SubgroupAnalysis& a, const std::string& variable, const PoolOptions& o) {
  const auto& sg = a.options;
  const int level_pct = static_cast<int>(std::lround(100.0 * o.level));
  std::size_t width = 5;
  for (const auto& l : a.levels) width = std::max(width, display_width(l.level));
  width = std::min<std::size_t>(width, 40);
  std::string s = fmt::format("\nSubgroups by {} ({} tau^2{})\n", variable,
                              sg.tau_common ? "common" : "separate",
                              sg.tau_common ? fmt::format(" = {}", num(a.tau2_common)) : std::string());
  s += fmt::format("  {} {:>4} {:>6}  {:>7}  {:<18} {:<18} {:>8} {:>8} {:>14}\n", pad_right("level", width), "k", "n",
                   "prop", fmt::format("{}% CI", level_pct), "prediction", "I^2", "tau^2", "Q (df), p");
  for (const auto& l : a.levels) {
    if (!l.result) {
      s += fmt::format("  {} {:>4} {:>6}  {}\n", pad_right(l.level, width), l.k, l.n, l.note);
      continue;
    }
    const auto& re = l.result->random;
    const auto& h = l.result->heterogeneity;
    s += fmt::format("  {} {:>4} {:>6}  {:>7}  {:<18} {:<18} {:>7.1f}% {:>8} {:>14}\n", pad_right(l.level, width), l.k,
                     l.n, pct(re.prop), pct_ci(re.prop_ci_lb, re.prop_ci_ub), pct_ci(re.prop_pi_lb, re.prop_pi_ub),
                     h.I2, num(h.tau2),
                     l.k < 2 ? std::string("single study")
                             : fmt::format("{} ({}), {}", num(h.Q, 2), num(h.Q_df, 0), p_cell(h.Q_p)));
  }
  if (std::isfinite(a.Q_between)) {
    s += fmt::format("  Test for subgroup differences (random effects, {}): Q = {}, df = {}, p {}\n",
                     sg.test == SubgroupTest::kAllSubgroups
                         ? fmt::format("all {} subgroups", a.levels_tested)
                         : fmt::format("the {} subgroups with at least {} studies", a.levels_tested, sg.min_k),
                     num(a.Q_between), num(a.Q_between_df, 0), p_value(a.Q_between_p));
  } else {
    s += fmt::format("  {}\n", a.test_unavailable);
  }
  if (sg.tau_common && std::isfinite(a.QM)) {
    s += fmt::format("  Mixed-effects test (common tau^2): QM{} = {}, p {}\n",
                     std::isnan(a.QM_df2) ? fmt::format("({})", num(a.QM_df, 0))
                                          : fmt::format("F({}, {})", num(a.QM_df, 0), num(a.QM_df2, 0)),
                     num(a.QM), p_value(a.QM_p));
  }
  for (const auto& n : a.notes) s += fmt::format("  - {}\n", n);
  return s;
}

std::string text_metareg(const ProportionRegression& reg, const PoolOptions& o) {
  const auto& f = reg.fit;
  const bool knha = o.test != TestType::kZ;
  std::size_t width = 9;
  for (const auto& c : f.coefficients) width = std::max(width, display_width(c.name));
  std::string s = fmt::format("\nMeta-regression (k = {}, {} estimator, {} on the {} scale)\n", f.k, to_string(o.method),
                              knha ? fmt::format("{} t({})", o.test == TestType::kKnha ? "Knapp-Hartung" : "", num(f.df, 0)) : std::string("z tests"),
                              to_string(o.measure));
  s += fmt::format("  {} {:>10} {:>9} {:>8} {:>9}  {}\n", pad_right("term", width), "estimate", "se", knha ? "t" : "z",
                   "p", "95% CI");
  for (const auto& c : f.coefficients) {
    s += fmt::format("  {} {:>10} {:>9} {:>8} {:>9}  [{}; {}]\n", pad_right(c.name, width), num(c.est), num(c.se),
                     num(c.stat, 2), p_cell(c.p), num(c.ci_lb), num(c.ci_ub));
  }
  s += fmt::format("  Test of moderators: {} = {}, p {}\n",
                   knha ? fmt::format("F({}, {})", num(f.QM_df, 0), num(f.QM_df2, 0)) : fmt::format("QM({})", num(f.QM_df, 0)),
                   num(f.QM), p_value(f.QM_p));
  s += fmt::format("  Residual heterogeneity: QE({}) = {}, p {}; tau^2 = {}, I^2 = {}%, R^2 = {}%\n", num(f.QE_df, 0),
                   num(f.QE), p_value(f.QE_p), num(f.tau2), num(f.I2, 2), num(f.R2, 2));
  for (const auto& t : reg.design.terms) {
    if (t.categorical) s += fmt::format("  '{}' is categorical; reference level '{}'\n", t.column, t.levels.front());
  }
  for (const auto& n : reg.notes) s += fmt::format("  - {}\n", n);
  return s;
}

std::string text_leave_one_out(const std::vector<LeaveOneOutRow>& rows, const PoolOptions& o) {
  const int level_pct = static_cast<int>(std::lround(100.0 * o.level));
  std::size_t width = 7;
  for (const auto& r : rows) width = std::max(width, display_width(r.omitted));
  width = std::min<std::size_t>(width, 40);
  std::string s = "\nLeave-one-out (random effects without each study)\n";
  s += fmt::format("  {} {:>7}  {:<18} {:>8} {:>8} {:>9}\n", pad_right("omitted", width), "prop",
                   fmt::format("{}% CI", level_pct), "I^2", "tau^2", "Q");
  for (const auto& r : rows) {
    s += fmt::format("  {} {:>7}  {:<18} {:>7.1f}% {:>8} {:>9}\n", pad_right(r.omitted, width), pct(r.fit.prop),
                     pct_ci(r.fit.prop_ci_lb, r.fit.prop_ci_ub), r.fit.I2, num(r.fit.tau2), num(r.fit.Q, 2));
  }
  return s;
}

std::string text_predictions(const std::vector<MetaRegressionPrediction>& predictions, const PoolOptions& o) {
  const int level_pct = static_cast<int>(std::lround(100.0 * o.level));
  std::string s = fmt::format("  Predicted proportions ({}% CI; prediction interval):\n", level_pct);
  for (const auto& p : predictions) {
    std::string at;
    for (const auto& [column, value] : p.at) at += (at.empty() ? "" : ", ") + column + " = " + value;
    s += fmt::format("    {}: {} {}; {}\n", at, pct(p.prop), pct_ci(p.prop_ci_lb, p.prop_ci_ub),
                     pct_ci(p.prop_pi_lb, p.prop_pi_ub));
  }
  return s;
}

std::string text_blups(const PoolResult& r, const std::vector<StudyBlup>& blups) {
  std::size_t width = 5;
  for (const auto& s : r.studies) width = std::max(width, s.label.size());
  std::string s = fmt::format("\nStudy-specific true proportions (BLUPs of the random-effects model, {:.0f}% prediction intervals)\n",
                              100 * r.options.level);
  s += fmt::format("  {:<{}}  {:>8}  {:>8}  {:<18}  {:>9}\n", "Study", width, "observed", "BLUP", "interval", "shrinkage");
  for (std::size_t i = 0; i < blups.size() && i < r.studies.size(); ++i) {
    const auto n = static_cast<double>(r.studies[i].n);
    const auto prop = [&](double x) { return to_proportion(r.options.measure, x, n); };
    // shrinkage: how far the study is pulled towards the pooled estimate (0 = not at all)
    s += fmt::format("  {:<{}}  {:>8}  {:>8}  {:<18}  {:>8.0f}%\n", r.studies[i].label, width, pct(r.studies[i].prop),
                     pct(prop(blups[i].est)), pct_ci(prop(blups[i].pi_lb), prop(blups[i].pi_ub)),
                     100.0 * (1.0 - blups[i].shrinkage));
  }
  return s;
}

std::string text_permutation(const PermutationTest& t, const std::vector<std::string>& names) {
  if (t.sign_flip) {
    std::string s = t.exact ? fmt::format("\nSign-flip permutation test of the random-effects mean (exact, all {} sign patterns):", t.iterations)
                            : fmt::format("\nSign-flip permutation test of the random-effects mean ({} random sign patterns, seed {}):",
                                          t.iterations, t.seed);
    s += fmt::format(" p = {} (H0: mean 0 on the analysis scale)\n", t.coefficient_p.empty() ? "NA" : p_cell(t.coefficient_p[0]));
    if (t.failed_fits > 0) s += fmt::format("  ({} sign-flipped models could not be fitted and were skipped)\n", t.failed_fits);
    return s;
  }
  std::string s = t.exact ? fmt::format("  Permutation test (exact, all {} distinct permutations):", t.iterations)
                          : fmt::format("  Permutation test ({} random permutations, seed {}):", t.iterations, t.seed);
  for (std::size_t j = 0; j < t.coefficient_p.size() && j < names.size(); ++j) {
    s += fmt::format(" {} p = {};", names[j], p_cell(t.coefficient_p[j]));
  }
  s += fmt::format(" QM p = {}\n", p_cell(t.QM_p));
  if (t.failed_fits > 0) s += fmt::format("  ({} permuted models could not be fitted and were skipped)\n", t.failed_fits);
  return s;
}

std::string text_bias(const SmallStudyEffects& b, const PoolOptions& o, double n_harmonic) {
  auto prop = [&](double x) { return pct(to_proportion(o.measure, x, n_harmonic)); };
  std::string s = "\nSmall-study effects\n";
  if (b.egger) {
    s += fmt::format("  Egger regression (weighted lm on SE):   t({}) = {}, p = {}; limit estimate (PET) {} [{}; {}]\n",
                     num(b.egger->df, 0), num(b.egger->stat, 3), p_cell(b.egger->p), prop(b.egger->intercept),
                     prop(b.egger->intercept_ci_lb), prop(b.egger->intercept_ci_ub));
  }
  if (b.peese) s += fmt::format("  PEESE limit estimate (lm on variance): {}\n", prop(b.peese->intercept));
  if (b.egger_rma) {
    s += fmt::format("  Egger mixed-effects (rma on SE):       {} = {}, p = {}\n",
                     o.test == TestType::kZ ? "z" : fmt::format("t({})", num(b.egger_rma->df, 0)), num(b.egger_rma->stat, 3),
                     p_cell(b.egger_rma->p));
  }
  if (b.peters) {
    s += fmt::format("  Peters regression on 1/n ({} weights): t({}) = {}, p = {}\n",
                     b.peters_convention == "meta" ? "R meta's x(n-x)/n" : "metafor's inverse-variance",
                     num(b.peters->df, 0), num(b.peters->stat, 3), p_cell(b.peters->p));
  }
  if (b.inverse_sqrt_n) {
    s += fmt::format("  Regression on 1/sqrt(n) (weighted lm):  t({}) = {}, p = {}\n", num(b.inverse_sqrt_n->df, 0),
                     num(b.inverse_sqrt_n->stat, 3), p_cell(b.inverse_sqrt_n->p));
  }
  if (b.begg) {
    s += fmt::format("  Begg and Mazumdar rank correlation:    Kendall's tau = {}, p = {} ({})\n", num(b.begg->tau, 3),
                     p_cell(b.begg->p), b.begg->exact ? "exact" : "normal approximation");
  }
  if (b.trimfill) {
    const auto& t = *b.trimfill;
    s += fmt::format("  Trim-and-fill ({}): {} stud{} filled on the {}; adjusted {} [{}; {}]\n",
                     t.estimator == TrimFillEstimator::kL0 ? "L0" : "R0", t.k0, t.k0 == 1 ? "y" : "ies",
                     t.side == FunnelSide::kLeft ? "left" : "right", prop(t.est), prop(t.ci_lb), prop(t.ci_ub));
  }
  if (b.henmi_copas) {
    const auto& h = *b.henmi_copas;
    s += fmt::format("  Henmi-Copas interval (robust to publication bias): {} [{}; {}]\n", prop(h.est), prop(h.ci_lb),
                     prop(h.ci_ub));
  }
  for (const auto& n : b.notes) s += fmt::format("  - {}\n", n);
  return s;
}

std::string text_influence(const std::vector<InfluenceRow>& rows, bool regression) {
  std::size_t width = 5;
  for (const auto& r : rows) width = std::max(width, display_width(r.label));
  width = std::min<std::size_t>(width, 40);
  std::string s = fmt::format("\nInfluence diagnostics{} (* = influential by metafor's rules)\n",
                              regression ? " of the meta-regression" : "");
  s += fmt::format("  {} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>6} {:>7}\n", pad_right("study", width), "rstudent",
                   "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight");
  for (const auto& r : rows) {
    s += fmt::format("  {} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>6} {:>6.2f}%{}\n", pad_right(r.label, width),
                     num(r.rstudent, 3), num(r.dffits, 3), num(r.cook_d, 3), num(r.cov_r, 3), num(r.tau2_del),
                     num(r.QE_del, 3), num(r.hat, 3), r.weight, r.influential ? " *" : "");
  }
  return s;
}

std::string text_cumulative(const std::vector<CumulativeRow>& rows, const std::string& column, const PoolOptions& o) {
  const int level_pct = static_cast<int>(std::lround(100.0 * o.level));
  std::size_t width = 5;
  for (const auto& r : rows) width = std::max(width, display_width(r.added));
  width = std::min<std::size_t>(width, 40);
  std::string s = fmt::format("\nCumulative meta-analysis (studies added by {})\n", column);
  s += fmt::format("  {} {:>10} {:>4} {:>7}  {:<18} {:>8}\n", pad_right("added", width), column.substr(0, 10), "k",
                   "prop", fmt::format("{}% CI", level_pct), "I^2");
  for (const auto& r : rows) {
    s += fmt::format("  {} {:>10} {:>4} {:>7}  {:<18} {:>7.1f}%\n", pad_right(r.added, width), r.order_value.substr(0, 10),
                     r.k, pct(r.fit.prop), pct_ci(r.fit.prop_ci_lb, r.fit.prop_ci_ub), r.fit.I2);
  }
  return s;
}

}  // namespace carta::cli
