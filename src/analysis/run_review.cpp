#include "carta/analysis/run_review.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "carta/beta_binomial.hpp"
#include "carta/error.hpp"
#include "carta/glmm.hpp"
#include "carta/io/prisma_table.hpp"
#include "carta/io/rob_table.hpp"
#include "carta/io/study_table.hpp"
#include "carta/io/survival_table.hpp"
#include "carta/kaplan_meier.hpp"

namespace carta::analysis {

std::string_view to_string(LeftOutReason reason) noexcept {
  switch (reason) {
    case LeftOutReason::kExcluded: return "excluded";
    case LeftOutReason::kNotReported: return "outcome not reported";
    case LeftOutReason::kNoValue: return "not reported";
    case LeftOutReason::kFilteredOut: return "does not match the filter";
  }
  return "left out";
}

namespace {

// The spec and its data table, with the checks every analysis needs.
class ReviewData {
 public:
  explicit ReviewData(const io::ReviewSpec& spec) : spec_(spec), table_(io::read_table(spec.data_file)) {
    label_col_ = column(spec.label, spec.data_file_line, "label column");
    for (const auto& c : spec.characteristics) (void)column(c, spec.data_file_line, "characteristics column");
    for (const auto& l : spec.labels) (void)column(l.column, l.line, "[labels]: column");
    for (const auto& e : spec.exclude) {
      bool found = false;
      for (const auto& row : table_.rows) found = found || io::cell_value(row[label_col_]) == e.study;
      if (!found) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}:{}: [[exclude]] study '{}' is not a label in {} (column '{}')", spec.path.string(),
                                e.line, e.study, spec.data_file.string(), spec.label));
      }
      exclude_.push_back(e.study);
      exclusion_reason_[e.study] = e.reason;
    }
  }

  [[nodiscard]] const io::ReviewSpec& spec() const { return spec_; }
  [[nodiscard]] const io::Table& table() const { return table_; }
  [[nodiscard]] const std::vector<std::string>& exclude() const { return exclude_; }
  [[nodiscard]] std::size_t label_column() const { return label_col_; }

  // The index of `name`, or an error naming the spec line and the role of the column.
  [[nodiscard]] std::size_t column(const std::string& name, std::size_t line, std::string_view role) const {
    try {
      return table_.column(name);
    } catch (const Error& e) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: {} '{}': {}", spec_.path.string(), line, role, name, e.what()));
    }
  }

  // A cell's value, or nullopt when the review's missing-value rule calls it not reported.
  [[nodiscard]] std::optional<std::string> value(std::size_t row, std::size_t col) const {
    const std::string_view v = io::cell_value(table_.rows[row][col]);
    if (spec_.missing.is_missing(v)) return std::nullopt;
    return std::string(v);
  }

  [[nodiscard]] std::string exclusion_reason(const std::string& study) const {
    const auto it = exclusion_reason_.find(study);
    return it == exclusion_reason_.end() ? std::string() : it->second;
  }

  // A load's left-out rows as the results model lists them.
  void add_left_out(const std::vector<io::LeftOutRow>& rows, StudySelection& selection) const {
    for (const auto& r : rows) {
      switch (r.why) {
        case io::LeftOutRow::Why::kExcluded:
          selection.left_out.push_back({r.label, LeftOutReason::kExcluded, exclusion_reason(r.label)});
          break;
        case io::LeftOutRow::Why::kFilteredOut:
          selection.left_out.push_back({r.label, LeftOutReason::kFilteredOut, r.detail});
          break;
        case io::LeftOutRow::Why::kNotReported:
        case io::LeftOutRow::Why::kNoGroup:
          selection.left_out.push_back({r.label, LeftOutReason::kNotReported, r.detail});
          break;
      }
    }
  }

 private:
  const io::ReviewSpec& spec_;
  io::Table table_;
  std::size_t label_col_ = 0;
  std::vector<std::string> exclude_;
  std::map<std::string, std::string> exclusion_reason_;
};

PoolResult pool_with(const std::vector<ProportionStudy>& studies, const PoolOptions& options, const std::string& method) {
  if (method == "GLMM") return pool_proportions_glmm(studies, options, 7);
  if (method == "BB") return pool_proportions_bb(studies, options);
  return pool_proportions(studies, options);
}

// The outcome's studies split by whether `col` is reported: the values of those that report it,
// the others left out.
struct ByValue {
  std::vector<std::size_t> used;  // indices into the outcome's studies
  std::vector<std::string> values;
  StudySelection selection;
};

// "Antigen target" -> "antigen target" inside a sentence; "CD19 status" stays as it is.
std::string in_sentence(std::string s) {
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) && std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

ByValue split_by_value(const ReviewData& data, const std::vector<ProportionStudy>& studies,
                       const std::vector<std::size_t>& rows, std::size_t col, const std::string& label) {
  ByValue out;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    if (auto v = data.value(rows[i], col)) {
      out.used.push_back(i);
      out.values.push_back(std::move(*v));
      out.selection.used.push_back(studies[i].label);
    } else {
      out.selection.left_out.push_back({studies[i].label, LeftOutReason::kNoValue, fmt::format("no {} reported", in_sentence(label))});
    }
  }
  return out;
}

SubgroupResult run_subgroups(const ReviewData& data, const io::SpecOutcome& oc, const std::string& var,
                             const std::vector<ProportionStudy>& studies, const std::vector<std::size_t>& rows,
                             const PoolOptions& two_step) {
  const auto& spec = data.spec();
  SubgroupResult sr;
  sr.column = var;
  sr.label = io::display_name(spec, var);
  const std::size_t col = data.column(var, oc.line, "subgroup column");
  ByValue by = split_by_value(data, studies, rows, col, sr.label);
  sr.studies = std::move(by.selection);
  if (by.used.empty()) {
    sr.failure = fmt::format("no study reports {}", sr.label);
    return sr;
  }
  std::vector<ProportionStudy> used;
  std::vector<std::optional<std::string>> level_of;
  for (std::size_t j = 0; j < by.used.size(); ++j) {
    used.push_back(studies[by.used[j]]);
    level_of.emplace_back(by.values[j]);
  }
  sr.level_of = std::move(by.values);
  try {
    sr.analysis = subgroup_analysis(used, level_of, two_step, SubgroupOptions{false, spec.min_k, spec.subgroup_test});
    sr.overall = pool_proportions(used, two_step);
  } catch (const Error& e) {
    sr.analysis.reset();
    sr.overall.reset();
    sr.failure = e.what();
  }
  return sr;
}

RegressionResult run_regression(const ReviewData& data, const io::SpecOutcome& oc, const std::string& var,
                                const std::vector<ProportionStudy>& studies, const std::vector<std::size_t>& rows,
                                const PoolOptions& two_step) {
  RegressionResult rr;
  rr.column = var;
  rr.label = io::display_name(data.spec(), var);
  const std::size_t col = data.column(var, oc.line, "moderator column");
  ByValue by = split_by_value(data, studies, rows, col, rr.label);
  rr.studies = std::move(by.selection);
  ModeratorColumn m{var, {}, std::nullopt};
  for (std::size_t i = 0; i < studies.size(); ++i) m.values.push_back(data.value(rows[i], col));
  try {
    rr.fit = regress_proportions(studies, {m}, two_step);
    const auto& reg = *rr.fit;
    std::vector<std::int64_t> n_used;
    for (const auto i : reg.design.kept) n_used.push_back(studies[i].n);
    rr.n_harmonic = harmonic_mean(n_used);
  } catch (const Error& e) {
    rr.fit.reset();
    rr.failure = e.what();
  }
  return rr;
}

OutcomeResult run_outcome(const ReviewData& data, const io::SpecOutcome& oc) {
  const auto& spec = data.spec();
  const auto& table = data.table();
  OutcomeResult run;
  run.spec = oc;
  run.options = spec.options;
  if (oc.measure) run.options.measure = *oc.measure;
  if (oc.test) run.options.test = *oc.test;
  run.method = oc.method.empty() ? spec.method : oc.method;
  if (const auto m = parse_tau2_method(run.method)) run.options.method = *m;
  (void)data.column(oc.events, oc.line, fmt::format("outcome '{}': events column", oc.name));
  (void)data.column(oc.n, oc.line, fmt::format("outcome '{}': n column", oc.name));

  io::StudyLoad load;
  try {
    load = io::load_proportion_studies(table, io::StudyColumns{oc.events, oc.n, spec.label, std::nullopt, spec.missing},
                                       data.exclude(), {}, io::LoadChecks{true, false});
  } catch (const Error& e) {
    throw Error(e.category(), fmt::format("{}:{}: outcome '{}': {}", spec.path.string(), oc.line, oc.name, e.what()));
  }
  const io::StudyGroup empty_group;
  const io::StudyGroup& group = load.groups.empty() ? empty_group : load.groups.front();
  for (const auto& s : group.studies) run.studies.used.push_back(s.label);
  data.add_left_out(load.left_out, run.studies);
  data.add_left_out(group.left_out, run.studies);
  if (group.studies.empty()) {
    run.failure = fmt::format("no study reports both {} and {}", oc.events, oc.n);
    run.warnings.push_back(fmt::format("not pooled: {}", run.failure));
    return run;
  }
  try {
    run.pool = pool_with(group.studies, run.options, run.method);
  } catch (const Error& e) {
    run.failure = e.what();
    run.warnings.push_back(fmt::format("pooling failed: {}", e.what()));
    return run;
  }
  auto& r = *run.pool;
  r.notes.insert(r.notes.begin(), group.notes.begin(), group.notes.end());
  r.notes.insert(r.notes.begin(), load.notes.begin(), load.notes.end());

  const PoolOptions& two_step = run.options;
  const auto& studies = group.studies;
  const auto& rows = group.rows;
  for (const auto& var : oc.subgroups ? *oc.subgroups : spec.subgroups) {
    run.subgroups.push_back(run_subgroups(data, oc, var, studies, rows, two_step));
    if (!run.subgroups.back().failure.empty()) {
      run.warnings.push_back(fmt::format("subgroups by {}: {}", run.subgroups.back().label, run.subgroups.back().failure));
    }
  }
  for (const auto& var : oc.moderators ? *oc.moderators : spec.moderators) {
    run.regressions.push_back(run_regression(data, oc, var, studies, rows, two_step));
    if (!run.regressions.back().failure.empty()) {
      run.warnings.push_back(
          fmt::format("meta-regression on {}: {}", run.regressions.back().label, run.regressions.back().failure));
    }
  }
  if (spec.bias) {
    try {
      run.bias = small_study_effects(studies, two_step);
    } catch (const Error& e) {
      run.warnings.push_back(fmt::format("small-study effects: {}", e.what()));
    }
  }
  if (spec.leave_one_out && studies.size() >= 2) run.leave_one_out = leave_one_out(studies, two_step);
  if (spec.influence && studies.size() >= 3) {
    try {
      run.influence = influence_proportions(studies, two_step);
    } catch (const Error& e) {
      run.warnings.push_back(fmt::format("influence diagnostics: {}", e.what()));
    }
  }
  for (const auto& s : spec.sensitivity) {
    SensitivityResult sr;
    sr.name = s.name;
    sr.where = s.where;
    std::vector<io::RowFilter> filters;
    for (const auto& w : s.where) {
      try {
        filters.push_back(io::parse_row_filter(w));
      } catch (const Error& e) {
        throw Error(e.category(), fmt::format("{}:{}: sensitivity '{}': {}", spec.path.string(), s.line, s.name, e.what()));
      }
      (void)data.column(filters.back().column, s.line, fmt::format("sensitivity '{}': filter column", s.name));
    }
    // Re-pooled on the outcome's studies that pass every filter; the others are listed.
    std::vector<ProportionStudy> kept;
    std::vector<std::size_t> filter_cols;
    for (const auto& f : filters) filter_cols.push_back(table.column(f.column));
    std::vector<std::size_t> counts(filters.size(), 0);
    for (std::size_t i = 0; i < studies.size(); ++i) {
      if (const auto failed = io::first_failed_filter(table, rows[i], filters, filter_cols, counts, spec.missing)) {
        const auto& f = filters[*failed];
        const auto v = data.value(rows[i], filter_cols[*failed]);
        sr.studies.left_out.push_back({studies[i].label, LeftOutReason::kFilteredOut,
                                       v ? fmt::format("{} is {}", in_sentence(io::display_name(spec, f.column)), *v)
                                         : fmt::format("no {} reported", in_sentence(io::display_name(spec, f.column)))});
      } else {
        kept.push_back(studies[i]);
        sr.studies.used.push_back(studies[i].label);
      }
    }
    if (kept.empty()) {
      sr.failure = "no study matches the filter";
    } else {
      try {
        sr.pool = pool_with(kept, run.options, run.method);
      } catch (const Error& e) {
        sr.failure = e.what();
      }
    }
    if (!sr.failure.empty()) run.warnings.push_back(fmt::format("sensitivity '{}': {}", s.name, sr.failure));
    run.sensitivity.push_back(std::move(sr));
  }
  return run;
}

SurvivalResult run_survival(const ReviewData& data, const io::SpecSurvival& sv) {
  const auto& spec = data.spec();
  SurvivalResult run;
  run.spec = sv;
  run.options.pool = spec.options;
  if (!sv.method.empty()) run.options.pool.method = *parse_tau2_method(sv.method);
  if (sv.test) run.options.pool.test = *sv.test;
  if (spec.method == "GLMM" || spec.method == "BB") run.options.pool.method = Tau2Method::kREML;
  run.options.times = sv.at;
  run.options.s_ci = sv.s_ci;
  io::SurvivalColumns columns = sv.columns;
  columns.label = spec.label;
  columns.missing = spec.missing;
  for (const auto* c : {&columns.s, &columns.s_lb, &columns.s_ub, &columns.s_time_column, &columns.median,
                        &columns.median_lb, &columns.median_ub, &columns.events, &columns.person_time, &columns.n,
                        &columns.ipd}) {
    if (*c) (void)data.column(**c, sv.line, fmt::format("survival '{}': column", sv.name));
  }
  io::SurvivalLoad load;
  try {
    load = io::load_survival_reports(data.table(), columns, data.exclude());
  } catch (const Error& e) {
    throw Error(e.category(), fmt::format("{}:{}: survival '{}': {}", spec.path.string(), sv.line, sv.name, e.what()));
  }
  for (const auto& rep : load.reports) run.studies.used.push_back(rep.label);
  data.add_left_out(load.left_out, run.studies);
  run.input_notes = load.notes;
  try {
    run.pool = pool_survival(load.reports, run.options);
  } catch (const Error& e) {
    run.warnings.push_back(fmt::format("pooling failed: {}", e.what()));
    return run;
  }
  run.warnings.insert(run.warnings.end(), run.pool->warnings.begin(), run.pool->warnings.end());
  for (const auto& rep : load.reports) {
    run.patients += rep.n ? static_cast<double>(*rep.n) : std::numeric_limits<double>::quiet_NaN();
  }
  if (spec.bias && run.pool->log_hazard.k >= 3) {
    std::vector<EffectStudy> effects;
    for (const auto& st : run.pool->log_hazard.studies) effects.push_back({st.label, st.yi, st.vi});
    try {
      run.bias = small_study_effects(effects, run.options.pool);
    } catch (const Error& e) {
      run.warnings.push_back(fmt::format("small-study effects: {}", e.what()));
    }
  }
  if (!sv.grid.empty()) {
    for (const auto& rep : load.reports) {
      if (rep.ipd.empty()) continue;
      const KaplanMeier km = kaplan_meier(rep.ipd, spec.options.level);
      run.curve_studies.push_back(study_curve_from_km(rep.label, km, sv.grid));
      std::vector<double> steps;
      for (const auto& st : km.steps) steps.push_back(st.time);
      run.curve_display.push_back(study_curve_from_km(rep.label, km, steps));
    }
    if (run.curve_studies.empty()) {
      run.warnings.push_back("grid is set but no study has patient data (ipd), so no pooled curve");
    } else {
      try {
        run.curve = summary_survival_curve(run.curve_studies, spec.options.level);
      } catch (const Error& e) {
        run.warnings.push_back(fmt::format("pooled curve: {}", e.what()));
      }
    }
  }
  return run;
}

// A number in a baseline column, or an error naming the cell (file:line:column) and what is wrong.
double baseline_number(const ReviewData& data, std::size_t row, std::size_t col, const std::string& text, bool whole) {
  const auto& table = data.table();
  std::string t = text;
  if (table.delimiter == ';') std::replace(t.begin(), t.end(), ',', '.');
  double x = 0.0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
  const bool ok = ec == std::errc() && end == t.data() + t.size() && std::isfinite(x) && x >= 0.0 &&
                  (!whole || x == std::floor(x));
  if (!ok) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}:{}:{}: column '{}': '{}' is not {}; write the number, or leave the cell empty (or NR) "
                            "when the study does not report it",
                            table.source, table.lines[row], col + 1, table.header[col], text,
                            whole ? "a whole number >= 0" : "a number >= 0"));
  }
  return x;
}

BaselineResult run_baseline(const ReviewData& data, const io::SpecBaseline& b) {
  using Kind = io::SpecBaseline::Kind;
  BaselineResult out;
  out.spec = b;
  out.label = b.name;
  const std::size_t col = data.column(b.column, b.line, fmt::format("[[baseline]] '{}': column", b.name));
  const bool has_n = !b.n.empty();
  const std::size_t n_col = has_n ? data.column(b.n, b.line, fmt::format("[[baseline]] '{}': n column", b.name)) : 0;
  const auto& exclude = data.exclude();
  std::vector<double> values;
  std::map<std::string, BaselineLevel> levels;
  for (std::size_t r = 0; r < data.table().rows.size(); ++r) {
    const std::string study(io::cell_value(data.table().rows[r][data.label_column()]));
    if (std::find(exclude.begin(), exclude.end(), study) != exclude.end()) continue;
    const auto v = data.value(r, col);
    const auto n = has_n ? data.value(r, n_col) : std::nullopt;
    if (!v || (b.kind == Kind::kCount && !n)) {
      out.not_reporting.push_back(study);
      continue;
    }
    out.reporting.push_back(study);
    switch (b.kind) {
      case Kind::kSum: out.total += baseline_number(data, r, col, *v, false); break;
      case Kind::kMedian: values.push_back(baseline_number(data, r, col, *v, false)); break;
      case Kind::kCount: {
        const double events = baseline_number(data, r, col, *v, true);
        const double total = baseline_number(data, r, n_col, *n, true);
        if (events > total) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{}:{}:{}: column '{}': {} is more than the {} in column '{}'; check both cells",
                                  data.table().source, data.table().lines[r], col + 1, b.column, *v, *n, b.n));
        }
        out.total += events;
        out.denominator += total;
        break;
      }
      case Kind::kCategories: {
        auto& level = levels[*v];
        level.level = *v;
        ++level.studies;
        level.patients += has_n && n ? baseline_number(data, r, n_col, *n, true) : std::numeric_limits<double>::quiet_NaN();
        break;
      }
    }
  }
  if (b.kind == Kind::kMedian && !values.empty()) {
    std::sort(values.begin(), values.end());
    const std::size_t k = values.size();
    out.median = k % 2 == 1 ? values[k / 2] : 0.5 * (values[k / 2 - 1] + values[k / 2]);
    out.min = values.front();
    out.max = values.back();
  } else if (b.kind == Kind::kMedian) {
    out.median = out.min = out.max = std::numeric_limits<double>::quiet_NaN();
  }
  for (auto& [name, level] : levels) out.levels.push_back(std::move(level));
  std::stable_sort(out.levels.begin(), out.levels.end(),
                   [](const BaselineLevel& x, const BaselineLevel& y) { return x.studies > y.studies; });
  return out;
}

// GRADE certainty of every pooled outcome and of survival at each time, from the main analysis,
// the risk-of-bias assessment and the small-study tests (carta/review/grade.hpp).
void rate_certainty(ReviewResults& results) {
  const auto& spec = results.spec;
  const review::RobAssessment* rob = results.risk_of_bias ? &*results.risk_of_bias : nullptr;
  auto shares = [&](const PoolResult& pool) -> std::optional<review::RiskOfBiasShares> {
    if (rob == nullptr) return std::nullopt;
    std::vector<std::string> labels;
    std::vector<double> weights;
    for (const auto& st : pool.studies) {
      labels.push_back(st.label);
      weights.push_back(st.weight_random);
    }
    return review::risk_of_bias_shares(*rob, labels, weights);
  };
  auto egger = [](const std::optional<SmallStudyEffects>& bias) -> std::optional<review::SmallStudyTestResult> {
    if (!bias || !bias->egger) return std::nullopt;
    return review::SmallStudyTestResult{"Egger's test", bias->egger->k, bias->egger->p};
  };
  // What every row shares: the pooled model's k, heterogeneity and weights, and the bias tests.
  auto evidence = [&](const PoolResult& pool, double patients, const std::optional<SmallStudyEffects>& bias,
                      double est, double ci_lb, double ci_ub, double pi_lb, double pi_ub) {
    review::GradeEvidence e;
    e.k = pool.k;
    e.patients = patients;
    e.i2 = pool.heterogeneity.I2;
    e.q_p = pool.heterogeneity.Q_p;
    e.estimate = est;
    e.ci_lb = ci_lb;
    e.ci_ub = ci_ub;
    e.pi_lb = pi_lb;
    e.pi_ub = pi_ub;
    e.risk_of_bias = shares(pool);
    e.small_study = egger(bias);
    e.small_study_wanted = spec.bias;
    return e;
  };
  for (auto& run : results.outcomes) {
    if (!run.pool) continue;
    const auto& r = *run.pool;
    double patients = 0.0;
    for (const auto& st : r.studies) patients += static_cast<double>(st.n);
    const auto& re = r.random;
    run.grade = review::rate_certainty(
        evidence(r, patients, run.bias, re.prop, re.prop_ci_lb, re.prop_ci_ub, re.prop_pi_lb, re.prop_pi_ub), spec.grade,
        rob, run.spec.grade);
  }
  for (auto& run : results.survival) {
    if (!run.pool) continue;
    for (const auto& at : run.pool->survival) {
      const auto& s = at.random;
      run.grade.push_back(review::rate_certainty(
          evidence(run.pool->log_hazard, run.patients, run.bias, s.est, s.ci_lb, s.ci_ub, s.pi_lb, s.pi_ub), spec.grade,
          rob, run.spec.grade));
    }
  }
}

}  // namespace

ReviewResults run_review(const io::ReviewSpec& spec, const std::function<void(std::string_view)>& progress) {
  auto say = [&](std::string_view s) {
    if (progress) progress(s);
  };
  const ReviewData data(spec);
  const auto& table = data.table();
  ReviewResults results;
  results.spec = spec;
  results.table_rows = table.rows.size();
  // Control characters cannot be shown (nor written into SVG or HTML): they appear as U+FFFD,
  // and the report says where they were.
  std::vector<std::string> control;
  std::size_t control_cells = 0;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
      const auto& cell = table.rows[r][c];
      const bool has = std::any_of(cell.begin(), cell.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return (u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || u == 0x7F;
      });
      if (!has) continue;
      if (++control_cells <= 5) control.push_back(fmt::format("line {} column '{}'", table.lines[r], table.header[c]));
    }
  }
  if (control_cells > 0) {
    results.warnings.push_back(fmt::format("{}: {} cell(s) hold control characters ({}{}); they are shown as \u00ab\ufffd\u00bb",
                                           spec.data_file.filename().string(), control_cells, fmt::join(control, ", "),
                                           control_cells > 5 ? ", ..." : ""));
  }
  std::vector<std::size_t> characteristic_cols;
  for (const auto& c : spec.characteristics) characteristic_cols.push_back(table.column(c));
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    StudyRow row;
    row.study = std::string(io::cell_value(table.rows[r][data.label_column()]));
    if (std::find(data.exclude().begin(), data.exclude().end(), row.study) != data.exclude().end()) {
      row.exclusion = data.exclusion_reason(row.study);
    }
    for (const auto c : characteristic_cols) row.values.push_back(data.value(r, c));
    results.studies.push_back(std::move(row));
  }

  for (const auto& oc : spec.outcomes) {
    say(fmt::format("pooling {}", oc.name));
    results.outcomes.push_back(run_outcome(data, oc));
    for (const auto& w : results.outcomes.back().warnings) results.warnings.push_back(fmt::format("{}: {}", oc.name, w));
  }
  if (!spec.baseline.empty()) say("baseline characteristics");
  for (const auto& b : spec.baseline) results.baseline.push_back(run_baseline(data, b));
  for (const auto& sv : spec.survival) {
    say(fmt::format("pooling {}", sv.name));
    results.survival.push_back(run_survival(data, sv));
    for (const auto& w : results.survival.back().warnings) results.warnings.push_back(fmt::format("{}: {}", sv.name, w));
  }
  // Risk of bias and PRISMA: read and checked; a problem in these files is an error that names
  // the spec line, as for the data file.
  if (spec.risk_of_bias) {
    say("risk of bias");
    const auto& rs = *spec.risk_of_bias;
    io::RobColumns columns;
    columns.ihe_threshold = rs.threshold;
    try {
      results.risk_of_bias = io::load_rob_assessment(io::read_table(rs.file), review::rob_tool(rs.tool), columns);
    } catch (const Error& e) {
      throw Error(e.category(), fmt::format("{}:{}: [risk_of_bias]: {}", spec.path.string(), rs.line, e.what()));
    }
  }
  rate_certainty(results);
  if (spec.prisma) {
    say("PRISMA 2020 counts");
    try {
      results.prisma = io::load_prisma_counts(io::read_table(spec.prisma->file));
      results.prisma_check = review::complete_and_check(*results.prisma);
    } catch (const Error& e) {
      throw Error(e.category(), fmt::format("{}:{}: [prisma]: {}", spec.path.string(), spec.prisma->line, e.what()));
    }
  }
  return results;
}

}  // namespace carta::analysis
