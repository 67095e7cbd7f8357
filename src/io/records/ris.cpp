// RIS (Research Information Systems' tagged format), as databases and reference managers write it:
// "TY  - JOUR" ... "ER  - ". Lines that are not tag lines continue the field above them (Web of
// Science, Scopus and EndNote wrap N1, AB, AD and KW this way; a wrapped KW line is another
// keyword); tags may be lower case; "1." and "Record #1 of 2" lines above records are skipped;
// "TY - JOUR" with one blank is read when the file writes its TY lines that way.

#include <fmt/format.h>

#include "../text.hpp"
#include "reader.hpp"

namespace carta::io::records {

namespace {

// "TY - JOUR": one blank before the dash (a few writers).
bool is_loose_ris_tag_line(std::string_view line) {
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  auto alnum = [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); };
  if (line.size() < 4 || !alpha(line[0]) || !alnum(line[1]) || line[2] != ' ' || line[3] != '-') return false;
  return line.size() == 4 || line[4] == ' ';
}

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

void read_ris(std::string_view text, Context& context) {
  Lines lines(text);
  RecordBuilder builder;
  bool open = false, loose = false;
  std::size_t open_line = 0;
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t n = lines.number();
    std::size_t value_at = 0;
    if (is_ris_tag_line(line)) {
      value_at = 5;
    } else if (is_loose_ris_tag_line(line)) {
      // One blank before the dash is the file's style only when its first TY line has it;
      // otherwise "of - the" in an abstract would be read as a tag.
      if (!loose && !open && upper(line[0]) == 'T' && upper(line[1]) == 'Y') loose = true;
      if (loose) value_at = 4;
    }
    if (value_at > 0) {
      const char tag[2] = {upper(line[0]), upper(line[1])};
      const std::string_view name(tag, 2);
      const std::string_view value = line.substr(value_at);
      if (name == "TY") {
        if (open) {
          context.repair(open_line, fmt::format("the record has no ER line before the next TY (line {})", n),
                         "it is closed there");
          context.keep(builder, open_line);
        }
        builder.start(context.at(n));
        open = true;
        open_line = n;
      } else if (name == "ER") {
        if (open) {
          context.keep(builder, open_line);
          open = false;
        } else {
          context.outside(n, line);
        }
        continue;
      } else if (!open) {
        context.repair(n, fmt::format("tag {} before any TY line (every RIS record starts with TY  - )", name),
                       "a record is started here");
        builder.start(context.at(n));
        open = true;
        open_line = n;
      }
      builder.tag(find_synonym(Dialect::kRis, name), value);
      continue;
    }
    if (detail::trim(line).empty()) continue;
    if (!open && is_ris_record_number(line)) continue;
    if (open) {
      builder.more(line);
    } else {
      context.outside(n, line);
    }
  }
  if (open) {
    context.cut_short(open_line, "the last record has no ER line");
    context.keep(builder, open_line);
  }
}

}  // namespace carta::io::records
