#pragma once
// Kaplan-Meier estimate of a survival curve from individual patient data, with Greenwood
// standard errors, pointwise confidence intervals and the median with its interval, as R's
// survival::survfit (conf.type "log" by default). Formulas: docs/methods/survival.md.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace carta {

// One patient: follow-up time and whether it ended with the event (death, relapse, ...) or
// with censoring.
struct SurvivalObservation {
  double time = 0.0;
  bool event = false;
};

// A point of a survival curve (digitised from a figure, or a corner of a step function).
struct CurvePoint {
  double time = 0.0;
  double survival = 0.0;  // a proportion (digitised input may be percent; see prepare_curve)
};

enum class KmIntervalType {
  kLog,     // S exp(+-z se(log S)): survfit's default
  kLogLog,  // symmetric on log(-log S)
  kPlain,   // S +- z se(S), clipped to [0, 1]
};
std::string_view to_string(KmIntervalType type) noexcept;
std::optional<KmIntervalType> parse_km_interval(std::string_view text) noexcept;

// The curve at one distinct observed time (event or censoring), as a row of summary(survfit).
struct KmStep {
  double time = 0.0;
  std::int64_t n_risk = 0;
  std::int64_t events = 0;
  std::int64_t censored = 0;
  double survival = 1.0;
  double se_log = 0.0;  // Greenwood standard error of log S (survfit's std.err)
  double se = 0.0;      // Greenwood standard error of S
  double ci_lb = 1.0;   // NaN where the interval is undefined (S = 0, or S = 1 for log-log)
  double ci_ub = 1.0;
};

struct KmMedian {
  double est;  // NaN when the curve does not fall to 0.5 ("not reached")
  double ci_lb;
  double ci_ub;  // NaN when the upper confidence curve does not fall to 0.5
};

struct KaplanMeier {
  std::int64_t n = 0;
  std::int64_t events = 0;
  double level = 0.95;
  KmIntervalType interval = KmIntervalType::kLog;
  std::vector<KmStep> steps;  // one per distinct time, increasing

  // S(t) and its interval, right-continuous: the last step at or before t (1 before the first).
  // Beyond the last observed time the value is NaN (the curve is not defined there).
  [[nodiscard]] KmStep at(double time) const;
  // Median survival as survfit: the first time S <= 0.5, or the midpoint between that time and
  // the next step when S is exactly 0.5 over an interval; the interval from the confidence curves.
  [[nodiscard]] KmMedian median() const;
};

// Throws carta::Error (kInvalidInput) for no observations or a negative or non-finite time, and
// (kInvalidOption) for a level outside (0, 1).
KaplanMeier kaplan_meier(std::span<const SurvivalObservation> data, double level = 0.95,
                         KmIntervalType interval = KmIntervalType::kLog);

// The corners of the step function, as a digitiser would click them: (0, 1), then at each time
// with events the survival just before and just after the drop, and the last time observed.
// Used to draw curves and to test reconstruction from digitised curves.
std::vector<CurvePoint> step_corners(const KaplanMeier& km);

}  // namespace carta
