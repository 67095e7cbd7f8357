// What every reader shares: lines, the record builder (values to BibRecord fields, with the
// rules for identifiers, pages, years and lists written once), and the context of notes.

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "../text.hpp"
#include "carta/error.hpp"
#include "reader.hpp"
#include "values.hpp"

namespace carta::io::records {

using detail::trim;

const char* const kFormatsRead =
    "RIS (.ris), PubMed MEDLINE (.nbib, .txt), Web of Science plain text (.ciw, .txt) and tab-delimited, Ovid "
    "(.ovd, .cgi), EndNote XML (EndNote, Zotero, Mendeley), BibTeX (.bib) and CSV or tab-delimited tables with a "
    "title column (Scopus, Zotero, EndNote, Rayyan, Covidence)";

bool Lines::next(std::string_view& line) {
  if (position_ >= text_.size()) return false;
  const char* begin = text_.data() + position_;
  const char* end = text_.data() + text_.size();
  const char* p = begin;
  while (p != end && *p != '\n' && *p != '\r') ++p;
  line = std::string_view(begin, static_cast<std::size_t>(p - begin));
  if (p != end) {
    if (*p == '\r' && p + 1 != end && p[1] == '\n') ++p;
    ++p;
  }
  position_ = static_cast<std::size_t>(p - text_.data());
  ++number_;
  return true;
}

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

}  // namespace

bool is_ris_tag_line(std::string_view line) {
  // "TY  - JOUR": a letter and a letter or digit, two blanks, a dash, then a blank or the end.
  // Lower-case tags ("ty  - ") are read too.
  if (line.size() < 5 || !is_alpha(line[0]) || !is_alnum(line[1]) || line[2] != ' ' || line[3] != ' ' ||
      line[4] != '-') {
    return false;
  }
  return line.size() == 5 || line[5] == ' ' || line[5] == '\t';
}

bool is_ris_record_number(std::string_view line) {
  line = trim(line);
  if (line.empty()) return false;
  // "12." as EndNote's numbered styles write above each record.
  if (line.back() == '.' && line.size() >= 2 &&
      std::all_of(line.begin(), line.end() - 1, [](char c) { return is_digit(c); })) {
    return true;
  }
  // "Record #1 of 2" as EndNote and Ovid write above each record.
  if (line.size() > 8 && line.substr(0, 8) == "Record #") {
    std::size_t i = 8;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (i == 8) return false;
    if (i == line.size()) return true;
    if (line.substr(i, 4) != " of ") return false;
    i += 4;
    const std::size_t digits = i;
    while (i < line.size() && is_digit(line[i])) ++i;
    return i == line.size() && i > digits;
  }
  return false;
}

bool is_medline_tag_line(std::string_view line) {
  // "PMID- 123", "TI  - ...", "FAU - ...": up to four capitals or digits, padded with blanks to
  // four, a dash, then a blank or the end.
  if (line.size() < 5 || line[4] != '-' || !is_upper(line[0])) return false;
  bool blank = false;
  for (std::size_t i = 1; i < 4; ++i) {
    const char c = line[i];
    if (c == ' ') {
      blank = true;
    } else if (blank || !(is_upper(c) || is_digit(c))) {
      return false;
    }
  }
  return line.size() == 5 || line[5] == ' ';
}

bool is_wos_tag_line(std::string_view line) {
  // "PT J", "AU Smith, J", "ER", "EF": two capitals (or a capital and a digit), then a blank
  // and the value, or nothing.
  if (line.size() < 2 || !is_upper(line[0]) || !(is_upper(line[1]) || is_digit(line[1]))) return false;
  return line.size() == 2 || line[2] == ' ';
}

bool is_ovid_record_start(std::string_view line) {
  // "<1. >", "<3001. >", "<12>".
  line = trim(line);
  if (line.size() < 3 || line.front() != '<' || line.back() != '>') return false;
  std::size_t i = 1;
  while (i < line.size() && is_digit(line[i])) ++i;
  if (i == 1) return false;
  for (; i + 1 < line.size(); ++i) {
    if (line[i] != '.' && line[i] != ' ') return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Values

std::string clean_doi(std::string_view value) {
  value = trim(value);
  std::size_t at = value.find("10.");
  while (at != std::string_view::npos) {
    std::size_t i = at + 3;
    const std::size_t digits = i;
    while (i < value.size() && is_digit(value[i])) ++i;
    if (i - digits >= 4 && i + 1 < value.size() && value[i] == '/') {
      std::size_t end = i + 1;
      while (end < value.size() && value[end] != ' ' && value[end] != '\t') ++end;
      std::string_view doi = value.substr(at, end - at);
      while (!doi.empty() && (doi.back() == '.' || doi.back() == ',' || doi.back() == ';')) doi.remove_suffix(1);
      return std::string(doi);
    }
    at = value.find("10.", at + 1);
  }
  return {};
}

std::string extract_year(std::string_view value) {
  for (std::size_t i = 0; i + 4 <= value.size(); ++i) {
    if (!is_digit(value[i]) || (i > 0 && is_digit(value[i - 1]))) continue;
    std::size_t j = i;
    while (j < value.size() && is_digit(value[j])) ++j;
    if (j - i == 4 && (value[i] == '1' || value[i] == '2')) return std::string(value.substr(i, 4));
    i = j;
  }
  return {};
}

std::vector<std::string> split_on(std::string_view value, std::string_view separator) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t end = value.find(separator, start);
    if (end == std::string_view::npos) end = value.size();
    const auto item = trim(value.substr(start, end - start));
    if (!item.empty()) items.emplace_back(item);
    start = end + separator.size();
  }
  return items;
}

namespace {

// "Smith J", "Smith J.", "van der Berg A.B.", "Smith JA": a family name and initials.
bool looks_like_name_with_initials(std::string_view name) {
  name = trim(name);
  const auto space = name.rfind(' ');
  if (space == std::string_view::npos || space == 0) return false;
  const auto initials = name.substr(space + 1);
  if (initials.empty() || initials.size() > 8) return false;
  for (const char c : initials) {
    if (!(is_upper(c) || c == '.' || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> split_author_list(std::string_view value) {
  value = trim(value);
  if (value.empty()) return {};
  if (value.find("//") != std::string_view::npos) return split_on(value, "//");  // EndNote
  if (value.find(';') != std::string_view::npos) return split_on(value, ";");
  if (value.find(" and ") != std::string_view::npos) return split_on(value, " and ");  // Rayyan
  // "Furlanello T., Masti R., Bertolini F.M." (Scopus before 2023) or "Smith J, Doe A": every
  // comma-separated piece a family name with initials. Otherwise "Smith, John" is one name.
  const auto pieces = split_on(value, ",");
  if (pieces.size() >= 2 && std::all_of(pieces.begin(), pieces.end(), [](const std::string& p) {
        return looks_like_name_with_initials(p);
      })) {
    return pieces;
  }
  return {std::string(value)};
}

void classify_standard_numbers(std::string_view value, std::vector<std::string>& issn,
                               std::vector<std::string>& isbn) {
  // Tokens split at blanks, ';', ',', '(' and ')': "0964-6906 (Print)0964-6906",
  // "1939-1676 0891-6640", "978-1-5386-7150-4", "00280836" (Scopus writes no hyphen).
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == ';' || value[i] == ',' || value[i] == '(' ||
                                value[i] == ')' || value[i] == '\t')) {
      ++i;
    }
    std::size_t j = i;
    while (j < value.size() && !(value[j] == ' ' || value[j] == ';' || value[j] == ',' || value[j] == '(' ||
                                 value[j] == ')' || value[j] == '\t')) {
      ++j;
    }
    const auto token = value.substr(i, j - i);
    i = j;
    std::string digits;
    bool other = false;
    for (const char c : token) {
      if (is_digit(c)) {
        digits += c;
      } else if (c == 'X' || c == 'x') {
        digits += 'X';
      } else if (c != '-') {
        other = true;
      }
    }
    if (other || digits.empty()) continue;
    const auto x = digits.find('X');
    if (x != std::string::npos && x != digits.size() - 1) continue;
    auto add = [](std::vector<std::string>& list, std::string item) {
      if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
    };
    if (digits.size() == 8) {
      add(issn, digits.substr(0, 4) + "-" + digits.substr(4));
    } else if (digits.size() == 10 || digits.size() == 13) {
      add(isbn, std::string(token));
    }
  }
}

std::string ris_type_code(std::string_view type, bool has_journal) {
  std::string t;
  for (const char c : type) t += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  auto has = [&](std::string_view word) { return t.find(word) != std::string::npos; };
  if (t.empty()) return has_journal ? "JOUR" : "GEN";
  static constexpr std::string_view kRisCodes[] = {
      "abst", "advs", "aggr", "ancient", "art", "bill", "blog", "book", "case", "chap", "chart", "clswk",
      "comp", "conf", "cpaper", "ctlg", "data", "dbase", "dict", "ebook", "echap", "edbook", "ejour", "elec",
      "encyc", "equa", "figure", "gen", "govdoc", "grant", "hear", "icomm", "inpr", "jfull", "jour", "legal",
      "manscpt", "map", "mgzn", "mpct", "multi", "music", "news", "pamp", "pat", "pcomm", "rprt", "ser",
      "slide", "sound", "stand", "stat", "thes", "unbill", "unpb", "video"};
  for (const auto code : kRisCodes) {
    if (t == code) {
      std::string upper(code);
      for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
      return upper;
    }
  }
  if (has("meeting abstract") || has("conference abstract") || has("congress")) return "ABST";
  if (has("conference") || has("proceeding") || has("inproceedings") || has("meeting")) return "CONF";
  if (has("chapter") || has("section") || has("incollection") || has("inbook")) return "CHAP";
  if (has("book")) return "BOOK";
  if (has("thesis") || has("dissertation")) return "THES";
  if (has("report")) return "RPRT";
  if (has("preprint") || has("unpublished") || has("posted content")) return "UNPB";
  if (has("patent")) return "PAT";
  if (has("dataset")) return "DATA";
  if (has("web page") || has("webpage") || has("website")) return "ELEC";
  if (t == "j" || t == "17" || has("journal") || has("article") || has("review") || has("letter") ||
      has("editorial") || has("erratum") || has("comment") || has("note") || has("survey") || has("trial")) {
    return "JOUR";
  }
  if (t == "b") return "BOOK";
  if (t == "s") return "SER";
  if (t == "p") return "PAT";
  return has_journal ? "JOUR" : "GEN";
}

// "Stillman, Andrew N. (andrew.stillman@uconn.edu)" (Zoological Record), "Furlanello, Tommaso
// (57208)" (Scopus full names): the name without the address or the author ID.
std::string clean_name(std::string name) {
  if (!name.empty() && name.back() == ')') {
    const auto open = name.rfind('(');
    if (open != std::string::npos && open > 0) {
      const std::string_view inside = std::string_view(name).substr(open + 1, name.size() - open - 2);
      const bool id = !inside.empty() && std::all_of(inside.begin(), inside.end(), [](char c) { return is_digit(c); });
      if (id || inside.find('@') != std::string_view::npos) name = std::string(trim(name.substr(0, open)));
    }
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// RecordBuilder

void RecordBuilder::start(std::string source) {
  *this = RecordBuilder{};
  started_ = true;
  source_ = std::move(source);
}

void RecordBuilder::tag(const Synonym* synonym, std::string_view value) {
  flush();
  pending_ = synonym;
  pending_value_.assign(trim(value));
  have_pending_ = true;
}

void RecordBuilder::more(std::string_view text) {
  if (!have_pending_ || pending_ == nullptr) return;  // continuation of a tag carta does not use
  text = trim(text);
  if (text.empty()) return;
  if (pending_->split == Split::kPerLine) {
    const Synonym* s = pending_;
    flush();
    pending_ = s;
    pending_value_.assign(text);
    have_pending_ = true;
    return;
  }
  if (!pending_value_.empty()) pending_value_ += ' ';
  pending_value_ += text;
}

void RecordBuilder::add(const Synonym* synonym, std::string_view value) {
  flush();
  if (synonym != nullptr) apply(*synonym, value, true);
}

void RecordBuilder::flush() {
  if (have_pending_ && pending_ != nullptr) apply(*pending_, pending_value_, false);
  have_pending_ = false;
  pending_ = nullptr;
  pending_value_.clear();
}

void RecordBuilder::offer(Slot& slot, std::string_view value, int rank) {
  if (value.empty() || rank >= slot.rank) return;
  slot.value.assign(value);
  slot.rank = rank;
}

void RecordBuilder::push_standard_numbers(std::string_view value) {
  classify_standard_numbers(value, r_.issn, r_.isbn);
}

void RecordBuilder::apply(const Synonym& synonym, std::string_view raw, bool whole_cell) {
  const std::string_view value = trim(raw);
  if (value.empty()) return;
  const int rank = synonym.rank;
  // Lists: a table cell or a BibTeX field holds all items at once; tag formats give one per line
  // (already split by more()) or a ';'-separated text.
  auto items = [&]() -> std::vector<std::string> {
    switch (synonym.split) {
      case Split::kNone: return {std::string(value)};
      case Split::kPerLine:
        if (whole_cell) {
          if (value.find("//") != std::string_view::npos) return split_on(value, "//");
          return split_on(value, ";");
        }
        return {std::string(value)};
      case Split::kSemicolons:
        if (value.find("//") != std::string_view::npos) return split_on(value, "//");
        return split_on(value, ";");
      case Split::kAuthorList: return split_author_list(value);
      case Split::kCommas:
        return value.find(';') != std::string_view::npos ? split_on(value, ";") : split_on(value, ",");
    }
    return {std::string(value)};
  };
  switch (synonym.field) {
    case Field::kIgnore: break;
    case Field::kType: offer(type_, value, rank); break;
    case Field::kDocumentType: offer(document_type_, value, rank); break;
    case Field::kTitle: offer(title_, value, rank); break;
    case Field::kFallbackTitle: offer(fallback_title_, value, rank); break;
    case Field::kAuthor:
      for (auto& a : items()) r_.authors.push_back(clean_name(std::move(a)));
      break;
    case Field::kFallbackAuthor:
      for (auto& a : items()) fallback_authors_.push_back(clean_name(std::move(a)));
      break;
    case Field::kYear: offer(year_, extract_year(value), rank); break;
    case Field::kDate: offer(date_, extract_year(value), rank); break;
    case Field::kJournal: offer(journal_, value, rank); break;
    case Field::kJournalAbbrev: offer(abbrev_, value, rank); break;
    case Field::kVolume: offer(volume_, value, rank); break;
    case Field::kIssue: offer(issue_, value, rank); break;
    case Field::kPages: offer(pages_, value, rank); break;
    case Field::kStartPage: offer(start_page_, value, rank); break;
    case Field::kEndPage: offer(end_page_, value, rank); break;
    case Field::kArticleNumber: offer(article_number_, value, rank); break;
    case Field::kDoi: {
      auto doi = clean_doi(value);
      if (doi.empty() && !trim(value).empty()) {
        if (unreadable_doi_.empty()) unreadable_doi_ = detail::excerpt(trim(value));
        break;
      }
      offer(doi_, doi, rank);
      break;
    }
    case Field::kPmid: {
      // "12345", "PMID: 12345", "PMC12345" (EndNote's C2), "12345 [pubmed]".
      std::string_view v = value;
      if (v.size() > 3 && (v.substr(0, 3) == "PMC" || v.substr(0, 3) == "pmc")) {
        offer(pmcid_, v, rank);
        break;
      }
      const auto first = v.find_first_of("0123456789");
      if (first == std::string_view::npos) break;
      auto last = first;
      while (last < v.size() && is_digit(v[last])) ++last;
      offer(pmid_, v.substr(first, last - first), rank);
      break;
    }
    case Field::kPmcid: offer(pmcid_, value, rank); break;
    case Field::kAbstract: offer(abstract_, value, rank); break;
    case Field::kKeyword:
      for (auto& k : items()) r_.keywords.push_back(std::move(k));
      break;
    case Field::kStandardNumber: push_standard_numbers(value); break;
    case Field::kLanguage: offer(language_, value, rank); break;
    case Field::kUrl:
      if (value.find("doi.org/") != std::string_view::npos) offer(url_doi_, clean_doi(value), 0);
      offer(url_, value, rank);
      break;
    case Field::kPublisher: offer(publisher_, value, rank); break;
    case Field::kAccession:
      for (auto& a : items()) {
        if (std::find(r_.accession.begin(), r_.accession.end(), a) == r_.accession.end()) {
          r_.accession.push_back(std::move(a));
        }
      }
      break;
    case Field::kDatabase: offer(database_, value, rank); break;
    case Field::kId: offer(id_, value, rank); break;
    case Field::kMedlineLocation: {
      // "10.1056/NEJMoa1709866 [doi]"; other kinds ([pii], [pmc]) are not kept.
      const auto bracket = value.rfind('[');
      if (bracket != std::string_view::npos && value.substr(bracket).starts_with("[doi]")) {
        offer(doi_, clean_doi(value.substr(0, bracket)), rank);
      }
      break;
    }
    case Field::kOvidSource:
      if (ovid_source_.empty()) ovid_source_.assign(value);
      break;
    case Field::kExtra: {
      // Zotero's Extra: "PMID: 35319117  PMCID: PMC9151451"; also "DOI: ...".
      auto after = [&](std::string_view label) -> std::string_view {
        const auto at = value.find(label);
        if (at == std::string_view::npos) return {};
        auto rest = trim(value.substr(at + label.size()));
        const auto end = rest.find_first_of(" \t\n;");
        return end == std::string_view::npos ? rest : rest.substr(0, end);
      };
      const auto pmid = after("PMID:");
      if (!pmid.empty() && std::all_of(pmid.begin(), pmid.end(), [](char c) { return is_digit(c); })) {
        offer(pmid_, pmid, rank + 1);
      }
      const auto pmcid = after("PMCID:");
      if (pmcid.starts_with("PMC")) offer(pmcid_, pmcid, rank + 1);
      const auto doi = after("DOI:");
      if (!doi.empty()) offer(doi_, clean_doi(doi), rank + 1);
      break;
    }
  }
}

namespace {

using detail::ascii_lower;

// Ovid's SO field: "Journal of Clinical Oncology. 36(15):1234-1240, 2018 May 20." or Embase's
// "BMC Proceedings. Conference: ... 12 (Supplement 3) (no pagination), 2018. Date of
// Publication: 2018."
void parse_ovid_source(std::string_view so, review::BibRecord& r) {
  const std::string text(so);
  if (r.journal.empty()) {
    const auto stop = text.find(". ");
    r.journal = trim(text.substr(0, stop == std::string::npos ? text.size() : stop));
    while (!r.journal.empty() && r.journal.back() == '.') r.journal.pop_back();
  }
  static const std::regex volume_issue_pages(R"((\d+)\s*\(([^()]+)\)\s*(?::\s*([A-Za-z]?\d+(?:-[A-Za-z]?\d+)?))?)");
  static const std::regex volume_pages(R"((\d+)\s*:\s*([A-Za-z]?\d+(?:-[A-Za-z]?\d+)?))");
  static const std::regex year(R"(,\s*((?:1[5-9]|20)\d\d)\b)");
  std::smatch m;
  if (std::regex_search(text, m, volume_issue_pages)) {
    if (r.volume.empty()) r.volume = m[1];
    if (r.issue.empty()) r.issue = m[2];
    if (r.pages.empty() && m[3].matched) r.pages = m[3];
  } else if (std::regex_search(text, m, volume_pages)) {
    if (r.volume.empty()) r.volume = m[1];
    if (r.pages.empty()) r.pages = m[2];
  }
  if (r.year.empty() && std::regex_search(text, m, year)) r.year = m[1];
}

}  // namespace

review::BibRecord RecordBuilder::finish(std::string& why) {
  flush();
  review::BibRecord r = std::move(r_);
  r.source = source_;
  r.title = !title_.value.empty() ? std::move(title_.value) : std::move(fallback_title_.value);
  if (r.authors.empty()) r.authors = std::move(fallback_authors_);
  r.year = !year_.value.empty() ? std::move(year_.value) : std::move(date_.value);
  r.journal = std::move(journal_.value);
  r.journal_abbrev = std::move(abbrev_.value);
  r.volume = std::move(volume_.value);
  r.issue = std::move(issue_.value);
  r.pages = std::move(pages_.value);
  if (r.pages.empty() && !start_page_.value.empty()) {
    const auto& s = start_page_.value;
    const auto& e = end_page_.value;
    r.pages = (e.empty() || e == s || s.find('-') != std::string::npos) ? s : s + "-" + e;
  }
  r.article_number = std::move(article_number_.value);
  r.doi = !doi_.value.empty() ? std::move(doi_.value) : std::move(url_doi_.value);
  r.pmid = std::move(pmid_.value);
  r.pmcid = std::move(pmcid_.value);
  r.abstract = std::move(abstract_.value);
  r.language = std::move(language_.value);
  r.url = std::move(url_.value);
  r.publisher = std::move(publisher_.value);
  r.database = std::move(database_.value);
  r.id = std::move(id_.value);
  // The database's document type ("Conference Paper", "Meeting Abstract") says more than the
  // generic type ("JOUR", "J"); RIS M3 sometimes holds a DOI instead.
  std::string document_type = std::move(document_type_.value);
  if (!document_type.empty() && document_type.starts_with("10.")) {
    if (r.doi.empty()) r.doi = clean_doi(document_type);
    document_type.clear();
  }
  r.type = !document_type.empty() ? document_type : std::move(type_.value);
  remarks_.clear();
  if (r.doi.empty() && !unreadable_doi_.empty()) {
    // Without a DOI the record still matches by PMID, title and the rest; a value carta cannot
    // read as one is said, not dropped silently.
    remarks_.push_back(fmt::format("the DOI field holds '{}', which is not a DOI (10.NNNN/suffix); the record is kept without one",
                                   unreadable_doi_));
  }
  if (!ovid_source_.empty()) parse_ovid_source(ovid_source_, r);
  if (r.journal.empty()) r.journal = r.journal_abbrev;
  // An accession number of a MEDLINE or PubMed record is its PMID (EndNote's "DP  - NLM", Ovid
  // MEDLINE's UI); elsewhere digits alone may be an Embase or CINAHL number, never taken as one.
  if (r.pmid.empty() && !r.accession.empty()) {
    const auto db = ascii_lower(r.database);
    if (db.find("pubmed") != std::string::npos || db.find("medline") != std::string::npos || db == "nlm") {
      for (auto it = r.accession.begin(); it != r.accession.end(); ++it) {
        if (!it->empty() && it->size() <= 9 && std::all_of(it->begin(), it->end(), [](char c) { return is_digit(c); })) {
          r.pmid = std::move(*it);
          r.accession.erase(it);
          break;
        }
      }
    }
  }
  r.type_code = ris_type_code(r.type, !r.journal.empty());
  why.clear();
  if (r.title.empty() && r.doi.empty() && r.pmid.empty() && r.accession.empty()) {
    why = "the record has no title and no identifier (DOI, PMID or accession number)";
  }
  // Without an ID of its own, a record is named by its PMID (stable across exports), else by file:line.
  if (r.id.empty()) r.id = !r.pmid.empty() ? r.pmid : r.source;
  auto remarks = std::move(remarks_);
  *this = RecordBuilder{};
  remarks_ = std::move(remarks);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Context

namespace {
constexpr std::size_t kMaxNotes = 25;
}

std::string Context::at(std::size_t line) const { return fmt::format("{}:{}", source_, line); }

void Context::note(std::string text) {
  if (load_.notes.size() >= kMaxNotes) {
    ++notes_dropped_;
    return;
  }
  load_.notes.push_back(std::move(text));
}

void Context::repair(std::size_t line, const std::string& what, const std::string& done) {
  if (options_.strict) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: {} (--strict: carta repairs nothing)", at(line), what));
  }
  note(fmt::format("{}: {}; {}", at(line), what, done));
}

void Context::skip(std::size_t line, const std::string& why) {
  if (options_.strict) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: {} (--strict: carta skips no record)", at(line), why));
  }
  ++load_.skipped;
  note(fmt::format("{}: {}; the record is skipped", at(line), why));
}

void Context::cut_short(std::size_t line, const std::string& what) {
  if (options_.strict) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: {} (the file may be truncated; --strict: carta keeps no partial record)", at(line), what));
  }
  note(fmt::format("{}: {} (the file may be truncated); it is kept", at(line), what));
}

void Context::keep(RecordBuilder& builder, std::size_t line) {
  std::string why;
  auto record = builder.finish(why);
  if (!why.empty()) {
    skip(line, why);
    return;
  }
  for (const auto& remark : builder.remarks()) note(fmt::format("{}: {}", record.source, remark));
  load_.records.push_back(std::move(record));
}

void Context::outside(std::size_t line, std::string_view text) {
  if (outside_lines_++ == 0) {
    outside_first_ = line;
    outside_text_ = detail::excerpt(trim(text));
  }
}

void Context::close_notes() {
  if (outside_lines_ > 0) {
    note(fmt::format("{}: {} line(s) outside any record ignored, the first: '{}'", at(outside_first_), outside_lines_,
                     outside_text_));
    outside_lines_ = 0;
  }
  if (notes_dropped_ > 0) {
    load_.notes.push_back(fmt::format("{}: ... and {} more note(s) like these", source_, notes_dropped_));
    notes_dropped_ = 0;
  }
}

}  // namespace carta::io::records
