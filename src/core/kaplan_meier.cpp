#include "carta/kaplan_meier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "math/numbers.hpp"

namespace carta {

namespace {
using detail::kNaN;
}

std::string_view to_string(KmIntervalType type) noexcept {
  switch (type) {
    case KmIntervalType::kLog:
      return "log";
    case KmIntervalType::kLogLog:
      return "log-log";
    case KmIntervalType::kPlain:
      return "plain";
  }
  return "?";
}

std::optional<KmIntervalType> parse_km_interval(std::string_view text) noexcept {
  if (text == "log") return KmIntervalType::kLog;
  if (text == "log-log" || text == "loglog") return KmIntervalType::kLogLog;
  if (text == "plain") return KmIntervalType::kPlain;
  return std::nullopt;
}

KaplanMeier kaplan_meier(std::span<const SurvivalObservation> data, double level, KmIntervalType interval) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("kaplan_meier: level is {}, but must be in (0, 1)", level));
  }
  if (data.empty()) throw Error(ErrorCategory::kInvalidInput, "kaplan_meier: no observations");
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (!std::isfinite(data[i].time) || data[i].time < 0.0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("kaplan_meier: observation {} has time {}; times must be finite and >= 0",
                              i + 1, data[i].time));
    }
  }
  std::vector<SurvivalObservation> sorted(data.begin(), data.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const SurvivalObservation& a, const SurvivalObservation& b) { return a.time < b.time; });

  KaplanMeier km;
  km.n = static_cast<std::int64_t>(sorted.size());
  km.level = level;
  km.interval = interval;
  const double z =
      dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
  std::int64_t at_risk = km.n;
  double survival = 1.0;
  double greenwood = 0.0;  // sum d / (n (n - d)): the variance of log S
  for (std::size_t i = 0; i < sorted.size();) {
    KmStep step;
    step.time = sorted[i].time;
    step.n_risk = at_risk;
    std::size_t j = i;
    while (j < sorted.size() && sorted[j].time == step.time) {
      (sorted[j].event ? step.events : step.censored) += 1;
      ++j;
    }
    const auto n = static_cast<double>(at_risk);
    const auto d = static_cast<double>(step.events);
    survival *= 1.0 - d / n;
    // Once every patient at risk has the event, S = 0 and Greenwood's sum is infinite; survfit
    // reports the standard error as NaN there, and so do we.
    greenwood = (d < n) ? greenwood + d / (n * (n - d)) : std::numeric_limits<double>::infinity();
    step.survival = survival;
    step.se_log = std::sqrt(greenwood);
    step.se = survival > 0.0 ? survival * step.se_log : kNaN;
    if (!(survival > 0.0)) step.se_log = kNaN;
    switch (interval) {
      case KmIntervalType::kLog:
        step.ci_lb = survival > 0.0 ? survival * std::exp(-z * step.se_log) : kNaN;
        step.ci_ub = survival > 0.0 ? std::min(1.0, survival * std::exp(z * step.se_log)) : kNaN;
        break;
      case KmIntervalType::kLogLog:
        if (survival > 0.0 && survival < 1.0) {
          const double c = std::log(-std::log(survival));
          const double half = z * step.se_log / std::abs(std::log(survival));
          step.ci_lb = std::exp(-std::exp(c + half));
          step.ci_ub = std::exp(-std::exp(c - half));
        } else {
          step.ci_lb = step.ci_ub = kNaN;
        }
        break;
      case KmIntervalType::kPlain:
        step.ci_lb = survival > 0.0 ? std::max(0.0, survival - z * step.se) : kNaN;
        step.ci_ub = survival > 0.0 ? std::min(1.0, survival + z * step.se) : kNaN;
        break;
    }
    if (survival == 1.0) {  // no event yet: the curve and its interval are exactly 1
      step.ci_lb = step.ci_ub = 1.0;
      step.se = step.se_log = 0.0;
    }
    km.events += step.events;
    at_risk -= step.events + step.censored;
    km.steps.push_back(step);
    i = j;
  }
  return km;
}

KmStep KaplanMeier::at(double time) const {
  KmStep result;
  result.time = time;
  if (steps.empty() || time > steps.back().time) {
    result.survival = result.ci_lb = result.ci_ub = result.se = result.se_log = kNaN;
    return result;
  }
  result.n_risk = n;
  for (const auto& s : steps) {
    if (s.time > time) break;
    result = s;
  }
  result.time = time;
  return result;
}

namespace {

// First time a curve is <= 0.5, with survfit's rule for a curve that sits exactly at 0.5: the
// midpoint between the time it reaches 0.5 and the time it next drops. NaN when it never does.
template <typename Value>
double first_at_or_below_half(const std::vector<KmStep>& steps, Value value) {
  constexpr double kTolerance = 1.4901161193847656e-08;  // sqrt(machine epsilon), as survfit
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const double v = value(steps[i]);
    if (std::isnan(v)) continue;
    if (std::abs(v - 0.5) < kTolerance) {
      for (std::size_t j = i + 1; j < steps.size(); ++j) {
        const double w = value(steps[j]);
        if (!std::isnan(w) && w < v - kTolerance) return 0.5 * (steps[i].time + steps[j].time);
      }
      return steps[i].time;
    }
    if (v < 0.5) return steps[i].time;
  }
  return kNaN;
}

}  // namespace

KmMedian KaplanMeier::median() const {
  KmMedian m;
  m.est = first_at_or_below_half(steps, [](const KmStep& s) { return s.survival; });
  m.ci_lb = first_at_or_below_half(steps, [](const KmStep& s) { return s.ci_lb; });
  m.ci_ub = first_at_or_below_half(steps, [](const KmStep& s) { return s.ci_ub; });
  return m;
}

std::vector<CurvePoint> step_corners(const KaplanMeier& km) {
  std::vector<CurvePoint> out{{0.0, 1.0}};
  double previous = 1.0;
  for (const auto& s : km.steps) {
    if (s.events == 0) continue;
    out.push_back({s.time, previous});
    out.push_back({s.time, s.survival});
    previous = s.survival;
  }
  if (!km.steps.empty() && km.steps.back().time > out.back().time)
    out.push_back({km.steps.back().time, previous});
  return out;
}

}  // namespace carta
