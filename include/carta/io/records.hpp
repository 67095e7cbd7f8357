#pragma once
// Bibliographic search exports read into review::BibRecord. The format is recognised from the
// content, never from the extension: RIS (any database or reference manager), PubMed MEDLINE
// (.nbib), Web of Science plain text (.ciw) and tab-delimited, Ovid MEDLINE/Embase (.ovd, .cgi),
// EndNote XML (EndNote, Zotero, Mendeley), BibTeX, and delimited tables with a title column
// (Scopus CSV, Zotero CSV, EndNote tab-delimited, Rayyan, any CSV/TSV). Encodings: UTF-8 with or
// without a byte-order mark; UTF-16/32 (byte-order mark or NUL pattern) and Windows-1252/Latin-1
// are converted with a note. What each reader accepts: docs/formats.md.
//
// One bad record is not a lost file: a record that cannot be read is skipped with "file:line:
// why" in the notes and counted in `skipped` (RecordsOptions::strict makes it an error instead).

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "carta/error.hpp"
#include "carta/review/records.hpp"

namespace carta::io {

// The file holds no records carta can read: it is no export (an image, a spreadsheet, a table
// without a title column) or every record in it was unreadable. A run over several exports may
// skip such a file and go on; the message names the file, says what was seen and what carta reads.
class NotRecordsError : public Error {
 public:
  explicit NotRecordsError(const std::string& message) : Error(ErrorCategory::kInvalidInput, message) {}
};

struct RecordsOptions {
  // A record that cannot be read, or a file cut short, is an error (kInvalidInput) instead of a
  // note and a skipped record.
  bool strict = false;
};

struct RecordsLoad {
  std::vector<review::BibRecord> records;
  std::string format;              // "RIS", "MEDLINE", "Web of Science", "Ovid", "EndNote XML", "BibTeX", "CSV", ...
  std::string encoding = "UTF-8";  // as found in the file ("UTF-16LE", "Windows-1252", ...)
  std::size_t skipped = 0;         // records that could not be read (each has a note)
  std::vector<std::string> notes;  // file:line: what was found and what carta did about it
};

// Throws carta::Error: kIo when the file cannot be opened or read; kInvalidInput (naming the
// file, and the line when there is one) for a folder, a device that gives no text, or, with
// strict, the first record that cannot be read; NotRecordsError for binary content, a file that
// is not a records export (the message lists what carta reads and says what it saw) and a file
// where no record could be read. An empty file is a load without records and a note.
RecordsLoad parse_records(std::string_view bytes, const std::string& source, const RecordsOptions& options = {});
RecordsLoad read_records(const std::filesystem::path& path, const RecordsOptions& options = {});

// The format parse_records would choose for these bytes ("RIS", ..., or "" when none), without
// reading the records: for messages and tests.
std::string detect_records_format(std::string_view bytes);

// The records as CSV: id,source,type,title,authors,year,journal,volume,issue,pages,doi,pmid (the
// columns of earlier versions, in their order), then journal_abbrev,article_number,pmcid,issn,
// isbn,language,publisher,url,database,accession,keywords,abstract. Lists are joined with "; ".
// Rayyan and Covidence import it; parse_records reads it back.
std::string records_csv(const std::vector<review::BibRecord>& records);

// The records as RIS (UTF-8, CRLF line ends as the specification asks): one TY ... ER block per
// record with every field carta read; parse_records reads it back to the same records.
std::string records_ris(const std::vector<review::BibRecord>& records);

}  // namespace carta::io
