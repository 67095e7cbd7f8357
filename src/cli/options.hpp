#pragma once
// Option parsing shared by the commands: every bad value is an Error naming the option, the value
// and what is allowed.

#include <fmt/format.h>

#include <optional>
#include <string>

#include "carta/error.hpp"
#include "carta/level.hpp"

namespace carta::cli {

template <typename Enum>
Enum parse_or_throw(std::optional<Enum> parsed, const std::string& option, const std::string& value,
                    const char* allowed) {
  if (!parsed) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("{} '{}' is not one of: {}", option, value, allowed));
  }
  return *parsed;
}

// A confidence level as 0.95 or 95 (carta/level.hpp).
inline double parse_level(double given, const char* option) {
  const auto level = confidence_level(given);
  if (!level) throw Error(ErrorCategory::kInvalidOption, fmt::format("{} is {}, but must be {}", option, given, kLevelRule));
  return *level;
}

}  // namespace carta::cli
