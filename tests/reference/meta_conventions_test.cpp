// The preset meta's conventions against R meta 8.4-0 itself (fixtures/metafor/meta_conventions.json,
// fixtures/generate/generate_meta_conventions.R): Begg's test by the normal approximation
// (metabias), raw proportions clamped to [0, 1] as meta prints them (metaprop sm = "PRAW"), and the
// GLMM's I^2 from its Wald-type Q (metaprop method = "GLMM").

#include <gtest/gtest.h>

#include <iostream>

#include "carta/comparative.hpp"
#include "carta/glmm.hpp"
#include "carta/io/comparative_table.hpp"
#include "carta/io/study_table.hpp"
#include "carta/pool.hpp"
#include "carta/small_study.hpp"
#include "compare.hpp"
#include "json_vectors.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

std::vector<ProportionStudy> studies_of(const nlohmann::json& set) {
  std::vector<ProportionStudy> out;
  for (std::size_t i = 0; i < set.at("n").size(); ++i) {
    out.push_back({"s" + std::to_string(i + 1), set["events"][i].get<std::int64_t>(), set["n"][i].get<std::int64_t>()});
  }
  return out;
}

TEST(MetaConventions, AgreeWithRMeta) {
  const auto doc = load_json(source_path("fixtures/metafor/meta_conventions.json"));
  std::size_t clamped = 0, glmm_compared = 0;
  for (const auto& set : doc.at("sets")) {
    SCOPED_TRACE(set.at("dataset").get<std::string>());
    // Begg: S / sd(S) with the tie-corrected variance.
    const RankTest begg = rank_correlation_test(vector_of(set.at("yi")), vector_of(set.at("vi")), true);
    CARTA_EXPECT_CLOSE("begg.z", begg.z, number(set["begg"]["statistic"]), kExact);
    CARTA_EXPECT_CLOSE("begg.p", begg.p, number(set["begg"]["p"]), kExact);
    // Raw proportions under the preset meta, REML, as meta prints them.
    PoolOptions options;
    options.preset = Preset::kMeta;
    options.measure = Measure::kPR;
    options.method = Tau2Method::kREML;
    const auto studies = studies_of(set);
    const PoolResult pr = pool_proportions(studies, options);
    const auto& m = set.at("praw");
    // meta's metagen solves REML to metafor's default tolerances (steps of 1e-5 in tau^2: bounds
    // move by up to ~3e-5 relative); the common effect is closed form. meta prints 4 digits.
    constexpr Tolerance kMetaReml{1e-4, 1e-8};
    CARTA_EXPECT_CLOSE("praw.est", pr.random.prop, number(m["est"]), kMetaReml);
    CARTA_EXPECT_CLOSE("praw.ci", pr.random.prop_ci_lb, number(m["lower"]), kMetaReml);
    CARTA_EXPECT_CLOSE("praw.ci", pr.random.prop_ci_ub, number(m["upper"]), kMetaReml);
    CARTA_EXPECT_CLOSE("praw.common_ci", pr.common.prop_ci_lb, number(m["lower_common"]), kExact);
    CARTA_EXPECT_CLOSE("praw.common_ci", pr.common.prop_ci_ub, number(m["upper_common"]), kExact);
    CARTA_EXPECT_CLOSE("praw.pi", pr.random.prop_pi_lb, number(m["lower_predict"]), kMetaReml);
    CARTA_EXPECT_CLOSE("praw.pi", pr.random.prop_pi_ub, number(m["upper_predict"]), kMetaReml);
    if (number(m["lower_predict_unclamped"]) < 0.0 || number(m["lower_unclamped"]) < 0.0) ++clamped;
    // The GLMM's I^2 from its Wald-type Q.
    if (set.contains("glmm")) {
      GlmmFit details;
      PoolOptions g;
      g.preset = Preset::kMeta;
      const PoolResult fit = pool_proportions_glmm(studies, g, 7, &details);
      const auto& e = set.at("glmm");
      if (!std::isfinite(details.QE_wald)) {
        // A study with 0 or all events: the saturated model's estimate is infinite and metafor's
        // Wald Q is wherever its optimizer stopped; carta reports rma.glmm's tau^2-based I^2 and says so.
        bool noted = false;
        for (const auto& n : fit.notes) noted = noted || n.find("not defined here") != std::string::npos;
        EXPECT_TRUE(noted);
        continue;
      }
      ++glmm_compared;
      // rma.glmm's saturated model stops at nlminb's default tolerance (~2e-7 relative in Q).
      constexpr Tolerance kSaturated{1e-5, 1e-8};
      CARTA_EXPECT_CLOSE("glmm.Q_wald", details.QE_wald, number(e["Q_wald"]), kSaturated);
      CARTA_EXPECT_CLOSE("glmm.I2", fit.heterogeneity.I2, number(e["I2"]), kSaturated);
      CARTA_EXPECT_CLOSE("glmm.I2_ci", fit.heterogeneity.I2_ci_lb, number(e["I2_lb"]), kSaturated);
      CARTA_EXPECT_CLOSE("glmm.I2_ci", fit.heterogeneity.I2_ci_ub, number(e["I2_ub"]), kSaturated);
    }
  }
  EXPECT_GE(clamped, 2u) << "the fixture must contain bounds that meta clamps";
  EXPECT_GE(glmm_compared, 1u) << "the fixture must contain a set without 0/n studies";
  std::cout << "[ reference ] R meta conventions, largest relative difference:\n";
  for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
}

// Peters' test for two-arm counts under the preset meta: meta's weights 1/(1/(e1+e2) +
// 1/(n1-e1+n2-e2)) on the log odds ratios (metabias(metabin(sm = "OR"), method.bias = "Peters")).
TEST(MetaConventions, PetersTestForTwoArmCountsAgreesWithRMeta) {
  const auto doc = load_json(source_path("fixtures/metafor/meta_conventions.json"));
  std::size_t compared = 0;
  for (const auto& e : doc.at("peters_two_arm")) {
    const std::string name = e.at("dataset");
    SCOPED_TRACE(name);
    ASSERT_FALSE(e.contains("error")) << e["error"];
    const auto table = io::read_table(source_path("fixtures/datasets/comparative_" + name + ".csv"));
    const io::TwoArmColumns columns{"ai", "n1i", "ci", "n2i", std::string("label"), {}};
    const auto studies = io::load_two_arm_studies(table, columns).studies;
    ComparativeOptions o;
    o.effect.measure = BinaryMeasure::kOR;
    o.pool.preset = Preset::kMeta;
    o.analyses.small_study_effects = true;
    const ComparativeResult r = compare_binary(studies, o);
    ASSERT_TRUE(r.analyses.bias && r.analyses.bias->peters);
    EXPECT_EQ(r.analyses.bias->peters_convention, "meta");
    CARTA_EXPECT_CLOSE("peters_two_arm.t", r.analyses.bias->peters->stat, number(e["statistic"]), kExact);
    CARTA_EXPECT_CLOSE("peters_two_arm.p", r.analyses.bias->peters->p, number(e["p"]), kExact);
    CARTA_EXPECT_CLOSE("peters_two_arm.slope", r.analyses.bias->peters->slope, number(e["slope"]), kExact);
    EXPECT_EQ(r.analyses.bias->peters->df, number(e["df"]));
    // Harbord's test (every preset: metafor has none).
    ASSERT_TRUE(e.contains("harbord") && !e["harbord"].contains("error")) << e.dump();
    ASSERT_TRUE(r.analyses.bias->harbord);
    CARTA_EXPECT_CLOSE("harbord.t", r.analyses.bias->harbord->stat, number(e["harbord"]["statistic"]), kExact);
    CARTA_EXPECT_CLOSE("harbord.p", r.analyses.bias->harbord->p, number(e["harbord"]["p"]), kExact);
    CARTA_EXPECT_CLOSE("harbord.slope", r.analyses.bias->harbord->slope, number(e["harbord"]["slope"]), kExact);
    EXPECT_EQ(r.analyses.bias->harbord->df, number(e["harbord"]["df"]));
    // metafor's convention (preset metafor) is another test: it must differ somewhere.
    o.pool.preset = Preset::kMetafor;
    const ComparativeResult mf = compare_binary(studies, o);
    if (mf.analyses.bias->peters && std::abs(mf.analyses.bias->peters->stat - r.analyses.bias->peters->stat) > 1e-6) ++compared;
  }
  EXPECT_GE(compared, 3u);
}

}  // namespace
}  // namespace carta::test
