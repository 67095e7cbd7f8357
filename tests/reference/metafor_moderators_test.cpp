// Reference tests for meta-regression, subgroups and leave-one-out against
// fixtures/metafor/mods_<dataset>.json (fixtures/generate/generate_metafor_moderators.R).

#include <gtest/gtest.h>

#include <tuple>

#include <iostream>
#include <map>
#include <sstream>

#include "carta/design.hpp"
#include "carta/influence.hpp"
#include "carta/metareg.hpp"
#include "carta/permutation.hpp"
#include "carta/io/study_table.hpp"
#include "carta/mixed_model.hpp"
#include "carta/sensitivity.hpp"
#include "carta/subgroup.hpp"
#include "compare.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

std::string fmt_number(double x) {
  std::ostringstream s;
  s.precision(17);
  s << x;
  return s.str();
}

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
  auto load = io::load_proportion_studies(d.table, io::StudyColumns{"events", "n", std::string("label"), std::nullopt, {}});
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
    const Design design = build_design(columns, d.studies.size());
    if (!e.contains("error")) {
      ASSERT_EQ(design.kept.size(), e.at("k").get<std::size_t>());
    }
    Eigen::VectorXd y(static_cast<Eigen::Index>(design.kept.size())), v(y.size());
    for (std::size_t r = 0; r < design.kept.size(); ++r) {
      const auto& s = d.studies[design.kept[r]];
      const auto es = proportion_effect(s.events, s.n, o.measure, ZeroCellRule::kMetafor);
      y[static_cast<Eigen::Index>(r)] = es.yi;
      v[static_cast<Eigen::Index>(r)] = es.vi;
    }
    MixedModelOptions mo{o.method, o.test, 0.95, std::nullopt, true, o.control};
    const auto fit = fit_mixed_model(y, v, design.x, design.names, true, mo);
    if (e.contains("error")) {
      // The iterated DL step cycles on some designs: metafor stops with "did not converge", and so
      // must carta.
      ASSERT_NE(e.at("error").get<std::string>().find("did not converge"), std::string::npos) << e.at("error");
      EXPECT_FALSE(fit.tau2_report.converged);
      continue;
    }
    for (const auto& [name, expected, got] : {std::tuple{"ML", &e.at("fit_stats").at("ML"), &fit.fit_statistics.ml},
                                               std::tuple{"REML", &e.at("fit_stats").at("REML"), &fit.fit_statistics.reml}}) {
      SCOPED_TRACE(name);
      CARTA_EXPECT_CLOSE("metareg.loglik", got->loglik, number((*expected)["ll"]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.deviance", got->deviance, number((*expected)["dev"]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.AIC", got->aic, number((*expected)["AIC"]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.BIC", got->bic, number((*expected)["BIC"]), kIterated);
      CARTA_EXPECT_CLOSE("metareg.AICc", got->aicc, number((*expected)["AICc"]), kIterated);
    }
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
    // The whole covariance matrix, off-diagonal terms included (the bubble plot's band and every
    // prediction use them): metafor's vcov(), column by column.
    const auto p = static_cast<Eigen::Index>(fit.coefficients.size());
    ASSERT_EQ(c.at("vcov").size(), static_cast<std::size_t>(p * p));
    for (Eigen::Index col = 0; col < p; ++col) {
      for (Eigen::Index row = 0; row < p; ++row) {
        CARTA_EXPECT_CLOSE("metareg.vcov", fit.vcov(row, col), number(c["vcov"][static_cast<std::size_t>(col * p + row)]),
                           kIterated);
      }
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
      const auto a = subgroup_analysis(d.studies, level_of, o, SubgroupOptions{common, 2, SubgroupTest::kPooledSubgroups});
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
        if (number(e["Q_between_df"]) >= 1) {
          EXPECT_EQ(a.Q_between_df, number(e["Q_between_df"]));
        } else {
          EXPECT_TRUE(std::isnan(a.Q_between_df));
          EXPECT_FALSE(a.test_unavailable.empty());
        }
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
      CARTA_EXPECT_CLOSE("loo.est", rows[i].fit.est, number(e["est"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.se", rows[i].fit.se, number(e["se"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.stat", rows[i].fit.stat, number(e["stat"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.p", rows[i].fit.p, number(e["p"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.ci", rows[i].fit.ci_lb, number(e["ci_lb"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.ci", rows[i].fit.ci_ub, number(e["ci_ub"][i]), kIterated);
      CARTA_EXPECT_CLOSE("loo.tau2", rows[i].fit.tau2, number(e["tau2"][i]), kTau2);
      CARTA_EXPECT_CLOSE("loo.I2", rows[i].fit.I2, number(e["I2"][i]), kI2);
      CARTA_EXPECT_CLOSE("loo.H2", rows[i].fit.H2, number(e["H2"][i]), kTau2);
      CARTA_EXPECT_CLOSE("loo.Q", rows[i].fit.Q, number(e["Q"][i]), kExact);
      CARTA_EXPECT_CLOSE("loo.Q_p", rows[i].fit.Q_p, number(e["Q_p"][i]), kExact);
    }
  }
}

// Effect sizes (PLO) and the design for a list of moderators, rows with missing values dropped.
struct Model {
  Eigen::VectorXd y, v;
  Design design;
  std::vector<std::string> labels;
};

Model model_for(const Dataset& d, const nlohmann::json& moderators) {
  std::vector<ModeratorColumn> columns;
  for (const auto& m : moderators) {
    ModeratorColumn c{m.get<std::string>(), {}, std::nullopt};
    for (std::size_t i = 0; i < d.studies.size(); ++i) c.values.push_back(d.cell(i, c.name));
    columns.push_back(std::move(c));
  }
  Model out;
  out.design = build_design(columns, d.studies.size());
  const auto k = static_cast<Eigen::Index>(out.design.kept.size());
  out.y.resize(k);
  out.v.resize(k);
  for (Eigen::Index r = 0; r < k; ++r) {
    const auto& s = d.studies[out.design.kept[static_cast<std::size_t>(r)]];
    const auto es = proportion_effect(s.events, s.n, Measure::kPLO, ZeroCellRule::kMetafor);
    out.y[r] = es.yi;
    out.v[r] = es.vi;
    out.labels.push_back(s.label);
  }
  return out;
}

TEST_P(MetaforModeratorsTest, InfluenceAndBaujat) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  ASSERT_GE(doc.at("influence").size(), 8u);
  for (const auto& e : doc.at("influence")) {
    const auto method = *parse_tau2_method(e.at("method").get<std::string>());
    const auto test = *parse_test(e.at("test").get<std::string>());
    SCOPED_TRACE(GetParam() + " " + e.at("method").get<std::string>() + " " + e.at("test").get<std::string>() + " " +
                 e.at("moderators").dump());
    const Model m = model_for(d, e.at("moderators"));
    const MixedModelOptions mo{method, test, 0.95, std::nullopt, false, Tau2Control{}};
    const auto rows = influence_diagnostics(m.y, m.v, m.design.x, m.design.names, m.labels, true, mo);
    ASSERT_EQ(rows.size(), e["rstudent"].size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      EXPECT_EQ(r.label, e["labels"][i].get<std::string>());
      CARTA_EXPECT_CLOSE("influence.rstudent", r.rstudent, number(e["rstudent"][i]), kIterated);
      CARTA_EXPECT_CLOSE("influence.dffits", r.dffits, number(e["dffits"][i]), kIterated);
      CARTA_EXPECT_CLOSE("influence.cook_d", r.cook_d, number(e["cook_d"][i]), kIterated);
      CARTA_EXPECT_CLOSE("influence.cov_r", r.cov_r, number(e["cov_r"][i]), kIterated);
      CARTA_EXPECT_CLOSE("influence.tau2_del", r.tau2_del, number(e["tau2_del"][i]), kTau2);
      CARTA_EXPECT_CLOSE("influence.QE_del", r.QE_del, number(e["QE_del"][i]), kIterated);
      CARTA_EXPECT_CLOSE("influence.hat", r.hat, number(e["hat"][i]), kIterated);
      CARTA_EXPECT_CLOSE("influence.weight", r.weight, number(e["weight"][i]), kIterated);
      for (std::size_t j = 0; j < r.dfbetas.size(); ++j) {
        CARTA_EXPECT_CLOSE("influence.dfbetas", r.dfbetas[j], number(e["dfbetas"][j][i]), kIterated);
      }
      EXPECT_EQ(r.influential, e["influential"][i].get<bool>()) << r.label;
      CARTA_EXPECT_CLOSE("baujat.x", r.baujat_x, number(e["baujat_x"][i]), kIterated);
      CARTA_EXPECT_CLOSE("baujat.y", r.baujat_y, number(e["baujat_y"][i]), kIterated);
    }
  }
}

TEST_P(MetaforModeratorsTest, Cumulative) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  for (const auto& e : doc.at("cumulative")) {
    PoolOptions o;
    o.method = *parse_tau2_method(e.at("method").get<std::string>());
    o.test = *parse_test(e.at("test").get<std::string>());
    o.preset = Preset::kMetafor;
    SCOPED_TRACE(GetParam() + " " + e.at("method").get<std::string>() + " " + e.at("test").get<std::string>());
    std::vector<std::string> order;
    for (std::size_t i = 0; i < d.studies.size(); ++i) order.push_back(d.cell(i, e.at("order_column")).value());
    const auto rows = cumulative_meta_analysis(d.studies, order, o);
    ASSERT_EQ(rows.size(), e["est"].size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].added, e["labels"][i].get<std::string>());
      CARTA_EXPECT_CLOSE("cumulative.est", rows[i].fit.est, number(e["est"][i]), kIterated);
      CARTA_EXPECT_CLOSE("cumulative.se", rows[i].fit.se, number(e["se"][i]), kIterated);
      CARTA_EXPECT_CLOSE("cumulative.ci", rows[i].fit.ci_lb, number(e["ci_lb"][i]), kIterated);
      CARTA_EXPECT_CLOSE("cumulative.ci", rows[i].fit.ci_ub, number(e["ci_ub"][i]), kIterated);
      CARTA_EXPECT_CLOSE("cumulative.tau2", rows[i].fit.tau2, number(e["tau2"][i]), kTau2);
      CARTA_EXPECT_CLOSE("cumulative.I2", rows[i].fit.I2, number(e["I2"][i]), kI2);
      CARTA_EXPECT_CLOSE("cumulative.Q", rows[i].fit.Q, number(e["Q"][i]), kExact);
    }
  }
}

TEST_P(MetaforModeratorsTest, ExactPermutationPValuesAreIdentical) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  for (const auto& e : doc.at("permutation")) {
    const auto test = *parse_test(e.at("test").get<std::string>());
    SCOPED_TRACE(GetParam() + " " + e.at("test").get<std::string>() + " " + e.at("moderators").dump());
    const double count = number(e["exact_iter"]);
    ASSERT_LE(count, e.at("iter").get<double>()) << "the fixture must be an exact test";
    const Model m = model_for(d, e.at("moderators"));
    const MixedModelOptions mo{Tau2Method::kREML, test, 0.95, std::nullopt, false, Tau2Control{}};
    PermutationOptions po;
    po.iterations = e.at("iter").get<std::size_t>();
    const auto t = permutation_test(m.y, m.v, m.design.x, m.design.names, mo, po);
    EXPECT_TRUE(t.exact);
    EXPECT_EQ(static_cast<double>(t.iterations), count);
    EXPECT_EQ(t.failed_fits, 0u);
    // Exact tests enumerate the same permutations, so the counts of permutations at least as
    // extreme must be equal (the fixture prints p to 15 digits; the counts are integers).
    // An intercept-only model (no moderators: signs flipped) has one p, written as a scalar.
    const nlohmann::json expected_p =
        e["coefficient_p"].is_array() ? e["coefficient_p"] : nlohmann::json::array({e["coefficient_p"]});
    EXPECT_EQ(t.sign_flip, e.at("moderators").empty());
    ASSERT_EQ(t.coefficient_p.size(), expected_p.size());
    for (std::size_t j = 0; j < t.coefficient_p.size(); ++j) {
      EXPECT_EQ(std::llround(t.coefficient_p[j] * count), std::llround(number(expected_p[j]) * count))
          << m.design.names[j];
    }
    EXPECT_EQ(std::llround(t.QM_p * count), std::llround(number(e["QM_p"]) * count));
  }
}

TEST_P(MetaforModeratorsTest, PredictionsAtModeratorValues) {
  const auto d = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/mods_" + GetParam() + ".json"));
  ASSERT_GE(doc.at("predictions").size(), 8u);
  for (const auto& e : doc.at("predictions")) {
    const auto o = pool_options(e);
    SCOPED_TRACE(GetParam() + " " + e.at("measure").get<std::string>() + " " + e.at("method").get<std::string>() + " " +
                 e.at("test").get<std::string>() + " at " + e.at("at").dump());
    std::vector<ModeratorColumn> columns;
    for (const auto& m : e.at("moderators")) {
      ModeratorColumn c{m.get<std::string>(), {}, std::nullopt};
      for (std::size_t i = 0; i < d.studies.size(); ++i) c.values.push_back(d.cell(i, c.name));
      columns.push_back(std::move(c));
    }
    const auto reg = regress_proportions(d.studies, columns, o);
    std::vector<std::pair<std::string, std::string>> at;
    for (const auto& [column, value] : e.at("at").items()) {
      at.emplace_back(column, value.is_string() ? value.get<std::string>() : fmt_number(value.get<double>()));
    }
    const auto p = predict_at(reg, at, d.studies, o);
    CARTA_EXPECT_CLOSE("predict.est", p.est, number(e["est"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.se", p.se, number(e["se"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.ci", p.ci_lb, number(e["ci_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.ci", p.ci_ub, number(e["ci_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.pi", p.pi_lb, number(e["pi_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.pi", p.pi_ub, number(e["pi_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.prop", p.prop, number(e["prop"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.prop_ci", p.prop_ci_lb, number(e["prop_ci_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.prop_ci", p.prop_ci_ub, number(e["prop_ci_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.prop_pi", p.prop_pi_lb, number(e["prop_pi_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("predict.prop_pi", p.prop_pi_ub, number(e["prop_pi_ub"]), kIterated);
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, MetaforModeratorsTest, ::testing::Values("cart", "debruin", "sim60"));

}  // namespace
}  // namespace carta::test
