#pragma once
// Exact confidence interval for the mean of the normal-normal random-effects model with few
// studies (Michael, Thornton, Xie & Tian 2019, Biometrics 75:485): test inversion over (mu, tau^2)
// with a Monte Carlo null distribution at each tau^2, projected onto mu. Its coverage is at least
// the nominal level up to Monte Carlo error (given the model). Formulas: docs/methods/exact_ci.md.

#include <Eigen/Dense>

#include <cstdint>
#include <optional>
#include <string>

namespace carta {

struct ExactCiOptions {
  double level = 0.95;
  std::optional<double> c0;      // weight of the likelihood-ratio part; default by k as rma.exact
  int draws = 10000;             // Monte Carlo draws per study (common to every tau^2)
  int tau2_grid = 200;           // tau^2 values on [0, upper bound]
  double tau2_level = 0.995;     // level of the exact pivot interval bounding tau^2
  std::uint64_t seed = 20261121;
  unsigned threads = 0;          // 0 = one per core; the interval does not depend on it
};

struct ExactCi {
  double lb = 0.0, ub = 0.0;
  double c0 = 0.0;
  double tau2_upper = 0.0;       // upper end of the tau^2 range searched
  double tau2_at_lb = 0.0, tau2_at_ub = 0.0;  // where the bounds were attained
  int draws = 0;
  std::uint64_t seed = 0;
  double monte_carlo_se = 0.0;   // standard error of the estimated tail probability at the cut-off
  // Monte Carlo standard deviation of each bound: the spread of the bounds from four independent
  // quarters of the draws, halved (a bound from all draws varies half as much as one from a quarter).
  double lb_mc_sd = 0.0, ub_mc_sd = 0.0;
  std::string note;
};

// y: study estimates, v: their variances (k >= 2). Throws carta::Error for k < 2 or bad options.
ExactCi exact_mean_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const ExactCiOptions& options = {});

}  // namespace carta
