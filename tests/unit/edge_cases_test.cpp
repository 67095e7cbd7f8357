// Numerical edge cases for every tau^2 estimator and test (issue 10): k = 1, k = 2, identical
// studies, all studies with 0 events, all with n events, one huge study among small ones, and
// effects with variances from 1e-8 to 1e4. Each fit either converges or says it did not, and no
// reported number is NaN or infinite without a note that explains it.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "carta/pool.hpp"

namespace carta {
namespace {

struct Named {
  const char* name;
  std::vector<ProportionStudy> studies;
};

std::vector<Named> datasets() {
  return {
      {"k1", {{"a", 3, 10}}},
      {"k2", {{"a", 3, 10}, {"b", 7, 12}}},
      {"identical", {{"a", 5, 20}, {"b", 5, 20}, {"c", 5, 20}, {"d", 5, 20}}},
      {"all_zero", {{"a", 0, 10}, {"b", 0, 25}, {"c", 0, 7}}},
      {"all_events", {{"a", 10, 10}, {"b", 25, 25}, {"c", 7, 7}}},
      {"huge_study", {{"a", 3, 10}, {"b", 5, 12}, {"c", 4000000, 10000000}, {"d", 2, 9}}},
      {"extremes", {{"a", 1, 10000000}, {"b", 9999999, 10000000}, {"c", 5, 10}}},
  };
}

void expect_explained(const PoolResult& r, const std::string& where, bool proportions = true) {
  const double values[] = {r.random.est, r.random.se, r.random.ci_lb, r.random.ci_ub,
                           proportions ? r.random.prop : 0.0, r.common.est, r.common.se, r.heterogeneity.tau2};
  for (double v : values) EXPECT_TRUE(std::isfinite(v)) << where << ": a core estimate is not finite";
  const double optional[] = {r.random.pi_lb, r.random.pi_ub, r.heterogeneity.Q_p, r.heterogeneity.I2,
                             r.heterogeneity.tau2_ci_lb, r.heterogeneity.tau2_ci_ub};
  bool any_missing = false;
  for (double v : optional) any_missing = any_missing || !std::isfinite(v);
  if (!std::isfinite(r.random.p)) any_missing = true;
  if (any_missing) {
    EXPECT_FALSE(r.notes.empty()) << where << ": a NaN without a note";
  }
  if (!r.convergence.all_converged()) {
    EXPECT_FALSE(r.convergence.tau2.message.empty() && r.convergence.tau2_ci_lb.message.empty() &&
                 r.convergence.tau2_ci_ub.message.empty())
        << where << ": not converged, but no message says why";
  }
}

TEST(EdgeCases, EveryEstimatorAndTestOnProportions) {
  for (const auto& d : datasets()) {
    for (auto method : kTau2Methods) {
      for (auto test : {TestType::kZ, TestType::kKnha, TestType::kT}) {
        for (auto measure : {Measure::kPLO, Measure::kPAS, Measure::kPFT}) {
          PoolOptions o;
          o.method = method;
          o.test = test;
          o.measure = measure;
          const std::string where = fmt::format("{} {} {} {}", d.name, to_string(method), to_string(test), to_string(measure));
          const PoolResult r = pool_proportions(d.studies, o);
          expect_explained(r, where);
          EXPECT_GE(r.heterogeneity.tau2, 0.0) << where;
        }
      }
    }
  }
}

TEST(EdgeCases, VariancesFromTinyToHuge) {
  // Effects given directly with sampling variances spanning twelve orders of magnitude.
  const std::vector<EffectStudy> studies{{"a", 0.1, 1e-8}, {"b", 0.5, 1e-4}, {"c", -0.2, 1.0}, {"d", 2.0, 1e2},
                                         {"e", -3.0, 1e4}};
  for (auto method : kTau2Methods) {
    PoolOptions o;
    o.method = method;
    const PoolResult r = pool_effects(studies, o);
    expect_explained(r, std::string(to_string(method)), false);
    // The tiny-variance study dominates the common effect.
    EXPECT_NEAR(r.common.est, 0.1, 1e-3) << to_string(method);
  }
}

}  // namespace
}  // namespace carta
