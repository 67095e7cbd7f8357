#include "carta/names.hpp"
#include "carta/pool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "pool_rows.hpp"
#include "math/numbers.hpp"

namespace carta {

std::string_view to_string(TestType test) noexcept {
  switch (test) {
    case TestType::kZ: return "z";
    case TestType::kKnha: return "knha";
    case TestType::kT: return "t";
  }
  return "?";
}

std::optional<TestType> parse_test(std::string_view text) noexcept {
  if (is_one_of(text, {"z"})) return TestType::kZ;
  if (is_one_of(text, {"knha", "hk", "hksj", "hakn"})) return TestType::kKnha;  // metafor "knha", meta "hakn"
  if (is_one_of(text, {"t"})) return TestType::kT;
  return std::nullopt;
}

std::optional<std::string> canonical_method_name(std::string_view text) {
  if (const auto m = parse_tau2_method(text)) return std::string(to_string(*m));
  if (is_one_of(text, {"GLMM"})) return "GLMM";
  if (is_one_of(text, {"BB", "beta-binomial"})) return "BB";
  return std::nullopt;
}

std::string_view to_string(Preset preset) noexcept {
  switch (preset) {
    case Preset::kCarta: return "carta";
    case Preset::kMetafor: return "metafor";
    case Preset::kMeta: return "meta";
  }
  return "?";
}

std::optional<Preset> parse_preset(std::string_view text) noexcept {
  if (is_one_of(text, {"carta"})) return Preset::kCarta;
  if (is_one_of(text, {"metafor"})) return Preset::kMetafor;
  if (is_one_of(text, {"meta"})) return Preset::kMeta;
  return std::nullopt;
}

Conventions conventions_for(Preset preset) noexcept {
  switch (preset) {
    case Preset::kCarta:
      return {ZeroCellRule::kMetafor, I2Definition::kTau2Based, PredictionQuantile::kTkMinus1,
              StudyCiMethod::kClopperPearson};
    case Preset::kMetafor:
      return {ZeroCellRule::kMetafor, I2Definition::kTau2Based, PredictionQuantile::kSameAsTest,
              StudyCiMethod::kWald};
    case Preset::kMeta:
      return {ZeroCellRule::kMeta, I2Definition::kQBased, PredictionQuantile::kTkMinus1,
              StudyCiMethod::kClopperPearson, Tau2CiMethod::kGeneralisedQForDL, true, true};
  }
  return {};
}

namespace {

using detail::kNaN;

template <typename Study>
void require_unique_labels(std::span<const Study> studies, std::string_view caller) {
  std::set<std::string_view> seen;
  for (const auto& s : studies) {
    if (!seen.insert(s.label).second) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: study label '{}' appears more than once", caller, s.label));
    }
  }
}

// A statistic of 0/0 (a zero standard error with an estimate of exactly 0, as when every study
// is identical at 0 on the measure's scale under Hartung-Knapp) has no p-value: NaN, as metafor.
double two_sided_p_normal(double z) {
  if (std::isnan(z)) return kNaN;
  return 2.0 * dist::normal_upper(std::abs(z));
}

double two_sided_p_t(double t, double df) {
  if (std::isnan(t)) return kNaN;
  return 2.0 * dist::t_upper(std::abs(t), df);
}

void validate(std::span<const ProportionStudy> studies, const PoolOptions& options) {
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("pool_proportions: level is {}, but must be in (0, 1), e.g. 0.95",
                            options.level));
  }
  if (!(options.continuity >= 0.0) || !std::isfinite(options.continuity)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("pool_proportions: continuity correction is {}, but must be >= 0",
                            options.continuity));
  }
  if (studies.empty()) {
    throw Error(ErrorCategory::kInvalidInput, "pool_proportions: no studies to pool (k = 0)");
  }
  require_unique_labels(studies, "pool_proportions");
  require_valid_counts(studies, "pool_proportions");
}

std::string join_labels(const std::vector<std::string>& labels) {
  std::string out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i];
  }
  return out;
}

// Heterogeneity statistics with Higgins & Thompson (2002) test-based intervals for H (R meta).

// The two-step model on the measure's scale: common effect, heterogeneity with tau^2 and its
// Q-profile interval, random effects with the chosen test, prediction interval and weights.
// r.k, r.options, r.conventions and r.studies (one per row of y) are set by the caller.
void pool_on_measure_scale(PoolResult& r, const Eigen::VectorXd& y, const Eigen::VectorXd& v) {
  const PoolOptions& options = r.options;
  // The tau^2 interval asked for, else the preset's.
  if (options.tau2_ci) r.conventions.tau2_ci = *options.tau2_ci;
  const auto k = y.size();
  const auto kd = static_cast<double>(k);
  const double alpha = 1.0 - options.level;
  const double z_crit = dist::normal_quantile(1.0 - alpha / 2.0);

  // Common effect (inverse variance). Hartung-Knapp is a random-effects adjustment, so the
  // common-effect model always uses the normal quantile.
  const Eigen::VectorXd w = v.cwiseInverse();
  const double sum_w = w.sum();
  auto& ce = r.common;
  ce.est = w.dot(y) / sum_w;
  ce.se = std::sqrt(1.0 / sum_w);
  ce.ci_lb = ce.est - z_crit * ce.se;
  ce.ci_ub = ce.est + z_crit * ce.se;
  ce.z = ce.est / ce.se;
  ce.p = two_sided_p_normal(ce.z);

  // Heterogeneity and tau^2.
  auto& het = r.heterogeneity;
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(k, 1);
  het.Q_df = kd - 1.0;
  if (k == 1) {
    het.Q = 0.0;
    het.Q_p = kNaN;
    het.tau2 = options.fixed_tau2.value_or(0.0);
    het.tau2_se = kNaN;
    het.tau2_ci_lb = het.tau2_ci_ub = kNaN;
    het.I2 = 0.0;
    het.H2 = 1.0;
    het.I2_ci_lb = het.I2_ci_ub = het.H2_ci_lb = het.H2_ci_ub = kNaN;
    het.typical_variance = kNaN;
    r.convergence.tau2.message = "k = 1: tau2 is not estimable and set to 0";
    r.convergence.tau2_ci_lb.message = r.convergence.tau2_ci_ub.message = "k = 1: no interval";
    r.notes.push_back(
        "k = 1: heterogeneity cannot be estimated; tau2 = 0, so the random-effects result equals "
        "the common-effect result; Q, its p-value and the heterogeneity intervals are not "
        "available");
  } else {
    het.Q = (w.array() * (y.array() - ce.est).square()).sum();
    het.Q_p = dist::chi2_upper(het.Q, het.Q_df);
    Tau2Estimate t2;
    if (options.fixed_tau2) {
      if (!(*options.fixed_tau2 >= 0.0) || !std::isfinite(*options.fixed_tau2)) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("pool: fixed tau2 is {}, but must be >= 0", *options.fixed_tau2));
      }
      t2.tau2 = *options.fixed_tau2;
      t2.se = kNaN;
      t2.report.message = "tau2 fixed (not estimated from these studies)";
    } else {
      t2 = estimate_tau2(y, v, x, options.method, options.control);
    }
    het.tau2 = t2.tau2;
    het.tau2_se = t2.se;
    r.convergence.tau2 = t2.report;
    if (!t2.report.converged) {
      r.notes.push_back(fmt::format("tau2 estimator {} did not converge: {}",
                                    to_string(options.method), t2.report.message));
    }
    Tau2Interval ci;
    if ((r.conventions.tau2_ci == Tau2CiMethod::kProfileLikelihood || r.conventions.tau2_ci == Tau2CiMethod::kWald) &&
        options.fixed_tau2) {
      // A tau^2 given, not estimated (a common tau^2 across subgroups): neither the likelihood's
      // maximum nor the estimator's SE belongs to these studies.
      het.tau2_ci_method = r.conventions.tau2_ci == Tau2CiMethod::kWald ? "Wald" : "profile likelihood";
      ci.lb = ci.ub = kNaN;
      ci.lb_report.message = ci.ub_report.message = "tau2 fixed: no interval";
      r.notes.push_back(fmt::format("tau2 is fixed, not estimated from these studies: no {} interval for it", het.tau2_ci_method));
    } else if (r.conventions.tau2_ci == Tau2CiMethod::kProfileLikelihood) {
      het.tau2_ci_method = "profile likelihood";
      ci = profile_likelihood_interval(y, v, x, het.tau2, options.method == Tau2Method::kREML, options.level, options.control);
      ci.lb_report.iterative = ci.ub_report.iterative = true;
    } else if (r.conventions.tau2_ci == Tau2CiMethod::kWald) {
      het.tau2_ci_method = "Wald";
      ci = wald_tau2_interval(het.tau2, het.tau2_se, options.level);
    } else if (r.conventions.tau2_ci == Tau2CiMethod::kGeneralisedQForDL && options.method == Tau2Method::kDL &&
        !options.fixed_tau2) {
      // R meta under DL: Jackson's interval, with weights 1/se (method.tau.ci = "J").
      het.tau2_ci_method = "generalised Q (Jackson 2013)";
      try {
        ci = generalised_q_interval(y, v, x, v.cwiseSqrt().cwiseInverse(), options.level, options.control);
      } catch (const Error& e) {
        if (e.category() != ErrorCategory::kNumerical) throw;
        ci.lb = ci.ub = kNaN;
        ci.lb_report.iterative = ci.ub_report.iterative = true;
        ci.lb_report.converged = ci.ub_report.converged = false;
        ci.lb_report.message = ci.ub_report.message = e.what();
      }
    } else {
      ci = q_profile_interval(y, v, x, options.level, options.control);
    }
    het.tau2_ci_lb = ci.lb;
    het.tau2_ci_ub = ci.ub;
    r.convergence.tau2_ci_lb = ci.lb_report;
    r.convergence.tau2_ci_ub = ci.ub_report;
    if (!ci.lb_report.converged || !ci.ub_report.converged) {
      r.notes.push_back(fmt::format("{} interval for tau2 did not converge: {} / {}", het.tau2_ci_method,
                                    ci.lb_report.message, ci.ub_report.message));
    }
    het.typical_variance = detail::typical_within_variance(v);
    const double s2 = het.typical_variance;
    if (r.conventions.i2 == I2Definition::kTau2Based) {
      het.I2 = 100.0 * het.tau2 / (s2 + het.tau2);
      het.H2 = het.tau2 / s2 + 1.0;
      het.I2_ci_lb = 100.0 * het.tau2_ci_lb / (s2 + het.tau2_ci_lb);
      het.I2_ci_ub = 100.0 * het.tau2_ci_ub / (s2 + het.tau2_ci_ub);
      het.H2_ci_lb = het.tau2_ci_lb / s2 + 1.0;
      het.H2_ci_ub = het.tau2_ci_ub / s2 + 1.0;
    } else {
      detail::q_based_i2(het, kd, options.level);
      if (k == 2) {
        r.notes.push_back("k = 2: the Higgins-Thompson interval for I2 and H2 is not defined when "
                          "Q <= k");
      }
    }
  }
  het.tau = std::sqrt(het.tau2);
  het.tau_ci_lb = std::sqrt(het.tau2_ci_lb);
  het.tau_ci_ub = std::sqrt(het.tau2_ci_ub);
  r.fit_statistics = fit_statistics(y, v, x, het.tau2, !options.fixed_tau2);

  // Random effects.
  auto& re = r.random;
  const Eigen::VectorXd w_re = (v.array() + het.tau2).inverse().matrix();
  const double sum_w_re = w_re.sum();
  re.est = w_re.dot(y) / sum_w_re;
  const double se_classic = std::sqrt(1.0 / sum_w_re);
  double crit = z_crit;
  // k = 1: t-based tests have no degrees of freedom; the z test is used, as metafor does, and a
  // note says so.
  const bool use_knha = options.test == TestType::kKnha && k >= 2;
  const bool use_t = options.test == TestType::kT && k >= 2;
  if (options.test != TestType::kZ && k < 2) {
    r.notes.push_back(fmt::format("k = 1: the {} test needs at least 2 studies; the z test is used for the "
                                  "random-effects CI and p-value (as metafor)",
                                  options.test == TestType::kKnha ? "Hartung-Knapp" : "t"));
  }
  if (use_t) {
    re.se = se_classic;
    re.knha_scale = 1.0;
    re.df = kd - 1.0;
    crit = dist::t_quantile(1.0 - alpha / 2.0, re.df);
    re.stat = re.est / re.se;
    re.p = two_sided_p_t(re.stat, re.df);
  } else if (!use_knha) {
    re.se = se_classic;
    re.knha_scale = 1.0;
    re.df = kNaN;
    re.stat = re.est / re.se;
    re.p = two_sided_p_normal(re.stat);
  } else {
    re.df = kd - 1.0;
    const double rss = (w_re.array() * (y.array() - re.est).square()).sum();
    // metafor: a residual sum of squares at machine zero makes the scale 0 (all estimates equal).
    re.knha_scale = rss <= std::numeric_limits<double>::epsilon() ? 0.0 : rss / re.df;
    re.se = std::sqrt(re.knha_scale) * se_classic;
    crit = dist::t_quantile(1.0 - alpha / 2.0, re.df);
    re.stat = re.est / re.se;
    re.p = two_sided_p_t(re.stat, re.df);
    if (re.knha_scale == 0.0) {
      r.notes.push_back("Hartung-Knapp scale factor is 0 (all study estimates equal): the "
                        "random-effects CI has zero width, as in metafor");
      if (re.est == 0.0) {
        r.notes.push_back("the estimate is 0 with a standard error of 0: the test statistic and its p-value are "
                          "not defined (NaN, as in metafor)");
      }
    }
  }
  re.ci_lb = re.est - crit * re.se;
  re.ci_ub = re.est + crit * re.se;

  // Prediction interval for the true effect in a new study.
  double pi_crit = kNaN;
  double pi_se = kNaN;
  if (r.conventions.prediction == PredictionQuantile::kSameAsTest) {
    pi_se = re.se;
    re.pi_df = (use_knha || use_t) ? re.df : kNaN;
    pi_crit = crit;
  } else {
    pi_se = se_classic;
    re.pi_df = kd - 1.0;
    pi_crit = k >= 2 ? dist::t_quantile(1.0 - alpha / 2.0, re.pi_df) : kNaN;
  }
  if (k == 1 && std::isnan(pi_crit)) {
    r.notes.push_back("k = 1: the prediction interval needs at least 2 studies and is not available");
  }
  re.pi_lb = re.est - pi_crit * std::sqrt(pi_se * pi_se + het.tau2);
  re.pi_ub = re.est + pi_crit * std::sqrt(pi_se * pi_se + het.tau2);

  // Weights in percent.
  for (Eigen::Index i = 0; i < k; ++i) {
    auto& sr = r.studies[static_cast<std::size_t>(i)];
    sr.weight_common = 100.0 * w[i] / sum_w;
    sr.weight_random = 100.0 * w_re[i] / sum_w_re;
  }
}

}  // namespace

namespace detail {

void q_based_i2(Heterogeneity& h, double k, double level) {
  const double df = k - 1.0;
  const double q = h.Q;
  const double big_h = std::max(1.0, std::sqrt(q / df));
  double se_log_h = kNaN;
  if (q > k) {
    se_log_h = 0.5 * (std::log(q) - std::log(df)) / (std::sqrt(2.0 * q) - std::sqrt(2.0 * k - 3.0));
  } else if (k > 2.0) {
    se_log_h = std::sqrt(1.0 / (2.0 * (k - 2.0)) * (1.0 - 1.0 / (3.0 * (k - 2.0) * (k - 2.0))));
  }
  const double z = dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
  const double h_lb = std::max(1.0, std::exp(std::log(big_h) - z * se_log_h));
  const double h_ub = std::max(1.0, std::exp(std::log(big_h) + z * se_log_h));
  auto i2_of = [](double hh) { return 100.0 * (hh * hh - 1.0) / (hh * hh); };
  h.H2 = big_h * big_h;
  h.H2_ci_lb = h_lb * h_lb;
  h.H2_ci_ub = h_ub * h_ub;
  h.I2 = i2_of(big_h);
  h.I2_ci_lb = i2_of(h_lb);
  h.I2_ci_ub = i2_of(h_ub);
}

double typical_within_variance(const Eigen::VectorXd& v) {
  const Eigen::VectorXd w = v.cwiseInverse();
  const double sum_w = w.sum();
  return static_cast<double>(v.size() - 1) / (sum_w - w.squaredNorm() / sum_w);
}

PoolResult proportion_study_rows(std::span<const ProportionStudy> studies, const PoolOptions& options,
                                 Eigen::VectorXd& y, Eigen::VectorXd& v) {
  validate(studies, options);
  PoolResult r;
  r.k = studies.size();
  r.options = options;
  r.conventions = conventions_for(options.preset);
  r.study_ci = options.study_ci.value_or(r.conventions.study_ci);
  const Measure measure = options.measure;
  const auto k = static_cast<Eigen::Index>(studies.size());
  const double z_crit = dist::normal_quantile(1.0 - (1.0 - options.level) / 2.0);

  std::vector<std::int64_t> sizes;
  sizes.reserve(studies.size());
  for (const auto& s : studies) sizes.push_back(s.n);
  r.n_harmonic = harmonic_mean(sizes);

  // Study effect sizes.
  y.resize(k);
  v.resize(k);
  std::vector<std::string> corrected;
  r.studies.reserve(studies.size());
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& s = studies[static_cast<std::size_t>(i)];
    EffectSize es;
    try {
      es = proportion_effect(s.events, s.n, measure, r.conventions.zero_cells, options.continuity);
    } catch (const Error& e) {
      throw Error(e.category(), fmt::format("study '{}': {}", s.label, e.what()));
    }
    y[i] = es.yi;
    v[i] = es.vi;
    StudyResult sr;
    sr.label = s.label;
    sr.events = s.events;
    sr.n = s.n;
    sr.yi = es.yi;
    sr.vi = es.vi;
    sr.corrected = es.corrected;
    sr.prop = static_cast<double>(s.events) / static_cast<double>(s.n);
    if (!options.study_intervals) {
      sr.ci_lb = sr.ci_ub = std::numeric_limits<double>::quiet_NaN();
    } else if (r.study_ci == StudyCiMethod::kWald) {
      // metafor: yi +/- z sqrt(vi) on the measure's scale, then back-transformed. For PFT the
      // study's own n is used in Miller's inverse.
      const double half = z_crit * std::sqrt(es.vi);
      const double n_back = static_cast<double>(s.n);
      sr.ci_lb = to_proportion(measure, es.yi - half, n_back);
      sr.ci_ub = to_proportion(measure, es.yi + half, n_back);
    } else {
      const auto ci = binomial_ci(s.events, s.n, options.level, r.study_ci);
      sr.ci_lb = ci.lb;
      sr.ci_ub = ci.ub;
    }
    if (es.corrected) corrected.push_back(s.label);
    r.studies.push_back(std::move(sr));
  }
  if (!corrected.empty()) {
    const char* scale = measure == Measure::kPLO   ? "logit"
                        : measure == Measure::kPLN ? "log"
                        : measure == Measure::kPR  ? "proportion"
                                                   : "arcsine";
    r.notes.push_back(fmt::format(
        "{} added to events and non-events of {} stud{} with 0 or all events ({}) before the {} transformation "
        "(as {} does)",
        options.continuity, corrected.size(), corrected.size() == 1 ? "y" : "ies", join_labels(corrected), scale,
        r.conventions.zero_cells == ZeroCellRule::kMetafor ? "metafor" : "R meta"));
  }

  return r;
}

}  // namespace detail

PoolResult pool_proportions(std::span<const ProportionStudy> studies, const PoolOptions& options) {
  Eigen::VectorXd y, v;
  PoolResult r = detail::proportion_study_rows(studies, options, y, v);
  const Measure measure = options.measure;
  auto back = [&](double value) { return to_proportion(measure, value, r.n_harmonic); };

  pool_on_measure_scale(r, y, v);
  auto& ce = r.common;
  auto& re = r.random;
  ce.prop = back(ce.est);
  ce.prop_ci_lb = back(ce.ci_lb);
  ce.prop_ci_ub = back(ce.ci_ub);
  re.prop = back(re.est);
  re.prop_ci_lb = back(re.ci_lb);
  re.prop_ci_ub = back(re.ci_ub);
  re.prop_pi_lb = back(re.pi_lb);
  re.prop_pi_ub = back(re.pi_ub);

  // Notes on back-transformation.
  if (measure == Measure::kPFT) {
    r.notes.push_back(fmt::format(
        "PFT estimates are back-transformed with Miller's (1978) inverse at the harmonic mean "
        "n = {:.4g}; the Freeman-Tukey transformation is discouraged for pooling proportions "
        "(Schwarzer et al. 2019): back-transformed results can be misleading, prefer PLO or a GLMM",
        r.n_harmonic));
  }
  if (measure == Measure::kPR || measure == Measure::kPLN) {
    double* values[] = {&ce.prop, &ce.prop_ci_lb, &ce.prop_ci_ub, &re.prop,     &re.prop_ci_lb,
                        &re.prop_ci_ub, &re.prop_pi_lb, &re.prop_pi_ub};
    if (std::any_of(std::begin(values), std::end(values), [](const double* p) { return *p < 0.0 || *p > 1.0; })) {
      if (r.conventions.clamp_proportions) {
        for (double* p : values) *p = std::clamp(*p, 0.0, 1.0);
        r.notes.push_back(fmt::format(
            "some back-transformed values of the pooled estimates lay outside [0, 1] ({} is not range-preserving): the "
            "pooled proportions and their CI and PI bounds are clamped to [0, 1], as R meta prints them",
            to_string(measure)));
      } else {
        r.notes.push_back(fmt::format(
            "some back-transformed bounds lie outside [0, 1] ({} is not range-preserving); they are "
            "reported unclamped",
            to_string(measure)));
      }
    }
  }
  return r;
}

PoolResult pool_effects(std::span<const EffectStudy> studies, const PoolOptions& options) {
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("pool_effects: level is {}, but must be in (0, 1), e.g. 0.95", options.level));
  }
  if (studies.empty()) throw Error(ErrorCategory::kInvalidInput, "pool_effects: no studies to pool (k = 0)");
  require_unique_labels(studies, "pool_effects");
  for (const auto& s : studies) {
    if (!std::isfinite(s.yi) || !std::isfinite(s.vi) || !(s.vi > 0.0)) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("pool_effects: study '{}' has effect {} with variance {}; the effect must be "
                              "finite and the variance finite and > 0",
                              s.label, s.yi, s.vi));
    }
  }
  PoolResult r;
  r.k = studies.size();
  r.options = options;
  r.conventions = conventions_for(options.preset);
  r.study_ci = StudyCiMethod::kWald;
  r.n_harmonic = kNaN;
  const auto k = static_cast<Eigen::Index>(studies.size());
  const double z_crit = dist::normal_quantile(1.0 - (1.0 - options.level) / 2.0);
  Eigen::VectorXd y(k);
  Eigen::VectorXd v(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& s = studies[static_cast<std::size_t>(i)];
    y[i] = s.yi;
    v[i] = s.vi;
    StudyResult sr;
    sr.label = s.label;
    sr.yi = s.yi;
    sr.vi = s.vi;
    sr.prop = kNaN;
    sr.ci_lb = s.yi - z_crit * std::sqrt(s.vi);
    sr.ci_ub = s.yi + z_crit * std::sqrt(s.vi);
    r.studies.push_back(std::move(sr));
  }
  pool_on_measure_scale(r, y, v);
  for (double* p : {&r.common.prop, &r.common.prop_ci_lb, &r.common.prop_ci_ub, &r.random.prop, &r.random.prop_ci_lb,
                    &r.random.prop_ci_ub, &r.random.prop_pi_lb, &r.random.prop_pi_ub}) {
    *p = kNaN;
  }
  return r;
}

std::optional<Tau2CiMethod> parse_tau2_ci(std::string_view text) noexcept {
  if (text == "qp" || text == "q-profile") return Tau2CiMethod::kQProfile;
  if (text == "pl" || text == "profile-likelihood") return Tau2CiMethod::kProfileLikelihood;
  if (text == "wald") return Tau2CiMethod::kWald;
  return std::nullopt;
}

std::string describe_conventions(const PoolResult& result) {
  const auto& c = result.conventions;
  return fmt::format(
      "preset {}: zero cells {}, I2 {}, prediction interval {}, study CIs {}, tau2 CI {}, PR/PLN proportions {}, level {}",
      to_string(result.options.preset),
      c.zero_cells == ZeroCellRule::kMetafor ? "as metafor escalc (add 1/2 only to 0/n studies; none for PAS/PFT)"
                                             : "as R meta metaprop (incr 0.5 only to 0/n studies; none for PAS/PFT)",
      c.i2 == I2Definition::kTau2Based ? "from tau2 (metafor)" : "from Q (Higgins-Thompson, R meta)",
      c.prediction == PredictionQuantile::kSameAsTest ? "with the test's quantile (metafor)"
                                                      : "with t(k-1) (Veroniki 2019, R meta)",
      to_string(result.study_ci),
      c.tau2_ci == Tau2CiMethod::kQProfile            ? "Q-profile (metafor)"
      : c.tau2_ci == Tau2CiMethod::kProfileLikelihood ? "profile likelihood (metafor type = \"PL\")"
      : c.tau2_ci == Tau2CiMethod::kWald              ? "Wald, truncated at 0 (metafor type = \"Wald\")"
                                                      : "Q-profile, under DL generalised Q with weights 1/se (Jackson 2013, R meta)",
      c.clamp_proportions ? "clamped to [0, 1] (R meta)" : "unclamped (metafor)", result.options.level);
}

}  // namespace carta
