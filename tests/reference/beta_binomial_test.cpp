// The beta-binomial model against R VGAM (fixtures/generate/generate_beta_binomial.R).

#include <gtest/gtest.h>

#include "carta/beta_binomial.hpp"
#include "carta/error.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

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

}  // namespace
}  // namespace carta::test
