#pragma once
// Named tolerances for reference comparisons, one place for all of them (STYLE.md, practice 7).
// A value passes when |actual - expected| <= rel * |expected| + abs. The contract with users is
// agreement with metafor to 1e-6 relative; the limits below are tighter where carta achieves it,
// so that a regression shows long before it breaks the contract. Measured agreement is recorded
// in docs/methods/validation.md.

namespace carta::test {

struct Tolerance {
  double rel;
  double abs;
};

// Closed-form quantities computed the same way in both programs (yi, vi, Q, weights).
inline constexpr Tolerance kExact{1e-12, 1e-14};
// Estimates that depend on tau^2 found by iteration (both sides converged to ~1e-12).
inline constexpr Tolerance kIterated{1e-8, 1e-11};
// tau^2 itself, and quantities that are zero when tau^2 is (abs floor for tau^2 = 0 vs 1e-17).
inline constexpr Tolerance kTau2{1e-8, 1e-11};
// I^2 in percent: tau^2's absolute floor, scaled by 100 / s^2.
inline constexpr Tolerance kI2{1e-8, 1e-8};
// Q-profile bounds: metafor's uniroot stops at tol = 1e-12 absolute on tau^2.
inline constexpr Tolerance kQProfile{1e-7, 1e-10};
// Binomial intervals from R (binom.test uses uniroot-free qbeta; prop.test is closed form).
inline constexpr Tolerance kBinomial{1e-10, 1e-12};
// The user-facing contract (issue 2): 1e-6 relative.
inline constexpr Tolerance kContract{1e-6, 1e-10};

// Published worked examples are printed to a fixed number of decimals: half a unit in the last
// printed place.
constexpr Tolerance printed_decimals(int decimals) {
  double half_unit = 0.5;
  for (int i = 0; i < decimals; ++i) half_unit /= 10.0;
  return {0.0, half_unit * 1.0000001};
}

}  // namespace carta::test
