// The generalised Q-statistic interval for tau^2 (Jackson 2013) against
// fixtures/metafor/generalised_q.json (fixtures/generate/generate_generalised_q.R): metafor's
// confint(type = "GENQ") with weights 1/se and 1/se^2 at two levels, R meta's own DL interval
// (method.tau.ci "J"), and the distribution of Q against CompQuadForm's farebrother().

#include <gtest/gtest.h>

#include <iostream>

#include "carta/pool.hpp"
#include "carta/tau2.hpp"
#include "compare.hpp"
#include "json_vectors.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

// metafor's .GENQ.func evaluates the distribution to farebrother's eps = 1e-10; the fixture solves
// its roots to 1e-13.
constexpr Tolerance kMetafor{1e-7, 1e-9};
// confint(type = "GENQ"), and so meta, stop uniroot at its default tolerance (about 1.2e-4).
constexpr Tolerance kMeta{2e-4, 1e-4};
constexpr Tolerance kDistribution{1e-10, 1e-12};

TEST(GeneralisedQ, DistributionOfQAgreesWithFarebrother) {
  const auto doc = load_json(source_path("fixtures/metafor/generalised_q.json"));
  for (const auto& c : doc.at("farebrother")) {
    const auto lambda = c.at("lambda").get<std::vector<double>>();
    for (std::size_t i = 0; i < c.at("q").size(); ++i) {
      const double q = c.at("q")[i].get<double>();
      const auto tail = detail::weighted_chi_square_upper_tail(lambda, q);
      ASSERT_TRUE(tail.has_value());
      CARTA_EXPECT_CLOSE("farebrother", *tail, number(c.at("upper_tail")[i]), kDistribution);
    }
  }
  // Equal weights: a scaled chi-square with m degrees of freedom; exactly pchisq's value.
  const std::vector<double> equal{2.0, 2.0, 2.0};
  EXPECT_NEAR(*detail::weighted_chi_square_upper_tail(equal, 6.0), 0.39162517627108911, 1e-14);  // pchisq(6 / 2, 3, lower.tail = FALSE)
}

TEST(GeneralisedQ, IntervalAgreesWithMetaforAndMeta) {
  const auto doc = load_json(source_path("fixtures/metafor/generalised_q.json"));
  std::size_t compared = 0;
  for (const auto& [name, set] : doc.at("sets").items()) {
    SCOPED_TRACE(name);
    const Eigen::VectorXd y = vector_of(set.at("yi")), v = vector_of(set.at("vi"));
    const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(y.size(), 1);
    for (const auto& e : set.at("intervals")) {
      const bool jackson = e.at("weights") == "J";
      const Eigen::VectorXd w = jackson ? Eigen::VectorXd(v.cwiseSqrt().cwiseInverse()) : Eigen::VectorXd(v.cwiseInverse());
      const Tau2Interval ci = generalised_q_interval(y, v, x, w, e.at("level").get<double>());
      ASSERT_TRUE(ci.lb_report.converged && ci.ub_report.converged) << ci.lb_report.message << " / " << ci.ub_report.message;
      CARTA_EXPECT_CLOSE("genq.lb", ci.lb, number(e["tau2_ci_lb"]), kMetafor);
      CARTA_EXPECT_CLOSE("genq.ub", ci.ub, number(e["tau2_ci_ub"]), kMetafor);
      CARTA_EXPECT_CLOSE("genq.metafor_confint", ci.lb, number(e["metafor_ci_lb"]), kMeta);
      CARTA_EXPECT_CLOSE("genq.metafor_confint", ci.ub, number(e["metafor_ci_ub"]), kMeta);
      ++compared;
    }
    // R meta under DL (the meta preset): its own numbers, to its root finder's tolerance. meta
    // caps the upper bound at tau2.max = 100 (k2), so that case is compared only below the cap.
    PoolOptions o;
    o.preset = Preset::kMeta;
    o.method = Tau2Method::kDL;
    std::vector<EffectStudy> studies;
    for (Eigen::Index i = 0; i < y.size(); ++i) studies.push_back({"s" + std::to_string(i), y[i], v[i]});
    const PoolResult r = pool_effects(studies, o);
    EXPECT_EQ(r.heterogeneity.tau2_ci_method, "generalised Q (Jackson 2013)");
    const auto& m = set.at("meta");
    EXPECT_EQ(m.at("method_tau_ci"), "J");
    CARTA_EXPECT_CLOSE("meta.tau2", r.heterogeneity.tau2, number(m["tau2"]), kMetafor);
    CARTA_EXPECT_CLOSE("meta.lower_tau2", r.heterogeneity.tau2_ci_lb, number(m["lower_tau2"]), kMeta);
    if (number(m["upper_tau2"]) < 100.0) {
      CARTA_EXPECT_CLOSE("meta.upper_tau2", r.heterogeneity.tau2_ci_ub, number(m["upper_tau2"]), kMeta);
    }
  }
  EXPECT_EQ(compared, 24u);
  std::cout << "[ reference ] generalised Q interval, largest relative difference:\n";
  for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
}

TEST(GeneralisedQ, OtherPresetsAndEstimatorsKeepTheQProfileInterval) {
  const std::vector<EffectStudy> studies{{"a", 0.1, 0.02}, {"b", 0.6, 0.05}, {"c", -0.3, 0.04}, {"d", 0.9, 0.03}};
  PoolOptions o;
  o.method = Tau2Method::kDL;
  EXPECT_EQ(pool_effects(studies, o).heterogeneity.tau2_ci_method, "Q-profile");
  o.preset = Preset::kMeta;
  o.method = Tau2Method::kREML;
  EXPECT_EQ(pool_effects(studies, o).heterogeneity.tau2_ci_method, "Q-profile");
}

}  // namespace
}  // namespace carta::test
