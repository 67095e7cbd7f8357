// The figure renderer: carta draws its own SVG with cairo and pango; these tests hold it to
// librsvg, an independent SVG renderer, on figures that use every element and attribute carta's
// Svg builder writes, and check that anything outside that subset is refused.

#include <cairo.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librsvg/rsvg.h>
#include <png.h>
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "carta/error.hpp"
#include "carta/io/spec.hpp"
#include "carta/plot/render.hpp"
#include "carta/plot/svg.hpp"
#include "carta/report/report.hpp"
#include "compare.hpp"
#include "test_folder.hpp"

namespace carta::test {
namespace {

using ::testing::HasSubstr;

std::filesystem::path temp_dir(const std::string& name) { return test_folder(name); }

struct Rgb {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> pixels;  // RGB, row by row
};

Rgb read_png(const std::filesystem::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.string().c_str())) throw std::runtime_error("cannot read " + path.string());
  image.format = PNG_FORMAT_RGB;
  Rgb out{static_cast<int>(image.width), static_cast<int>(image.height), std::vector<unsigned char>(PNG_IMAGE_SIZE(image))};
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) throw std::runtime_error("cannot decode");
  return out;
}

// The same SVG through librsvg at the same scale, on the same white ground.
Rgb render_with_librsvg(const std::string& svg, double scale) {
  GError* error = nullptr;
  RsvgHandle* handle = rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error);
  if (!handle) throw std::runtime_error(error ? error->message : "librsvg cannot parse the SVG");
  gdouble width = 0, height = 0;
  rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height);
  const int w = static_cast<int>(std::ceil(width * scale));
  const int h = static_cast<int>(std::ceil(height * scale));
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, scale, scale);
  const RsvgRectangle viewport{0, 0, width, height};
  rsvg_handle_render_document(handle, cr, &viewport, nullptr);
  cairo_surface_flush(surface);
  Rgb out{w, h, std::vector<unsigned char>(static_cast<std::size_t>(w) * h * 3)};
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < w; ++x) {
      unsigned char* p = &out.pixels[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = static_cast<unsigned char>((row[x] >> 16) & 0xff);
      p[1] = static_cast<unsigned char>((row[x] >> 8) & 0xff);
      p[2] = static_cast<unsigned char>(row[x] & 0xff);
    }
  }
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  g_object_unref(handle);
  return out;
}

struct Difference {
  double mean = 0.0;       // mean absolute difference of all channels, 0-255
  double worst_block = 0;  // largest difference of an 8x8 block's mean, any channel, 0-255
};

// Glyphs placed a fraction of a pixel apart change single pixels a lot and an 8x8 block's mean
// little; a shape or a word in the wrong place changes whole blocks.
Difference compare(const Rgb& a, const Rgb& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  Difference d;
  if (a.width != b.width || a.height != b.height) {
    d.mean = d.worst_block = 255;
    return d;
  }
  double total = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) total += std::abs(a.pixels[i] - b.pixels[i]);
  d.mean = total / static_cast<double>(a.pixels.size());
  constexpr int kBlock = 8;
  for (int by = 0; by + kBlock <= a.height; by += kBlock) {
    for (int bx = 0; bx + kBlock <= a.width; bx += kBlock) {
      for (int c = 0; c < 3; ++c) {
        double sa = 0, sb = 0;
        for (int y = by; y < by + kBlock; ++y) {
          for (int x = bx; x < bx + kBlock; ++x) {
            const std::size_t at = (static_cast<std::size_t>(y) * a.width + x) * 3 + c;
            sa += a.pixels[at];
            sb += b.pixels[at];
          }
        }
        d.worst_block = std::max(d.worst_block, std::abs(sa - sb) / (kBlock * kBlock));
      }
    }
  }
  return d;
}

// Text: measured mean 0.3-1.6 and worst block 19-51 on the ten report figures below. The differences are
// glyph edges up to a pixel apart at the end of long labels: carta lays text out unhinted, so
// that the PNG, the PDF and the SVG in a browser place glyphs alike, while librsvg rounds each
// glyph's advance. A wrong anchor, baseline or weight gives blocks of 100-213
// (MismatchesAreDetected).
constexpr double kMeanLimit = 2.5;
constexpr double kBlockLimit = 70.0;
// Shapes: measured 0 and 0 (both renderers fill and stroke through cairo).
constexpr double kShapeMeanLimit = 0.01;
constexpr double kShapeBlockLimit = 1.0;

// Every shape and attribute carta's Svg builder writes. Both renderers draw shapes through
// cairo, so they agree almost exactly.
std::string every_shape_svg() {
  plot::Svg svg(420, 160);
  svg.open_group("study", "A tooltip <with> & markup-like text, never drawn");
  svg.rect(10, 10, 60, 30, "#4a6fa5");
  svg.rect(80, 10, 60, 30, "none", "#b03a2e");
  svg.rect(150, 10, 60, 30, "#ffd966", "#333");
  svg.circle(250, 25, 14, "#9dc3e6", "#1f3b63");
  svg.circle(290, 25, 10, "#c0392b");
  svg.close_group();
  svg.line(10, 60, 400, 60, "#000", 1.0);
  svg.line(10, 70, 400, 70, "#555", 2.0, "4 3");
  svg.polygon("20,120 60,100 100,120 60,140", "#2d4a75", "#000");
  svg.polygon("120,120 160,100 200,120 160,140", "#fff", "#b03a2e");
  svg.polyline("220,140 260,100 300,130 340,95", "#b03a2e", 1.5);
  svg.polyline("220,150 260,110 300,140 340,105", "#333", 1.0, "2 2");
  return svg.str();
}

// Every kind of text: anchors, weights, colours, rotation, references, non-ASCII, spaces.
std::string every_text_svg() {
  plot::Svg svg(420, 120);
  svg.text(10, 20, "Start anchored & <escaped>", 12, "start", "normal");
  svg.text(210, 45, "Middle, bold: I\xC2\xB2 = 50.6%, \xCF\x84\xC2\xB2", 13, "middle", "bold");
  svg.text(380, 70, "End \"quoted\" 'text'", 11, "end", "normal", "#b03a2e");
  svg.vertical_text(400, 60, "Vertical", 12);
  svg.text(10, 105, "   collapsed    white   space   ", 10);
  return svg.str();
}

Difference render_both(const std::string& svg, const std::filesystem::path& dir) {
  plot::render_svg(svg, dir / "f.png", dir / "f.pdf", 2.0);
  return compare(read_png(dir / "f.png"), render_with_librsvg(svg, 2.0));
}

TEST(Render, EveryShapeMatchesLibrsvg) {
  const Difference d = render_both(every_shape_svg(), temp_dir("out"));
  EXPECT_LT(d.mean, kShapeMeanLimit);
  EXPECT_LT(d.worst_block, kShapeBlockLimit);
}

// A tooltip is for the screen: the same figure without it gives the same pixels.
TEST(Render, ATooltipIsNotDrawn) {
  const auto dir = temp_dir("out");
  auto draw = [&](std::string_view title) {
    plot::Svg svg(60, 30);
    svg.open_group("study", title);
    svg.rect(5, 5, 20, 10, "#4a6fa5");
    svg.text(30, 20, "x", 10);
    svg.close_group();
    const std::string text = svg.str();
    EXPECT_EQ(text.find("<title>") != std::string::npos, !title.empty());
    plot::render_svg(text, dir / "t.png", dir / "t.pdf", 2.0);
    return read_png(dir / "t.png");
  };
  const auto with = draw("Study A: 3/10, 30.0% [6.7; 65.2]");
  const auto without = draw("");
  const Difference d = compare(with, without);
  EXPECT_EQ(d.mean, 0.0);
  EXPECT_EQ(d.worst_block, 0.0);
}

TEST(Render, EveryKindOfTextMatchesLibrsvg) {
  const Difference d = render_both(every_text_svg(), temp_dir("out"));
  EXPECT_LT(d.mean, kMeanLimit);
  EXPECT_LT(d.worst_block, kBlockLimit);
}

TEST(Render, TheBundledReportsFiguresMatchLibrsvg) {
  const auto dir = temp_dir("out");
  const auto spec = io::load_review_spec(std::filesystem::path(CARTA_SOURCE_DIR) / "examples/cart-ball/review.toml");
  (void)report::write_report(spec, dir / "report");
  int compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "report" / "figures")) {
    if (entry.path().extension() != ".svg") continue;
    const auto stem = entry.path().stem().string();
    // One of each kind of figure the example draws keeps the test quick.
    static const char* kinds[] = {"forest_complete-remission", "forest_complete-remission_by_antigen-target",
                                  "funnel_complete-remission", "bubble_complete-remission_by_median-age-years",
                                  "baujat_complete-remission", "forest_survival_overall-survival"};
    if (std::find(std::begin(kinds), std::end(kinds), stem) == std::end(kinds)) continue;
    std::stringstream text;
    text << std::ifstream(entry.path()).rdbuf();
    const Difference d = compare(read_png(entry.path().parent_path() / (stem + ".png")), render_with_librsvg(text.str(), 2.0));
    EXPECT_LT(d.mean, kMeanLimit) << stem;
    EXPECT_LT(d.worst_block, kBlockLimit) << stem;
    ++compared;
  }
  EXPECT_EQ(compared, 6);
}

// The figures the bundled example does not draw: risk-of-bias traffic light and summary, the
// PRISMA diagram and a pooled survival curve (small synthetic inputs, not real data).
TEST(Render, RiskOfBiasPrismaAndSurvivalFiguresMatchLibrsvg) {
  const auto dir = temp_dir("out");
  auto write = [&](const char* name, const std::string& text) { std::ofstream(dir / name, std::ios::binary) << text; };
  write("a.csv", "time,event\n1,1\n2,1\n3,0\n4,1\n6,1\n8,0\n9,1\n12,0\n14,1\n18,0\n20,0\n24,0\n");
  write("b.csv", "time,event\n0.5,1\n1.5,1\n2,1\n3,1\n5,0\n7,1\n10,1\n13,0\n16,0\n22,0\n");
  write("data.csv", "label,x,n,ipd\nA,1,10,a.csv\nB,2,10,b.csv\n");
  write("rob.csv", "study,D1,D2,D3,D4,D5\nA,low,low,low,low,low\nB,some concerns,low,high,low,low\n");
  write("prisma.csv", "data,n\ndatabase_results,20\nduplicates,5\nrecords_excluded,10\n"
                      "dbr_excluded,\"Review, 3\"\nnew_studies,2\nnew_reports,2\n");
  write("spec.toml",
        "[data]\nfile = \"data.csv\"\nlabel = \"label\"\n\n[[outcome]]\nname = \"X\"\nevents = \"x\"\nn = \"n\"\n"
        "[[survival]]\nname = \"OS\"\nipd = \"ipd\"\nat = [12]\ngrid = [3, 6, 9, 12, 18]\n"
        "[risk_of_bias]\nfile = \"rob.csv\"\ntool = \"rob2\"\n[prisma]\nfile = \"prisma.csv\"\n");
  (void)report::write_report(io::load_review_spec(dir / "spec.toml"), dir / "report");
  for (const char* stem : {"rob_traffic_light", "rob_summary", "prisma", "survival_curve_os"}) {
    const auto svg_path = dir / "report" / "figures" / (std::string(stem) + ".svg");
    ASSERT_TRUE(std::filesystem::exists(svg_path)) << stem;
    std::stringstream text;
    text << std::ifstream(svg_path).rdbuf();
    const Difference d = compare(read_png(svg_path.parent_path() / (std::string(stem) + ".png")),
                                 render_with_librsvg(text.str(), 2.0));
    EXPECT_LT(d.mean, kMeanLimit) << stem;
    EXPECT_LT(d.worst_block, kBlockLimit) << stem;
  }
}

// The comparisons can fail: a dash dropped or a colour changed breaks the shape bound; a label
// moved by its own width (a wrong anchor) or 8 px down breaks the text bound.
TEST(Render, MismatchesAreDetected) {
  const auto dir = temp_dir("out");
  auto mutated = [&](const std::string& svg, const std::string& from, const std::string& to) {
    std::string s = svg;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    plot::render_svg(s, dir / "m.png", dir / "m.pdf", 2.0);
    return compare(read_png(dir / "m.png"), render_with_librsvg(svg, 2.0));
  };
  EXPECT_GT(mutated(every_shape_svg(), " stroke-dasharray=\"4 3\"", "").worst_block, kShapeBlockLimit);
  EXPECT_GT(mutated(every_shape_svg(), " stroke-dasharray=\"2 2\"", "").worst_block, kShapeBlockLimit);
  EXPECT_GT(mutated(every_shape_svg(), "fill=\"#4a6fa5\"", "fill=\"#4a6fa6\"").mean, 0.0);
  EXPECT_GT(mutated(every_shape_svg(), "r=\"14\"", "r=\"13\"").worst_block, kShapeBlockLimit);
  EXPECT_GT(mutated(every_text_svg(), "text-anchor=\"end\"", "text-anchor=\"start\"").worst_block, kBlockLimit);
  EXPECT_GT(mutated(every_text_svg(), "y=\"20\"", "y=\"28\"").worst_block, kBlockLimit);
  EXPECT_GT(mutated(every_text_svg(), "font-weight=\"bold\"", "font-weight=\"normal\"").worst_block, kBlockLimit);
}

// The PDF keeps text as text (fonts embedded, not outlines), at the figure's size in points.
TEST(Render, PdfEmbedsTheFontsAsText) {
  const auto dir = temp_dir("out");
  plot::render_svg(every_text_svg(), dir / "a.png", dir / "a.pdf", 2.0);
  std::stringstream text;
  text << std::ifstream(dir / "a.pdf", std::ios::binary).rdbuf();
  const std::string pdf = text.str();
  EXPECT_THAT(pdf, HasSubstr("/MediaBox [ 0 0 315 90 ]"));
  EXPECT_THAT(pdf, HasSubstr("DejaVuSans"));
  EXPECT_THAT(pdf, HasSubstr("DejaVuSans-Bold"));
  EXPECT_THAT(pdf, HasSubstr("/FontFile2"));
}

// The same figure renders to the same bytes every time and on several threads at once.
TEST(Render, DeterministicAcrossRunsAndThreads) {
  const auto dir = temp_dir("out");
  const std::string svgs[] = {every_shape_svg(), every_text_svg()};
  std::vector<plot::RenderJob> jobs;
  for (int i = 0; i < 8; ++i) {
    jobs.push_back({svgs[i % 2], dir / ("p" + std::to_string(i) + ".png"), dir / ("p" + std::to_string(i) + ".pdf")});
  }
  plot::render_all(jobs, 3);
  auto bytes = [](const std::filesystem::path& p) {
    std::stringstream s;
    s << std::ifstream(p, std::ios::binary).rdbuf();
    return s.str();
  };
  for (int i = 2; i < 8; ++i) {
    const std::string first = bytes(dir / ("p" + std::to_string(i % 2) + ".png"));
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(bytes(dir / ("p" + std::to_string(i) + ".png")), first) << i;
  }
}

struct Refused {
  const char* name;
  const char* svg;
  const char* message;
};

class RenderRefuses : public ::testing::TestWithParam<Refused> {};

// Outside the subset carta writes, the renderer stops with the file and what is wrong, and
// leaves no file behind: a figure is never drawn with a part silently missing.
TEST_P(RenderRefuses, WithAMessageAndNoFile) {
  const auto dir = temp_dir(GetParam().name);
  try {
    plot::render_svg(GetParam().svg, dir / "f.png", dir / "f.pdf", 2.0);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("f.png"));
    EXPECT_THAT(e.what(), HasSubstr(GetParam().message));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "f.png"));
  EXPECT_FALSE(std::filesystem::exists(dir / "f.pdf"));
  EXPECT_FALSE(std::filesystem::exists(dir / "f.png.part"));
}

constexpr const char* kOpen =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\" font-family=\"DejaVu Sans, sans-serif\">";

INSTANTIATE_TEST_SUITE_P(
    Subset, RenderRefuses,
    ::testing::Values(
        Refused{"unterminated", "<svg", "not terminated"}, Refused{"empty", "", "no <svg> element"},
        Refused{"not_svg", "<html></html>", "not <svg>"},
        Refused{"unclosed", "<svg width=\"4\" height=\"4\"><rect width=\"1\" height=\"1\"/>", "not closed"},
        Refused{"element", "<svg width=\"4\" height=\"4\"><ellipse rx=\"1\" ry=\"1\"/></svg>", "unsupported element <ellipse>"},
        Refused{"attribute", "<svg width=\"4\" height=\"4\"><rect width=\"1\" height=\"1\" opacity=\"0.5\"/></svg>",
                "unsupported attribute 'opacity' of <rect>"},
        Refused{"colour", "<svg width=\"4\" height=\"4\"><rect width=\"1\" height=\"1\" fill=\"rebeccapurple\"/></svg>",
                "colours are #rgb"},
        Refused{"number", "<svg width=\"4\" height=\"4\"><circle r=\"1e999\"/></svg>", "not a number"},
        Refused{"huge", "<svg width=\"4\" height=\"4\"><circle r=\"1e9\"/></svg>", "beyond"},
        Refused{"no_size", "<svg></svg>", "positive width and height"},
        Refused{"too_big", "<svg width=\"600000\" height=\"4\"></svg>", "limit"},
        Refused{"font", "<svg width=\"4\" height=\"4\" font-family=\"Times\"></svg>", "DejaVu Sans"},
        Refused{"font_size", "<svg width=\"4\" height=\"4\"><text font-size=\"0\">a</text></svg>", "font-size"},
        Refused{"markup", "<svg width=\"4\" height=\"4\"><text>a<tspan>b</tspan></text></svg>", "markup inside <text>"},
        Refused{"entity", "<svg width=\"4\" height=\"4\"><text>&nbsp;</text></svg>", "unknown entity"},
        Refused{"transform", "<svg width=\"4\" height=\"4\"><text x=\"1\" y=\"1\" transform=\"scale(2)\">a</text></svg>",
                "only rotate"},
        Refused{"group_style", "<svg width=\"4\" height=\"4\"><g fill=\"#000\"></g></svg>", "groups carry no style"},
        Refused{"view_box", "<svg width=\"4\" height=\"4\" viewBox=\"0 0 8 8\"></svg>", "viewBox"},
        Refused{"odd_points", "<svg width=\"4\" height=\"4\"><polygon points=\"1,2 3\"/></svg>", "odd count"},
        Refused{"title_attribute", "<svg width=\"4\" height=\"4\"><g><title lang=\"en\">a</title></g></svg>",
                "<title> carries no attributes"},
        Refused{"title_markup", "<svg width=\"4\" height=\"4\"><g><title>a<b>b</b></title></g></svg>", "markup inside <title>"},
        Refused{"title_unclosed", "<svg width=\"4\" height=\"4\"><g><title>a</g></svg>", "<title> is not closed"},
        Refused{"after_root", "<svg width=\"4\" height=\"4\"></svg><rect/>", "after the end"}),
    [](const ::testing::TestParamInfo<Refused>& param_info) { return std::string(param_info.param.name); });

// The resolution a PNG records (pHYs), in dots per inch; 0 without one.
double png_dpi(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.string().c_str(), "rb");
  if (!f) return 0.0;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  double dpi = 0.0;
  if (setjmp(png_jmpbuf(png)) == 0) {
    png_init_io(png, f);
    png_read_info(png, info);
    png_uint_32 x = 0, y = 0;
    int unit = 0;
    if (png_get_pHYs(png, info, &x, &y, &unit) && unit == PNG_RESOLUTION_METER && x == y) dpi = x * 0.0254;
  }
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(f);
  return dpi;
}

// A figure printed one journal column wide (3.5 in) at 300 dpi: PNG and TIFF 1050 px wide with the
// same pixels, each recording 300 dpi; PDF and EPS 252 pt wide. Two columns at 600 dpi: 4200 px.
TEST(Render, PrintSizesRecordTheirResolutionInEveryFormat) {
  const auto dir = temp_dir("print");
  const std::string svg = every_shape_svg();  // 420 x 160 px
  plot::render_figure(plot::RenderJob(svg, dir / "f.png", dir / "f.pdf", dir / "f.tiff", dir / "f.eps"), {3.5, 300.0});
  const Rgb png = read_png(dir / "f.png");
  EXPECT_EQ(png.width, 1050);
  EXPECT_EQ(png.height, 400);
  EXPECT_NEAR(png_dpi(dir / "f.png"), 300.0, 0.01);

  TIFF* tiff = TIFFOpen((dir / "f.tiff").string().c_str(), "r");
  ASSERT_NE(tiff, nullptr);
  std::uint32_t width = 0, height = 0;
  float xres = 0, yres = 0;
  std::uint16_t unit = 0, samples = 0, bits = 0;
  TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetField(tiff, TIFFTAG_XRESOLUTION, &xres);
  TIFFGetField(tiff, TIFFTAG_YRESOLUTION, &yres);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_RESOLUTIONUNIT, &unit);
  TIFFGetField(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetField(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  EXPECT_EQ(width, 1050u);
  EXPECT_EQ(height, 400u);
  EXPECT_FLOAT_EQ(xres, 300.0f);
  EXPECT_FLOAT_EQ(yres, 300.0f);
  EXPECT_EQ(unit, RESUNIT_INCH);
  EXPECT_EQ(samples, 3);
  EXPECT_EQ(bits, 8);
  // The same pixels as the PNG.
  std::vector<unsigned char> row(TIFFScanlineSize(tiff));
  std::size_t differing = 0;
  for (std::uint32_t y = 0; y < height; ++y) {
    ASSERT_EQ(TIFFReadScanline(tiff, row.data(), y, 0), 1);
    for (std::size_t i = 0; i < row.size(); ++i) differing += row[i] != png.pixels[y * row.size() + i] ? 1 : 0;
  }
  TIFFClose(tiff);
  EXPECT_EQ(differing, 0u);

  EXPECT_THAT(read_text(dir / "f.pdf"), HasSubstr("/MediaBox [ 0 0 252 96 ]"));
  const std::string eps = read_text(dir / "f.eps");
  EXPECT_EQ(eps.rfind("%!PS-Adobe-3.0 EPSF-3.0", 0), 0u);
  EXPECT_THAT(eps, HasSubstr("%%BoundingBox: 0 0 252 96"));

  plot::render_figure(plot::RenderJob(svg, dir / "g.png", {}), {7.0, 600.0});
  EXPECT_EQ(read_png(dir / "g.png").width, 4200);
  EXPECT_NEAR(png_dpi(dir / "g.png"), 600.0, 0.01);
  EXPECT_FALSE(std::filesystem::exists(dir / "g.pdf"));
  // The screen default: twice the figure's own size, recorded as 192 dpi.
  plot::render_svg(svg, dir / "h.png", {}, 2.0);
  EXPECT_EQ(read_png(dir / "h.png").width, 840);
  EXPECT_NEAR(png_dpi(dir / "h.png"), 192.0, 0.01);
  EXPECT_THROW(plot::render_figure(plot::RenderJob(svg, dir / "i.png", {}), {3.5, 0.0}), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "i.png"));
}

// Text content is decoded as XML: named and numeric references, UTF-8 and collapsed spaces.
TEST(Render, TextReferencesAndUnicode) {
  const auto dir = temp_dir("out");
  const std::string svg = std::string(kOpen) +
                          "<text x=\"2\" y=\"15\" font-size=\"12\">&#964;&#xB2; &amp; &lt;&gt;&quot;&apos;</text></svg>";
  plot::render_svg(svg, dir / "t.png", dir / "t.pdf", 2.0);
  const Difference d = compare(read_png(dir / "t.png"), render_with_librsvg(svg, 2.0));
  EXPECT_LT(d.worst_block, kBlockLimit);
  EXPECT_LT(d.mean, kMeanLimit * 4);  // a tiny figure: the glyph edges are a large share of it
}

// Invalid UTF-8 (a Latin-1 study name) is drawn with U+FFFD, as a browser shows it, not cut.
TEST(Render, InvalidUtf8IsReplacedNotTruncated) {
  const auto dir = temp_dir("out");
  auto render = [&](const std::string& text) {
    plot::render_svg(std::string(kOpen) + "<text x=\"2\" y=\"15\" font-size=\"12\">" + text + "</text></svg>",
                     dir / "u.png", dir / "u.pdf", 2.0);
    return read_png(dir / "u.png");
  };
  const Rgb latin1 = render("M\xfcller 2020");
  const Rgb replaced = render("M\xEF\xBF\xBDller 2020");
  EXPECT_EQ(compare(latin1, replaced).mean, 0.0);
}

TEST(Render, ScaleMustBePositiveAndStopsAtTheImageLimit) {
  const auto dir = temp_dir("out");
  EXPECT_THROW(plot::render_svg(std::string(kOpen) + "</svg>", dir / "s.png", dir / "s.pdf", 0.0), Error);
  // A scale that would pass cairo's image limit gives the largest image under 32,000 px a side.
  plot::render_svg("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"1\"></svg>", dir / "s.png",
                   dir / "s.pdf", 1000.0);
  const std::string png = read_text(dir / "s.png");
  ASSERT_GT(png.size(), 24u);
  auto be32 = [&png](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  EXPECT_EQ(be32(16), 32000);
  EXPECT_EQ(be32(20), 800);
}

}  // namespace
}  // namespace carta::test
