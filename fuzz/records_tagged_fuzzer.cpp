// The tagged-line records readers: RIS, PubMed MEDLINE, Web of Science plain text and Ovid
// (selector byte % 4), with their continuation lines, record numbers and repairs.
#include "records_family.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run_records_family(data, size, [](unsigned selector, std::string_view text, auto& context) {
    namespace r = carta::io::records;
    switch (selector % 4) {
      case 0: r::read_ris(text, context); break;
      case 1: r::read_medline(text, context); break;
      case 2: r::read_wos(text, context); break;
      default: r::read_ovid(text, context); break;
    }
  });
}
