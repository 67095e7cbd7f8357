// Tables of records: CSV (RFC 4180: quoted fields with delimiters, quotes and line breaks) or
// tab-delimited, one record per row under a header whose column names the synonym table knows
// (Scopus, Zotero, EndNote, Rayyan, Covidence, Web of Science tab-delimited, hand-made tables).
// A row that cannot be read (more fields than the header, a quote never closed) is skipped and
// the rows after it are read.

#include <fmt/format.h>

#include <algorithm>

#include "../text.hpp"
#include "carta/error.hpp"
#include "reader.hpp"

namespace carta::io::records {

namespace {

using detail::excerpt;
using detail::trim;

struct Row {
  std::vector<std::string> fields;
  std::size_t line = 0;           // where the row starts
  std::size_t unterminated = 0;   // line of a quote that never closes (the row is not usable)
  bool stray_quote = false;       // text after a closing quote, kept
  // When a quote never closes, the fields of the row read as if the file were cut short inside
  // that quote (the last field runs to the end of the text).
  std::vector<std::string> to_end;
};

// Reads rows one at a time from `text`, counting lines (LF, CRLF or a lone CR).
class RowReader {
 public:
  RowReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter), stops_{delimiter, '\r', '\n'} {}
  [[nodiscard]] bool done() const { return position_ >= text_.size(); }
  [[nodiscard]] std::size_t line() const { return line_; }

  bool next(Row& row) {
    row.fields.clear();
    row.unterminated = 0;
    row.stray_quote = false;
    row.to_end.clear();
    // Skip blank lines between rows.
    while (position_ < text_.size() && (text_[position_] == '\n' || text_[position_] == '\r')) end_of_line();
    if (position_ >= text_.size()) return false;
    row.line = line_;
    const std::size_t row_start = position_, row_line = line_;
    std::string field;
    while (true) {
      field.clear();
      std::size_t p = position_;
      while (p < text_.size() && text_[p] == ' ') ++p;  // blanks before an opening quote
      if (p < text_.size() && text_[p] == '"') {
        position_ = p + 1;
        const std::size_t quote_line = line_;
        bool closed = false;
        while (position_ < text_.size()) {
          const char c = text_[position_];
          if (c == '"') {
            if (position_ + 1 < text_.size() && text_[position_ + 1] == '"') {
              field += '"';
              position_ += 2;
              continue;
            }
            ++position_;
            closed = true;
            break;
          }
          if (c == '\n' || c == '\r') {
            const std::size_t before = position_;
            end_of_line();
            field.append(text_.substr(before, position_ - before));
            continue;
          }
          const std::size_t run = text_.find_first_of("\"\r\n", position_);
          const std::size_t stop = run == std::string_view::npos ? text_.size() : run;
          field.append(text_.substr(position_, stop - position_));
          position_ = stop;
        }
        if (!closed) {
          // The quote never closes: a stray quote (the next line starts over) or a file cut short
          // inside the field (the caller tells which; the row as read to the end is kept).
          row.to_end = row.fields;
          row.to_end.push_back(field);
          row.unterminated = quote_line;
          position_ = row_start;
          line_ = row_line;
          while (position_ < text_.size() && text_[position_] != '\n' && text_[position_] != '\r') ++position_;
          if (position_ < text_.size()) end_of_line();
          return true;
        }
        // Text after the closing quote ("abc"def): kept, as spreadsheets do.
        const std::size_t stop = text_.find_first_of(stops_, position_);
        const std::size_t end = stop == std::string_view::npos ? text_.size() : stop;
        if (!trim(text_.substr(position_, end - position_)).empty()) {
          row.stray_quote = true;
          field.append(text_.substr(position_, end - position_));
        }
        position_ = end;
      } else {
        const std::size_t stop = text_.find_first_of(stops_, position_);
        const std::size_t end = stop == std::string_view::npos ? text_.size() : stop;
        field.assign(text_.substr(position_, end - position_));
        position_ = end;
      }
      row.fields.push_back(field);
      if (position_ >= text_.size()) return true;
      if (text_[position_] == delimiter_) {
        ++position_;
        continue;
      }
      end_of_line();
      return true;
    }
  }

 private:
  void end_of_line() {
    if (text_[position_] == '\r' && position_ + 1 < text_.size() && text_[position_ + 1] == '\n') ++position_;
    ++position_;
    ++line_;
  }
  std::string_view text_;
  char delimiter_;
  std::string stops_;  // the delimiter and the line ends
  std::size_t position_ = 0;
  std::size_t line_ = 1;
};

// Web of Science tab-delimited files name their columns by the plain-text tags (PT, AU, TI, ...).
bool wos_header(const std::vector<std::string>& header) {
  bool ti = false, ut_or_au = false;
  for (const auto& h : header) {
    const auto t = trim(h);
    if (t.empty()) continue;
    if (t.size() != 2 || !(t[0] >= 'A' && t[0] <= 'Z')) return false;
    ti = ti || t == "TI";
    ut_or_au = ut_or_au || t == "UT" || t == "AU";
  }
  return ti && ut_or_au;
}

// After a row whose quote never closes: true when the lines after it read as whole rows of the
// header's width (the quote was a stray one and the rows below are good), false when they do not
// (they are the rest of the field, in a file cut short inside it) or when there are none.
bool rest_reads_as_rows(const RowReader& reader, std::size_t width) {
  RowReader rest = reader;
  Row row;
  std::size_t rows = 0;
  while (rest.next(row)) {
    if (row.fields.size() == 1 && trim(row.fields[0]).empty()) continue;
    if (row.unterminated || row.fields.size() != width) return false;
    ++rows;
  }
  return rows > 0;  // nothing below: the file ends in this row
}

}  // namespace

void read_delimited(std::string_view text, char delimiter, Context& context) {
  Lines first_lines(text);
  std::string_view line;
  std::size_t skip_bytes = 0;
  std::size_t skip_lines = 0;
  std::string default_type;
  // EndNote's tab-delimited import format starts with the reference type ("*Journal Article");
  // Excel may start with "sep=,".
  while (first_lines.next(line)) {
    const auto t = trim(line);
    if (t.empty()) {
      skip_bytes = first_lines.offset();
      skip_lines = first_lines.number();
      continue;
    }
    if (t[0] == '*' && t.find(delimiter) == std::string_view::npos) {
      default_type = std::string(trim(t.substr(1)));
    } else if (t.substr(0, 4) == "sep=" && t.size() == 5) {
    } else {
      break;
    }
    skip_bytes = first_lines.offset();
    skip_lines = first_lines.number();
  }
  RowReader reader(text.substr(skip_bytes), delimiter);
  Row header;
  if (!reader.next(header) || header.unterminated) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: the header line of the table cannot be read (a quote that never closes)",
                            context.at(skip_lines + 1)));
  }
  const Dialect dialect = wos_header(header.fields) ? Dialect::kWos : Dialect::kColumn;
  std::vector<const Synonym*> columns;
  bool title = false;
  std::vector<std::string> names;
  for (const auto& h : header.fields) {
    const std::string_view name = trim(h);
    names.emplace_back(name);
    const Synonym* s = dialect == Dialect::kWos ? find_synonym(dialect, name)
                                                : find_synonym(dialect, normalise_column(name));
    title = title || (s && s->field == Field::kTitle);
    columns.push_back(s);
  }
  if (!title) {
    std::string shown;
    for (std::size_t i = 0; i < names.size() && i < 12; ++i) shown += (i ? ", " : "") + excerpt(names[i]);
    if (names.size() > 12) shown += fmt::format(", ... ({} columns)", names.size());
    throw NotRecordsError(fmt::format("{}: not a records export: a table without a title column (columns: {}). carta reads "
                            "{}; a table of records needs a column named Title (or Article Title, Document Title)",
                            context.source(), shown, kFormatsRead));
  }
  static constexpr Synonym kDefaultType{Dialect::kColumn, "*", Field::kType, Split::kNone, 9};
  RecordBuilder builder;
  Row row;
  bool stray_noted = false;
  const std::size_t offset = skip_lines;
  while (reader.next(row)) {
    const std::size_t n = row.line + offset;
    bool last = false;
    if (row.unterminated && !rest_reads_as_rows(reader, columns.size())) {
      // The file ends inside this quoted field (a download cut short): what there is of the row
      // is kept, and nothing follows (the lines below are inside the field).
      context.cut_short(n, fmt::format("the file ends inside a quoted field opened on line {}", row.unterminated + offset));
      row.fields = std::move(row.to_end);
      row.unterminated = 0;
      last = true;
    }
    if (row.unterminated) {
      context.skip(n, fmt::format("a quote opened on line {} never closes", row.unterminated + offset));
      continue;
    }
    if (row.fields.size() == 1 && trim(row.fields[0]).empty()) continue;
    if (row.fields.size() > columns.size()) {
      const bool extra_empty = std::all_of(row.fields.begin() + static_cast<std::ptrdiff_t>(columns.size()),
                                           row.fields.end(), [](const std::string& f) { return trim(f).empty(); });
      if (!extra_empty) {
        context.skip(n, fmt::format("the row has {} fields, the header {} (a delimiter inside an unquoted field?)",
                                    row.fields.size(), columns.size()));
        continue;
      }
    }
    if (row.stray_quote && !stray_noted) {
      stray_noted = true;
      context.repair(n, "text after a closing quote (\"abc\"def)", "kept as part of the field");
    }
    builder.start(context.at(n));
    if (!default_type.empty()) builder.add(&kDefaultType, default_type);
    for (std::size_t c = 0; c < columns.size() && c < row.fields.size(); ++c) {
      if (columns[c] != nullptr) builder.add(columns[c], row.fields[c]);
    }
    context.keep(builder, n);
    if (last) break;
  }
}

}  // namespace carta::io::records
