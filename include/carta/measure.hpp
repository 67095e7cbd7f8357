#pragma once
// Effect-size measures for single proportions and their back-transformations.
//
// Conventions follow metafor's escalc() (measure PR, PLN, PLO, PAS, PFT) unless a
// ZeroCellRule says otherwise. See docs/methods/measures.md for the formulas.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace carta {

enum class Measure {
  kPLO,  // logit of the proportion
  kPAS,  // arcsine square-root
  kPFT,  // Freeman-Tukey double arcsine, with metafor's 1/2 factor
  kPR,   // raw proportion
  kPLN,  // log proportion
};

std::string_view to_string(Measure measure) noexcept;
std::optional<Measure> parse_measure(std::string_view text) noexcept;

// How zero cells (0 events or n events) are handled before transforming.
enum class ZeroCellRule {
  // metafor escalc(add = 1/2, to = "only0"): add `add` to events and non-events of studies with
  // 0 or n events, for PR, PLN and PLO; no correction for PAS and PFT.
  kMetafor,
  // R meta metaprop(incr = 0.5, method.incr = "only0"): as metafor for PLO; for PLN the
  // estimate is log((x+c)/(n+c)) and for PR the correction enters only the variance.
  kMeta,
};

struct EffectSize {
  double yi = 0.0;
  double vi = 0.0;
  bool corrected = false;  // a continuity correction entered yi or vi
};

// Throws carta::Error (kNumerical) when the result would be undefined, e.g. PLO with 0 events
// and add = 0.
EffectSize proportion_effect(std::int64_t events, std::int64_t n, Measure measure,
                             ZeroCellRule rule, double add = 0.5);

// Back-transforms a value on the measure's scale to a proportion. For PFT, `n_harmonic` is the
// sample size used in Miller's (1978) inverse; it is ignored for the other measures.
// PAS and PFT results are clamped to [0, 1] as metafor's transf.iarcsin/transf.ipft do;
// PR and PLN are returned unclamped (the caller notes values outside [0, 1]).
double to_proportion(Measure measure, double value, double n_harmonic = 0.0) noexcept;

// The other direction: a proportion p in (0, 1) on the measure's scale (PFT at n_harmonic
// patients, as freeman_tukey(p n, n)); the inverse of to_proportion.
double from_proportion(Measure measure, double p, double n_harmonic = 0.0) noexcept;

// Freeman-Tukey double arcsine value (metafor's scale) of x events in n, the forward map of
// Miller's inverse.
double freeman_tukey(double events, double n) noexcept;

// Harmonic mean of positive sample sizes.
double harmonic_mean(std::span<const std::int64_t> n) noexcept;

}  // namespace carta
