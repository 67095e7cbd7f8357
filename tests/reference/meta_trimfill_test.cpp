// Trim-and-fill under the preset meta (TrimFillConvention::kMeta) against R meta's own trimfill()
// (fixtures/metafor/meta_trimfill.json, fixtures/generate/generate_meta_trimfill.R, meta 8.4-0):
// five proportion data sets on the logit scale, DL and REML, L0 and R0.

#include <gtest/gtest.h>

#include <iostream>

#include "carta/small_study.hpp"
#include "compare.hpp"
#include "json_vectors.hpp"
#include "worst_error.hpp"

namespace carta::test {
namespace {

TEST(MetaTrimFill, AgreesWithRMetasTrimfill) {
  const auto doc = load_json(source_path("fixtures/metafor/meta_trimfill.json"));
  std::size_t compared = 0, differs_from_metafor = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string method = c.at("method");
    const std::string estimator = c.at("estimator");
    SCOPED_TRACE(c.at("dataset").get<std::string>() + " " + method + " " + estimator);
    ASSERT_FALSE(c.contains("error")) << c["error"];
    const Eigen::VectorXd y = vector_of(c.at("yi")), v = vector_of(c.at("vi"));
    const auto est = estimator == "R0" ? TrimFillEstimator::kR0 : TrimFillEstimator::kL0;
    const auto tau2 = *parse_tau2_method(method);
    const TrimFill t = trim_and_fill(y, v, tau2, TestType::kZ, est, std::nullopt, 0.95, Tau2Control{}, TrimFillConvention::kMeta);
    EXPECT_EQ(t.k0, c.at("k0").get<std::size_t>());
    EXPECT_EQ(t.side == FunnelSide::kLeft, c.at("left").get<bool>());
    EXPECT_EQ(t.iterations, c.at("n_iter").get<int>());
    // meta's metagen solves tau^2 to its own tolerances (REML: rma.uni's defaults, 1e-5 steps).
    const Tolerance tol = method == "DL" ? kIterated : Tolerance{1e-5, 1e-8};
    CARTA_EXPECT_CLOSE("meta_trimfill.est", t.est, number(c["est"]), tol);
    CARTA_EXPECT_CLOSE("meta_trimfill.se", t.se, number(c["se"]), tol);
    CARTA_EXPECT_CLOSE("meta_trimfill.ci", t.ci_lb, number(c["ci_lb"]), tol);
    CARTA_EXPECT_CLOSE("meta_trimfill.ci", t.ci_ub, number(c["ci_ub"]), tol);
    CARTA_EXPECT_CLOSE("meta_trimfill.tau2", t.tau2, number(c["tau2"]), tol);
    ASSERT_EQ(t.filled_yi.size(), c.at("filled_yi").size());
    // meta lists the filled studies in its own order: compare the sets.
    std::vector<double> ours = t.filled_yi, theirs;
    for (const auto& f : c.at("filled_yi")) theirs.push_back(f.get<double>());
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    for (std::size_t i = 0; i < ours.size(); ++i) CARTA_EXPECT_CLOSE("meta_trimfill.filled_yi", ours[i], theirs[i], kExact);
    const TrimFill metafor = trim_and_fill(y, v, tau2, TestType::kZ, est, std::nullopt, 0.95);
    if (metafor.k0 != t.k0) ++differs_from_metafor;
    ++compared;
  }
  EXPECT_EQ(compared, 20u);
  // The two conventions must give different answers somewhere, or this test proves nothing.
  EXPECT_GT(differs_from_metafor, 0u);
  std::cout << "[ reference ] meta trimfill: " << differs_from_metafor << " of " << compared
            << " cases have a k0 other than metafor's; largest relative difference:\n";
  for (const auto& [q, w] : worst()) std::cout << "    " << q << ": " << w << '\n';
}

}  // namespace
}  // namespace carta::test
