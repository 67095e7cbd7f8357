#include "markdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace carta::report {

namespace {

// Text that stays text: Markdown's punctuation is backslash-escaped, HTML cannot open, line
// breaks and control characters become spaces (a table row or list item is one line).
std::string md_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      out += ' ';
      continue;
    }
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>': case '|': case '~': case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      case '&': out += "&amp;"; break;
      default: out += c;
    }
  }
  return out;
}

// A line that starts with "-", "+", "=" or "1." would become a list or a heading's underline.
std::string line_start(std::string md) {
  if (!md.empty() && (md[0] == '-' || md[0] == '+' || md[0] == '=')) md.insert(0, "\\");
  const auto digits = md.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string::npos && (md[digits] == '.' || md[digits] == ')')) md.insert(digits, "\\");
  return md;
}

std::string delimited(std::string_view text, std::string_view marker) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return std::string(text);
  const auto last = text.find_last_not_of(' ');
  return std::string(text.substr(0, first)) + std::string(marker) + md_escape(text.substr(first, last - first + 1)) +
         std::string(marker) + std::string(text.substr(last + 1));
}

std::string md_spans(const Inline& content) {
  std::string md;
  for (const auto& s : content) {
    if (s.text.empty()) continue;
    std::string t;
    switch (s.style) {
      case Span::Style::kText:
      case Span::Style::kSymbol: t = md_escape(s.text); break;
      case Span::Style::kCode: {
        // A code span cannot escape; a fence longer than any run of backticks inside it holds.
        std::string text = s.text;
        std::replace_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
        std::size_t run = 0, longest = 0;
        for (const char c : text) longest = std::max(longest, run = c == '`' ? run + 1 : 0);
        const std::string fence(longest + 1, '`');
        t = fence + " " + text + " " + fence;
        break;
      }
      // Emphasis may not open or close on a space: spaces stay outside the markers.
      case Span::Style::kStrong: t = delimited(s.text, "**"); break;
      case Span::Style::kEmphasis: t = delimited(s.text, "*"); break;
      case Span::Style::kSuperscript: t = "<sup>" + md_escape(s.text) + "</sup>"; break;
    }
    if (!s.link.empty()) t = fmt::format("[{}](#{})", t, s.link);
    md += t;
  }
  return md;
}

std::string md_cell_text(const Cell& c) {
  std::string t = md_spans(c.content);
  if (!c.note.empty()) t += "<br>" + md_spans(c.note);
  return t.empty() ? std::string(" ") : t;
}

std::string md_table(const Table& t) {
  std::string md = "|";
  for (const auto& h : t.header) md += " " + md_escape(h) + " |";
  md += "\n|";
  // A column is right-aligned when its first full row holds a number there.
  std::vector<bool> numeric(t.header.size(), false);
  for (const auto& row : t.rows) {
    if (row.size() != t.header.size()) continue;
    for (std::size_t i = 0; i < row.size(); ++i) numeric[i] = row[i].numeric;
    break;
  }
  for (std::size_t i = 0; i < t.header.size(); ++i) md += numeric[i] ? " ---: |" : " --- |";
  md += "\n";
  for (const auto& row : t.rows) {
    md += "|";
    std::size_t columns = 0;
    for (const auto& c : row) {
      md += " " + md_cell_text(c) + " |";
      // Pipe tables have no spans: the cells a span covers stay empty.
      for (int extra = 1; extra < c.span; ++extra) md += "  |";
      columns += static_cast<std::size_t>(std::max(c.span, 1));
    }
    for (; columns < t.header.size(); ++columns) md += "  |";
    md += "\n";
  }
  return md + "\n";
}

struct BlockMarkdown {
  const Document& doc;
  std::string operator()(const Heading& x) const {
    // An HTML anchor, which GitHub and pandoc both keep, carries the id links point to.
    std::string md = x.id.empty() ? std::string() : fmt::format("<a id=\"{}\"></a>\n\n", x.id);
    return md + fmt::format("{} {}\n\n", std::string(static_cast<std::size_t>(std::clamp(x.level, 1, 6)), '#'), md_escape(x.text));
  }
  std::string operator()(const Paragraph& x) const {
    switch (x.kind) {
      case Paragraph::Kind::kNote: return "*" + md_spans(x.content) + "*\n\n";
      case Paragraph::Kind::kWarning: return "> **Warning:** " + md_spans(x.content) + "\n\n";
      case Paragraph::Kind::kBody: break;
    }
    return line_start(md_spans(x.content)) + "\n\n";
  }
  std::string operator()(const List& x) const {
    std::string md;
    for (std::size_t i = 0; i < x.items.size(); ++i) {
      md += (x.kind == List::Kind::kNumbered ? fmt::format("{}. ", i + 1) : std::string("- ")) + line_start(md_spans(x.items[i])) + "\n";
    }
    return md + "\n";
  }
  std::string operator()(const Details& x) const {
    if (x.items.empty()) return {};
    std::string md = "**" + md_escape(x.summary) + "**\n\n";
    for (const auto& item : x.items) md += "- " + line_start(md_spans(item)) + "\n";
    return md + "\n";
  }
  std::string operator()(const Table& x) const { return md_table(x); }
  std::string operator()(const Figure& x) const {
    if (x.stem.empty()) return {};
    const std::string caption = fmt::format("Figure {}.{}", x.number, x.caption.empty() ? "" : " " + md_escape(x.caption));
    std::string links;
    for (const auto& f : x.formats) {
      if (f == "png") continue;  // shown above
      std::string upper = f;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      links += fmt::format("{}[{}](figures/{}.{})", links.empty() ? "" : ", ", upper, x.stem, f);
    }
    return fmt::format("![{0}](figures/{1}.png)\n\n*{0}*{2}\n\n", caption, x.stem, links.empty() ? "" : " (" + links + ")");
  }
  std::string operator()(const Contents&) const {
    std::string md;
    for (const auto& block : doc.blocks) {
      const auto* h = std::get_if<Heading>(&block);
      if (h == nullptr || h->level != 2 || h->id.empty() || h->id == "contents") continue;
      md += fmt::format("- [{}](#{})\n", md_escape(h->contents.empty() ? h->text : h->contents), h->id);
    }
    return md + "\n";
  }
};

}  // namespace

std::string document_markdown(const Document& doc) {
  std::string md = "# " + md_escape(doc.title) + "\n\n*" + md_spans(doc.byline) + "*\n\n";
  const BlockMarkdown render{doc};
  for (const auto& block : doc.blocks) md += std::visit(render, block);
  return md;
}

}  // namespace carta::report
