#include "carta/plot/render.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <librsvg/rsvg.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>
#include <exception>
#include <memory>

#include "carta/error.hpp"
#include "carta/parallel.hpp"

namespace carta::plot {

namespace {

struct HandleDeleter {
  void operator()(RsvgHandle* h) const { g_object_unref(h); }
};
struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

void draw(RsvgHandle* handle, cairo_t* cr, double width, double height, const std::filesystem::path& target) {
  const RsvgRectangle viewport{0.0, 0.0, width, height};
  GError* error = nullptr;
  if (!rsvg_handle_render_document(handle, cr, &viewport, &error)) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot render the figure: {}", target.string(), message));
  }
}

// Written next to the target and renamed, so an interrupted run never leaves a half-written figure.
std::filesystem::path staging(const std::filesystem::path& target) {
  auto p = target;
  p += ".part";
  return p;
}

void publish(const std::filesystem::path& staged, const std::filesystem::path& target) {
  std::error_code ec;
  std::filesystem::rename(staged, target, ec);
  if (ec) {
    std::filesystem::remove(staged, ec);
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the figure", target.string()));
  }
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// cairo's own PNG writer compresses at zlib's default level, which made PNG encoding two thirds of
// a report's run time. Figures are flat colour, so fast compression with the Sub filter costs
// little in size and a fraction of the time. The surface is painted white before the figure is
// drawn (every carta figure has a white background), so the PNG is opaque RGB: a quarter less to
// compress than RGBA, and no premultiplied alpha to undo.
void write_png(cairo_surface_t* surface, const std::filesystem::path& path) {
  cairo_surface_flush(surface);
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.string().c_str(), "wb"));
  if (!file) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open for writing", path.string()));
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot start the PNG encoder", path.string()));
  }
  // The row buffer lives outside the setjmp scope so that longjmp never skips its destructor.
  std::vector<unsigned char> row(static_cast<std::size_t>(width) * 3);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the PNG", path.string()));
  }
  png_init_io(png, file.get());
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) {
    const auto* pixels = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      // cairo stores ARGB in native byte order; on the white ground every pixel is opaque.
      const std::uint32_t p = pixels[x];
      unsigned char* out = row.data() + static_cast<std::size_t>(x) * 3;
      out[0] = static_cast<unsigned char>((p >> 16) & 0xffu);
      out[1] = static_cast<unsigned char>((p >> 8) & 0xffu);
      out[2] = static_cast<unsigned char>(p & 0xffu);
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fflush(file.get()) != 0) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the PNG", path.string()));
}

}  // namespace

void render_svg(std::string_view svg, const std::filesystem::path& png, const std::filesystem::path& pdf, double scale) {
  GError* error = nullptr;
  std::unique_ptr<RsvgHandle, HandleDeleter> handle(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error));
  if (!handle) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    throw Error(ErrorCategory::kIo, fmt::format("{}: the SVG cannot be parsed: {}", png.string(), message));
  }
  gdouble width = 0, height = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle.get(), &width, &height)) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: the SVG has no intrinsic size", png.string()));
  }
  {
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(cairo_image_surface_create(
        CAIRO_FORMAT_RGB24, static_cast<int>(std::ceil(width * scale)), static_cast<int>(std::ceil(height * scale))));
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 1.0, 1.0, 1.0);
    cairo_paint(cr.get());
    cairo_scale(cr.get(), scale, scale);
    draw(handle.get(), cr.get(), width, height, png);
    try {
      write_png(surface.get(), staging(png));
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(staging(png), ec);
      throw;
    }
    publish(staging(png), png);
  }
  {
    // 1 SVG px = 0.75 pt (96 px per inch), so the PDF has the figure's physical size.
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
        cairo_pdf_surface_create(staging(pdf).string().c_str(), width * 0.75, height * 0.75));
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    cairo_scale(cr.get(), 0.75, 0.75);
    draw(handle.get(), cr.get(), width, height, pdf);
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
      std::error_code ec;
      std::filesystem::remove(staging(pdf), ec);
      throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the PDF", pdf.string()));
    }
  }
  publish(staging(pdf), pdf);
}

void render_all(std::span<const RenderJob> jobs, unsigned threads, double scale) {
  parallel_for(jobs.size(), threads, [&](std::size_t i) { render_svg(jobs[i].svg, jobs[i].png, jobs[i].pdf, scale); });
}

}  // namespace carta::plot
