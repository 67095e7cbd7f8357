// Properties of the exact interval (its coverage is measured by bench/exact_ci_coverage.cpp).

#include <gtest/gtest.h>

#include <cmath>

#include "carta/error.hpp"
#include "carta/exact_ci.hpp"
#include "carta/tau2.hpp"
#include "compare.hpp"

namespace carta::test {
namespace {

Eigen::VectorXd vec(std::initializer_list<double> x) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(x.size()));
  Eigen::Index i = 0;
  for (const double xi : x) v[i++] = xi;
  return v;
}

TEST(ExactCi, DeterministicForASeedAndContainsTheEstimate) {
  const auto y = vec({-3.2, 4.1, 1.5, -6.0, 8.8});
  const auto v = vec({1, 4, 9, 16, 25});
  ExactCiOptions o;
  o.draws = 2000;
  const auto a = exact_mean_interval(y, v, o);
  const auto b = exact_mean_interval(y, v, o);
  EXPECT_EQ(a.lb, b.lb);
  EXPECT_EQ(a.ub, b.ub);
  EXPECT_EQ(a.c0, 1.2);  // rma.exact's default for k < 6
  const std::vector<double> yy(y.data(), y.data() + 5), vv(v.data(), v.data() + 5);
  const double t2 = estimate_tau2(yy, vv, Tau2Method::kDL).tau2;
  const Eigen::VectorXd w = (v.array() + t2).inverse();
  const double mu = w.dot(y) / w.sum();
  EXPECT_LT(a.lb, mu);
  EXPECT_GT(a.ub, mu);
  // Wider than the z interval of the DL model with 5 studies.
  EXPECT_GT(a.ub - a.lb, 2 * 1.96 / std::sqrt(w.sum()));
  EXPECT_GT(a.lb_mc_sd, 0.0);
  EXPECT_NEAR(a.monte_carlo_se, std::sqrt(0.05 * 0.95 / 2000), 1e-15);
  o.seed = 7;
  const auto c = exact_mean_interval(y, v, o);
  EXPECT_NE(a.lb, c.lb);  // a different stream
  // Agreement across seeds within Monte Carlo error.
  EXPECT_NEAR(a.lb, c.lb, 6 * std::max(a.lb_mc_sd, c.lb_mc_sd));
}

TEST(ExactCi, TheSameOnAnyNumberOfThreads) {
  const auto y = vec({-3.2, 4.1, 1.5, -6.0, 8.8, 0.4});
  const auto v = vec({1, 4, 9, 16, 25, 2});
  ExactCiOptions o;
  o.draws = 1000;
  o.threads = 1;
  const auto one = exact_mean_interval(y, v, o);
  for (const unsigned threads : {2u, 3u, 0u}) {
    o.threads = threads;
    const auto many = exact_mean_interval(y, v, o);
    EXPECT_EQ(many.lb, one.lb) << threads;
    EXPECT_EQ(many.ub, one.ub) << threads;
    EXPECT_EQ(many.tau2_at_lb, one.tau2_at_lb) << threads;
    EXPECT_EQ(many.lb_mc_sd, one.lb_mc_sd) << threads;
    EXPECT_EQ(many.ub_mc_sd, one.ub_mc_sd) << threads;
  }
}

TEST(ExactCi, ShiftEquivariant) {
  // The interval moves with the data: the test statistic is location-invariant.
  const auto y = vec({0.2, 0.9, 0.4, 1.3});
  const auto v = vec({0.04, 0.09, 0.05, 0.2});
  ExactCiOptions o;
  o.draws = 1000;
  const auto a = exact_mean_interval(y, v, o);
  const auto b = exact_mean_interval((y.array() + 2.5).matrix(), v, o);
  EXPECT_TRUE(close_to(b.lb, a.lb + 2.5, {1e-12, 1e-12}, "lb"));
  EXPECT_TRUE(close_to(b.ub, a.ub + 2.5, {1e-12, 1e-12}, "ub"));
}

TEST(ExactCi, HomogeneousStudiesAndErrors) {
  ExactCiOptions o;
  o.draws = 1000;
  const auto same = exact_mean_interval(vec({0.5, 0.5, 0.5}), vec({0.1, 0.1, 0.1}), o);
  EXPECT_EQ(same.tau2_upper, 0.0);
  EXPECT_FALSE(same.note.empty());
  EXPECT_LT(same.lb, 0.5);
  EXPECT_GT(same.ub, 0.5);
  EXPECT_THROW(exact_mean_interval(vec({1.0}), vec({0.1}), o), Error);
  o.draws = 10;
  EXPECT_THROW(exact_mean_interval(vec({1.0, 2.0}), vec({0.1, 0.2}), o), Error);
}

}  // namespace
}  // namespace carta::test
