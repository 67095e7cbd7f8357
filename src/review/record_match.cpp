// A record prepared for matching, and the weight of evidence that two records are one report.
//
// Each field that both records have adds what its agreement or disagreement says, in bits (the
// log2 likelihood ratio of Fellegi and Sunter's record-linkage model, with ratios set from what
// databases do to a record rather than fitted): an equal title +10, the same first author +4, the
// same first page +5, another volume -6, and so on (docs/methods/dedup.md has the table). Some
// differences are not evidence but proof of two items: different DOIs or PMIDs, years more than
// one apart, a conference abstract and an article, an erratum or reply and its paper.

#include "record_match.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <unordered_set>

namespace carta::review::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

const std::unordered_set<std::string_view>& title_stopwords() {
  static const std::unordered_set<std::string_view> kWords{
      "a",   "an",   "the",  "of",   "in",   "on", "at",  "and", "or",   "for",  "from",   "to",   "with", "by",
      "as",  "is",   "are",  "be",   "its",  "their", "this", "that", "into", "via", "vs", "versus", "do", "does"};
  return kWords;
}

// Words that make up titles which recur across unrelated items (editorials, errata, proceedings
// volumes, meeting abstracts): a title made of them says nothing about which item it is.
const std::unordered_set<std::string_view>& generic_words() {
  static const std::unordered_set<std::string_view> kWords{
      "editorial", "editorials", "erratum", "errata", "corrigendum", "corrigenda", "correction", "corrections",
      "reply", "replies", "response", "letter", "letters", "editor", "editors", "comment", "comments",
      "commentary", "introduction", "preface", "foreword", "abstracts", "abstract", "proceedings", "volume", "vol",
      "index", "contents", "book", "books", "review", "reviews", "news", "announcement", "announcements",
      "obituary", "memoriam", "highlights", "conference", "meeting", "congress", "symposium", "session", "sessions",
      "poster", "posters", "presentations", "presentation", "oral", "supplement", "issue", "author", "authors",
      "note", "notes", "summary", "report", "reports", "annual", "program", "programme", "part", "section",
      "chapter", "appendix", "acknowledgment", "acknowledgement", "acknowledgments", "acknowledgements",
      "reviewers", "notice", "guest", "invited", "discussion", "retraction", "retracted", "withdrawn", "title",
      "untitled", "page", "pages", "cover", "information", "instructions", "correspondence", "president",
      "presidential", "address", "lecture", "keynote", "remarks", "welcome", "message", "society", "minutes",
      "awards", "award", "selected", "miscellaneous", "general", "other", "new", "no", "special", "first", "second",
      "third", "st", "nd", "rd", "th", "number", "series", "year", "years", "anniversary", "update", "updates",
      "opinion", "perspective", "perspectives", "issues", "topics", "current", "advances", "case", "report"};
  return kWords;
}

// Removes the notes databases add to a title (erratum and comment notices, review and reference
// counts, language tags, a correction's reference), unwraps a title given in brackets (a
// translated title) and records the markers of errata, replies, comments and retractions.
std::string clean_title(std::string_view raw, unsigned& markers) {
  std::string t(raw);
  std::string low = lower(t);
  // Web of Science titles a correction with the corrected item's reference: "(vol 142, pg 310, 2003)".
  if (const auto at = low.find("(vol "); at != std::string::npos && low.find(" pg ", at) != std::string::npos) {
    markers |= kErratum;
    const auto close = low.find(')', at);
    t.erase(at, close == std::string::npos ? std::string::npos : close - at + 1);
    low = lower(t);
  }
  // Embase titles an erratum with the corrected item's citation: "Title (New England Journal of
  // Medicine (2009) 360 (542-544))": a final parenthesis that holds a year in parentheses.
  if (const auto end = t.find_last_not_of(" ."); end != std::string::npos && t[end] == ')') {
    std::size_t depth = 0, open = std::string::npos;
    for (std::size_t k = end + 1; k-- > 0;) {
      if (t[k] == ')') ++depth;
      if (t[k] == '(' && --depth == 0) {
        open = k;
        break;
      }
    }
    if (open != std::string::npos && open > 0) {
      const std::string inner = t.substr(open + 1, end - open - 1);
      bool year_in_parentheses = false;
      for (std::size_t k = 0; k + 5 < inner.size(); ++k) {
        year_in_parentheses = year_in_parentheses ||
                              (inner[k] == '(' && inner[k + 5] == ')' &&
                               std::all_of(inner.begin() + static_cast<std::ptrdiff_t>(k + 1),
                                           inner.begin() + static_cast<std::ptrdiff_t>(k + 5),
                                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }));
      }
      if (year_in_parentheses) {
        markers |= kErratum;
        t.erase(open);
      }
    }
  }
  static const std::array<std::string_view, 24> kNotes{
      "erratum appears", "erratum in", "comment in", "comment on", "retraction in", "retraction of", "update in",
      "update of", "republished", "corrected", "summary for patients", "review", "abstract no", "article in",
      "english abstract", "see ", "published erratum", "reprint", "letter", "editorial", "news", "epub", "original",
      "author's transl"};
  // A character lost to an encoding ("Fran?ais", "pedi?tricas"): dropped, so that the word is one
  // letter short of the right one (a typo) instead of two words.
  for (std::size_t q = 1; q + 1 < t.size(); ++q) {
    if (t[q] == '?' && std::isalpha(static_cast<unsigned char>(t[q - 1])) && std::isalpha(static_cast<unsigned char>(t[q + 1]))) {
      t.erase(q, 1);
    }
  }
  // Bracketed groups (nested ones inside: "[Erratum appears in ... Note: X [added]]"): notes go,
  // also when the title was cut before the closing bracket; a final short group (a language tag)
  // goes; others lose the brackets.
  for (std::size_t open = t.find('['); open != std::string::npos; open = t.find('[', open)) {
    std::size_t close = std::string::npos;
    for (std::size_t k = open + 1, depth = 1; k < t.size(); ++k) {
      if (t[k] == '[') ++depth;
      if (t[k] == ']' && --depth == 0) {
        close = k;
        break;
      }
    }
    const bool unclosed = close == std::string::npos;
    if (unclosed) close = t.size();
    const std::string content = lower(t.substr(open + 1, close - open - 1));
    std::string_view c = content;
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    bool note = std::any_of(kNotes.begin(), kNotes.end(), [&](std::string_view n) { return starts_with(c, n); });
    if (!note && c.find(" refs") != std::string_view::npos && !c.empty() && std::isdigit(static_cast<unsigned char>(c[0]))) note = true;
    const bool at_end = unclosed || t.find_first_not_of(" .;:", close + 1) == std::string::npos;
    const auto words = std::count(c.begin(), c.end(), ' ') + 1;
    if (note || (at_end && words <= 3 && open > 0)) {
      t.erase(open, unclosed ? std::string::npos : close - open + 1);
    } else {
      t[open] = ' ';
      if (!unclosed) t[close] = ' ';
      open = unclosed ? t.size() : close;
    }
  }
  // A short parenthesis at the end: "(author's transl)", "(multiple letters)", "(review)", "(aHUS)".
  for (;;) {
    std::size_t end = t.find_last_not_of(" .;:");
    if (end == std::string::npos || t[end] != ')') break;
    const std::size_t open = t.rfind('(', end);
    if (open == std::string::npos || open == 0) break;
    const std::string_view inner = std::string_view(t).substr(open + 1, end - open - 1);
    if (std::count(inner.begin(), inner.end(), ' ') >= 4) break;
    t.erase(open);
  }
  for (auto at = lower(t).find("<original>"); at != std::string::npos; at = lower(t).find("<original>")) t.replace(at, 10, " ");
  return t;
}

// "ii", "iii", "iv" anywhere, and "i", "v", "x" after a word that numbers things ("phase i",
// "type i", "part v"), to digits: "Phase II" and "phase 2" are one title.
void roman_to_digits(std::vector<std::string>& words) {
  static const std::array<std::pair<std::string_view, const char*>, 12> kRoman{
      {{"i", "1"}, {"ii", "2"}, {"iii", "3"}, {"iv", "4"}, {"v", "5"}, {"vi", "6"}, {"vii", "7"}, {"viii", "8"},
       {"ix", "9"}, {"x", "10"}, {"xi", "11"}, {"xii", "12"}}};
  static const std::unordered_set<std::string_view> kCounted{
      "part", "phase", "type", "stage", "grade", "class", "study", "trial", "chapter", "volume", "vol", "no",
      "series", "section", "level", "group", "step", "tier", "arm", "cohort", "round", "wave"};
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (const auto& [roman, digits] : kRoman) {
      if (words[i] != roman) continue;
      const bool ambiguous = roman.size() == 1;
      if (!ambiguous || (i > 0 && kCounted.count(words[i - 1]))) words[i] = digits;
      break;
    }
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Two words that a typo, a spelling variant, a plural or an abbreviation tell apart.
bool near_word(const std::string& a, const std::string& b) {
  const std::size_t shorter = std::min(a.size(), b.size());
  if (shorter < 4) return false;
  if (std::any_of(a.begin(), a.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
      std::any_of(b.begin(), b.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return false;  // numbers differ: never a typo
  }
  const std::size_t longer = std::max(a.size(), b.size());
  // A plural or an inflection ("site" / "sites", "domain" / "domains"): a prefix short of the
  // whole word by at most two letters.
  if (longer - shorter <= 2 && (starts_with(a, b) || starts_with(b, a))) return true;
  if (longer - shorter > 2) return false;
  return edit_distance(a, b) <= (shorter >= 8 ? 2u : 1u);
}

std::string family_of(const std::string& raw) {
  const auto comma = raw.find(',');
  if (comma != std::string::npos) {
    std::string family = normalise_text(raw.substr(0, comma));
    if (family.empty()) family = normalise_text(raw.substr(comma + 1));
    family.erase(std::remove(family.begin(), family.end(), ' '), family.end());
    return family;
  }
  std::vector<std::string> raw_words;
  {
    std::size_t start = 0;
    while (start < raw.size()) {
      std::size_t end = raw.find(' ', start);
      if (end == std::string::npos) end = raw.size();
      if (end > start) raw_words.push_back(raw.substr(start, end - start));
      start = end + 1;
    }
  }
  if (raw_words.empty()) return {};
  auto initials = [](const std::string& w) {
    std::string letters;
    for (char c : w) {
      if (c != '.' && c != '-') letters += c;
    }
    return !letters.empty() && letters.size() <= 3 &&
           std::all_of(letters.begin(), letters.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
  };
  std::string family;
  if (raw_words.size() >= 2 && initials(raw_words.back())) {
    // MEDLINE "Maude SL", "van der Berg J": the family name first, the initials last.
    for (std::size_t i = 0; i + 1 < raw_words.size(); ++i) family += raw_words[i] + " ";
  } else if (raw_words.size() >= 2 && initials(raw_words.front())) {
    family = raw_words.back();  // "J. M. Smith"
  } else {
    family = raw_words.front();
  }
  family = normalise_text(family);
  family.erase(std::remove(family.begin(), family.end(), ' '), family.end());
  return family;
}

bool families_match(const std::string& x, const std::string& y) {
  if (x == y) return true;
  if (x.size() < 4 || y.size() < 4) return false;
  // Compound and particle names that databases cut differently: "Le Quintrec" / "Quintrec",
  // "Goicoechea de Jorge" / "de Jorge".
  if (ends_with(x, y) || ends_with(y, x) || starts_with(x, y) || starts_with(y, x)) return true;
  return jaro_winkler(x, y) >= 0.93;
}

const std::unordered_set<std::string_view>& journal_stopwords() {
  static const std::unordered_set<std::string_view> kWords{"of",  "the", "and", "for", "in",  "on",  "at",  "de",
                                                           "des", "du",  "la",  "le",  "les", "et",  "und", "fur",
                                                           "der", "die", "das", "del", "y",   "d",   "l",   "official"};
  return kWords;
}

// One word of a journal name against another: equal, or one a contraction of the other (same
// first letter, its letters in order: ISO 4's "natl" for "national", "engl" for "england").
bool journal_word_match(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const std::string& s = a.size() <= b.size() ? a : b;
  const std::string& l = a.size() <= b.size() ? b : a;
  if (s.empty() || s[0] != l[0]) return false;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  std::size_t j = 0;
  for (char c : s) {
    while (j < l.size() && l[j] != c) ++j;
    if (j == l.size()) return false;
    ++j;
  }
  return true;
}

bool journal_form_match(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return false;
  if (a.size() == b.size()) {
    bool all = true;
    for (std::size_t i = 0; i < a.size() && all; ++i) all = journal_word_match(a[i], b[i]);
    if (all) return true;
  }
  // An acronym: "jama", "bmj", "jpen".
  auto acronym = [](const std::vector<std::string>& one, const std::vector<std::string>& many) {
    if (one.size() != 1 || many.size() < 2 || one[0].size() != many.size()) return false;
    for (std::size_t i = 0; i < many.size(); ++i) {
      if (many[i][0] != one[0][i]) return false;
    }
    return true;
  };
  if (acronym(a, b) || acronym(b, a)) return true;
  // A translated name followed by the English one: the last three or more words agree.
  const auto& s = a.size() <= b.size() ? a : b;
  const auto& l = a.size() <= b.size() ? b : a;
  if (s.size() >= 3 && l.size() > s.size()) {
    bool tail = true;
    for (std::size_t i = 0; i < s.size() && tail; ++i) tail = s[i] == l[l.size() - s.size() + i];
    if (tail) return true;
  }
  return false;
}

enum class Level { kMissing, kSame, kCompatible, kTouching, kNeutral, kDifferent };

Level compare_pages(const PageRange& a, const PageRange& b) {
  if (!a.known() || !b.known()) return Level::kMissing;
  if (a.first > 0 && b.first > 0) {
    if (a.locator != b.locator) {
      // An article number against printed pages: two numbering systems. A PDF's "1-6" against
      // "e12724" is the same article.
      return Level::kNeutral;
    }
    if (a.first == b.first) return Level::kSame;
    if (a.locator) return Level::kDifferent;
    if (a.last == b.last && a.last > 0) return Level::kCompatible;  // a slip in the first page
    const long lo = std::max(a.first, b.first), hi = std::min(a.last, b.last);
    if (hi - lo >= 1) return Level::kCompatible;  // overlapping ranges: two articles cannot share them
    if (hi == lo) return Level::kTouching;         // a page shared: one article may end where another starts
    // One range given by its end page only ("569" against "567-569").
    if ((a.first == a.last && a.first == b.last) || (b.first == b.last && b.first == a.last)) return Level::kCompatible;
    return Level::kDifferent;
  }
  // Only the end of one is known ("Suppl-29" against "S417-S429"): its digits end the other's.
  const long end_a = a.last, end_b = b.last;
  if (end_a <= 0 || end_b <= 0) return Level::kNeutral;
  const std::string x = std::to_string(end_a), y = std::to_string(end_b);
  return ends_with(x, y) || ends_with(y, x) ? Level::kCompatible : Level::kNeutral;
}

struct TitleVerdict {
  double weight = 0.0;
  const char* what = "";
};

TitleVerdict compare_titles(const Prepared& a, const Prepared& b) {
  if (a.title.empty() || b.title.empty()) return {0.0, "a title is missing"};
  TitleVerdict v;
  const bool numbers_differ = a.numbers != b.numbers;
  if (a.compact == b.compact) {
    v = {10.0, "titles equal"};
  } else {
    // A title cut by a database's field limit: cut inside a word, or long. (A shorter title
    // that ends at a word boundary may instead lack a subtitle such as ": an updated analysis",
    // which the word comparison below weighs.)
    const std::string& st = a.title.size() <= b.title.size() ? a.title : b.title;
    const std::string& lt = a.title.size() <= b.title.size() ? b.title : a.title;
    const bool cut = st.size() >= 40 && starts_with(lt, st) && (st.size() >= 150 || lt[st.size()] != ' ');
    if (cut) {
      v = {8.0, "one title is the other truncated"};
    } else {
      // Words of one and not the other, then typos and joined words paired off.
      thread_local std::vector<const std::string*> ua, ub;
      ua.clear();
      ub.clear();
      {
        std::size_t i = 0, j = 0;
        while (i < a.word_ids.size() || j < b.word_ids.size()) {
          if (j == b.word_ids.size() || (i < a.word_ids.size() && a.word_ids[i] < b.word_ids[j])) {
            ua.push_back(&a.words[i++]);
          } else if (i == a.word_ids.size() || b.word_ids[j] < a.word_ids[i]) {
            ub.push_back(&b.words[j++]);
          } else {
            ++i;
            ++j;
          }
        }
      }
      const std::size_t na = a.words.size(), nb = b.words.size();
      // A title cut inside its last word ("... lymphoblastic leuk"): that stub and the whole word.
      auto uncut = [](const Prepared& p, std::vector<const std::string*>& mine, std::vector<const std::string*>& theirs) {
        if (p.trailing.empty()) return;
        const std::string& stub = p.trailing.back();
        const auto at = std::find_if(mine.begin(), mine.end(), [&](const std::string* w) { return *w == stub; });
        if (at == mine.end()) return;
        const auto whole = std::find_if(theirs.begin(), theirs.end(), [&](const std::string* w) { return w->size() > stub.size() && starts_with(*w, stub); });
        if (whole == theirs.end()) return;
        mine.erase(at);
        theirs.erase(whole);
      };
      uncut(a, ua, ub);
      uncut(b, ub, ua);
      if (ua.size() + ub.size() <= 24) {
        for (std::size_t i = 0; i < ua.size();) {
          bool paired = false;
          for (std::size_t j = 0; j < ub.size() && !paired; ++j) {
            if (near_word(*ua[i], *ub[j])) {
              ub.erase(ub.begin() + static_cast<std::ptrdiff_t>(j));
              paired = true;
            }
          }
          if (paired) {
            ua.erase(ua.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            ++i;
          }
        }
        // "gastriccancer" against "gastric cancer", "subgroup" against "sub group".
        auto unjoin = [](std::vector<const std::string*>& joined, std::vector<const std::string*>& parts) {
          for (std::size_t i = 0; i < joined.size();) {
            bool found = false;
            const std::string& whole = *joined[i];
            for (std::size_t p = 0; p < parts.size() && !found; ++p) {
              if (parts[p]->size() >= whole.size() || !starts_with(whole, *parts[p])) continue;
              for (std::size_t q = 0; q < parts.size() && !found; ++q) {
                if (p != q && whole.size() == parts[p]->size() + parts[q]->size() && ends_with(whole, *parts[q])) {
                  parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(std::max(p, q)));
                  parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(std::min(p, q)));
                  found = true;
                }
              }
            }
            if (found) {
              joined.erase(joined.begin() + static_cast<std::ptrdiff_t>(i));
            } else {
              ++i;
            }
          }
        };
        unjoin(ua, ub);
        unjoin(ub, ua);
      }
      const std::size_t smaller = std::min(na, nb);
      const std::size_t common = na - std::min(na, ua.size());
      if (ua.empty() && ub.empty()) {
        v = {8.0, "titles differ only in typos, spelling or punctuation"};
      } else if (ua.empty() || ub.empty()) {
        // The words of one are all in the other: a subtitle dropped, a translation added. When the
        // shorter title is under two fifths of the longer, it is more likely a theme of it.
        const bool covers = 5 * smaller >= 2 * std::max(na, nb);
        v = smaller >= 5 && covers ? TitleVerdict{6.0, "one title contains the other"}
                                   : TitleVerdict{2.0, "one title's words are a small part of the other"};
      } else if (std::max(ua.size(), ub.size()) == 1 && common >= 6) {
        v = {2.0, "titles differ in one word"};
      } else if (static_cast<double>(common) >= 0.7 * static_cast<double>(std::max(na, nb))) {
        v = {-2.0, "titles differ in several words"};
      } else {
        v = {-8.0, "titles differ"};
      }
    }
  }
  if (numbers_differ && v.weight > 0.0) v = {0.0, "titles differ in a number"};
  if ((a.generic || b.generic) && v.weight > 2.0) v = {2.0, "a recurring title (editorial, erratum, volume, ...)"};
  if ((a.short_title || b.short_title) && v.weight > 4.0) v = {4.0, "a short title"};
  return v;
}

}  // namespace

JournalForms journal_forms(std::string_view journal) {
  JournalForms forms;
  std::string s(journal);
  std::vector<std::string> bracketed;
  // Qualifiers in brackets or parentheses: "(Print)", "(London, England)", "[Electronic Resource]";
  // one of three words or more is another name ("Gan to Kagaku Ryoho [Japanese Journal of Cancer
  // & Chemotherapy]").
  for (char open : {'(', '['}) {
    const char close = open == '(' ? ')' : ']';
    for (auto at = s.find(open); at != std::string::npos; at = s.find(open, at)) {
      const auto end = s.find(close, at);
      const std::string inner = s.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
      if (std::count(inner.begin(), inner.end(), ' ') >= 2) bracketed.push_back(inner);
      s.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
    }
  }
  auto add = [&](std::string_view piece) {
    std::vector<std::string> words;
    for (auto& w : split_words(normalise_text(piece))) {
      if (!journal_stopwords().count(w)) words.push_back(std::move(w));
    }
    if (!words.empty() && std::find(forms.begin(), forms.end(), words) == forms.end()) forms.push_back(std::move(words));
  };
  add(s);
  // Parts: "Ai zheng = Aizheng = Chinese journal of cancer", "JPEN: Journal of parenteral ...",
  // "Pediatric Nephrology.Conference: 44th Annual Meeting".
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const bool cut = i == s.size() || s[i] == '=' || s[i] == ':' ||
                     (s[i] == '.' && i + 1 < s.size() && (s[i + 1] == ' ' || std::isupper(static_cast<unsigned char>(s[i + 1]))));
    if (!cut) continue;
    if (start > 0 || i < s.size()) add(std::string_view(s).substr(start, i - start));
    start = i + 1;
  }
  for (const auto& b : bracketed) add(b);
  return forms;
}

bool journal_forms_match(const JournalForms& a, const JournalForms& b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (journal_form_match(x, y)) return true;
    }
  }
  return false;
}

// One journal's name begins the other's: a section or series ("Nephron" and "Nephron - Clinical
// Practice") or a sister journal ("Blood" and "Blood Advances", told apart by their volumes).
bool journal_forms_related(const JournalForms& a, const JournalForms& b) {
  if (a.empty() || b.empty()) return false;
  const auto& x = a.front();
  const auto& y = b.front();
  const auto& s = x.size() <= y.size() ? x : y;
  const auto& l = x.size() <= y.size() ? y : x;
  if (s.size() == l.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!journal_word_match(s[i], l[i])) return false;
  }
  return true;
}

Prepared prepare(const BibRecord& r) {
  Prepared p;
  p.title = normalise_text(clean_title(r.title, p.markers));
  std::vector<std::string> words = split_words(p.title);
  roman_to_digits(words);
  p.title.clear();
  for (const auto& w : words) p.title += (p.title.empty() ? "" : " ") + w;
  for (const auto& w : words) p.compact += w;
  static const std::unordered_set<std::string_view> kAnywhere{"erratum", "errata", "corrigendum", "corrigenda", "reply",
                                                              "replies", "retraction", "retracted"};
  for (const auto& w : words) {
    if (!kAnywhere.count(w)) continue;
    p.markers |= starts_with(w, "repl") ? kReply : starts_with(w, "retract") ? kRetraction : kErratum;
  }
  if (!words.empty()) {
    for (const std::string* w : {&words.front(), &words.back()}) {
      if (*w == "correction" || *w == "corrections") p.markers |= kErratum;
      if (*w == "response") p.markers |= kReply;
      if (*w == "comment" || *w == "comments" || *w == "commentary") p.markers |= kComment;
      if (*w == "withdrawn") p.markers |= kRetraction;
    }
  }
  std::size_t content = 0, generic = 0;
  for (const auto& w : words) {
    std::string digits;
    for (std::size_t i = 0; i <= w.size(); ++i) {
      if (i < w.size() && std::isdigit(static_cast<unsigned char>(w[i]))) {
        digits += w[i];
      } else if (!digits.empty()) {
        while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
        p.numbers.push_back(digits);
        digits.clear();
      }
    }
    if (title_stopwords().count(w)) continue;
    p.words.push_back(w);
    const bool number = std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!number) {
      ++content;
      if (generic_words().count(w)) ++generic;
    }
  }
  for (std::size_t i = 0; i < p.words.size() && i < 4; ++i) p.leading.push_back(p.words[i]);
  for (std::size_t i = p.words.size() > 4 ? p.words.size() - 4 : 0; i < p.words.size(); ++i) p.trailing.push_back(p.words[i]);
  {
    std::vector<std::pair<std::uint64_t, std::string>> hashed;
    for (auto& w : p.words) hashed.push_back({std::hash<std::string>{}(w), std::move(w)});
    std::sort(hashed.begin(), hashed.end());
    p.words.clear();
    for (auto& [h, w] : hashed) {
      p.word_ids.push_back(h);
      p.words.push_back(std::move(w));
    }
  }
  std::sort(p.numbers.begin(), p.numbers.end());
  p.generic = !p.title.empty() && generic == content;
  p.short_title = content < 4;
  for (const auto h : p.word_ids) p.signature |= std::uint64_t{1} << (h % 64);

  for (std::size_t i = 0; i < r.authors.size() && p.families.size() < 12; ++i) {
    const std::string low = normalise_text(r.authors[i]);
    if (low.empty() || low == "anonymous" || low == "et al") continue;
    std::string f = family_of(r.authors[i]);
    if (f.empty()) continue;
    if (p.families.empty()) {
      for (auto& w : split_words(low)) {
        if (w.size() >= 3) p.name_words.push_back(std::move(w));
      }
    }
    p.families.push_back(std::move(f));
  }
  const std::string digits = first_page(r.year);
  if (digits.size() >= 4) p.year = std::atoi(digits.substr(0, 4).c_str());
  p.journal = journal_forms(r.journal);
  {
    const std::string v = first_page(r.volume);
    if (!v.empty() && v.size() <= 9) p.volume = std::atol(v.c_str());
  }
  p.issue = normalise_text(r.issue);
  p.pages = parse_pages(r.pages);
  {
    // Supplement: "Suppl 2" in the volume or issue, "s2" as the issue, "S33-38" as the pages.
    const std::string v = lower(r.volume), i = lower(r.issue), g = lower(r.pages);
    p.supplement = v.find("suppl") != std::string::npos || i.find("suppl") != std::string::npos ||
                   (i.size() >= 2 && i[0] == 's' && std::isdigit(static_cast<unsigned char>(i[1]))) ||
                   (g.size() >= 2 && g[0] == 's' && std::isdigit(static_cast<unsigned char>(g[1])));
  }
  p.doi = normalise_doi(r.doi);
  p.pmid = first_page(r.pmid);
  p.conference = is_conference(r);
  for (const std::string* f : {&r.title, &r.year, &r.journal, &r.volume, &r.issue, &r.pages, &r.doi, &r.pmid}) {
    p.completeness += f->empty() ? 0 : 1;
  }
  p.completeness += r.authors.empty() ? 0 : 1;
  p.completeness += r.abstract.empty() ? 0 : 3;  // a record with the abstract is the better one to keep
  return p;
}

double signature_overlap(const Prepared& a, const Prepared& b) {
  const auto both = static_cast<double>(__builtin_popcountll(a.signature & b.signature));
  const auto smaller = static_cast<double>(std::min(__builtin_popcountll(a.signature), __builtin_popcountll(b.signature)));
  return smaller > 0 ? both / smaller : 0.0;
}

Evidence compare(const Prepared& a, const Prepared& b, bool explain) {
  Evidence e;
  auto add = [&](double w, std::string_view what) {
    e.weight += w;
    if (explain) e.why += fmt::format("{}{} ({:+g})", e.why.empty() ? "" : ", ", what, w);
  };
  auto veto = [&](std::string_view what) {
    e.veto = true;
    if (explain) e.why = std::string(what);
    return e;
  };
  if (!a.doi.empty() && !b.doi.empty() && a.doi != b.doi) return veto("different DOIs");
  if (!a.pmid.empty() && !b.pmid.empty() && a.pmid != b.pmid) return veto("different PMIDs");
  if (a.markers != b.markers) {
    return veto("an erratum, reply, comment or retraction and the item it concerns are different items");
  }
  const bool doi_same = !a.doi.empty() && a.doi == b.doi;
  const bool pmid_same = !a.pmid.empty() && a.pmid == b.pmid;
  if (a.year && b.year && std::abs(a.year - b.year) > 1 && !doi_same && !pmid_same) return veto("years differ by more than one");
  const Level pages = compare_pages(a.pages, b.pages);
  const Level volume = a.volume && b.volume ? (a.volume == b.volume ? Level::kSame : Level::kDifferent) : Level::kMissing;
  const TitleVerdict title = compare_titles(a, b);
  if (a.conference != b.conference) {
    // Different reports of a study, except one abstract that one database lists as a meeting
    // abstract and another as a journal item: the same title, year and journal, and the journal
    // item is abstract-sized (one page, or in a supplement).
    const Prepared& item = a.conference ? b : a;
    const bool abstract_sized = item.supplement || (item.pages.first > 0 && item.pages.first == item.pages.last) ||
                                (volume == Level::kSame && pages == Level::kSame);
    const bool same_abstract = title.weight >= 8.0 && a.year && a.year == b.year && !a.journal.empty() &&
                               !b.journal.empty() && journal_forms_match(a.journal, b.journal) &&
                               volume != Level::kDifferent && pages != Level::kDifferent && abstract_sized;
    if (!same_abstract) return veto("a conference abstract and a journal article are different reports");
  }

  add(title.weight, title.what);
  if (doi_same || pmid_same) {
    // An identifier is proof only with the titles: a supplement's DOI is shared by its abstracts.
    if (title.weight > -2.0 || a.title.empty() || b.title.empty()) {
      add(8.0, doi_same ? "same DOI" : "same PMID");
    } else {
      e.identifier_shared_titles_differ = true;
      if (explain) e.why += doi_same ? ", same DOI but the titles differ" : ", same PMID but the titles differ";
    }
  }
  if (!a.families.empty() && !b.families.empty()) {
    if (families_match(a.families.front(), b.families.front())) {
      add(4.0, "first author agrees");
    } else {
      const auto& s = a.families.size() <= b.families.size() ? a.families : b.families;
      const auto& l = a.families.size() <= b.families.size() ? b.families : a.families;
      std::size_t found = 0;
      for (const auto& x : s) {
        for (const auto& y : l) {
          if (x == y || (x.size() >= 4 && y.size() >= 4 && (ends_with(x, y) || ends_with(y, x)))) {
            ++found;
            break;
          }
        }
      }
      bool name_word = false;
      for (const auto& x : a.name_words) {
        name_word = name_word || (x.size() >= 4 && std::find(b.name_words.begin(), b.name_words.end(), x) != b.name_words.end());
      }
      if (s.size() >= 2 && 2 * found >= s.size()) {
        add(2.0, "most authors agree, not the first");
      } else if (found > 0 || name_word) {
        add(1.0, "some authors agree");
      } else {
        add(-3.0, "authors differ");
      }
    }
  }
  if (a.year && b.year) {
    if (a.year == b.year) add(1.0, "same year");
    else if (std::abs(a.year - b.year) == 1) add(0.0, "years one apart");
    else add(0.0, "years differ (identifier shared)");
  }
  if (!a.journal.empty() && !b.journal.empty()) {
    if (journal_forms_match(a.journal, b.journal)) add(2.0, "same journal");
    else if (journal_forms_related(a.journal, b.journal)) add(0.0, "one journal's name begins the other's");
    else add(-5.0, "journals differ");
  }
  if (volume == Level::kSame) add(3.0, "same volume");
  else if (volume == Level::kDifferent) add(-6.0, "volumes differ");
  if (!a.issue.empty() && a.issue == b.issue) add(1.0, "same issue");
  Level page_level = pages;
  // An online-first record paginated from 1 and without a volume against the printed one.
  if (pages == Level::kDifferent && ((a.pages.first == 1 && !a.volume) || (b.pages.first == 1 && !b.volume))) {
    page_level = Level::kNeutral;
  }
  switch (page_level) {
    case Level::kSame: add(5.0, "same first page"); break;
    case Level::kCompatible: add(3.0, "page ranges agree"); break;
    case Level::kTouching: add(0.0, "page ranges share one page"); break;
    case Level::kNeutral: add(0.0, "pages not comparable"); break;
    case Level::kDifferent: add(-10.0, "pages differ"); break;
    case Level::kMissing: break;
  }
  // Titles that disagree are two items, whatever else agrees: abstracts, letters and replies
  // share a journal's volume and page, and a research group shares its authors.
  if (title.weight < 0.0 && !doi_same && !pmid_same && e.weight > 13.0) {
    e.weight = 13.0;
    if (explain) e.why += ", the titles disagree (at most 13)";
  }
  // Without a title the locator alone (journal, volume, page) also fits the other abstracts and
  // letters printed on that page: such a pair is for a person to decide.
  if ((a.title.empty() || b.title.empty()) && !doi_same && !pmid_same && e.weight > 13.0) {
    e.weight = 13.0;
    if (explain) e.why += ", a title is missing (at most 13)";
  }
  return e;
}

double score_of(const Evidence& e) { return e.veto ? 0.0 : 1.0 / (1.0 + std::exp2(10.0 - e.weight)); }

}  // namespace carta::review::detail
