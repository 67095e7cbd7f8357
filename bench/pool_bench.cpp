// Google Benchmark programs for the statistical kernels: one REML fit at k = 20 (tau^2 alone, and
// the whole pooled analysis with Q-profile intervals), one GLMM fit at k = 20 (the ML fit alone, and
// the whole GLMM analysis with the profile CI for tau^2), the permutation test, and the --by batch
// path end to end through run_cli.
// Run: build/pool_bench  (ratios against R are measured by bench/vs-r, not asserted in tests).

#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "carta/cli.hpp"
#include "carta/glmm.hpp"
#include "carta/io/study_table.hpp"
#include "carta/permutation.hpp"
#include "carta/pool.hpp"

namespace {

std::vector<carta::ProportionStudy> make_studies(int k, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> size(10, 200);
  std::normal_distribution<double> logit(-1.0, 0.8);
  std::vector<carta::ProportionStudy> out;
  for (int i = 0; i < k; ++i) {
    const int n = size(rng);
    const double p = 1.0 / (1.0 + std::exp(-logit(rng)));
    std::binomial_distribution<int> events(n, p);
    out.push_back({"s" + std::to_string(i), events(rng), n});
  }
  return out;
}

void BM_Tau2Reml_k20(benchmark::State& state) {
  const auto studies = make_studies(20, 42);
  std::vector<double> y, v;
  for (const auto& s : studies) {
    const auto es = carta::proportion_effect(s.events, s.n, carta::Measure::kPLO, carta::ZeroCellRule::kMetafor);
    y.push_back(es.yi);
    v.push_back(es.vi);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(carta::estimate_tau2(y, v, carta::Tau2Method::kREML));
  }
}
BENCHMARK(BM_Tau2Reml_k20);

void BM_PoolReml_k20(benchmark::State& state) {
  const auto studies = make_studies(20, 42);
  carta::PoolOptions options;  // REML, PLO, Q-profile CI, study CIs
  for (auto _ : state) {
    benchmark::DoNotOptimize(carta::pool_proportions(studies, options));
  }
}
BENCHMARK(BM_PoolReml_k20);

// Issue 3/9 target: >= 300x faster than metafor's rma.glmm (nAGQ = 7) per fit.
void BM_GlmmFit_k20(benchmark::State& state) {
  const auto studies = make_studies(20, 42);
  carta::GlmmOptions options;  // nAGQ = 7
  for (auto _ : state) {
    benchmark::DoNotOptimize(carta::fit_glmm(studies, options));
  }
}
BENCHMARK(BM_GlmmFit_k20)->Unit(benchmark::kMicrosecond);

void BM_PoolGlmm_k20(benchmark::State& state) {
  const auto studies = make_studies(20, 42);
  const carta::PoolOptions options;
  for (auto _ : state) {
    carta::GlmmFit fit;
    benchmark::DoNotOptimize(carta::pool_proportions_glmm(studies, options, 7, &fit));
  }
}
BENCHMARK(BM_PoolGlmm_k20)->Unit(benchmark::kMicrosecond);

// The --by path: a long CSV of `groups` meta-analyses of k = 5..30 studies, parsed, pooled and
// written as JSON Lines, exactly as the CLI does it.
void BM_ByGroups(benchmark::State& state) {
  const int groups = static_cast<int>(state.range(0));
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> k_dist(5, 30);
  std::ostringstream csv;
  csv << "group,study,events,n\n";
  std::int64_t rows = 0;
  for (int g = 0; g < groups; ++g) {
    for (const auto& s : make_studies(k_dist(rng), static_cast<std::uint32_t>(g))) {
      csv << 'g' << g << ',' << s.label << ',' << s.events << ',' << s.n << '\n';
      ++rows;
    }
  }
  const auto path = std::filesystem::temp_directory_path() / "carta_bench_by.csv";
  std::ofstream(path) << csv.str();
  for (auto _ : state) {
    std::ostringstream out, err;
    const int code = carta::run_cli({"pool", path.string(), "--events", "events", "--n", "n", "--label", "study",
                                     "--by", "group", "--format", "json"},
                                    out, err);
    if (code != 0) state.SkipWithError("run_cli failed");
    benchmark::DoNotOptimize(out.str().size());
  }
  state.counters["groups/s"] = benchmark::Counter(static_cast<double>(groups), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_ByGroups)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Issue 4 target: a permutation test with 10^4 iterations at k = 50 in under a second (metafor's
// permutest takes about 7.5 s for 1000 iterations at k = 14).
void BM_PermutationTest_k50(benchmark::State& state) {
  const auto studies = make_studies(50, 11);
  std::mt19937 rng(5);
  std::normal_distribution<double> age(35.0, 12.0);
  Eigen::VectorXd y(50), v(50);
  Eigen::MatrixXd x(50, 2);
  for (int i = 0; i < 50; ++i) {
    const auto es = carta::proportion_effect(studies[static_cast<std::size_t>(i)].events, studies[static_cast<std::size_t>(i)].n,
                                             carta::Measure::kPLO, carta::ZeroCellRule::kMetafor);
    y[i] = es.yi;
    v[i] = es.vi;
    x(i, 0) = 1.0;
    x(i, 1) = age(rng);
  }
  carta::PermutationOptions po;
  po.iterations = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(carta::permutation_test(y, v, x, {"intrcpt", "age"}, carta::MixedModelOptions{}, po));
  }
}
BENCHMARK(BM_PermutationTest_k50)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
