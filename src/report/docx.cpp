#include "docx.hpp"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <sstream>

#include "carta/error.hpp"
#include "carta/version.hpp"

namespace carta::report {

namespace {

constexpr const char* kW = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
constexpr const char* kR = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr const char* kRelationships = "http://schemas.openxmlformats.org/package/2006/relationships";

// A4 with 2 cm margins, in twentieths of a point; figures in EMU (914,400 per inch, 635 per twip).
constexpr int kPageWidth = 11906, kPageHeight = 16838, kMargin = 1134;
constexpr int kTextWidth = kPageWidth - 2 * kMargin;
constexpr long long kEmuPerTwip = 635, kEmuPerPixel = 9525;  // a CSS pixel is 1/96 inch
// A figure may fill the text width and at most this much of the page's height (its caption follows).
constexpr long long kMaxFigureHeight = (kPageHeight - 2 * kMargin - 1400) * kEmuPerTwip;

// Valid UTF-8 without the control characters XML 1.0 forbids: each bad byte or control becomes
// U+FFFD, so Word opens the file whatever the data held.
std::string xml_text(std::string_view s) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\n' || c == '\r') {
        out += ' ';  // a line break in a spec's text (a TOML multi-line string) reads as a space
      } else if (c < 0x20 && c != '\t') {
        out += kReplacement;
      } else if (c == 0x7F) {
        out += kReplacement;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      std::uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
      ok = !overlong && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0x80 && cp <= 0x9F) &&
           cp != 0xFFFE && cp != 0xFFFF;
    }
    if (!ok) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string serialise(const pugi::xml_document& xml) {
  std::ostringstream out;
  xml.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + out.str();
}

struct Image {
  std::string name;  // media/imageN.png
  std::string rel;   // rIdN
  std::string bytes;
};

// The PNG's pixel size from its header, to check it is one.
bool png_size(const std::string& bytes, std::uint32_t& w, std::uint32_t& h) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0) return false;
  auto be32 = [&](std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
  };
  w = be32(16);
  h = be32(20);
  return w > 0 && h > 0;
}

// The SVG's size in CSS pixels, read with pugixml.
struct SvgSize {
  double width = 0, height = 0;
};
SvgSize svg_size(const std::string& svg) {
  SvgSize size;
  pugi::xml_document d;
  if (!d.load_buffer(svg.data(), svg.size())) return size;
  size.width = d.child("svg").attribute("width").as_double();
  size.height = d.child("svg").attribute("height").as_double();
  return size;
}

class DocxWriter {
 public:
  DocxWriter(const Document& doc, std::filesystem::path figures_root) : doc_(doc), figures_root_(std::move(figures_root)) {
    auto root = xml_.append_child("w:document");
    root.append_attribute("xmlns:w") = kW;
    root.append_attribute("xmlns:r") = kR;
    root.append_attribute("xmlns:wp") = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
    root.append_attribute("xmlns:a") = "http://schemas.openxmlformats.org/drawingml/2006/main";
    root.append_attribute("xmlns:pic") = "http://schemas.openxmlformats.org/drawingml/2006/picture";
    body_ = root.append_child("w:body");
  }

  void write(const std::filesystem::path& out);

 private:
  const Document& doc_;
  std::filesystem::path figures_root_;
  pugi::xml_document xml_;
  pugi::xml_node body_;
  std::vector<Image> images_;
  std::map<std::string, std::string> bookmarks_;  // heading id -> Word bookmark name
  int bookmark_ids_ = 0;
  int figures_ = 0;

  // Word's bookmark names: a letter first, then letters, digits and '_', at most 40 characters.
  std::string bookmark(const std::string& id) {
    if (const auto it = bookmarks_.find(id); it != bookmarks_.end()) return it->second;
    std::string name = "s_";
    for (const char c : id) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    name.resize(std::min<std::size_t>(name.size(), 36));
    std::string unique = name;
    for (int k = 2; std::any_of(bookmarks_.begin(), bookmarks_.end(), [&](const auto& b) { return b.second == unique; }); ++k) {
      unique = fmt::format("{}{}", name, k);
    }
    return bookmarks_[id] = unique;
  }

  pugi::xml_node paragraph(pugi::xml_node parent, const std::string& style, bool right = false) {
    auto p = parent.append_child("w:p");
    auto ppr = p.append_child("w:pPr");
    if (!style.empty()) ppr.append_child("w:pStyle").append_attribute("w:val") = style.c_str();
    if (right) ppr.append_child("w:jc").append_attribute("w:val") = "right";
    return p;
  }

  static void run(pugi::xml_node parent, std::string_view s, const std::string& char_style = {}, bool bold = false,
                  bool italic = false, bool superscript = false) {
    auto r = parent.append_child("w:r");
    if (!char_style.empty() || bold || italic || superscript) {
      auto rpr = r.append_child("w:rPr");
      if (!char_style.empty()) rpr.append_child("w:rStyle").append_attribute("w:val") = char_style.c_str();
      if (bold) rpr.append_child("w:b");
      if (italic) rpr.append_child("w:i");
      if (superscript) rpr.append_child("w:vertAlign").append_attribute("w:val") = "superscript";
    }
    // A tab is an element of its own in WordprocessingML, not a character of the text.
    const std::string text = xml_text(s);
    std::size_t start = 0;
    while (true) {
      const auto tab = text.find('\t', start);
      const std::string piece = text.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
      if (!piece.empty()) {
        auto t = r.append_child("w:t");
        t.append_attribute("xml:space") = "preserve";
        t.text().set(piece.c_str());
      }
      if (tab == std::string::npos) break;
      r.append_child("w:tab");
      start = tab + 1;
    }
  }

  void spans(pugi::xml_node p, const Inline& content) {
    for (const auto& s : content) {
      if (s.text.empty()) continue;
      pugi::xml_node parent = p;
      std::string style;
      if (!s.link.empty()) {
        parent = p.append_child("w:hyperlink");
        parent.append_attribute("w:anchor") = bookmark(s.link).c_str();
        style = "Hyperlink";
      }
      switch (s.style) {
        case Span::Style::kText: run(parent, s.text, style); break;
        case Span::Style::kCode: run(parent, s.text, "Code"); break;
        case Span::Style::kStrong: run(parent, s.text, style, true); break;
        case Span::Style::kEmphasis: run(parent, s.text, style, false, true); break;
        case Span::Style::kSuperscript: run(parent, s.text, style, false, false, true); break;
        case Span::Style::kSymbol: run(parent, s.text, "Symbol"); break;
      }
    }
  }

  void heading(const Heading& h) {
    auto p = paragraph(body_, h.level <= 1 ? "Title" : fmt::format("Heading{}", std::min(h.level - 1, 3)));
    if (!h.id.empty()) {
      const std::string id = std::to_string(bookmark_ids_++);
      auto start = p.append_child("w:bookmarkStart");
      start.append_attribute("w:id") = id.c_str();
      start.append_attribute("w:name") = bookmark(h.id).c_str();
      run(p, h.text);
      p.append_child("w:bookmarkEnd").append_attribute("w:id") = id.c_str();
    } else {
      run(p, h.text);
    }
  }

  void list_item(const Inline& item, const std::string& marker, const std::string& style) {
    auto p = paragraph(body_, style);
    run(p, marker + "\t");
    spans(p, item);
  }

  void table(const Table& t) {
    const std::size_t columns = std::max<std::size_t>(t.header.size(), 1);
    auto tbl = body_.append_child("w:tbl");
    auto pr = tbl.append_child("w:tblPr");
    pr.append_child("w:tblStyle").append_attribute("w:val") = "ReportTable";
    auto w = pr.append_child("w:tblW");
    w.append_attribute("w:w") = "5000";
    w.append_attribute("w:type") = "pct";
    auto grid = tbl.append_child("w:tblGrid");
    for (std::size_t i = 0; i < columns; ++i) {
      grid.append_child("w:gridCol").append_attribute("w:w") = static_cast<int>(kTextWidth / static_cast<int>(columns));
    }
    // Many columns: a smaller type, so the table fits the page's width.
    const std::string text_style = columns > 6 ? "TableSmall" : "TableText";
    auto header = tbl.append_child("w:tr");
    header.append_child("w:trPr").append_child("w:tblHeader");
    for (const auto& h : t.header) {
      auto tc = header.append_child("w:tc");
      auto shading = tc.append_child("w:tcPr").append_child("w:shd");
      shading.append_attribute("w:val") = "clear";
      shading.append_attribute("w:color") = "auto";
      shading.append_attribute("w:fill") = "F3F3F3";
      run(paragraph(tc, text_style), h, {}, true);
    }
    for (const auto& row : t.rows) {
      auto tr = tbl.append_child("w:tr");
      tr.append_child("w:trPr").append_child("w:cantSplit");
      std::size_t used = 0;
      for (const auto& c : row) {
        auto tc = tr.append_child("w:tc");
        if (c.span > 1) tc.append_child("w:tcPr").append_child("w:gridSpan").append_attribute("w:val") = c.span;
        spans(paragraph(tc, text_style, c.numeric), c.content);
        if (!c.note.empty()) spans(paragraph(tc, "TableNote"), c.note);
        used += static_cast<std::size_t>(std::max(c.span, 1));
      }
      // A row shorter than the header still has every cell Word expects.
      for (; used < columns; ++used) paragraph(tr.append_child("w:tc"), text_style);
    }
    paragraph(body_, "AfterTable");
  }

  void figure(const Figure& f) {
    if (f.svg == nullptr || f.stem.empty()) return;
    const auto path = figures_root_ / "figures" / (f.stem + ".png");
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint32_t pw = 0, ph = 0;
    if (!in.good() && !in.eof()) bytes.clear();
    if (!png_size(bytes, pw, ph)) {
      throw Error(ErrorCategory::kIo, fmt::format("cannot put {} into report.docx: it is missing or not a PNG", path.string()));
    }
    const SvgSize svg = svg_size(*f.svg);
    const double aspect = static_cast<double>(ph) / pw;
    // The figure at the width it was made for ([figures] width), else its drawn size (96 px an
    // inch), shrunk to fit the text width and the page.
    long long cx = f.print_width_in > 0 ? static_cast<long long>(f.print_width_in * 914400.0)
                   : svg.width > 0      ? static_cast<long long>(svg.width * kEmuPerPixel)
                                        : kTextWidth * kEmuPerTwip;
    cx = std::min(cx, static_cast<long long>(kTextWidth) * kEmuPerTwip);
    long long cy = static_cast<long long>(std::llround(static_cast<double>(cx) * aspect));
    if (cy > kMaxFigureHeight) {
      cy = kMaxFigureHeight;
      cx = static_cast<long long>(std::llround(static_cast<double>(cy) / aspect));
    }
    const int n = f.number > 0 ? f.number : ++figures_;
    images_.push_back({fmt::format("media/image{}.png", n), fmt::format("rIdImage{}", n), std::move(bytes)});
    const std::string caption = fmt::format("Figure {}. {}", n, f.caption.empty() ? f.stem : f.caption);

    auto p = paragraph(body_, "Figure");
    auto inline_ = p.append_child("w:r").append_child("w:drawing").append_child("wp:inline");
    for (const char* d : {"distT", "distB", "distL", "distR"}) inline_.append_attribute(d) = "0";
    auto extent = inline_.append_child("wp:extent");
    extent.append_attribute("cx") = cx;
    extent.append_attribute("cy") = cy;
    auto doc_pr = inline_.append_child("wp:docPr");
    doc_pr.append_attribute("id") = n;
    doc_pr.append_attribute("name") = fmt::format("Figure {}", n).c_str();
    doc_pr.append_attribute("descr") = xml_text(caption).c_str();
    inline_.append_child("wp:cNvGraphicFramePr").append_child("a:graphicFrameLocks").append_attribute("noChangeAspect") = "1";
    auto data = inline_.append_child("a:graphic").append_child("a:graphicData");
    data.append_attribute("uri") = "http://schemas.openxmlformats.org/drawingml/2006/picture";
    auto pic = data.append_child("pic:pic");
    auto nv = pic.append_child("pic:nvPicPr");
    auto c_nv = nv.append_child("pic:cNvPr");
    c_nv.append_attribute("id") = n;
    c_nv.append_attribute("name") = (f.stem + ".png").c_str();
    nv.append_child("pic:cNvPicPr");
    auto fill = pic.append_child("pic:blipFill");
    fill.append_child("a:blip").append_attribute("r:embed") = images_.back().rel.c_str();
    fill.append_child("a:stretch").append_child("a:fillRect");
    auto sp = pic.append_child("pic:spPr");
    auto xfrm = sp.append_child("a:xfrm");
    auto off = xfrm.append_child("a:off");
    off.append_attribute("x") = 0;
    off.append_attribute("y") = 0;
    auto ext = xfrm.append_child("a:ext");
    ext.append_attribute("cx") = cx;
    ext.append_attribute("cy") = cy;
    auto geom = sp.append_child("a:prstGeom");
    geom.append_attribute("prst") = "rect";
    geom.append_child("a:avLst");
    run(paragraph(body_, "Caption"), caption);
  }

  void contents() {
    for (const auto& block : doc_.blocks) {
      const auto* h = std::get_if<Heading>(&block);
      if (h == nullptr || h->level != 2 || h->id.empty() || h->id == "contents") continue;
      auto p = paragraph(body_, "Contents");
      spans(p, {Span{h->contents.empty() ? h->text : h->contents, Span::Style::kText, h->id}});
    }
  }

  void block(const Block& b) {
    if (const auto* h = std::get_if<Heading>(&b)) return heading(*h);
    if (const auto* p = std::get_if<Paragraph>(&b)) {
      const char* style = p->kind == Paragraph::Kind::kNote ? "Note" : p->kind == Paragraph::Kind::kWarning ? "Warning" : "";
      return spans(paragraph(body_, style), p->content);
    }
    if (const auto* l = std::get_if<List>(&b)) {
      for (std::size_t i = 0; i < l->items.size(); ++i) {
        list_item(l->items[i], l->kind == List::Kind::kNumbered ? fmt::format("{}.", i + 1) : std::string("\u2022"),
                  l->kind == List::Kind::kBullets ? "ListItem" : "NoteItem");
      }
      return;
    }
    if (const auto* d = std::get_if<Details>(&b)) {
      if (d->items.empty()) return;
      run(paragraph(body_, "Note"), d->summary, {}, true);
      for (const auto& item : d->items) list_item(item, "\u2022", "NoteItem");
      return;
    }
    if (const auto* t = std::get_if<Table>(&b)) return table(*t);
    if (const auto* f = std::get_if<Figure>(&b)) return figure(*f);
    if (std::holds_alternative<Contents>(b)) return contents();
  }
};

std::string styles_xml() {
  pugi::xml_document d;
  auto root = d.append_child("w:styles");
  root.append_attribute("xmlns:w") = kW;
  auto defaults = root.append_child("w:docDefaults");
  auto rpr = defaults.append_child("w:rPrDefault").append_child("w:rPr");
  auto fonts = rpr.append_child("w:rFonts");
  for (const char* a : {"w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"}) fonts.append_attribute(a) = "Calibri";
  rpr.append_child("w:sz").append_attribute("w:val") = 21;
  rpr.append_child("w:lang").append_attribute("w:val") = "en-GB";
  auto spacing = defaults.append_child("w:pPrDefault").append_child("w:pPr").append_child("w:spacing");
  spacing.append_attribute("w:after") = 120;
  spacing.append_attribute("w:line") = 264;
  spacing.append_attribute("w:lineRule") = "auto";

  struct ParagraphStyle {
    const char* id;
    const char* name;
    int size;  // half-points; 0: the default
    bool bold, italic, keep_next;
    const char* color;
    int before, after, indent, hanging;
  };
  const ParagraphStyle styles[] = {
      {"Normal", "Normal", 0, false, false, false, nullptr, -1, -1, 0, 0},
      {"Title", "Title", 36, true, false, true, "1F3864", 0, 120, 0, 0},
      {"Heading1", "heading 1", 28, true, false, true, "2F4F80", 360, 120, 0, 0},
      {"Heading2", "heading 2", 24, true, false, true, "2F4F80", 240, 80, 0, 0},
      {"Heading3", "heading 3", 21, true, true, true, nullptr, 200, 60, 0, 0},
      {"Note", "Note", 18, false, false, false, "555555", -1, -1, 0, 0},
      {"Warning", "Warning", 0, false, false, false, "8A4B00", -1, -1, 0, 0},
      {"ListItem", "List item", 0, false, false, false, nullptr, 0, 60, 360, 360},
      {"NoteItem", "Note item", 18, false, false, false, "555555", 0, 40, 360, 360},
      {"Contents", "Contents entry", 0, false, false, false, nullptr, 0, 40, 0, 0},
      {"TableText", "Table text", 18, false, false, false, nullptr, 0, 0, 0, 0},
      {"TableSmall", "Table text small", 15, false, false, false, nullptr, 0, 0, 0, 0},
      {"TableNote", "Table note", 14, false, false, false, "555555", 0, 0, 0, 0},
      {"AfterTable", "After table", 8, false, false, false, nullptr, 0, 120, 0, 0},
      {"Figure", "Figure", 0, false, false, true, nullptr, 120, 0, 0, 0},
      {"Caption", "caption", 18, false, true, false, "333333", 60, 240, 0, 0},
  };
  for (const auto& s : styles) {
    auto st = root.append_child("w:style");
    st.append_attribute("w:type") = "paragraph";
    st.append_attribute("w:styleId") = s.id;
    if (std::string_view(s.id) == "Normal") st.append_attribute("w:default") = "1";
    st.append_child("w:name").append_attribute("w:val") = s.name;
    if (std::string_view(s.id) != "Normal") st.append_child("w:basedOn").append_attribute("w:val") = "Normal";
    if (std::string_view(s.id).starts_with("Heading") || std::string_view(s.id) == "Title") {
      st.append_child("w:next").append_attribute("w:val") = "Normal";
    }
    st.append_child("w:qFormat");
    auto ppr = st.append_child("w:pPr");
    if (s.keep_next) ppr.append_child("w:keepNext");
    if (s.before >= 0 || s.after >= 0) {
      auto sp = ppr.append_child("w:spacing");
      if (s.before >= 0) sp.append_attribute("w:before") = s.before;
      if (s.after >= 0) sp.append_attribute("w:after") = s.after;
    }
    if (s.indent > 0) {
      auto ind = ppr.append_child("w:ind");
      ind.append_attribute("w:left") = s.indent;
      ind.append_attribute("w:hanging") = s.hanging;
    }
    if (std::string_view(s.id).starts_with("Heading")) {
      ppr.append_child("w:outlineLvl").append_attribute("w:val") = s.id[7] - '1';
    }
    if (std::string_view(s.id) == "Warning") {
      auto border = ppr.append_child("w:pBdr").append_child("w:left");
      border.append_attribute("w:val") = "single";
      border.append_attribute("w:sz") = 24;
      border.append_attribute("w:space") = 6;
      border.append_attribute("w:color") = "E69500";
    }
    auto rp = st.append_child("w:rPr");
    if (s.bold) rp.append_child("w:b");
    if (s.italic) rp.append_child("w:i");
    if (s.color != nullptr) rp.append_child("w:color").append_attribute("w:val") = s.color;
    if (s.size > 0) rp.append_child("w:sz").append_attribute("w:val") = s.size;
  }
  struct CharacterStyle {
    const char* id;
    const char* name;
    const char* font;
    const char* color;
    bool underline;
  };
  const CharacterStyle characters[] = {
      {"Hyperlink", "Hyperlink", nullptr, "2F5496", true},
      {"Code", "Code", "Consolas", nullptr, false},
      {"Symbol", "Certainty symbols", "Segoe UI Symbol", nullptr, false},
  };
  for (const auto& c : characters) {
    auto st = root.append_child("w:style");
    st.append_attribute("w:type") = "character";
    st.append_attribute("w:styleId") = c.id;
    st.append_child("w:name").append_attribute("w:val") = c.name;
    auto rp = st.append_child("w:rPr");
    if (c.font != nullptr) {
      auto f = rp.append_child("w:rFonts");
      f.append_attribute("w:ascii") = c.font;
      f.append_attribute("w:hAnsi") = c.font;
    }
    if (c.color != nullptr) rp.append_child("w:color").append_attribute("w:val") = c.color;
    if (c.underline) rp.append_child("w:u").append_attribute("w:val") = "single";
  }
  // Tables as in the HTML: a rule under every row, none between the columns.
  auto table = root.append_child("w:style");
  table.append_attribute("w:type") = "table";
  table.append_attribute("w:styleId") = "ReportTable";
  table.append_child("w:name").append_attribute("w:val") = "Report table";
  auto tpr = table.append_child("w:tblPr");
  auto borders = tpr.append_child("w:tblBorders");
  for (const char* edge : {"w:top", "w:bottom", "w:insideH"}) {
    auto b = borders.append_child(edge);
    b.append_attribute("w:val") = "single";
    b.append_attribute("w:sz") = std::string_view(edge) == "w:insideH" ? 2 : 6;
    b.append_attribute("w:space") = 0;
    b.append_attribute("w:color") = std::string_view(edge) == "w:insideH" ? "DDDDDD" : "888888";
  }
  auto margins = tpr.append_child("w:tblCellMar");
  for (const char* side : {"w:left", "w:right"}) {
    auto m = margins.append_child(side);
    m.append_attribute("w:w") = 70;
    m.append_attribute("w:type") = "dxa";
  }
  return serialise(d);
}

void DocxWriter::write(const std::filesystem::path& out) {
  heading(Heading{1, doc_.title, {}, {}});
  spans(paragraph(body_, "Note"), doc_.byline);
  for (const auto& b : doc_.blocks) block(b);
  auto sect = body_.append_child("w:sectPr");
  auto size = sect.append_child("w:pgSz");
  size.append_attribute("w:w") = kPageWidth;
  size.append_attribute("w:h") = kPageHeight;
  auto margin = sect.append_child("w:pgMar");
  for (const char* side : {"w:top", "w:right", "w:bottom", "w:left"}) margin.append_attribute(side) = kMargin;
  for (const char* side : {"w:header", "w:footer"}) margin.append_attribute(side) = 709;
  margin.append_attribute("w:gutter") = 0;

  // The package's parts (ECMA-376 part 2: content types, relationships).
  std::list<std::pair<std::string, std::string>> parts;  // stable addresses: libzip reads them at zip_close
  {
    pugi::xml_document d;
    auto types = d.append_child("Types");
    types.append_attribute("xmlns") = "http://schemas.openxmlformats.org/package/2006/content-types";
    auto add_default = [&](const char* ext, const char* type) {
      auto e = types.append_child("Default");
      e.append_attribute("Extension") = ext;
      e.append_attribute("ContentType") = type;
    };
    add_default("rels", "application/vnd.openxmlformats-package.relationships+xml");
    add_default("xml", "application/xml");
    add_default("png", "image/png");
    auto add_override = [&](const char* part, const char* type) {
      auto e = types.append_child("Override");
      e.append_attribute("PartName") = part;
      e.append_attribute("ContentType") = type;
    };
    add_override("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml");
    add_override("/word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml");
    add_override("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml");
    add_override("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml");
    parts.emplace_back("[Content_Types].xml", serialise(d));
  }
  auto relationships = [](const std::vector<std::array<std::string, 3>>& rels) {
    pugi::xml_document d;
    auto root = d.append_child("Relationships");
    root.append_attribute("xmlns") = kRelationships;
    for (const auto& [id, type, target] : rels) {
      auto r = root.append_child("Relationship");
      r.append_attribute("Id") = id.c_str();
      r.append_attribute("Type") = type.c_str();
      r.append_attribute("Target") = target.c_str();
    }
    return serialise(d);
  };
  const std::string office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
  parts.emplace_back("_rels/.rels",
                     relationships({{"rId1", office + "officeDocument", "word/document.xml"},
                                    {"rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                                     "docProps/core.xml"},
                                    {"rId3", office + "extended-properties", "docProps/app.xml"}}));
  std::vector<std::array<std::string, 3>> document_rels{{"rIdStyles", office + "styles", "styles.xml"}};
  for (const auto& image : images_) document_rels.push_back({image.rel, office + "image", image.name});
  parts.emplace_back("word/_rels/document.xml.rels", relationships(document_rels));
  parts.emplace_back("word/document.xml", serialise(xml_));
  parts.emplace_back("word/styles.xml", styles_xml());
  {
    pugi::xml_document d;
    auto core = d.append_child("cp:coreProperties");
    core.append_attribute("xmlns:cp") = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties";
    core.append_attribute("xmlns:dc") = "http://purl.org/dc/elements/1.1/";
    core.append_child("dc:title").text().set(xml_text(doc_.title).c_str());
    core.append_child("dc:creator").text().set("carta");
    parts.emplace_back("docProps/core.xml", serialise(d));
  }
  {
    pugi::xml_document d;
    auto props = d.append_child("Properties");
    props.append_attribute("xmlns") = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties";
    props.append_child("Application").text().set(fmt::format("carta {}", kVersion).c_str());
    parts.emplace_back("docProps/app.xml", serialise(d));
  }
  for (auto& image : images_) parts.emplace_back("word/" + image.name, std::move(image.bytes));

  int code = 0;
  zip_t* zip = zip_open(out.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (zip == nullptr) {
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    const std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw Error(ErrorCategory::kIo, fmt::format("cannot write {}: {}", out.string(), why));
  }
  auto fail = [&](const std::string& what) {
    const std::string why = zip_strerror(zip);
    zip_discard(zip);
    throw Error(ErrorCategory::kIo, fmt::format("cannot write {} ({}): {}", out.string(), what, why));
  };
  // A fixed time for every entry, in the archive's own DOS format (no time zone): the same report
  // gives the same bytes anywhere. 2000-01-01 00:00.
  constexpr zip_uint16_t kDosDate = ((2000 - 1980) << 9) | (1 << 5) | 1, kDosTime = 0;
  for (const auto& [name, bytes] : parts) {
    zip_source_t* source = zip_source_buffer(zip, bytes.data(), bytes.size(), 0);
    if (source == nullptr) fail(name);
    const zip_int64_t index = zip_file_add(zip, name.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      fail(name);
    }
    // PNGs are compressed already.
    const bool png = name.ends_with(".png");
    if (zip_set_file_compression(zip, static_cast<zip_uint64_t>(index), png ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) != 0 ||
        zip_file_set_dostime(zip, static_cast<zip_uint64_t>(index), kDosTime, kDosDate, 0) != 0) {
      fail(name);
    }
  }
  if (zip_close(zip) != 0) fail("closing the archive");
}

}  // namespace

void write_docx(const Document& doc, const std::filesystem::path& figures_root, const std::filesystem::path& out) {
  DocxWriter(doc, figures_root).write(out);
}

}  // namespace carta::report
