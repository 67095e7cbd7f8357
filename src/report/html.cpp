#include "html.hpp"

#include <fmt/format.h>

#include <cctype>

#include "carta/plot/svg.hpp"

namespace carta::report {

namespace {

using plot::escape_xml;

constexpr std::string_view kStyle =
    "body{font-family:'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;"
    "line-height:1.45}table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border-bottom:1px solid #ddd;"
    "padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;"
    "white-space:nowrap}h2{border-bottom:2px solid #4a6fa5;padding-bottom:4px;margin-top:2em}"
    ".figure{overflow-x:auto;margin:1em 0 0.2em}.caption{font-size:0.85em;color:#444;margin:0 0 1.5em}"
    ".files a{color:#4a6fa5}.figure svg{max-width:100%;height:auto}.table{overflow-x:auto}"
    ".warn{background:#fff4e5;border-left:4px solid #e69500;padding:6px 10px}.note{color:#555;font-size:0.85em}"
    "ul.left-out{color:#555;font-size:0.85em}.grade,.nowrap{white-space:nowrap}nav ol{columns:2;font-size:0.9em}"
    "@page{margin:16mm}@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    ".figure{overflow:visible;break-inside:avoid;break-after:avoid}.caption{break-before:avoid}.files{display:none}"
    ".table{overflow:visible}table{font-size:7.5pt;width:100%;table-layout:fixed}th,td{padding:2px 3px;"
    "overflow-wrap:anywhere}td.num{white-space:normal}tr{break-inside:avoid}a{color:inherit;text-decoration:none}h2,h3,h4{break-after:avoid}nav{display:none}}";


std::string html_spans(const Inline& content) {
  std::string h;
  for (const auto& s : content) {
    std::string t = escape_xml(s.text);
    switch (s.style) {
      case Span::Style::kText: break;
      case Span::Style::kCode: t = "<code>" + t + "</code>"; break;
      case Span::Style::kStrong: t = "<b>" + t + "</b>"; break;
      case Span::Style::kEmphasis: t = "<em>" + t + "</em>"; break;
      case Span::Style::kSuperscript: t = "<sup>" + t + "</sup>"; break;
      case Span::Style::kSymbol:
        t = s.title.empty() ? fmt::format("<span class=\"grade\">{}</span>", t)
                            : fmt::format("<span class=\"grade\" title=\"{}\">{}</span>", escape_xml(s.title), t);
        break;
    }
    if (!s.link.empty()) t = fmt::format("<a href=\"#{}\">{}</a>", escape_xml(s.link), t);
    h += t;
  }
  return h;
}

std::string html_table(const Table& t) {
  std::string h = "<div class=\"table\"><table><tr>";
  for (const auto& c : t.header) h += fmt::format("<th>{}</th>", escape_xml(c));
  h += "</tr>\n";
  for (const auto& row : t.rows) {
    h += "<tr>";
    for (const auto& c : row) {
      h += "<td";
      if (c.span > 1) h += fmt::format(" colspan=\"{}\"", c.span);
      if (c.numeric) h += " class=\"num\"";
      h += ">" + html_spans(c.content);
      if (!c.note.empty()) h += "<br><span class=\"note\">" + html_spans(c.note) + "</span>";
      h += "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</table></div>\n";
}

std::string html_contents(const Document& doc) {
  std::string h = "<ol>\n";
  for (const auto& block : doc.blocks) {
    const auto* heading = std::get_if<Heading>(&block);
    if (heading == nullptr || heading->level != 2 || heading->id.empty() || heading->id == "contents") continue;
    h += fmt::format("<li><a href=\"#{}\">{}</a></li>\n", escape_xml(heading->id),
                     escape_xml(heading->contents.empty() ? heading->text : heading->contents));
  }
  return h + "</ol></nav>\n";
}

struct BlockHtml {
  const Document& doc;
  std::string operator()(const Heading& x) const {
    const std::string id = x.id.empty() ? std::string() : fmt::format(" id=\"{}\"", escape_xml(x.id));
    // The contents heading opens the <nav> that contents() closes.
    return fmt::format("{}<h{}{}>{}</h{}>\n", x.id == "contents" ? "<nav>" : "", x.level, id, escape_xml(x.text), x.level);
  }
  std::string operator()(const Paragraph& x) const {
    switch (x.kind) {
      case Paragraph::Kind::kNote: return "<p class=\"note\">" + html_spans(x.content) + "</p>\n";
      case Paragraph::Kind::kWarning: return "<p class=\"warn\">" + html_spans(x.content) + "</p>\n";
      case Paragraph::Kind::kBody: break;
    }
    return "<p>" + html_spans(x.content) + "</p>\n";
  }
  std::string operator()(const List& x) const {
    const char* open = x.kind == List::Kind::kNumbered ? "<ol class=\"note\">"
                       : x.kind == List::Kind::kLeftOut ? "<ul class=\"left-out\">"
                                                        : "<ul>";
    std::string h = std::string(open) + "\n";
    for (const auto& item : x.items) h += "<li>" + html_spans(item) + "</li>\n";
    return h + (x.kind == List::Kind::kNumbered ? "</ol>\n" : "</ul>\n");
  }
  std::string operator()(const Details& x) const {
    std::string h = fmt::format("<details><summary>{}</summary><ul>\n", escape_xml(x.summary));
    for (const auto& item : x.items) h += "<li>" + html_spans(item) + "</li>\n";
    return h + "</ul></details>\n";
  }
  std::string operator()(const Table& x) const { return html_table(x); }
  std::string operator()(const Figure& x) const {
    if (x.svg == nullptr) return {};
    std::string h = "<div class=\"figure\">" + *x.svg + "</div>\n";
    h += fmt::format("<p class=\"caption\">Figure {}.{}", x.number, x.caption.empty() ? "" : " " + escape_xml(x.caption));
    if (!x.stem.empty() && !x.formats.empty()) {
      std::string links;
      for (const auto& f : x.formats) {
        std::string upper = f;
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        links += fmt::format("{}<a href=\"figures/{}.{}\">{}</a>", links.empty() ? "" : ", ", escape_xml(x.stem), f, upper);
      }
      h += " <span class=\"files\">(" + links + ")</span>";
    }
    return h + "</p>\n";
  }
  std::string operator()(const Contents&) const { return html_contents(doc); }
};

}  // namespace

std::string document_html(const Document& doc) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>{}</title>\n", escape_xml(doc.title));
  h += fmt::format("<style>{}</style>\n</head><body>\n", kStyle);
  h += fmt::format("<h1>{}</h1>\n", escape_xml(doc.title));
  h += "<p class=\"note\">" + html_spans(doc.byline) + "</p>\n";
  const BlockHtml render{doc};
  for (const auto& block : doc.blocks) h += std::visit(render, block);
  h += "</body></html>\n";
  return h;
}

}  // namespace carta::report
