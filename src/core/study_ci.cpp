#include "carta/names.hpp"
#include "carta/study_ci.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "carta/distributions.hpp"
#include "carta/error.hpp"

namespace carta {

std::string_view to_string(StudyCiMethod method) noexcept {
  switch (method) {
    case StudyCiMethod::kClopperPearson: return "clopper-pearson";
    case StudyCiMethod::kWilson: return "wilson";
    case StudyCiMethod::kWilsonCC: return "wilson-cc";
    case StudyCiMethod::kAgrestiCoull: return "agresti-coull";
    case StudyCiMethod::kWald: return "wald";
    case StudyCiMethod::kSimpleAsymptotic: return "simple-asymptotic";
    case StudyCiMethod::kSimpleAsymptoticCC: return "simple-asymptotic-cc";
  }
  return "?";
}

std::optional<StudyCiMethod> parse_study_ci(std::string_view text) noexcept {
  if (is_one_of(text, {"clopper-pearson", "cp", "exact"})) return StudyCiMethod::kClopperPearson;
  if (is_one_of(text, {"wilson", "ws"})) return StudyCiMethod::kWilson;  // meta: method.ci = "WS"
  if (is_one_of(text, {"wilson-cc", "wscc"})) return StudyCiMethod::kWilsonCC;
  if (is_one_of(text, {"agresti-coull", "ac"})) return StudyCiMethod::kAgrestiCoull;
  if (is_one_of(text, {"wald", "normal", "nasm"})) return StudyCiMethod::kWald;
  if (is_one_of(text, {"simple-asymptotic", "sa"})) return StudyCiMethod::kSimpleAsymptotic;  // meta: "SA"
  if (is_one_of(text, {"simple-asymptotic-cc", "sacc"})) return StudyCiMethod::kSimpleAsymptoticCC;
  return std::nullopt;
}

namespace {

// Root of the score equation for a proportion `p` (possibly shifted by a continuity correction);
// `sign` picks the lower (-1) or upper (+1) root.
double wilson_root(double p, double n, double z, double sign) {
  const double z2 = z * z;
  const double centre = p + z2 / (2.0 * n);
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  return (centre + sign * half) / (1.0 + z2 / n);
}

}  // namespace

ProportionInterval binomial_ci(std::int64_t events, std::int64_t n, double level,
                               StudyCiMethod method) {
  if (n <= 0 || events < 0 || events > n) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("binomial_ci: events = {} and n = {}, but need 0 <= events <= n, n > 0",
                            events, n));
  }
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("binomial_ci: level is {}, but must be in (0, 1)", level));
  }
  const double alpha = 1.0 - level;
  const auto x = static_cast<double>(events);
  const auto nd = static_cast<double>(n);
  const double z = dist::normal_quantile(1.0 - alpha / 2.0);
  const double p = x / nd;

  switch (method) {
    case StudyCiMethod::kClopperPearson: {
      ProportionInterval ci{0.0, 1.0};
      if (events > 0) ci.lb = dist::beta_quantile(alpha / 2.0, x, nd - x + 1.0);
      if (events < n) ci.ub = dist::beta_quantile(1.0 - alpha / 2.0, x + 1.0, nd - x);
      return ci;
    }
    case StudyCiMethod::kWilson:
      return {std::max(0.0, wilson_root(p, nd, z, -1.0)), std::min(1.0, wilson_root(p, nd, z, 1.0))};
    case StudyCiMethod::kWilsonCC: {
      // Newcombe (1998) method 4: the score interval evaluated at p -/+ 1/(2n).
      const double shift = 0.5 / nd;
      const double lb = p - shift <= 0.0 ? 0.0 : wilson_root(p - shift, nd, z, -1.0);
      const double ub = p + shift >= 1.0 ? 1.0 : wilson_root(p + shift, nd, z, 1.0);
      return {std::max(0.0, lb), std::min(1.0, ub)};
    }
    case StudyCiMethod::kAgrestiCoull: {
      const double n_tilde = nd + z * z;
      const double p_tilde = (x + z * z / 2.0) / n_tilde;
      const double half = z * std::sqrt(p_tilde * (1.0 - p_tilde) / n_tilde);
      return {std::max(0.0, p_tilde - half), std::min(1.0, p_tilde + half)};
    }
    case StudyCiMethod::kSimpleAsymptotic:
    case StudyCiMethod::kSimpleAsymptoticCC: {
      // Newcombe (1998) methods 1 and 2, as R meta's ciSimpleAsymptotic: degenerate ([p, p]) at
      // 0 or n events without the correction, which is why they are not recommended there.
      const double half = z * std::sqrt(p * (1.0 - p) / nd) + (method == StudyCiMethod::kSimpleAsymptoticCC ? 0.5 / nd : 0.0);
      return {std::max(0.0, p - half), std::min(1.0, p + half)};
    }
    case StudyCiMethod::kWald:
      break;
  }
  throw Error(ErrorCategory::kInvalidOption,
              "binomial_ci: the Wald interval depends on the measure; it is computed by pool_proportions");
}

}  // namespace carta
