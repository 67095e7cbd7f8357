#pragma once
// JSON renderings shared by the writers: NaN and infinities become null, iteration reports
// become objects.
#include <nlohmann/json.hpp>

#include <cmath>

#include "carta/iteration.hpp"

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

}  // namespace carta::io::detail
