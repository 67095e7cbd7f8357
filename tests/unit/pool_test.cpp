// Identities, boundaries and edge cases of the pooling engine, beyond the metafor fixtures.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "carta/error.hpp"
#include "carta/pool.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

constexpr auto kAllMethods = kTau2Methods;
constexpr Measure kAllMeasures[] = {Measure::kPLO, Measure::kPAS, Measure::kPFT, Measure::kPR, Measure::kPLN};

const std::vector<ProportionStudy> kHeterogeneous{{"a", 27, 30}, {"b", 14, 21}, {"c", 61, 75},
                                                   {"d", 44, 53}, {"e", 6, 6},   {"f", 12, 20},
                                                   {"g", 0, 15},  {"h", 102, 110}};

PoolOptions options_for(Measure m, Tau2Method method, TestType test = TestType::kZ,
                        Preset preset = Preset::kMetafor) {
  PoolOptions o;
  o.measure = m;
  o.method = method;
  o.test = test;
  o.preset = preset;
  return o;
}

TEST(Pool, StudyOrderDoesNotMatter) {
  std::mt19937 rng(7);
  for (auto m : kAllMeasures) {
    for (auto method : kAllMethods) {
      for (auto test : {TestType::kZ, TestType::kKnha}) {
        const auto o = options_for(m, method, test);
        const auto a = pool_proportions(kHeterogeneous, o);
        auto shuffled = kHeterogeneous;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        const auto b = pool_proportions(shuffled, o);
        const std::string what = std::string(to_string(m)) + " " + std::string(to_string(method));
        EXPECT_TRUE(close_to(b.heterogeneity.tau2, a.heterogeneity.tau2, {1e-10, 1e-14}, what + " tau2"));
        EXPECT_TRUE(close_to(b.random.est, a.random.est, {1e-10, 1e-14}, what + " est"));
        EXPECT_TRUE(close_to(b.random.se, a.random.se, {1e-10, 1e-14}, what + " se"));
        EXPECT_TRUE(close_to(b.heterogeneity.tau2_ci_ub, a.heterogeneity.tau2_ci_ub, {1e-10, 1e-14}, what + " ci"));
        EXPECT_TRUE(close_to(b.heterogeneity.Q, a.heterogeneity.Q, {1e-12, 1e-14}, what + " Q"));
      }
    }
  }
}

TEST(Pool, RandomEqualsCommonWhenTau2IsZero) {
  // Identical proportions: Q = 0, every estimator gives tau2 = 0.
  const std::vector<ProportionStudy> same{{"a", 5, 20}, {"b", 10, 40}, {"c", 25, 100}};
  for (auto method : kAllMethods) {
    const auto r = pool_proportions(same, options_for(Measure::kPLO, method));
    SCOPED_TRACE(std::string(to_string(method)));
    EXPECT_EQ(r.heterogeneity.tau2, 0.0);
    EXPECT_TRUE(close_to(r.random.est, r.common.est, kExact, "est"));
    EXPECT_TRUE(close_to(r.random.se, r.common.se, kExact, "se"));
    EXPECT_EQ(r.heterogeneity.tau2_ci_lb, 0.0);
    EXPECT_EQ(r.heterogeneity.I2, 0.0);
    EXPECT_TRUE(close_to(r.heterogeneity.Q, 0.0, {0.0, 1e-20}, "Q"));
  }
}

TEST(Pool, SingleStudy) {
  const std::vector<ProportionStudy> one{{"only", 13, 20}};
  auto r = pool_proportions(one, options_for(Measure::kPLO, Tau2Method::kREML, TestType::kZ, Preset::kCarta));
  EXPECT_EQ(r.k, 1u);
  EXPECT_EQ(r.heterogeneity.tau2, 0.0);
  EXPECT_TRUE(close_to(r.random.est, std::log(13.0 / 7.0), kExact, "est"));
  EXPECT_EQ(r.random.est, r.common.est);
  EXPECT_TRUE(std::isnan(r.heterogeneity.Q_p));
  EXPECT_TRUE(std::isnan(r.random.pi_lb));  // t(0) does not exist
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("k = 1: heterogeneity cannot be estimated")));
  EXPECT_TRUE(r.convergence.all_converged());
  // metafor's convention: the PI is the CI (z, tau2 = 0).
  r = pool_proportions(one, options_for(Measure::kPLO, Tau2Method::kREML, TestType::kZ, Preset::kMetafor));
  EXPECT_TRUE(close_to(r.random.pi_lb, r.random.ci_lb, kExact, "pi = ci"));
  // Hartung-Knapp has no degrees of freedom: z is used, as metafor, and a note says so.
  r = pool_proportions(one, options_for(Measure::kPLO, Tau2Method::kDL, TestType::kKnha));
  EXPECT_TRUE(close_to(r.random.ci_lb, r.common.ci_lb, kExact, "z CI"));
  EXPECT_TRUE(std::isnan(r.random.df));
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("the z test is used")));
}

TEST(Pool, AllZeroAndAllEventStudies) {
  const std::vector<ProportionStudy> zeros{{"a", 0, 10}, {"b", 0, 25}, {"c", 0, 7}};
  const std::vector<ProportionStudy> alls{{"a", 10, 10}, {"b", 25, 25}, {"c", 7, 7}};
  for (const auto* data : {&zeros, &alls}) {
    for (auto m : kAllMeasures) {
      for (auto method : kAllMethods) {
        const auto r = pool_proportions(*data, options_for(m, method));
        SCOPED_TRACE(std::string(to_string(m)) + " " + std::string(to_string(method)));
        EXPECT_TRUE(std::isfinite(r.random.est));
        EXPECT_TRUE(std::isfinite(r.random.prop));
        EXPECT_TRUE(r.convergence.all_converged());
        EXPECT_GE(r.random.prop, -1e-12);
      }
    }
  }
}

TEST(Pool, OneHugeStudyAmongSmallOnes) {
  const std::vector<ProportionStudy> d{{"big", 2'500'000, 10'000'000}, {"s1", 3, 12}, {"s2", 9, 15}, {"s3", 1, 9}};
  for (auto method : kAllMethods) {
    const auto r = pool_proportions(d, options_for(Measure::kPLO, method));
    SCOPED_TRACE(std::string(to_string(method)));
    EXPECT_TRUE(r.convergence.all_converged());
    EXPECT_TRUE(std::isfinite(r.random.se));
    EXPECT_GT(r.studies[0].weight_common, 99.9);
  }
}

TEST(Pool, DerSimonianLairdByHand) {
  // A naive second implementation of DL on the logit scale.
  std::vector<double> y, v;
  for (const auto& s : kHeterogeneous) {
    const auto es = proportion_effect(s.events, s.n, Measure::kPLO, ZeroCellRule::kMetafor);
    y.push_back(es.yi);
    v.push_back(es.vi);
  }
  double sw = 0, swy = 0, sw2 = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    sw += 1 / v[i];
    swy += y[i] / v[i];
    sw2 += 1 / (v[i] * v[i]);
  }
  const double mu_fe = swy / sw;
  double q = 0;
  for (std::size_t i = 0; i < y.size(); ++i) q += (y[i] - mu_fe) * (y[i] - mu_fe) / v[i];
  const double tau2 = std::max(0.0, (q - 7.0) / (sw - sw2 / sw));
  double sw_re = 0, swy_re = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    sw_re += 1 / (v[i] + tau2);
    swy_re += y[i] / (v[i] + tau2);
  }
  const auto r = pool_proportions(kHeterogeneous, options_for(Measure::kPLO, Tau2Method::kDL));
  EXPECT_TRUE(close_to(r.heterogeneity.tau2, tau2, kExact, "tau2"));
  EXPECT_TRUE(close_to(r.random.est, swy_re / sw_re, kExact, "est"));
  EXPECT_TRUE(close_to(r.random.se, std::sqrt(1 / sw_re), kExact, "se"));
}

TEST(Pool, PauleMandelSolvesItsEquationAndRemlItsScore) {
  const auto pm = pool_proportions(kHeterogeneous, options_for(Measure::kPLO, Tau2Method::kPM));
  std::vector<double> y, v;
  for (const auto& s : pm.studies) {
    y.push_back(s.yi);
    v.push_back(s.vi);
  }
  const Eigen::Map<const Eigen::VectorXd> yy(y.data(), static_cast<Eigen::Index>(y.size()));
  const Eigen::Map<const Eigen::VectorXd> vv(v.data(), static_cast<Eigen::Index>(v.size()));
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(yy.size(), 1);
  EXPECT_TRUE(close_to(generalised_q(yy, vv, x, pm.heterogeneity.tau2), 7.0, {1e-12, 0}, "Q(tau2_PM) = k - 1"));
  EXPECT_TRUE(close_to(generalised_q(yy, vv, x, pm.heterogeneity.tau2_ci_ub), 1.6898691807, {1e-9, 0}, "Q(ub) = chi2 lower"));

  // REML: the restricted score y'PPy - tr(P) vanishes at an interior optimum.
  const auto reml = pool_proportions(kHeterogeneous, options_for(Measure::kPLO, Tau2Method::kREML));
  const double t = reml.heterogeneity.tau2;
  ASSERT_GT(t, 0.0);
  const Eigen::VectorXd w = (vv.array() + t).inverse();
  const double mu = w.dot(yy) / w.sum();
  const Eigen::VectorXd py = (w.array() * (yy.array() - mu)).matrix();
  const double tr_p = w.sum() - w.squaredNorm() / w.sum();
  EXPECT_TRUE(close_to(py.squaredNorm() - tr_p, 0.0, {0, 1e-10}, "REML score"));
  // EB has the same fixed point as PM.
  const auto eb = pool_proportions(kHeterogeneous, options_for(Measure::kPLO, Tau2Method::kEB));
  EXPECT_EQ(eb.heterogeneity.tau2, pm.heterogeneity.tau2);
}

TEST(Pool, MetaPresetUsesQBasedI2AndHigginsThompsonInterval) {
  const auto r = pool_proportions(kHeterogeneous, options_for(Measure::kPLO, Tau2Method::kREML, TestType::kZ, Preset::kMeta));
  const double q = r.heterogeneity.Q;
  EXPECT_TRUE(close_to(r.heterogeneity.I2, 100.0 * (q - 7.0) / q, kExact, "I2 = (Q - df) / Q"));
  EXPECT_TRUE(close_to(r.heterogeneity.H2, q / 7.0, kExact, "H2 = Q / df"));
  // Higgins & Thompson (2002): Q > k, se(ln H) = (ln Q - ln df) / (2 (sqrt(2Q) - sqrt(2k - 3)))
  const double se = 0.5 * (std::log(q) - std::log(7.0)) / (std::sqrt(2 * q) - std::sqrt(13.0));
  const double h_lb = std::max(1.0, std::exp(std::log(std::sqrt(q / 7.0)) - 1.959963984540054 * se));
  EXPECT_TRUE(close_to(r.heterogeneity.H2_ci_lb, h_lb * h_lb, {1e-12, 0}, "H2 lb"));
  EXPECT_EQ(r.study_ci, StudyCiMethod::kClopperPearson);
  // Prediction interval with t(k-1) and the unscaled SE.
  const double half = (r.random.pi_ub - r.random.pi_lb) / 2;
  EXPECT_TRUE(close_to(half, 2.364624251592785 * std::sqrt(r.random.se * r.random.se + r.heterogeneity.tau2),
                       {1e-12, 0}, "PI half-width"));
}

TEST(Pool, KnhaWithIdenticalEstimatesHasZeroScaleAndSaysSo) {
  const std::vector<ProportionStudy> same{{"a", 5, 20}, {"b", 5, 20}};
  const auto r = pool_proportions(same, options_for(Measure::kPLO, Tau2Method::kREML, TestType::kKnha));
  EXPECT_EQ(r.random.knha_scale, 0.0);
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("Hartung-Knapp scale factor is 0")));
}

TEST(Pool, NotesForCorrectionsPftAndOutOfRangeBounds) {
  const std::vector<ProportionStudy> d{{"a", 0, 8}, {"b", 1, 9}, {"c", 2, 30}};
  auto r = pool_proportions(d, options_for(Measure::kPLO, Tau2Method::kREML));
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("0.5 added to events and non-events of 1 study with 0 or all events (a)")));
  r = pool_proportions(d, options_for(Measure::kPFT, Tau2Method::kREML));
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("Freeman-Tukey transformation is discouraged")));
  r = pool_proportions(d, options_for(Measure::kPR, Tau2Method::kREML));
  EXPECT_LT(r.random.prop_pi_lb, 0.0);
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("outside [0, 1]")));
}

TEST(Pool, RejectsBadInputAndOptions) {
  const std::vector<ProportionStudy> dup{{"a", 1, 10}, {"a", 2, 10}};
  EXPECT_THROW(pool_proportions(dup, PoolOptions{}), Error);
  EXPECT_THROW(pool_proportions(std::vector<ProportionStudy>{}, PoolOptions{}), Error);
  const std::vector<ProportionStudy> ok{{"a", 1, 10}};
  PoolOptions o;
  o.level = 1.0;
  EXPECT_THROW(pool_proportions(ok, o), Error);
  o = PoolOptions{};
  o.continuity = -1;
  EXPECT_THROW(pool_proportions(ok, o), Error);
  o = PoolOptions{};
  o.continuity = 0.0;
  const std::vector<ProportionStudy> zero{{"zero-study", 0, 10}, {"b", 1, 10}};
  try {
    (void)pool_proportions(zero, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("study 'zero-study': 0 events of 10"));
  }
}

TEST(Pool, NonConvergenceIsReportedNotHidden) {
  PoolOptions o = options_for(Measure::kPLO, Tau2Method::kREML);
  o.control.max_iterations = 1;
  const auto r = pool_proportions(kHeterogeneous, o);
  EXPECT_FALSE(r.convergence.tau2.converged);
  EXPECT_FALSE(r.convergence.all_converged());
  EXPECT_THAT(r.notes, ::testing::Contains(HasSubstr("did not converge")));
}

}  // namespace
// PR is not range preserving: R meta clamps back-transformed values to [0, 1], metafor does not;
// each says which it did.
TEST(Pool, RawProportionBoundsAreClampedUnderPresetMetaOnly) {
  const std::vector<ProportionStudy> rare{{"a", 0, 20}, {"b", 1, 30}, {"c", 2, 25}, {"d", 0, 15}};
  PoolOptions options;
  options.measure = Measure::kPR;
  options.preset = Preset::kMetafor;
  const auto metafor = pool_proportions(rare, options);
  ASSERT_LT(metafor.random.prop_ci_lb, 0.0);
  EXPECT_THAT(metafor.notes, Contains(HasSubstr("reported unclamped")));
  options.preset = Preset::kMeta;
  const auto meta = pool_proportions(rare, options);
  EXPECT_EQ(meta.random.prop_ci_lb, 0.0);
  EXPECT_EQ(meta.common.prop_ci_lb, 0.0);
  EXPECT_GE(meta.random.prop_pi_lb, 0.0);
  EXPECT_LT(meta.random.ci_lb, 0.0);  // the measure-scale bound itself is kept
  EXPECT_THAT(meta.notes, Contains(HasSubstr("clamped to [0, 1], as R meta prints them")));
  EXPECT_THAT(describe_conventions(meta), HasSubstr("PR/PLN proportions clamped to [0, 1] (R meta)"));
}

}  // namespace carta::test
