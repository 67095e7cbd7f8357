// The table reader (CSV, semicolon-separated, tab-delimited: Scopus, Zotero, EndNote, Web of
// Science tab-delimited), delimiter chosen by the selector byte % 3: quotes, rows spanning lines,
// rows cut short, headers without a title column.
#include "records_family.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run_records_family(data, size, [](unsigned selector, std::string_view text, auto& context) {
    static constexpr char kDelimiters[] = {',', ';', '\t'};
    carta::io::records::read_delimited(text, kDelimiters[selector % 3], context);
  });
}
