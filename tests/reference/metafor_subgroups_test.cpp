// The test for subgroup differences under meta's and RevMan's convention (every subgroup; a
// single-study subgroup with its own estimate and variance), against
// fixtures/metafor/subgroups_<dataset>.json (fixtures/generate/generate_metafor_subgroups.R).

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "carta/io/study_table.hpp"
#include "carta/subgroup.hpp"
#include "compare.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

struct Dataset {
  io::Table table;
  std::vector<ProportionStudy> studies;
  std::vector<std::size_t> rows;
  std::optional<std::string> cell(std::size_t study, const std::string& column) const {
    const auto& text = table.rows[rows[study]][table.column(column)];
    if (text.empty()) return std::nullopt;
    return text;
  }
};

class MetaforSubgroupsTest : public ::testing::TestWithParam<std::string> {
 public:
  static void TearDownTestSuite() {
    std::cout << "[ reference ] subgroups (all convention): largest relative difference from metafor, per quantity:\n";
    for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
  }
};

TEST_P(MetaforSubgroupsTest, EverySubgroupIsTested) {
  const auto doc = load_json(source_path("fixtures/metafor/subgroups_" + GetParam() + ".json"));
  Dataset d{io::read_table(source_path("fixtures/datasets/" + doc.at("data_file").get<std::string>())), {}, {}};
  const auto load = io::load_proportion_studies(d.table, io::StudyColumns{"events", "n", std::string("label"), std::nullopt, {}});
  d.studies = load.groups.at(0).studies;
  d.rows = load.groups.at(0).rows;
  std::size_t cases = 0;
  for (const auto& e : doc.at("subgroups")) {
    PoolOptions o;
    o.measure = *parse_measure(e.at("measure").get<std::string>());
    o.method = *parse_tau2_method(e.at("method").get<std::string>());
    o.test = *parse_test(e.at("test").get<std::string>());
    o.preset = Preset::kMetafor;
    const std::string variable = e.at("variable");
    SCOPED_TRACE(GetParam() + " " + std::string(to_string(o.measure)) + " " + std::string(to_string(o.method)) +
                 " " + std::string(to_string(o.test)) + " by " + variable);
    std::vector<std::optional<std::string>> level_of;
    std::size_t without_level = 0;
    for (std::size_t i = 0; i < d.studies.size(); ++i) {
      level_of.push_back(d.cell(i, variable));
      without_level += level_of.back() ? 0 : 1;
    }
    EXPECT_EQ(without_level, e.at("left_out").size());
    for (const bool common : {false, true}) {
      if (common && e["tau_common"].is_null()) continue;
      const auto a = subgroup_analysis(d.studies, level_of, o, SubgroupOptions{common, 2, SubgroupTest::kAllSubgroups});
      const auto& levels = common ? e["tau_common"]["levels"] : e["levels"];
      ASSERT_EQ(a.levels.size(), levels.size());
      for (std::size_t i = 0; i < a.levels.size(); ++i) {
        const auto& ref = levels[i];
        const auto& l = a.levels[i];
        EXPECT_EQ(l.level, ref["level"].get<std::string>());
        EXPECT_TRUE(l.pooled);
        EXPECT_TRUE(l.in_test);
        ASSERT_TRUE(l.result);
        const auto& r = *l.result;
        CARTA_EXPECT_CLOSE("subgroup_all.est", r.random.est, number(ref["est"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup_all.se", r.random.se, number(ref["se"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup_all.ci", r.random.ci_lb, number(ref["ci_lb"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup_all.ci", r.random.ci_ub, number(ref["ci_ub"]), kIterated);
        if (!common) {
          EXPECT_EQ(l.k, ref["k"].get<std::size_t>());
          CARTA_EXPECT_CLOSE("subgroup_all.tau2", r.heterogeneity.tau2, number(ref["tau2"]), kTau2);
          CARTA_EXPECT_CLOSE("subgroup_all.I2", r.heterogeneity.I2, number(ref["I2"]), kI2);
          CARTA_EXPECT_CLOSE("subgroup_all.Q", r.heterogeneity.Q, number(ref["Q"]), kExact);
          EXPECT_EQ(r.heterogeneity.Q_df, number(ref["Q_df"]));
          if (l.k >= 2) CARTA_EXPECT_CLOSE("subgroup_all.Q_p", r.heterogeneity.Q_p, number(ref["Q_p"]), kIterated);
        }
      }
      if (common) {
        CARTA_EXPECT_CLOSE("subgroup_all.tau2_common", a.tau2_common, number(e["tau_common"]["tau2"]), kTau2);
        CARTA_EXPECT_CLOSE("subgroup_all.QM", a.QM, number(e["tau_common"]["QM"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup_all.QM_p", a.QM_p, number(e["tau_common"]["QM_p"]), kIterated);
        EXPECT_EQ(a.QM_df, number(e["tau_common"]["QM_df"]));
      } else {
        EXPECT_EQ(a.levels_tested, levels.size());
        CARTA_EXPECT_CLOSE("subgroup_all.Q_between", a.Q_between, number(e["Q_between"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup_all.Q_between_p", a.Q_between_p, number(e["Q_between_p"]), kIterated);
        EXPECT_EQ(a.Q_between_df, number(e["Q_between_df"]));
      }
      ++cases;
    }
  }
  EXPECT_GT(cases, 0u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MetaforSubgroupsTest, ::testing::Values("cart", "debruin", "sim60", "edge"));

// The figures the project's issue quotes for antigen target in the bundled example (complete
// remission, REML, z): Q = 8.93 on 4 df under meta's convention, 3.35 on 1 df when only the
// subgroups with two or more studies are tested.
TEST(MetaforSubgroups, BundledExampleAntigenTargetUnderBothConventions) {
  Dataset d{io::read_table(source_path("fixtures/datasets/mods_cart.csv")), {}, {}};
  const auto load = io::load_proportion_studies(d.table, io::StudyColumns{"events", "n", std::string("label"), std::nullopt, {}});
  d.studies = load.groups.at(0).studies;
  d.rows = load.groups.at(0).rows;
  std::vector<std::optional<std::string>> level_of;
  for (std::size_t i = 0; i < d.studies.size(); ++i) level_of.push_back(d.cell(i, "target"));
  const auto all = subgroup_analysis(d.studies, level_of, PoolOptions{}, SubgroupOptions{});
  EXPECT_NEAR(all.Q_between, 8.93, 0.005);
  EXPECT_EQ(all.Q_between_df, 4.0);
  const auto pooled = subgroup_analysis(d.studies, level_of, PoolOptions{}, SubgroupOptions{false, 2, SubgroupTest::kPooledSubgroups});
  EXPECT_NEAR(pooled.Q_between, 3.35, 0.005);
  EXPECT_EQ(pooled.Q_between_df, 1.0);
}

}  // namespace
}  // namespace carta::test
