#pragma once
// Shared by the libFuzzer targets: run a parser on the input; carta::Error is the expected answer
// to bad input (a message, no crash); anything else escaping is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carta/error.hpp"

namespace carta::fuzz {

template <typename F>
int run(const std::uint8_t* data, std::size_t size, F&& parse) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    parse(text);
  } catch (const carta::Error&) {
    // Bad input, reported as it should be.
  }
  return 0;
}

}  // namespace carta::fuzz
