// The CSV/TSV reader and the study-table loader behind every command: comma, tab, or the
// delimiter chosen from the header (a comma, or a semicolon with decimal commas, as read_table
// does for a .csv), chosen by the input's length.
#include "carta/io/study_table.hpp"
#include "carta/io/table.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    static constexpr char kDelimiters[] = {',', '\t', '\0'};
    const auto table = carta::io::parse_delimited(text, kDelimiters[text.size() % 3], "fuzz.csv");
    if (table.header.size() >= 3) {
      carta::io::StudyColumns columns{table.header[1], table.header[2], table.header[0], std::nullopt, {}};
      (void)carta::io::load_proportion_studies(table, columns);
    }
  });
}
