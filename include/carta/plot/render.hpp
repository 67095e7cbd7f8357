#pragma once
// PNG and PDF from the same SVG, through librsvg and cairo, so that every format shows the same
// figure (fonts: DejaVu, from Debian's fonts-dejavu-core, found through fontconfig).

#include <filesystem>
#include <span>
#include <string_view>

namespace carta::plot {

// Writes `png` at `scale` times the SVG's pixel size (2 = print-friendly) and `pdf` at the SVG's
// size in points. Throws carta::Error (kIo) when the SVG cannot be parsed or a file written.
void render_svg(std::string_view svg, const std::filesystem::path& png, const std::filesystem::path& pdf,
                double scale = 2.0);

struct RenderJob {
  std::string_view svg;
  std::filesystem::path png;
  std::filesystem::path pdf;
};

// Renders every job (as render_svg) on up to `threads` threads (0 = one per core); rasterising
// dominates a report's run time. Rethrows the first failure after all threads have stopped.
void render_all(std::span<const RenderJob> jobs, unsigned threads = 0, double scale = 2.0);

}  // namespace carta::plot
