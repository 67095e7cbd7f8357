// The figure renderer's SVG reader and drawing: any byte string either renders or is refused with
// carta::Error. Figures are drawn at a tenth of their size to keep runs quick; the reader and
// every drawing call run as at full size.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "carta/plot/render.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("carta_svg_fuzzer_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return carta::fuzz::run(data, size, [](std::string_view text) {
    carta::plot::render_svg(text, dir / "figure.png", dir / "figure.pdf", 0.1);
  });
}
