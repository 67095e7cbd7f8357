// Validation by simulation (issue 7): the reconstruction of patient data from digitised
// Kaplan-Meier curves (Guyot et al. 2012), over many seeds per scenario. Each replicate simulates
// patients (exponential hazard with a cure fraction, uniform censoring), digitises the curve's
// corners and the curve at each time of a 3-monthly at-risk table (with and without noise),
// reconstructs with the reported total number of events, and compares with the truth.
// Not a unit test: run build/km_reconstruct_validation [replicates] and record the table in
// docs/methods/survival.md. Deterministic: seeds 1..replicates in every scenario.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "carta/error.hpp"
#include "km_simulation.hpp"

namespace {

struct Scenario {
  int n;
  double cure, rate, noise;
};

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const int replicates = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::vector<Scenario> scenarios{{50, 0.3, 0.1, 0.0},   {150, 0.3, 0.1, 0.0},   {400, 0.3, 0.1, 0.0},
                                        {50, 0.3, 0.1, 0.002}, {150, 0.3, 0.1, 0.002}, {400, 0.3, 0.1, 0.002},
                                        {150, 0.0, 0.1, 0.0},  {150, 0.5, 0.05, 0.002}, {150, 0.3, 0.1, 0.005}};
  std::printf("%d replicates per scenario; follow-up 36 months, at-risk table every 3 months\n\n", replicates);
  std::printf("| n | cure | hazard | noise | max gap median | max gap p95 | max gap max | P(gap<=0.02) | "
              "events: P(err<=2%%) | median: P(err<=5%%) | at-risk gap max | errors |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& sc : scenarios) {
    std::vector<carta::test::RoundTrip> results(static_cast<std::size_t>(replicates));
    std::vector<int> failed(static_cast<std::size_t>(replicates), 0);
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int r = static_cast<int>(t); r < replicates; r += static_cast<int>(threads)) {
          try {
            results[static_cast<std::size_t>(r)] =
                carta::test::round_trip(static_cast<std::uint64_t>(r + 1), sc.n, sc.cure, sc.rate, 36.0, sc.noise, 3.0);
          } catch (const carta::Error&) {
            failed[static_cast<std::size_t>(r)] = 1;
          }
        }
      });
    }
    for (auto& th : pool) th.join();
    std::vector<double> gaps;
    int gap_ok = 0, events_ok = 0, median_ok = 0, median_n = 0, errors = 0;
    std::int64_t at_risk_max = 0;
    for (int r = 0; r < replicates; ++r) {
      if (failed[static_cast<std::size_t>(r)]) {
        ++errors;
        continue;
      }
      const auto& x = results[static_cast<std::size_t>(r)];
      gaps.push_back(x.max_gap);
      gap_ok += x.max_gap <= 0.02;
      events_ok += x.event_error <= 0.02;
      if (!std::isnan(x.median_error)) {
        ++median_n;
        median_ok += x.median_error <= 0.05;
      }
      at_risk_max = std::max(at_risk_max, x.at_risk_gap);
    }
    const double ok = static_cast<double>(replicates - errors);
    std::printf("| %d | %.1f | %.2f | %.3f | %.4f | %.4f | %.4f | %.3f | %.3f | %.3f (%d) | %lld | %d |\n", sc.n,
                sc.cure, sc.rate, sc.noise, quantile(gaps, 0.5), quantile(gaps, 0.95), quantile(gaps, 1.0),
                gap_ok / ok, events_ok / ok, median_n ? static_cast<double>(median_ok) / median_n : NAN, median_n,
                static_cast<long long>(at_risk_max), errors);
  }
  return 0;
}
