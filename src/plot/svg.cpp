#include "carta/plot/svg.hpp"

#include <fmt/format.h>

#include "carta/error.hpp"

#include <algorithm>
#include <cmath>

namespace carta::plot {

std::string escape_xml(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    // Control characters are not allowed in XML 1.0 (tab, LF and CR are, but mean nothing in a
    // label): each becomes U+FFFD, so that every SVG and HTML document stays well-formed.
    if (u < 0x20 || u == 0x7F) {
      out += kReplacement;
      continue;
    }
    // C1 controls (U+0080..U+009F, encoded C2 80..C2 9F) likewise.
    if (u == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out += kReplacement;
      ++i;
      continue;
    }
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

std::string fit_text(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0, i = 0;
  while (i < text.size()) {
    if (chars == max_chars) return std::string(text.substr(0, i)) + "\u2026";
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    ++chars;
  }
  return std::string(text);
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

void Svg::open_group(std::string_view css_class, std::string_view title) {
  body_ += fmt::format("<g class=\"{}\">\n", css_class);
  if (!title.empty()) body_ += fmt::format("<title>{}</title>\n", escape_xml(title));
}
void Svg::close_group() { body_ += "</g>\n"; }

std::string Svg::str() const {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"DejaVu Sans, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n{}</svg>\n",
      coord(width_), coord(height_), coord(width_), coord(height_), body_);
}

std::vector<std::string> wrap_text(std::string_view text, double max_width, double size) {
  std::vector<std::string> lines;
  std::string line;
  auto flush = [&] {
    if (!line.empty()) lines.push_back(std::move(line));
    line.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(pos, end - pos);
    pos = end;
    const std::string candidate = line.empty() ? std::string(word) : line + " " + std::string(word);
    if (text_width(candidate, size) <= max_width) {
      line = candidate;
      continue;
    }
    flush();
    // A word longer than a line is cut at code point boundaries.
    while (text_width(word, size) > max_width) {
      std::size_t cut = 0, chars = 0;
      const auto per_line = static_cast<std::size_t>(std::max(1.0, max_width / (0.6 * size)));
      while (cut < word.size() && chars < per_line) {
        ++cut;
        while (cut < word.size() && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) ++cut;
        ++chars;
      }
      lines.emplace_back(word.substr(0, cut));
      word.remove_prefix(cut);
    }
    line = std::string(word);
  }
  flush();
  if (lines.empty() && !text.empty()) lines.emplace_back();
  return lines;
}

std::string append_footnotes(std::string_view svg, const std::vector<std::string>& lines) {
  if (lines.empty()) return std::string(svg);
  // The root element as Svg::str() writes it: width="W" height="H" viewBox="0 0 W H".
  const auto header_end = svg.find('>');
  const auto close = svg.rfind("</svg>");
  const auto w_at = svg.find(" width=\"");
  const auto h_at = svg.find(" height=\"");
  const auto vb_at = svg.find(" viewBox=\"");
  if (header_end == std::string_view::npos || close == std::string_view::npos || w_at > header_end ||
      h_at > header_end || vb_at > header_end) {
    throw Error(ErrorCategory::kInvalidInput, "append_footnotes: not an SVG written by carta::plot::Svg");
  }
  auto attribute = [&](std::size_t at, std::size_t name_length) {
    const std::size_t start = at + name_length;
    return std::stod(std::string(svg.substr(start, svg.find('"', start) - start)));
  };
  const double width = attribute(w_at, 8);
  const double height = attribute(h_at, 9);
  constexpr double kSize = 11.0, kLine = 16.0, kLeft = 12.0;
  std::string body;
  double y = height + 4.0;
  body += "<g class=\"footnotes\">\n";
  for (const auto& l : lines) {
    for (const auto& part : wrap_text(l, std::max(width - 2 * kLeft, 60.0), kSize)) {
      y += kLine;
      body += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"start\" font-weight=\"normal\" "
                          "fill=\"#444\">{}</text>\n",
                          coord(kLeft), coord(y - 4.0), coord(kSize), escape_xml(part));
    }
  }
  body += "</g>\n";
  const double new_height = y + 8.0;
  std::string out;
  out.reserve(svg.size() + body.size() + 32);
  out += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\"",
                     coord(width), coord(new_height), coord(width), coord(new_height));
  // Everything after the viewBox attribute (the font family, the white ground, the figure) as is.
  const auto vb_end = svg.find('"', svg.find('"', vb_at) + 1) + 1;
  out += svg.substr(vb_end, close - vb_end);
  out += body;
  out += "</svg>\n";
  return out;
}

}  // namespace carta::plot
