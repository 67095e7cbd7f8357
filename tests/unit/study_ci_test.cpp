#include <gtest/gtest.h>

#include <cmath>

#include "carta/error.hpp"
#include "carta/study_ci.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

// Newcombe (1998), method 4, in its closed form: a second implementation written from the
// formula rather than from the shifted score interval carta uses.
ProportionInterval newcombe_closed_form(double x, double n, double z) {
  const double p = x / n;
  const double z2 = z * z;
  const double denom = 2.0 * (n + z2);
  double lb = (2.0 * n * p + z2 - 1.0 - z * std::sqrt(z2 - 2.0 - 1.0 / n + 4.0 * p * (n * (1.0 - p) + 1.0))) / denom;
  double ub = (2.0 * n * p + z2 + 1.0 + z * std::sqrt(z2 + 2.0 - 1.0 / n + 4.0 * p * (n * (1.0 - p) - 1.0))) / denom;
  if (x == 0) lb = 0.0;
  if (x == n) ub = 1.0;
  return {std::max(0.0, lb), std::min(1.0, ub)};
}

TEST(StudyCi, WilsonCcMatchesNewcombeClosedFormIncludingHalfEvents) {
  const double z = 1.959963984540054;
  for (std::int64_t n : {1, 2, 7, 8, 30, 188, 1000}) {
    for (std::int64_t x = 0; x <= n; x += std::max<std::int64_t>(1, n / 9)) {
      const auto ci = binomial_ci(x, n, 0.95, StudyCiMethod::kWilsonCC);
      const auto ref = newcombe_closed_form(static_cast<double>(x), static_cast<double>(n), z);
      EXPECT_TRUE(close_to(ci.lb, ref.lb, {1e-12, 1e-14}, "lb " + std::to_string(x) + "/" + std::to_string(n)));
      EXPECT_TRUE(close_to(ci.ub, ref.ub, {1e-12, 1e-14}, "ub " + std::to_string(x) + "/" + std::to_string(n)));
    }
  }
}

TEST(StudyCi, BoundariesAreExactAtZeroAndAllEvents) {
  for (auto m : {StudyCiMethod::kClopperPearson, StudyCiMethod::kWilson, StudyCiMethod::kWilsonCC,
                 StudyCiMethod::kAgrestiCoull}) {
    SCOPED_TRACE(std::string(to_string(m)));
    const auto zero = binomial_ci(0, 13, 0.95, m);
    const auto all = binomial_ci(13, 13, 0.95, m);
    EXPECT_GE(zero.lb, 0.0);
    EXPECT_LT(zero.lb, 1e-12);
    EXPECT_GT(zero.ub, 0.0);
    EXPECT_LE(all.ub, 1.0);
    EXPECT_GT(all.ub, 1.0 - 1e-12);
    EXPECT_LT(all.lb, 1.0);
  }
  // Clopper-Pearson for 0/n has the closed form 1 - (alpha/2)^(1/n).
  EXPECT_TRUE(close_to(binomial_ci(0, 13, 0.95, StudyCiMethod::kClopperPearson).ub,
                       1.0 - std::pow(0.025, 1.0 / 13.0), {1e-13, 0.0}, "CP 0/13 upper"));
}

// Newcombe (1998) methods 1 and 2 (R meta "SA", "SACC"): symmetric about p, clamped to [0, 1],
// degenerate at 0 events without the correction.
TEST(StudyCi, SimpleAsymptoticWithAndWithoutCorrection) {
  const double z = 1.959963984540054;
  const auto sa = binomial_ci(81, 263, 0.95, StudyCiMethod::kSimpleAsymptotic);
  const double p = 81.0 / 263.0;
  const double half = z * std::sqrt(p * (1 - p) / 263.0);
  EXPECT_TRUE(close_to(sa.lb, p - half, {1e-14, 0.0}, "SA lb"));
  EXPECT_TRUE(close_to(sa.ub, p + half, {1e-14, 0.0}, "SA ub"));
  const auto sacc = binomial_ci(81, 263, 0.95, StudyCiMethod::kSimpleAsymptoticCC);
  EXPECT_TRUE(close_to(sacc.ub - sacc.lb, 2 * half + 1.0 / 263.0, {1e-13, 0.0}, "SACC width"));
  const auto zero = binomial_ci(0, 20, 0.95, StudyCiMethod::kSimpleAsymptotic);
  EXPECT_EQ(zero.lb, 0.0);
  EXPECT_EQ(zero.ub, 0.0);
  const auto zero_cc = binomial_ci(0, 20, 0.95, StudyCiMethod::kSimpleAsymptoticCC);
  EXPECT_EQ(zero_cc.lb, 0.0);
  EXPECT_DOUBLE_EQ(zero_cc.ub, 1.0 / 40.0);
  const auto low = binomial_ci(1, 29, 0.95, StudyCiMethod::kSimpleAsymptotic);  // p - half < 0: clamped
  EXPECT_EQ(low.lb, 0.0);
  EXPECT_EQ(parse_study_ci("sacc"), StudyCiMethod::kSimpleAsymptoticCC);
  EXPECT_EQ(parse_study_ci("simple-asymptotic"), StudyCiMethod::kSimpleAsymptotic);
  EXPECT_EQ(to_string(StudyCiMethod::kSimpleAsymptoticCC), "simple-asymptotic-cc");
}

TEST(StudyCi, RejectsBadArguments) {
  EXPECT_THROW(binomial_ci(5, 4, 0.95, StudyCiMethod::kWilson), Error);
  EXPECT_THROW(binomial_ci(1, 0, 0.95, StudyCiMethod::kWilson), Error);
  EXPECT_THROW(binomial_ci(1, 4, 1.5, StudyCiMethod::kWilson), Error);
  EXPECT_THROW(binomial_ci(1, 4, 0.95, StudyCiMethod::kWald), Error);
}

TEST(StudyCi, ParsesNames) {
  EXPECT_EQ(parse_study_ci("wilson-cc"), StudyCiMethod::kWilsonCC);
  EXPECT_EQ(parse_study_ci("exact"), StudyCiMethod::kClopperPearson);
  EXPECT_FALSE(parse_study_ci("jeffreys"));
}

}  // namespace
}  // namespace carta::test
