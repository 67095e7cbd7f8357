// Survival against R: pooled log hazards against metafor's rma(yi, vi) with every estimator and
// test, and Kaplan-Meier curves against survival::survfit (fixtures/generate/generate_survival.R).

#include <gtest/gtest.h>

#include "carta/io/survival_table.hpp"
#include "carta/kaplan_meier.hpp"
#include "carta/survival.hpp"
#include "compare.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

std::vector<SurvivalReport> load_dataset(const std::string& file) {
  const io::Table table = io::read_table(source_path("fixtures/datasets/survival/" + file));
  io::SurvivalColumns c;
  c.label = "study";
  auto maybe = [&](std::optional<std::string>& slot, const char* name) {
    for (const auto& h : table.header) {
      if (h == name) slot = name;
    }
  };
  maybe(c.s, "s");
  maybe(c.s_lb, "s_lb");
  maybe(c.s_ub, "s_ub");
  maybe(c.s_time_column, "s_time");
  maybe(c.median, "median");
  maybe(c.median_lb, "median_lb");
  maybe(c.median_ub, "median_ub");
  maybe(c.events, "events");
  maybe(c.person_time, "person_time");
  maybe(c.n, "n");
  return io::load_survival_reports(table, c).reports;
}

struct SurvivalCase {
  std::string name;
  std::string file;
};

void print_worst() {
  std::printf("[ reference ] largest relative difference from R, per quantity:\n");
  for (const auto& [q, e] : worst()) std::printf("    %s: %.3g\n", q.c_str(), e);
}

void PrintTo(const SurvivalCase& c, std::ostream* os) { *os << c.name; }

class SurvivalPoolTest : public ::testing::TestWithParam<SurvivalCase> {
 public:
  static void TearDownTestSuite() { print_worst(); }
};

TEST_P(SurvivalPoolTest, AgreesWithMetafor) {
  const auto doc = load_json(source_path("fixtures/metafor/survival_" + GetParam().name + ".json"));
  const auto reports = load_dataset(GetParam().file);
  ASSERT_EQ(reports.size(), doc["yi"].size());
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const StudyHazard h = study_hazard(reports[i]);
    EXPECT_EQ(to_string(h.source), doc["source"][i].get<std::string>()) << reports[i].label;
    CARTA_EXPECT_CLOSE("ln hazard", h.log_hazard, number(doc["yi"][i]), kExact);
    CARTA_EXPECT_CLOSE("variance", h.se * h.se, number(doc["vi"][i]), kExact);
  }
  for (const auto& fit : doc["fits"]) {
    SurvivalOptions options;
    options.pool.method = *parse_tau2_method(fit["method"].get<std::string>());
    options.pool.test = *parse_test(fit["test"].get<std::string>());
    options.pool.preset = Preset::kMetafor;  // predict()'s PI uses the test's quantile
    options.times = {12.0, 24.0};
    const auto r = pool_survival(reports, options);
    const std::string where = fit["method"].get<std::string>() + "/" + fit["test"].get<std::string>() + " ";
    SCOPED_TRACE(where);
    const auto& re = r.log_hazard.random;
    CARTA_EXPECT_CLOSE("est", re.est, number(fit["est"]), kIterated);
    CARTA_EXPECT_CLOSE("se", re.se, number(fit["se"]), kIterated);
    CARTA_EXPECT_CLOSE("ci", re.ci_lb, number(fit["ci_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("ci", re.ci_ub, number(fit["ci_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("pi", re.pi_lb, number(fit["pi_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("pi", re.pi_ub, number(fit["pi_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("tau2", r.log_hazard.heterogeneity.tau2, number(fit["tau2"]), kTau2);
    CARTA_EXPECT_CLOSE("I2", r.log_hazard.heterogeneity.I2, number(fit["I2"]), kI2);
    CARTA_EXPECT_CLOSE("H2", r.log_hazard.heterogeneity.H2, number(fit["H2"]), kI2);
    CARTA_EXPECT_CLOSE("Q", r.log_hazard.heterogeneity.Q, number(fit["Q"]), kExact);
    CARTA_EXPECT_CLOSE("Q p", r.log_hazard.heterogeneity.Q_p, number(fit["Q_p"]), kIterated);
    CARTA_EXPECT_CLOSE("common est", r.log_hazard.common.est, number(fit["common_est"]), kExact);
    CARTA_EXPECT_CLOSE("S(12)", r.survival[0].random.est, number(fit["s12"]), kIterated);
    // Bounds swap: the upper bound of ln lambda gives the lower bound of S.
    CARTA_EXPECT_CLOSE("S(12) ci", r.survival[0].random.ci_lb, number(fit["s12_lb"]), kIterated);
    CARTA_EXPECT_CLOSE("S(12) ci", r.survival[0].random.ci_ub, number(fit["s12_ub"]), kIterated);
    CARTA_EXPECT_CLOSE("S(24)", r.survival[1].random.est, number(fit["s24"]), kIterated);
    CARTA_EXPECT_CLOSE("median", r.median_random.est, number(fit["median"]), kIterated);
    EXPECT_LE(r.median_random.ci_lb, r.median_random.est);
    EXPECT_GE(r.median_random.ci_ub, r.median_random.est);
    EXPECT_LE(r.median_random.pi_lb, r.median_random.ci_lb);
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, SurvivalPoolTest,
                         ::testing::Values(SurvivalCase{"worked", "worked_example.csv"},
                                           SurvivalCase{"cart_os12", "cart_os12.csv"},
                                           SurvivalCase{"mixed", "mixed_sources.csv"}),
                         [](const auto& param_info) { return param_info.param.name; });

class KaplanMeierTest : public ::testing::TestWithParam<std::string> {
 public:
  static void TearDownTestSuite() { print_worst(); }
};

TEST_P(KaplanMeierTest, AgreesWithSurvfit) {
  const auto doc = load_json(source_path("fixtures/metafor/km_" + GetParam() + ".json"));
  const auto ipd = io::read_ipd(source_path("fixtures/datasets/survival/ipd_" + GetParam() + ".csv"));
  for (const auto& fit : doc["fits"]) {
    const std::string type = fit["conf_type"].get<std::string>();
    SCOPED_TRACE(type);
    const KaplanMeier km = kaplan_meier(ipd, 0.95, *parse_km_interval(type));
    ASSERT_EQ(km.steps.size(), fit["time"].size());
    for (std::size_t i = 0; i < km.steps.size(); ++i) {
      const auto& s = km.steps[i];
      EXPECT_EQ(s.time, number(fit["time"][i]));
      EXPECT_EQ(s.n_risk, fit["n_risk"][i].get<std::int64_t>());
      EXPECT_EQ(s.events, fit["n_event"][i].get<std::int64_t>());
      EXPECT_EQ(s.censored, fit["n_censor"][i].get<std::int64_t>());
      CARTA_EXPECT_CLOSE("KM S", s.survival, number(fit["surv"][i]), kExact);
      CARTA_EXPECT_CLOSE("KM se(log S)", s.se_log, number(fit["std_err"][i]), kExact);
      CARTA_EXPECT_CLOSE("KM ci", s.ci_lb, number(fit["lower"][i]), kExact);
      CARTA_EXPECT_CLOSE("KM ci", s.ci_ub, number(fit["upper"][i]), kExact);
    }
    const KmMedian m = km.median();
    CARTA_EXPECT_CLOSE("KM median", m.est, number(fit["median"]), kExact);
    CARTA_EXPECT_CLOSE("KM median ci", m.ci_lb, number(fit["median_lb"]), kExact);
    CARTA_EXPECT_CLOSE("KM median ci", m.ci_ub, number(fit["median_ub"]), kExact);
    for (std::size_t i = 0; i < fit["at_time"].size(); ++i) {
      const KmStep at = km.at(number(fit["at_time"][i]));
      CARTA_EXPECT_CLOSE("KM S(t)", at.survival, number(fit["at_surv"][i]), kExact);
      CARTA_EXPECT_CLOSE("KM S(t) ci", at.ci_lb, number(fit["at_lower"][i]), kExact);
      CARTA_EXPECT_CLOSE("KM S(t) ci", at.ci_ub, number(fit["at_upper"][i]), kExact);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, KaplanMeierTest,
                         ::testing::Values("cure60", "small_ties", "half", "ends_at_zero", "large"));

}  // namespace
}  // namespace carta::test
