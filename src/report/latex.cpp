#include "latex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace carta::report {

namespace {

// Text that stays text in LaTeX: its ten special characters escaped, the report's own symbols as
// commands, control characters as spaces.
std::string tex_escape(std::string_view s) {
  static constexpr std::pair<std::string_view, std::string_view> kSymbols[] = {
      {"\u03c4", "$\\tau$"},   {"\u00b2", "$^{2}$"},        {"\u2013", "--"},       {"\u2295", "$\\oplus$"},
      {"\u25ef", "$\\bigcirc$"}, {"\u2026", "\\ldots{}"},   {"\u2265", "$\\geq$"},  {"\u2264", "$\\leq$"},
      {"\u00b1", "$\\pm$"},
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    for (const auto& [utf8, tex] : kSymbols) {
      if (s.substr(i, utf8.size()) == utf8) {
        out += tex;
        i += utf8.size();
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    const char c = s[i++];
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '{': out += "\\{"; break;
      case '}': out += "\\}"; break;
      case '$': out += "\\$"; break;
      case '&': out += "\\&"; break;
      case '#': out += "\\#"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '_': out += "\\_"; break;
      case '%': out += "\\%"; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      case '|': out += "\\textbar{}"; break;
      default: out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
  }
  return out;
}

std::string tex_spans(const Inline& content) {
  std::string tex;
  for (const auto& s : content) {
    const std::string t = tex_escape(s.text);
    switch (s.style) {
      case Span::Style::kText:
      case Span::Style::kSymbol: tex += t; break;
      case Span::Style::kCode: tex += "\\texttt{" + t + "}"; break;
      case Span::Style::kStrong: tex += "\\textbf{" + t + "}"; break;
      case Span::Style::kEmphasis: tex += "\\emph{" + t + "}"; break;
      case Span::Style::kSuperscript: tex += "\\textsuperscript{" + t + "}"; break;
    }
  }
  return tex;
}

std::string tex_table(const Table& t, const std::string& caption, int number) {
  const std::size_t columns = std::max<std::size_t>(t.header.size(), 1);
  // Columns of numbers right-aligned (from the first full row), text in wrapping paragraphs.
  std::vector<bool> numeric(columns, false);
  for (const auto& row : t.rows) {
    if (row.size() != columns) continue;
    for (std::size_t i = 0; i < columns; ++i) numeric[i] = row[i].numeric;
    break;
  }
  const double share = 0.9 / static_cast<double>(columns);
  std::string spec;
  for (std::size_t i = 0; i < columns; ++i) {
    spec += numeric[i] ? std::string("r") : fmt::format("p{{{:.3f}\\linewidth}}", share);
  }
  std::string tex = fmt::format("% Table {}: {}\n\\begin{{longtable}}{{{}}}\n\\caption{{{}}}\\label{{tab:carta-{}}}\\\\\n\\toprule\n",
                                number, tex_escape(caption), spec, tex_escape(caption), number);
  std::string header;
  for (std::size_t i = 0; i < t.header.size(); ++i) header += (i ? " & " : "") + ("\\textbf{" + tex_escape(t.header[i]) + "}");
  // Rows end in \tabularnewline: after "\\" a cell starting with "[" or "*" would be read as its
  // argument.
  tex += header + " \\tabularnewline\n\\midrule\n\\endfirsthead\n\\toprule\n" + header +
         " \\tabularnewline\n\\midrule\n\\endhead\n";
  for (const auto& row : t.rows) {
    std::string line;
    std::size_t used = 0;
    for (const auto& c : row) {
      std::string cell = tex_spans(c.content);
      if (!c.note.empty()) cell += " {\\footnotesize (" + tex_spans(c.note) + ")}";
      if (c.span > 1) cell = fmt::format("\\multicolumn{{{}}}{{l}}{{{}}}", c.span, cell);
      line += (used ? " & " : "") + cell;
      used += static_cast<std::size_t>(std::max(c.span, 1));
    }
    for (; used < columns; ++used) line += " & ";
    tex += line + " \\tabularnewline\n";
  }
  return tex + "\\bottomrule\n\\end{longtable}\n\n";
}

}  // namespace

std::string document_latex_tables(const Document& doc) {
  std::string tex = fmt::format("% Tables of \"{}\", written by carta: \\input this file after\n"
                                "% \\usepackage{{booktabs}} and \\usepackage{{longtable}}.\n\n",
                                tex_escape(doc.title));
  // The caption: the section's heading and those of its parts ("Complete remission: Subgroups:
  // Antigen target").
  std::vector<std::string> headings(5);
  int number = 0;
  for (const auto& block : doc.blocks) {
    if (const auto* h = std::get_if<Heading>(&block)) {
      const auto level = static_cast<std::size_t>(std::clamp(h->level, 2, 4));
      headings[level] = h->text;
      for (std::size_t deeper = level + 1; deeper < headings.size(); ++deeper) headings[deeper].clear();
      continue;
    }
    if (const auto* t = std::get_if<Table>(&block)) {
      std::string caption;
      for (std::size_t level = 2; level < headings.size(); ++level) {
        if (!headings[level].empty()) caption += (caption.empty() ? "" : ": ") + headings[level];
      }
      tex += tex_table(*t, caption, ++number);
    }
  }
  return tex;
}

}  // namespace carta::report
