#pragma once
// Bibliographic exports: RIS (.ris; any tag order, continuation lines, BOM, CRLF), PubMed MEDLINE
// (.nbib, .txt; DOI from LID or AID with [doi]) and CSV (columns title, authors separated by ';',
// year, journal, volume, issue, pages, doi, pmid, abstract, id, type; names are matched without
// regard to case). The format is chosen from the content, not only the extension.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "carta/review/records.hpp"

namespace carta::io {

struct RecordsLoad {
  std::vector<review::BibRecord> records;
  std::string format;              // "RIS", "MEDLINE" or "CSV"
  std::vector<std::string> notes;  // e.g. a truncated last record
};

// Throws carta::Error: kIo when unreadable; kInvalidInput (file:line) for text that is none of
// the formats, binary or UTF-16 content.
RecordsLoad parse_records(std::string_view text, const std::string& source);
RecordsLoad read_records(const std::filesystem::path& path);

// The unique records as CSV (id,source,type,title,authors,year,journal,volume,issue,pages,doi,pmid).
std::string records_csv(const std::vector<review::BibRecord>& records);

}  // namespace carta::io
