#pragma once
// Shared by the per-family records fuzzers: the first input byte chooses the reader's variant
// (and, in its top bit, strict mode); the rest is decoded as parse_records decodes a file and
// handed to that reader directly, so that every input exercises the family it targets instead of
// whichever format the detector would choose. The records read are then written as CSV and RIS.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carta/error.hpp"
#include "carta/io/records.hpp"
#include "io/records/encoding.hpp"
#include "io/records/reader.hpp"

namespace carta::fuzz {

template <typename Read>
int run_records_family(const std::uint8_t* data, std::size_t size, Read&& read) {
  if (size == 0) return 0;
  const unsigned selector = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  io::RecordsOptions options;
  options.strict = (selector & 0x80) != 0;
  io::RecordsLoad load;
  try {
    const auto decoded = io::records::decode_text(bytes, "fuzz");
    io::records::Context context("fuzz", options, load);
    read(selector & 0x7F, decoded.text, context);
    context.close_notes();
  } catch (const carta::Error&) {
    // Bad input (or strict mode refusing it), reported as it should be.
    return 0;
  }
  (void)io::records_csv(load.records);
  (void)io::records_ris(load.records);
  return 0;
}

}  // namespace carta::fuzz
