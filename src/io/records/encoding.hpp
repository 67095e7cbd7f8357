#pragma once
// Bytes to UTF-8 text for the records readers (private to src/io/records): byte-order marks,
// UTF-16 and UTF-32 converted with iconv (glibc), Windows-1252 bytes in a file that is not valid
// UTF-8 converted likewise, and binary content recognised from the first bytes.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace carta::io::records {

// How many leading bytes binary_kind needs (read_records reads these before the rest).
inline constexpr std::size_t kSniffBytes = 64 * 1024;

// What a file that is not text is ("a PNG image", "an Excel workbook (.xlsx)", "binary data
// (NUL bytes)"), from its first bytes; "" when they look like text (UTF-16 included).
std::string binary_kind(std::string_view head);

struct Decoded {
  std::string storage;              // the converted text, when the bytes were not UTF-8 already
  std::string_view text;            // UTF-8 without a byte-order mark (into storage or the input)
  std::string encoding = "UTF-8";   // what was found: "UTF-8", "UTF-16LE", "Windows-1252", ...
  std::vector<std::string> notes;   // the conversion, when there was one
  std::size_t replaced = 0;         // byte sequences that stood for no character (now U+FFFD)
  std::size_t first_replaced_line = 0;
};

// `bytes` as UTF-8; `bytes` must outlive the result (it may point into them).
Decoded decode_text(std::string_view bytes, const std::string& source);

// The 1-based line of a byte offset (LF, CRLF or a lone CR end a line).
std::size_t line_of(std::string_view text, std::size_t offset);

}  // namespace carta::io::records
