#include "carta/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "carta/error.hpp"
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
  const std::string& src = table.source;

  if (text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF && static_cast<unsigned char>(text[1]) == 0xFE) ||
                           (static_cast<unsigned char>(text[0]) == 0xFE && static_cast<unsigned char>(text[1]) == 0xFF))) {
    fail(src, 1, 1, "the file is UTF-16 encoded; save it as UTF-8 (CSV UTF-8 in Excel) and try again");
  }
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (trim(text).empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: the file is empty; it needs a header row naming the columns", src));
  }

  // One pass over the bytes: a small state machine for RFC 4180 fields.
  std::vector<std::string> record;
  std::string field;
  std::size_t line = 1;
  std::size_t column = 1;           // byte column on the current line, for messages
  std::size_t record_line = 1;
  bool in_quotes = false;
  bool field_was_quoted = false;
  bool after_closing_quote = false;
  std::size_t quote_line = 0;
  std::size_t quote_column = 0;
  bool header_done = false;

  auto finish_record = [&](std::size_t end_line) {
    record.push_back(field_was_quoted ? field : std::string(trim(field)));
    field.clear();
    field_was_quoted = false;
    after_closing_quote = false;
    const bool blank = record.size() == 1 && record[0].empty();
    if (!blank) {
      if (!header_done) {
        for (auto& h : record) h = std::string(trim(h));
        table.header = std::move(record);
        header_done = true;
      } else {
        if (record.size() != table.header.size()) {
          fail(src, record_line, 1,
               fmt::format("this row has {} fields but the header has {}; check for a missing or "
                           "extra '{}' or an unquoted field that contains one",
                           record.size(), table.header.size(), delimiter == '\t' ? "tab" : ","));
        }
        table.rows.push_back(std::move(record));
        table.lines.push_back(record_line);
      }
    }
    record.clear();
    record_line = end_line;
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') fail(src, line, column, "NUL byte: this looks like a binary file, not CSV/TSV text");
    const auto uc = static_cast<unsigned char>(c);
    if (uc >= 0x80) {
      const std::size_t len = utf8_length(text, i);
      if (len == 0) {
        fail(src, line, column,
             fmt::format("invalid UTF-8 byte 0x{:02X}; save the file as UTF-8", static_cast<unsigned>(uc)));
      }
      field.append(text.substr(i, len));
      i += len - 1;
      ++column;
      continue;
    }
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
          column += 2;
          continue;
        }
        in_quotes = false;
        after_closing_quote = true;
        ++column;
        continue;
      }
      if (c == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF inside quotes
      field.push_back(c);
      continue;
    }
    if (c == delimiter) {
      record.push_back(field_was_quoted ? field : std::string(trim(field)));
      field.clear();
      field_was_quoted = false;
      after_closing_quote = false;
      ++column;
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      column = 1;
      finish_record(line);
      continue;
    }
    if (c == '"') {
      if (trim(field).empty() && !field_was_quoted) {
        in_quotes = true;
        field_was_quoted = true;
        field.clear();
        quote_line = line;
        quote_column = column;
        ++column;
        continue;
      }
      fail(src, line, column,
           "a quote inside an unquoted field; quote the whole field and double inner quotes "
           "(\"like \"\"this\"\"\")");
    }
    if (after_closing_quote) {
      if (c == ' ' || c == '\t') {
        ++column;
        continue;
      }
      fail(src, line, column,
           fmt::format("text after a closing quote; a quoted field must end at the quote, before "
                       "the next '{}'",
                       delimiter == '\t' ? "tab" : ","));
    }
    field.push_back(c);
    ++column;
  }
  if (in_quotes) {
    fail(src, quote_line, quote_column,
         "this quote is never closed; add the closing quote or remove this one");
  }
  if (!field.empty() || field_was_quoted || !record.empty()) finish_record(line);
  if (!header_done) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no header row found", src));
  }
  return table;
}

Table read_table(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCategory::kIo,
                fmt::format("{}: cannot open the file (does it exist, and is it readable?)", path.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: error while reading the file", path.string()));
  }
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const char delimiter = (ext == ".tsv" || ext == ".tab") ? '\t' : ',';
  return parse_delimited(buffer.str(), delimiter, path.string());
}

}  // namespace carta::io
