// The CSV/TSV reader and the study-table loader behind every command.
#include "carta/io/study_table.hpp"
#include "carta/io/table.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    const auto table = carta::io::parse_delimited(text, text.size() % 2 ? ',' : '\t', "fuzz.csv");
    if (table.header.size() >= 3) {
      carta::io::StudyColumns columns{table.header[1], table.header[2], table.header[0], std::nullopt, {}};
      (void)carta::io::load_proportion_studies(table, columns);
    }
  });
}
