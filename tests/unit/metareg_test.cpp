// Edge cases of meta-regression, subgroups and leave-one-out (reference values are in
// tests/reference/metafor_moderators_test.cpp).

#include <gmock/gmock.h>
#include <cmath>
#include <gtest/gtest.h>

#include "carta/error.hpp"
#include "carta/influence.hpp"
#include "carta/metareg.hpp"
#include "carta/permutation.hpp"
#include "carta/blup.hpp"
#include "carta/sensitivity.hpp"
#include "carta/subgroup.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;

const std::vector<ProportionStudy> kStudies{{"a", 27, 30}, {"b", 14, 21}, {"c", 61, 75}, {"d", 44, 53},
                                            {"e", 6, 6},   {"f", 12, 20}, {"g", 3, 15},  {"h", 102, 110}};

ModeratorColumn column(const std::string& name, std::vector<std::optional<std::string>> values) {
  return ModeratorColumn{name, std::move(values), std::nullopt};
}

std::string error_of(const std::vector<ModeratorColumn>& mods) {
  try {
    (void)regress_proportions(kStudies, mods, PoolOptions{});
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

TEST(MetaRegression, ConstantModeratorIsAClearError) {
  EXPECT_THAT(error_of({column("dose", {"1", "1", "1", "1", "1", "1", "1", "1"})}),
              HasSubstr("moderator term 'dose' is constant across the 8 studies"));
  EXPECT_THAT(error_of({column("target", {"CD19", "CD19", "CD19", "CD19", "CD19", "CD19", "CD19", "CD19"})}),
              HasSubstr("moderator 'target' has a single value ('CD19')"));
}

TEST(MetaRegression, CollinearModeratorsAreAClearError) {
  EXPECT_THAT(error_of({column("age", {"10", "20", "30", "40", "50", "60", "70", "80"}),
                        column("age_months", {"120", "240", "360", "480", "600", "720", "840", "960"})}),
              HasSubstr("moderator term 'age_months' is collinear with earlier terms (intrcpt, age)"));
}

TEST(MetaRegression, TooFewStudiesForTheCoefficients) {
  EXPECT_THAT(error_of({column("g", {"A", "B", "C", "D", "E", "F", "G", "H"})}),
              HasSubstr("meta-regression needs more studies than coefficients: k = 8, but the model has 8"));
}

TEST(MetaRegression, MissingValuesDropRowsWithANote) {
  const auto r = regress_proportions(
      kStudies, {column("age", {"10", std::nullopt, "30", "41", "", "60", "70", "80"})}, PoolOptions{});
  EXPECT_EQ(r.fit.k, 6u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_THAT(r.notes[0], HasSubstr("2 studies with a missing moderator value left out: b, e"));
}

TEST(MetaRegression, InterceptOnlyEqualsThePooledEstimate) {
  // The intercept-only mixed model is random-effects pooling (STYLE.md, practice 8).
  const Eigen::VectorXd y = (Eigen::VectorXd(4) << 0.1, 0.5, -0.2, 0.3).finished();
  const Eigen::VectorXd v = (Eigen::VectorXd(4) << 0.04, 0.05, 0.03, 0.06).finished();
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(4, 1);
  const auto fit = fit_mixed_model(y, v, x, {"intrcpt"}, true, MixedModelOptions{});
  const std::vector<double> yy(y.data(), y.data() + 4), vv(v.data(), v.data() + 4);
  const auto t2 = estimate_tau2(yy, vv, Tau2Method::kREML);
  EXPECT_TRUE(close_to(fit.tau2, t2.tau2, kExact, "tau2"));
  const Eigen::VectorXd w = (v.array() + t2.tau2).inverse();
  EXPECT_TRUE(close_to(fit.coefficients[0].est, w.dot(y) / w.sum(), kExact, "mu"));
  EXPECT_TRUE(std::isnan(fit.QM));
  EXPECT_TRUE(std::isnan(fit.R2));
}

TEST(MetaRegression, CategoricalLevelsInByteOrderWithFirstAsReference) {
  const auto r = regress_proportions(
      kStudies, {column("costim", {"CD28", "4-1BB", "CD28", "4-1BB", "CD28", "4-1BB", "CD28", "4-1BB"})},
      PoolOptions{});
  ASSERT_EQ(r.design.names.size(), 2u);
  EXPECT_EQ(r.design.names[1], "costim[CD28]");
  EXPECT_EQ(r.design.terms[0].levels.front(), "4-1BB");
}

TEST(Subgroups, SingleStudyLevelEntersTheTestUnderTheAllConvention) {
  // meta's and RevMan's convention (the default): every subgroup is tested, a single-study one
  // with its own estimate and variance.
  const std::vector<std::optional<std::string>> level{"x", "x", "x", "y", "y", "y", "z", std::nullopt};
  const auto a = subgroup_analysis(kStudies, level, PoolOptions{}, SubgroupOptions{});
  ASSERT_EQ(a.levels.size(), 3u);
  EXPECT_TRUE(a.levels[2].pooled);
  EXPECT_TRUE(a.levels[2].in_test);
  EXPECT_EQ(a.levels_tested, 3u);
  EXPECT_EQ(a.Q_between_df, 2.0);
  ASSERT_TRUE(a.levels[2].result);
  const auto& z = a.levels[2].result->random;
  const auto es = proportion_effect(kStudies[6].events, kStudies[6].n, Measure::kPLO, ZeroCellRule::kMetafor, 0.5);
  EXPECT_TRUE(close_to(z.est, es.yi, kExact, "single-study level estimate"));
  EXPECT_TRUE(close_to(z.se, std::sqrt(es.vi), kExact, "single-study level SE"));
  EXPECT_TRUE(a.test_unavailable.empty());
}

TEST(Subgroups, SingleStudyLevelIsListedNotPooledUnderThePooledConvention) {
  const std::vector<std::optional<std::string>> level{"x", "x", "x", "y", "y", "y", "z", std::nullopt};
  const SubgroupOptions pooled{false, 2, SubgroupTest::kPooledSubgroups};
  const auto a = subgroup_analysis(kStudies, level, PoolOptions{}, pooled);
  ASSERT_EQ(a.levels.size(), 3u);
  EXPECT_FALSE(a.levels[2].pooled);
  EXPECT_FALSE(a.levels[2].in_test);
  EXPECT_THAT(a.levels[2].note, HasSubstr("not pooled: 1 study (fewer than min_k = 2)"));
  EXPECT_EQ(a.Q_between_df, 1.0);
  // With min_k 1 it is pooled (k = 1: its own estimate).
  const auto b = subgroup_analysis(kStudies, level, PoolOptions{}, SubgroupOptions{false, 1, SubgroupTest::kPooledSubgroups});
  EXPECT_TRUE(b.levels[2].pooled);
  EXPECT_EQ(b.Q_between_df, 2.0);
}

TEST(Subgroups, UncomputableTestIsASentenceNotNumbers) {
  const std::vector<std::optional<std::string>> one{"x", "x", "x", "x", "x", "x", "x", "x"};
  const auto a = subgroup_analysis(kStudies, one, PoolOptions{}, SubgroupOptions{});
  EXPECT_TRUE(std::isnan(a.Q_between));
  EXPECT_TRUE(std::isnan(a.Q_between_df));
  EXPECT_THAT(a.test_unavailable, HasSubstr("every study is in one subgroup ('x')"));
  // Pooled convention: one level with min_k studies, the others too small.
  const std::vector<std::optional<std::string>> lone{"x", "x", "x", "x", "x", "x", "y", "z"};
  const auto b = subgroup_analysis(kStudies, lone, PoolOptions{}, SubgroupOptions{false, 2, SubgroupTest::kPooledSubgroups});
  EXPECT_TRUE(std::isnan(b.Q_between));
  EXPECT_THAT(b.test_unavailable, HasSubstr("only 1 of the 3 subgroups has at least 2 studies"));
  // The same data under the all convention: three levels tested.
  const auto c = subgroup_analysis(kStudies, lone, PoolOptions{}, SubgroupOptions{});
  EXPECT_EQ(c.levels_tested, 3u);
  EXPECT_TRUE(std::isfinite(c.Q_between));
}

TEST(Subgroups, NoPoolableLevelIsAnError) {
  const std::vector<std::optional<std::string>> level{"a", "b", "c", "d", "e", "f", "g", "h"};
  EXPECT_THROW(subgroup_analysis(kStudies, level, PoolOptions{}, SubgroupOptions{false, 2, SubgroupTest::kPooledSubgroups}),
               Error);
  // Under the all convention eight single-study subgroups are eight estimates: a test on 7 df.
  const auto a = subgroup_analysis(kStudies, level, PoolOptions{}, SubgroupOptions{});
  EXPECT_EQ(a.Q_between_df, 7.0);
  const std::vector<std::optional<std::string>> none(kStudies.size(), std::nullopt);
  EXPECT_THROW(subgroup_analysis(kStudies, none, PoolOptions{}, SubgroupOptions{}), Error);
}

TEST(Subgroups, ConventionNamesParse) {
  EXPECT_EQ(parse_subgroup_test("ALL"), SubgroupTest::kAllSubgroups);
  EXPECT_EQ(parse_subgroup_test("pooled"), SubgroupTest::kPooledSubgroups);
  EXPECT_FALSE(parse_subgroup_test("some"));
  EXPECT_EQ(to_string(SubgroupTest::kAllSubgroups), "all");
}

TEST(Subgroups, QBetweenIsTheHeterogeneityOfTheLevelEstimates) {
  const std::vector<std::optional<std::string>> level{"x", "x", "x", "x", "y", "y", "y", "y"};
  const auto a = subgroup_analysis(kStudies, level, PoolOptions{}, SubgroupOptions{});
  const auto& x = a.levels[0].result->random;
  const auto& y = a.levels[1].result->random;
  const double wx = 1 / (x.se * x.se), wy = 1 / (y.se * y.se);
  const double mean = (wx * x.est + wy * y.est) / (wx + wy);
  const double q = wx * (x.est - mean) * (x.est - mean) + wy * (y.est - mean) * (y.est - mean);
  EXPECT_TRUE(close_to(a.Q_between, q, kExact, "Q between"));
}

TEST(LeaveOneOut, NeedsTwoStudiesAndKeepsOrder) {
  EXPECT_THROW(leave_one_out(std::vector<ProportionStudy>{{"a", 1, 2}}, PoolOptions{}), Error);
  const auto rows = leave_one_out(kStudies, PoolOptions{});
  ASSERT_EQ(rows.size(), kStudies.size());
  EXPECT_EQ(rows[3].omitted, "d");
  std::vector<ProportionStudy> without_d = kStudies;
  without_d.erase(without_d.begin() + 3);
  EXPECT_TRUE(close_to(rows[3].fit.est, pool_proportions(without_d, PoolOptions{}).random.est, kExact, "est"));
}

TEST(Influence, NeedsEnoughStudiesAndLabelsEachRow) {
  const std::vector<ProportionStudy> two{{"a", 1, 10}, {"b", 5, 10}};
  EXPECT_THROW(influence_proportions(two, PoolOptions{}), Error);
  const auto rows = influence_proportions(kStudies, PoolOptions{});
  ASSERT_EQ(rows.size(), kStudies.size());
  EXPECT_EQ(rows[7].label, "h");
  double total_weight = 0, total_hat = 0;
  for (const auto& r : rows) {
    total_weight += r.weight;
    total_hat += r.hat;
  }
  EXPECT_TRUE(close_to(total_weight, 100.0, kExact, "weights sum to 100"));
  EXPECT_TRUE(close_to(total_hat, 1.0, kExact, "hat values sum to p = 1"));
}

TEST(Cumulative, OrdersNumbersNumericallyAndKeepsTiesInInputOrder) {
  const std::vector<std::string> year{"2019", "2009", "10", "2009", "2020", "2015", "2018", "2017"};
  const auto rows = cumulative_meta_analysis(kStudies, year, PoolOptions{});
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0].added, "c");  // 10 < 2009 numerically
  EXPECT_EQ(rows[1].added, "b");  // the two 2009s in input order
  EXPECT_EQ(rows[2].added, "d");
  EXPECT_EQ(rows[0].k, 1u);
  EXPECT_TRUE(close_to(rows[7].fit.est, pool_proportions(kStudies, PoolOptions{}).random.est, kExact, "all studies"));
  const std::vector<std::string> text{"b", "a", "c", "a", "d", "e", "f", "g"};
  EXPECT_EQ(cumulative_meta_analysis(kStudies, text, PoolOptions{})[0].added, "b");
}

Eigen::MatrixXd age_design() {
  Eigen::MatrixXd x(8, 2);
  x.col(0).setOnes();
  x.col(1) << 14, 15, 11, 44, 40, 41.5, 12, 13.5;
  return x;
}

// The eight studies' logits and their variances (metafor's escalc).
std::pair<Eigen::VectorXd, Eigen::VectorXd> logit_effects() {
  Eigen::VectorXd y(8), v(8);
  for (std::size_t i = 0; i < 8; ++i) {
    const auto es = proportion_effect(kStudies[i].events, kStudies[i].n, Measure::kPLO, ZeroCellRule::kMetafor);
    y[static_cast<Eigen::Index>(i)] = es.yi;
    v[static_cast<Eigen::Index>(i)] = es.vi;
  }
  return {y, v};
}

TEST(Permutation, NeedsIterationsAndMatchingSizes) {
  const Eigen::VectorXd y = Eigen::VectorXd::LinSpaced(8, -1, 1);
  const Eigen::VectorXd v = Eigen::VectorXd::Constant(8, 0.1);
  PermutationOptions one;
  one.iterations = 1;
  EXPECT_THROW(permutation_test(y, v, age_design(), {"intrcpt", "age"}, MixedModelOptions{}, one), Error);
  EXPECT_THROW(permutation_test(y, v, Eigen::MatrixXd::Ones(8, 1), {"intrcpt"}, MixedModelOptions{}, one), Error);
  EXPECT_THROW(permutation_test(y, v, Eigen::MatrixXd::Ones(7, 1), {"intrcpt"}, MixedModelOptions{}, PermutationOptions{}), Error);
}

// The intercept-only model is tested by flipping signs (metafor's permutest): 2^8 = 256 patterns.
TEST(Permutation, SignFlipForTheInterceptOnlyModel) {
  const auto [y, v] = logit_effects();
  const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(8, 1);
  PermutationOptions po;
  po.iterations = 256;
  const auto exact = permutation_test(y, v, ones, {"intrcpt"}, MixedModelOptions{}, po);
  EXPECT_TRUE(exact.sign_flip);
  EXPECT_TRUE(exact.exact);
  EXPECT_EQ(exact.iterations, 256u);
  EXPECT_EQ(exact.exact_count, 256.0);
  ASSERT_EQ(exact.coefficient_p.size(), 1u);
  // The observed pattern and its mirror image (all signs flipped: the same |z|) are both counted.
  EXPECT_GE(exact.coefficient_p[0], 2.0 / 256.0);
  EXPECT_TRUE(close_to(exact.coefficient_p[0] * 256.0, std::round(exact.coefficient_p[0] * 256.0), kExact, "multiple of 1/256"));

  // Every y of one sign, far from 0: only the observed pattern and its mirror are as extreme.
  const Eigen::VectorXd far = Eigen::VectorXd::Constant(8, 3.0) + 0.01 * Eigen::VectorXd::LinSpaced(8, 0, 1);
  const auto extreme = permutation_test(far, v, ones, {"intrcpt"}, MixedModelOptions{MixedModelOptions{}.method, TestType::kZ,
                                                                                     0.95, 0.0, false, Tau2Control{}}, po);
  EXPECT_DOUBLE_EQ(extreme.coefficient_p[0], 2.0 / 256.0);

  PermutationOptions random = po;
  random.allow_exact = false;
  random.iterations = 2000;
  const auto a = permutation_test(y, v, ones, {"intrcpt"}, MixedModelOptions{}, random);
  EXPECT_FALSE(a.exact);
  EXPECT_EQ(a.seed, random.seed);
  EXPECT_NEAR(a.coefficient_p[0], exact.coefficient_p[0], 0.04);  // Monte Carlo error at 2000 draws
  for (const unsigned threads : {1u, 3u}) {
    random.threads = threads;
    EXPECT_EQ(permutation_test(y, v, ones, {"intrcpt"}, MixedModelOptions{}, random).coefficient_p, a.coefficient_p);
  }
}

TEST(Permutation, ExactWhenFeasibleSeededOtherwise) {
  const auto [y, v] = logit_effects();
  // A binary moderator with 4 + 4 studies: 8! / (4! 4!) = 70 distinct permutations.
  Eigen::MatrixXd x(8, 2);
  x.col(0).setOnes();
  x.col(1) << 0, 1, 0, 1, 0, 1, 0, 1;
  PermutationOptions po;
  po.iterations = 100;
  std::size_t calls = 0;
  po.progress = [&calls](std::size_t done, std::size_t total) {
    ++calls;
    EXPECT_LE(done, total);
  };
  const auto exact = permutation_test(y, v, x, {"intrcpt", "g"}, MixedModelOptions{}, po);
  EXPECT_TRUE(exact.exact);
  EXPECT_EQ(exact.iterations, 70u);
  EXPECT_GT(calls, 0u);
  // Exact p-values are multiples of 1/70, and the observed arrangement is among them.
  EXPECT_TRUE(close_to(exact.QM_p * 70.0, std::round(exact.QM_p * 70.0), kExact, "multiple of 1/70"));
  EXPECT_GE(exact.QM_p, 1.0 / 70.0);

  PermutationOptions random = po;
  random.allow_exact = false;
  random.iterations = 500;
  random.progress = nullptr;
  const auto a = permutation_test(y, v, x, {"intrcpt", "g"}, MixedModelOptions{}, random);
  const auto b = permutation_test(y, v, x, {"intrcpt", "g"}, MixedModelOptions{}, random);
  EXPECT_FALSE(a.exact);
  EXPECT_EQ(a.QM_p, b.QM_p);  // same seed, same permutations
  EXPECT_NEAR(a.QM_p, exact.QM_p, 0.07);  // Monte Carlo error at 500 draws
  random.seed = 7;
  const auto c = permutation_test(y, v, x, {"intrcpt", "g"}, MixedModelOptions{}, random);
  EXPECT_EQ(c.seed, 7u);
}

TEST(Permutation, PValuesDoNotDependOnTheThreadCount) {
  const auto [y, v] = logit_effects();
  Eigen::MatrixXd x = age_design();
  x.col(1) << 14, 14, 11, 44, 44, 41.5, 12, 12;  // ties: 8! / 2!^3 = 5040 distinct arrangements
  for (const bool exact : {true, false}) {
    PermutationOptions po;
    po.allow_exact = exact;
    po.iterations = exact ? 5040 : 1000;  // blocks of 256 cut both
    po.threads = 1;
    const auto one = permutation_test(y, v, x, {"intrcpt", "age"}, MixedModelOptions{}, po);
    EXPECT_EQ(one.exact, exact);
    for (const unsigned threads : {2u, 3u, 0u}) {
      po.threads = threads;
      const auto many = permutation_test(y, v, x, {"intrcpt", "age"}, MixedModelOptions{}, po);
      EXPECT_EQ(many.QM_p, one.QM_p) << threads << " threads";
      EXPECT_EQ(many.coefficient_p, one.coefficient_p) << threads << " threads";
      EXPECT_EQ(many.failed_fits, one.failed_fits);
    }
  }
}

}  // namespace
}  // namespace carta::test

namespace carta::test {
namespace {

// BLUPs at the edges: tau^2 = 0 gives the fitted value and no random effect; a huge tau^2 leaves
// each study its own estimate and variance; sizes that differ are errors, not numbers.
TEST(Blup, EdgesOfTheShrinkage) {
  const Eigen::VectorXd y = (Eigen::VectorXd(3) << 0.2, -0.4, 1.0).finished();
  const Eigen::VectorXd v = (Eigen::VectorXd(3) << 0.04, 0.09, 0.01).finished();
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(3, 1);
  const Eigen::VectorXd beta = Eigen::VectorXd::Constant(1, 0.5);
  const Eigen::MatrixXd vb = Eigen::MatrixXd::Constant(1, 1, 0.0025);
  const auto none = study_blups(y, v, x, beta, vb, 0.0, 1.96);
  for (const auto& b : none) {
    EXPECT_DOUBLE_EQ(b.est, 0.5);
    EXPECT_DOUBLE_EQ(b.se, 0.05);
    EXPECT_EQ(b.ranef, 0.0);
    EXPECT_EQ(b.shrinkage, 0.0);
  }
  const auto wide = study_blups(y, v, x, beta, vb, 1e12, 1.96);
  for (Eigen::Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(wide[static_cast<std::size_t>(i)].est, y[i], 1e-12);
    EXPECT_NEAR(wide[static_cast<std::size_t>(i)].se, std::sqrt(v[i]), 1e-9);
    EXPECT_NEAR(wide[static_cast<std::size_t>(i)].ranef, y[i] - 0.5, 1e-12);
  }
  const auto mid = study_blups(y, v, x, beta, vb, 0.04, 1.96);
  EXPECT_DOUBLE_EQ(mid[0].shrinkage, 0.5);
  EXPECT_DOUBLE_EQ(mid[0].est, 0.35);
  EXPECT_DOUBLE_EQ(mid[0].se, std::sqrt(0.5 * 0.04 + 0.25 * 0.0025));
  EXPECT_DOUBLE_EQ(mid[0].pi_ub - mid[0].est, 1.96 * mid[0].se);
  EXPECT_THROW(study_blups(y, v.head(2), x, beta, vb, 0.04, 1.96), Error);
  EXPECT_THROW(study_blups(y, v, x, beta, vb, -1.0, 1.96), Error);
  Eigen::VectorXd bad = v;
  bad[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(study_blups(y, bad, x, beta, vb, 0.04, 1.96), Error);
}

}  // namespace
}  // namespace carta::test
