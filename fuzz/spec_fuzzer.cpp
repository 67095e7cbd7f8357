// The TOML analysis-spec loader (syntax, keys, types, values).
#include "carta/io/spec.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return carta::fuzz::run(data, size, [](std::string_view text) {
    (void)carta::io::parse_review_spec(text, "/nonexistent/fuzz.toml");
  });
}
