// Reference tests for small-study effects against fixtures/metafor/bias_<dataset>.json
// (fixtures/generate/generate_metafor_bias.R): regtest (lm and rma), PEESE, Peters (metafor and
// R meta conventions), ranktest, trimfill L0/R0 (k0 exactly).

#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "carta/error.hpp"
#include "carta/io/study_table.hpp"
#include "carta/small_study.hpp"
#include "compare.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

std::vector<ProportionStudy> load(const std::string& name) {
  const std::string file = name == "debruin" ? "debruin2009" : name;
  const auto table = io::read_table(source_path("fixtures/datasets/" + file + ".csv"));
  return io::load_proportion_studies(table, io::StudyColumns{"events", "n", std::string("label"), std::nullopt, {}})
      .groups.at(0)
      .studies;
}

class MetaforBiasTest : public ::testing::TestWithParam<std::string> {
 protected:
  // A weighted-lm regression test (regtest model = "lm"): t, p, df, and the limit estimate with
  // its CI, under the keys generate_metafor_bias.R writes.
  static void expect_regression(const std::string& name, const RegressionTest& got, const nlohmann::json& ref) {
    CARTA_EXPECT_CLOSE(name + ".t", got.stat, number(ref["t"]), kIterated);
    CARTA_EXPECT_CLOSE(name + ".p", got.p, number(ref["p"]), kIterated);
    EXPECT_EQ(got.df, number(ref["df"])) << name;
    CARTA_EXPECT_CLOSE(name + ".limit", got.intercept, number(ref["limit_est"]), kIterated);
    CARTA_EXPECT_CLOSE(name + ".limit_ci", got.intercept_ci_lb, number(ref["limit_ci_lb"]), kIterated);
    CARTA_EXPECT_CLOSE(name + ".limit_ci", got.intercept_ci_ub, number(ref["limit_ci_ub"]), kIterated);
  }

 public:
  static void TearDownTestSuite() {
    std::cout << "[ reference ] small-study effects: largest relative difference from metafor:\n";
    for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
  }
};

TEST_P(MetaforBiasTest, AllTestsAgree) {
  const auto studies = load(GetParam());
  const auto doc = load_json(source_path("fixtures/metafor/bias_" + GetParam() + ".json"));
  std::size_t compared = 0;
  for (const auto& f : doc.at("fits")) {
    PoolOptions o;
    o.measure = *parse_measure(f.at("measure").get<std::string>());
    if (f.contains("peters_meta")) {
      SCOPED_TRACE(GetParam() + " " + f.at("measure").get<std::string>() + " R meta Peters");
      o.preset = Preset::kMeta;
      const auto r = small_study_effects(studies, o);
      ASSERT_TRUE(r.peters.has_value());
      EXPECT_EQ(r.peters_convention, "meta");
      const auto& ref = f["peters_meta"];
      EXPECT_EQ(r.peters->k, ref["k"].get<std::size_t>());
      CARTA_EXPECT_CLOSE("peters_meta.t", r.peters->stat, number(ref["t"]), kIterated);
      CARTA_EXPECT_CLOSE("peters_meta.p", r.peters->p, number(ref["p"]), kIterated);
      EXPECT_EQ(r.peters->df, number(ref["df"]));
      continue;
    }
    o.method = *parse_tau2_method(f.at("method").get<std::string>());
    o.test = *parse_test(f.at("test").get<std::string>());
    o.preset = Preset::kMetafor;
    SCOPED_TRACE(GetParam() + " " + f.at("measure").get<std::string>() + " " + f.at("method").get<std::string>() + " " +
                 f.at("test").get<std::string>());
    const auto r = small_study_effects(studies, o);
    ASSERT_TRUE(r.egger && r.peese && r.egger_rma && r.peters && r.begg && r.trimfill);

    expect_regression("egger", *r.egger, f["egger"]);
    const auto& pe = f["peese"];
    CARTA_EXPECT_CLOSE("peese.est", r.peese->intercept, number(pe["est"]), kIterated);
    CARTA_EXPECT_CLOSE("peese.ci", r.peese->intercept_ci_lb, number(pe["ci_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("peese.ci", r.peese->intercept_ci_ub, number(pe["ci_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("peese.t", r.peese->stat, number(pe["t"]), kIterated);
    const auto& er = f["egger_rma"];
    CARTA_EXPECT_CLOSE("egger_rma.stat", r.egger_rma->stat, number(er["stat"]), kIterated);
    CARTA_EXPECT_CLOSE("egger_rma.p", r.egger_rma->p, number(er["p"]), kIterated);
    CARTA_EXPECT_CLOSE("egger_rma.limit", r.egger_rma->intercept, number(er["limit_est"]), kIterated);
    CARTA_EXPECT_CLOSE("egger_rma.limit_ci", r.egger_rma->intercept_ci_lb, number(er["limit_ci_lb"]), kIterated);
    const auto& pt = f["peters"];
    EXPECT_EQ(r.peters_convention, "metafor");
    CARTA_EXPECT_CLOSE("peters.t", r.peters->stat, number(pt["t"]), kIterated);
    CARTA_EXPECT_CLOSE("peters.p", r.peters->p, number(pt["p"]), kIterated);
    EXPECT_EQ(r.peters->df, number(pt["df"]));
    ASSERT_TRUE(r.inverse_sqrt_n.has_value());
    expect_regression("inverse_sqrt_n", *r.inverse_sqrt_n, f["inverse_sqrt_n"]);
    const auto& bg = f["begg"];
    CARTA_EXPECT_CLOSE("begg.tau", r.begg->tau, number(bg["tau"]), kExact);
    CARTA_EXPECT_CLOSE("begg.p", r.begg->p, number(bg["p"]), kIterated);

    for (const auto& [key, estimator] : {std::pair{"trimfill_L0", TrimFillEstimator::kL0},
                                         std::pair{"trimfill_R0", TrimFillEstimator::kR0}}) {
      const auto& tf = f[key];
      Eigen::VectorXd y(static_cast<Eigen::Index>(studies.size())), v(y.size());
      for (std::size_t i = 0; i < studies.size(); ++i) {
        const auto es = proportion_effect(studies[i].events, studies[i].n, o.measure, ZeroCellRule::kMetafor);
        y[static_cast<Eigen::Index>(i)] = es.yi;
        v[static_cast<Eigen::Index>(i)] = es.vi;
      }
      if (tf.contains("error")) {
        EXPECT_THROW(trim_and_fill(y, v, o.method, o.test, estimator, std::nullopt, 0.95), Error) << tf["error"];
        continue;
      }
      const auto t = trim_and_fill(y, v, o.method, o.test, estimator, std::nullopt, 0.95, o.control);
      EXPECT_EQ(static_cast<double>(t.k0), number(tf["k0"])) << key;  // exactly
      EXPECT_EQ(t.side == FunnelSide::kLeft ? "left" : "right", tf["side"].get<std::string>());
      CARTA_EXPECT_CLOSE("trimfill.k0_se", t.k0_se, number(tf["k0_se"]), kIterated);
      CARTA_EXPECT_CLOSE("trimfill.est", t.est, number(tf["est"]), kIterated);
      CARTA_EXPECT_CLOSE("trimfill.se", t.se, number(tf["se"]), kIterated);
      CARTA_EXPECT_CLOSE("trimfill.ci", t.ci_lb, number(tf["ci_lb"]), kIterated);
      CARTA_EXPECT_CLOSE("trimfill.ci", t.ci_ub, number(tf["ci_ub"]), kIterated);
      CARTA_EXPECT_CLOSE("trimfill.tau2", t.tau2, number(tf["tau2"]), kTau2);
      if (t.k0 > 0) {
        // auto_unbox writes a single filled study as a number, several as an array
        const auto& fy = tf["filled_yi"];
        const auto& fv = tf["filled_vi"];
        ASSERT_EQ(t.filled_yi.size(), fy.is_array() ? fy.size() : 1u);
        for (std::size_t j = 0; j < t.k0; ++j) {
          CARTA_EXPECT_CLOSE("trimfill.filled_yi", t.filled_yi[j], number(fy.is_array() ? fy[j] : fy), kIterated);
          CARTA_EXPECT_CLOSE("trimfill.filled_vi", t.filled_vi[j], number(fv.is_array() ? fv[j] : fv), kExact);
        }
      }
    }
    ++compared;
  }
  EXPECT_EQ(compared, 18u);
}

INSTANTIATE_TEST_SUITE_P(Datasets, MetaforBiasTest,
                         ::testing::Values("pritz1997", "cart_cr", "cart_crs3", "sim250", "debruin"));

}  // namespace
}  // namespace carta::test
