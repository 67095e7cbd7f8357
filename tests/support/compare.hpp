#pragma once
// One comparison helper that prints the case, both values, the difference and the tolerance.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <string>

#include "tolerances.hpp"

namespace carta::test {

inline ::testing::AssertionResult close_to(double actual, double expected, Tolerance tol,
                                           const std::string& what) {
  if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  if (std::isinf(expected) && actual == expected) return ::testing::AssertionSuccess();
  const double diff = std::abs(actual - expected);
  const double limit = tol.rel * std::abs(expected) + tol.abs;
  if (diff <= limit) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": carta " << ::testing::PrintToString(actual) << " vs reference "
         << ::testing::PrintToString(expected) << " (diff " << diff << ", allowed " << limit
         << " = " << tol.rel << " rel + " << tol.abs << " abs)";
}

// JSON number or null (NaN).
inline double number(const nlohmann::json& j) {
  if (j.is_null()) return std::nan("");
  return j.get<double>();
}

inline std::filesystem::path source_path(const std::string& relative) {
  return std::filesystem::path(CARTA_SOURCE_DIR) / relative;
}

nlohmann::json load_json(const std::filesystem::path& path);
std::string read_text(const std::filesystem::path& path);

}  // namespace carta::test
