// The whole records path as `carta dedup` takes it: binary sniffing, decoding, recognising the
// format from the content, the reader it chooses, deduplication of what was read, and the RIS
// and CSV writers (what the RIS writer writes must read back). The per-family fuzzers
// (records_*_fuzzer) reach deeper into each reader.
#include "carta/io/records.hpp"
#include "carta/review/records.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    const auto load = carta::io::parse_records(text, "fuzz.ris");
    const auto result = carta::review::deduplicate(load.records);
    (void)carta::io::records_csv(result.merged);
    const auto ris = carta::io::records_ris(load.records);
    if (!load.records.empty()) (void)carta::io::parse_records(ris, "fuzz-written.ris");
  });
}
