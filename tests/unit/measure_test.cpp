#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "carta/error.hpp"
#include "carta/measure.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;

TEST(Measure, MetaforZeroCellRuleAddsHalfOnlyToZeroCells) {
  // 3/10: no correction.
  auto es = proportion_effect(3, 10, Measure::kPLO, ZeroCellRule::kMetafor);
  EXPECT_FALSE(es.corrected);
  EXPECT_TRUE(close_to(es.yi, std::log(3.0 / 7.0), kExact, "logit 3/10"));
  EXPECT_TRUE(close_to(es.vi, 1.0 / 3 + 1.0 / 7, kExact, "var logit 3/10"));
  // 0/10: 0.5/10.5 after correction.
  es = proportion_effect(0, 10, Measure::kPLO, ZeroCellRule::kMetafor);
  EXPECT_TRUE(es.corrected);
  EXPECT_TRUE(close_to(es.yi, std::log(0.5 / 10.5), kExact, "logit 0/10"));
  es = proportion_effect(10, 10, Measure::kPR, ZeroCellRule::kMetafor);
  EXPECT_TRUE(close_to(es.yi, 10.5 / 11.0, kExact, "PR 10/10"));
  EXPECT_TRUE(close_to(es.vi, (10.5 / 11.0) * (0.5 / 11.0) / 11.0, kExact, "var PR 10/10"));
  es = proportion_effect(10, 10, Measure::kPLN, ZeroCellRule::kMetafor);
  EXPECT_TRUE(close_to(es.vi, 1.0 / 10.5 - 1.0 / 11.0, kExact, "var PLN 10/10"));
}

TEST(Measure, ArcsineAndFreemanTukeyNeverCorrect) {
  auto es = proportion_effect(0, 10, Measure::kPAS, ZeroCellRule::kMetafor);
  EXPECT_FALSE(es.corrected);
  EXPECT_EQ(es.yi, 0.0);
  EXPECT_TRUE(close_to(es.vi, 1.0 / 40.0, kExact, "var PAS"));
  es = proportion_effect(10, 10, Measure::kPFT, ZeroCellRule::kMeta);
  EXPECT_FALSE(es.corrected);
  EXPECT_TRUE(close_to(es.vi, 1.0 / 42.0, kExact, "var PFT"));
}

TEST(Measure, MetaRuleForLogAndRawProportions) {
  // R meta metaprop: PLN log((x+c)/(n+c)); at x = n the variance keeps 1/x.
  auto es = proportion_effect(10, 10, Measure::kPLN, ZeroCellRule::kMeta);
  EXPECT_TRUE(close_to(es.yi, std::log(10.5 / 10.5), kExact, "meta PLN 10/10"));
  EXPECT_TRUE(close_to(es.vi, 1.0 / 10.0 - 1.0 / 10.5, kExact, "meta var PLN 10/10"));
  es = proportion_effect(0, 10, Measure::kPLN, ZeroCellRule::kMeta);
  EXPECT_TRUE(close_to(es.yi, std::log(0.5 / 10.5), kExact, "meta PLN 0/10"));
  EXPECT_TRUE(close_to(es.vi, 1.0 / 0.5 - 1.0 / 10.5, kExact, "meta var PLN 0/10"));
  // PRAW: estimate uncorrected, variance corrected.
  es = proportion_effect(0, 10, Measure::kPR, ZeroCellRule::kMeta);
  EXPECT_EQ(es.yi, 0.0);
  EXPECT_TRUE(close_to(es.vi, 0.5 * 10.5 / std::pow(11.0, 3), kExact, "meta var PR 0/10"));
}

TEST(Measure, UndefinedWithoutContinuityCorrectionIsAnError) {
  try {
    (void)proportion_effect(0, 10, Measure::kPLO, ZeroCellRule::kMetafor, 0.0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kNumerical);
    EXPECT_THAT(std::string(e.what()), HasSubstr("0 events of 10 give an undefined PLO estimate"));
  }
  EXPECT_THROW((void)proportion_effect(10, 10, Measure::kPR, ZeroCellRule::kMetafor, 0.0), Error);
  EXPECT_THROW((void)proportion_effect(11, 10, Measure::kPLO, ZeroCellRule::kMetafor), Error);
  EXPECT_THROW((void)proportion_effect(1, 0, Measure::kPLO, ZeroCellRule::kMetafor), Error);
  EXPECT_THROW((void)proportion_effect(1, 10, Measure::kPLO, ZeroCellRule::kMetafor, -0.5), Error);
}

TEST(Measure, BackTransformations) {
  EXPECT_TRUE(close_to(to_proportion(Measure::kPLO, std::log(0.25 / 0.75)), 0.25, kExact, "ilogit"));
  EXPECT_TRUE(close_to(to_proportion(Measure::kPLO, -800.0), 0.0, kExact, "ilogit underflow"));
  EXPECT_EQ(to_proportion(Measure::kPLO, 800.0), 1.0);
  EXPECT_EQ(to_proportion(Measure::kPAS, -0.1), 0.0);
  EXPECT_EQ(to_proportion(Measure::kPAS, 2.0), 1.0);
  EXPECT_TRUE(close_to(to_proportion(Measure::kPAS, std::asin(std::sqrt(0.3))), 0.3, kExact, "iarcsin"));
  EXPECT_EQ(to_proportion(Measure::kPFT, -0.1, 10.0), 0.0);
  EXPECT_EQ(to_proportion(Measure::kPFT, 1.6, 10.0), 1.0);
  EXPECT_EQ(to_proportion(Measure::kPR, 1.2), 1.2);  // not clamped: the pool notes it
  EXPECT_TRUE(std::isnan(to_proportion(Measure::kPLO, std::nan(""))));
}

TEST(Measure, HarmonicMean) {
  const std::int64_t n[] = {10, 20, 40};
  EXPECT_TRUE(close_to(harmonic_mean(n), 3.0 / (0.1 + 0.05 + 0.025), kExact, "harmonic mean"));
}

TEST(Measure, ParsesNamesAndAliases) {
  EXPECT_EQ(parse_measure("PLO"), Measure::kPLO);
  EXPECT_EQ(parse_measure("PLOGIT"), Measure::kPLO);
  EXPECT_EQ(parse_measure("PRAW"), Measure::kPR);
  EXPECT_EQ(parse_measure("plo"), Measure::kPLO);  // case does not matter (issue 20)
  EXPECT_FALSE(parse_measure("plox"));
}

}  // namespace
}  // namespace carta::test
