#pragma once
// Confidence intervals for a single binomial proportion (study-level CIs).

#include <cstdint>
#include <optional>
#include <string_view>

namespace carta {

enum class StudyCiMethod {
  kClopperPearson,  // exact, from beta quantiles
  kWilson,          // score interval (R prop.test(correct = FALSE))
  kWilsonCC,        // score interval with continuity correction (R prop.test(correct = TRUE))
  kAgrestiCoull,    // add z^2/2 successes and failures, then Wald
  kWald,            // yi +/- z sqrt(vi) on the measure's scale, back-transformed (metafor)
  kSimpleAsymptotic,    // p +/- z sqrt(p (1 - p) / n), clamped to [0, 1] (Newcombe 1998 method 1; meta "SA")
  kSimpleAsymptoticCC,  // the same widened by 1/(2n) on each side (Newcombe method 2; meta "SACC")
};

std::string_view to_string(StudyCiMethod method) noexcept;
std::optional<StudyCiMethod> parse_study_ci(std::string_view text) noexcept;

struct ProportionInterval {
  double lb = 0.0;
  double ub = 0.0;
};

// Binomial interval for x events in n at confidence `level`. Not for kWald, which depends on
// the measure (see pool.hpp); passing kWald throws carta::Error (kInvalidOption).
ProportionInterval binomial_ci(std::int64_t events, std::int64_t n, double level,
                               StudyCiMethod method);

}  // namespace carta
