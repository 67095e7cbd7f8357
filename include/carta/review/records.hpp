#pragma once
// Bibliographic records from database exports and their deduplication: identifiers first (DOI,
// PMID), then fuzzy matching of normalised titles, authors, years, journals and pages within
// blocks (several blocking passes, as ASySD does), connected components of matched pairs, the
// most complete record kept with the others' identifiers merged into it. Uncertain pairs go to a
// review list instead of being merged; a conference abstract and a journal article of the same
// trial are different reports, never duplicates. Method and accuracy: docs/methods/dedup.md.

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
  // Read from the exports that carry them (added for the outputs; dedup may use them too).
  std::vector<std::string> keywords;   // author keywords and subject headings, as exported
  std::vector<std::string> issn;       // print and electronic ISSN (NNNN-NNNC)
  std::vector<std::string> isbn;       // ISBN-10 or ISBN-13, as exported
  std::string journal_abbrev;          // e.g. "N Engl J Med" beside journal "The New England journal of medicine"
  std::string article_number;          // e-location / article number (WoS AR, Scopus C7), when given apart from pages
  std::string language;
  std::string url;
  std::string publisher;
  std::string pmcid;                   // PubMed Central ID, "PMC1234567"
  std::vector<std::string> accession;  // database accession numbers, "WOS:000451039805163", "EMBASE:621381829"
  std::string database;                // the database the record came from, when the export says (Scopus, Embase)
  std::string type_code;               // the RIS type carta writes for it (JOUR, CONF, CHAP, BOOK, THES, RPRT, GEN, ...)
};

// Text normalisation used for matching (exposed for tests): lower case, HTML entities decoded,
// Latin diacritics removed, dashes and punctuation to blanks, blanks collapsed.
std::string normalise_text(std::string_view text);
// "https://doi.org/10.1000/ABC." -> "10.1000/abc"; "" when it is not a DOI.
std::string normalise_doi(std::string_view doi);
// First page as digits: "1234-45" -> "1234", "e123" -> "123".
std::string first_page(std::string_view pages);
// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters).
double jaro_winkler(std::string_view a, std::string_view b);
// A conference abstract or meeting report (from the type, or a journal supplement pattern).
bool is_conference(const BibRecord& record);

enum class MatchReason { kDoi, kPmid, kFuzzy };

struct DuplicateLink {
  std::size_t record = 0;  // index of the record removed
  std::size_t kept = 0;    // index of the record kept
  MatchReason reason = MatchReason::kFuzzy;
  double score = 1.0;
};

struct ReviewPair {
  std::size_t a = 0, b = 0;
  double score = 0.0;
  std::string why;
};

struct DedupOptions {
  double duplicate_score = 0.93;  // fuzzy score at or above: duplicate
  double review_score = 0.80;     // between this and duplicate_score: to the review list
  std::size_t max_block = 2000;   // larger blocks are split further (never compared all-to-all)
};

struct DedupResult {
  std::vector<std::size_t> kept;  // indices of unique records, in input order
  std::vector<DuplicateLink> duplicates;
  std::vector<ReviewPair> review;
  std::vector<BibRecord> merged;  // the kept records with identifiers merged from their duplicates
  std::size_t comparisons = 0;
  std::vector<std::string> notes;
};

// progress, when given, receives a line now and then on long runs.
DedupResult deduplicate(const std::vector<BibRecord>& records, const DedupOptions& options = {},
                        const std::function<void(std::string_view)>& progress = {});

// The fuzzy score of two records (0 when they cannot be the same report), and why.
double match_score(const BibRecord& a, const BibRecord& b, std::string* why = nullptr);

}  // namespace carta::review
