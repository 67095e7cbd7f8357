// The records as RIS and as CSV, for screening tools (Rayyan, Covidence, EPPI-Reviewer, ASReview)
// and reference managers: every field carta read, identifiers included.

#include <fmt/format.h>

#include "../text.hpp"
#include "carta/io/pool_output.hpp"
#include "carta/io/records.hpp"
#include "values.hpp"

namespace carta::io {

namespace {

// One line of text: line breaks inside a value become blanks (RIS has one value per line).
std::string one_line(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : detail::trim(value)) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += "; ";
    out += i;
  }
  return out;
}

}  // namespace

std::string records_csv(const std::vector<review::BibRecord>& records) {
  std::string out =
      "id,source,type,title,authors,year,journal,volume,issue,pages,doi,pmid,journal_abbrev,article_number,pmcid,"
      "issn,isbn,language,publisher,url,database,accession,keywords,abstract\n";
  for (const auto& r : records) {
    for (const std::string& field :
         {r.id, r.source, r.type, r.title, join(r.authors), r.year, r.journal, r.volume, r.issue, r.pages, r.doi,
          r.pmid, r.journal_abbrev, r.article_number, r.pmcid, join(r.issn), join(r.isbn), r.language,
          r.publisher, r.url, r.database, join(r.accession), join(r.keywords)}) {
      out += csv_field(field);
      out += ',';
    }
    out += csv_field(r.abstract);
    out += '\n';
  }
  return out;
}

std::string records_ris(const std::vector<review::BibRecord>& records) {
  std::string out;
  auto line = [&out](std::string_view tag, std::string_view value) {
    const std::string v = one_line(value);
    if (v.empty()) return;
    out += tag;
    out += "  - ";
    out += v;
    out += "\r\n";
  };
  for (const auto& r : records) {
    const std::string code =
        !r.type_code.empty() ? r.type_code : records::ris_type_code(r.type, !r.journal.empty());
    out += "TY  - " + code + "\r\n";
    if (!r.id.empty() && r.id != r.source) line("ID", r.id);
    line("TI", r.title);
    for (const auto& a : r.authors) line("AU", a);
    line("PY", r.year);
    line("T2", r.journal);
    line("J2", r.journal_abbrev);
    line("VL", r.volume);
    line("IS", r.issue);
    // "439-448" as SP and EP; anything else ("e0209483", "12-14, 16") whole in SP.
    const auto dash = r.pages.find('-');
    const bool range = dash != std::string::npos && dash > 0 && dash + 1 < r.pages.size() &&
                       r.pages.find_first_of("-,; ", dash + 1) == std::string::npos &&
                       r.pages.find_first_of(",; ") == std::string::npos &&
                       r.pages.substr(0, dash) != r.pages.substr(dash + 1);
    if (range) {
      line("SP", r.pages.substr(0, dash));
      line("EP", r.pages.substr(dash + 1));
    } else {
      line("SP", r.pages);
    }
    line("C7", r.article_number);
    line("DO", r.doi);
    line("C2", r.pmid);  // Scopus's tag for the PubMed ID
    line("C2", r.pmcid);
    for (const auto& s : r.issn) line("SN", s);
    for (const auto& s : r.isbn) line("SN", s);
    line("LA", r.language);
    line("PB", r.publisher);
    line("UR", r.url);
    line("DB", r.database);
    for (const auto& a : r.accession) line("AN", a);
    // The export's own document type ("Conference Paper"); not Web of Science's one-letter PT codes.
    if (r.type.size() > 1 && r.type != code) line("M3", r.type);
    for (const auto& k : r.keywords) line("KW", k);
    line("AB", r.abstract);
    out += "ER  - \r\n\r\n";
  }
  return out;
}

}  // namespace carta::io
