// The RIS, MEDLINE and CSV record readers, then deduplication of what they read.
#include "carta/io/records.hpp"
#include "carta/review/records.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    const auto load = carta::io::parse_records(text, "fuzz.ris");
    (void)carta::review::deduplicate(load.records);
  });
}
