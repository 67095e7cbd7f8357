// Edge cases of the small-study tests (reference values: tests/reference/metafor_bias_test.cpp).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "carta/error.hpp"
#include "carta/small_study.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

TEST(SmallStudy, FewerThanThreeStudiesGiveFunnelDataAndAMessage) {
  const std::vector<ProportionStudy> two{{"a", 3, 10}, {"b", 40, 50}};
  const auto r = small_study_effects(two, PoolOptions{});
  EXPECT_FALSE(r.egger || r.peters || r.inverse_sqrt_n || r.begg || r.trimfill);
  EXPECT_THAT(r.notes, Contains(HasSubstr("k = 2: small-study tests and trim-and-fill need at least 3 studies")));
  EXPECT_EQ(r.funnel.yi.size(), 2u);
  EXPECT_THROW(weighted_regression_test(Eigen::Vector2d(1, 2), Eigen::Vector2d(1, 1), Eigen::Vector2d(1, 3), 0.95), Error);
}

TEST(SmallStudy, PetersIsUndefinedWhenAllStudiesHaveTheSameSize) {
  const std::vector<ProportionStudy> same_n{{"a", 3, 20}, {"b", 8, 20}, {"c", 12, 20}, {"d", 5, 20}};
  const auto r = small_study_effects(same_n, PoolOptions{});
  EXPECT_FALSE(r.peters);
  EXPECT_THAT(r.notes, Contains(HasSubstr("all studies have the same n, so 1/n does not vary and Peters' test is undefined")));
  EXPECT_FALSE(r.inverse_sqrt_n);
  EXPECT_THAT(r.notes, Contains(HasSubstr("1/sqrt(n) does not vary and the regression on it is undefined")));
  EXPECT_TRUE(r.egger.has_value());
  EXPECT_THAT(r.notes, Contains(HasSubstr("k = 4 < 10")));
}

// Identical studies (ties in everything): every test is undefined, each says why, none throws or
// returns NaN (metafor's trimfill stops with "missing value where TRUE/FALSE needed" here).
TEST(SmallStudy, IdenticalStudiesLeaveEveryTestUndefinedWithAReason) {
  std::vector<ProportionStudy> same;
  for (int i = 0; i < 5; ++i) same.push_back({"s" + std::to_string(i), 10, 20});
  const auto r = small_study_effects(same, PoolOptions{});
  EXPECT_FALSE(r.egger || r.peese || r.egger_rma || r.peters || r.begg || r.trimfill);
  EXPECT_THAT(r.notes, Contains(HasSubstr("Egger test: the predictor is the same in every study")));
  EXPECT_THAT(r.notes, Contains(HasSubstr("Begg test: the sampling variance is the same in every study")));
  EXPECT_THAT(r.notes, Contains(HasSubstr("trim-and-fill: the side of the funnel with missing studies")));
  EXPECT_EQ(r.funnel.yi.size(), 5u);
  // With the side given, trim-and-fill is defined: nothing to fill.
  const Eigen::VectorXd y = Eigen::VectorXd::Zero(5), v = Eigen::VectorXd::Constant(5, 0.2);
  const auto tf = trim_and_fill(y, v, Tau2Method::kREML, TestType::kZ, TrimFillEstimator::kL0, FunnelSide::kLeft, 0.95);
  EXPECT_EQ(tf.k0, 0u);
  EXPECT_NEAR(tf.est, 0.0, 1e-12);
}

// Equal proportions in studies of different sizes: every regression fits exactly and Kendall's tau
// is 0/0. Each test is undefined with a reason; before, Egger's p printed as < 0.0001 and the Begg
// test threw from inside Boost (exit 70).
TEST(SmallStudy, EqualProportionsInStudiesOfDifferentSizeLeaveTheTestsUndefined) {
  const std::vector<ProportionStudy> same_p{{"a", 1, 10}, {"b", 2, 20}, {"c", 3, 30}, {"d", 4, 40}};
  const auto r = small_study_effects(same_p, PoolOptions{});
  EXPECT_FALSE(r.egger || r.peese || r.peters || r.inverse_sqrt_n || r.begg);
  EXPECT_THAT(r.notes, Contains(HasSubstr("Egger test: every study lies on the regression line")));
  EXPECT_THAT(r.notes, Contains(HasSubstr("Begg test: every study has the same effect size")));
  // The mixed-effects version is defined (its SE does not come from the residuals): slope 0.
  ASSERT_TRUE(r.egger_rma);
  EXPECT_NEAR(r.egger_rma->stat, 0.0, 1e-8);
  ASSERT_TRUE(r.trimfill);
  EXPECT_EQ(r.trimfill->k0, 0u);
  // One study off the line is enough for every test to run again.
  auto off = same_p;
  off[3].events = 5;
  const auto r2 = small_study_effects(off, PoolOptions{});
  EXPECT_TRUE(r2.egger && r2.begg && r2.peters);
}

TEST(SmallStudy, ZeroAndAllEventStudies) {
  const std::vector<ProportionStudy> d{{"a", 0, 12}, {"b", 3, 25}, {"c", 9, 30}, {"d", 20, 20}, {"e", 7, 60}, {"f", 0, 8}};
  const auto metafor = small_study_effects(d, PoolOptions{});
  ASSERT_TRUE(metafor.peters && metafor.egger && metafor.trimfill);
  EXPECT_EQ(metafor.peters->k, 6u);  // continuity-corrected, all used
  PoolOptions meta;
  meta.preset = Preset::kMeta;
  const auto r = small_study_effects(d, meta);
  ASSERT_TRUE(r.peters);
  EXPECT_EQ(r.peters_convention, "meta");
  EXPECT_EQ(r.peters->k, 3u);  // 0/n and n/n get weight 0 under R meta's weights
  EXPECT_THAT(r.notes, Contains(HasSubstr("3 studies with 0 or all events get weight 0")));
}

// A second implementation of Kendall's exact null distribution: enumerate every permutation.
double brute_force_p(std::int64_t concordant, int n) {
  std::vector<int> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  std::vector<double> counts(static_cast<std::size_t>(n * (n - 1) / 2 + 1), 0.0);
  double total = 0;
  do {
    int c = 0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) c += perm[static_cast<std::size_t>(i)] < perm[static_cast<std::size_t>(j)];
    counts[static_cast<std::size_t>(c)] += 1;
    total += 1;
  } while (std::next_permutation(perm.begin(), perm.end()));
  double lower = 0, upper = 0;
  for (std::size_t c = 0; c < counts.size(); ++c) {
    if (static_cast<std::int64_t>(c) <= concordant) lower += counts[c] / total;
    if (static_cast<std::int64_t>(c) >= concordant) upper += counts[c] / total;
  }
  return std::min(1.0, 2.0 * (4 * concordant > n * (n - 1) ? upper : lower));
}

TEST(SmallStudy, KendallExactDistributionMatchesEnumeration) {
  for (int n : {3, 4, 5, 6, 7, 8}) {
    for (std::int64_t c = 0; c <= n * (n - 1) / 2; ++c) {
      EXPECT_TRUE(close_to(kendall_exact_p(c, n), brute_force_p(c, n), {1e-12, 1e-15},
                           "n = " + std::to_string(n) + ", C = " + std::to_string(c)));
    }
  }
}

TEST(SmallStudy, TrimAndFillFillsTheSparseSideAndMirrorsAboutTheTrimmedEstimate) {
  // Small studies only on the right: studies are missing on the left.
  Eigen::VectorXd y(8), v(8);
  y << 0.0, 0.05, -0.05, 0.1, 0.4, 0.6, 0.8, 1.0;
  v << 0.01, 0.012, 0.011, 0.02, 0.08, 0.1, 0.15, 0.2;
  const auto t = trim_and_fill(y, v, Tau2Method::kREML, TestType::kZ, TrimFillEstimator::kL0, std::nullopt, 0.95);
  EXPECT_EQ(t.side, FunnelSide::kLeft);
  ASSERT_GT(t.k0, 0u);
  EXPECT_LT(t.est, (v.cwiseInverse().dot(y)) / v.cwiseInverse().sum() + 0.5);
  for (const double f : t.filled_yi) EXPECT_LT(f, 0.4);  // mirrored to the left
  // Forcing the other side is honoured.
  const auto right = trim_and_fill(y, v, Tau2Method::kREML, TestType::kZ, TrimFillEstimator::kL0, FunnelSide::kRight, 0.95);
  EXPECT_EQ(right.side, FunnelSide::kRight);
  EXPECT_FALSE(right.side_estimated);
}

// Effects given directly with their sample sizes run the same Peters and 1/sqrt(n) regressions
// as proportions under metafor's convention (metafor's regtest predictors "ninv", "sqrtninv").
TEST(SmallStudy, EffectsWithSampleSizesGetPetersTest) {
  const std::vector<ProportionStudy> props{{"a", 3, 20}, {"b", 8, 35}, {"c", 12, 60}, {"d", 5, 14}, {"e", 30, 90}};
  PoolOptions options;
  options.preset = Preset::kMetafor;
  const auto from_counts = small_study_effects(props, options);
  std::vector<EffectStudy> effects;
  std::vector<double> sizes;
  for (const auto& s : props) {
    const auto es = proportion_effect(s.events, s.n, options.measure, ZeroCellRule::kMetafor);
    effects.push_back({s.label, es.yi, es.vi});
    sizes.push_back(static_cast<double>(s.n));
  }
  const auto from_effects = small_study_effects(effects, options, TrimFillEstimator::kR0, sizes);
  ASSERT_TRUE(from_counts.peters && from_effects.peters);
  EXPECT_TRUE(close_to(from_effects.peters->stat, from_counts.peters->stat, kExact, "Peters t"));
  EXPECT_TRUE(close_to(from_effects.peters->p, from_counts.peters->p, kExact, "Peters p"));
  ASSERT_TRUE(from_counts.inverse_sqrt_n && from_effects.inverse_sqrt_n);
  EXPECT_TRUE(close_to(from_effects.inverse_sqrt_n->stat, from_counts.inverse_sqrt_n->stat, kExact, "1/sqrt(n) t"));
  ASSERT_TRUE(from_effects.trimfill);
  EXPECT_EQ(from_effects.trimfill->estimator, TrimFillEstimator::kR0);
  // A missing size (NaN) or none at all: no Peters test, and a note says why.
  sizes[2] = std::numeric_limits<double>::quiet_NaN();
  const auto partial = small_study_effects(effects, options, TrimFillEstimator::kL0, sizes);
  EXPECT_FALSE(partial.peters);
  EXPECT_THAT(partial.notes, Contains(HasSubstr("need every study's sample size")));
  EXPECT_FALSE(small_study_effects(effects, options).peters);
}

// Begg's test under the preset meta is R meta's metabias: always the normal approximation of
// Kendall's S (here without ties: var S = k (k - 1) (2k + 5) / 18), never the exact distribution.
TEST(SmallStudy, BeggUnderPresetMetaUsesTheNormalApproximation) {
  const std::vector<ProportionStudy> props{{"a", 3, 20}, {"b", 8, 35}, {"c", 12, 60}, {"d", 5, 14}, {"e", 30, 90},
                                           {"f", 9, 41}};
  PoolOptions options;
  const auto carta = small_study_effects(props, options);
  ASSERT_TRUE(carta.begg);
  EXPECT_TRUE(carta.begg->exact);
  options.preset = Preset::kMeta;
  const auto meta = small_study_effects(props, options);
  ASSERT_TRUE(meta.begg);
  EXPECT_FALSE(meta.begg->exact);
  EXPECT_EQ(meta.begg->tau, carta.begg->tau);
  const double k = 6.0;
  const double s = meta.begg->tau * k * (k - 1) / 2;  // no ties: tau = S / (k (k - 1) / 2)
  const double z = s / std::sqrt(k * (k - 1) * (2 * k + 5) / 18);
  EXPECT_TRUE(close_to(meta.begg->z, z, kExact, "z"));
  EXPECT_TRUE(close_to(meta.begg->p, std::erfc(std::abs(z) / std::sqrt(2.0)), kExact, "p"));
  EXPECT_THAT(meta.notes, Contains(HasSubstr("R meta's metabias default")));
}

}  // namespace
}  // namespace carta::test
