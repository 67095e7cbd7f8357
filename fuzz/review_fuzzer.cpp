// The screening log, PRISMA counts and risk-of-bias readers with their checks; risk-of-bias tables
// that load are also drawn (wrapping, blocks, UTF-8 cut points).
#include "carta/io/prisma_table.hpp"
#include "carta/io/rob_table.hpp"
#include "carta/io/screening_table.hpp"
#include "carta/io/table.hpp"
#include "carta/plot/rob_plots.hpp"
#include "carta/review/prisma.hpp"
#include "carta/review/screening.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned which = data[0] % 3;
  return carta::fuzz::run(data + 1, size - 1, [which](std::string_view text) {
    const auto table = carta::io::parse_delimited(text, ',', "fuzz.csv");
    if (which == 0) {
      const auto result = carta::review::summarise_screening(carta::io::load_screening_log(table));
      carta::review::PrismaCounts ident;
      ident.database_results = 1000;
      auto counts = carta::review::prisma_counts(result, ident);
      (void)carta::review::complete_and_check(counts);
    } else if (which == 1) {
      auto counts = carta::io::load_prisma_counts(table);
      (void)carta::review::complete_and_check(counts);
    } else {
      for (const auto& id : carta::review::rob_tool_ids()) {
        try {
          const auto assessment = carta::io::load_rob_assessment(table, carta::review::rob_tool(id));
          carta::plot::RobPlotOptions options;
          options.title = table.header.front();
          (void)carta::plot::traffic_light_svg(assessment, options);
          (void)carta::plot::rob_summary_svg(assessment, options);
        } catch (const carta::Error&) {
        }
      }
    }
  });
}
