// EndNote XML as EndNote, Zotero and Mendeley write it: <xml><records><record>...</record>...,
// each field an element (text often wrapped in <style> elements), parsed with pugixml. A file
// that is not well-formed (a record with a broken tag, a file cut short) is read record by
// record, so that one broken record costs that record only.

#include <fmt/format.h>

#include <pugixml.hpp>

#include <algorithm>

#include "../text.hpp"
#include "reader.hpp"

namespace carta::io::records {

namespace {

// Line and column of byte offsets, from one pass over the text.
class Positions {
 public:
  explicit Positions(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }
  [[nodiscard]] std::size_t line(std::size_t offset) const {
    return static_cast<std::size_t>(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) -
                                    line_starts_.begin()) + 1;
  }
  [[nodiscard]] std::size_t column(std::size_t offset) const {
    const auto l = line(offset);
    return offset - (l >= 2 ? line_starts_[l - 2] : 0) + 1;
  }
  [[nodiscard]] bool one_line() const { return line_starts_.empty(); }

 private:
  std::vector<std::size_t> line_starts_;
};

// The text of an element and all its descendants (<title><style>A</style><style>B</style>).
void collect_text(const pugi::xml_node& node, std::string& out) {
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out += child.value();
    } else if (child.type() == pugi::node_element) {
      collect_text(child, out);
    }
  }
}

bool has_element_children(const pugi::xml_node& node) {
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_element && std::string_view(child.name()) != "style") return true;
  }
  return false;
}

void visit(const pugi::xml_node& node, std::string_view parent, RecordBuilder& builder) {
  std::string key;
  for (const auto& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = child.name();
    key.assign(parent);
    key += '/';
    key += name;
    const Synonym* s = find_synonym(Dialect::kEndnoteXml, key);
    if (s == nullptr) s = find_synonym(Dialect::kEndnoteXml, name);
    if (s != nullptr) {
      std::string text;
      if (s->field == Field::kType && child.attribute("name")) {
        text = child.attribute("name").value();  // <ref-type name="Journal Article">17</ref-type>
      } else {
        collect_text(child, text);
      }
      // Several keywords in one element, one per line (EndNote): each is a keyword.
      if (s->split == Split::kPerLine && text.find_first_of("\r\n") != std::string::npos) {
        Lines lines(text);
        std::string_view line;
        while (lines.next(line)) builder.add(s, line);
      } else {
        builder.add(s, text);
      }
    } else if (has_element_children(child)) {
      visit(child, name, builder);
    }
  }
}

class XmlReader {
 public:
  XmlReader(std::string_view text, Context& context) : text_(text), context_(context), positions_(text) {}

  void read() {
    pugi::xml_document doc;
    const auto result = doc.load_buffer(text_.data(), text_.size(), pugi::parse_default, pugi::encoding_utf8);
    if (result) {
      pugi::xml_node records = doc.document_element();
      if (std::string_view(records.name()) == "xml") records = records.child("records");
      std::size_t index = 0;
      for (const auto& record : records.children("record")) {
        read_record(record, static_cast<std::size_t>(record.offset_debug()), ++index);
      }
      return;
    }
    const auto at = static_cast<std::size_t>(result.offset);
    context_.repair(positions_.line(at), fmt::format("the XML is not well-formed ({}, column {})", result.description(),
                                                     positions_.column(at)),
                    "each record is read on its own");
    read_one_by_one();
  }

 private:
  std::size_t record_start(std::size_t from) const {
    while (true) {
      const auto at = text_.find("<record", from);
      if (at == std::string_view::npos) return at;
      const char next = at + 7 < text_.size() ? text_[at + 7] : '\0';
      if (next == '>' || next == ' ' || next == '\t' || next == '\n' || next == '\r') return at;
      from = at + 7;  // <records>, <rec-number>
    }
  }

  void read_one_by_one() {
    std::size_t index = 0;
    std::size_t start = record_start(0);
    while (start != std::string_view::npos) {
      ++index;
      const std::size_t next = record_start(start + 7);
      const std::size_t close = text_.find("</record>", start);
      const bool closed = close != std::string_view::npos && (next == std::string_view::npos || close < next);
      const std::size_t end = closed ? close + 9 : (next == std::string_view::npos ? text_.size() : next);
      const std::string_view piece = text_.substr(start, end - start);
      pugi::xml_document doc;
      const auto result = doc.load_buffer(piece.data(), piece.size(), pugi::parse_default, pugi::encoding_utf8);
      const std::size_t line = positions_.line(start);
      if (!closed && next == std::string_view::npos) {
        // The file ends inside this record: what was read of it is kept.
        context_.cut_short(line, fmt::format("record {}: the file ends before </record>", index));
        read_record(doc.child("record"), start, index);
      } else if (!result) {
        context_.skip(line, fmt::format("record {}: XML error: {} (column {})", index, result.description(),
                                        positions_.column(start + static_cast<std::size_t>(result.offset))));
      } else {
        read_record(doc.child("record"), start, index);
      }
      start = next;
    }
  }

  void read_record(const pugi::xml_node& record, std::size_t offset, std::size_t index) {
    const std::size_t line = positions_.line(offset);
    const std::string source = positions_.one_line()
                                   ? fmt::format("{}:1:{}", context_.source(), positions_.column(offset))
                                   : context_.at(line);
    RecordBuilder builder;
    builder.start(source);
    visit(record, "record", builder);
    std::string why;
    auto r = builder.finish(why);
    if (!why.empty()) {
      context_.skip(line, fmt::format("record {}: {}", index, why));
      return;
    }
    context_.add(std::move(r));
  }

  std::string_view text_;
  Context& context_;
  Positions positions_;
};

}  // namespace

void read_endnote_xml(std::string_view text, Context& context) { XmlReader(text, context).read(); }

}  // namespace carta::io::records
