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
    // The renderer is a module loaded on first use: if it cannot be loaded every input would end
    // in the same expected-looking carta::Error and the fuzzer would test nothing, so a figure
    // that must render is drawn first, outside the error handler.
    carta::plot::render_svg("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"></svg>",
                            d / "check.png", d / "check.pdf", 1.0);
    return d;
  }();
  return carta::fuzz::run(data, size, [](std::string_view text) {
    carta::plot::render_svg(text, dir / "figure.png", dir / "figure.pdf", 0.1);
  });
}
