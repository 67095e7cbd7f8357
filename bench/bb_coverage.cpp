// Validation by simulation (issue 3): coverage of the 95% intervals for the mean proportion of the
// beta-binomial model, over 2000 simulated meta-analyses per scenario: k = 5, 10, 20;
// pi = 0.1, 0.5, 0.8; overdispersion rho = 0.02 (small) and 0.2 (large); n_i uniform on 20..100.
// Intervals: Wald on the logit, profile likelihood, and the bootstrap-calibrated profile interval
// (--ci bootstrap) with the given number of bootstrap replicates per grid point.
// Not a unit test: run build/bb_coverage [replications] [bootstrap replicates] [only this k] and
// record the table in docs/methods/beta_binomial.md. Deterministic: one seeded generator per
// scenario, and a seed per simulated meta-analysis for its bootstrap.

#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "carta/beta_binomial.hpp"
#include "carta/error.hpp"

namespace {

struct Scenario {
  int k;
  double pi, rho;
};

struct Tally {
  int profile_covered = 0, wald_covered = 0, bartlett_covered = 0, quantile_covered = 0, fitted = 0, not_estimable = 0;
  double profile_width = 0.0, bartlett_width = 0.0, bartlett_factor = 0.0;
};

Tally run(const Scenario& sc, int replications, int bootstrap, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> size(20, 100);
  const double theta = sc.rho / (1.0 - sc.rho);
  std::gamma_distribution<double> ga(sc.pi / theta, 1.0), gb((1.0 - sc.pi) / theta, 1.0);
  Tally t;
  for (int r = 0; r < replications; ++r) {
    std::vector<carta::ProportionStudy> studies;
    for (int i = 0; i < sc.k; ++i) {
      const double a = ga(rng), b = gb(rng);
      const int n = size(rng);
      std::binomial_distribution<int> bin(n, a / (a + b));
      studies.push_back({"s" + std::to_string(i), bin(rng), n});
    }
    try {
      carta::BetaBinomialOptions options;
      options.bootstrap_replicates = bootstrap;
      options.threads = 1;  // the scenarios run in parallel
      options.seed = seed + static_cast<std::uint64_t>(r);
      const auto f = carta::fit_beta_binomial(studies, options);
      const auto& c = f.calibration;
      t.bartlett_covered += c.pi_lb <= sc.pi && sc.pi <= c.pi_ub;
      t.bartlett_width += c.pi_ub - c.pi_lb;
      t.bartlett_factor += c.bartlett_factor;
      ++t.fitted;
      t.profile_covered += f.pi_ci_lb <= sc.pi && sc.pi <= f.pi_ci_ub;
      t.wald_covered += f.pi_wald_lb <= sc.pi && sc.pi <= f.pi_wald_ub;
      t.profile_width += f.pi_ci_ub - f.pi_ci_lb;
    } catch (const carta::Error&) {
      ++t.not_estimable;  // e.g. every study with 0 events
    }
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int replications = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int bootstrap = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int only_k = argc > 3 ? std::atoi(argv[3]) : 0;  // run the scenarios with this k only
  std::vector<Scenario> scenarios;
  for (int k : {5, 10, 20})
    if (only_k == 0 || k == only_k)
    for (double pi : {0.1, 0.5, 0.8})
      for (double rho : {0.02, 0.2}) scenarios.push_back({k, pi, rho});
  std::vector<Tally> tallies(scenarios.size());
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      for (std::size_t s = w; s < scenarios.size(); s += threads) tallies[s] = run(scenarios[s], replications, bootstrap, 1000 + s);
    });
  }
  for (auto& th : pool) th.join();
  std::printf("| k | pi | rho | fitted | not estimable | Wald | profile | calibrated | profile width | calibrated width | mean Bartlett factor |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const auto& sc = scenarios[s];
    const auto& t = tallies[s];
    const double fitted = t.fitted;
    std::printf("| %d | %.1f | %.2f | %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", sc.k, sc.pi, sc.rho, t.fitted,
                t.not_estimable, t.wald_covered / fitted, t.profile_covered / fitted, t.bartlett_covered / fitted,
                t.profile_width / fitted, t.bartlett_width / fitted, t.bartlett_factor / fitted);
  }
  return 0;
}
