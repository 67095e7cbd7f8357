#include "carta/comparative.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include "carta/distributions.hpp"
#include "carta/error.hpp"

namespace carta {

namespace {

std::string upper(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

double normal_upper_tail_two_sided(double z) {
  if (!std::isfinite(z)) return std::isnan(z) ? kNotAvailable : 0.0;
  return 2.0 * dist::normal_upper(std::abs(z));
}

double chi_squared_upper(double q, double df) {
  if (!(df > 0.0) || !std::isfinite(q)) return kNotAvailable;
  return dist::chi2_upper(std::max(q, 0.0), df);
}

double normal_quantile_two_sided(double level) {
  return dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
}

void check_counts(const TwoByTwoStudy& s) {
  auto bad = [&](const std::string& what) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("study '{}': {}", s.label, what));
  };
  if (s.n_1 <= 0 || s.n_2 <= 0) {
    bad(fmt::format("{} patients in arm {}; each arm needs at least one patient", s.n_1 <= 0 ? s.n_1 : s.n_2,
                    s.n_1 <= 0 ? 1 : 2));
  }
  if (s.events_1 < 0 || s.events_1 > s.n_1) bad(fmt::format("{} events of {} in arm 1", s.events_1, s.n_1));
  if (s.events_2 < 0 || s.events_2 > s.n_2) bad(fmt::format("{} events of {} in arm 2", s.events_2, s.n_2));
}

// The four cells as doubles: a, b (events and non-events, arm 1), c, d (arm 2).
struct Cells {
  double a, b, c, d;
  [[nodiscard]] double n1() const { return a + b; }
  [[nodiscard]] double n2() const { return c + d; }
};

Cells cells_of(const TwoByTwoStudy& s) {
  return {static_cast<double>(s.events_1), static_cast<double>(s.n_1 - s.events_1),
          static_cast<double>(s.events_2), static_cast<double>(s.n_2 - s.events_2)};
}

bool has_zero_cell(const Cells& t) { return t.a == 0 || t.b == 0 || t.c == 0 || t.d == 0; }

bool double_zero(const TwoByTwoStudy& s) {
  return (s.events_1 == 0 && s.events_2 == 0) || (s.events_1 == s.n_1 && s.events_2 == s.n_2);
}

}  // namespace

std::string_view to_string(BinaryMeasure measure) noexcept {
  switch (measure) {
    case BinaryMeasure::kOR: return "OR";
    case BinaryMeasure::kRR: return "RR";
    case BinaryMeasure::kRD: return "RD";
    case BinaryMeasure::kAS: return "AS";
  }
  return "?";
}

std::optional<BinaryMeasure> parse_binary_measure(std::string_view text) noexcept {
  const std::string u = upper(text);
  if (u == "OR") return BinaryMeasure::kOR;
  if (u == "RR") return BinaryMeasure::kRR;
  if (u == "RD") return BinaryMeasure::kRD;
  if (u == "AS") return BinaryMeasure::kAS;
  return std::nullopt;
}

bool is_ratio(BinaryMeasure measure) noexcept { return measure == BinaryMeasure::kOR || measure == BinaryMeasure::kRR; }

double on_reporting_scale(BinaryMeasure measure, double value) noexcept {
  return is_ratio(measure) ? std::exp(value) : value;
}

std::string_view to_string(ZeroCellCorrection correction) noexcept {
  switch (correction) {
    case ZeroCellCorrection::kAllCells: return "all-cells";
    case ZeroCellCorrection::kTreatmentArm: return "treatment-arm";
    case ZeroCellCorrection::kNone: return "none";
  }
  return "?";
}

std::optional<ZeroCellCorrection> parse_zero_cell_correction(std::string_view text) noexcept {
  const std::string u = upper(text);
  if (u == "ALL-CELLS" || u == "ONLY0" || u == "METAFOR") return ZeroCellCorrection::kAllCells;
  if (u == "TREATMENT-ARM" || u == "TACC") return ZeroCellCorrection::kTreatmentArm;
  if (u == "NONE") return ZeroCellCorrection::kNone;
  return std::nullopt;
}

ZeroCellCorrection default_correction(BinaryMeasure measure) noexcept {
  return measure == BinaryMeasure::kAS ? ZeroCellCorrection::kNone : ZeroCellCorrection::kAllCells;
}

std::string_view to_string(ComparativeMethod method) noexcept {
  switch (method) {
    case ComparativeMethod::kInverseVariance: return "IV";
    case ComparativeMethod::kMantelHaenszel: return "MH";
    case ComparativeMethod::kPeto: return "Peto";
  }
  return "?";
}

std::optional<ComparativeMethod> parse_comparative_method(std::string_view text) noexcept {
  const std::string u = upper(text);
  if (u == "IV" || u == "INVERSE-VARIANCE") return ComparativeMethod::kInverseVariance;
  if (u == "MH" || u == "MANTEL-HAENSZEL") return ComparativeMethod::kMantelHaenszel;
  if (u == "PETO") return ComparativeMethod::kPeto;
  return std::nullopt;
}

BinaryEffect binary_effect(const TwoByTwoStudy& study, const BinaryEffectOptions& options) {
  check_counts(study);
  if (!(options.add >= 0.0) || !std::isfinite(options.add)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("the continuity correction is {}, but must be >= 0 (usually 0.5)", options.add));
  }
  BinaryEffect e;
  const bool drop00 = options.drop_double_zero.value_or(is_ratio(options.measure));
  if (drop00 && double_zero(study)) {
    e.dropped = true;
    e.why = study.events_1 == 0 ? "no events in either arm" : "every patient had the event in both arms";
    return e;
  }
  Cells t = cells_of(study);
  const ZeroCellCorrection correction = options.correction.value_or(default_correction(options.measure));
  if (has_zero_cell(t) && options.add > 0.0) {
    if (correction == ZeroCellCorrection::kAllCells) {
      t.a += options.add, t.b += options.add, t.c += options.add, t.d += options.add;
      e.corrected = true;
    } else if (correction == ZeroCellCorrection::kTreatmentArm) {
      // Proportional to the reciprocal of the other arm's size; together 2 add.
      const double n1 = t.n1(), n2 = t.n2();
      const double add_1 = 2.0 * options.add * n1 / (n1 + n2), add_2 = 2.0 * options.add * n2 / (n1 + n2);
      t.a += add_1, t.b += add_1, t.c += add_2, t.d += add_2;
      e.corrected = true;
    }
  }
  const double n1 = t.n1(), n2 = t.n2();
  const double p1 = t.a / n1, p2 = t.c / n2;
  switch (options.measure) {
    case BinaryMeasure::kOR:
      e.yi = std::log((t.a * t.d) / (t.b * t.c));
      e.vi = 1.0 / t.a + 1.0 / t.b + 1.0 / t.c + 1.0 / t.d;
      break;
    case BinaryMeasure::kRR:
      e.yi = std::log(p1 / p2);
      e.vi = 1.0 / t.a - 1.0 / n1 + 1.0 / t.c - 1.0 / n2;
      break;
    case BinaryMeasure::kRD:
      e.yi = p1 - p2;
      e.vi = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2;
      break;
    case BinaryMeasure::kAS:
      e.yi = std::asin(std::sqrt(p1)) - std::asin(std::sqrt(p2));
      e.vi = 1.0 / (4.0 * n1) + 1.0 / (4.0 * n2);
      break;
  }
  if (!std::isfinite(e.yi) || !std::isfinite(e.vi) || !(e.vi > 0.0)) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("study '{}' ({}/{} against {}/{}): the {} is undefined without a continuity correction; "
                            "use one (e.g. --correction all-cells --cc 0.5) or leave the study out",
                            study.label, study.events_1, study.n_1, study.events_2, study.n_2,
                            to_string(options.measure)));
  }
  return e;
}

namespace {

// Heterogeneity of the studies' own effects around a table-based common effect, as rma.mh and
// rma.peto report it: Q = sum (y - est)^2 / v, I^2 = (Q - df) / Q, H^2 = Q / df.
void heterogeneity_around(TableBasedEffect& out, const std::vector<double>& y, const std::vector<double>& v,
                          std::size_t studies) {
  double q = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) q += (y[i] - out.est) * (y[i] - out.est) / v[i];
  // df counts every study with an effect of its own (metafor's k.yi - 1), also one whose table
  // adds nothing to Peto's Q (a kept double zero).
  const double df = static_cast<double>(studies) - 1.0;
  if (studies < 2) return;  // no heterogeneity from one study: not available
  out.Q = q;
  out.Q_df = df;
  out.Q_p = chi_squared_upper(q, df);
  out.H2 = q / df;
  out.I2 = q > 0.0 ? std::max(0.0, 100.0 * (q - df) / q) : 0.0;
}

// The Wald test and interval; a standard error that is 0 or not finite (every table without
// spread, e.g. all events in one arm and none in the other) leaves them not available.
void finish_wald(TableBasedEffect& out, double level, std::vector<std::string>& notes) {
  if (!(out.se > 0.0) || !std::isfinite(out.se) || !std::isfinite(out.est)) {
    notes.push_back(fmt::format("the common effect's standard error is {} (the tables have no spread to estimate it "
                                "from), so its test and interval are not available",
                                out.se));
    out.se = kNotAvailable;
    return;
  }
  const double z = normal_quantile_two_sided(level);
  out.z = out.est / out.se;
  out.p = normal_upper_tail_two_sided(out.z);
  out.ci_lb = out.est - z * out.se;
  out.ci_ub = out.est + z * out.se;
}

// Expected events in arm 1 under a common odds ratio psi, given the table's margins (the root in
// [max(0, m1 - n2), min(n1, m1)] of the quadratic (a (n2 - m1 + a)) / ((n1 - a)(m1 - a)) = psi).
double expected_under_odds_ratio(double psi, double n1, double n2, double m1) {
  const double lo = std::max(0.0, m1 - n2), hi = std::min(n1, m1);
  const double qa = 1.0 - psi;
  const double qb = (n2 - m1) + psi * (n1 + m1);
  const double qc = -psi * n1 * m1;
  if (std::abs(qa) < 1e-12) return std::clamp(-qc / qb, lo, hi);
  const double disc = std::sqrt(std::max(0.0, qb * qb - 4.0 * qa * qc));
  const double r1 = (-qb + disc) / (2.0 * qa), r2 = (-qb - disc) / (2.0 * qa);
  const double tolerance = 1e-9 * std::max(1.0, hi);
  if (r1 >= lo - tolerance && r1 <= hi + tolerance) return std::clamp(r1, lo, hi);
  return std::clamp(r2, lo, hi);
}

TableBasedEffect mantel_haenszel(std::span<const TwoByTwoStudy> tables, BinaryMeasure measure, double level,
                                 bool cmh_continuity, std::vector<std::string>& notes) {
  TableBasedEffect out;
  double r_sum = 0, s_sum = 0;
  // Robins-Breslow-Greenland pieces (OR), Greenland-Robins (RR), Sato et al. 1989 (RD).
  double pr = 0, ps_qr = 0, qs = 0, rr_var_num = 0, rd_num = 0, rd_den = 0, sato_p = 0, sato_q = 0;
  double cmh_dev = 0, cmh_var = 0;
  std::vector<double> w(tables.size(), 0.0);
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const Cells t = cells_of(tables[i]);
    const double n1 = t.n1(), n2 = t.n2(), n = n1 + n2;
    switch (measure) {
      case BinaryMeasure::kOR: {
        const double r = t.a * t.d / n, s = t.b * t.c / n;
        const double p = (t.a + t.d) / n, q = (t.b + t.c) / n;
        r_sum += r, s_sum += s;
        pr += p * r, ps_qr += p * s + q * r, qs += q * s;
        w[i] = s;
        const double m1 = t.a + t.c, m0 = t.b + t.d;
        cmh_dev += t.a - n1 * m1 / n;
        if (n > 1) cmh_var += n1 * n2 * m1 * m0 / (n * n * (n - 1.0));
        break;
      }
      case BinaryMeasure::kRR: {
        const double r = t.a * n2 / n, s = t.c * n1 / n;
        r_sum += r, s_sum += s;
        rr_var_num += (n1 * n2 * (t.a + t.c) - t.a * t.c * n) / (n * n);
        w[i] = s;
        break;
      }
      case BinaryMeasure::kRD: {
        rd_num += (t.a * n2 - t.c * n1) / n;
        rd_den += n1 * n2 / n;
        sato_p += (n1 * n1 * t.c - n2 * n2 * t.a + n1 * n2 * (n2 - n1) / 2.0) / (n * n);
        sato_q += (t.a * (n2 - t.c) + t.c * (n1 - t.a)) / (2.0 * n);
        w[i] = n1 * n2 / n;
        break;
      }
      case BinaryMeasure::kAS:
        throw Error(ErrorCategory::kInvalidOption, "Mantel-Haenszel pools OR, RR or RD, not the arcsine difference");
    }
  }
  switch (measure) {
    case BinaryMeasure::kOR:
      if (!(r_sum > 0.0) || !(s_sum > 0.0)) {
        throw Error(ErrorCategory::kNumerical,
                    "the Mantel-Haenszel odds ratio is undefined: every table has a zero in the same diagonal "
                    "(no events, or no non-events, in one arm of every study); use --common IV");
      }
      out.est = std::log(r_sum / s_sum);
      out.se = std::sqrt(pr / (2.0 * r_sum * r_sum) + ps_qr / (2.0 * r_sum * s_sum) + qs / (2.0 * s_sum * s_sum));
      if (cmh_var > 0.0) {
        // metafor's (|sum(O - E)| - 1/2)^2, also when |sum(O - E)| < 1/2 (R's mantelhaen.test
        // drops the correction there instead).
        const double dev = std::abs(cmh_dev) - (cmh_continuity ? 0.5 : 0.0);
        out.cmh = dev * dev / cmh_var;
        out.cmh_p = chi_squared_upper(out.cmh, 1.0);
      }
      break;
    case BinaryMeasure::kRR:
      if (!(r_sum > 0.0) || !(s_sum > 0.0)) {
        throw Error(ErrorCategory::kNumerical,
                    "the Mantel-Haenszel risk ratio is undefined: no events in one arm of every study; use --common IV");
      }
      out.est = std::log(r_sum / s_sum);
      out.se = std::sqrt(rr_var_num / (r_sum * s_sum));
      break;
    case BinaryMeasure::kRD:
      out.est = rd_num / rd_den;
      out.se = std::sqrt((out.est * sato_p + sato_q) / (rd_den * rd_den));
      break;
    case BinaryMeasure::kAS:
      break;
  }
  finish_wald(out, level, notes);
  double w_sum = 0.0;
  for (double x : w) w_sum += x;
  out.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) out.weights[i] = w_sum > 0 ? 100.0 * w[i] / w_sum : 0.0;
  out.k_used = tables.size();

  if (measure == BinaryMeasure::kOR) {
    // Tarone's (1985) correction of the Breslow-Day test of a common odds ratio, at the MH
    // estimate: sum (a - E)^2 / V - (sum a - sum E)^2 / sum V over tables with both margins
    // informative.
    const double psi = std::exp(out.est);
    double bd = 0.0, dev = 0.0, var_sum = 0.0;
    std::size_t informative = 0;
    for (const auto& s : tables) {
      const Cells t = cells_of(s);
      const double n1 = t.n1(), n2 = t.n2(), m1 = t.a + t.c;
      const double e = expected_under_odds_ratio(psi, n1, n2, m1);
      const double b = n1 - e, c = m1 - e, d = n2 - m1 + e;
      if (!(e > 0 && b > 0 && c > 0 && d > 0)) continue;
      const double v = 1.0 / (1.0 / e + 1.0 / b + 1.0 / c + 1.0 / d);
      bd += (t.a - e) * (t.a - e) / v;
      dev += t.a - e;
      var_sum += v;
      ++informative;
    }
    if (informative > 1) {
      out.tarone = std::max(0.0, bd - dev * dev / var_sum);
      out.tarone_df = static_cast<double>(informative) - 1.0;
      out.tarone_p = chi_squared_upper(out.tarone, out.tarone_df);
    }
  }
  return out;
}

TableBasedEffect peto(std::span<const TwoByTwoStudy> tables, double level, std::vector<double>& y,
                      std::vector<double>& v, std::vector<std::string>& notes) {
  TableBasedEffect out;
  double oe_sum = 0.0, v_sum = 0.0;
  std::vector<double> w(tables.size(), 0.0);
  y.clear(), v.clear();
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const Cells t = cells_of(tables[i]);
    const double n1 = t.n1(), n2 = t.n2(), n = n1 + n2, m1 = t.a + t.c, m0 = t.b + t.d;
    const double expected = n1 * m1 / n;
    const double var = n > 1 ? n1 * n2 * m1 * m0 / (n * n * (n - 1.0)) : 0.0;
    oe_sum += t.a - expected;
    v_sum += var;
    w[i] = var;
    if (var > 0.0) {
      y.push_back((t.a - expected) / var);
      v.push_back(1.0 / var);
    }
  }
  if (!(v_sum > 0.0)) {
    throw Error(ErrorCategory::kNumerical,
                "Peto's odds ratio is undefined: no table has both events and non-events");
  }
  out.est = oe_sum / v_sum;
  out.se = 1.0 / std::sqrt(v_sum);
  finish_wald(out, level, notes);
  out.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) out.weights[i] = 100.0 * w[i] / v_sum;
  out.k_used = tables.size();
  return out;
}

// The weighted least-squares test of y on x with weights w over the studies that carry weight
// (Peters' test with R meta's weights, Harbord's test); `dropped` names those that do not, and
// `why` says why, in a note under the test's `name`.
void count_based_regression(std::optional<RegressionTest>& test, std::vector<std::string>& notes, const char* name,
                            const std::vector<double>& y, const std::vector<double>& w, const std::vector<double>& x,
                            const std::vector<std::string>& dropped, const char* why, double level) {
  const auto as_vector = [](const std::vector<double>& values) {
    return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size())).eval();
  };
  try {
    if (y.size() < 3) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("it needs at least 3 studies that carry weight, but {} do", y.size()));
    }
    test = weighted_regression_test(as_vector(y), as_vector(w), as_vector(x), level);
  } catch (const Error& e) {
    notes.push_back(fmt::format("{}: {}", name, e.what()));
  }
  if (!dropped.empty()) {
    notes.push_back(fmt::format("{}: {} {} and drop out: {}", name,
                                dropped.size() == 1 ? "1 study" : fmt::format("{} studies", dropped.size()), why,
                                fmt::join(dropped, ", ")));
  }
}

}  // namespace

EffectAnalyses analyse_effects(std::span<const EffectStudy> effects, std::span<const std::size_t> index,
                               const PoolOptions& pool, const EffectAnalysisRequest& request) {
  EffectAnalyses out;
  if (request.small_study_effects) {
    std::vector<double> sizes;
    if (!request.patients_of.empty()) {
      for (std::size_t i = 0; i < effects.size(); ++i) {
        const std::size_t at = i < index.size() ? index[i] : request.patients_of.size();
        sizes.push_back(at < request.patients_of.size() ? static_cast<double>(request.patients_of[at])
                                                        : std::numeric_limits<double>::quiet_NaN());
      }
    }
    out.bias = small_study_effects(effects, pool, request.trimfill, sizes);
  }
  if (request.leave_one_out) out.leave_one_out = leave_one_out(effects, pool);
  if (!request.subgroup_variable.empty()) {
    out.subgroup_variable = request.subgroup_variable;
    std::vector<std::optional<std::string>> level(effects.size());
    std::vector<std::int64_t> patients;
    for (std::size_t i = 0; i < effects.size(); ++i) {
      if (index[i] < request.subgroup_of.size()) level[i] = request.subgroup_of[index[i]];
      if (!level[i] || level[i]->empty()) out.without_subgroup.push_back(effects[i].label);
    }
    if (!request.patients_of.empty()) {
      for (std::size_t i = 0; i < effects.size(); ++i) {
        if (index[i] >= request.patients_of.size()) {
          throw Error(ErrorCategory::kInvalidOption,
                      fmt::format("analyse_effects: effect {} is study {}, but only {} patient counts are given", i,
                                  index[i], request.patients_of.size()));
        }
        patients.push_back(request.patients_of[index[i]]);
      }
    }
    out.subgroups = subgroup_analysis(effects, level, pool, request.subgroup, patients);
    if (!out.without_subgroup.empty()) {
      std::string names;
      for (const auto& n : out.without_subgroup) names += (names.empty() ? "" : ", ") + n;
      out.subgroups->notes.push_back(fmt::format("{} stud{} without a value of '{}', left out of the subgroups: {}",
                                                 out.without_subgroup.size(),
                                                 out.without_subgroup.size() == 1 ? "y" : "ies",
                                                 request.subgroup_variable, names));
    }
  }
  return out;
}

ComparativeResult compare_binary(std::span<const TwoByTwoStudy> studies, const ComparativeOptions& options) {
  if (studies.empty()) throw Error(ErrorCategory::kInvalidInput, "no studies to compare (k = 0)");
  {
    std::set<std::string_view> seen;
    for (const auto& s : studies) {
      if (!seen.insert(s.label).second) {
        throw Error(ErrorCategory::kInvalidInput, fmt::format("study label '{}' appears more than once", s.label));
      }
    }
  }
  const BinaryMeasure measure = options.effect.measure;
  if (options.method == ComparativeMethod::kPeto && measure != BinaryMeasure::kOR) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("Peto's method pools odds ratios: use --measure OR with --common Peto, not {}",
                            to_string(measure)));
  }
  if (options.method == ComparativeMethod::kMantelHaenszel && measure == BinaryMeasure::kAS) {
    throw Error(ErrorCategory::kInvalidOption,
                "Mantel-Haenszel pools OR, RR or RD; the arcsine difference is pooled by inverse variance (--common IV)");
  }
  ComparativeResult r;
  r.options = options;
  std::vector<EffectStudy> effects;
  std::vector<std::size_t> kept_index;
  std::vector<std::string> dropped, corrected;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    ComparativeStudy cs;
    cs.counts = studies[i];
    cs.effect = binary_effect(studies[i], options.effect);
    if (cs.effect.dropped) {
      dropped.push_back(fmt::format("{} ({})", studies[i].label, cs.effect.why));
    } else {
      if (cs.effect.corrected) corrected.push_back(studies[i].label);
      effects.push_back({studies[i].label, cs.effect.yi, cs.effect.vi});
      kept_index.push_back(i);
    }
    r.studies.push_back(std::move(cs));
  }
  if (!dropped.empty()) {
    std::string names;
    for (const auto& d : dropped) names += (names.empty() ? "" : "; ") + d;
    r.notes.push_back(fmt::format("{} stud{} left out of the {}: {}{}", dropped.size(), dropped.size() == 1 ? "y" : "ies",
                                  to_string(measure), names,
                                  is_ratio(measure) ? "; such a table carries no information on a ratio (the risk "
                                                      "difference, --measure RD, keeps it)"
                                                    : ""));
  }
  if (effects.empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                "no study is left to pool: every study has no events in either arm (or all events in both); the "
                "risk difference (--measure RD) can pool them");
  }
  const ZeroCellCorrection correction = options.effect.correction.value_or(default_correction(measure));
  if (!corrected.empty()) {
    std::string names;
    for (const auto& c : corrected) names += (names.empty() ? "" : ", ") + c;
    r.notes.push_back(fmt::format(
        "{} added to {} of {} with a zero cell ({}): {}", options.effect.add,
        correction == ZeroCellCorrection::kAllCells ? "each cell" : "the cells, by arm (treatment-arm correction),",
        corrected.size() == 1 ? "the study" : fmt::format("the {} studies", corrected.size()),
        correction == ZeroCellCorrection::kAllCells ? "as metafor and R meta" : "Sweeting et al. 2004, R meta's TACC increments",
        names));
  }
  r.k_pooled = effects.size();
  r.inverse_variance = pool_effects(effects, options.pool);
  const double z = normal_quantile_two_sided(options.pool.level);
  for (std::size_t j = 0; j < kept_index.size(); ++j) {
    auto& cs = r.studies[kept_index[j]];
    const auto& sr = r.inverse_variance.studies[j];
    cs.ci_lb = cs.effect.yi - z * std::sqrt(cs.effect.vi);
    cs.ci_ub = cs.effect.yi + z * std::sqrt(cs.effect.vi);
    cs.weight_common = sr.weight_common;
    cs.weight_random = sr.weight_random;
  }
  // The Mantel-Haenszel and Peto sums take every table, as metafor's rma.mh and rma.peto do: a
  // double zero adds nothing to the OR sums or to Peto's, but a table with every patient an event
  // adds n1 n2 / N to both RR sums (its RR is 1) and every table enters the RD's sum n1 n2 / N.
  // Dropping a study from the studies' own effects (drop_double_zero) leaves it out of Q only.
  if (options.method == ComparativeMethod::kMantelHaenszel) {
    auto mh = mantel_haenszel(studies, measure, options.pool.level, options.cmh_continuity, r.notes);
    std::vector<double> y, v;
    for (const auto& e : effects) y.push_back(e.yi), v.push_back(e.vi);
    heterogeneity_around(mh, y, v, effects.size());
    for (std::size_t i = 0; i < studies.size(); ++i) r.studies[i].weight_common = mh.weights[i];
    r.table_based = std::move(mh);
  } else if (options.method == ComparativeMethod::kPeto) {
    std::vector<double> y, v;
    auto pe = peto(studies, options.pool.level, y, v, r.notes);
    heterogeneity_around(pe, y, v, effects.size());
    for (std::size_t i = 0; i < studies.size(); ++i) r.studies[i].weight_common = pe.weights[i];
    r.table_based = std::move(pe);
  }
  for (const auto& n : r.inverse_variance.notes) r.notes.push_back(n);
  EffectAnalysisRequest request = options.analyses;
  if (request.patients_of.empty()) {
    for (const auto& s : studies) request.patients_of.push_back(s.n_1 + s.n_2);
  }
  r.analyses = analyse_effects(effects, kept_index, options.pool, request);
  if (r.analyses.bias && options.pool.preset == Preset::kMeta) {
    // R meta's metabias(method.bias = "Peters") for metabin: the weighted lm of the effect on
    // 1/(n1 + n2) with weights 1/(1/(e1 + e2) + 1/(n1 - e1 + n2 - e2)), the inverse variance of
    // the average event probability. A study with no events or only events in both arms has
    // weight 0 and drops out.
    auto& bias = *r.analyses.bias;
    std::vector<double> yy, ww, xx;
    std::vector<std::string> weightless;
    for (std::size_t j = 0; j < kept_index.size(); ++j) {
      const auto& st = studies[kept_index[j]];
      const auto events = static_cast<double>(st.events_1 + st.events_2);
      const auto non_events = static_cast<double>(st.n_1 - st.events_1 + st.n_2 - st.events_2);
      if (!(events > 0.0) || !(non_events > 0.0)) {
        weightless.push_back(st.label);
        continue;
      }
      yy.push_back(effects[j].yi);
      ww.push_back(1.0 / (1.0 / events + 1.0 / non_events));
      xx.push_back(1.0 / static_cast<double>(st.n_1 + st.n_2));
    }
    bias.peters.reset();
    bias.peters_convention = "meta";
    count_based_regression(bias.peters, bias.notes, "Peters test (R meta weights)", yy, ww, xx, weightless,
                           "with no events or only events in both arms get weight 0", options.pool.level);
    bias.notes.push_back("Peters' test as R meta's metabias: weights 1/(1/(e1+e2) + 1/(n1-e1+n2-e2)), predictor 1/(n1+n2) "
                         "(preset meta)");
  } else if (r.analyses.bias && (measure == BinaryMeasure::kOR || measure == BinaryMeasure::kRR)) {
    r.analyses.bias->notes.push_back("Peters' test here is metafor's regtest(predictor = \"ninv\"): inverse-variance "
                                     "weights, n = both arms (R meta's metabias, the preset meta, weights it by "
                                     "1/(1/(e1+e2) + 1/(n1-e1+n2-e2)))");
  }
  if (r.analyses.bias && measure == BinaryMeasure::kOR) {
    // Harbord, Egger & Sterne (2006): the efficient score Z = e1 - (e1 + e2) n1 / N and its
    // hypergeometric variance V of each table, uncorrected counts; Egger's regression of Z/V on
    // 1/sqrt(V) with weights V (R meta's metabias "Harbord"). Tables with V = 0 (no events or only
    // events in both arms) carry no information and drop out.
    auto& bias = *r.analyses.bias;
    std::vector<double> yy, ww, xx;
    std::vector<std::string> weightless;
    for (const auto i : kept_index) {
      const auto& st = studies[i];
      const auto e1 = static_cast<double>(st.events_1), e2 = static_cast<double>(st.events_2);
      const auto n1 = static_cast<double>(st.n_1), n2 = static_cast<double>(st.n_2);
      const double n = n1 + n2;
      const double v = n1 * n2 * (e1 + e2) * (n - e1 - e2) / (n * n * (n - 1.0));
      if (!(v > 0.0)) {
        weightless.push_back(st.label);
        continue;
      }
      const double score = e1 - (e1 + e2) * n1 / n;
      yy.push_back(score / v);
      ww.push_back(v);
      xx.push_back(1.0 / std::sqrt(v));
    }
    count_based_regression(bias.harbord, bias.notes, "Harbord test", yy, ww, xx, weightless,
                           "without events or with only events carry no score variance", options.pool.level);
  }
  if (options.glmm_nagq) {
    if (measure != BinaryMeasure::kOR) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("the binomial-normal GLMM models the odds ratio; it is not available for the {}",
                              to_string(measure)));
    }
    GlmmOrOptions g;
    g.nagq = *options.glmm_nagq;
    g.test = options.pool.test;
    g.level = options.pool.level;
    r.glmm = fit_glmm_or(studies, g);
    for (const auto& n : r.glmm->notes) r.notes.push_back("GLMM: " + n);
    if (!r.glmm->report.converged) r.notes.push_back("GLMM did not converge: " + r.glmm->report.message);
  }
  return r;
}

std::string describe_conventions(const ComparativeResult& r) {
  const auto& e = r.options.effect;
  const ZeroCellCorrection correction = e.correction.value_or(default_correction(e.measure));
  const bool drop00 = e.drop_double_zero.value_or(is_ratio(e.measure));
  std::string zero;
  switch (correction) {
    case ZeroCellCorrection::kAllCells:
      zero = fmt::format("{:g} added to each cell of a study with a zero cell (metafor escalc, R meta)", e.add);
      break;
    case ZeroCellCorrection::kTreatmentArm:
      zero = fmt::format("treatment-arm increments summing to {:g} for a study with a zero cell (Sweeting 2004)", 2 * e.add);
      break;
    case ZeroCellCorrection::kNone:
      zero = "no continuity correction";
      break;
  }
  const auto& p = r.options.pool;
  return fmt::format("zero cells: {}; double-zero studies {}; common effect {}{}; random effects {} with test {}; "
                     "prediction interval {}; level {}",
                     zero, drop00 ? "left out" : "kept", to_string(r.options.method),
                     r.options.method == ComparativeMethod::kInverseVariance ? "" : " on the uncorrected tables",
                     to_string(p.method), to_string(p.test),
                     conventions_for(p.preset).prediction == PredictionQuantile::kSameAsTest ? "with the test's quantile"
                                                                                             : "with t(k-1)",
                     p.level);
}

std::string_view to_string(ContinuousMeasure measure) noexcept {
  return measure == ContinuousMeasure::kMD ? "MD" : "SMD";
}

std::optional<ContinuousMeasure> parse_continuous_measure(std::string_view text) noexcept {
  const std::string u = upper(text);
  if (u == "MD") return ContinuousMeasure::kMD;
  if (u == "SMD") return ContinuousMeasure::kSMD;
  return std::nullopt;
}

EffectStudy continuous_effect(const ContinuousStudy& s, ContinuousMeasure measure) {
  auto bad = [&](const std::string& what) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("study '{}': {}", s.label, what));
  };
  for (int arm = 1; arm <= 2; ++arm) {
    const double mean = arm == 1 ? s.mean_1 : s.mean_2, sd = arm == 1 ? s.sd_1 : s.sd_2;
    const std::int64_t n = arm == 1 ? s.n_1 : s.n_2;
    if (!std::isfinite(mean)) bad(fmt::format("the mean of arm {} is not a finite number", arm));
    if (!(sd > 0.0) || !std::isfinite(sd)) {
      bad(fmt::format("the SD of arm {} is {}; an SD must be > 0 (0 would mean every patient had the same value; a "
                      "negative one is a typo, or a column of something else)",
                      arm, sd));
    }
    if (n < 2) bad(fmt::format("arm {} has {} patient{}; an SD needs at least 2", arm, n, n == 1 ? "" : "s"));
  }
  const double n1 = static_cast<double>(s.n_1), n2 = static_cast<double>(s.n_2);
  EffectStudy e;
  e.label = s.label;
  // Finite means and SDs can still overflow (a mean of 1e308) or underflow (an SD of 1e-200).
  auto finite = [&](const EffectStudy& out) {
    if (!std::isfinite(out.yi) || !std::isfinite(out.vi) || !(out.vi > 0.0)) {
      bad(fmt::format("the {} is {} with variance {}: the means ({:g}, {:g}) and SDs ({:g}, {:g}) are beyond what a "
                      "double can compute with; check them (another unit, or a typo in the exponent?)",
                      to_string(measure), out.yi, out.vi, s.mean_1, s.mean_2, s.sd_1, s.sd_2));
    }
    return out;
  };
  if (measure == ContinuousMeasure::kMD) {
    e.yi = s.mean_1 - s.mean_2;
    e.vi = s.sd_1 * s.sd_1 / n1 + s.sd_2 * s.sd_2 / n2;
    return finite(e);
  }
  // Hedges' g: Cohen's d with the pooled SD, times the exact correction
  // J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = n1 + n2 - 2 (Hedges 1981); variance
  // 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)) (metafor's vtype "LS").
  const double m = n1 + n2 - 2.0;
  const double pooled_sd = std::sqrt(((n1 - 1.0) * s.sd_1 * s.sd_1 + (n2 - 1.0) * s.sd_2 * s.sd_2) / m);
  // The gamma ratio by Boost.Math: lgamma differences lose ~1e-8 at a million patients.
  const double correction = 1.0 / (std::sqrt(m / 2.0) * dist::tgamma_delta_ratio((m - 1.0) / 2.0, 0.5));
  e.yi = correction * (s.mean_1 - s.mean_2) / pooled_sd;
  e.vi = 1.0 / n1 + 1.0 / n2 + e.yi * e.yi / (2.0 * (n1 + n2));
  return finite(e);
}

ContinuousResult compare_continuous(std::span<const ContinuousStudy> studies, ContinuousMeasure measure,
                                    const PoolOptions& pool, const EffectAnalysisRequest& request) {
  if (studies.empty()) throw Error(ErrorCategory::kInvalidInput, "no studies to compare (k = 0)");
  ContinuousResult r;
  r.measure = measure;
  r.studies.assign(studies.begin(), studies.end());
  std::vector<EffectStudy> effects;
  for (const auto& s : studies) effects.push_back(continuous_effect(s, measure));
  r.inverse_variance = pool_effects(effects, pool);
  r.notes = r.inverse_variance.notes;
  // Which studies' means and SDs are estimates, and how: "A (arm 1 mean and SD from iqr.range)".
  std::vector<std::string> estimated;
  for (const auto& s : studies) {
    std::vector<std::string> parts;
    auto arm = [&](int which, SummaryScenario mean, SummaryScenario sd) {
      if (mean == SummaryScenario::kReported && sd == SummaryScenario::kReported) return;
      if (mean == sd) {
        parts.push_back(fmt::format("arm {} mean and SD from {}", which, to_string(mean)));
      } else if (mean == SummaryScenario::kReported) {
        parts.push_back(fmt::format("arm {} SD from {}", which, to_string(sd)));
      } else if (sd == SummaryScenario::kReported) {
        parts.push_back(fmt::format("arm {} mean from {}", which, to_string(mean)));
      } else {
        parts.push_back(fmt::format("arm {} mean from {}, SD from {}", which, to_string(mean), to_string(sd)));
      }
    };
    arm(1, s.mean_from_1, s.sd_from_1);
    arm(2, s.mean_from_2, s.sd_from_2);
    if (!parts.empty()) estimated.push_back(fmt::format("{} ({})", s.label, fmt::join(parts, "; ")));
  }
  if (!estimated.empty()) {
    r.notes.push_back(fmt::format(
        "means and SDs estimated from the median with the IQR and/or the range, as R meta's defaults: the mean by "
        "Luo et al. (2018), the SD by Wan et al. (2014) from the IQR or the range alone, by Shi et al. (2020) from "
        "both; they assume roughly normal data. {} {}: {}",
        estimated.size(), estimated.size() == 1 ? "study" : "studies", fmt::join(estimated, ", ")));
  }
  std::vector<std::size_t> index(effects.size());
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
  EffectAnalysisRequest with_patients = request;
  if (with_patients.patients_of.empty()) {
    for (const auto& s : studies) with_patients.patients_of.push_back(s.n_1 + s.n_2);
  }
  r.analyses = analyse_effects(effects, index, pool, with_patients);
  if (r.analyses.bias && measure == ContinuousMeasure::kSMD) {
    r.analyses.bias->notes.push_back("the SMD's variance depends on the SMD itself, which makes Egger's test of it "
                                     "anti-conservative (Pustejovsky & Rodgers 2019); read it with care");
  }
  return r;
}

EffectStudy effect_from_report(const ReportedEffect& study, const ReportedEffectOptions& options, std::string* note,
                               std::string* source) {
  auto from = [&](const char* what) {
    if (source != nullptr) *source = what;
  };
  auto bad = [&](const std::string& what) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("study '{}': {}", study.label, what));
  };
  auto scale = [&](double x, const char* what) {
    if (!std::isfinite(x)) bad(fmt::format("the {} is not a finite number", what));
    if (!options.ratio) return x;
    if (!(x > 0.0)) bad(fmt::format("the {} is {}, but a ratio must be > 0 (give ratios, not their logarithms, with --ratio)", what, x));
    return std::log(x);
  };
  EffectStudy e;
  e.label = study.label;
  if (study.o_minus_e && study.logrank_variance) {
    // The log-rank statistics give the log hazard ratio directly (Peto's one-step estimate): on
    // any other scale the other rows would be pooled with a log HR as if it were their kind.
    if (!options.ratio) {
      bad("the log-rank O - E and V give a log hazard ratio, which is pooled with ratios only: give --ratio (and "
          "hazard ratios in the estimate column)");
    }
    const double v = *study.logrank_variance;
    if (!(v > 0.0) || !std::isfinite(v) || !std::isfinite(*study.o_minus_e)) {
      bad(fmt::format("the log-rank variance is {} with O - E = {}; the variance must be > 0", v, *study.o_minus_e));
    }
    e.yi = *study.o_minus_e / v;
    e.vi = 1.0 / v;
    from("O-E and V");
    return e;
  }
  e.yi = scale(study.estimate, "estimate");
  if (study.variance) {
    if (!(*study.variance > 0.0) || !std::isfinite(*study.variance)) bad(fmt::format("the variance is {}, but must be > 0", *study.variance));
    e.vi = *study.variance;
    from("variance");
  } else if (study.se) {
    if (!(*study.se > 0.0) || !std::isfinite(*study.se)) bad(fmt::format("the standard error is {}, but must be > 0", *study.se));
    e.vi = *study.se * *study.se;
    from("SE");
  } else if (study.ci_lb && study.ci_ub) {
    const double re = std::max(0.0, study.rounding.estimate), rl = std::max(0.0, study.rounding.lower),
                 ru = std::max(0.0, study.rounding.upper);
    const double est = study.estimate, lo = *study.ci_lb, hi = *study.ci_ub;
    const double lb = scale(lo, "lower bound"), ub = scale(hi, "upper bound");
    // Each bound must be able to lie beyond the estimate (strictly: a difference within the
    // arithmetic of doubles is none) when every number moves within its own rounding.
    const double eps = 1e-12 * std::max({std::abs(est), std::abs(lo), std::abs(hi)});
    if (!(lo < hi) || !(lo - rl < est + re - eps) || !(hi + ru > est - re + eps)) {
      bad(fmt::format("the interval {} to {} does not hold the estimate {} (bounds swapped, or a column of another "
                      "study?)",
                      lo, hi, est));
    }
    std::vector<std::string> remarks;
    if (!(lo < est && est < hi)) {
      remarks.push_back(fmt::format("the estimate {} equals a bound of its interval {} to {} (rounded?)", est, lo, hi));
    }
    // How far from symmetric the interval is on a scale g (log, or the numbers as given), as a
    // share of its width: the distance from 0 of every asymmetry (g(upper) - g(est)) -
    // (g(est) - g(lower)) = g(upper) + g(lower) - 2 g(est) that the three numbers can have, each
    // within its own rounding when `rounded`. That asymmetry grows with either bound and falls
    // with the estimate, so its values over the box of roundings are exactly the interval from
    // (upper, lower, est) = (hi - ru, lo - rl, est + re) to (hi + ru, lo + rl, est - re).
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    auto asymmetry = [&](bool log_scale, bool rounded) {
      if (log_scale && !(lo > 0.0 && est > 0.0)) return kInfinity;
      auto g = [&](double x) { return !log_scale ? x : x > 0.0 ? std::log(x) : -kInfinity; };
      const double de = rounded ? re : 0.0, dl = rounded ? rl : 0.0, du = rounded ? ru : 0.0;
      const double least = g(hi - du) + g(lo - dl) - 2.0 * g(est + de);
      const double most = g(hi + du) + g(lo + dl) - 2.0 * g(est - de);
      const double width = g(hi) - g(lo);
      const double off = least > 0.0 ? least : most < 0.0 ? -most : 0.0;
      // Symmetric within the arithmetic of doubles counts as symmetric.
      return off <= 1e-12 * width ? 0.0 : off / width;
    };
    const double here = asymmetry(options.ratio, true), there = asymmetry(!options.ratio, true);
    const double as_printed = asymmetry(options.ratio, false);
    const char* scale_name = options.ratio ? "log" : "given";
    if (here > 0.30) {
      std::string advice = "check the bounds (a typo, or the interval of another estimate?)";
      if (there < 0.10) {
        advice = options.ratio ? "it is symmetric on the plain scale: if these are not ratios, leave out --ratio"
                               : "it is symmetric on the log scale: if these are ratios (HR, OR, RR), give --ratio";
      }
      bad(fmt::format("the interval {} to {} is not symmetric about {} on the {} scale ({:.0f}% of its width apart, "
                      "beyond the rounding of its digits); {}",
                      lo, hi, est, scale_name, 100.0 * here, advice));
    }
    if (here > 0.10) {
      remarks.push_back(fmt::format("the interval is {:.0f}% of its width from symmetric on the {} scale, beyond the "
                                    "rounding of its digits; its SE is from the interval's width",
                                    100.0 * here, scale_name));
    } else if (as_printed > 0.10) {
      // Accepted (without the note above) only thanks to the rounding: say that the SE is from a
      // symmetric interval of the printed width.
      remarks.push_back(fmt::format("as printed, the interval is {:.0f}% of its width from symmetric on the {} scale, "
                                    "{} the rounding of its digits; its SE is from the interval's width, as if it "
                                    "were symmetric",
                                    100.0 * as_printed, scale_name,
                                    here > 0.0 ? fmt::format("{:.0f}% beyond", 100.0 * here) : std::string("within")));
    }
    if (!remarks.empty() && note != nullptr) {
      std::string text;
      for (const auto& m : remarks) text += (text.empty() ? "" : "; ") + m;
      *note = fmt::format("study '{}': {}", study.label, text);
    }
    const double z = normal_quantile_two_sided(options.reported_level);
    const double half = (ub - lb) / 2.0;
    e.vi = (half / z) * (half / z);
    from("CI");
  } else if (study.p) {
    // Tierney et al. 2007: the SE from the estimate and its two-sided p-value.
    const double p = *study.p;
    if (!(p > 0.0 && p < 1.0)) {
      bad(fmt::format("the p-value is {}, but must be in (0, 1); a p printed as 0.000 or '< 0.001' gives no SE (use "
                      "its CI)",
                      p));
    }
    if (e.yi == 0.0) bad("an estimate of no effect with a p-value gives no SE; give its CI or SE");
    // z_{1 - p/2} from the upper tail, as R's qnorm(p/2, lower.tail = FALSE): 1 - p/2 would lose
    // digits from p = 1e-8 on and round to 1 (an infinite z) below p = 1.1e-16.
    const double tail = p / 2.0;
    if (!(tail >= std::numeric_limits<double>::min())) {
      bad(fmt::format("the p-value is {}, too small for its z to be computed (below {:g}); give its CI or SE", p,
                      2.0 * std::numeric_limits<double>::min()));
    }
    const double z =
        dist::normal_upper_quantile(tail);
    const double se = std::abs(e.yi) / z;
    e.vi = se * se;
    from("p-value");
  } else {
    bad("give a standard error, a variance, both bounds of the interval, a p-value, or the log-rank O - E and V");
  }
  return e;
}

}  // namespace carta
