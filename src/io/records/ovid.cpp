// Ovid (MEDLINE, Embase, PsycINFO, ...): "<1. >" opens each record. The layouts for reference
// managers (Citavi, EndNote, Reference Manager; fields "Complete Reference") write "XX  - value"
// lines, continued on indented or unindented lines (Embase wraps abstracts without indent); Ovid's
// own display layout writes a field name on a line and its value on the indented lines below.
// Lines before the first record (the search history) are not records.

#include "../text.hpp"
#include "reader.hpp"

namespace carta::io::records {

void read_ovid(std::string_view text, Context& context) {
  Lines lines(text);
  RecordBuilder builder;
  bool open = false, layout_known = false, labelled = false;
  std::size_t open_line = 0;
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t n = lines.number();
    if (is_ovid_record_start(line)) {
      if (open) context.keep(builder, open_line);
      builder.start(context.at(n));
      open = true;
      open_line = n;
      layout_known = false;
      continue;
    }
    if (detail::trim(line).empty()) continue;
    if (!open) {
      context.outside(n, line);
      continue;
    }
    if (!layout_known) {
      labelled = !is_medline_tag_line(line);
      layout_known = true;
    }
    if (!labelled) {
      if (is_medline_tag_line(line)) {
        std::string tag(detail::trim(line.substr(0, 4)));
        for (char& c : tag) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
        builder.tag(find_synonym(Dialect::kOvid, tag), line.substr(5));
      } else {
        builder.more(line);
      }
    } else if (line[0] != ' ' && line[0] != '\t') {
      builder.tag(find_synonym(Dialect::kOvid, normalise_column(line)), {});
    } else {
      builder.more(line);
    }
  }
  if (open) context.keep(builder, open_line);
}

}  // namespace carta::io::records
