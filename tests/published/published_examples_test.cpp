// Published worked examples: a second source, independent of metafor. Published values are
// printed to a few decimals, so they are compared to half a unit in the last printed place.

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "carta/glmm.hpp"
#include "carta/io/study_table.hpp"
#include "carta/pool.hpp"
#include "carta/survival.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

// Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation.
// The American Statistician 32(4):138. Four studies, x = 3, 6, 10, 1 of n = 11, 17, 21, 6.
// Miller's transformation is twice metafor's (and carta's) PFT value; its variance four times.
class Miller1978 : public ::testing::Test {
 protected:
  const std::vector<ProportionStudy> studies{{"1", 3, 11}, {"2", 6, 17}, {"3", 10, 21}, {"4", 1, 6}};
};

TEST_F(Miller1978, TransformedValuesAndVariances) {
  const double t[] = {1.1391, 1.2888, 1.5253, 0.9515};      // p. 138
  const double v[] = {0.0870, 0.0571, 0.0465, 0.1538};
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const auto es = proportion_effect(studies[i].events, studies[i].n, Measure::kPFT, ZeroCellRule::kMetafor);
    EXPECT_TRUE(close_to(2.0 * es.yi, t[i], printed_decimals(4), "2 * PFT"));
    EXPECT_TRUE(close_to(4.0 * es.vi, v[i], printed_decimals(4), "4 * var"));
  }
}

TEST_F(Miller1978, WeightedMeanAndBackTransformation) {
  PoolOptions options;
  options.measure = Measure::kPFT;
  const auto r = pool_proportions(studies, options);
  EXPECT_TRUE(close_to(2.0 * r.common.est, 1.3093, printed_decimals(4), "weighted mean (x2)"));
  EXPECT_TRUE(close_to(r.common.prop, 0.3595, printed_decimals(4), "back-transformed at harmonic n"));
  EXPECT_TRUE(close_to(r.n_harmonic, 4.0 / (1.0 / 11 + 1.0 / 17 + 1.0 / 21 + 1.0 / 6), kExact, "harmonic mean"));
}

TEST_F(Miller1978, UnweightedMeanBackTransformation) {
  double sum = 0.0;
  for (const auto& s : studies) sum += proportion_effect(s.events, s.n, Measure::kPFT, ZeroCellRule::kMetafor).yi;
  const double mean = sum / 4.0;
  EXPECT_TRUE(close_to(2.0 * mean, 1.2262, printed_decimals(4), "unweighted mean (x2)"));
  std::vector<std::int64_t> n{11, 17, 21, 6};
  EXPECT_TRUE(close_to(to_proportion(Measure::kPFT, mean, harmonic_mean(n)), 0.3164, printed_decimals(4),
                       "unweighted back-transformed"));
}

TEST(MillerInverse, RecoversEveryProportionAtItsOwnN) {
  // The inverse is exact at the study's own n (Miller 1978): x/n for every x in 0..n.
  for (int n : {1, 2, 5, 10, 37}) {
    for (int x = 0; x <= n; ++x) {
      const double t = freeman_tukey(x, n);
      EXPECT_TRUE(close_to(to_proportion(Measure::kPFT, t, n), static_cast<double>(x) / n, {1e-12, 1e-12},
                           "ipft(" + std::to_string(x) + "/" + std::to_string(n) + ")"));
    }
  }
}

// Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome in the
// framework of the generalized linear mixed model with applications in sparse data.
// Stat Med 29:3046-3067, Table II (p. 3050), approximate normal-normal model on the logit scale,
// for the catheter data of Niel-Weise et al. (2007).
std::vector<ProportionStudy> nielweise_arm(const std::string& events, const std::string& n) {
  const auto table = io::read_table(source_path("fixtures/datasets/nielweise2007.csv"));
  io::StudyColumns columns{events, n, std::string("author"), std::nullopt, {}};
  return io::load_proportion_studies(table, columns).groups.at(0).studies;
}

TEST(Stijnen2010, ControlArmNormalNormal) {
  const auto studies = nielweise_arm("ci", "n2i");
  const auto r = pool_proportions(studies, PoolOptions{});
  EXPECT_TRUE(close_to(r.random.est, -3.30, printed_decimals(2), "mu"));
  EXPECT_TRUE(close_to(r.random.se, 0.24, printed_decimals(2), "se"));
  EXPECT_TRUE(close_to(r.heterogeneity.tau2, 0.663, printed_decimals(3), "tau2"));
  // The paper prints 0.035 and 0.056 where the same model gives 0.0356 and 0.0552 (metafor's
  // own test of this example notes both): a rounding slip in the paper, checked to 0.001.
  EXPECT_TRUE(close_to(r.random.prop, 0.035, {0.0, 0.001}, "proportion"));
  EXPECT_TRUE(close_to(r.random.prop_ci_lb, 0.023, printed_decimals(3), "ci lb"));
  EXPECT_TRUE(close_to(r.random.prop_ci_ub, 0.056, {0.0, 0.001}, "ci ub"));
}

TEST(Stijnen2010, TreatmentArmNormalNormal) {
  const auto studies = nielweise_arm("ai", "n1i");
  const auto r = pool_proportions(studies, PoolOptions{});
  EXPECT_TRUE(close_to(r.random.est, -4.26, printed_decimals(2), "mu"));
  EXPECT_TRUE(close_to(r.random.se, 0.26, printed_decimals(2), "se"));
  EXPECT_TRUE(close_to(r.heterogeneity.tau2, 0.393, printed_decimals(3), "tau2"));
  EXPECT_TRUE(close_to(r.random.prop, 0.014, printed_decimals(3), "proportion"));
  EXPECT_TRUE(close_to(r.random.prop_ci_lb, 0.008, printed_decimals(3), "ci lb"));
  EXPECT_TRUE(close_to(r.random.prop_ci_ub, 0.023, printed_decimals(3), "ci ub"));
}

// Stijnen et al. (2010), Table II (p. 3050): the binomial-normal model (exact likelihood) for the
// same data. carta uses adaptive quadrature with 7 points, as metafor; the paper's values are
// printed to 2-3 decimals.
TEST(Stijnen2010, ControlArmBinomialNormal) {
  const auto f = fit_glmm(nielweise_arm("ci", "n2i"));
  EXPECT_TRUE(close_to(f.mu, -3.50, printed_decimals(2), "mu"));
  EXPECT_TRUE(close_to(f.se, 0.26, printed_decimals(2), "se"));
  EXPECT_TRUE(close_to(f.tau2, 0.81, printed_decimals(2), "tau2"));
  EXPECT_TRUE(close_to(f.prop, 0.029, printed_decimals(3), "proportion"));
  EXPECT_TRUE(close_to(f.prop_ci_lb, 0.018, printed_decimals(3), "ci lb"));
  EXPECT_TRUE(close_to(f.prop_ci_ub, 0.048, printed_decimals(3), "ci ub"));
}

TEST(Stijnen2010, TreatmentArmBinomialNormal) {
  const auto f = fit_glmm(nielweise_arm("ai", "n1i"));
  EXPECT_TRUE(close_to(f.mu, -4.81, printed_decimals(2), "mu"));
  EXPECT_TRUE(close_to(f.se, 0.36, printed_decimals(2), "se"));
  EXPECT_TRUE(close_to(f.tau2, 0.83, printed_decimals(2), "tau2"));
  EXPECT_TRUE(close_to(f.prop, 0.008, printed_decimals(3), "proportion"));
  EXPECT_TRUE(close_to(f.prop_ci_lb, 0.004, printed_decimals(3), "ci lb"));
  EXPECT_TRUE(close_to(f.prop_ci_ub, 0.016, printed_decimals(3), "ci ub"));
}

// The worked example of the survival specification (issue 7), three studies reporting in three
// ways: A S(12) = 0.60 (0.45-0.72); B median 14 (10-22) months; C 30 deaths in 400
// person-months. DerSimonian-Laird: mu = -2.8993 (SE 0.1735), S(12) = 0.517 (0.395-0.625),
// tau^2 = 0.04923, I^2 = 54.5%.
TEST(SurvivalWorkedExample, DerSimonianLaird) {
  SurvivalReport a, b, c;
  a.label = "A";
  a.s = 0.60;
  a.s_lb = 0.45;
  a.s_ub = 0.72;
  a.s_time = 12;
  b.label = "B";
  b.median = 14;
  b.median_lb = 10;
  b.median_ub = 22;
  c.label = "C";
  c.events = 30;
  c.person_time = 400;
  SurvivalOptions options;
  options.pool.method = Tau2Method::kDL;
  options.times = {12};
  const auto r = pool_survival(std::vector{a, b, c}, options);
  EXPECT_TRUE(close_to(r.log_hazard.random.est, -2.8993, printed_decimals(4), "mu"));
  EXPECT_TRUE(close_to(r.log_hazard.random.se, 0.1735, printed_decimals(4), "SE"));
  // S(12) = 0.51647: the specification prints 0.517, one unit of rounding from 0.5165.
  EXPECT_TRUE(close_to(r.survival[0].random.est, 0.517, {0.0, 6e-4}, "S(12)"));
  EXPECT_TRUE(close_to(r.survival[0].random.ci_lb, 0.395, printed_decimals(3), "S(12) lb"));
  EXPECT_TRUE(close_to(r.survival[0].random.ci_ub, 0.625, printed_decimals(3), "S(12) ub"));
  EXPECT_TRUE(close_to(r.log_hazard.heterogeneity.tau2, 0.04923, printed_decimals(5), "tau2"));
  EXPECT_TRUE(close_to(r.log_hazard.heterogeneity.I2, 54.5, printed_decimals(1), "I2"));
}

}  // namespace
}  // namespace carta::test
