// The Henmi-Copas interval against fixtures/metafor/henmi_copas.json
// (fixtures/generate/generate_henmi_copas.R): metafor's hc() as it prints, which integrates and
// solves to about 1.2e-4, and the same equations solved to 1e-12 in R.

#include <gtest/gtest.h>

#include <iostream>

#include "carta/error.hpp"
#include "carta/small_study.hpp"
#include "compare.hpp"
#include "json_vectors.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

constexpr Tolerance kTight{1e-9, 1e-11};
constexpr Tolerance kMetaforDefaults{1e-4, 1e-5};

TEST(HenmiCopas, AgreesWithMetaforsHcAndWithItsEquationsSolvedTightly) {
  const auto doc = load_json(source_path("fixtures/metafor/henmi_copas.json"));
  std::size_t compared = 0;
  for (const auto& [name, set] : doc.at("sets").items()) {
    SCOPED_TRACE(name);
    const Eigen::VectorXd y = vector_of(set.at("yi")), v = vector_of(set.at("vi"));
    const HenmiCopas hc = henmi_copas(y, v, 0.95);
    ASSERT_TRUE(hc.report.converged) << hc.report.message;
    const auto& tight = set.at("tight");
    CARTA_EXPECT_CLOSE("hc.est", hc.est, number(tight["est"]), kTight);
    CARTA_EXPECT_CLOSE("hc.se", hc.se, number(tight["se"]), kTight);
    CARTA_EXPECT_CLOSE("hc.tau2", hc.tau2, number(tight["tau2"]), kTight);
    CARTA_EXPECT_CLOSE("hc.t", hc.t, number(tight["t"]), kTight);
    CARTA_EXPECT_CLOSE("hc.ci", hc.ci_lb, number(tight["ci_lb"]), kTight);
    CARTA_EXPECT_CLOSE("hc.ci", hc.ci_ub, number(tight["ci_ub"]), kTight);
    const HenmiCopas hc90 = henmi_copas(y, v, 0.90);
    CARTA_EXPECT_CLOSE("hc.ci_90", hc90.ci_lb, number(set.at("tight_90")["ci_lb"]), kTight);
    CARTA_EXPECT_CLOSE("hc.ci_90", hc90.ci_ub, number(set.at("tight_90")["ci_ub"]), kTight);
    const auto& m = set.at("metafor");
    CARTA_EXPECT_CLOSE("hc.metafor_ci", hc.ci_lb, number(m["ci_lb"]), kMetaforDefaults);
    CARTA_EXPECT_CLOSE("hc.metafor_ci", hc.ci_ub, number(m["ci_ub"]), kMetaforDefaults);
    ++compared;
  }
  EXPECT_EQ(compared, 6u);
  std::cout << "[ reference ] Henmi-Copas, largest relative difference:\n";
  for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
}

TEST(HenmiCopas, NeedsTwoStudiesWithPositiveVariances) {
  Eigen::VectorXd y(1), v(1);
  y << 0.3;
  v << 0.1;
  EXPECT_THROW((void)henmi_copas(y, v, 0.95), Error);
  Eigen::VectorXd y2(2), v2(2);
  y2 << 0.3, 0.5;
  v2 << 0.1, 0.0;
  EXPECT_THROW((void)henmi_copas(y2, v2, 0.95), Error);
}

TEST(HenmiCopas, CentredOnTheCommonEffectAndWiderAtAHigherLevel) {
  Eigen::VectorXd y(4), v(4);
  y << 0.10, 0.12, 0.11, 0.09;
  v << 0.01, 0.02, 0.015, 0.01;
  const HenmiCopas hc = henmi_copas(y, v, 0.95);
  EXPECT_EQ(hc.tau2, 0.0);  // Q < k - 1: DL truncates
  const Eigen::ArrayXd w = v.array().inverse();
  EXPECT_NEAR(hc.est, (w * y.array()).sum() / w.sum(), 1e-15);
  EXPECT_NEAR(hc.se, std::sqrt(1.0 / w.sum()), 1e-15);
  EXPECT_NEAR(hc.est - hc.ci_lb, hc.ci_ub - hc.est, 1e-12);
  const HenmiCopas hc99 = henmi_copas(y, v, 0.99);
  EXPECT_GT(hc99.ci_ub - hc99.ci_lb, hc.ci_ub - hc.ci_lb);
}

}  // namespace
}  // namespace carta::test
