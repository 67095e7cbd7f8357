// PubMed MEDLINE (.nbib, .txt): "PMID- 123" opens a record, "TAG - value" lines (tags of up to
// four letters, padded to four), every field continued on lines indented by blanks (PubMed wraps
// TI, AB, AD, MH, ... at 80 columns), a blank line between records.

#include <fmt/format.h>

#include "../text.hpp"
#include "reader.hpp"

namespace carta::io::records {

void read_medline(std::string_view text, Context& context) {
  Lines lines(text);
  RecordBuilder builder;
  bool open = false;
  std::size_t open_line = 0;
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t n = lines.number();
    if (detail::trim(line).empty()) {
      if (open) context.keep(builder, open_line);
      open = false;
      continue;
    }
    if (is_medline_tag_line(line)) {
      const std::string_view tag = detail::trim(line.substr(0, 4));
      if (tag == "PMID" && open) context.keep(builder, open_line);  // no blank line between records
      if (tag == "PMID" || !open) {
        builder.start(context.at(n));
        open = true;
        open_line = n;
      }
      builder.tag(find_synonym(Dialect::kMedline, tag), line.substr(5));
      continue;
    }
    if (!open) {
      context.outside(n, line);
      continue;
    }
    if (line[0] != ' ' && line[0] != '\t') {
      context.repair(n,
                     fmt::format("'{}' is not a MEDLINE line (TAG - value) and is not indented as continuation "
                                 "lines are",
                                 detail::excerpt(detail::trim(line))),
                     "read as a continuation of the field above");
    }
    builder.more(line);
  }
  if (open) context.keep(builder, open_line);
}

}  // namespace carta::io::records
