// Google Benchmark programs for the readers and the record workflow: CSV parsing throughput in
// MB/s (from memory, and streamed from a file as carta pool --by reads it) and deduplication of
// 100,000 labelled synthetic records (issue 9 targets: >= 200 MB/s; dedup of 100,000 < 10 s).
// Run: build/io_bench

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "carta/io/table.hpp"
#include "carta/review/records.hpp"
#include "synthetic_records.hpp"

namespace {

// A long extraction table as review teams and simulation studies produce it: a group key, a
// label, two counts, a decimal moderator and a quoted free-text note on one row in five.
std::string make_csv(std::size_t rows) {
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> n(10, 400), age(18, 80);
  std::string text = "group,study,events,n,median_age,note\n";
  text.reserve(rows * 48);
  for (std::size_t r = 0; r < rows; ++r) {
    const int total = n(rng);
    text += "g" + std::to_string(r / 17) + ",study_" + std::to_string(r % 17) + "," + std::to_string(total / 3) + "," +
            std::to_string(total) + "," + std::to_string(age(rng)) + ".5,";
    if (r % 5 == 0) text += "\"CD19, 4-1BB; \"\"pediatric\"\" cohort\"";
    text += '\n';
  }
  return text;
}

void BM_CsvParse(benchmark::State& state) {
  const std::string text = make_csv(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto table = carta::io::parse_delimited(text, ',', "bench.csv");
    benchmark::DoNotOptimize(table.rows.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
  state.counters["MB"] = static_cast<double>(text.size()) / 1e6;
}
BENCHMARK(BM_CsvParse)->Arg(400000)->Unit(benchmark::kMillisecond);

// Streamed from a file a row at a time (bounded memory), rows dropped as they are read.
void BM_CsvStream(benchmark::State& state) {
  const std::string text = make_csv(static_cast<std::size_t>(state.range(0)));
  const auto path = std::filesystem::temp_directory_path() / "carta_io_bench.csv";
  std::ofstream(path, std::ios::binary) << text;
  for (auto _ : state) {
    carta::io::TableReader reader(path);
    std::vector<std::string> row;
    std::size_t line = 0;
    std::size_t rows = 0;
    while (reader.next(row, line)) ++rows;
    benchmark::DoNotOptimize(rows);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(text.size()));
  std::filesystem::remove(path);
}
BENCHMARK(BM_CsvStream)->Arg(400000)->Unit(benchmark::kMillisecond);

void BM_Dedup(benchmark::State& state) {
  const auto set = carta::testing::synthetic_records(static_cast<std::size_t>(state.range(0)));
  std::vector<carta::review::BibRecord> records;
  for (const auto& l : set) records.push_back(l.record);
  for (auto _ : state) {
    auto result = carta::review::deduplicate(records);
    benchmark::DoNotOptimize(result.duplicates.data());
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Dedup)->Arg(100000)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
