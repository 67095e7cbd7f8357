#pragma once
// The report as a document: headings, paragraphs, lists, tables and figures in reading order,
// built once from the results model (build_document) and read by every renderer (index.html,
// report.docx, report.md). Text here is plain UTF-8, never markup: each renderer escapes it for
// its own format, so a title pasted from a citation manager stays text everywhere.

#include <string>
#include <variant>
#include <vector>

#include "carta/analysis/review_results.hpp"
#include "figures.hpp"

namespace carta::report {

// A run of text in one style.
struct Span {
  enum class Style {
    kText,
    kCode,         // a column or file name
    kStrong,       // a rating that lowers the certainty
    kEmphasis,     // "(excluded)"
    kSuperscript,  // footnote marks
    kSymbol,       // GRADE's ⊕⊕◯◯: kept on one line, `title` as its tooltip
  };
  Span() = default;
  Span(std::string text_, Style style_ = Style::kText, std::string link_ = {}, std::string title_ = {})
      : text(std::move(text_)), style(style_), link(std::move(link_)), title(std::move(title_)) {}

  std::string text;
  Style style = Style::kText;
  std::string link;   // the id of a heading in this document, or empty
  std::string title;  // hover text where the format has it
};
using Inline = std::vector<Span>;

inline Inline text(std::string s) { return {Span{std::move(s)}}; }

struct Heading {
  int level = 2;         // 1 is the title; 2 a section; 3 and 4 its parts
  std::string text;
  std::string id;        // a link target; empty when nothing links here
  std::string contents;  // the entry in the table of contents (level 2 with an id); empty: `text`
};

struct Paragraph {
  enum class Kind { kBody, kNote, kWarning };
  Inline content;
  Kind kind = Kind::kBody;
};

struct List {
  enum class Kind {
    kBullets,
    kNumbered,  // footnotes of the table above, in the order of their marks
    kLeftOut,   // the studies an analysis leaves out, with why
  };
  std::vector<Inline> items;
  Kind kind = Kind::kBullets;
};

// Notes a reader opens when wanted (a <details> in HTML); a plain list elsewhere.
struct Details {
  std::string summary;
  std::vector<Inline> items;
};

struct Cell {
  Cell() = default;
  Cell(Inline content_, Inline note_ = {}, bool numeric_ = false, int span_ = 1)
      : content(std::move(content_)), note(std::move(note_)), numeric(numeric_), span(span_) {}

  Inline content;
  Inline note;  // a second, smaller line: a reason, who does not report it
  bool numeric = false;
  int span = 1;  // columns
};

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

struct Figure {
  std::string stem;  // figures/STEM.svg, .png, .pdf
  const std::string* svg = nullptr;
  int number = 0;       // "Figure 3", in reading order
  std::string caption;  // the figure's title
  std::vector<std::string> formats;  // the files written: "svg", "png", "pdf", ...
  double print_width_in = 0.0;       // the width it is made for; 0: its own size
};

// A citation in the reference list (references.hpp).
struct Reference {
  std::string key;
  std::string in_text;   // "Egger et al. 1997"
  std::string citation;  // Vancouver style, ending in a full stop
  std::string doi;       // empty when it has none
};

// The table of contents, with an entry for every level-2 heading that has an id.
struct Contents {};

using Block = std::variant<Heading, Paragraph, List, Details, Table, Figure, Contents>;

struct Document {
  std::string title;
  Inline byline;  // data, carta's version, the spec
  std::vector<Block> blocks;
  std::vector<Reference> references;  // cited by the methods, in alphabetical order
};

Document build_document(const analysis::ReviewResults& results, const ReviewFigures& figures);

// The plain text of a run of spans (for formats without styles, and for tests).
std::string plain_text(const Inline& content);

}  // namespace carta::report
