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

// The size a figure is printed at: a width in inches (journals: 3.5 for one column, 7 for two;
// 0 keeps the figure's own size at 96 px an inch) and the resolution of its PNG and TIFF, which
// both files record (the PNG's pHYs chunk, the TIFF's resolution tags).
struct PrintSize {
  double width_in = 0.0;
  double dpi = 192.0;  // twice the screen's: the figure's own size at scale 2
};

struct RenderJob {
  RenderJob(std::string_view svg_, std::filesystem::path png_, std::filesystem::path pdf_, std::filesystem::path tiff_ = {},
            std::filesystem::path eps_ = {})
      : svg(svg_), png(std::move(png_)), pdf(std::move(pdf_)), tiff(std::move(tiff_)), eps(std::move(eps_)) {}

  std::string_view svg;
  std::filesystem::path png, pdf, tiff, eps;  // an empty path leaves that format out
};

// Writes the job's files at `size`: PNG and TIFF with the same pixels, PDF and EPS (vector, text
// kept as text) at the printed width. Throws as render_svg.
void render_figure(const RenderJob& job, const PrintSize& size = {});

// Renders every job (as render_figure) on up to `threads` threads (0 = one per core), largest
// SVG first; PNG encoding dominates a report's run time. Rethrows a failure (the first among the
// jobs in that order) after all threads have stopped.
void render_all(std::span<const RenderJob> jobs, unsigned threads = 0, const PrintSize& size = {});

}  // namespace carta::plot
