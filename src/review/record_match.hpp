#pragma once
// Private to carta_review: a record prepared for matching (every field parsed once) and the
// comparison of two prepared records as a weight of evidence. docs/methods/dedup.md explains the
// weights and the rules.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "carta/review/records.hpp"

namespace carta::review::detail {

using JournalForms = std::vector<std::vector<std::string>>;  // each form: its words, stopwords dropped

// A journal's forms: the whole name and its parts (before and after " = ", ":" or ". "), without
// parenthesised or bracketed qualifiers.
JournalForms journal_forms(std::string_view journal);
bool journal_forms_match(const JournalForms& a, const JournalForms& b);
bool journal_forms_related(const JournalForms& a, const JournalForms& b);

// Kinds of item whose title repeats the title of the paper they concern.
enum Marker : unsigned {
  kErratum = 1u,     // erratum, corrigendum, correction, "(vol 142, pg 310, 2003)"
  kReply = 2u,       // reply, response
  kComment = 4u,     // comment on, commentary on
  kRetraction = 8u,  // retraction, retracted, withdrawn
};

struct Prepared {
  std::string title;                 // cleaned and normalised
  std::string compact;               // the title without blanks
  std::vector<std::string> words;    // content words of the title, in the order of word_ids
  std::vector<std::uint64_t> word_ids;  // their hashes, sorted: set operations on integers
  std::vector<std::string> leading;  // the first content words, in order (blocking)
  std::vector<std::string> trailing; // the last content words, in order (blocking)
  std::vector<std::string> numbers;  // numbers in the title (digits; roman numerals converted), sorted
  bool generic = false;              // a recurring title: editorial, erratum, volume 3, ...
  bool short_title = false;          // fewer than four content words
  unsigned markers = 0;
  std::vector<std::string> families;     // family names of the first authors, normalised, no blanks
  std::vector<std::string> name_words;   // every word of the first author's name (3+ letters)
  int year = 0;
  JournalForms journal;
  long volume = 0;
  std::string issue;
  PageRange pages;
  std::string doi, pmid;
  bool conference = false;
  bool supplement = false;  // in a journal supplement (volume, issue or pages say so)
  int completeness = 0;
  std::uint64_t signature = 0;  // one bit per title word (hashed): a cheap overlap bound
};

Prepared prepare(const BibRecord& record);

struct Evidence {
  double weight = 0.0;  // bits
  bool veto = false;
  bool identifier_shared_titles_differ = false;
  std::string why;
};

Evidence compare(const Prepared& a, const Prepared& b, bool explain);

// 1 / (1 + 2^(10 - W)); 0 when a rule keeps the records apart.
double score_of(const Evidence& e);

// Share of the smaller title's word bits that the other has (0 when either has no words).
double signature_overlap(const Prepared& a, const Prepared& b);

}  // namespace carta::review::detail
