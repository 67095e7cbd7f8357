#include "html.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "carta/plot/svg.hpp"
#include "carta/version.hpp"
#include "methods.hpp"
#include "wording.hpp"

namespace carta::report {

namespace {

using plot::escape_xml;

std::string pct(double p) { return std::isfinite(p) ? fmt::format("{:.1f}%", 100.0 * p) : std::string("&ndash;"); }
std::string pct_ci(double lb, double ub) {
  if (!std::isfinite(lb) || !std::isfinite(ub)) return "&ndash;";
  return fmt::format("{}&ndash;{}", pct(lb), pct(ub));
}
std::string pval(double p) {
  if (!std::isfinite(p)) return "&ndash;";
  return p < 1e-4 ? std::string("&lt;0.0001") : fmt::format("{:.4f}", p);
}
std::string num(double x, int digits = 3) {
  return std::isfinite(x) ? fmt::format("{:.{}f}", x, digits) : std::string("&ndash;");
}
std::string percent_number(double x) { return std::isfinite(x) ? fmt::format("{:.1f}%", x) : std::string("&ndash;"); }

std::string figure(const std::string& svg) { return svg.empty() ? std::string() : "<div class=\"figure\">" + svg + "</div>\n"; }

// The studies an analysis leaves out, as a list under it; nothing when it uses them all.
std::string left_out_block(const analysis::StudySelection& selection, const std::string& what) {
  const auto sentences = left_out_sentences(selection, what);
  if (sentences.empty()) return {};
  std::string h = "<ul class=\"left-out\">\n";
  for (const auto& s : sentences) h += fmt::format("<li>{}</li>\n", escape_xml(s));
  return h + "</ul>\n";
}

std::string lower_first(std::string s) {
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) && std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

std::int64_t patients(const PoolResult& r) {
  std::int64_t total = 0;
  for (const auto& s : r.studies) total += s.n;
  return total;
}

std::string subgroup_test_sentence(const SubgroupAnalysis& a) {
  if (!std::isfinite(a.Q_between)) return escape_xml(a.test_unavailable);
  const std::string which =
      a.options.test == SubgroupTest::kAllSubgroups
          ? fmt::format("all {} subgroups; a single-study subgroup enters with its own estimate and variance, as in "
                        "R meta and RevMan",
                        a.levels_tested)
          : fmt::format("the {} subgroups with at least {} studies; smaller subgroups are not tested", a.levels_tested,
                        a.options.min_k);
  return fmt::format("Test for subgroup differences (random effects; {}): Q = {}, df = {}, p = {}.", escape_xml(which),
                     num(a.Q_between, 2), num(a.Q_between_df, 0), pval(a.Q_between_p));
}

std::string subgroup_section(const analysis::SubgroupResult& sg, const std::string& outcome, const std::string& svg) {
  std::string h = fmt::format("<h4>{}</h4>\n", escape_xml(sg.label));
  if (!sg.analysis) {
    h += fmt::format("<p class=\"warn\">Not analysed: {}</p>\n", escape_xml(sg.failure));
    return h + left_out_block(sg.studies, outcome);
  }
  const auto& a = *sg.analysis;
  h += fmt::format("<p>{} with a reported {}{}.</p>\n", studies_count(sg.studies.used.size()), escape_xml(lower_first(sg.label)),
                   sg.studies.left_out.empty() ? std::string()
                                               : fmt::format("; {} left out (below)", sg.studies.left_out.size()));
  h += "<div class=\"table\"><table><tr><th>Subgroup</th><th>Studies</th><th>Patients</th><th>Pooled</th><th>95% CI</th>"
       "<th>I&sup2;</th><th>&tau;&sup2;</th><th>Q (df)</th><th>Heterogeneity p</th></tr>\n";
  for (const auto& l : a.levels) {
    if (!l.result) {
      h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td colspan=\"6\">{}</td></tr>\n",
                       escape_xml(l.level), l.k, l.n, escape_xml(l.note));
      continue;
    }
    const auto& re = l.result->random;
    const auto& het = l.result->heterogeneity;
    const bool single = l.k < 2;
    h += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        escape_xml(l.level), l.k, l.n, pct(re.prop), pct_ci(re.prop_ci_lb, re.prop_ci_ub),
        single ? std::string("single study") : percent_number(het.I2), single ? std::string("&ndash;") : num(het.tau2, 4),
        single ? std::string("&ndash;") : fmt::format("{} ({})", num(het.Q, 2), num(het.Q_df, 0)),
        single ? std::string("&ndash;") : pval(het.Q_p));
  }
  h += "</table></div>\n";
  h += fmt::format("<p>{}</p>\n", subgroup_test_sentence(a));
  if (a.options.tau_common && std::isfinite(a.QM)) {
    h += fmt::format("<p>Mixed-effects test with a common &tau;&sup2; = {}: QM = {}, df = {}, p = {}.</p>\n",
                     num(a.tau2_common, 4), num(a.QM, 2), num(a.QM_df, 0), pval(a.QM_p));
  }
  for (const auto& n : a.notes) h += fmt::format("<p class=\"note\">{}</p>\n", escape_xml(n));
  h += left_out_block(sg.studies, outcome);
  h += figure(svg);
  return h;
}

std::string outcome_section(const analysis::OutcomeResult& run, const OutcomeFigures& f, std::size_t table_rows) {
  std::string h = fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n", f.slug, escape_xml(run.spec.name));
  for (const auto& w : run.warnings) h += fmt::format("<p class=\"warn\">{}</p>\n", escape_xml(w));
  const std::string what = lower_first(run.spec.name);
  if (!run.pool) return h + left_out_block(run.studies, what) + "</section>\n";
  const auto& r = *run.pool;
  h += fmt::format("<p>{} of the {} rows of the data table, {} patients (events column <code>{}</code>, patients column "
                   "<code>{}</code>); {}.</p>\n",
                   studies_count(r.k), table_rows, patients(r), escape_xml(run.spec.events), escape_xml(run.spec.n),
                   escape_xml(describe_conventions(r)));
  h += left_out_block(run.studies, what);
  h += figure(f.forest);
  if (!run.subgroups.empty()) {
    h += "<h3>Subgroups</h3>\n";
    for (std::size_t i = 0; i < run.subgroups.size(); ++i) h += subgroup_section(run.subgroups[i], what, f.subgroups[i]);
  }
  if (!run.regressions.empty()) {
    h += "<h3>Meta-regression</h3>\n<div class=\"table\"><table><tr><th>Moderator</th><th>Studies</th><th>Coefficient</th>"
         "<th>SE</th><th>p</th><th>R&sup2;</th><th>Residual I&sup2;</th></tr>\n";
    for (const auto& reg : run.regressions) {
      if (!reg.fit) {
        h += fmt::format("<tr><td>{}</td><td colspan=\"6\">not fitted: {}</td></tr>\n", escape_xml(reg.label),
                         escape_xml(reg.failure));
        continue;
      }
      const auto& fit = reg.fit->fit;
      for (std::size_t c = 1; c < fit.coefficients.size(); ++c) {
        const auto& co = fit.coefficients[c];
        h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                         "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                         escape_xml(co.name), fit.k, num(co.est, 4), num(co.se, 4), pval(co.p), percent_number(fit.R2),
                         percent_number(fit.I2));
      }
    }
    h += "</table></div>\n";
    for (std::size_t i = 0; i < run.regressions.size(); ++i) {
      h += left_out_block(run.regressions[i].studies, what);
      h += figure(f.bubbles[i]);
    }
  }
  if (run.bias) {
    const auto& b = *run.bias;
    h += "<h3>Small-study effects</h3>\n<ul>\n";
    if (b.egger) {
      h += fmt::format("<li>Egger regression test: t({}) = {}, p = {}</li>\n", num(b.egger->df, 0), num(b.egger->stat),
                       pval(b.egger->p));
    }
    if (b.peters) {
      h += fmt::format("<li>Peters test: t({}) = {}, p = {}</li>\n", num(b.peters->df, 0), num(b.peters->stat),
                       pval(b.peters->p));
    }
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
    h += figure(f.funnel);
    for (const auto& n : b.notes) h += fmt::format("<p class=\"note\">{}</p>\n", escape_xml(n));
  }
  if (!run.sensitivity.empty() || !run.leave_one_out.empty()) {
    h += "<h3>Sensitivity analyses</h3>\n<div class=\"table\"><table><tr><th>Analysis</th><th>Studies</th><th>Pooled</th>"
         "<th>95% CI</th><th>I&sup2;</th></tr>\n";
    h += fmt::format("<tr><td>Main analysis</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                     "<td class=\"num\">{}</td></tr>\n",
                     r.k, pct(r.random.prop), pct_ci(r.random.prop_ci_lb, r.random.prop_ci_ub),
                     percent_number(r.heterogeneity.I2));
    for (const auto& s : run.sensitivity) {
      if (!s.pool) {
        h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td colspan=\"3\">not pooled: {}</td></tr>\n",
                         escape_xml(s.name), s.studies.used.size(), escape_xml(s.failure));
        continue;
      }
      h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td></tr>\n",
                       escape_xml(s.name), s.pool->k, pct(s.pool->random.prop),
                       pct_ci(s.pool->random.prop_ci_lb, s.pool->random.prop_ci_ub),
                       percent_number(s.pool->heterogeneity.I2));
    }
    if (!run.leave_one_out.empty()) {
      const auto [lo, hi] = std::minmax_element(run.leave_one_out.begin(), run.leave_one_out.end(),
                                                [](const auto& a, const auto& b) { return a.fit.prop < b.fit.prop; });
      h += fmt::format("<tr><td>Leave-one-out range (omitting {} / {})</td><td class=\"num\">{}</td><td class=\"num\">{} to "
                       "{}</td><td></td><td></td></tr>\n",
                       escape_xml(lo->omitted), escape_xml(hi->omitted), r.k - 1, pct(lo->fit.prop), pct(hi->fit.prop));
    }
    h += "</table></div>\n";
    for (const auto& s : run.sensitivity) {
      if (s.studies.left_out.empty()) continue;
      h += fmt::format("<p class=\"note\">{}: {} of the main analysis's {} studies used.</p>\n", escape_xml(s.name),
                       s.studies.used.size(), r.k);
      h += left_out_block(s.studies, s.name);
    }
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
                         : fmt::format("<p>Influential by metafor's criteria: {}.</p>\n", fmt::join(flagged, "; "));
    h += figure(f.baujat);
  }
  h += "<details><summary>Notes</summary><ul>\n";
  for (const auto& n : r.notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
  h += "</ul></details>\n</section>\n";
  return h;
}

std::string survival_section(const analysis::SurvivalResult& run, const SurvivalFigures& f) {
  std::string h = fmt::format("<section id=\"survival-{}\">\n<h2>{}</h2>\n", f.slug, escape_xml(run.spec.name));
  for (const auto& w : run.warnings) h += fmt::format("<p class=\"warn\">{}</p>\n", escape_xml(w));
  const std::string what = lower_first(run.spec.name);
  if (!run.pool) return h + left_out_block(run.studies, what) + "</section>\n";
  const auto& r = *run.pool;
  const auto& het = r.log_hazard.heterogeneity;
  h += fmt::format("<p>{}; exponential model per study, log hazards pooled with {} ({} test). I&sup2; = {}, &tau;&sup2; = "
                   "{}, heterogeneity p = {}.</p>\n",
                   studies_count(r.log_hazard.k), escape_xml(std::string(to_string(r.options.pool.method))),
                   escape_xml(std::string(to_string(r.options.pool.test))), percent_number(het.I2), num(het.tau2, 4),
                   pval(het.Q_p));
  h += left_out_block(run.studies, what);
  h += "<div class=\"table\"><table><tr><th>Quantity</th><th>Random effects</th><th>95% CI</th><th>Prediction interval</th>"
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
  h += "</table></div>\n";
  h += figure(f.forest);
  h += "<div class=\"table\"><table><tr><th>Study</th><th>From</th><th>Reported</th><th>ln hazard</th><th>SE</th><th>Weight</th>"
       "</tr>\n";
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& st = r.studies[i];
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                     "<td class=\"num\">{}</td></tr>\n",
                     escape_xml(st.label), escape_xml(std::string(short_name(st.source))), escape_xml(st.detail),
                     num(st.log_hazard, 4), num(st.se, 4), percent_number(r.log_hazard.studies[i].weight_random));
  }
  h += "</table></div>\n<details><summary>Notes</summary><ul>\n";
  for (const auto& n : run.input_notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
  for (const auto& n : r.log_hazard.notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
  for (const auto& st : r.studies) {
    for (const auto& n : st.notes) h += fmt::format("<li>{}: {}</li>\n", escape_xml(st.label), escape_xml(n));
  }
  h += "</ul></details>\n";
  if (run.curve) {
    const auto& c = *run.curve;
    h += fmt::format("<h3>Pooled survival curve</h3>\n<p>{} with patient data; conditional survival over each interval of "
                     "the grid pooled with random effects (Combescure et al. 2014). I&sup2; = {}, median {}.</p>\n",
                     studies_count(run.curve_studies.size()), percent_number(c.I2),
                     std::isnan(c.median_random) ? std::string("not reached") : num(c.median_random, 1));
    h += figure(f.curve);
    h += "<div class=\"table\"><table><tr><th>Time</th><th>Studies</th><th>Survival (random effects)</th><th>95% CI</th>"
         "</tr>\n";
    for (const auto& p : c.points) {
      h += fmt::format("<tr><td class=\"num\">{:g}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td></tr>\n",
                       p.time, p.k, pct(p.random), pct_ci(p.random_lb, p.random_ub));
    }
    h += "</table></div>\n";
  }
  return h + "</section>\n";
}

// One row of the summary of findings: an outcome, or survival at one time.
struct SofRow {
  std::string name;
  std::string anchor;
  const review::CertaintyRating* grade = nullptr;
};

// "⊕⊕◯◯ Low" with footnote marks for the domains rated down.
std::string certainty_cell(const review::CertaintyRating& g, std::vector<std::string>& notes, const std::string& row) {
  std::string marks;
  for (const auto& d : g.domains) {
    if (d.concern == review::Concern::kNotSerious) continue;
    notes.push_back(fmt::format("{}: {} {} ({}): {}", row, review::domain_title(d.domain), review::to_string(d.concern),
                                d.by_authors ? "the authors' rating" : "carta's rule", d.reason));
    marks += fmt::format("{}{}", marks.empty() ? "" : ",", notes.size());
  }
  if (!marks.empty()) marks = "<sup>" + marks + "</sup>";
  std::string word(review::to_string(g.certainty));
  word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return fmt::format("<span class=\"grade\" title=\"{} certainty\">{}</span> <span class=\"nowrap\">{}{}</span>", escape_xml(word),
                     review::certainty_symbols(g.certainty), escape_xml(word), marks);
}

std::string domain_cell(const review::DomainRating& d) {
  std::string label(review::to_string(d.concern));
  if (!d.assessed) label = "not assessed";
  const std::string tag = d.concern != review::Concern::kNotSerious ? "b" : "span";
  return fmt::format("<td><{0}>{1}</{0}>{2}<br><span class=\"note\">{3}</span></td>", tag, escape_xml(label),
                     d.by_authors ? " (authors)" : "", escape_xml(d.reason));
}

std::string summary_of_findings(const analysis::ReviewResults& results, const ReviewFigures& figures) {
  std::string h =
      "<h2 id=\"summary\">Summary of findings</h2>\n<div class=\"table\"><table><tr><th>Outcome</th><th>Studies</th>"
      "<th>Patients</th><th>Random effects (95% CI)</th><th>Prediction interval</th><th>I&sup2;</th>"
      "<th>&tau;&sup2;</th><th>Heterogeneity p</th><th>Common effect (95% CI)</th><th>Certainty (GRADE)</th></tr>\n";
  std::vector<std::string> notes;
  std::vector<SofRow> rows;
  for (std::size_t i = 0; i < results.outcomes.size(); ++i) {
    const auto& run = results.outcomes[i];
    const auto& slug = figures.outcomes[i].slug;
    if (!run.pool) {
      h += fmt::format("<tr><td><a href=\"#{}\">{}</a></td><td colspan=\"9\">not pooled: {}</td></tr>\n", slug,
                       escape_xml(run.spec.name), escape_xml(run.failure));
      continue;
    }
    const auto& r = *run.pool;
    rows.push_back({run.spec.name, slug, run.grade ? &*run.grade : nullptr});
    h += fmt::format(
        "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({})</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{} ({})</td><td>{}</td></tr>\n",
        slug, escape_xml(run.spec.name), r.k, patients(r), pct(r.random.prop), pct_ci(r.random.prop_ci_lb, r.random.prop_ci_ub),
        pct_ci(r.random.prop_pi_lb, r.random.prop_pi_ub), percent_number(r.heterogeneity.I2), num(r.heterogeneity.tau2, 4),
        pval(r.heterogeneity.Q_p), pct(r.common.prop), pct_ci(r.common.prop_ci_lb, r.common.prop_ci_ub),
        run.grade ? certainty_cell(*run.grade, notes, run.spec.name) : std::string("&ndash;"));
  }
  for (std::size_t i = 0; i < results.survival.size(); ++i) {
    const auto& run = results.survival[i];
    const std::string anchor = "survival-" + figures.survival[i].slug;
    if (!run.pool) {
      h += fmt::format("<tr><td><a href=\"#{}\">{}</a></td><td colspan=\"9\">not pooled (see its section)</td></tr>\n",
                       anchor, escape_xml(run.spec.name));
      continue;
    }
    const auto& lh = run.pool->log_hazard;
    for (std::size_t t = 0; t < run.pool->survival.size(); ++t) {
      const auto& at = run.pool->survival[t];
      const std::string name = fmt::format("{}, S({:g})", run.spec.name, at.time);
      const review::CertaintyRating* grade = t < run.grade.size() ? &run.grade[t] : nullptr;
      rows.push_back({name, anchor, grade});
      h += fmt::format(
          "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({})</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{} ({})</td><td>{}</td></tr>\n",
          anchor, escape_xml(name), lh.k, std::isfinite(run.patients) ? fmt::format("{:.0f}", run.patients) : std::string("&ndash;"),
          pct(at.random.est), pct_ci(at.random.ci_lb, at.random.ci_ub), pct_ci(at.random.pi_lb, at.random.pi_ub),
          percent_number(lh.heterogeneity.I2), num(lh.heterogeneity.tau2, 4), pval(lh.heterogeneity.Q_p), pct(at.common.est),
          pct_ci(at.common.ci_lb, at.common.ci_ub), grade ? certainty_cell(*grade, notes, name) : std::string("&ndash;"));
    }
  }
  h += "</table></div>\n";
  if (!results.survival.empty()) {
    h += "<p class=\"note\">Survival S(t): from the pooled hazard of an exponential model per study; I&sup2;, &tau;&sup2; "
         "and heterogeneity p of the log hazards.</p>\n";
  }
  if (!notes.empty()) {
    h += "<ol class=\"note\">\n";
    for (const auto& n : notes) h += fmt::format("<li>{}</li>\n", escape_xml(n));
    h += "</ol>\n";
  }

  // The evidence profile: every domain's rating and its reason.
  h += "<h2 id=\"certainty\">Certainty of the evidence (GRADE)</h2>\n";
  h += fmt::format("<p>{}</p>\n", escape_xml(grade_sentence(results)));
  h += "<div class=\"table\"><table><tr><th>Outcome</th><th>Starts at</th>";
  for (const auto d : review::kGradeDomains) h += fmt::format("<th>{}</th>", review::domain_title(d));
  h += "<th>Certainty</th></tr>\n";
  for (const auto& row : rows) {
    if (row.grade == nullptr) continue;
    const auto& g = *row.grade;
    h += fmt::format("<tr><td><a href=\"#{}\">{}</a></td><td>{}<br><span class=\"note\">{}</span></td>", row.anchor,
                     escape_xml(row.name), escape_xml(std::string(review::to_string(g.start))), escape_xml(g.start_reason));
    for (const auto& d : g.domains) h += domain_cell(d);
    h += fmt::format("<td><span class=\"grade\">{}</span> {}</td></tr>\n", review::certainty_symbols(g.certainty),
                     escape_xml(std::string(review::to_string(g.certainty))));
  }
  h += "</table></div>\n";
  return h;
}

// "1,234" for a count; a count keeps no decimals, other numbers keep what they need.
std::string amount(double x) {
  if (!std::isfinite(x)) return "&ndash;";
  if (x == std::floor(x) && std::fabs(x) < 1e15) return fmt::format("{:.0f}", x);
  return fmt::format("{:.1f}", x);
}

std::string baseline_section(const std::vector<analysis::BaselineResult>& rows) {
  using Kind = io::SpecBaseline::Kind;
  std::string h = "<h2 id=\"baseline\">Baseline characteristics</h2>\n<div class=\"table\"><table><tr><th>Characteristic"
                  "</th><th>Studies reporting</th><th>Summary</th></tr>\n";
  for (const auto& b : rows) {
    std::string value;
    if (b.reporting.empty()) {
      value = "not reported by any study";
    } else {
      switch (b.spec.kind) {
        case Kind::kSum: value = amount(b.total); break;
        case Kind::kMedian:
          value = fmt::format("median of the study medians {} (range {}&ndash;{})", amount(b.median), amount(b.min),
                              amount(b.max));
          break;
        case Kind::kCount:
          value = fmt::format("{}/{} ({})", amount(b.total), amount(b.denominator),
                              b.denominator > 0 ? pct(b.total / b.denominator) : std::string("&ndash;"));
          break;
        case Kind::kCategories:
          for (const auto& l : b.levels) {
            value += fmt::format("{}{}: {} stud{}{}", value.empty() ? "" : "; ", escape_xml(l.level), l.studies,
                                 l.studies == 1 ? "y" : "ies",
                                 std::isfinite(l.patients) ? fmt::format(" ({} patients)", amount(l.patients)) : std::string());
          }
          break;
      }
    }
    std::string missing;
    if (!b.not_reporting.empty()) {
      missing = fmt::format("<br><span class=\"note\">Not reported by {}</span>", escape_xml(fmt::format("{}", fmt::join(b.not_reporting, ", "))));
    }
    h += fmt::format("<tr><td>{}</td><td class=\"num\">{} of {}</td><td>{}{}</td></tr>\n", escape_xml(b.label),
                     b.reporting.size(), b.reporting.size() + b.not_reporting.size(), value, missing);
  }
  h += "</table></div>\n<p class=\"note\">Over the studies in the review (excluded reports left out). Counts are pooled "
       "over the studies that report both the count and its denominator.</p>\n";
  return h;
}

constexpr std::string_view kStyle =
    "body{font-family:'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;"
    "line-height:1.45}table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border-bottom:1px solid #ddd;"
    "padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;"
    "white-space:nowrap}h2{border-bottom:2px solid #4a6fa5;padding-bottom:4px;margin-top:2em}"
    ".figure{overflow-x:auto;margin:1em 0}.figure svg{max-width:100%;height:auto}.table{overflow-x:auto}"
    ".warn{background:#fff4e5;border-left:4px solid #e69500;padding:6px 10px}.note{color:#555;font-size:0.85em}"
    "ul.left-out{color:#555;font-size:0.85em}.grade,.nowrap{white-space:nowrap}nav ol{columns:2;font-size:0.9em}"
    "@media print{.figure{overflow:visible;break-inside:avoid}h2,h3,h4{break-after:avoid}nav{display:none}}";

}  // namespace

std::string report_html(const analysis::ReviewResults& results, const ReviewFigures& figures) {
  const auto& spec = results.spec;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>{}</title>\n", escape_xml(spec.title.empty() ? "carta report" : spec.title));
  h += fmt::format("<style>{}</style>\n</head><body>\n", kStyle);
  h += fmt::format("<h1>{}</h1>\n", escape_xml(spec.title.empty() ? "Meta-analysis report" : spec.title));
  h += fmt::format("<p class=\"note\">Data: {} ({} rows). Generated by carta {} (commit {}) from {}.</p>\n",
                   escape_xml(spec.data_file.filename().string()), results.table_rows, kVersion,
                   escape_xml(kCommit), escape_xml(spec.path.filename().string()));

  // Contents: every section, linked.
  h += "<nav><h2 id=\"contents\">Contents</h2>\n<ol>\n<li><a href=\"#summary\">Summary of findings</a></li>\n"
       "<li><a href=\"#certainty\">Certainty of the evidence (GRADE)</a></li>\n";
  if (results.prisma) h += "<li><a href=\"#prisma\">Study selection</a></li>\n";
  if (!spec.characteristics.empty()) h += "<li><a href=\"#studies\">Study characteristics</a></li>\n";
  if (!results.baseline.empty()) h += "<li><a href=\"#baseline\">Baseline characteristics</a></li>\n";
  if (results.risk_of_bias) h += "<li><a href=\"#risk-of-bias\">Risk of bias</a></li>\n";
  for (std::size_t i = 0; i < results.outcomes.size(); ++i) {
    h += fmt::format("<li><a href=\"#{}\">{}</a></li>\n", figures.outcomes[i].slug, escape_xml(results.outcomes[i].spec.name));
  }
  for (std::size_t i = 0; i < results.survival.size(); ++i) {
    h += fmt::format("<li><a href=\"#survival-{}\">{}</a></li>\n", figures.survival[i].slug,
                     escape_xml(results.survival[i].spec.name));
  }
  if (!results.warnings.empty()) h += "<li><a href=\"#warnings\">Warnings</a></li>\n";
  h += "<li><a href=\"#methods\">Methods</a></li>\n</ol></nav>\n";

  h += summary_of_findings(results, figures);

  if (results.prisma) {
    h += "<h2 id=\"prisma\">Study selection (PRISMA 2020)</h2>\n";
    h += figure(figures.prisma);
    if (!results.prisma_check.derived.empty()) {
      h += "<details><summary>Counts computed from the others</summary><ul>\n";
      for (const auto& d : results.prisma_check.derived) h += fmt::format("<li>{}</li>\n", escape_xml(d));
      h += "</ul></details>\n";
    }
  }

  if (!spec.characteristics.empty()) {
    h += "<h2 id=\"studies\">Study characteristics</h2>\n<div class=\"table\"><table><tr><th>Study</th>";
    for (const auto& c : spec.characteristics) h += fmt::format("<th>{}</th>", escape_xml(io::display_name(spec, c)));
    h += "</tr>\n";
    for (const auto& row : results.studies) {
      h += fmt::format("<tr><td>{}{}</td>", escape_xml(row.study), row.exclusion ? " <em>(excluded)</em>" : "");
      for (const auto& v : row.values) h += v ? fmt::format("<td>{}</td>", escape_xml(*v)) : std::string("<td>NR</td>");
      h += "</tr>\n";
    }
    h += "</table></div>\n<p class=\"note\">NR: not reported.</p>\n";
  }
  if (!results.baseline.empty()) h += baseline_section(results.baseline);
  if (results.risk_of_bias) {
    h += fmt::format("<h2 id=\"risk-of-bias\">Risk of bias ({})</h2>\n", escape_xml(results.risk_of_bias->tool->name));
    h += figure(figures.rob_traffic_light);
    h += figure(figures.rob_summary);
    std::vector<std::string> notes = results.risk_of_bias->notes;
    for (const auto& st : results.risk_of_bias->studies) {
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

  for (std::size_t i = 0; i < results.outcomes.size(); ++i) {
    h += outcome_section(results.outcomes[i], figures.outcomes[i], results.table_rows);
  }
  for (std::size_t i = 0; i < results.survival.size(); ++i) h += survival_section(results.survival[i], figures.survival[i]);

  if (!results.warnings.empty()) {
    h += "<h2 id=\"warnings\">Warnings</h2>\n<ul>\n";
    for (const auto& w : results.warnings) h += fmt::format("<li>{}</li>\n", escape_xml(w));
    h += "</ul>\n";
  }
  h += "<h2 id=\"methods\">Methods</h2>\n";
  h += fmt::format("<p>{}</p>\n", escape_xml(methods_paragraph(results)));
  h += "<p class=\"note\">Every number in this report is in results.json with the settings that produced it.</p>\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace carta::report
