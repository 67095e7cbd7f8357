// Web of Science plain text (.ciw, "Other reference software" .txt; also Zoological Record and
// the other Web of Science databases): an "FN"/"VR" header, records from "PT J" to "ER", "EF" at
// the end; two-letter tags, continuation lines indented by three blanks (one author per line,
// keywords and abstracts wrapped). Several exports joined into one file are read as one.

#include <fmt/format.h>

#include "../text.hpp"
#include "reader.hpp"

namespace carta::io::records {

void read_wos(std::string_view text, Context& context) {
  Lines lines(text);
  RecordBuilder builder;
  bool open = false;
  std::size_t open_line = 0;
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t n = lines.number();
    if (line.size() > 0 && (line[0] == ' ' || line[0] == '\t')) {
      if (detail::trim(line).empty()) continue;
      if (open) {
        builder.more(line);
      } else {
        context.outside(n, line);
      }
      continue;
    }
    if (line.empty()) continue;
    if (is_wos_tag_line(line)) {
      const std::string_view tag = line.substr(0, 2);
      const std::string_view value = line.size() > 3 ? line.substr(3) : std::string_view{};
      if (!open && (tag == "FN" || tag == "VR" || tag == "EF")) continue;  // file header and end
      if (tag == "ER") {
        if (open) {
          context.keep(builder, open_line);
          open = false;
        } else {
          context.outside(n, line);
        }
        continue;
      }
      if (tag == "EF") {
        context.repair(open_line, fmt::format("the record has no ER line before EF (line {})", n), "it is closed there");
        context.keep(builder, open_line);
        open = false;
        continue;
      }
      if (tag == "PT" && open) {
        context.repair(open_line, fmt::format("the record has no ER line before the next PT (line {})", n),
                       "it is closed there");
        context.keep(builder, open_line);
        open = false;
      }
      if (!open) {
        if (tag != "PT") {
          context.repair(n, fmt::format("tag {} before the PT line that starts every Web of Science record", tag),
                         "a record is started here");
        }
        builder.start(context.at(n));
        open = true;
        open_line = n;
      }
      builder.tag(find_synonym(Dialect::kWos, tag), value);
      continue;
    }
    if (!open) {
      context.outside(n, line);
      continue;
    }
    context.repair(n,
                   fmt::format("'{}' is neither a tag line nor a continuation line (indented by three blanks)",
                               detail::excerpt(detail::trim(line))),
                   "read as a continuation of the field above");
    builder.more(line);
  }
  if (open) {
    context.cut_short(open_line, "the last record has no ER line");
    context.keep(builder, open_line);
  }
}

}  // namespace carta::io::records
