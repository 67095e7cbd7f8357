#pragma once
// A small SVG document builder: deterministic output (fixed number formatting, no timestamps),
// every piece of text escaped. The figure types (forest plot, ...) are built on it.

#include <string>
#include <string_view>
#include <vector>

namespace carta::plot {

// Escapes text for XML/HTML content and attribute values (& < > " '); control characters (C0 and
// C1, which XML 1.0 forbids) become U+FFFD, so the document stays well-formed whatever the data.
std::string escape_xml(std::string_view text);

// `text` cut to at most `max_chars` code points, an ellipsis marking the cut: a figure's column
// stays readable whatever a label's length (the report and results.json keep the whole label).
std::string fit_text(std::string_view text, std::size_t max_chars);

// The longest label a figure shows, in characters.
inline constexpr std::size_t kMaxLabelChars = 60;

class Svg {
 public:
  Svg(double width, double height);

  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke = "none");
  void circle(double cx, double cy, double r, std::string_view fill, std::string_view stroke = "none");
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1.0,
            std::string_view dash = "");
  void polygon(std::string_view points, std::string_view fill, std::string_view stroke = "none");
  // An open path through "x,y x,y ..." (no fill).
  void polyline(std::string_view points, std::string_view stroke, double width = 1.0, std::string_view dash = "");
  // anchor: start, middle or end; weight: normal or bold. Text is escaped here.
  void text(double x, double y, std::string_view content, double size = 12.0, std::string_view anchor = "start",
            std::string_view weight = "normal", std::string_view fill = "#000");
  // Text turned 90 degrees anticlockwise around (x, y), centred there (phase labels, axis titles).
  void vertical_text(double x, double y, std::string_view content, double size = 12.0, std::string_view weight = "normal",
                     std::string_view fill = "#000");
  // A tooltip-free group marker so that tests can find structure (class names).
  // A group of shapes; `title` (escaped) is the tooltip a browser shows over them.
  void open_group(std::string_view css_class, std::string_view title = {});
  void close_group();

  // Figures that grow as they are drawn set their final size at the end.
  void set_size(double width, double height) noexcept {
    width_ = width;
    height_ = height;
  }

  [[nodiscard]] std::string str() const;

  // Where the next element goes; `insert_at(mark, other)` puts `other`'s elements there, so that
  // something drawn last (grid lines, once the height is known) lies behind what came after.
  [[nodiscard]] std::size_t mark() const noexcept { return body_.size(); }
  void insert_at(std::size_t mark, const Svg& other) { body_.insert(mark, other.body_); }
  [[nodiscard]] double width() const noexcept { return width_; }
  [[nodiscard]] double height() const noexcept { return height_; }

 private:
  double width_;
  double height_;
  std::string body_;
};

// Coordinates with two decimals: stable text for golden tests.
std::string coord(double v);

// Approximate advance width of text in DejaVu Sans at `size` px (0.6 em per character: the
// layout must not depend on a font library; labels are measured, not guessed, per character).
double text_width(std::string_view text, double size);

// `text` broken at blanks into lines no wider than `max_width` at `size` (by text_width); a word
// wider than a line is cut. Never returns an empty list for non-empty text.
std::vector<std::string> wrap_text(std::string_view text, double max_width, double size);

// An SVG that Svg::str() wrote, taller by the footnote lines added under it (wrapped to its
// width, 11 px, grey, in a group of class "footnotes"): every figure says which studies it leaves
// out and why, also when it travels without the report. Throws carta::Error (kInvalidInput) for
// SVG text that Svg did not write.
std::string append_footnotes(std::string_view svg, const std::vector<std::string>& lines);

}  // namespace carta::plot
