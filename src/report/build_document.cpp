// The report's content, once, from the results model: what each section says, in which order,
// with which numbers. The renderers (html.cpp, docx.cpp, markdown.cpp) only lay it out.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "carta/version.hpp"
#include "document.hpp"
#include "methods.hpp"
#include "wording.hpp"

namespace carta::report {

namespace {

constexpr const char* kDash = "\u2013";  // en dash: a missing number, and ranges

std::string pct(double p) { return std::isfinite(p) ? fmt::format("{:.1f}%", 100.0 * p) : std::string(kDash); }
std::string pct_ci(double lb, double ub) {
  if (!std::isfinite(lb) || !std::isfinite(ub)) return kDash;
  return fmt::format("{}{}{}", pct(lb), kDash, pct(ub));
}
std::string pval(double p) {
  if (!std::isfinite(p)) return kDash;
  return p < 1e-4 ? std::string("<0.0001") : fmt::format("{:.4f}", p);
}
std::string num(double x, int digits = 3) {
  return std::isfinite(x) ? fmt::format("{:.{}f}", x, digits) : std::string(kDash);
}
std::string range(double lb, double ub, int digits) {
  if (!std::isfinite(lb) || !std::isfinite(ub)) return kDash;
  return fmt::format("{}{}{}", num(lb, digits), kDash, num(ub, digits));
}
std::string percent_number(double x) { return std::isfinite(x) ? fmt::format("{:.1f}%", x) : std::string(kDash); }

// "1,234" for a count; a count keeps no decimals, other numbers keep what they need.
std::string amount(double x) {
  if (!std::isfinite(x)) return kDash;
  if (x == std::floor(x) && std::fabs(x) < 1e15) return fmt::format("{:.0f}", x);
  return fmt::format("{:.1f}", x);
}

std::string lower_first(std::string s) {
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) && std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

std::string capitalised(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::int64_t patients(const PoolResult& r) {
  std::int64_t total = 0;
  for (const auto& s : r.studies) total += s.n;
  return total;
}

Cell cell(std::string s) { return Cell{text(std::move(s))}; }
Cell number(std::string s) { return Cell{text(std::move(s)), {}, true}; }
Cell linked(std::string s, std::string id) { return Cell{{Span{std::move(s), Span::Style::kText, std::move(id)}}}; }
Cell wide(std::string s, int span) { return Cell{text(std::move(s)), {}, false, span}; }

// Builds the blocks in reading order.
class Builder {
 public:
  Builder(std::map<const std::string*, std::string> stems, const io::SpecFigures& print)
      : stems_(std::move(stems)), formats_(figure_formats(print)), print_width_in_(print.width_in.value_or(0.0)) {}
  std::vector<Block> blocks;

  void heading(int level, std::string s, std::string id = {}, std::string contents = {}) {
    blocks.emplace_back(Heading{level, std::move(s), std::move(id), std::move(contents)});
  }
  void paragraph(Inline content, Paragraph::Kind kind = Paragraph::Kind::kBody) {
    blocks.emplace_back(Paragraph{std::move(content), kind});
  }
  void paragraph(std::string s, Paragraph::Kind kind = Paragraph::Kind::kBody) { paragraph(text(std::move(s)), kind); }
  void note(std::string s) { paragraph(std::move(s), Paragraph::Kind::kNote); }
  void warning(std::string s) { paragraph(std::move(s), Paragraph::Kind::kWarning); }
  void list(std::vector<std::string> items, List::Kind kind = List::Kind::kBullets) {
    List l{{}, kind};
    for (auto& i : items) l.items.push_back(text(std::move(i)));
    blocks.emplace_back(std::move(l));
  }
  void details(std::string summary, std::vector<std::string> items) {
    Details d{std::move(summary), {}};
    for (auto& i : items) d.items.push_back(text(std::move(i)));
    blocks.emplace_back(std::move(d));
  }
  void table(Table t) { blocks.emplace_back(std::move(t)); }
  // A figure by its drawing; its files' stem is the one figure_files gave it.
  void figure(const std::string& svg) {
    if (svg.empty()) return;
    const auto it = stems_.find(&svg);
    blocks.emplace_back(Figure{it != stems_.end() ? it->second : std::string(), &svg, ++figures_, figure_title(svg), formats_,
                               print_width_in_});
  }

  // The studies an analysis leaves out, as a list under it; nothing when it uses them all.
  void left_out(const analysis::StudySelection& selection, const std::string& what) {
    auto sentences = left_out_sentences(selection, what);
    if (!sentences.empty()) list(std::move(sentences), List::Kind::kLeftOut);
  }

 private:
  std::map<const std::string*, std::string> stems_;
  std::vector<std::string> formats_;
  double print_width_in_ = 0.0;
  int figures_ = 0;
};

// How an outcome was pooled, for a reader (the settings' names are in results.json).
std::string model_in_words(const analysis::OutcomeResult& run) {
  const auto& o = run.options;
  std::string scale;
  switch (o.measure) {
    case Measure::kPLO: scale = "logit"; break;
    case Measure::kPAS: scale = "arcsine square-root"; break;
    case Measure::kPFT: scale = "Freeman-Tukey double arcsine"; break;
    case Measure::kPR: scale = "proportion"; break;
    case Measure::kPLN: scale = "log"; break;
  }
  std::string model;
  if (run.method == "GLMM") {
    model = "pooled with a binomial-normal (logistic) mixed model";
  } else if (run.method == "BB") {
    model = "pooled with a beta-binomial model";
  } else {
    model = fmt::format("pooled with random effects ({} estimate of \u03c4\u00b2{}) on the {} scale",
                        o.method == Tau2Method::kREML ? std::string("restricted maximum-likelihood") : run.method,
                        o.test == TestType::kKnha ? ", Hartung-Knapp confidence intervals" : "", scale);
  }
  std::string study_ci;
  switch (run.pool ? run.pool->study_ci : StudyCiMethod::kClopperPearson) {
    case StudyCiMethod::kClopperPearson: study_ci = "exact (Clopper-Pearson)"; break;
    case StudyCiMethod::kWilson: study_ci = "Wilson score"; break;
    case StudyCiMethod::kWilsonCC: study_ci = "Wilson score with continuity correction"; break;
    case StudyCiMethod::kAgrestiCoull: study_ci = "Agresti-Coull"; break;
    case StudyCiMethod::kWald: study_ci = "Wald"; break;
    case StudyCiMethod::kSimpleAsymptotic: study_ci = "simple asymptotic"; break;
    case StudyCiMethod::kSimpleAsymptoticCC: study_ci = "simple asymptotic with continuity correction"; break;
  }
  return fmt::format("{}; {:g}% confidence and prediction intervals, {} intervals for each study (Methods)", model,
                     100.0 * o.level, study_ci);
}

std::string subgroup_test_sentence(const SubgroupAnalysis& a) {
  if (!std::isfinite(a.Q_between)) return a.test_unavailable;
  const std::string which =
      a.options.test == SubgroupTest::kAllSubgroups
          ? fmt::format("all {} subgroups; a single-study subgroup enters with its own estimate and variance, as in "
                        "R meta and RevMan",
                        a.levels_tested)
          : fmt::format("the {} subgroups with at least {} studies; smaller subgroups are not tested", a.levels_tested,
                        a.options.min_k);
  return fmt::format("Test for subgroup differences (random effects; {}): Q = {}, df = {}, p = {}.", which,
                     num(a.Q_between, 2), num(a.Q_between_df, 0), pval(a.Q_between_p));
}

void subgroup_section(Builder& b, const analysis::SubgroupResult& sg, const std::string& outcome, const std::string& svg) {
  b.heading(4, sg.label);
  if (!sg.analysis) {
    b.warning("Not analysed: " + sg.failure);
    b.left_out(sg.studies, outcome);
    return;
  }
  const auto& a = *sg.analysis;
  b.paragraph(fmt::format("{} with a reported {}{}.", studies_count(sg.studies.used.size()), lower_first(sg.label),
                          sg.studies.left_out.empty() ? std::string()
                                                      : fmt::format("; {} left out (below)", sg.studies.left_out.size())));
  Table t{{"Subgroup", "Studies", "Patients", "Pooled", "95% CI", "I\u00b2", "\u03c4\u00b2", "Q (df)", "Heterogeneity p"}, {}};
  for (const auto& l : a.levels) {
    if (!l.result) {
      t.rows.push_back({cell(l.level), number(std::to_string(l.k)), number(std::to_string(l.n)), wide(l.note, 6)});
      continue;
    }
    const auto& re = l.result->random;
    const auto& het = l.result->heterogeneity;
    const bool single = l.k < 2;
    t.rows.push_back({cell(l.level), number(std::to_string(l.k)), number(std::to_string(l.n)), number(pct(re.prop)),
                      number(pct_ci(re.prop_ci_lb, re.prop_ci_ub)),
                      number(single ? std::string("single study") : percent_number(het.I2)),
                      number(single ? std::string(kDash) : num(het.tau2, 4)),
                      number(single ? std::string(kDash) : fmt::format("{} ({})", num(het.Q, 2), num(het.Q_df, 0))),
                      number(single ? std::string(kDash) : pval(het.Q_p))});
  }
  b.table(std::move(t));
  b.paragraph(subgroup_test_sentence(a));
  if (a.options.tau_common && std::isfinite(a.QM)) {
    b.paragraph(fmt::format("Mixed-effects test with a common \u03c4\u00b2 = {}: QM = {}, df = {}, p = {}.", num(a.tau2_common, 4),
                            num(a.QM, 2), num(a.QM_df, 0), pval(a.QM_p)));
  }
  for (const auto& n : a.notes) b.note(n);
  b.left_out(sg.studies, outcome);
  b.figure(svg);
}

void outcome_section(Builder& b, const analysis::OutcomeResult& run, const OutcomeFigures& f, const std::string& id,
                     std::size_t table_rows) {
  b.heading(2, run.spec.name, id);
  for (const auto& w : run.warnings) b.warning(w);
  const std::string what = lower_first(run.spec.name);
  if (!run.pool) {
    b.left_out(run.studies, what);
    return;
  }
  const auto& r = *run.pool;
  b.paragraph(Inline{{fmt::format("{} of the {} rows of the data table, {} patients (events column ", studies_count(r.k),
                                  table_rows, patients(r))},
                     {run.spec.events, Span::Style::kCode},
                     {", patients column "},
                     {run.spec.n, Span::Style::kCode},
                     {fmt::format("); {}.", model_in_words(run))}});
  b.left_out(run.studies, what);
  b.figure(f.forest);
  if (!run.subgroups.empty()) {
    b.heading(3, "Subgroups");
    for (std::size_t i = 0; i < run.subgroups.size(); ++i) {
      subgroup_section(b, run.subgroups[i], what, f.subgroups[i]);
    }
  }
  if (!run.regressions.empty()) {
    b.heading(3, "Meta-regression");
    Table t{{"Moderator", "Studies", "Coefficient", "SE", "p", "R\u00b2", "Residual I\u00b2"}, {}};
    for (const auto& reg : run.regressions) {
      if (!reg.fit) {
        t.rows.push_back({cell(reg.label), wide("not fitted: " + reg.failure, 6)});
        continue;
      }
      const auto& fit = reg.fit->fit;
      for (std::size_t c = 1; c < fit.coefficients.size(); ++c) {
        const auto& co = fit.coefficients[c];
        t.rows.push_back({cell(co.name), number(std::to_string(fit.k)), number(num(co.est, 4)), number(num(co.se, 4)),
                          number(pval(co.p)), number(percent_number(fit.R2)), number(percent_number(fit.I2))});
      }
    }
    b.table(std::move(t));
    for (std::size_t i = 0; i < run.regressions.size(); ++i) {
      b.left_out(run.regressions[i].studies, what);
      b.figure(f.bubbles[i]);
    }
  }
  if (run.bias) {
    const auto& s = *run.bias;
    b.heading(3, "Small-study effects");
    std::vector<std::string> items;
    if (s.egger) {
      items.push_back(fmt::format("Egger regression test: t({}) = {}, p = {}", num(s.egger->df, 0), num(s.egger->stat),
                                  pval(s.egger->p)));
    }
    if (s.peters) {
      items.push_back(fmt::format("Peters test: t({}) = {}, p = {}", num(s.peters->df, 0), num(s.peters->stat),
                                  pval(s.peters->p)));
    }
    if (s.begg) items.push_back(fmt::format("Begg rank correlation: \u03c4 = {}, p = {}", num(s.begg->tau), pval(s.begg->p)));
    if (s.trimfill) {
      const auto& t = *s.trimfill;
      items.push_back(fmt::format("Trim-and-fill ({}): {} studies filled on the {}; adjusted estimate {} ({})",
                                  t.estimator == TrimFillEstimator::kL0 ? "L0" : "R0", t.k0,
                                  t.side == FunnelSide::kLeft ? "left" : "right",
                                  pct(to_proportion(run.options.measure, t.est, r.n_harmonic)),
                                  pct_ci(to_proportion(run.options.measure, t.ci_lb, r.n_harmonic),
                                         to_proportion(run.options.measure, t.ci_ub, r.n_harmonic))));
    }
    b.list(std::move(items));
    b.figure(f.funnel);
    for (const auto& n : s.notes) b.note(n);
  }
  if (!run.sensitivity.empty() || !run.leave_one_out.empty()) {
    b.heading(3, "Sensitivity analyses");
    Table t{{"Analysis", "Studies", "Pooled", "95% CI", "I\u00b2"}, {}};
    t.rows.push_back({cell("Main analysis"), number(std::to_string(r.k)), number(pct(r.random.prop)),
                      number(pct_ci(r.random.prop_ci_lb, r.random.prop_ci_ub)), number(percent_number(r.heterogeneity.I2))});
    for (const auto& s : run.sensitivity) {
      if (!s.pool) {
        t.rows.push_back({cell(s.name), number(std::to_string(s.studies.used.size())), wide("not pooled: " + s.failure, 3)});
        continue;
      }
      t.rows.push_back({cell(s.name), number(std::to_string(s.pool->k)), number(pct(s.pool->random.prop)),
                        number(pct_ci(s.pool->random.prop_ci_lb, s.pool->random.prop_ci_ub)),
                        number(percent_number(s.pool->heterogeneity.I2))});
    }
    if (!run.leave_one_out.empty()) {
      const auto [lo, hi] = std::minmax_element(run.leave_one_out.begin(), run.leave_one_out.end(),
                                                [](const auto& x, const auto& y) { return x.fit.prop < y.fit.prop; });
      t.rows.push_back({cell(fmt::format("Leave-one-out range (omitting {} / {})", lo->omitted, hi->omitted)),
                        number(std::to_string(r.k - 1)), number(fmt::format("{} to {}", pct(lo->fit.prop), pct(hi->fit.prop))),
                        cell(""), cell("")});
    }
    b.table(std::move(t));
    for (const auto& s : run.sensitivity) {
      if (s.studies.left_out.empty()) continue;
      b.note(fmt::format("{}: {} of the main analysis's {} studies used.", s.name, s.studies.used.size(), r.k));
      b.left_out(s.studies, s.name);
    }
  }
  if (!run.influence.empty()) {
    b.heading(3, "Influence");
    std::vector<std::string> flagged;
    for (const auto& row : run.influence) {
      if (row.influential) {
        flagged.push_back(fmt::format("{} (studentised residual {}, Cook's distance {}, hat {})", row.label,
                                      num(row.rstudent, 2), num(row.cook_d, 3), num(row.hat, 3)));
      }
    }
    b.paragraph(flagged.empty() ? std::string("No study meets metafor's criteria for an influential case.")
                                : fmt::format("Influential by metafor's criteria: {}.", fmt::join(flagged, "; ")));
    b.figure(f.baujat);
  }
  b.details("Notes", r.notes);
}

void survival_section(Builder& b, const analysis::SurvivalResult& run, const SurvivalFigures& f, const std::string& id) {
  b.heading(2, run.spec.name, id);
  for (const auto& w : run.warnings) b.warning(w);
  const std::string what = lower_first(run.spec.name);
  if (!run.pool) {
    b.left_out(run.studies, what);
    return;
  }
  const auto& r = *run.pool;
  const auto& het = r.log_hazard.heterogeneity;
  b.paragraph(fmt::format("{}; exponential model per study, log hazards pooled with {} ({} test). I\u00b2 = {}, \u03c4\u00b2 = {}, "
                          "heterogeneity p = {}.",
                          studies_count(r.log_hazard.k), to_string(r.options.pool.method), to_string(r.options.pool.test),
                          percent_number(het.I2), num(het.tau2, 4), pval(het.Q_p)));
  b.left_out(run.studies, what);
  Table t{{"Quantity", "Random effects", "95% CI", "Prediction interval", "Common effect", "Pooled directly (cloglog)"}, {}};
  for (std::size_t i = 0; i < r.survival.size(); ++i) {
    const auto& at = r.survival[i];
    const auto& d = r.direct[i];
    t.rows.push_back({cell(fmt::format("S({:g})", at.time)), number(pct(at.random.est)),
                      number(pct_ci(at.random.ci_lb, at.random.ci_ub)), number(pct_ci(at.random.pi_lb, at.random.pi_ub)),
                      number(fmt::format("{} ({})", pct(at.common.est), pct_ci(at.common.ci_lb, at.common.ci_ub))),
                      number(d.pool ? fmt::format("{} ({}), k = {}", pct(d.random.est), pct_ci(d.random.ci_lb, d.random.ci_ub),
                                                  d.labels.size())
                                    : std::string("no study reports S then"))});
  }
  t.rows.push_back({cell("Median"), number(num(r.median_random.est, 1)),
                    number(range(r.median_random.ci_lb, r.median_random.ci_ub, 1)),
                    number(range(r.median_random.pi_lb, r.median_random.pi_ub, 1)), number(num(r.median_common.est, 1)),
                    cell("")});
  t.rows.push_back({cell("Hazard (per unit of time)"), number(num(r.hazard_random.est, 4)),
                    number(range(r.hazard_random.ci_lb, r.hazard_random.ci_ub, 4)),
                    number(range(r.hazard_random.pi_lb, r.hazard_random.pi_ub, 4)), number(num(r.hazard_common.est, 4)),
                    cell("")});
  b.table(std::move(t));
  b.figure(f.forest);
  Table studies{{"Study", "From", "Reported", "ln hazard", "SE", "Weight"}, {}};
  for (std::size_t i = 0; i < r.studies.size(); ++i) {
    const auto& st = r.studies[i];
    studies.rows.push_back({cell(st.label), cell(std::string(short_name(st.source))), cell(st.detail),
                            number(num(st.log_hazard, 4)), number(num(st.se, 4)),
                            number(percent_number(r.log_hazard.studies[i].weight_random))});
  }
  b.table(std::move(studies));
  std::vector<std::string> notes = run.input_notes;
  notes.insert(notes.end(), r.log_hazard.notes.begin(), r.log_hazard.notes.end());
  for (const auto& st : r.studies) {
    for (const auto& n : st.notes) notes.push_back(fmt::format("{}: {}", st.label, n));
  }
  b.details("Notes", std::move(notes));
  if (run.curve) {
    const auto& c = *run.curve;
    b.heading(3, "Pooled survival curve");
    b.paragraph(fmt::format("{} with patient data; conditional survival over each interval of the grid pooled with random "
                            "effects (Combescure et al. 2014). I\u00b2 = {}, median {}.",
                            studies_count(run.curve_studies.size()), percent_number(c.I2),
                            std::isnan(c.median_random) ? std::string("not reached") : num(c.median_random, 1)));
    b.figure(f.curve);
    Table points{{"Time", "Studies", "Survival (random effects)", "95% CI"}, {}};
    for (const auto& p : c.points) {
      points.rows.push_back({number(fmt::format("{:g}", p.time)), number(std::to_string(p.k)), number(pct(p.random)),
                             number(pct_ci(p.random_lb, p.random_ub))});
    }
    b.table(std::move(points));
  }
}

// The link targets of the outcomes' and survival endpoints' sections: their slugs ("survival-"
// before an endpoint's), never one of the fixed sections' ids nor each other's, whatever the
// names ("Methods", an outcome "Survival X" beside an endpoint "X").
struct SectionIds {
  std::vector<std::string> outcomes, survival;
};
SectionIds section_ids(const ReviewFigures& figures) {
  std::set<std::string> used{"contents", "summary", "certainty", "prisma",   "studies",
                             "baseline", "risk-of-bias", "warnings", "methods", "references"};
  auto claim = [&](std::string id, const std::string& prefix) {
    if (used.contains(id)) id = prefix + id;
    const std::string base = id;
    for (int k = 2; used.contains(id); ++k) id = fmt::format("{}-{}", base, k);
    used.insert(id);
    return id;
  };
  SectionIds ids;
  for (const auto& f : figures.survival) ids.survival.push_back(claim("survival-" + f.slug, "endpoint-"));
  for (const auto& f : figures.outcomes) ids.outcomes.push_back(claim(f.slug, "outcome-"));
  return ids;
}

// One row of the summary of findings: an outcome, or survival at one time.
struct SofRow {
  std::string name;
  std::string anchor;
  const review::CertaintyRating* grade = nullptr;
};

// "⊕⊕◯◯ Low" with footnote marks for the domains rated down.
Cell certainty_cell(const review::CertaintyRating& g, std::vector<std::string>& notes, const std::string& row) {
  std::string marks;
  for (const auto& d : g.domains) {
    if (d.concern == review::Concern::kNotSerious) continue;
    notes.push_back(fmt::format("{}: {} {} ({}): {}", row, review::domain_title(d.domain), review::to_string(d.concern),
                                d.by_authors ? "the authors' rating" : "carta's rule", d.reason));
    marks += fmt::format("{}{}", marks.empty() ? "" : ",", notes.size());
  }
  const std::string word = capitalised(review::to_string(g.certainty));
  Cell c{{Span{std::string(review::certainty_symbols(g.certainty)), Span::Style::kSymbol, {}, word + " certainty"},
          Span{" " + word}}};
  if (!marks.empty()) c.content.push_back(Span{marks, Span::Style::kSuperscript});
  return c;
}

Cell domain_cell(const review::DomainRating& d) {
  std::string label(review::to_string(d.concern));
  if (!d.assessed) label = "not assessed";
  Cell c{{Span{label, d.concern != review::Concern::kNotSerious ? Span::Style::kStrong : Span::Style::kText}}, text(d.reason)};
  if (d.by_authors) c.content.push_back(Span{" (authors)"});
  return c;
}

void summary_of_findings(Builder& b, const analysis::ReviewResults& results, const SectionIds& ids) {
  b.heading(2, "Summary of findings", "summary");
  Table t{{"Outcome", "Studies", "Patients", "Random effects (95% CI)", "Prediction interval", "I\u00b2", "\u03c4\u00b2",
           "Heterogeneity p", "Common effect (95% CI)", "Certainty (GRADE)"},
          {}};
  std::vector<std::string> notes;
  std::vector<SofRow> rows;
  for (std::size_t i = 0; i < results.outcomes.size(); ++i) {
    const auto& run = results.outcomes[i];
    const auto& slug = ids.outcomes[i];
    if (!run.pool) {
      t.rows.push_back({linked(run.spec.name, slug), wide("not pooled: " + run.failure, 9)});
      continue;
    }
    const auto& r = *run.pool;
    rows.push_back({run.spec.name, slug, run.grade ? &*run.grade : nullptr});
    t.rows.push_back({linked(run.spec.name, slug), number(std::to_string(r.k)), number(std::to_string(patients(r))),
                      number(fmt::format("{} ({})", pct(r.random.prop), pct_ci(r.random.prop_ci_lb, r.random.prop_ci_ub))),
                      number(pct_ci(r.random.prop_pi_lb, r.random.prop_pi_ub)), number(percent_number(r.heterogeneity.I2)),
                      number(num(r.heterogeneity.tau2, 4)), number(pval(r.heterogeneity.Q_p)),
                      number(fmt::format("{} ({})", pct(r.common.prop), pct_ci(r.common.prop_ci_lb, r.common.prop_ci_ub))),
                      run.grade ? certainty_cell(*run.grade, notes, run.spec.name) : cell(kDash)});
  }
  for (std::size_t i = 0; i < results.survival.size(); ++i) {
    const auto& run = results.survival[i];
    const std::string anchor = ids.survival[i];
    if (!run.pool) {
      t.rows.push_back({linked(run.spec.name, anchor), wide("not pooled (see its section)", 9)});
      continue;
    }
    const auto& lh = run.pool->log_hazard;
    for (std::size_t k = 0; k < run.pool->survival.size(); ++k) {
      const auto& at = run.pool->survival[k];
      const std::string name = fmt::format("{}, S({:g})", run.spec.name, at.time);
      const review::CertaintyRating* grade = k < run.grade.size() ? &run.grade[k] : nullptr;
      rows.push_back({name, anchor, grade});
      t.rows.push_back({linked(name, anchor), number(std::to_string(lh.k)),
                        number(std::isfinite(run.patients) ? fmt::format("{:.0f}", run.patients) : std::string(kDash)),
                        number(fmt::format("{} ({})", pct(at.random.est), pct_ci(at.random.ci_lb, at.random.ci_ub))),
                        number(pct_ci(at.random.pi_lb, at.random.pi_ub)), number(percent_number(lh.heterogeneity.I2)),
                        number(num(lh.heterogeneity.tau2, 4)), number(pval(lh.heterogeneity.Q_p)),
                        number(fmt::format("{} ({})", pct(at.common.est), pct_ci(at.common.ci_lb, at.common.ci_ub))),
                        grade ? certainty_cell(*grade, notes, name) : cell(kDash)});
    }
  }
  b.table(std::move(t));
  if (!results.survival.empty()) {
    b.note("Survival S(t): from the pooled hazard of an exponential model per study; I\u00b2, \u03c4\u00b2 and heterogeneity p of the "
           "log hazards.");
  }
  if (!notes.empty()) b.list(std::move(notes), List::Kind::kNumbered);

  // The evidence profile: every domain's rating and its reason.
  b.heading(2, "Certainty of the evidence (GRADE)", "certainty");
  Citations cited_in_methods;  // the methods paragraph cites the same works and lists them
  b.paragraph(grade_sentence(results, cited_in_methods));
  Table profile{{"Outcome", "Starts at"}, {}};
  for (const auto d : review::kGradeDomains) profile.header.emplace_back(review::domain_title(d));
  profile.header.emplace_back("Certainty");
  for (const auto& row : rows) {
    if (row.grade == nullptr) continue;
    const auto& g = *row.grade;
    std::vector<Cell> cells{linked(row.name, row.anchor), Cell{text(std::string(review::to_string(g.start))), text(g.start_reason)}};
    for (const auto& d : g.domains) cells.push_back(domain_cell(d));
    cells.push_back(Cell{{Span{std::string(review::certainty_symbols(g.certainty)), Span::Style::kSymbol},
                          Span{" " + std::string(review::to_string(g.certainty))}}});
    profile.rows.push_back(std::move(cells));
  }
  b.table(std::move(profile));
}

void baseline_section(Builder& b, const std::vector<analysis::BaselineResult>& rows) {
  using Kind = io::SpecBaseline::Kind;
  b.heading(2, "Baseline characteristics", "baseline");
  Table t{{"Characteristic", "Studies reporting", "Summary"}, {}};
  for (const auto& r : rows) {
    std::string value;
    if (r.reporting.empty()) {
      value = "not reported by any study";
    } else {
      switch (r.spec.kind) {
        case Kind::kSum: value = amount(r.total); break;
        case Kind::kMedian:
          value = fmt::format("median of the study medians {} (range {}{}{})", amount(r.median), amount(r.min), kDash,
                              amount(r.max));
          break;
        case Kind::kCount:
          value = fmt::format("{}/{} ({})", amount(r.total), amount(r.denominator),
                              r.denominator > 0 ? pct(r.total / r.denominator) : std::string(kDash));
          break;
        case Kind::kCategories:
          for (const auto& l : r.levels) {
            value += fmt::format("{}{}: {} stud{}{}", value.empty() ? "" : "; ", l.level, l.studies,
                                 l.studies == 1 ? "y" : "ies",
                                 std::isfinite(l.patients) ? fmt::format(" ({} patients)", amount(l.patients)) : std::string());
          }
          break;
      }
    }
    Cell summary{text(value)};
    if (!r.not_reporting.empty()) summary.note = text(fmt::format("Not reported by {}", fmt::join(r.not_reporting, ", ")));
    t.rows.push_back({cell(r.label), number(fmt::format("{} of {}", r.reporting.size(), r.reporting.size() + r.not_reporting.size())),
                      std::move(summary)});
  }
  b.table(std::move(t));
  b.note("Over the studies in the review (excluded reports left out). Counts are pooled over the studies that report both "
         "the count and its denominator.");
}

}  // namespace

std::string plain_text(const Inline& content) {
  std::string s;
  for (const auto& span : content) s += span.text;
  return s;
}

Document build_document(const analysis::ReviewResults& results, const ReviewFigures& figures) {
  const auto& spec = results.spec;
  Document doc;
  doc.title = spec.title.empty() ? "Meta-analysis report" : spec.title;
  doc.byline = text(fmt::format("Data: {} ({} rows). Generated by carta {} (commit {}) from {}.",
                                spec.data_file.filename().string(), results.table_rows, kVersion, kCommit,
                                spec.path.filename().string()));
  std::map<const std::string*, std::string> stems;
  for (const auto& f : figure_files(figures, results)) stems.emplace(f.svg, f.stem);
  Builder b(std::move(stems), spec.figures);
  b.heading(2, "Contents", "contents");
  b.blocks.emplace_back(Contents{});

  const SectionIds ids = section_ids(figures);
  summary_of_findings(b, results, ids);

  if (results.prisma) {
    b.heading(2, "Study selection (PRISMA 2020)", "prisma", "Study selection");
    b.figure(figures.prisma);
    if (!results.prisma_check.derived.empty()) b.details("Counts computed from the others", results.prisma_check.derived);
  }
  if (!spec.characteristics.empty()) {
    b.heading(2, "Study characteristics", "studies");
    Table t{{"Study"}, {}};
    for (const auto& c : spec.characteristics) t.header.push_back(io::display_name(spec, c));
    for (const auto& row : results.studies) {
      Cell study{text(row.study)};
      if (row.exclusion) study.content.push_back(Span{" (excluded)", Span::Style::kEmphasis});
      std::vector<Cell> cells{std::move(study)};
      for (const auto& v : row.values) cells.push_back(cell(v ? *v : std::string("NR")));
      t.rows.push_back(std::move(cells));
    }
    b.table(std::move(t));
    b.note("NR: not reported.");
  }
  if (!results.baseline.empty()) baseline_section(b, results.baseline);
  if (results.risk_of_bias) {
    b.heading(2, fmt::format("Risk of bias ({})", results.risk_of_bias->tool->name), "risk-of-bias", "Risk of bias");
    b.figure(figures.rob_traffic_light);
    b.figure(figures.rob_summary);
    std::vector<std::string> notes = results.risk_of_bias->notes;
    for (const auto& st : results.risk_of_bias->studies) {
      for (const auto& n : st.notes) notes.push_back(st.study + ": " + n);
    }
    if (!notes.empty()) b.details("Notes", std::move(notes));
  }
  if (!spec.exclude.empty()) {
    b.heading(3, "Excluded reports");
    List l{{}, List::Kind::kBullets};
    for (const auto& e : spec.exclude) l.items.push_back({Span{e.study, Span::Style::kStrong}, Span{": " + e.reason}});
    b.blocks.emplace_back(std::move(l));
  }

  for (std::size_t i = 0; i < results.outcomes.size(); ++i) {
    outcome_section(b, results.outcomes[i], figures.outcomes[i], ids.outcomes[i], results.table_rows);
  }
  for (std::size_t i = 0; i < results.survival.size(); ++i) {
    survival_section(b, results.survival[i], figures.survival[i], ids.survival[i]);
  }

  if (!results.warnings.empty()) {
    b.heading(2, "Warnings", "warnings");
    b.list(results.warnings);
  }
  b.heading(2, "Methods", "methods");
  MethodsText methods = methods_text(results);
  b.paragraph(methods.paragraph);
  b.note("Every number in this report is in results.json with the settings that produced it.");
  doc.references = std::move(methods.references);
  if (!doc.references.empty()) {
    b.heading(3, "References", "references");
    List l{{}, List::Kind::kBullets};
    for (const auto& r : doc.references) {
      Inline item = text(r.citation);
      if (!r.doi.empty()) item.push_back(Span{" doi:" + r.doi});
      l.items.push_back(std::move(item));
    }
    b.blocks.emplace_back(std::move(l));
  }
  doc.blocks = std::move(b.blocks);
  return doc;
}

}  // namespace carta::report
