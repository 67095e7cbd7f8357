// Reference tests for the binomial-normal GLMM of two-arm counts (rma.glmm, measure "OR", model
// "UM.FS"): fixtures/metafor/glmm_or_<name>.json from fixtures/generate/generate_glmm_or.R.
//  - Against the optimum computed independently in R (the same adaptive quadrature written out,
//    maximised to a gradient of ~1e-8, SE from a Richardson-extrapolated Hessian): 1e-7 for beta
//    and the likelihoods, 1e-6 for tau^2 and the SE. The log-likelihood of dat.bcg (arms of up to
//    88,000 patients) is a sum of terms of size 1e5 and so is known to ~1e-12; with a curvature of
//    ~200 in tau that fixes tau to ~1e-7 and tau^2 to ~3e-7 relative, in either implementation.
//  - Against rma.glmm at its defaults: lme4 stops short of the optimum and differentiates a noisy
//    deviance, so agreement is to about 1e-4 (1e-3 on the sparse sets); docs/methods/glmm.md.

#include <gtest/gtest.h>

#include <iostream>

#include "carta/error.hpp"
#include "carta/glmm_or.hpp"
#include "carta/io/comparative_table.hpp"
#include "compare.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

struct Dataset {
  std::string file, label;
};

std::vector<TwoByTwoStudy> load(const std::string& name) {
  const Dataset d = name == "nielweise2007" ? Dataset{"nielweise2007", "author"}
                                            : Dataset{"comparative_" + name, "label"};
  const auto table = io::read_table(source_path("fixtures/datasets/" + d.file + ".csv"));
  const io::TwoArmColumns columns{"ai", "n1i", "ci", "n2i", d.label, {}};
  return io::load_two_arm_studies(table, columns).studies;
}

constexpr Tolerance kOptimum{1e-7, 1e-9};
constexpr Tolerance kOptimumTau{1e-6, 1e-9};
constexpr Tolerance kClosedForm{1e-9, 1e-12};
constexpr Tolerance kIntercept{1e-6, 1e-8};
constexpr Tolerance kTests{1e-7, 1e-9};

class GlmmOrTest : public ::testing::TestWithParam<std::string> {
 public:
  static void TearDownTestSuite() {
    std::cout << "[ reference ] GLMM (UM.FS) for two-arm counts, largest relative difference:\n";
    for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
  }
};

TEST_P(GlmmOrTest, AgreesWithTheOptimumAndWithRmaGlmm) {
  const std::string name = GetParam();
  const auto doc = load_json(source_path("fixtures/metafor/glmm_or_" + name + ".json"));
  const auto studies = load(name);
  ASSERT_EQ(studies.size(), doc.at("k_all").get<std::size_t>());
  const GlmmOrFit fit = fit_glmm_or(studies);
  ASSERT_TRUE(fit.report.converged) << fit.report.message;
  EXPECT_EQ(fit.dropped.size(), doc.at("dropped").size());

  const auto& opt = doc.at("optimum");
  CARTA_EXPECT_CLOSE("optimum.beta", fit.beta, number(opt["beta"]), kOptimum);
  CARTA_EXPECT_CLOSE("optimum.tau2", fit.tau2, number(opt["tau2"]), kOptimumTau);
  CARTA_EXPECT_CLOSE("optimum.se", fit.se, number(opt["se"]), kOptimumTau);
  CARTA_EXPECT_CLOSE("optimum.loglik", fit.loglik, number(opt["loglik"]), kOptimum);
  const auto& common = doc.at("common");
  CARTA_EXPECT_CLOSE("common.beta", fit.common_beta, number(common["beta"]), kOptimum);
  CARTA_EXPECT_CLOSE("common.se", fit.common_se, number(common["se"]), kOptimum);
  CARTA_EXPECT_CLOSE("common.loglik", fit.loglik_common, number(common["loglik"]), kOptimum);
  CARTA_EXPECT_CLOSE("loglik_saturated", fit.loglik_saturated, number(doc["loglik_saturated"]), kClosedForm);

  // The study intercepts at the optimum, and the likelihood there, as the R reference has them.
  const auto& alpha = opt.at("alpha");
  ASSERT_EQ(fit.alpha.size(), alpha.size());
  for (std::size_t i = 0; i < fit.alpha.size(); ++i) {
    CARTA_EXPECT_CLOSE("optimum.alpha", fit.alpha[i], number(alpha[i]), kIntercept);
  }

  // rma.glmm at its defaults: the same model to lme4's precision; the closed-form parts exactly.
  const auto& r = doc.at("rma_glmm_z");
  const bool sparse = name == "sparse" || name == "nielweise2007";
  const Tolerance loose{sparse ? 2e-3 : 5e-4, sparse ? 5e-4 : 1e-4};
  EXPECT_EQ(fit.k, r.at("k").get<std::size_t>());
  CARTA_EXPECT_CLOSE("rma_glmm.est", fit.beta, number(r["est"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.se", fit.se, number(r["se"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.tau2", fit.tau2, number(r["tau2"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.ci", fit.ci_lb, number(r["ci_lb"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.ci", fit.ci_ub, number(r["ci_ub"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.pi", fit.pi_lb, number(r["pi_lb"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.pi", fit.pi_ub, number(r["pi_ub"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.I2", fit.I2, number(r["I2"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.H2", fit.H2, number(r["H2"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm.QE_lrt", fit.QE_lrt, number(r["QE_lrt"]), kTests);
  bool zero_cell = false;
  for (const auto& st : studies) {
    const bool double_zero = (st.events_1 == 0 && st.events_2 == 0) || (st.events_1 == st.n_1 && st.events_2 == st.n_2);
    if (!double_zero && (st.events_1 == 0 || st.events_1 == st.n_1 || st.events_2 == 0 || st.events_2 == st.n_2)) zero_cell = true;
  }
  EXPECT_EQ(std::isnan(fit.QE_wald), zero_cell) << "the Wald test is unavailable exactly when a kept study has a zero cell";
  if (!zero_cell) {
    CARTA_EXPECT_CLOSE("rma_glmm.QE_wald", fit.QE_wald, number(r["QE_wald"]), kTests);
  }

  // rma.glmm with bobyqa tightened: the optimum to ~1e-5 (its SE stays noisy; not compared).
  const auto& tight = doc.at("rma_glmm_tight");
  const Tolerance tight_tolerance{sparse ? 2e-4 : 3e-5, 1e-6};
  CARTA_EXPECT_CLOSE("rma_glmm_tight.est", fit.beta, number(tight["est"]), tight_tolerance);
  CARTA_EXPECT_CLOSE("rma_glmm_tight.tau2", fit.tau2, number(tight["tau2"]), tight_tolerance);

  // test = "t": t(k - 1) intervals around the same estimate.
  const auto& rt = doc.at("rma_glmm_t");
  GlmmOrOptions t_options;
  t_options.test = TestType::kT;
  const GlmmOrFit t_fit = fit_glmm_or(studies, t_options);
  CARTA_EXPECT_CLOSE("rma_glmm_t.ci", t_fit.ci_lb, number(rt["ci_lb"]), loose);
  CARTA_EXPECT_CLOSE("rma_glmm_t.pi", t_fit.pi_ub, number(rt["pi_ub"]), loose);
  const Tolerance p_tolerance{sparse ? 1e-2 : 1e-3, 1e-6};
  CARTA_EXPECT_CLOSE("rma_glmm_t.p", t_fit.p, number(rt["p"]), p_tolerance);
}

INSTANTIATE_TEST_SUITE_P(Datasets, GlmmOrTest, ::testing::Values("bcg", "collins1985a", "sparse", "nielweise2007"),
                         [](const auto& param_info) { return param_info.param; });

TEST(GlmmOr, FewerThanTwoInformativeStudiesIsAClearError) {
  const std::vector<TwoByTwoStudy> studies{{"A", 3, 20, 5, 20}, {"B", 0, 10, 0, 12}};
  try {
    (void)fit_glmm_or(studies);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2"), std::string::npos) << e.what();
  }
}

TEST(GlmmOr, HomogeneousTablesGiveTheCommonEffectAtTauZero) {
  // Identical odds ratios in every study: the likelihood is largest at tau = 0.
  const std::vector<TwoByTwoStudy> studies{{"A", 10, 50, 20, 50}, {"B", 20, 100, 40, 100}, {"C", 5, 25, 10, 25}};
  const GlmmOrFit fit = fit_glmm_or(studies);
  EXPECT_EQ(fit.tau2, 0.0);
  EXPECT_NEAR(fit.beta, fit.common_beta, 1e-12);
  EXPECT_NEAR(fit.beta, std::log((10.0 / 40) / (20.0 / 30)), 1e-6);
  EXPECT_NEAR(fit.se, fit.common_se, 1e-12);
  EXPECT_NEAR(fit.QE_lrt, 0.0, 1e-9);
}

}  // namespace
}  // namespace carta::test
