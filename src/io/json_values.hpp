#pragma once
// JSON renderings shared by the writers: NaN and infinities become null, iteration reports
// become objects.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

#include "carta/iteration.hpp"
#include "carta/tau2.hpp"

namespace carta::io::detail {

// A number in a CSV table: the shortest text that reads back to the same double; empty when not finite.
inline std::string csv_number(double x) { return std::isfinite(x) ? fmt::format("{}", x) : std::string(); }

inline nlohmann::json number(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

inline nlohmann::json report_json(const IterationReport& r) {
  return {{"iterative", r.iterative},
          {"converged", r.converged},
          {"iterations", r.iterations},
          {"last_change", number(r.last_change)},
          {"message", r.message}};
}

// {"ML": {"loglik", "deviance", "AIC", "BIC", "AICc"}, "REML": {...}}, as metafor's fit.stats.
inline nlohmann::json fit_statistics_json(const FitStatistics& f) {
  auto one = [](const FitStatistics::Criteria& c) {
    return nlohmann::json{{"loglik", number(c.loglik)}, {"deviance", number(c.deviance)}, {"AIC", number(c.aic)},
                          {"BIC", number(c.bic)},       {"AICc", number(c.aicc)}};
  };
  return {{"ML", one(f.ml)}, {"REML", one(f.reml)}};
}

}  // namespace carta::io::detail
