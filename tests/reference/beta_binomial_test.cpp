// The beta-binomial model against R VGAM (fixtures/generate/generate_beta_binomial.R).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "carta/beta_binomial.hpp"
#include "carta/error.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

// Tolerances of the checks of the exact-derivative fit and the calibrated interval, each with its
// reason (tests/support/tolerances.hpp holds the ones shared with metafor comparisons).
// The profile equation 2 (l_max - l_p) = c re-solved by a grid over rho in steps of 1e-4: the
// grid's coarseness, not carta's, sets the limit.
constexpr Tolerance kProfileByRhoGrid{0.0, 2e-3};
// The same on a grid of 1e-4 in log theta around the maximum.
constexpr Tolerance kProfileByLogThetaGrid{0.0, 1e-5};
// A zero gradient by central differences (h = 1e-6) of a log-likelihood made of terms near 1e4.
constexpr Tolerance kNumericalGradient{0.0, 1e-4};
// chi^2_1 at 0.955, as R's qchisq prints it (10 significant digits).
constexpr double kChi2At0955 = 4.018639511;
constexpr Tolerance kPrintedChi2{1e-9, 0.0};
// The mean of 2000 chi^2_1 draws has a standard deviation of 0.032: four of them.
constexpr Tolerance kFactorMonteCarlo{0.0, 0.13};

class BetaBinomialTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BetaBinomialTest, AgreesWithVgam) {
  const auto doc = load_json(source_path("fixtures/metafor/betabinomial_" + GetParam() + ".json"));
  std::vector<ProportionStudy> studies;
  const auto& d = doc.at("data");
  for (std::size_t i = 0; i < d["label"].size(); ++i) {
    studies.push_back({d["label"][i].get<std::string>(), d["events"][i].get<std::int64_t>(), d["n"][i].get<std::int64_t>()});
  }
  const auto f = fit_beta_binomial(studies);
  EXPECT_TRUE(f.report.converged);
  // VGAM's Fisher scoring at epsilon 1e-13 and carta's profile maximisation meet at the optimum.
  EXPECT_TRUE(close_to(f.pi, number(doc["pi"]), {1e-7, 1e-10}, "pi"));
  EXPECT_TRUE(close_to(f.rho, number(doc["rho"]), {1e-5, 1e-9}, "rho"));
  EXPECT_TRUE(close_to(f.loglik, number(doc["loglik"]), {1e-10, 1e-10}, "loglik"));
  // The log-likelihood itself, at VGAM's estimates, against VGAM's dbetabinom.
  EXPECT_TRUE(close_to(beta_binomial_log_likelihood(studies, number(doc["pi"]), number(doc["rho"]) / (1 - number(doc["rho"]))),
                       number(doc["loglik_dbetabinom"]), {1e-12, 1e-12}, "loglik at VGAM's estimate"));
  // Wald SE of logit(pi): VGAM uses the expected information, carta the observed one; they
  // converge as k grows (2% from k = 5 here; 3.5% apart at k = 2, where no check is made).
  if (studies.size() >= 5) {
    EXPECT_TRUE(close_to(f.logit_pi_se, number(doc["logit_pi_se"]), {2e-2, 0}, "se(logit pi)"));
  }
  if (doc.contains("pi_profile_ci") && !doc["pi_profile_ci"].is_null()) {
    // VGAM profiles on a grid with spline interpolation.
    EXPECT_TRUE(close_to(f.pi_ci_lb, number(doc["pi_profile_ci"][0]), {5e-4, 0}, "pi lb"));
    EXPECT_TRUE(close_to(f.pi_ci_ub, number(doc["pi_profile_ci"][1]), {5e-4, 0}, "pi ub"));
  }
  // carta's bounds solve the profile equation 2 (l_max - l_p(pi)) = chi^2_1(0.95): checked with a
  // brute-force profile over a fine rho grid.
  for (const double bound : {f.pi_ci_lb, f.pi_ci_ub}) {
    double best = -1e300, best_rho = 0.0;
    for (double rho = 0.0; rho < 0.95; rho += 1e-3) {
      const double v = beta_binomial_log_likelihood(studies, bound, rho / (1 - rho));
      if (v > best) best = v, best_rho = rho;
    }
    for (double rho = std::max(0.0, best_rho - 1e-3); rho < best_rho + 1e-3; rho += 1e-6) {
      best = std::max(best, beta_binomial_log_likelihood(studies, bound, rho / (1 - rho)));
    }
    EXPECT_NEAR(2.0 * (f.loglik - best), 3.841458820694124, 1e-6) << "bound " << bound;
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, BetaBinomialTest, ::testing::Values("pritz1997", "cart_cr", "cart_crs3", "debruin", "k2"));

TEST(BetaBinomial, BoundariesAndErrors) {
  // No overdispersion: equal proportions give rho = 0 and the pooled proportion.
  const std::vector<ProportionStudy> same{{"a", 5, 20}, {"b", 10, 40}, {"c", 25, 100}};
  const auto f = fit_beta_binomial(same);
  EXPECT_EQ(f.rho, 0.0);
  EXPECT_TRUE(close_to(f.pi, 0.25, kExact, "pooled"));
  EXPECT_EQ(f.lrt_p, 1.0);
  EXPECT_EQ(f.rho_ci_lb, 0.0);
  EXPECT_THROW(fit_beta_binomial(std::vector<ProportionStudy>{{"a", 0, 5}, {"b", 0, 7}}), Error);
  // Zero and all-event studies mixed with others are fine (no continuity correction needed).
  const auto g = fit_beta_binomial(std::vector<ProportionStudy>{{"a", 0, 12}, {"b", 12, 12}, {"c", 4, 10}, {"d", 7, 15}});
  EXPECT_TRUE(g.report.converged);
  EXPECT_GT(g.rho, 0.0);
  EXPECT_LT(g.pi_ci_lb, g.pi);
  EXPECT_GT(g.pi_ci_ub, g.pi);
  // The profile bounds solve 2 (l_max - l_p) = 3.8415: check the lower one for pi directly.
  const std::vector<ProportionStudy> d{{"a", 27, 30}, {"b", 14, 21}, {"c", 61, 75}, {"d", 44, 53}, {"e", 6, 6}};
  const auto h = fit_beta_binomial(d);
  double best = -1e300;
  for (double rho = 0.0; rho < 0.9; rho += 1e-4) {
    best = std::max(best, beta_binomial_log_likelihood(d, h.pi_ci_lb, rho / (1 - rho)));
  }
  EXPECT_NEAR(2.0 * (h.loglik - best), 3.841458820694124, 2e-3);
}

// Studies larger than 2000 take the lgamma form of the likelihood, with digamma and trigamma
// derivatives: the maximum found by Newton's method must have a zero gradient by central
// differences of the log-likelihood itself, and the profile bounds must solve their equation.
TEST(BetaBinomial, LargeStudiesUseTheLgammaFormConsistently) {
  const std::vector<ProportionStudy> d{{"a", 1500, 2500}, {"b", 2100, 3000}, {"c", 1200, 2200}, {"d", 40, 60}, {"e", 1900, 4000}};
  const auto f = fit_beta_binomial(d);
  ASSERT_TRUE(f.report.converged);
  ASSERT_GT(f.theta, 1e-3);
  const double h_pi = 1e-6, h_theta = 1e-6 * f.theta;
  const double g_pi = (beta_binomial_log_likelihood(d, f.pi + h_pi, f.theta) - beta_binomial_log_likelihood(d, f.pi - h_pi, f.theta)) / (2 * h_pi);
  const double g_theta =
      (beta_binomial_log_likelihood(d, f.pi, f.theta + h_theta) - beta_binomial_log_likelihood(d, f.pi, f.theta - h_theta)) / (2 * h_theta);
  EXPECT_TRUE(close_to(g_pi, 0.0, kNumericalGradient, "d l / d pi at the maximum"));
  EXPECT_TRUE(close_to(g_theta * f.theta, 0.0, kNumericalGradient, "d l / d log theta at the maximum"));
  for (const double bound : {f.pi_ci_lb, f.pi_ci_ub}) {
    double best = -1e300;
    for (double log_theta = std::log(f.theta) - 3; log_theta < std::log(f.theta) + 3; log_theta += 1e-4) {
      best = std::max(best, beta_binomial_log_likelihood(d, bound, std::exp(log_theta)));
    }
    EXPECT_TRUE(close_to(2.0 * (f.loglik - best), 3.841458820694124, kProfileByLogThetaGrid, "LR at a bound"));
  }
}

// A million patients a study: the log-likelihood is a small difference of terms near 1.3e7, so
// Newton's steps stop gaining more than rounding before they get below 1e-10; that is convergence
// (it used to spin to the iteration limit and report none).
TEST(BetaBinomial, MillionsOfPatientsConverge) {
  const std::vector<ProportionStudy> d{{"a", 300000, 1000000}, {"b", 320000, 1000000}, {"c", 310000, 1000000}};
  BetaBinomialOptions o;
  o.bootstrap_replicates = 200;
  const auto f = fit_beta_binomial(d, o);
  EXPECT_TRUE(f.report.converged) << f.report.message;
  // Three equal studies at 30%, 32% and 31%: the mean is 31% up to the logit's asymmetry.
  EXPECT_TRUE(close_to(f.pi, 0.31, {0.0, 1e-6}, "pi"));
  EXPECT_GT(f.rho, 0.0);
  EXPECT_EQ(f.calibration.not_converged, 0);
  EXPECT_LT(f.calibration.pi_lb, f.pi_ci_lb);
  EXPECT_GT(f.calibration.pi_ub, f.pi_ci_ub);
}

const std::vector<ProportionStudy>& cart_cr() {
  // Complete remission in five CAR-T trials (examples/cart-ball), small k as in subgroup analyses.
  static const std::vector<ProportionStudy> d{{"a", 27, 30}, {"b", 14, 21}, {"c", 61, 75}, {"d", 44, 53}, {"e", 6, 6}};
  return d;
}

TEST(BetaBinomialCalibration, BoundsSolveTheCalibratedEquation) {
  BetaBinomialOptions o;
  o.bootstrap_replicates = 1000;
  const auto f = fit_beta_binomial(cart_cr(), o);
  const auto& c = f.calibration;
  EXPECT_EQ(c.replicates, 1000);
  EXPECT_EQ(c.not_converged, 0);
  // chi^2_1 at 0.955: the level is raised by gamma = 0.005 for the set of rho values searched.
  EXPECT_EQ(c.gamma, 0.005);
  EXPECT_TRUE(close_to(c.cutoff, kChi2At0955 * c.bartlett_factor, kPrintedChi2, "cut-off"));
  ASSERT_EQ(c.rho_grid.size(), c.factors.size());
  ASSERT_GE(c.rho_grid.size(), 3u);
  EXPECT_EQ(c.bartlett_factor, *std::max_element(c.factors.begin(), c.factors.end()));
  EXPECT_GT(c.rho_set_ub, f.rho_ci_ub);  // the 99.5% interval is wider than the 95% one
  // Few studies: the likelihood-ratio statistic is larger than chi^2_1 suggests, so the cut-off
  // grows and the calibrated interval contains the profile interval.
  EXPECT_GT(c.bartlett_factor, 1.0);
  EXPECT_LT(c.pi_lb, f.pi_ci_lb);
  EXPECT_GE(c.pi_ub, f.pi_ci_ub);
  EXPECT_GT(c.cutoff_mc_se, 0.0);
  EXPECT_LT(c.cutoff_mc_se, 0.1 * c.cutoff);
  double best = -1e300;
  for (double rho = 0.0; rho < 0.9; rho += 1e-4) best = std::max(best, beta_binomial_log_likelihood(cart_cr(), c.pi_lb, rho / (1 - rho)));
  EXPECT_TRUE(close_to(2.0 * (f.loglik - best), c.cutoff, kProfileByRhoGrid, "LR at the calibrated bound"));
}

TEST(BetaBinomialCalibration, DeterministicAndThreadIndependent) {
  BetaBinomialOptions o;
  o.bootstrap_replicates = 300;
  o.threads = 1;
  const auto one = fit_beta_binomial(cart_cr(), o).calibration;
  for (unsigned threads : {2u, 3u, 0u}) {
    o.threads = threads;
    const auto many = fit_beta_binomial(cart_cr(), o).calibration;
    EXPECT_EQ(one.bartlett_factor, many.bartlett_factor) << threads;
    EXPECT_EQ(one.pi_lb, many.pi_lb) << threads;
    EXPECT_EQ(one.pi_ub, many.pi_ub) << threads;
  }
  o.seed += 1;
  EXPECT_NE(fit_beta_binomial(cart_cr(), o).calibration.bartlett_factor, one.bartlett_factor);
  o.bootstrap_replicates = 50;
  EXPECT_THROW(fit_beta_binomial(cart_cr(), o), Error);
}

// With many large studies the likelihood-ratio statistic is chi^2_1 and the Bartlett factor is 1
// up to Monte Carlo error (sd of the mean of 2000 chi^2_1 draws: 0.032).
TEST(BetaBinomialCalibration, FactorIsOneInLargeSamples) {
  std::vector<ProportionStudy> d;
  const int events[] = {180, 240, 205, 310, 150, 260, 199, 230, 275, 220, 170, 290, 210, 250, 225, 185, 265, 245, 215, 235};
  for (int i = 0; i < 20; ++i) d.push_back({"s" + std::to_string(i), events[i], 1000});
  BetaBinomialOptions o;
  o.bootstrap_replicates = 2000;
  const auto f = fit_beta_binomial(d, o);
  ASSERT_GT(f.rho, 0.0);
  EXPECT_TRUE(close_to(f.calibration.bartlett_factor, 1.0, kFactorMonteCarlo, "Bartlett factor"));
  // A cut-off at most 13% (and gamma) above chi^2_1 moves a bound of 20 studies of 1000 patients
  // by well under a percentage point.
  EXPECT_TRUE(close_to(f.calibration.pi_lb, f.pi_ci_lb, {0.0, 0.01}, "calibrated lower bound"));
}

// The calibration draws data sets in which every study has 0 events; their statistic uses the
// supremum at pi = 0 instead of a fit. Low proportions with few patients make this common.
TEST(BetaBinomialCalibration, ReplicatesWithoutEventsAreHandled) {
  const std::vector<ProportionStudy> d{{"a", 1, 10}, {"b", 0, 12}, {"c", 0, 8}, {"d", 2, 15}};
  BetaBinomialOptions o;
  o.bootstrap_replicates = 500;
  const auto f = fit_beta_binomial(d, o);
  EXPECT_EQ(f.calibration.not_converged, 0);
  EXPECT_TRUE(std::isfinite(f.calibration.bartlett_factor));
  // Sparse counts: W is discrete and its mean below 1; the cut-off is floored at chi^2_1(0.955).
  EXPECT_LT(f.calibration.bartlett_factor, 1.0);
  EXPECT_TRUE(close_to(f.calibration.cutoff, kChi2At0955, kPrintedChi2, "floored cut-off"));
  EXPECT_LE(f.calibration.pi_lb, f.pi_ci_lb);
  EXPECT_GT(f.calibration.pi_ub, f.pi);
}

// Edge cases of the calibration: k = 1 (rho not identifiable), k = 2, a study with all events
// next to others, and data where every study has 0 (or all) events.
TEST(BetaBinomialCalibration, EdgeCases) {
  BetaBinomialOptions o;
  o.bootstrap_replicates = 200;
  for (const auto& d : {std::vector<ProportionStudy>{{"a", 7, 19}}, std::vector<ProportionStudy>{{"a", 5, 5}, {"b", 3, 9}},
                        std::vector<ProportionStudy>{{"a", 12, 12}, {"b", 9, 14}, {"c", 20, 31}}}) {
    const auto f = fit_beta_binomial(d, o);
    const auto& c = f.calibration;
    EXPECT_EQ(c.not_converged, 0) << d.size();
    EXPECT_GE(c.cutoff, kChi2At0955 * (1.0 - 1e-9)) << d.size();
    EXPECT_LE(c.pi_lb, f.pi_ci_lb) << d.size();
    EXPECT_GE(c.pi_ub, f.pi_ci_ub) << d.size();
    EXPECT_LT(c.pi_lb, f.pi);
    EXPECT_GT(c.pi_ub, f.pi);
  }
  EXPECT_THROW(fit_beta_binomial(std::vector<ProportionStudy>{{"a", 0, 5}, {"b", 0, 7}}, o), Error);
  EXPECT_THROW(fit_beta_binomial(std::vector<ProportionStudy>{{"a", 5, 5}, {"b", 7, 7}}, o), Error);
}

}  // namespace
}  // namespace carta::test
