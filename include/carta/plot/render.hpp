#pragma once
// PNG and PDF from the same SVG, drawn with cairo and pango, so that every format shows the same
// figure (fonts: DejaVu, from Debian's fonts-dejavu-core, found through fontconfig). The reader
// takes the SVG that carta::plot::Svg writes (rect, circle, line, polygon, polyline, text and
// groups, with presentation attributes) and refuses anything else with an error; the tests hold
// its output to librsvg's rendering of the same SVG. The drawing code lives in a module
// (libcarta_render.so, next to the executable, or in lib/carta/ beside the bin/ of an installed
// tree) loaded on the first call, so that programs which never render do not load the graphics
// stack; without the module the first call throws carta::Error (kIo) saying so.

#include <filesystem>
#include <span>
#include <string_view>

namespace carta::plot {

// Writes `png` at `scale` times the SVG's pixel size (2 = print-friendly) and `pdf` at the SVG's
// size in points, text kept as text; an empty path leaves that format out. A figure too large for that (a forest plot of 2,000 studies)
// is not refused: its PNG gets the largest scale under 32,000 px a side and its PDF page shrinks
// to 200 inches a side. Throws carta::Error (kIo) when the SVG cannot be read or
// uses something outside carta's subset, or a file cannot be written; no partial file is left.
void render_svg(std::string_view svg, const std::filesystem::path& png, const std::filesystem::path& pdf,
                double scale = 2.0);

struct RenderJob {
  std::string_view svg;
  std::filesystem::path png;
  std::filesystem::path pdf;
};

// Renders every job (as render_svg) on up to `threads` threads (0 = one per core), largest SVG
// first; PNG encoding dominates a report's run time. Rethrows a failure (the first among the
// jobs in that order) after all threads have stopped.
void render_all(std::span<const RenderJob> jobs, unsigned threads = 0, double scale = 2.0);

}  // namespace carta::plot
