// The public records API: reading a file (folders, devices and binary files refused from their
// first bytes, before the rest is read), decoding, recognising the format from the content and
// handing the text to that format's reader.

#include "carta/io/records.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "../text.hpp"
#include "carta/error.hpp"
#include "encoding.hpp"
#include "reader.hpp"

namespace carta::io {

namespace {

using detail::excerpt;
using detail::trim;
using namespace records;

enum class Format { kNone, kRis, kMedline, kWos, kOvid, kEndnoteXml, kBibtex, kCsv, kTsv };

const char* format_name(Format f) {
  switch (f) {
    case Format::kRis: return "RIS";
    case Format::kMedline: return "MEDLINE";
    case Format::kWos: return "Web of Science";
    case Format::kOvid: return "Ovid";
    case Format::kEndnoteXml: return "EndNote XML";
    case Format::kBibtex: return "BibTeX";
    case Format::kCsv: return "CSV";
    case Format::kTsv: return "tab-delimited";
    case Format::kNone: break;
  }
  return "";
}

struct Detection {
  Format format = Format::kNone;
  std::string seen;  // what the text looks like, when it is no format carta reads
};

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// "@article{", "@ARTICLE (": a BibTeX entry start.
bool is_bibtex_entry(std::string_view line) {
  if (line.empty() || line[0] != '@') return false;
  std::size_t i = 1;
  while (i < line.size() && is_identifier_char(line[i])) ++i;
  if (i == 1) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && (line[i] == '{' || line[i] == '(');
}

// The name of the first element of an XML text ("xml" for EndNote's <xml><records>).
std::string xml_root(std::string_view text) {
  std::size_t i = 0;
  while (true) {
    i = text.find('<', i);
    if (i == std::string_view::npos || i + 1 >= text.size()) return {};
    const char next = text[i + 1];
    if (next == '?' || next == '!') {  // declaration, comment, DOCTYPE
      const auto close = text.find(next == '!' && text.substr(i, 4) == "<!--" ? "-->" : ">", i);
      if (close == std::string_view::npos) return {};
      i = close + 1;
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && (is_identifier_char(text[j]) || text[j] == ':' || text[j] == '.')) ++j;
    return std::string(text.substr(i + 1, j - i - 1));
  }
}

// A line that may be a table's header: two or more non-empty fields between tabs, commas or
// semicolons ("Dear colleague," is a sentence, not a header).
bool looks_delimited(std::string_view line) {
  std::size_t fields = 0, start = 0;
  while (start <= line.size()) {
    std::size_t end = line.find_first_of(",;\t", start);
    if (end == std::string_view::npos) end = line.size();
    if (!trim(line.substr(start, end - start)).empty()) ++fields;
    start = end + 1;
  }
  return fields >= 2;
}

// A header line with a column the table calls a title ("Title", "Article Title", WoS "TI").
bool has_title_column(std::string_view header) {
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find_first_of(",;\t", start);
    if (end == std::string_view::npos) end = header.size();
    const std::string name = normalise_column(header.substr(start, end - start));
    const Synonym* s = find_synonym(Dialect::kColumn, name);
    if ((s && s->field == Field::kTitle) || name == "ti") return true;
    start = end + 1;
  }
  return false;
}

Detection detect(std::string_view text) {
  Detection d;
  Lines lines(text);
  std::string_view line, first;
  std::size_t examined = 0;
  bool medline_like = false, ris_like = false;
  Format table = Format::kNone;
  while (lines.next(line) && examined < 200) {
    if (trim(line).empty()) continue;
    const bool is_first = examined++ == 0;
    const std::string_view left = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    if (is_first) {
      first = left;
      if (is_ovid_record_start(left)) {
        d.format = Format::kOvid;
        return d;
      }
      if (left[0] == '<') {
        const std::string root = xml_root(text);
        if (root == "xml" || root == "records") {
          d.format = Format::kEndnoteXml;
        } else if (root == "html" || root == "HTML" || root == "!DOCTYPE") {
          d.seen = "a web page (HTML), not the export file itself";
        } else if (root == "PubmedArticleSet") {
          d.seen = "PubMed XML (export from PubMed with 'Save', format 'PubMed', instead)";
        } else {
          d.seen = fmt::format("XML whose root element is <{}>, not EndNote XML (<xml><records>)", excerpt(root));
        }
        return d;
      }
      if (left[0] == '{' || left[0] == '[') {
        d.seen = "JSON (CSL JSON is not read; export the records as RIS)";
        return d;
      }
      if (line.substr(0, 3) == "FN " || line == "FN") {
        d.format = Format::kWos;
        return d;
      }
      if (left[0] == '*' && left.find('\t') == std::string_view::npos && left.find(',') == std::string_view::npos) {
        // EndNote tab-delimited: "*Journal Article", then the header.
        std::string_view header;
        while (lines.next(header) && trim(header).empty()) {
        }
        if (header.find('\t') != std::string_view::npos) d.format = Format::kTsv;
        if (d.format == Format::kNone) d.seen = fmt::format("the first line is '{}'", excerpt(trim(line)));
        return d;
      }
    }
    if (left[0] == '%' && !looks_delimited(left)) continue;  // BibTeX comment lines (JabRef)
    if (is_bibtex_entry(left)) {
      d.format = Format::kBibtex;
      return d;
    }
    if (is_ovid_record_start(left)) {
      d.format = Format::kOvid;
      return d;
    }
    const bool ris_tag = is_ris_tag_line(line);
    if ((ris_tag || line.substr(0, 5) == "TY - " || line.substr(0, 5) == "ty - ") &&
        (line[0] == 'T' || line[0] == 't') && (line[1] == 'Y' || line[1] == 'y')) {
      d.format = Format::kRis;
      return d;
    }
    if (line.substr(0, 5) == "PMID-") {
      d.format = Format::kMedline;
      return d;
    }
    if (line.substr(0, 3) == "PT " && line.size() <= 5 && is_wos_tag_line(line)) {
      d.format = Format::kWos;
      return d;
    }
    if (is_medline_tag_line(line) && line[2] != ' ') medline_like = true;  // FAU, OWN, STAT: MEDLINE only
    if (ris_tag) ris_like = true;
    if (is_first && looks_delimited(line) && !ris_tag && !is_medline_tag_line(line)) {
      // A table: at once when the header has a title column; otherwise only when no record of
      // a tagged format starts below (a "Provider: Elsevier, ..." line above RIS records).
      table = line.find('\t') != std::string_view::npos ? Format::kTsv : Format::kCsv;
      if (has_title_column(line)) {
        d.format = table;
        return d;
      }
    }
  }
  if (table != Format::kNone) {
    d.format = table;
  } else if (medline_like) {
    d.format = Format::kMedline;
  } else if (ris_like) {
    d.format = Format::kRis;  // records without TY lines: the reader says so
  } else {
    d.seen = fmt::format("the first line is '{}'", excerpt(trim(first)));
  }
  return d;
}

[[noreturn]] void not_records(const std::string& source, const std::string& seen) {
  throw NotRecordsError(fmt::format("{}: not a records export: {}. carta reads {}; export the search results in one of them",
                          source, seen, kFormatsRead));
}

// The delimiter of a table: tab, ';' (European spreadsheets) or ',', counted outside quotes on
// the header line.
char delimiter_of(std::string_view text) {
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (trim(line).empty() || (trim(line)[0] == '*' && line.find('\t') == std::string_view::npos)) continue;
    if (trim(line).substr(0, 4) == "sep=" && trim(line).size() == 5) return trim(line)[4];  // Excel's hint
    std::size_t tabs = 0, commas = 0, semicolons = 0;
    bool quoted = false;
    for (const char c : line) {
      if (c == '"') quoted = !quoted;
      if (quoted) continue;
      tabs += c == '\t';
      commas += c == ',';
      semicolons += c == ';';
    }
    if (tabs > 0 && tabs >= commas) return '\t';
    if (semicolons > commas) return ';';
    return ',';
  }
  return ',';
}

}  // namespace

std::string detect_records_format(std::string_view bytes) {
  if (!binary_kind(bytes.substr(0, kSniffBytes)).empty()) return {};
  const auto decoded = decode_text(bytes, "");
  if (trim(decoded.text).empty()) return {};
  return format_name(detect(decoded.text).format);
}

RecordsLoad parse_records(std::string_view bytes, const std::string& source, const RecordsOptions& options) {
  if (const auto kind = binary_kind(bytes.substr(0, kSniffBytes)); !kind.empty()) not_records(source, kind);
  const auto decoded = decode_text(bytes, source);
  RecordsLoad load;
  load.encoding = decoded.encoding;
  if (decoded.replaced > 0 && options.strict) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}:{}: {} byte sequence(s) that stand for no character (--strict: carta repairs "
                            "nothing); save the export as UTF-8",
                            source, decoded.first_replaced_line, decoded.replaced));
  }
  for (const auto& n : decoded.notes) load.notes.push_back(n);
  const std::string_view text = decoded.text;
  if (trim(text).empty()) {
    load.format = "empty";
    load.notes.push_back(bytes.empty() ? fmt::format("{}: the file is empty (0 bytes): no records", source)
                                       : fmt::format("{}: the file holds only blank lines: no records", source));
    return load;
  }
  const Detection detection = detect(text);
  if (detection.format == Format::kNone) {
    // A converted file that is still no export: say what it was decoded from, as the cause may be there.
    not_records(source, load.encoding.starts_with("UTF-8")
                            ? detection.seen
                            : fmt::format("{} (after conversion from {})", detection.seen, load.encoding));
  }
  load.format = format_name(detection.format);
  Context context(source, options, load);
  switch (detection.format) {
    case Format::kRis: read_ris(text, context); break;
    case Format::kMedline: read_medline(text, context); break;
    case Format::kWos: read_wos(text, context); break;
    case Format::kOvid: read_ovid(text, context); break;
    case Format::kEndnoteXml: read_endnote_xml(text, context); break;
    case Format::kBibtex: read_bibtex(text, context); break;
    case Format::kCsv:
    case Format::kTsv: read_delimited(text, delimiter_of(text), context); break;
    case Format::kNone: break;
  }
  context.close_notes();
  if (load.records.empty() && load.skipped > 0) {
    std::string first;
    for (const auto& n : load.notes) {
      if (n.find("the record is skipped") != std::string::npos) {
        first = n;
        break;
      }
    }
    throw NotRecordsError(fmt::format("{}: no record could be read ({} skipped); the first: {}", source, load.skipped, first));
  }
  return load;
}

RecordsLoad read_records(const std::filesystem::path& path, const RecordsOptions& options) {
  const std::string name = path.string();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open the file ({}; does it exist?)", name, std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: is a folder, not an export file; give the files in it (e.g. {}/*.ris)", name, name));
  }
  if (S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: is a device, not an export file", name));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open the file ({})", name, std::strerror(errno)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // A device or pipe (/dev/stdin, <(...)) is read to its end, up to a bound; /dev/zero and the
  // like are refused from their first bytes, in bounded memory.
  constexpr std::size_t kMaxStream = std::size_t{1} << 30;
  const bool regular = S_ISREG(st.st_mode);
  std::string bytes;
  bytes.reserve(regular ? static_cast<std::size_t>(st.st_size) + 1 : kSniffBytes);
  bool sniffed = false;
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCategory::kIo, fmt::format("{}: cannot read the file ({})", name, std::strerror(errno)));
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
    if (!sniffed && bytes.size() >= kSniffBytes) {
      sniffed = true;
      if (const auto kind = binary_kind(std::string_view(bytes).substr(0, kSniffBytes)); !kind.empty()) {
        not_records(name, kind);
      }
    }
    if (!regular && bytes.size() > kMaxStream) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: more than 1 GiB from a device or pipe; save the export to a file", name));
    }
  }
  return parse_records(bytes, name, options);
}

}  // namespace carta::io
