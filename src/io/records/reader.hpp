#pragma once
// Shared by the records readers (private to src/io/records): lines, the synonym table of tags and
// columns, the builder every reader fills, and the context that collects notes and skipped
// records. Each format has its own reader file; records.cpp chooses one by content.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "carta/io/records.hpp"

namespace carta::io::records {

// The lines of a text, one at a time, without building a list: LF, CRLF or a lone CR end a line
// (classic Mac exports and Web of Science's RIS, whose records and fields are split by a lone CR).
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  // The next line (without its end) into `line`; false at the end of the text.
  bool next(std::string_view& line);
  // The 1-based number of the line next() returned last.
  [[nodiscard]] std::size_t number() const { return number_; }
  // The byte offset at which the next line starts.
  [[nodiscard]] std::size_t offset() const { return position_; }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  std::size_t number_ = 0;
};

// The vocabularies the synonym table knows.
enum class Dialect { kRis, kMedline, kWos, kOvid, kColumn, kBibtex, kEndnoteXml };

// What a tag, element or column holds.
enum class Field {
  kIgnore,
  kType,             // publication type as exported ("JOUR", "Journal Article", "J", "article")
  kDocumentType,     // the database's document type, more precise than the type (RIS M3, WoS DT)
  kTitle,
  kFallbackTitle,    // a title only when there is no other (MEDLINE BTI, RIS ST, short titles)
  kAuthor,
  kFallbackAuthor,   // authors only when there are no others (full names, corporate authors)
  kYear,
  kDate,             // a date whose year is used when there is no year field
  kJournal,
  kJournalAbbrev,
  kVolume,
  kIssue,
  kPages,
  kStartPage,
  kEndPage,
  kArticleNumber,
  kDoi,
  kPmid,             // PubMed ID; a "PMC..." value is taken as the PubMed Central ID
  kPmcid,
  kAbstract,
  kKeyword,
  kStandardNumber,   // ISSN or ISBN, told apart by their digits (RIS SN, EndNote "ISBN/ISSN")
  kLanguage,
  kUrl,
  kPublisher,
  kAccession,
  kDatabase,
  kId,
  kMedlineLocation,  // MEDLINE LID / AID: "10.1/x [doi]", "S0140-6736(21)01222-8 [pii]"
  kOvidSource,       // Ovid SO: "Journal. 12(3):45-67, 2018."
  kExtra,            // Zotero's Extra: "PMID: 123 PMCID: PMC456"
};

// How one exported value holds several items, and what a continuation line of it is.
enum class Split {
  kNone,        // one value; continuation lines continue it
  kPerLine,     // one item per line (RIS KW, WoS AU); a table cell holds items split by ';'
  kSemicolons,  // items split by ';' (WoS DE, ID); continuation lines continue the text
  kAuthorList,  // a list of names in one cell: "A, B; C, D", "A B., C D.", "A//B", "A and B"
  kCommas,      // items split by ';' or, when there is none, by ',' (BibTeX keywords)
};

struct Synonym {
  Dialect dialect;
  std::string_view name;  // tag as exported (upper case), XML element, BibTeX field, or column
                          // name normalised (lower case, letters and digits only)
  Field field;
  Split split = Split::kNone;
  int rank = 0;  // for single-valued fields given by several tags: the lowest rank wins
};

// The table entry for a tag (case-insensitive), an XML element, a BibTeX field or a column name
// as normalise_column writes it; nullptr when carta does not use it.
const Synonym* find_synonym(Dialect dialect, std::string_view name);
// Column headers as the table keys them: "Abstract Note" -> "abstractnote", "Art. No." -> "artno".
std::string normalise_column(std::string_view header);

// Collects one record's values (a tag line, then its continuation lines) and makes the record.
class RecordBuilder {
 public:
  // Starts a record; `source` is "file:line" (BibRecord::source and the default id).
  void start(std::string source);
  [[nodiscard]] bool started() const { return started_; }

  // A tag line's value (nullptr: a tag carta does not use; its continuations are dropped too).
  void tag(const Synonym* synonym, std::string_view value);
  // A continuation line: a new item for per-line fields, else more of the last value.
  void more(std::string_view text);
  // A whole value at once (a table cell, an XML element, a BibTeX field): lists are split.
  void add(const Synonym* synonym, std::string_view value);

  // The record; `why` is set (and the record is not usable) when it has neither a title nor an
  // identifier. Resets the builder.
  review::BibRecord finish(std::string& why);
  // What the last finish() found worth saying of a record it kept (a DOI field without a DOI),
  // without the record's "file:line".
  [[nodiscard]] const std::vector<std::string>& remarks() const { return remarks_; }

 private:
  struct Slot {
    std::string value;
    int rank = 1 << 30;
  };
  void flush();
  void apply(const Synonym& synonym, std::string_view value, bool whole_cell);
  static void offer(Slot& slot, std::string_view value, int rank);
  void push_standard_numbers(std::string_view value);

  bool started_ = false;
  std::string source_;
  const Synonym* pending_ = nullptr;
  std::string pending_value_;
  bool have_pending_ = false;
  review::BibRecord r_;
  Slot title_, fallback_title_, year_, date_, journal_, abbrev_, volume_, issue_, pages_, start_page_,
      end_page_, article_number_, doi_, url_doi_, pmid_, pmcid_, abstract_, language_, url_, publisher_,
      database_, id_, type_, document_type_;
  std::vector<std::string> fallback_authors_;
  std::string ovid_source_;
  std::string unreadable_doi_;  // a DOI field's value that holds no DOI ("10.NNNN/suffix")
  std::vector<std::string> remarks_;
};

// Where a reader reports: notes (capped, with a count of the rest), skipped records (counted;
// an error when strict) and the records read.
class Context {
 public:
  Context(std::string source, const RecordsOptions& options, RecordsLoad& load)
      : source_(std::move(source)), options_(options), load_(load) {}
  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] std::string at(std::size_t line) const;  // "file:line"
  [[nodiscard]] bool strict() const { return options_.strict; }

  // Information (what was found, what carta did): never an error.
  void note(std::string text);
  // An irregularity carta repaired (a line outside the format, a record without its end tag):
  // a note "file:line: what; done", or an error when strict.
  void repair(std::size_t line, const std::string& what, const std::string& done);
  // A record that cannot be read: counted and noted, or an error when strict.
  void skip(std::size_t line, const std::string& why);
  // The file ends inside a record (kept): a note, or an error when strict.
  void cut_short(std::size_t line, const std::string& what);
  // A line outside any record (a header, a search history, stray text): counted, and one note
  // at the end names the first.
  void outside(std::size_t line, std::string_view text);
  // Finishes the builder's record: kept, or skipped (at `line`) with the builder's reason.
  void keep(RecordBuilder& builder, std::size_t line);
  // A record read and usable.
  void add(review::BibRecord record) { load_.records.push_back(std::move(record)); }
  // Writes the note on lines outside records, and "... and N more" after the last note the cap
  // let through.
  void close_notes();

 private:
  std::string source_;
  const RecordsOptions& options_;
  RecordsLoad& load_;
  std::size_t notes_dropped_ = 0;
  std::size_t outside_lines_ = 0, outside_first_ = 0;
  std::string outside_text_;
};

// The readers: each reads decoded UTF-8 text (no byte-order mark) into the context's load.
void read_ris(std::string_view text, Context& context);
void read_medline(std::string_view text, Context& context);
void read_wos(std::string_view text, Context& context);
void read_ovid(std::string_view text, Context& context);
void read_endnote_xml(std::string_view text, Context& context);
void read_bibtex(std::string_view text, Context& context);
// CSV or TSV with a header (after an optional EndNote "*Journal Article" line); Web of Science
// tab-delimited files are read with the Web of Science tags as column names.
void read_delimited(std::string_view text, char delimiter, Context& context);
// The first row of a delimited text (the header), quotes removed.
std::vector<std::string> first_row(std::string_view text, char delimiter);
// A header with a column the table maps to the title; a header of Web of Science field tags.
bool has_title_column(const std::vector<std::string>& header);
bool is_wos_table(const std::vector<std::string>& header);

// Line tests the detector and the readers share.
bool is_ris_tag_line(std::string_view line);       // "TY  - JOUR", "er  -"
bool is_ris_record_number(std::string_view line);  // "1.", "Record #1 of 2"
bool is_medline_tag_line(std::string_view line);   // "PMID- 1", "AU  - X", "FAU - X"
bool is_wos_tag_line(std::string_view line);       // "PT J", "ER", "AU Smith, J"
bool is_ovid_record_start(std::string_view line);  // "<1. >", "<3001>"

// The names of the formats carta reads, for messages.
extern const char* const kFormatsRead;

}  // namespace carta::io::records
