#pragma once
// Option parsing shared by the commands: every bad value is an Error naming the option, the value
// and what is allowed.

#include <fmt/format.h>

#include <optional>
#include <string>

#include "carta/error.hpp"

namespace carta::cli {

template <typename Enum>
Enum parse_or_throw(std::optional<Enum> parsed, const std::string& option, const std::string& value,
                    const char* allowed) {
  if (!parsed) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("{} '{}' is not one of: {}", option, value, allowed));
  }
  return *parsed;
}

// A confidence level as 0.95 or 95.
inline double parse_level(double given, const char* option) {
  const double level = given > 1.0 && given < 100.0 ? given / 100.0 : given;
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("{} is {}, but must be between 0 and 1 (or 0 and 100)", option, given));
  }
  return level;
}

}  // namespace carta::cli
