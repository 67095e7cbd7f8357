#pragma once
// A confidence level as users write it: a proportion (0.95) or a percentage (95). One rule for
// every option and spec key that takes a level.

#include <optional>

namespace carta {

// The level as a proportion in (0, 1): values in (0, 1) as they are, values in [50, 100) as
// percentages. Anything else is nullopt: 1 and 100 are no confidence level, and values between 1
// and 50 ("1.5") are refused as ambiguous (a mistyped proportion, or a level nobody uses).
std::optional<double> confidence_level(double given) noexcept;

// The rule in words, for messages.
inline constexpr const char* kLevelRule = "a proportion between 0 and 1 (0.95) or a percentage from 50 to 100 (95)";

}  // namespace carta
