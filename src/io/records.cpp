#include "carta/io/records.hpp"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "carta/error.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/table.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::trim;
using review::BibRecord;

// Splits into lines (LF or CRLF), dropping a UTF-8 byte-order mark.
std::vector<std::string_view> split_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

bool is_ris_tag(std::string_view line) {
  // "TY  - JOUR": two upper-case letters or digits, two blanks, a dash (value optional).
  return line.size() >= 5 && std::isupper(static_cast<unsigned char>(line[0])) &&
         std::isalnum(static_cast<unsigned char>(line[1])) && line[2] == ' ' && line[3] == ' ' && line[4] == '-';
}

bool is_medline_tag(std::string_view line) {
  // "PMID- 123", "TI  - ...", "FAU - ...": up to four letters, padded with blanks to four, "- ".
  if (line.size() < 5 || line[4] != '-') return false;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (!(std::isupper(c) || c == ' ' || std::isdigit(c))) return false;
  }
  return std::isupper(static_cast<unsigned char>(line[0]));
}

void set_year(BibRecord& r, std::string_view value) {
  for (std::size_t i = 0; i + 4 <= value.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(value[i])) && std::isdigit(static_cast<unsigned char>(value[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(value[i + 2])) && std::isdigit(static_cast<unsigned char>(value[i + 3]))) {
      r.year = std::string(value.substr(i, 4));
      return;
    }
  }
}

RecordsLoad parse_ris(const std::vector<std::string_view>& lines, const std::string& source) {
  RecordsLoad load;
  load.format = "RIS";
  BibRecord r;
  bool open = false;
  std::string start_page, end_page;
  std::string* last = nullptr;  // the field a continuation line extends
  std::size_t open_line = 0;
  auto finish = [&]() {
    if (!start_page.empty()) r.pages = end_page.empty() ? start_page : start_page + "-" + end_page;
    if (r.id.empty()) r.id = r.source;
    load.records.push_back(std::move(r));
    r = BibRecord{};
    start_page.clear();
    end_page.clear();
    open = false;
    last = nullptr;
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (!is_ris_tag(line)) {
      if (trim(line).empty()) continue;
      if (open && last) {
        *last += ' ';
        *last += trim(line);
        continue;
      }
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: '{}' is not an RIS line (TAG  - value) and follows no field", source, i + 1,
                              std::string(trim(line)).substr(0, 40)));
    }
    const std::string tag(line.substr(0, 2));
    const std::string value(trim(line.substr(5)));
    if (tag == "TY") {
      if (open) {
        load.notes.push_back(fmt::format("{}:{}: record without ER line before a new TY; closed there", source, i + 1));
        finish();
      }
      open = true;
      open_line = i + 1;
      r.source = fmt::format("{}:{}", source, i + 1);
      r.type = value;
      continue;
    }
    if (!open) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: tag {} before any TY line; every RIS record starts with TY  - ", source, i + 1, tag));
    }
    last = nullptr;
    if (tag == "ER") {
      finish();
    } else if (tag == "TI" || tag == "T1" || (tag == "CT" && r.title.empty())) {
      r.title = r.title.empty() ? value : r.title;
      last = &r.title;
    } else if (tag == "AU" || tag == "A1") {
      r.authors.push_back(value);
      last = &r.authors.back();
    } else if (tag == "PY" || tag == "Y1" || (tag == "DA" && r.year.empty())) {
      if (r.year.empty()) set_year(r, value);
    } else if (tag == "JO" || tag == "JF" || tag == "T2" || tag == "JA" || tag == "J2") {
      if (r.journal.empty() || tag == "JF" || tag == "T2") r.journal = value;
    } else if (tag == "VL") {
      r.volume = value;
    } else if (tag == "IS") {
      r.issue = value;
    } else if (tag == "SP") {
      start_page = value;
    } else if (tag == "EP") {
      end_page = value;
    } else if (tag == "DO") {
      r.doi = value;
    } else if (tag == "UR" && r.doi.empty() && value.find("doi.org/") != std::string::npos) {
      r.doi = value;
    } else if (tag == "AN" || tag == "PM") {
      if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        r.pmid = value;
      }
    } else if (tag == "ID") {
      r.id = value;
    } else if (tag == "AB" || tag == "N2") {
      r.abstract = value;
      last = &r.abstract;
    }
  }
  if (open) {
    load.notes.push_back(fmt::format("{}:{}: the last record has no ER line (the file may be truncated); it is kept",
                                     source, open_line));
    finish();
  }
  return load;
}

RecordsLoad parse_medline(const std::vector<std::string_view>& lines, const std::string& source) {
  RecordsLoad load;
  load.format = "MEDLINE";
  BibRecord r;
  bool open = false;
  std::string* last = nullptr;
  std::string lid_doi, aid_doi;
  auto finish = [&]() {
    if (open) {
      r.doi = !lid_doi.empty() ? lid_doi : aid_doi;
      if (r.id.empty()) r.id = r.pmid.empty() ? r.source : r.pmid;
      load.records.push_back(std::move(r));
    }
    r = BibRecord{};
    lid_doi.clear();
    aid_doi.clear();
    open = false;
    last = nullptr;
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (trim(line).empty()) {
      finish();
      continue;
    }
    if (!is_medline_tag(line)) {
      if (open && last && line.size() > 0 && (line[0] == ' ' || line[0] == '\t')) {
        *last += ' ';
        *last += trim(line);
        continue;
      }
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: '{}' is not a MEDLINE line (TAG - value, continuation lines indented)", source,
                              i + 1, std::string(trim(line)).substr(0, 40)));
    }
    const std::string tag(trim(line.substr(0, 4)));
    const std::string value(trim(line.substr(5)));
    if (tag == "PMID") {
      if (open) finish();
      open = true;
      r.source = fmt::format("{}:{}", source, i + 1);
      r.pmid = value;
      r.id = value;
      last = nullptr;
      continue;
    }
    if (!open) {
      open = true;  // a record without PMID (rare in exports): keep it, identified by position
      r.source = fmt::format("{}:{}", source, i + 1);
    }
    last = nullptr;
    if (tag == "TI") {
      r.title = value;
      last = &r.title;
    } else if (tag == "AU") {
      r.authors.push_back(value);
      last = &r.authors.back();
    } else if (tag == "DP") {
      set_year(r, value);
    } else if (tag == "JT" || (tag == "TA" && r.journal.empty())) {
      r.journal = value;
      last = &r.journal;
    } else if (tag == "VI") {
      r.volume = value;
    } else if (tag == "IP") {
      r.issue = value;
    } else if (tag == "PG") {
      r.pages = value;
    } else if (tag == "LID" && value.find("[doi]") != std::string::npos) {
      lid_doi = value.substr(0, value.find("[doi]"));
    } else if (tag == "AID" && value.find("[doi]") != std::string::npos) {
      aid_doi = value.substr(0, value.find("[doi]"));
    } else if (tag == "PT") {
      if (r.type.empty() || value.find("Congress") != std::string::npos) r.type = value;
    } else if (tag == "AB") {
      r.abstract = value;
      last = &r.abstract;
    }
  }
  finish();
  return load;
}

RecordsLoad parse_csv_records(std::string_view text, const std::string& source) {
  const Table t = parse_delimited(text, ',', source);
  RecordsLoad load;
  load.format = "CSV";
  auto col = [&](std::initializer_list<std::string_view> names) -> std::optional<std::size_t> {
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      std::string h;
      for (char ch : t.header[c]) h += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (auto n : names) {
        if (h == n) return c;
      }
    }
    return std::nullopt;
  };
  const auto title = col({"title", "ti"});
  if (!title) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: a CSV of records needs a 'title' column", source));
  const auto authors = col({"authors", "author", "au"}), year = col({"year", "py", "publication year"}),
             journal = col({"journal", "source title", "jo"}), volume = col({"volume", "vl"}), issue = col({"issue", "is"}),
             pages = col({"pages", "page"}), doi = col({"doi"}), pmid = col({"pmid", "pubmed id"}),
             abstract = col({"abstract", "ab"}), id = col({"id", "record", "record_id"}), type = col({"type", "ty"});
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    auto get = [&](const std::optional<std::size_t>& c) { return c ? std::string(trim(row[*c])) : std::string(); };
    BibRecord b;
    b.source = fmt::format("{}:{}", source, t.lines[r]);
    b.title = get(title);
    std::string list = get(authors);
    std::size_t start = 0;
    while (start < list.size()) {
      const std::size_t end = std::min(list.find(';', start), list.size());
      const std::string a(trim(std::string_view(list).substr(start, end - start)));
      if (!a.empty()) b.authors.push_back(a);
      start = end + 1;
    }
    set_year(b, get(year));
    b.journal = get(journal);
    b.volume = get(volume);
    b.issue = get(issue);
    b.pages = get(pages);
    b.doi = get(doi);
    b.pmid = get(pmid);
    b.abstract = get(abstract);
    b.type = get(type);
    b.id = get(id);
    if (b.id.empty()) b.id = b.source;
    load.records.push_back(std::move(b));
  }
  return load;
}

}  // namespace

RecordsLoad parse_records(std::string_view text, const std::string& source) {
  if (text.find('\0') != std::string_view::npos) {
    const bool utf16 = text.size() >= 2 && ((text[0] == '\xFF' && text[1] == '\xFE') || (text[0] == '\xFE' && text[1] == '\xFF'));
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: {}; export the records as UTF-8 text (RIS, MEDLINE or CSV)", source,
                            utf16 ? "the file is UTF-16" : "the file contains NUL bytes (binary data?)"));
  }
  const auto lines = split_lines(text);
  for (const auto& line : lines) {
    if (trim(line).empty()) continue;
    if (is_ris_tag(line) && line.substr(0, 2) == "TY") return parse_ris(lines, source);
    if (line.substr(0, 4) == "PMID" && is_medline_tag(line)) return parse_medline(lines, source);
    if (is_ris_tag(line)) return parse_ris(lines, source);  // reports the missing TY
    if (is_medline_tag(line)) return parse_medline(lines, source);
    return parse_csv_records(text, source);
  }
  RecordsLoad empty;
  empty.format = "empty";
  empty.notes.push_back(fmt::format("{}: no records (the file is empty)", source));
  return empty;
}

RecordsLoad read_records(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCategory::kIo, fmt::format("{}: cannot open the file (does it exist?)", path.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_records(buffer.str(), path.string());
}

std::string records_csv(const std::vector<review::BibRecord>& records) {
  std::string out = "id,source,type,title,authors,year,journal,volume,issue,pages,doi,pmid\n";
  for (const auto& r : records) {
    std::string authors;
    for (const auto& a : r.authors) authors += (authors.empty() ? "" : "; ") + a;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.id), csv_field(r.source), csv_field(r.type),
                       csv_field(r.title), csv_field(authors), csv_field(r.year), csv_field(r.journal),
                       csv_field(r.volume), csv_field(r.issue), csv_field(r.pages), csv_field(r.doi), csv_field(r.pmid));
  }
  return out;
}

}  // namespace carta::io
