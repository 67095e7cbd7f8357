// Time to write the bundled CAR-T report (issue 6 asks for well under a second on the CI machine),
// and to rasterise one of its forest plots to PNG and PDF on one thread, the unit that dominates
// the report's time. Run: build/report_bench

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "carta/io/spec.hpp"
#include "carta/plot/render.hpp"
#include "carta/report/report.hpp"

namespace {

const std::filesystem::path kSpec = std::filesystem::path(CARTA_SOURCE_DIR) / "examples/cart-ball/review.toml";

void BM_ReportBundledExample(benchmark::State& state) {
  const auto spec = carta::io::load_review_spec(kSpec);
  const auto out = std::filesystem::temp_directory_path() / "carta_report_bench";
  for (auto _ : state) {
    auto summary = carta::report::write_report(spec, out);
    benchmark::DoNotOptimize(summary);
  }
  std::filesystem::remove_all(out);
}
BENCHMARK(BM_ReportBundledExample)->Unit(benchmark::kMillisecond)->UseRealTime();

// One forest figure rendered to PNG and PDF, single-threaded: the unit of rasterisation cost.
void BM_RenderOneFigure(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "carta_render_bench";
  (void)carta::report::write_report(carta::io::load_review_spec(kSpec), dir);
  std::stringstream text;
  text << std::ifstream(dir / "figures" / "forest_complete-remission.svg").rdbuf();
  const std::string svg = text.str();
  for (auto _ : state) carta::plot::render_svg(svg, dir / "bench.png", dir / "bench.pdf");
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RenderOneFigure)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
