#include "carta/plot/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace carta::plot {

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string coord(double v) {
  if (!std::isfinite(v)) return "0";
  const double r = std::round(v * 100.0) / 100.0;
  return fmt::format("{}", r == 0.0 ? 0.0 : r);
}

double text_width(std::string_view text, double size) {
  const auto code_points = static_cast<double>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  return 0.6 * size * code_points;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke) {
  body_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\"/>\n", coord(x),
                       coord(y), coord(w), coord(h), fill, stroke);
}

void Svg::circle(double cx, double cy, double r, std::string_view fill, std::string_view stroke) {
  body_ += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\"/>\n", coord(cx), coord(cy), coord(r),
                       fill, stroke);
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width, std::string_view dash) {
  body_ += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n",
                       coord(x1), coord(y1), coord(x2), coord(y2), stroke, coord(width),
                       dash.empty() ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", dash));
}

void Svg::polygon(std::string_view points, std::string_view fill, std::string_view stroke) {
  body_ += fmt::format("<polygon points=\"{}\" fill=\"{}\" stroke=\"{}\"/>\n", points, fill, stroke);
}

void Svg::polyline(std::string_view points, std::string_view stroke, double width, std::string_view dash) {
  body_ += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", points, stroke,
                       coord(width), dash.empty() ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", dash));
}

void Svg::vertical_text(double x, double y, std::string_view content, double size, std::string_view weight,
                        std::string_view fill) {
  body_ += fmt::format(
      "<text x=\"{0}\" y=\"{1}\" font-size=\"{2}\" text-anchor=\"middle\" font-weight=\"{3}\" fill=\"{4}\" "
      "transform=\"rotate(-90 {0} {1})\">{5}</text>\n",
      coord(x), coord(y), coord(size), weight, fill, escape_xml(content));
}

void Svg::text(double x, double y, std::string_view content, double size, std::string_view anchor,
               std::string_view weight, std::string_view fill) {
  body_ += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{}\" font-weight=\"{}\" fill=\"{}\">{}</text>\n",
                       coord(x), coord(y), coord(size), anchor, weight, fill, escape_xml(content));
}

void Svg::open_group(std::string_view css_class) { body_ += fmt::format("<g class=\"{}\">\n", css_class); }
void Svg::close_group() { body_ += "</g>\n"; }

std::string Svg::str() const {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"DejaVu Sans, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n{}</svg>\n",
      coord(width_), coord(height_), coord(width_), coord(height_), body_);
}

}  // namespace carta::plot
