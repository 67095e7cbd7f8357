#pragma once
// Pooling survival endpoints of single-arm trials under an exponential model per study, as the
// adult CAR-T review did: each study's constant hazard lambda is taken from what it reports
// (individual patient data, events and person-time, S(t) with its CI or with n, the median
// with its CI), ln lambda is pooled with the two-step engine (any tau^2 estimator and test),
// and the pooled hazard is turned back into S(t) and a median. A sensitivity analysis pools
// S(t) directly on the complementary log-log scale, and warnings say when the exponential
// model is doubtful. Formulas: docs/methods/survival.md.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carta/kaplan_meier.hpp"
#include "carta/pool.hpp"

namespace carta {

// What one study reports; absent values are nullopt. Survival values are proportions in (0, 1).
// The scale on which a reported CI of S(t) is symmetric: log(-log S) (carta's default, Stata's
// and many KM programs'), log S (R survfit's default, conf.type = "log"), or S itself ("plain").
enum class SurvivalCiScale { kLogLog, kLog, kPlain };
std::string_view to_string(SurvivalCiScale scale) noexcept;  // "log-log", "log", "plain"
// From "log-log" (or "loglog", "cloglog"), "log", "plain" (or "linear"), any case; nullopt otherwise.
std::optional<SurvivalCiScale> parse_survival_ci_scale(std::string_view text);

struct SurvivalReport {
  std::string label;
  std::optional<double> s;     // S(s_time)
  std::optional<double> s_lb;  // its reported CI
  std::optional<double> s_ub;
  std::optional<double> s_time;  // the time S refers to, in the units of every other time
  std::optional<SurvivalCiScale> s_ci;  // how this study's CI of S was computed (else the default)
  std::optional<double> median;  // median survival time and its reported CI
  std::optional<double> median_lb;
  std::optional<double> median_ub;
  std::optional<double> events;          // number of events (deaths) ...
  std::optional<double> person_time;     // ... over this much total follow-up
  std::optional<std::int64_t> n;         // patients (for the binomial variance of S(t))
  std::vector<SurvivalObservation> ipd;  // individual patient data; empty when none
};

enum class HazardSource {
  kIpd,               // D / T from individual patient data
  kEventsPersonTime,  // D / T as reported
  kSurvivalCi,        // -ln S(t) / t, SE from the CI on the cloglog scale
  kSurvivalN,         // -ln S(t) / t, SE by the delta method with Var S = S (1 - S) / n
  kMedianCi,          // ln 2 / median, SE from the median's CI on the log scale
};
std::string_view to_string(HazardSource source) noexcept;
// For tables and figures: "IPD", "D/T", "S(t), CI", "S(t), n", "median".
std::string_view short_name(HazardSource source) noexcept;

struct StudyHazard {
  std::string label;
  HazardSource source = HazardSource::kSurvivalCi;
  double log_hazard = 0.0;
  double se = 0.0;
  std::string detail;               // the numbers used, e.g. "S(12) = 0.6 (0.45-0.72)"
  std::vector<std::string> unused;  // other quantities the study reports that were not used
  std::vector<std::string> notes;   // corrections and one-sided intervals
};

// Chooses the most informative quantity the study reports (in the order of HazardSource) and
// derives ln lambda and its SE. reported_level is the confidence level of the reported CIs.
// Throws carta::Error (kInvalidInput), naming the study, when nothing usable is reported or a
// value is impossible (S outside (0, 1), a CI that does not contain its estimate, a time <= 0).
// s_ci is the scale of the CIs of S of studies that do not say theirs; a CI far from symmetric on
// its scale gets a note naming the scale on which it is symmetric.
StudyHazard study_hazard(const SurvivalReport& report, double reported_level = 0.95,
                         SurvivalCiScale s_ci = SurvivalCiScale::kLogLog);

struct SurvivalOptions {
  PoolOptions pool;                       // estimator, test, preset, level
  std::vector<double> times{12.0, 24.0};  // report S(t) at these times
  double reported_level = 0.95;           // level of the CIs the studies report
  SurvivalCiScale s_ci = SurvivalCiScale::kLogLog;  // scale of the reported CIs of S (per study: SurvivalReport::s_ci)
};

// A back-transformed quantity with its CI and prediction interval (NaN when not available).
struct SurvivalEstimate {
  double est = 0.0, ci_lb = 0.0, ci_ub = 0.0, pi_lb = 0.0, pi_ub = 0.0;
};

struct SurvivalAtTime {
  double time = 0.0;
  SurvivalEstimate random;  // S(t) = exp(-lambda t) from the random-effects mean hazard
  SurvivalEstimate common;
};

// Sensitivity analysis: S(t) pooled directly on the cloglog scale over the studies that report
// S at exactly this time (no exponential assumption, no extrapolation).
struct DirectSurvivalPool {
  double time = 0.0;
  std::vector<std::string> labels;
  std::optional<PoolResult> pool;  // on ln(-ln S); absent when no study reports S at this time
  SurvivalEstimate random;         // back-transformed to S (bounds swap)
  SurvivalEstimate common;
};

struct SurvivalPoolResult {
  SurvivalOptions options;
  std::vector<StudyHazard> studies;
  PoolResult log_hazard;           // ln lambda pooled by the two-step engine
  SurvivalEstimate hazard_random;  // exp of the random-effects results
  SurvivalEstimate hazard_common;
  SurvivalEstimate median_random;  // ln 2 / lambda (bounds swap)
  SurvivalEstimate median_common;
  std::vector<SurvivalAtTime> survival;
  std::vector<DirectSurvivalPool> direct;
  std::vector<std::string> warnings;  // doubts about the exponential model
};

// The pooled log hazards seen as survival at `time`, for figures and tables built for
// proportions: each study's prop = exp(-lambda_i t) with its Wald CI, and the common and random
// prop fields (with the prediction interval) = S(t); all bounds swapped as S decreases in lambda.
PoolResult survival_at(const SurvivalPoolResult& result, double time);

// Throws carta::Error as study_hazard and pool_effects do, and (kInvalidOption) for a time <= 0.
SurvivalPoolResult pool_survival(std::span<const SurvivalReport> reports, const SurvivalOptions& options);

}  // namespace carta
