// Reference tests for meta-regression, subgroups and leave-one-out against
// fixtures/metafor/mods_<dataset>.json (fixtures/generate/generate_metafor_moderators.R).

#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "carta/design.hpp"
#include "carta/io/study_table.hpp"
#include "carta/mixed_model.hpp"
#include "carta/sensitivity.hpp"
#include "carta/subgroup.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

std::map<std::string, double>& worst() {
  static std::map<std::string, double> w;
  return w;
}

void track(const std::string& q, double a, double e) {
  if (std::isnan(a) || std::isnan(e)) return;
  const double d = std::abs(e) < 1e-8 ? std::abs(a - e) : std::abs(a - e) / std::abs(e);
  worst()[q] = std::max(worst()[q], d);
}

#define CARTA_EXPECT_CLOSE(quantity, actual, expected, tol) \
  do {                                                      \
    const double a_ = (actual);                             \
    const double e_ = (expected);                           \
    track(quantity, a_, e_);                                \
    EXPECT_TRUE(close_to(a_, e_, tol, quantity));           \
  } while (0)

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

Dataset load(const std::string& name) {
  Dataset d{io::read_table(source_path("fixtures/datasets/mods_" + name + ".csv")), {}, {}};
  auto load = io::load_proportion_studies(d.table, io::StudyColumns{"events", "n", std::string("label"), std::nullopt});
  d.studies = load.groups.at(0).studies;
  d.rows = load.groups.at(0).rows;
  return d;
}

PoolOptions pool_options(const nlohmann::json& entry) {
  PoolOptions o;
  o.measure = *parse_measure(entry.at("measure").get<std::string>());
  o.method = *parse_tau2_method(entry.at("method").get<std::string>());
  o.test = *parse_test(entry.at("test").get<std::string>());
  o.preset = Preset::kMetafor;
  return o;
}

class MetaforModeratorsTest : public ::testing::TestWithParam<std::string> {
 public:
  static void TearDownTestSuite() {
    std::cout << "[ reference ] moderators: largest relative difference from metafor, per quantity:\n";
    for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
  }
};

TEST_P(MetaforModeratorsTest, MetaRegression) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  for (const auto& e : doc.at("metareg")) {
    const auto o = pool_options(e);
    std::vector<ModeratorColumn> columns;
    std::string trace;
    for (const auto& m : e.at("moderators")) {
      ModeratorColumn c{m.get<std::string>(), {}, std::nullopt};
      for (std::size_t i = 0; i < d.studies.size(); ++i) c.values.push_back(d.cell(i, c.name));
      trace += c.name + " ";
      columns.push_back(std::move(c));
    }
    SCOPED_TRACE(GetParam() + " " + std::string(to_string(o.measure)) + " " + std::string(to_string(o.method)) +
                 " " + std::string(to_string(o.test)) + " mods: " + trace);
    ASSERT_FALSE(e.contains("error"));
    const Design design = build_design(columns, d.studies.size());
    ASSERT_EQ(design.kept.size(), e.at("k").get<std::size_t>());
    Eigen::VectorXd y(static_cast<Eigen::Index>(design.kept.size())), v(y.size());
    for (std::size_t r = 0; r < design.kept.size(); ++r) {
      const auto& s = d.studies[design.kept[r]];
      const auto es = proportion_effect(s.events, s.n, o.measure, ZeroCellRule::kMetafor);
      y[static_cast<Eigen::Index>(r)] = es.yi;
      v[static_cast<Eigen::Index>(r)] = es.vi;
    }
    MixedModelOptions mo{o.method, o.test, 0.95, std::nullopt, true, o.control};
    const auto fit = fit_mixed_model(y, v, design.x, design.names, true, mo);
    const auto& c = e.at("coefficients");
    ASSERT_EQ(fit.coefficients.size(), c.at("est").size());
    for (std::size_t j = 0; j < fit.coefficients.size(); ++j) {
      const auto& cf = fit.coefficients[j];
      CARTA_EXPECT_CLOSE("metareg.est", cf.est, number(c["est"][j]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.se", cf.se, number(c["se"][j]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.stat", cf.stat, number(c["stat"][j]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.p", cf.p, number(c["p"][j]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.ci", cf.ci_lb, number(c["ci_lb"][j]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.ci", cf.ci_ub, number(c["ci_ub"][j]), kIterated);
    }
    CARTA_EXPECT_CLOSE("metareg.tau2", fit.tau2, number(e["tau2"]), kTau2);
    CARTA_EXPECT_CLOSE("metareg.tau2_se", fit.tau2_se, number(e["tau2_se"]), kIterated);
    CARTA_EXPECT_CLOSE("metareg.QM", fit.QM, number(e["QM"]), kIterated);
    CARTA_EXPECT_CLOSE("metareg.QM_p", fit.QM_p, number(e["QM_p"]), kIterated);
    EXPECT_EQ(fit.QM_df, number(e["QM_df"]));
    CARTA_EXPECT_CLOSE("metareg.QE", fit.QE, number(e["QE"]), kIterated);  // conditioning of X'WX
    CARTA_EXPECT_CLOSE("metareg.QE_p", fit.QE_p, number(e["QE_p"]), kIterated);
    CARTA_EXPECT_CLOSE("metareg.I2", fit.I2, number(e["I2"]), kI2);
    CARTA_EXPECT_CLOSE("metareg.H2", fit.H2, number(e["H2"]), kTau2);
    CARTA_EXPECT_CLOSE("metareg.R2", fit.R2, number(e["R2"]), kI2);
  }
}

TEST_P(MetaforModeratorsTest, Subgroups) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  for (const auto& e : doc.at("subgroups")) {
    const auto o = pool_options(e);
    const std::string variable = e.at("variable");
    SCOPED_TRACE(GetParam() + " " + std::string(to_string(o.measure)) + " " + std::string(to_string(o.method)) +
                 " " + std::string(to_string(o.test)) + " by " + variable);
    std::vector<std::optional<std::string>> level_of;
    for (std::size_t i = 0; i < d.studies.size(); ++i) level_of.push_back(d.cell(i, variable));
    for (const bool common : {false, true}) {
      if (common && e["tau_common"].is_null()) continue;
      const auto a = subgroup_analysis(d.studies, level_of, o, SubgroupOptions{common, 2});
      std::vector<const SubgroupLevel*> pooled;
      for (const auto& l : a.levels) {
        if (l.pooled) pooled.push_back(&l);
      }
      const auto& levels = common ? e["tau_common"]["levels"] : e["levels"];
      ASSERT_EQ(pooled.size(), levels.size());
      for (std::size_t i = 0; i < pooled.size(); ++i) {
        const auto& ref = levels[i];
        const auto& r = *pooled[i]->result;
        EXPECT_EQ(pooled[i]->level, ref["level"].get<std::string>());
        CARTA_EXPECT_CLOSE("subgroup.est", r.random.est, number(ref["est"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup.se", r.random.se, number(ref["se"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup.ci", r.random.ci_lb, number(ref["ci_lb"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup.ci", r.random.ci_ub, number(ref["ci_ub"]), kIterated);
        if (!common) {
          CARTA_EXPECT_CLOSE("subgroup.tau2", r.heterogeneity.tau2, number(ref["tau2"]), kTau2);
          CARTA_EXPECT_CLOSE("subgroup.I2", r.heterogeneity.I2, number(ref["I2"]), kI2);
          CARTA_EXPECT_CLOSE("subgroup.Q", r.heterogeneity.Q, number(ref["Q"]), kExact);
        }
      }
      if (common) {
        CARTA_EXPECT_CLOSE("subgroup.tau2_common", a.tau2_common, number(e["tau_common"]["tau2"]), kTau2);
        CARTA_EXPECT_CLOSE("subgroup.QM", a.QM, number(e["tau_common"]["QM"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup.QM_p", a.QM_p, number(e["tau_common"]["QM_p"]), kIterated);
      } else {
        CARTA_EXPECT_CLOSE("subgroup.Q_between", a.Q_between, number(e["Q_between"]), kIterated);
        CARTA_EXPECT_CLOSE("subgroup.Q_between_p", a.Q_between_p, number(e["Q_between_p"]), kIterated);
        EXPECT_EQ(a.Q_between_df, number(e["Q_between_df"]));
      }
    }
  }
}

TEST_P(MetaforModeratorsTest, LeaveOneOut) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  for (const auto& e : doc.at("leave_one_out")) {
    const auto o = pool_options(e);
    SCOPED_TRACE(GetParam() + " " + std::string(to_string(o.measure)) + " " + std::string(to_string(o.method)) +
                 " " + std::string(to_string(o.test)));
    const auto rows = leave_one_out(d.studies, o);
    ASSERT_EQ(rows.size(), e["est"].size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CARTA_EXPECT_CLOSE("loo.est", rows[i].est, number(e["est"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.se", rows[i].se, number(e["se"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.stat", rows[i].stat, number(e["stat"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.p", rows[i].p, number(e["p"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.ci", rows[i].ci_lb, number(e["ci_lb"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.ci", rows[i].ci_ub, number(e["ci_ub"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.tau2", rows[i].tau2, number(e["tau2"][i]), kTau2);
      CARTA_EXPECT_CLOSE("loo.I2", rows[i].I2, number(e["I2"][i]), kI2);
      CARTA_EXPECT_CLOSE("loo.H2", rows[i].H2, number(e["H2"][i]), kTau2);
      CARTA_EXPECT_CLOSE("loo.Q", rows[i].Q, number(e["Q"][i]), kExact);
      CARTA_EXPECT_CLOSE("loo.Q_p", rows[i].Q_p, number(e["Q_p"][i]), kExact);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, MetaforModeratorsTest, ::testing::Values("cart", "debruin", "sim60"));

}  // namespace
}  // namespace carta::test
