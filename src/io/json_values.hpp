#pragma once
// JSON renderings shared by the writers: NaN and infinities become null, iteration reports
// become objects.
#include <nlohmann/json.hpp>

#include <cmath>

#include "carta/iteration.hpp"
#include "carta/tau2.hpp"

namespace carta::io::detail {

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
