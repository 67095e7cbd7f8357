// The EndNote XML reader (pugixml), including its record-by-record recovery from XML that is not
// well-formed.
#include "records_family.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run_records_family(data, size, [](unsigned, std::string_view text, auto& context) {
    carta::io::records::read_endnote_xml(text, context);
  });
}
