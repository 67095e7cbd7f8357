// The figure renderer proper: carta's SVG read and drawn with cairo and pango, PNG written with
// libpng. It is built as a module (libcarta_render.so) that carta loads the first time a figure
// is rendered (render.cpp), so that the 36 libraries of the text and graphics stack are not
// mapped and initialised by every command: they cost 7 ms of each process start, a fifth of a
// 200-fit GLMM batch. The module exports one C function and no C++ types.

#include <cairo-pdf.h>
#include <cairo-ps.h>
#include <cairo.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>
#include <png.h>
#include <tiffio.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carta/error.hpp"

namespace carta::plot {

namespace {

// ---------------------------------------------------------------------------------------------
// Reading: the SVG that carta::plot::Svg writes, into a list of shapes.
//
// Through librsvg, a general SVG renderer, a forest plot took 35 ms to draw for the PNG and 17 ms
// for the PDF, most of it laying out each text element and converting its glyphs to outlines for
// a bounding box carta never uses (cairo_fill_extents on glyph paths was 28% of the profile);
// drawn here it takes 2 ms and 3 ms. carta's figures use seven elements with presentation
// attributes only, so the renderer reads exactly that subset and rejects anything else with an
// error: a figure is never drawn with something silently left out. The tests check the rendering
// against librsvg's, pixel by pixel, on figures that use every element and attribute.
// ---------------------------------------------------------------------------------------------

struct Colour {
  double r = 0.0, g = 0.0, b = 0.0;
  bool none = false;
};

enum class ShapeKind { kRect, kCircle, kLine, kPolygon, kPolyline, kText };

struct Shape {
  ShapeKind kind = ShapeKind::kRect;
  std::vector<double> geometry;  // rect: x y w h; circle: cx cy r; line: x1 y1 x2 y2; poly: x y pairs
  Colour fill;                   // SVG's default fill is black, its default stroke none
  Colour stroke{0.0, 0.0, 0.0, true};
  double stroke_width = 1.0;
  std::vector<double> dash;
  // text only
  std::string text;
  double font_size = 16.0;  // SVG's "medium"
  bool bold = false;
  double anchor = 0.0;               // fraction of the advance width left of x: 0, 0.5 or 1
  std::optional<double> rotation;    // degrees, about (x, y)
};

struct Document {
  double width = 0.0;
  double height = 0.0;
  std::vector<Shape> shapes;
};

// A figure may be as large as its data make it (800 studies, 600 risk-of-bias rows); its PNG is
// drawn at a smaller scale when the print scale would pass cairo's image limit, and its PDF page
// shrinks to the largest page PDF viewers open. The side limit only guards cairo's fixed-point
// coordinates against absurd sizes.
constexpr double kMaxSide = 500000.0;
constexpr double kMaxPngSide = 32000.0;   // below cairo's 32767 px
constexpr double kMaxPdfSide = 14400.0;   // points: 200 inches, the PDF 1.x implementation limit
constexpr double kMaxCoordinate = 1e6;
constexpr double kMaxFontSize = 1000.0;
constexpr double kMaxImageSide = 32767.0;

class SvgReader {
 public:
  SvgReader(std::string_view svg, const std::filesystem::path& target) : svg_(svg), target_(target) {}

  Document read() {
    Document doc;
    bool root_seen = false;
    bool root_closed = false;
    while (true) {
      const std::size_t open = svg_.find('<', pos_);
      if (open == std::string_view::npos) break;
      pos_ = open;
      if (svg_.substr(pos_, 4) == "<!--") {
        skip_past("-->");
        continue;
      }
      if (svg_.substr(pos_, 2) == "<?" || svg_.substr(pos_, 2) == "<!") {
        skip_past(">");
        continue;
      }
      if (svg_.substr(pos_, 2) == "</") {
        const std::size_t end = svg_.find('>', pos_);
        if (end == std::string_view::npos) fail("a closing tag is not terminated");
        if (trim(svg_.substr(pos_ + 2, end - pos_ - 2)) == "svg") root_closed = true;
        pos_ = end + 1;
        continue;
      }
      Tag tag = read_tag();
      if (!root_seen) {
        if (tag.name != "svg") fail(fmt::format("the document starts with <{}>, not <svg>", tag.name));
        read_root(tag, doc);
        root_seen = true;
        if (tag.self_closing) root_closed = true;
        continue;
      }
      if (root_closed) fail(fmt::format("<{}> after the end of the <svg> element", tag.name));
      read_element(tag, doc);
    }
    if (!root_seen) fail("no <svg> element");
    if (!root_closed) fail("the <svg> element is not closed");
    return doc;
  }

 private:
  struct Tag {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    bool self_closing = false;
    std::size_t offset = 0;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCategory::kIo, fmt::format("{}: the SVG cannot be parsed (byte {}): {}", target_.string(), pos_, what));
  }

  static std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
  }

  void skip_past(std::string_view terminator) {
    const std::size_t end = svg_.find(terminator, pos_);
    if (end == std::string_view::npos) fail(fmt::format("'{}' expected", terminator));
    pos_ = end + terminator.size();
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

  Tag read_tag() {
    Tag tag;
    tag.offset = pos_;
    ++pos_;  // '<'
    const std::size_t name_start = pos_;
    while (pos_ < svg_.size() && !is_space(svg_[pos_]) && svg_[pos_] != '>' && svg_[pos_] != '/') ++pos_;
    tag.name = std::string(svg_.substr(name_start, pos_ - name_start));
    if (tag.name.empty()) fail("an element without a name");
    while (true) {
      while (pos_ < svg_.size() && is_space(svg_[pos_])) ++pos_;
      if (pos_ >= svg_.size()) fail(fmt::format("<{}> is not terminated", tag.name));
      if (svg_[pos_] == '>') {
        ++pos_;
        return tag;
      }
      if (svg_.substr(pos_, 2) == "/>") {
        pos_ += 2;
        tag.self_closing = true;
        return tag;
      }
      const std::size_t key_start = pos_;
      while (pos_ < svg_.size() && svg_[pos_] != '=' && !is_space(svg_[pos_]) && svg_[pos_] != '>') ++pos_;
      const std::string key(svg_.substr(key_start, pos_ - key_start));
      while (pos_ < svg_.size() && is_space(svg_[pos_])) ++pos_;
      if (pos_ >= svg_.size() || svg_[pos_] != '=') fail(fmt::format("attribute '{}' of <{}> has no value", key, tag.name));
      ++pos_;
      while (pos_ < svg_.size() && is_space(svg_[pos_])) ++pos_;
      if (pos_ >= svg_.size() || (svg_[pos_] != '"' && svg_[pos_] != '\'')) {
        fail(fmt::format("the value of '{}' is not quoted", key));
      }
      const char quote = svg_[pos_++];
      const std::size_t end = svg_.find(quote, pos_);
      if (end == std::string_view::npos) fail(fmt::format("the value of '{}' is not terminated", key));
      tag.attributes.emplace_back(key, decode_entities(svg_.substr(pos_, end - pos_)));
      pos_ = end + 1;
    }
  }

  std::string decode_entities(std::string_view s) const {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '&') {
        out += s[i];
        continue;
      }
      const std::size_t semi = s.find(';', i);
      if (semi == std::string_view::npos) fail("an '&' that starts no entity");
      const std::string_view name = s.substr(i + 1, semi - i - 1);
      if (name == "amp") out += '&';
      else if (name == "lt") out += '<';
      else if (name == "gt") out += '>';
      else if (name == "quot") out += '"';
      else if (name == "apos") out += '\'';
      else if (!name.empty() && name[0] == '#') {
        const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        const std::string_view digits = name.substr(hex ? 2 : 1);
        std::uint32_t cp = 0;
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (ec != std::errc() || ptr != digits.data() + digits.size() || cp == 0 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
          fail(fmt::format("character reference '&{};' is not a valid code point", name));
        }
        append_utf8(out, cp);
      } else {
        fail(fmt::format("unknown entity '&{};'", name));
      }
      i = semi;
    }
    return out;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Beyond +-1e6 px cairo's fixed-point coordinates overflow; no carta figure comes near.
  double number(std::string_view value, std::string_view key, std::string_view element) const {
    value = trim(value);
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(v)) {
      fail(fmt::format("'{}' of <{}> is '{}', not a number", key, element, value));
    }
    if (std::abs(v) > kMaxCoordinate) fail(fmt::format("'{}' of <{}> is {}, beyond +-{}", key, element, value, kMaxCoordinate));
    return v;
  }

  // A length: a number in px, or a percentage of `reference` (the root's width or height).
  double length(std::string_view value, std::string_view key, std::string_view element, double reference) const {
    value = trim(value);
    if (!value.empty() && value.back() == '%') return number(value.substr(0, value.size() - 1), key, element) / 100.0 * reference;
    if (value.size() > 2 && value.substr(value.size() - 2) == "px") value.remove_suffix(2);
    return number(value, key, element);
  }

  std::vector<double> number_list(std::string_view value, std::string_view key, std::string_view element) const {
    std::vector<double> out;
    std::size_t i = 0;
    while (i < value.size()) {
      while (i < value.size() && (is_space(value[i]) || value[i] == ',')) ++i;
      if (i >= value.size()) break;
      std::size_t j = i;
      while (j < value.size() && !is_space(value[j]) && value[j] != ',') ++j;
      out.push_back(number(value.substr(i, j - i), key, element));
      i = j;
    }
    return out;
  }

  Colour colour(std::string_view value, std::string_view key, std::string_view element) const {
    value = trim(value);
    if (value == "none") return {0.0, 0.0, 0.0, true};
    if (value == "black") return {};
    if (value == "white") return {1.0, 1.0, 1.0, false};
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (!value.empty() && value[0] == '#' && (value.size() == 4 || value.size() == 7)) {
      int channel[3];
      bool valid = true;
      for (int c = 0; c < 3; ++c) {
        if (value.size() == 4) {
          const int d = hex(value[1 + c]);
          channel[c] = d * 17;
          valid = valid && d >= 0;
        } else {
          const int hi = hex(value[1 + 2 * c]);
          const int lo = hex(value[2 + 2 * c]);
          channel[c] = hi * 16 + lo;
          valid = valid && hi >= 0 && lo >= 0;
        }
      }
      if (valid) return {channel[0] / 255.0, channel[1] / 255.0, channel[2] / 255.0, false};
    }
    fail(fmt::format("'{}' of <{}> is '{}': colours are #rgb, #rrggbb, black, white or none", key, element, value));
  }

  void read_root(const Tag& tag, Document& doc) const {
    std::vector<double> view_box;
    for (const auto& [key, value] : tag.attributes) {
      if (key == "width") doc.width = length(value, key, tag.name, 0.0);
      else if (key == "height") doc.height = length(value, key, tag.name, 0.0);
      else if (key == "viewBox") view_box = number_list(value, key, tag.name);
      else if (key == "font-family") {
        if (trim(value).substr(0, 11) != "DejaVu Sans") fail(fmt::format("font-family '{}': figures are drawn in DejaVu Sans", value));
      } else if (key != "xmlns" && key != "version") {
        fail(fmt::format("unsupported attribute '{}' of <svg>", key));
      }
    }
    if (!(doc.width > 0.0) || !(doc.height > 0.0)) fail("<svg> needs a positive width and height in px");
    if (doc.width > kMaxSide || doc.height > kMaxSide) {
      fail(fmt::format("a {} x {} px figure: the renderer's limit is {} px a side", doc.width, doc.height, kMaxSide));
    }
    if (!view_box.empty() && (view_box.size() != 4 || view_box[0] != 0.0 || view_box[1] != 0.0 ||
                              view_box[2] != doc.width || view_box[3] != doc.height)) {
      fail("a viewBox other than '0 0 width height'");
    }
  }

  void read_element(const Tag& tag, Document& doc) {
    // A tooltip for the screen: plain text, nothing drawn.
    if (tag.name == "title") {
      if (!tag.attributes.empty()) fail("<title> carries no attributes");
      if (tag.self_closing) return;
      const std::size_t end = svg_.find("</title>", pos_);
      if (end == std::string_view::npos) fail("<title> is not closed");
      if (svg_.substr(pos_, end - pos_).find('<') != std::string_view::npos) fail("markup inside <title>");
      pos_ = end + 8;
      return;
    }
    if (tag.name == "g") {
      for (const auto& [key, value] : tag.attributes) {
        if (key != "class" && key != "id") fail(fmt::format("unsupported attribute '{}' of <g> (groups carry no style)", key));
      }
      return;
    }
    Shape shape;
    std::vector<std::string_view> required;
    if (tag.name == "rect") {
      shape.kind = ShapeKind::kRect;
      shape.geometry = {0.0, 0.0, 0.0, 0.0};
    } else if (tag.name == "circle") {
      shape.kind = ShapeKind::kCircle;
      shape.geometry = {0.0, 0.0, 0.0};
    } else if (tag.name == "line") {
      shape.kind = ShapeKind::kLine;
      shape.geometry = {0.0, 0.0, 0.0, 0.0};
    } else if (tag.name == "polygon") {
      shape.kind = ShapeKind::kPolygon;
    } else if (tag.name == "polyline") {
      shape.kind = ShapeKind::kPolyline;
    } else if (tag.name == "text") {
      shape.kind = ShapeKind::kText;
      shape.geometry = {0.0, 0.0};
    } else {
      fail(fmt::format("unsupported element <{}> (the renderer draws the SVG that carta::plot::Svg writes)", tag.name));
    }
    const std::string_view name = tag.name;
    for (const auto& [key, value] : tag.attributes) {
      const bool is_rect = shape.kind == ShapeKind::kRect;
      const bool is_circle = shape.kind == ShapeKind::kCircle;
      const bool is_line = shape.kind == ShapeKind::kLine;
      const bool is_poly = shape.kind == ShapeKind::kPolygon || shape.kind == ShapeKind::kPolyline;
      const bool is_text = shape.kind == ShapeKind::kText;
      if (key == "fill") shape.fill = colour(value, key, name);
      else if (key == "stroke") shape.stroke = colour(value, key, name);
      else if (key == "stroke-width") shape.stroke_width = length(value, key, name, 0.0);
      else if (key == "stroke-dasharray") shape.dash = trim(value) == "none" ? std::vector<double>{} : number_list(value, key, name);
      else if (key == "class" || key == "id") {
      } else if ((is_rect || is_text) && key == "x") shape.geometry[0] = length(value, key, name, doc.width);
      else if ((is_rect || is_text) && key == "y") shape.geometry[1] = length(value, key, name, doc.height);
      else if (is_rect && key == "width") shape.geometry[2] = length(value, key, name, doc.width);
      else if (is_rect && key == "height") shape.geometry[3] = length(value, key, name, doc.height);
      else if (is_circle && key == "cx") shape.geometry[0] = length(value, key, name, doc.width);
      else if (is_circle && key == "cy") shape.geometry[1] = length(value, key, name, doc.height);
      else if (is_circle && key == "r") shape.geometry[2] = length(value, key, name, 0.0);
      else if (is_line && key == "x1") shape.geometry[0] = length(value, key, name, doc.width);
      else if (is_line && key == "y1") shape.geometry[1] = length(value, key, name, doc.height);
      else if (is_line && key == "x2") shape.geometry[2] = length(value, key, name, doc.width);
      else if (is_line && key == "y2") shape.geometry[3] = length(value, key, name, doc.height);
      else if (is_poly && key == "points") {
        shape.geometry = number_list(value, key, name);
        if (shape.geometry.size() % 2 != 0) fail(fmt::format("'points' of <{}> has an odd count of numbers", name));
      } else if (is_text && key == "font-size") {
        shape.font_size = length(value, key, name, 0.0);
        if (!(shape.font_size > 0.0) || shape.font_size > kMaxFontSize) {
          fail(fmt::format("font-size {} (between 0 and {} px)", value, kMaxFontSize));
        }
      }
      else if (is_text && key == "font-weight") {
        if (value == "bold" || value == "700") shape.bold = true;
        else if (value == "normal" || value == "400") shape.bold = false;
        else fail(fmt::format("font-weight '{}' (normal or bold)", value));
      } else if (is_text && key == "text-anchor") {
        if (value == "start") shape.anchor = 0.0;
        else if (value == "middle") shape.anchor = 0.5;
        else if (value == "end") shape.anchor = 1.0;
        else fail(fmt::format("text-anchor '{}' (start, middle or end)", value));
      } else if (is_text && key == "transform") {
        shape.rotation = rotation(value, shape);
      } else {
        fail(fmt::format("unsupported attribute '{}' of <{}>", key, name));
      }
    }
    for (const double d : shape.dash) {
      if (d < 0.0) fail(fmt::format("a negative dash length in <{}>", name));
    }
    if (shape.kind == ShapeKind::kText) {
      if (tag.self_closing) return;  // no content, nothing drawn
      const std::size_t end = svg_.find("</text>", pos_);
      if (end == std::string_view::npos) fail("<text> is not closed");
      const std::string_view content = svg_.substr(pos_, end - pos_);
      if (content.find('<') != std::string_view::npos) fail("markup inside <text> (carta's text is plain)");
      shape.text = valid_utf8(collapse_whitespace(decode_entities(content)));
      pos_ = end + 7;
    } else if (!tag.self_closing) {
      const std::string closing = "</" + tag.name + ">";
      const std::size_t end = svg_.find(closing, pos_);
      if (end == std::string_view::npos || !trim(svg_.substr(pos_, end - pos_)).empty()) {
        fail(fmt::format("<{}> has content (carta's shapes are empty elements)", name));
      }
      pos_ = end + closing.size();
    }
    doc.shapes.push_back(std::move(shape));
  }

  // rotate(angle x y) about the text's own anchor point, as carta's vertical text writes it.
  double rotation(std::string_view value, const Shape& shape) const {
    value = trim(value);
    if (value.substr(0, 7) != "rotate(" || value.back() != ')') fail(fmt::format("transform '{}' (only rotate)", value));
    const auto args = number_list(value.substr(7, value.size() - 8), "transform", "text");
    if (args.size() != 3 || args[1] != shape.geometry[0] || args[2] != shape.geometry[1]) {
      fail(fmt::format("transform '{}': only a rotation about the text's own x and y (given before it)", value));
    }
    return args[0];
  }

  // A study name read from a Latin-1 file reaches the SVG as invalid UTF-8; browsers show U+FFFD
  // for each bad sequence, and so does the PNG and PDF (pango would cut the text at the first).
  static std::string valid_utf8(const std::string& s) {
    if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) return s;
    gchar* fixed = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
    std::string out(fixed);
    g_free(fixed);
    return out;
  }

  // SVG's default white-space handling: newlines go, tabs become spaces, runs of spaces become
  // one, and leading and trailing spaces are dropped.
  static std::string collapse_whitespace(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
      if (c == '\n' || c == '\r') continue;
      if (c == '\t') c = ' ';
      if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
      out += c;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  std::string_view svg_;
  const std::filesystem::path& target_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Drawing with cairo, text with pango.
// ---------------------------------------------------------------------------------------------

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct GObjectDeleter {
  void operator()(void* o) const { g_object_unref(o); }
};
struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* d) const { pango_font_description_free(d); }
};
struct FontOptionsDeleter {
  void operator()(cairo_font_options_t* o) const { cairo_font_options_destroy(o); }
};

void set_source(cairo_t* cr, const Colour& c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

// Fill first, then stroke: SVG's default paint order.
void paint_path(cairo_t* cr, const Shape& s, bool fillable) {
  if (fillable && !s.fill.none) {
    set_source(cr, s.fill);
    if (s.stroke.none || s.stroke_width <= 0.0) {
      cairo_fill(cr);
      return;
    }
    cairo_fill_preserve(cr);
  }
  if (!s.stroke.none && s.stroke_width > 0.0) {
    set_source(cr, s.stroke);
    cairo_set_line_width(cr, s.stroke_width);
    double total = 0.0;
    for (const double d : s.dash) total += d;
    // SVG ignores a dash array that sums to zero; an odd-length one repeats (cairo does the same).
    if (total > 0.0) cairo_set_dash(cr, s.dash.data(), static_cast<int>(s.dash.size()), 0.0);
    else cairo_set_dash(cr, nullptr, 0, 0.0);
    cairo_stroke(cr);
  } else {
    cairo_new_path(cr);
  }
}

// Lays out one text at a time on a layout that lives as long as the cairo context. Glyph
// positions are not rounded and metrics not hinted, so the layout is the same at every scale:
// the PNG and the PDF place every glyph where the SVG does.
class TextPainter {
 public:
  explicit TextPainter(cairo_t* cr) : cr_(cr) {
    PangoContext* context = pango_cairo_create_context(cr);
    std::unique_ptr<cairo_font_options_t, FontOptionsDeleter> options(cairo_font_options_create());
    cairo_font_options_set_hint_metrics(options.get(), CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options.get(), CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(options.get(), CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(context, options.get());
    pango_context_set_round_glyph_positions(context, FALSE);
    layout_.reset(pango_layout_new(context));
    g_object_unref(context);  // the layout holds its own reference
    font_.reset(pango_font_description_new());
    pango_font_description_set_family_static(font_.get(), "DejaVu Sans");
  }

  void draw(const Shape& s) {
    if (s.text.empty() || s.fill.none) return;
    pango_font_description_set_absolute_size(font_.get(), s.font_size * PANGO_SCALE);
    pango_font_description_set_weight(font_.get(), s.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout_.get(), font_.get());
    pango_layout_set_text(layout_.get(), s.text.c_str(), static_cast<int>(s.text.size()));
    PangoRectangle logical;
    pango_layout_get_extents(layout_.get(), nullptr, &logical);
    const double advance = static_cast<double>(logical.width) / PANGO_SCALE;
    const double baseline = static_cast<double>(pango_layout_get_baseline(layout_.get())) / PANGO_SCALE;
    cairo_save(cr_);
    cairo_translate(cr_, s.geometry[0], s.geometry[1]);
    if (s.rotation) cairo_rotate(cr_, *s.rotation * std::numbers::pi / 180.0);
    cairo_move_to(cr_, -s.anchor * advance, -baseline);
    set_source(cr_, s.fill);
    pango_cairo_update_layout(cr_, layout_.get());
    pango_cairo_show_layout(cr_, layout_.get());
    cairo_restore(cr_);
  }

 private:
  cairo_t* cr_;
  std::unique_ptr<PangoLayout, GObjectDeleter> layout_;
  std::unique_ptr<PangoFontDescription, FontDescriptionDeleter> font_;
};

void draw(const Document& doc, cairo_t* cr, const std::filesystem::path& target) {
  cairo_set_miter_limit(cr, 4.0);  // SVG's default; cairo's is 10
  TextPainter text(cr);
  for (const auto& s : doc.shapes) {
    const auto& g = s.geometry;
    switch (s.kind) {
      case ShapeKind::kRect:
        if (g[2] <= 0.0 || g[3] <= 0.0) break;  // SVG draws nothing for an empty rectangle
        cairo_rectangle(cr, g[0], g[1], g[2], g[3]);
        paint_path(cr, s, true);
        break;
      case ShapeKind::kCircle:
        if (g[2] <= 0.0) break;
        cairo_new_sub_path(cr);
        cairo_arc(cr, g[0], g[1], g[2], 0.0, 2.0 * std::numbers::pi);
        cairo_close_path(cr);
        paint_path(cr, s, true);
        break;
      case ShapeKind::kLine:
        cairo_move_to(cr, g[0], g[1]);
        cairo_line_to(cr, g[2], g[3]);
        paint_path(cr, s, false);
        break;
      case ShapeKind::kPolygon:
      case ShapeKind::kPolyline:
        if (g.size() < 4) break;
        cairo_move_to(cr, g[0], g[1]);
        for (std::size_t i = 2; i + 1 < g.size(); i += 2) cairo_line_to(cr, g[i], g[i + 1]);
        if (s.kind == ShapeKind::kPolygon) cairo_close_path(cr);
        paint_path(cr, s, true);
        break;
      case ShapeKind::kText:
        text.draw(s);
        break;
    }
  }
  if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorCategory::kIo,
                fmt::format("{}: cannot draw the figure: {}", target.string(), cairo_status_to_string(cairo_status(cr))));
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
void write_png(cairo_surface_t* surface, const std::filesystem::path& path, double dpi) {
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
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the PNG", path.string()));
  }
  png_init_io(png, file.get());
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // The resolution a print figure is made for, so that a journal's system reads 300 (or 600) dpi.
  const auto per_metre = static_cast<png_uint_32>(std::lround(dpi / 0.0254));
  png_set_pHYs(png, info, per_metre, per_metre, PNG_RESOLUTION_METER);
  png_set_compression_level(png, 1);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_write_info(png, info);
  // cairo's RGB24 pixels are 32-bit words 0x00RRGGBB in native byte order; on a little-endian
  // machine that is B, G, R, unused in memory, which libpng turns into RGB as it writes.
  png_set_bgr(png);
  png_set_filler(png, 0, PNG_FILLER_AFTER);
  for (int y = 0; y < height; ++y) png_write_row(png, data + static_cast<std::ptrdiff_t>(y) * stride);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fflush(file.get()) != 0) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the PNG", path.string()));
}

// The same pixels as a TIFF (RGB, 8 bits, Deflate-compressed) with the resolution in dots per
// inch, as journals' submission systems ask for.
void write_tiff(cairo_surface_t* surface, const std::filesystem::path& path, double dpi) {
  cairo_surface_flush(surface);
  const int width = cairo_image_surface_get_width(surface);
  const int height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  // libtiff's warnings (unknown tags of other writers) mean nothing here; its handler is global,
  // so it is set once, not from every render thread.
  static const bool quiet = [] {
    TIFFSetWarningHandler(nullptr);
    return true;
  }();
  (void)quiet;
  std::unique_ptr<TIFF, decltype(&TIFFClose)> tiff(TIFFOpen(path.string().c_str(), "w"), &TIFFClose);
  if (!tiff) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open for writing", path.string()));
  TIFF* t = tiff.get();
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(width));
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(height));
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
  TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(t, 0));
  TIFFSetField(t, TIFFTAG_XRESOLUTION, static_cast<float>(dpi));
  TIFFSetField(t, TIFFTAG_YRESOLUTION, static_cast<float>(dpi));
  TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  TIFFSetField(t, TIFFTAG_SOFTWARE, "carta");
  std::vector<unsigned char> row(static_cast<std::size_t>(width) * 3);
  for (int y = 0; y < height; ++y) {
    // cairo's RGB24 words are 0x00RRGGBB.
    const auto* words = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = 0; x < width; ++x) {
      const std::uint32_t w = words[x];
      row[3 * static_cast<std::size_t>(x)] = static_cast<unsigned char>((w >> 16) & 0xFF);
      row[3 * static_cast<std::size_t>(x) + 1] = static_cast<unsigned char>((w >> 8) & 0xFF);
      row[3 * static_cast<std::size_t>(x) + 2] = static_cast<unsigned char>(w & 0xFF);
    }
    if (TIFFWriteScanline(t, row.data(), static_cast<std::uint32_t>(y), 0) < 0) {
      throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the TIFF", path.string()));
    }
  }
  if (TIFFFlush(t) != 1) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the TIFF", path.string()));
}

// The pixels of one figure (about 6 MB at twice the size) are written into a buffer kept by the
// thread between figures: a fresh allocation of that size is a fresh mapping from the kernel,
// zeroed page by page, which took a tenth of the report's time. Every pixel is painted before it
// is read, so the buffer is not cleared.
unsigned char* pixel_buffer(std::size_t bytes) {
  thread_local std::unique_ptr<unsigned char[]> buffer;
  thread_local std::size_t capacity = 0;
  if (bytes > capacity) {
    buffer.reset();
    buffer.reset(new unsigned char[bytes]);
    capacity = bytes;
  }
  return buffer.get();
}

// Removes the staged file when writing `target` fails, so no partial figure is left behind.
void with_target(const std::filesystem::path& target, const auto& body) {
  try {
    body();
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(staging(target), ec);
    throw;
  }
}

// What to write, and at what size (the module's interface: plain C types).
struct Request {
  const char* png;   // "" leaves a format out
  const char* pdf;
  const char* tiff;
  const char* eps;
  double width_in;   // the printed width in inches; 0: the figure's own size (96 px an inch)
  double dpi;        // pixels per inch of the PNG and TIFF at that width
};

void render(std::string_view svg, const Request& request) {
  const std::filesystem::path png = request.png, pdf = request.pdf, tiff = request.tiff, eps = request.eps;
  const std::filesystem::path& name = !png.empty() ? png : !pdf.empty() ? pdf : !tiff.empty() ? tiff : eps;
  if (!(request.dpi > 0.0) || !std::isfinite(request.dpi) || !(request.width_in >= 0.0) || !std::isfinite(request.width_in)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("{}: the resolution must be positive and the width positive or 0, "
                                                           "not {} dpi at {} in",
                                                           name.string(), request.dpi, request.width_in));
  }
  const Document doc = SvgReader(svg, name).read();
  const double inches = request.width_in > 0.0 ? request.width_in : doc.width / 96.0;
  // The pixel scale for that resolution, unless the image would be too large: then as large as it
  // can be, and the resolution recorded is the one reached.
  const double wanted = request.width_in > 0.0 ? inches * request.dpi / doc.width : request.dpi / 96.0;  // exact at 192
  const double scale = std::min(wanted, kMaxPngSide / std::max(doc.width, doc.height));
  const double dpi = scale * doc.width / inches;
  if (!png.empty() || !tiff.empty()) {
    const double width_px = std::max(1.0, std::ceil(doc.width * scale));
    const double height_px = std::max(1.0, std::ceil(doc.height * scale));
    if (width_px > kMaxImageSide || height_px > kMaxImageSide) {
      throw Error(ErrorCategory::kInvalidOption, fmt::format("{}: a {} x {} px image is beyond cairo's {} px a side; use a smaller scale",
                                                             name.string(), width_px, height_px, kMaxImageSide));
    }
    const int width = static_cast<int>(width_px);
    const int height = static_cast<int>(height_px);
    const int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, width);
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(cairo_image_surface_create_for_data(
        pixel_buffer(static_cast<std::size_t>(stride) * static_cast<std::size_t>(height)), CAIRO_FORMAT_RGB24, width,
        height, stride));
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
      throw Error(ErrorCategory::kIo, fmt::format("{}: cannot allocate a {:.0f} x {:.0f} px image", name.string(),
                                                  doc.width * scale, doc.height * scale));
    }
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 1.0, 1.0, 1.0);
    cairo_paint(cr.get());
    cairo_scale(cr.get(), scale, scale);
    draw(doc, cr.get(), name);
    // Both files are written before either is put in place; a failure leaves neither staged.
    try {
      if (!png.empty()) write_png(surface.get(), staging(png), dpi);
      if (!tiff.empty()) write_tiff(surface.get(), staging(tiff), dpi);
    } catch (...) {
      std::error_code ec;
      if (!png.empty()) std::filesystem::remove(staging(png), ec);
      if (!tiff.empty()) std::filesystem::remove(staging(tiff), ec);
      throw;
    }
    if (!png.empty()) publish(staging(png), png);
    if (!tiff.empty()) publish(staging(tiff), tiff);
  }
  // The vector formats at the printed size (1 SVG px = 0.75 pt at the figure's own size), unless a
  // side would pass 200 inches: then the page is scaled to fit (text stays text).
  const double points = std::min(inches * 72.0 / doc.width, kMaxPdfSide / std::max(doc.width, doc.height));
  auto vector_file = [&](const std::filesystem::path& target, bool postscript) {
    with_target(target, [&] {
      std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
          postscript ? cairo_ps_surface_create(staging(target).string().c_str(), doc.width * points, doc.height * points)
                     : cairo_pdf_surface_create(staging(target).string().c_str(), doc.width * points, doc.height * points));
      if (postscript) cairo_ps_surface_set_eps(surface.get(), 1);
      std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
      cairo_scale(cr.get(), points, points);
      draw(doc, cr.get(), target);
      cr.reset();
      cairo_surface_finish(surface.get());
      if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
        throw Error(ErrorCategory::kIo, fmt::format("{}: cannot write the {}", target.string(), postscript ? "EPS" : "PDF"));
      }
    });
    publish(staging(target), target);
  };
  if (!pdf.empty()) vector_file(pdf, false);
  if (!eps.empty()) vector_file(eps, true);
}

}  // namespace
}  // namespace carta::plot

// Returns 0 on success; otherwise 1 + the carta::ErrorCategory of the failure, with its message
// (truncated to fit) in `message`. Nothing is thrown across the boundary.
extern "C" __attribute__((visibility("default"))) int carta_render_svg_v2(const char* svg, std::size_t svg_size,
                                                                         const char* png, const char* pdf, const char* tiff,
                                                                         const char* eps, double width_in, double dpi,
                                                                         char* message, std::size_t message_size) noexcept {
  auto report = [&](const char* what, carta::ErrorCategory category) {
    if (message_size > 0) {
      std::snprintf(message, message_size, "%s", what);
    }
    return 1 + static_cast<int>(category);
  };
  try {
    carta::plot::render(std::string_view(svg, svg_size), carta::plot::Request{png, pdf, tiff, eps, width_in, dpi});
    return 0;
  } catch (const carta::Error& e) {
    return report(e.what(), e.category());
  } catch (const std::exception& e) {
    return report(e.what(), carta::ErrorCategory::kInternal);
  } catch (...) {
    return report("unknown failure in the figure renderer", carta::ErrorCategory::kInternal);
  }
}
