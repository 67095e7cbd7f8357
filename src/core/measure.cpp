#include "carta/names.hpp"
#include "carta/measure.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "carta/error.hpp"

namespace carta {

std::string_view to_string(Measure measure) noexcept {
  switch (measure) {
    case Measure::kPLO: return "PLO";
    case Measure::kPAS: return "PAS";
    case Measure::kPFT: return "PFT";
    case Measure::kPR: return "PR";
    case Measure::kPLN: return "PLN";
  }
  return "?";
}

std::optional<Measure> parse_measure(std::string_view text) noexcept {
  // metafor's measure names, meta's sm names (PLOGIT, PRAW, ...), and words.
  if (is_one_of(text, {"PLO", "logit", "PLOGIT"})) return Measure::kPLO;
  if (is_one_of(text, {"PAS", "arcsine", "asin"})) return Measure::kPAS;
  if (is_one_of(text, {"PFT", "freeman-tukey"})) return Measure::kPFT;
  if (is_one_of(text, {"PR", "raw", "PRAW"})) return Measure::kPR;
  if (is_one_of(text, {"PLN", "log"})) return Measure::kPLN;
  return std::nullopt;
}

double freeman_tukey(double events, double n) noexcept {
  return 0.5 * (std::asin(std::sqrt(events / (n + 1.0))) +
                std::asin(std::sqrt((events + 1.0) / (n + 1.0))));
}

double harmonic_mean(std::span<const std::int64_t> n) noexcept {
  if (n.empty()) return std::nan("");
  double inverse_sum = 0.0;
  for (const auto ni : n) inverse_sum += 1.0 / static_cast<double>(ni);
  return static_cast<double>(n.size()) / inverse_sum;
}

namespace {

// Miller (1978): inverse of the double arcsine at sample size n. Outside the attainable range
// [t(0 events), t(n events)] the proportion is 0 or 1, as in metafor's transf.ipft.
double miller_inverse(double t, double n) noexcept {
  if (t < freeman_tukey(0.0, n)) return 0.0;
  if (t > freeman_tukey(n, n)) return 1.0;
  const double s = std::sin(2.0 * t);
  const double c = std::cos(2.0 * t);
  const double sign = c > 0.0 ? 1.0 : (c < 0.0 ? -1.0 : 0.0);
  const double inner = s + (s - 1.0 / s) / n;
  const double radicand = 1.0 - inner * inner;
  if (radicand < 0.0) return std::nan("");
  return 0.5 * (1.0 - sign * std::sqrt(radicand));
}

double logistic(double x) noexcept {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

}  // namespace

double to_proportion(Measure measure, double value, double n_harmonic) noexcept {
  if (std::isnan(value)) return value;
  switch (measure) {
    case Measure::kPLO: return logistic(value);
    case Measure::kPAS:
      if (value < 0.0) return 0.0;
      if (value > std::numbers::pi / 2.0) return 1.0;
      return std::sin(value) * std::sin(value);
    case Measure::kPFT: return miller_inverse(value, n_harmonic);
    case Measure::kPR: return value;
    case Measure::kPLN: return std::exp(value);
  }
  return std::nan("");
}

double from_proportion(Measure measure, double p, double n_harmonic) noexcept {
  switch (measure) {
    case Measure::kPLO: return std::log(p / (1.0 - p));
    case Measure::kPAS: return std::asin(std::sqrt(p));
    case Measure::kPFT: return freeman_tukey(p * n_harmonic, n_harmonic);
    case Measure::kPR: return p;
    case Measure::kPLN: return std::log(p);
  }
  return std::nan("");
}

EffectSize proportion_effect(std::int64_t events, std::int64_t n, Measure measure,
                             ZeroCellRule rule, double add) {
  if (n <= 0) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("proportion_effect: n is {}, but must be > 0", n));
  }
  if (events < 0 || events > n) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("proportion_effect: events is {}, but must be in [0, n = {}]", events, n));
  }
  if (!(add >= 0.0) || !std::isfinite(add)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("proportion_effect: continuity correction is {}, but must be >= 0", add));
  }
  const auto x = static_cast<double>(events);
  const auto nd = static_cast<double>(n);
  const bool zero_cell = events == 0 || events == n;
  EffectSize es;

  switch (measure) {
    case Measure::kPAS:
      es.yi = std::asin(std::sqrt(x / nd));
      es.vi = 1.0 / (4.0 * nd);
      return es;
    case Measure::kPFT:
      es.yi = freeman_tukey(x, nd);
      es.vi = 1.0 / (4.0 * nd + 2.0);
      return es;
    default: break;
  }

  const double c = zero_cell ? add : 0.0;
  es.corrected = zero_cell && add > 0.0;
  if (rule == ZeroCellRule::kMetafor || measure == Measure::kPLO) {
    const double xa = x + c;
    const double ma = nd - x + c;
    const double na = xa + ma;
    const double p = xa / na;
    switch (measure) {
      case Measure::kPR:
        es.yi = p;
        es.vi = p * (1.0 - p) / na;
        break;
      case Measure::kPLN:
        es.yi = std::log(p);
        es.vi = 1.0 / xa - 1.0 / na;
        break;
      case Measure::kPLO:
        es.yi = std::log(xa / ma);
        es.vi = 1.0 / xa + 1.0 / ma;
        break;
      default: break;
    }
  } else {  // R meta's metaprop conventions for PLN and PRAW
    switch (measure) {
      case Measure::kPR:
        es.yi = x / nd;
        es.vi = (x + c) * (nd - x + c) / std::pow(nd + 2.0 * c, 3);
        break;
      case Measure::kPLN:
        es.yi = std::log((x + c) / (nd + c));
        // Hartung & Knapp (2001), formula (18), as metaprop: no correction of 1/x when x == n.
        es.vi = events == n ? 1.0 / x - 1.0 / (nd + c) : 1.0 / (x + c) - 1.0 / (nd + c);
        break;
      default: break;
    }
  }

  if (!std::isfinite(es.yi) || !(es.vi > 0.0) || !std::isfinite(es.vi)) {
    throw Error(ErrorCategory::kNumerical,
                fmt::format("{} events of {} give an undefined {} estimate or a zero variance "
                            "(continuity correction {}); use a continuity correction > 0 "
                            "(--cc 0.5) or the PFT/PAS measure",
                            events, n, to_string(measure), add));
  }
  return es;
}

}  // namespace carta
