// The BibTeX reader: braces, quotes, @string, concatenation, LaTeX accents, and its resumption
// after an entry that cannot be read.
#include "records_family.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run_records_family(data, size, [](unsigned, std::string_view text, auto& context) {
    carta::io::records::read_bibtex(text, context);
  });
}
