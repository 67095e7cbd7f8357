#pragma once
// Delimited text tables (CSV per RFC 4180, or TSV) read into memory as strings, with the line
// each row starts on so that every later message can point at file:line:column.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace carta::io {

struct Table {
  std::string source;                           // file name as given, for messages
  std::vector<std::string> header;              // trimmed column names
  std::vector<std::vector<std::string>> rows;   // raw field text, quotes removed
  std::vector<std::size_t> lines;               // 1-based line on which each row starts
  char delimiter = ',';                         // as read: ',', ';' (chosen from the header) or tab
  std::vector<std::string> notes;               // "file: read as semicolon-separated ...", for the user

  // Index of the column named `name`. Throws carta::Error (kInvalidInput) naming the columns
  // that exist (and the closest match) when it is missing, or when the name is ambiguous.
  [[nodiscard]] std::size_t column(std::string_view name) const;
};

// A cell's value as the loaders read labels, keys and numbers: without the blanks (space, tab, CR,
// LF) around it. Empty when the cell is blank.
std::string_view cell_value(std::string_view cell);

// Parses `text`. Handles a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields with
// embedded delimiters, quotes ("") and newlines; skips blank lines. Throws carta::Error
// (kInvalidInput) with source:line:column for an unterminated quote, a stray quote, a row
// whose field count differs from the header's, NUL bytes, UTF-16 or invalid UTF-8. delimiter '\0':
// chosen from the header line as read_table does for a .csv (a comma, or a semicolon with
// decimal commas read as points).
Table parse_delimited(std::string_view text, char delimiter, std::string source);

// Reads a file; the delimiter is a tab for .tsv/.tab, else a comma, or a semicolon when the
// header line has more semicolons than commas (a European Excel's CSV): then "2,5" is read as
// 2.5, "1.234" is refused as ambiguous, and `notes` says so. A spreadsheet (.xlsx, .xls, .ods),
// an image or an archive is refused with what it is and "save it as CSV UTF-8".
// Throws carta::Error (kIo) when the file cannot be read.
Table read_table(const std::filesystem::path& path);

// Reads a delimited file a row at a time in bounded memory (a 1 MiB piece at a time), for
// tables too large to hold: carta pool --by streams millions of rows through it. Same rules and
// messages as read_table, which is built on it.
class TableReader {
 public:
  // Opens the file and reads up to the header; `piece` is the read size in bytes (tests use
  // tiny pieces to cut every construct at a boundary). Throws carta::Error (kIo, kInvalidInput).
  explicit TableReader(const std::filesystem::path& path, std::size_t piece = std::size_t{1} << 20);
  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // The header and source with no rows: for Table::column and for messages.
  [[nodiscard]] const Table& columns() const;

  // Moves the next data row into `row` and the line it starts on into `line`; false at the end.
  // Throws carta::Error (kInvalidInput) at the first malformed row, as read_table does.
  bool next(std::vector<std::string>& row, std::size_t& line);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace carta::io
