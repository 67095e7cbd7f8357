#pragma once
// Bibliographic records from database exports and their deduplication. Candidate pairs come from
// several blocking keys (identifiers, title start and end, first author and year, year-volume-
// page); each pair is scored by the weight of evidence of its fields (title, authors, year,
// journal, volume, pages, issue, DOI, PMID), with rules that keep different reports apart (a
// shared DOI with different titles, a conference abstract and an article, titles that differ in
// a number, errata and replies, recurring titles); duplicates are the connected components of
// the pairs above the threshold, and the most complete record of each is kept with the others'
// identifiers merged into it. Uncertain pairs go to a review list, and a person's decisions on
// them are applied on the next run. Method and accuracy: docs/methods/dedup.md.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace carta::review {

struct BibRecord {
  std::string id;      // RIS ID, MEDLINE PMID, or file:position
  std::string source;  // file:position (for messages)
  std::string type;    // RIS TY or MEDLINE PT (e.g. JOUR, CONF, Journal Article, Congress)
  std::string title;
  std::vector<std::string> authors;
  std::string year;
  std::string journal;
  std::string volume, issue, pages;
  std::string doi, pmid;
  std::string abstract;
};

// Text normalisation used for matching (exposed for tests): HTML entities and tags decoded, every
// script folded to plain Latin letters with ICU (diacritics removed, ß -> ss, ø -> o, Cyrillic
// and Greek words transliterated; a lone Greek letter, as science writes it, becomes its name:
// "α-synuclein" -> "alpha synuclein"), lower case, everything but letters and digits to blanks,
// blanks collapsed.
std::string normalise_text(std::string_view text);
// "https://doi.org/10.1000/ABC." -> "10.1000/abc"; "" when it is not a DOI.
std::string normalise_doi(std::string_view doi);
// First page as digits: "1234-45" -> "1234", "e123" -> "123".
std::string first_page(std::string_view pages);

// A page field read as a range: "1234-41" -> 1234..1241 (MEDLINE's abbreviated end), "S417-S429"
// (supplement pages), "e0123" / "c1804" / "CD006828" (electronic locators and article numbers:
// `locator` is set), "01-Jun" (a range that a spreadsheet turned into a date: 1..6), "Suppl-29"
// (a start page lost in an export: only the end is known).
struct PageRange {
  long first = 0, last = 0;  // 0 when unknown
  bool locator = false;      // an e-page or article number, not a printed page
  bool known() const { return first > 0 || last > 0; }
};
PageRange parse_pages(std::string_view pages);

// Journal names, abbreviated (ISO 4 / NLM: "N Engl J Med") or in full ("The New England Journal of
// Medicine"), with subtitles, translations ("Ai zheng = Chinese journal of cancer") and
// qualifiers ("BMJ (Clinical research ed.)"), compared by tokens: each word of one is a
// contraction of the matching word of the other (same first letter, letters in order: "natl" of
// "national", "engl" of "england"), or one is the other's acronym ("JAMA").
bool journals_match(std::string_view a, std::string_view b);

// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters).
double jaro_winkler(std::string_view a, std::string_view b);
// A conference abstract or meeting report (from the type, or a journal supplement pattern).
bool is_conference(const BibRecord& record);
// A key that names a record across runs (not its row): a hash of its normalised title, authors,
// year, journal, volume, issue, pages and identifiers, as "r" and 16 hexadecimal digits. Records
// with the same key are identical for deduplication.
std::string record_key(const BibRecord& record);

enum class MatchReason { kDoi, kPmid, kFuzzy, kIdentical, kDecision };

struct DuplicateLink {
  std::size_t record = 0;  // index of the record removed
  std::size_t kept = 0;    // index of the record kept
  MatchReason reason = MatchReason::kFuzzy;
  double score = 1.0;  // the pair's own score (a record can join its group through a third record)
};

struct ReviewPair {
  std::size_t a = 0, b = 0;
  double score = 0.0;
  std::string why;
};

// A person's decision on a pair (from the review list): duplicates or not. A "no" keeps the two
// records' groups apart whatever links would join them; a "yes" joins them.
struct PairDecision {
  std::size_t a = 0, b = 0;
  bool duplicate = false;
};

struct DedupOptions {
  // A pair's score is the probability that it is a duplicate given the weight of evidence W (in
  // bits) of its fields, score = 1 / (1 + 2^(10 - W)): each field adds what its agreement or
  // disagreement says (docs/methods/dedup.md lists the weights); rules that keep records apart
  // (a different DOI, a conference abstract and an article, ...) make it 0.
  double duplicate_score = 0.93;  // at or above: duplicates (W >= 13.7 bits)
  double review_score = 0.20;     // between this and duplicate_score: to the review list (W >= 8)
  // Blocks of candidates larger than this are compared by sorted neighbourhood (each record with
  // the `window` records next to it in title order) instead of all to all.
  std::size_t max_block = 1000;
  std::size_t window = 50;
  unsigned threads = 0;  // for preparing and scoring (0: one per core); the result does not depend on it
  std::vector<PairDecision> decisions;
};

struct DedupResult {
  std::vector<std::size_t> kept;  // indices of unique records, in input order
  std::vector<DuplicateLink> duplicates;
  std::vector<ReviewPair> review;
  std::vector<BibRecord> merged;  // the kept records with identifiers merged from their duplicates
  std::size_t comparisons = 0;
  std::size_t decisions_applied = 0;
  std::vector<std::string> notes;
};

// progress, when given, receives a line now and then on long runs.
DedupResult deduplicate(const std::vector<BibRecord>& records, const DedupOptions& options = {},
                        const std::function<void(std::string_view)>& progress = {});

// The score of two records (0 when they cannot be the same report), and why.
double match_score(const BibRecord& a, const BibRecord& b, std::string* why = nullptr);

}  // namespace carta::review
