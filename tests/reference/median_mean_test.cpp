// Reference test for means and SDs estimated from medians: fixtures/metafor/median_mean.json
// (fixtures/generate/generate_median_mean.R with R meta 8.4-0): meta's own estimators at their
// defaults (Luo mean, Wan SD from the IQR or the range with meta's table rule, Shi SD from both)
// over a grid of n, and metacont on fixtures/datasets/median_mean.csv: the estimated means and
// SDs with their flags, the MD per study and pooled (common, DL and REML random effects), and the
// SMD per study (exact.smd = TRUE: Hedges' g with the exact J, as carta).

#include <gtest/gtest.h>

#include <iostream>

#include "carta/comparative.hpp"
#include "carta/io/comparative_table.hpp"
#include "carta/median_mean.hpp"
#include "compare.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

class MedianMeanReference : public ::testing::Test {
 public:
  static void TearDownTestSuite() {
    std::cout << "[ reference ] means and SDs from medians, largest relative difference from R meta:\n";
    for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
  }
};

nlohmann::json fixture() { return load_json(source_path("fixtures/metafor/median_mean.json")); }

TEST_F(MedianMeanReference, EstimatorsOnTheGrid) {
  const auto doc = fixture();
  ASSERT_GE(doc.at("grid").size(), 20U);
  for (const auto& g : doc.at("grid")) {
    const double n = number(g["n"]);
    SCOPED_TRACE(n);
    const MedianSummary range{n, number(g["median"]), std::nullopt, std::nullopt, number(g["min"]), number(g["max"])};
    const MedianSummary iqr{n, number(g["median"]), number(g["q1"]), number(g["q3"]), std::nullopt, std::nullopt};
    const MedianSummary both{n, number(g["median"]), number(g["q1"]), number(g["q3"]), number(g["min"]), number(g["max"])};
    CARTA_EXPECT_CLOSE("range.mean", estimate_mean(range).value, number(g["range_mean"]), kExact);
    CARTA_EXPECT_CLOSE("range.sd", estimate_sd(range).value, number(g["range_sd"]), kExact);
    CARTA_EXPECT_CLOSE("iqr.mean", estimate_mean(iqr).value, number(g["iqr_mean"]), kExact);
    CARTA_EXPECT_CLOSE("iqr.sd", estimate_sd(iqr).value, number(g["iqr_sd"]), kExact);
    CARTA_EXPECT_CLOSE("iqr.range.mean", estimate_mean(both).value, number(g["iqr_range_mean"]), kExact);
    CARTA_EXPECT_CLOSE("iqr.range.sd", estimate_sd(both).value, number(g["iqr_range_sd"]), kExact);
  }
}

std::vector<ContinuousStudy> load_dataset() {
  const auto table = io::read_table(source_path("fixtures/datasets/median_mean.csv"));
  io::ContinuousColumns columns{"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", std::string("label"), {}, {}, {}};
  columns.summary_1 = {"med1i", "q1_1", "q3_1", "min1i", "max1i"};
  columns.summary_2 = {"med2i", "q1_2", "q3_2", "min2i", "max2i"};
  return io::load_continuous_studies(table, columns).studies;
}

TEST_F(MedianMeanReference, MetacontEndToEnd) {
  const auto doc = fixture();
  EXPECT_EQ(doc.at("method_mean"), "Luo");
  EXPECT_EQ(doc.at("method_sd"), "Shi");
  const auto& s = doc.at("studies");
  const auto studies = load_dataset();
  ASSERT_EQ(studies.size(), s.at("label").size());
  std::size_t estimated = 0;
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const auto& st = studies[i];
    SCOPED_TRACE(st.label);
    EXPECT_EQ(st.label, s["label"][i].get<std::string>());
    CARTA_EXPECT_CLOSE("study.mean", st.mean_1, number(s["mean_1"][i]), kExact);
    CARTA_EXPECT_CLOSE("study.sd", st.sd_1, number(s["sd_1"][i]), kExact);
    CARTA_EXPECT_CLOSE("study.mean", st.mean_2, number(s["mean_2"][i]), kExact);
    CARTA_EXPECT_CLOSE("study.sd", st.sd_2, number(s["sd_2"][i]), kExact);
    EXPECT_EQ(to_string(st.mean_from_1), s["mean_1_from"][i].get<std::string>());
    EXPECT_EQ(to_string(st.sd_from_1), s["sd_1_from"][i].get<std::string>());
    EXPECT_EQ(to_string(st.mean_from_2), s["mean_2_from"][i].get<std::string>());
    EXPECT_EQ(to_string(st.sd_from_2), s["sd_2_from"][i].get<std::string>());
    estimated += st.sd_from_1 != SummaryScenario::kReported ? 1 : 0;
    const EffectStudy md = continuous_effect(st, ContinuousMeasure::kMD);
    CARTA_EXPECT_CLOSE("md.TE", md.yi, number(s["md_TE"][i]), kExact);
    CARTA_EXPECT_CLOSE("md.seTE", std::sqrt(md.vi), number(s["md_seTE"][i]), kExact);
    const EffectStudy smd = continuous_effect(st, ContinuousMeasure::kSMD);
    CARTA_EXPECT_CLOSE("smd.TE", smd.yi, number(s["smd_TE"][i]), kExact);
  }
  EXPECT_EQ(estimated, 5U);  // the data set exercises every path: only "Reported" has its own SDs
  for (const auto* method : {"DL", "REML"}) {
    SCOPED_TRACE(method);
    const auto& fit = doc.at(std::string("md_") + method);
    PoolOptions pool;
    pool.preset = Preset::kMetafor;
    pool.method = *parse_tau2_method(method);
    const ContinuousResult r = compare_continuous(studies, ContinuousMeasure::kMD, pool);
    const auto& iv = r.inverse_variance;
    CARTA_EXPECT_CLOSE("md.common", iv.common.est, number(fit["TE_common"]), kExact);
    CARTA_EXPECT_CLOSE("md.common.se", iv.common.se, number(fit["seTE_common"]), kExact);
    CARTA_EXPECT_CLOSE("md.tau2", iv.heterogeneity.tau2, number(fit["tau2"]), kTau2);
    CARTA_EXPECT_CLOSE("md.random", iv.random.est, number(fit["TE_random"]), kIterated);
    CARTA_EXPECT_CLOSE("md.random.se", iv.random.se, number(fit["seTE_random"]), kIterated);
    ASSERT_FALSE(r.notes.empty());
    EXPECT_NE(r.notes.back().find("Five (arm 1 mean and SD from iqr.range; arm 2 mean and SD from iqr.range)"),
              std::string::npos)
        << r.notes.back();
    EXPECT_NE(r.notes.back().find("MeanOnly (arm 1 SD from iqr)"), std::string::npos) << r.notes.back();
  }
}

}  // namespace
}  // namespace carta::test
