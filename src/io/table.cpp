#include "carta/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "carta/error.hpp"
#include "records/encoding.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::edit_distance;
using detail::trim;

[[noreturn]] void fail(const std::string& source, std::size_t line, std::size_t column,
                       const std::string& what) {
  throw Error(ErrorCategory::kInvalidInput, fmt::format("{}:{}:{}: {}", source, line, column, what));
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  unsigned min_value = 0;
  unsigned value = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) { len = 2; value = c & 0x1Fu; min_value = 0x80; }
  else if ((c & 0xF0) == 0xE0) { len = 3; value = c & 0x0Fu; min_value = 0x800; }
  else if ((c & 0xF8) == 0xF0) { len = 4; value = c & 0x07u; min_value = 0x10000; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t j = 1; j < len; ++j) {
    const auto cc = static_cast<unsigned char>(s[i + j]);
    if ((cc & 0xC0) != 0x80) return 0;
    value = (value << 6) | (cc & 0x3Fu);
  }
  if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  return len;
}

// An RFC 4180 state machine that can be fed a file in pieces: parse() consumes what it can
// decide without the bytes that follow and leaves the rest (at most a few bytes: a CR, a quote,
// a UTF-8 sequence cut by the piece boundary) to be passed again with the next piece. Rows go
// to `table` as they complete, so a reader can drain them and keep memory bounded.
// A cell such as "2,5" or "-0,75": a number written with a decimal comma.
bool is_decimal_comma(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  const std::size_t comma = t.find(',');
  if (comma == std::string_view::npos || comma == 0 || comma + 1 == t.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i != comma && (t[i] < '0' || t[i] > '9')) return false;
  }
  return true;
}

// A cell such as "1.234" or "12.345.678": digits grouped in threes by dots, which a European
// spreadsheet writes for thousands, and an English one for decimals.
bool is_dot_grouped(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  const std::size_t dot = t.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 3) return false;
  for (std::size_t i = 0; i < dot; ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  for (std::size_t i = dot; i < t.size(); i += 4) {
    if (t[i] != '.' || i + 4 > t.size()) return false;
    for (std::size_t k = i + 1; k < i + 4; ++k) {
      if (t[k] < '0' || t[k] > '9') return false;
    }
  }
  return true;
}

// How many leading bytes are looked at for the kind of file (a spreadsheet, an image) before
// the first row is parsed.
constexpr std::size_t kSniffHead = 4096;

class DelimitedParser {
 public:
  // `delimiter` '\0': a comma, or a semicolon when the header line has more of them (a CSV
  // saved by a European Excel, whose numbers have decimal commas).
  DelimitedParser(char delimiter, Table& table) : table_(table) { set_delimiter(delimiter == '\0' ? ',' : delimiter); choose_ = delimiter == '\0'; }

  [[nodiscard]] bool header_done() const { return header_done_; }

  // Parses a prefix of `text` and returns its length; `last` says no bytes follow.
  std::size_t parse(std::string_view text, bool last) {
    const std::string& src = table_.source;
    std::size_t i = 0;
    if (!started_) {
      if (text.size() < 3 && !last) return 0;
      if (text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF && static_cast<unsigned char>(text[1]) == 0xFE) ||
                               (static_cast<unsigned char>(text[0]) == 0xFE && static_cast<unsigned char>(text[1]) == 0xFF))) {
        fail(src, 1, 1, "the file is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in Excel) and try again");
      }
      if (text.size() < kSniffHead && !last) return 0;
      // A spreadsheet, an image or an archive says what it is (the parser's own checks give the
      // line and column of a NUL or control byte in a text file).
      if (const auto kind = records::binary_kind(text.substr(0, std::min(text.size(), kSniffHead)));
          !kind.empty() && !kind.starts_with("binary data")) {
        fail(src, 1, 1,
             fmt::format("the file is {}, not a CSV/TSV text table{}", kind,
                         kind.find("save it as") != std::string::npos ? "" : "; give the data as CSV UTF-8"));
      }
      if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
      if (choose_) {
        // The header line decides: wait until it is whole (or the input ends).
        std::size_t start = i;
        while (start < text.size() && (text[start] == '\n' || text[start] == '\r' || text[start] == ' ')) ++start;
        const std::size_t end = text.find_first_of("\r\n", start);
        if (end == std::string_view::npos && !last) return 0;
        std::size_t commas = 0, semicolons = 0;
        bool quoted = false;
        for (const char c : text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)) {
          if (c == '"') quoted = !quoted;
          if (quoted) continue;
          commas += c == ',';
          semicolons += c == ';';
        }
        if (semicolons > commas) {
          set_delimiter(';');
          table_.notes.push_back(fmt::format(
              "{}: read as semicolon-separated (as a European Excel saves CSV); numbers with a decimal comma "
              "(2,5) are read as 2.5",
              src));
        }
        choose_ = false;
      }
      table_.delimiter = delimiter_;
      started_ = true;
    }
    const std::size_t size = text.size();
    for (; i < size; ++i) {
      const char c = text[i];
      const auto uc = static_cast<unsigned char>(c);
      // Runs of ordinary bytes are copied at once: most of a table is plain ASCII.
      if (!in_quotes_ && !after_closing_quote_ && plain_[uc]) {
        std::size_t j = i + 1;
        while (j < size && plain_[static_cast<unsigned char>(text[j])]) ++j;
        field_.append(text.data() + i, j - i);
        if (!saw_content_) saw_content_ = !trim(text.substr(i, j - i)).empty();
        column_ += j - i;
        i = j - 1;
        continue;
      }
      if (in_quotes_ && quoted_plain_[uc]) {
        std::size_t j = i + 1;
        while (j < size && quoted_plain_[static_cast<unsigned char>(text[j])]) ++j;
        field_.append(text.data() + i, j - i);
        saw_content_ = true;
        column_ += j - i;
        i = j - 1;
        continue;
      }
      if (c == '\0') fail(src, line_, column_, "NUL byte: this looks like a binary file, not CSV/TSV text");
      if (uc >= 0x80) {
        const std::size_t expected = (uc & 0xE0) == 0xC0 ? 2 : (uc & 0xF0) == 0xE0 ? 3 : (uc & 0xF8) == 0xF0 ? 4 : 1;
        if (i + expected > size && !last) return i;
        const std::size_t len = utf8_length(text, i);
        if (len == 0) {
          fail(src, line_, column_,
               fmt::format("invalid UTF-8 byte 0x{:02X}; save the file as UTF-8", static_cast<unsigned>(uc)));
        }
        if (after_closing_quote_) {
          fail(src, line_, column_,
               fmt::format("text after a closing quote; a quoted field must end at the quote, before the next '{}'",
                           delimiter_name()));
        }
        field_.append(text.substr(i, len));
        saw_content_ = true;
        i += len - 1;
        ++column_;
        continue;
      }
      const bool needs_next = c == '\r' || (in_quotes_ && c == '"');
      if (needs_next && i + 1 == size && !last) return i;
      if (in_quotes_) {
        if (c == '"') {
          if (i + 1 < size && text[i + 1] == '"') {
            field_.push_back('"');
            ++i;
            column_ += 2;
            continue;
          }
          in_quotes_ = false;
          after_closing_quote_ = true;
          ++column_;
          continue;
        }
        if (c == '\n') {
          ++line_;
          column_ = 1;
        } else {
          ++column_;
        }
        if (c == '\r' && i + 1 < size && text[i + 1] == '\n') continue;  // CRLF inside quotes
        field_.push_back(c);
        continue;
      }
      if (c == delimiter_) {
        if (c != '\t') saw_content_ = true;
        end_field();
        ++column_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < size && text[i + 1] == '\n') ++i;
        ++line_;
        column_ = 1;
        finish_record(line_);
        continue;
      }
      if (c == '"') {
        if (trim(field_).empty() && !field_was_quoted_) {
          in_quotes_ = true;
          field_was_quoted_ = true;
          saw_content_ = true;
          field_.clear();
          quote_line_ = line_;
          quote_column_ = column_;
          ++column_;
          continue;
        }
        fail(src, line_, column_,
             "a quote inside an unquoted field; quote the whole field and double inner quotes "
             "(\"like \"\"this\"\"\")");
      }
      // Only spaces and tabs reach here after a closing quote (other bytes took the fast path
      // only when no quote had closed).
      if (after_closing_quote_) {
        if (c == ' ' || c == '\t') {
          ++column_;
          continue;
        }
        fail(src, line_, column_,
             fmt::format("text after a closing quote; a quoted field must end at the quote, before the next '{}'",
                         delimiter_name()));
      }
      field_.push_back(c);
      ++column_;
    }
    return size;
  }

  // The input has ended: closes the last record and checks for an open quote and a header.
  void finish() {
    const std::string& src = table_.source;
    if (in_quotes_) {
      fail(src, quote_line_, quote_column_, "this quote is never closed; add the closing quote or remove this one");
    }
    if (!field_.empty() || field_was_quoted_ || !record_.empty()) finish_record(line_);
    if (!saw_content_) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: the file is empty; it needs a header row naming the columns", src));
    }
    if (!header_done_) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no header row found", src));
  }

 private:
  [[nodiscard]] const char* delimiter_name() const { return delimiter_ == '\t' ? "tab" : delimiter_ == ';' ? ";" : ","; }

  void set_delimiter(char delimiter) {
    delimiter_ = delimiter;
    for (int c = 0; c < 256; ++c) {
      plain_[c] = c != delimiter && c != '\n' && c != '\r' && c != '"' && c != '\0' && c < 0x80;
      quoted_plain_[c] = c != '\n' && c != '\r' && c != '"' && c != '\0' && c < 0x80;
    }
  }

  // In a semicolon-separated file, "2,5" is 2.5; "1.234" could be 1234 (European thousands) or
  // 1.234, so it is refused rather than guessed.
  void read_decimal_commas() {
    for (std::size_t j = 0; j < record_.size(); ++j) {
      std::string& cell = record_[j];
      const std::string_view t = trim(cell);
      if (is_decimal_comma(t)) {
        std::string number(t);
        number[number.find(',')] = '.';
        cell = std::move(number);
      } else if (is_dot_grouped(t)) {
        fail(table_.source, record_line_, 1,
             fmt::format("column '{}': '{}' in a semicolon-separated file (decimal commas) could be a number with "
                         "thousands separators or a decimal; write it without the dots, or with a decimal comma",
                         j < table_.header.size() ? table_.header[j] : std::to_string(j + 1), t));
      }
    }
  }

  void end_field() {
    if (field_was_quoted_) {
      record_.push_back(std::move(field_));
    } else {
      const std::string_view t = trim(field_);
      if (t.size() == field_.size()) {
        record_.push_back(std::move(field_));
      } else {
        record_.emplace_back(t);
      }
    }
    field_.clear();
    field_was_quoted_ = false;
    after_closing_quote_ = false;
  }

  void finish_record(std::size_t end_line) {
    end_field();
    const bool blank = record_.size() == 1 && record_[0].empty();
    if (!blank) {
      if (!header_done_) {
        for (auto& h : record_) h = std::string(trim(h));
        table_.header = std::move(record_);
        header_done_ = true;
      } else {
        if (record_.size() != table_.header.size()) {
          fail(table_.source, record_line_, 1,
               fmt::format("this row has {} fields but the header has {}; check for a missing or "
                           "extra '{}' or an unquoted field that contains one",
                           record_.size(), table_.header.size(), delimiter_name()));
        }
        if (delimiter_ == ';') read_decimal_commas();
        table_.rows.push_back(std::move(record_));
        table_.lines.push_back(record_line_);
      }
    }
    record_.clear();
    record_.reserve(table_.header.size());
    record_line_ = end_line;
  }

  char delimiter_ = ',';
  bool choose_ = false;
  Table& table_;
  bool plain_[256] = {};
  bool quoted_plain_[256] = {};
  bool started_ = false;
  bool saw_content_ = false;
  std::vector<std::string> record_;
  std::string field_;
  std::size_t line_ = 1;
  std::size_t column_ = 1;  // byte column on the current line, for messages
  std::size_t record_line_ = 1;
  bool in_quotes_ = false;
  bool field_was_quoted_ = false;
  bool after_closing_quote_ = false;
  std::size_t quote_line_ = 0;
  std::size_t quote_column_ = 0;
  bool header_done_ = false;
};

char delimiter_for(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return (ext == ".tsv" || ext == ".tab") ? '\t' : '\0';
}

}  // namespace

std::size_t Table::column(std::string_view name) const {
  std::vector<std::size_t> hits;
  for (std::size_t j = 0; j < header.size(); ++j) {
    if (header[j] == name) hits.push_back(j);
  }
  if (hits.size() == 1) return hits.front();
  if (hits.size() > 1) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: column '{}' appears {} times (columns {} and {}); rename one of them",
                            source, name, hits.size(), hits[0] + 1, hits[1] + 1));
  }
  std::string list;
  std::string closest;
  std::size_t best = static_cast<std::size_t>(-1);
  for (const auto& h : header) {
    if (!list.empty()) list += ", ";
    list += h;
    const std::size_t d = edit_distance(name, h);
    if (d < best) {
      best = d;
      closest = h;
    }
  }
  std::string hint;
  if (!closest.empty() && best <= std::max<std::size_t>(2, name.size() / 3)) {
    hint = fmt::format(" Did you mean '{}'?", closest);
  }
  throw Error(ErrorCategory::kInvalidInput,
              fmt::format("{}: no column named '{}'.{} The columns are: {}", source, name, hint, list));
}

Table parse_delimited(std::string_view text, char delimiter, std::string source) {
  Table table;
  table.source = std::move(source);
  DelimitedParser parser(delimiter, table);
  parser.parse(text, true);
  parser.finish();
  return table;
}

struct TableReader::State {
  std::ifstream in;
  Table shape;    // header and source only
  Table pending;  // rows parsed but not yet handed out
  std::size_t next = 0;
  std::string buffer;
  DelimitedParser parser;
  std::size_t piece;
  bool ended = false;

  State(const std::filesystem::path& path, char delimiter, std::size_t piece_bytes)
      : in(path, std::ios::binary), parser(delimiter, pending), piece(std::max<std::size_t>(1, piece_bytes)) {}

  // Parses the next piece of the file; false when the file has ended.
  bool fill() {
    if (ended) return false;
    const std::size_t carried = buffer.size();
    buffer.resize(carried + piece);
    in.read(buffer.data() + carried, static_cast<std::streamsize>(piece));
    if (in.bad()) throw Error(ErrorCategory::kIo, fmt::format("{}: error while reading the file", pending.source));
    buffer.resize(carried + static_cast<std::size_t>(in.gcount()));
    const bool last = in.eof();
    const std::size_t used = parser.parse(buffer, last);
    buffer.erase(0, used);
    if (last) {
      parser.finish();
      ended = true;
    }
    return true;
  }
};

TableReader::TableReader(const std::filesystem::path& path, std::size_t piece)
    : state_(std::make_unique<State>(path, delimiter_for(path), piece)) {
  if (!state_->in) {
    throw Error(ErrorCategory::kIo,
                fmt::format("{}: cannot open the file (does it exist, and is it readable?)", path.string()));
  }
  state_->pending.source = path.string();
  while (!state_->parser.header_done() && state_->fill()) {
  }
  state_->shape.source = state_->pending.source;
  state_->shape.header = state_->pending.header;
  state_->shape.delimiter = state_->pending.delimiter;
  state_->shape.notes = state_->pending.notes;
}

TableReader::~TableReader() = default;

const Table& TableReader::columns() const { return state_->shape; }

bool TableReader::next(std::vector<std::string>& row, std::size_t& line) {
  State& s = *state_;
  while (s.next == s.pending.rows.size()) {
    s.pending.rows.clear();
    s.pending.lines.clear();
    s.next = 0;
    if (!s.fill()) return false;
  }
  row = std::move(s.pending.rows[s.next]);
  line = s.pending.lines[s.next];
  ++s.next;
  return true;
}

Table read_table(const std::filesystem::path& path) {
  TableReader reader(path);
  Table table = reader.columns();
  std::vector<std::string> row;
  std::size_t line = 0;
  while (reader.next(row, line)) {
    table.rows.push_back(std::move(row));
    table.lines.push_back(line);
  }
  return table;
}

std::string_view cell_value(std::string_view cell) { return detail::trim(cell); }

}  // namespace carta::io
