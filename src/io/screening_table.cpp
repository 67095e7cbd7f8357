#include "carta/io/screening_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "carta/error.hpp"
#include "cells.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::trim;
using review::ScreeningDecision;
using review::ScreeningStage;
using review::ScreeningVote;

[[noreturn]] void invalid(const std::string& what) { throw Error(ErrorCategory::kInvalidInput, what); }

// Column names and values compared without case, blanks or punctuation style: "Covidence #",
// "covidence_#" and "COVIDENCE #" are one name.
std::string key(std::string_view s) {
  std::string out;
  for (char c : trim(s)) {
    if (c == ' ' || c == '-' || c == '/' || c == '_') {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

using detail::where;

std::optional<std::size_t> optional_column(const Table& t, std::string_view name) {
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    if (key(t.header[c]) == name) return c;
  }
  return std::nullopt;
}

std::size_t required_column(const Table& t, std::string_view name, std::string_view shown) {
  if (const auto c = optional_column(t, name)) return *c;
  return t.column(shown);  // throws, listing the columns there are
}

std::string cell(const Table& t, std::size_t row, std::size_t col) { return std::string(trim(t.rows[row][col])); }

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(separator, start), text.size());
    const auto item = trim(text.substr(start, end - start));
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

std::optional<ScreeningStage> stage_named(std::string_view text) {
  const std::string stage = key(text);
  if (stage == "title_abstract" || stage == "ta" || stage == "title_and_abstract" || stage == "abstract" ||
      stage == "title") {
    return ScreeningStage::kTitleAbstract;
  }
  if (stage == "full_text" || stage == "fulltext" || stage == "ft") return ScreeningStage::kFullText;
  return std::nullopt;
}

const char* stage_label(ScreeningStage s) { return s == ScreeningStage::kTitleAbstract ? "title/abstract" : "full text"; }

// A label or tag counted once per record.
void count_labels(std::map<std::string, std::int64_t>& counts, const std::vector<std::string>& labels) {
  std::set<std::string> once(labels.begin(), labels.end());
  for (const auto& l : once) ++counts[l];
}

// ---------------------------------------------------------------------------------------------
// Rayyan's notes cell: `RAYYAN-INCLUSION: {"A"=>"Included", "B"=>"Maybe"} | RAYYAN-LABELS: x,y |
// RAYYAN-EXCLUSION-REASONS: wrong population | USER-NOTES: {"A"=>["..."]}`, in any order.

struct RayyanNotes {
  bool has_inclusion = false;
  std::vector<std::pair<std::string, std::string>> votes;  // reviewer, decision as written
  std::vector<std::string> labels, reasons;
};

constexpr std::array<std::string_view, 4> kRayyanMarkers = {"RAYYAN-INCLUSION:", "RAYYAN-LABELS:",
                                                            "RAYYAN-EXCLUSION-REASONS:", "USER-NOTES:"};

// The Ruby hash Rayyan prints: {"name"=>"value", ...} with backslash escapes in the strings.
// Returns the error, or nothing when it parsed.
std::optional<std::string> parse_rayyan_hash(std::string_view s,
                                             std::vector<std::pair<std::string, std::string>>& out) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  };
  auto string = [&](std::string& value) -> bool {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        value += s[i] == 'n' ? '\n' : s[i];
      } else {
        value += s[i];
      }
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  };
  skip();
  if (i >= s.size() || s[i] != '{') return std::string("it does not start with '{'");
  ++i;
  skip();
  if (i < s.size() && s[i] == '}') {
    ++i;
  } else {
    for (;;) {
      std::string name, value;
      skip();
      if (!string(name)) return std::string("a reviewer's name is not a quoted string");
      skip();
      if (s.substr(i, 2) != "=>") return fmt::format("'=>' is missing after \"{}\"", detail::excerpt(name));
      i += 2;
      skip();
      if (!string(value)) return fmt::format("the decision of \"{}\" is not a quoted string", detail::excerpt(name));
      out.emplace_back(std::move(name), std::move(value));
      skip();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '}') {
        ++i;
        break;
      }
      return std::string("the list of decisions does not end with '}'");
    }
  }
  skip();
  if (i != s.size()) return fmt::format("text follows the closing '}}': '{}'", detail::excerpt(s.substr(i)));
  return std::nullopt;
}

RayyanNotes parse_rayyan_notes(const Table& t, std::size_t row, std::size_t col) {
  const std::string_view text = t.rows[row][col];
  std::vector<std::pair<std::size_t, std::size_t>> found;  // position, marker
  for (std::size_t m = 0; m < kRayyanMarkers.size(); ++m) {
    for (auto p = text.find(kRayyanMarkers[m]); p != std::string_view::npos; p = text.find(kRayyanMarkers[m], p + 1)) {
      found.emplace_back(p, m);
    }
  }
  std::sort(found.begin(), found.end());
  RayyanNotes notes;
  std::array<int, kRayyanMarkers.size()> seen{};
  for (std::size_t k = 0; k < found.size(); ++k) {
    const auto [pos, m] = found[k];
    const std::size_t begin = pos + kRayyanMarkers[m].size();
    const std::size_t end = k + 1 < found.size() ? found[k + 1].first : text.size();
    std::string_view value = trim(text.substr(begin, end - begin));
    if (!value.empty() && value.back() == '|') value = trim(value.substr(0, value.size() - 1));
    if (++seen[m] > 1 && m != 3) {
      invalid(fmt::format("{}: {} appears twice in this record's notes; export the review again from Rayyan",
                          where(t, row, col), kRayyanMarkers[m].substr(0, kRayyanMarkers[m].size() - 1)));
    }
    if (m == 0) {
      notes.has_inclusion = true;
      if (const auto error = parse_rayyan_hash(value, notes.votes)) {
        invalid(fmt::format("{}: RAYYAN-INCLUSION '{}' is not Rayyan's list of decisions "
                            "{{\"Name\"=>\"Included\", ...}}: {}",
                            where(t, row, col), detail::excerpt(value), *error));
      }
    } else if (m == 1) {
      notes.labels = split(value, ',');
    } else if (m == 2) {
      notes.reasons = split(value, ',');
    }
  }
  return notes;
}

std::string normalised_title(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Records of a title/abstract export by key, DOI, PubMed ID and title, so that a full-text export
// whose keys differ (a second Rayyan review made from the first one's inclusions) still finds them.
struct RayyanIndex {
  std::set<std::string> keys;
  std::map<std::string, std::string> by_doi, by_pmid, by_title;
};

struct RayyanColumns {
  std::size_t key, notes;
  std::optional<std::size_t> title, doi, pmid;
  explicit RayyanColumns(const Table& t)
      : key(required_column(t, "key", "key")),
        notes(required_column(t, "notes", "notes")),
        title(optional_column(t, "title")),
        doi(optional_column(t, "doi")),
        pmid(optional_column(t, "pubmed_id")) {}
};

void index_rayyan(const Table& t, RayyanIndex& index) {
  const RayyanColumns c(t);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string record = cell(t, r, c.key);
    if (record.empty()) continue;
    index.keys.insert(record);
    if (c.doi && !cell(t, r, *c.doi).empty()) index.by_doi.emplace(lower(cell(t, r, *c.doi)), record);
    if (c.pmid && !cell(t, r, *c.pmid).empty()) index.by_pmid.emplace(cell(t, r, *c.pmid), record);
    if (c.title) {
      const std::string title = normalised_title(cell(t, r, *c.title));
      if (title.size() >= 20) index.by_title.emplace(title, record);
    }
  }
}

struct RayyanTally {
  std::map<std::string, std::int64_t> labels;
  std::vector<std::string> several_reasons;  // records excluded at full text with several reasons
  std::map<std::string, std::int64_t> matched_by;
  std::int64_t unmatched_undecided = 0;
};

void load_rayyan(const Table& t, ScreeningStage stage, const RayyanIndex* title_abstract,
                 const std::string& adjudicator, review::ScreeningLog& log, RayyanTally& tally) {
  const RayyanColumns c(t);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    std::string record = cell(t, r, c.key);
    if (record.empty()) invalid(fmt::format("{}: the record's key is empty", where(t, r, c.key)));
    const RayyanNotes notes = parse_rayyan_notes(t, r, c.notes);
    count_labels(tally.labels, notes.labels);
    if (stage == ScreeningStage::kFullText && title_abstract && !title_abstract->keys.count(record)) {
      auto match = [&](const std::optional<std::size_t>& col, const std::map<std::string, std::string>& by,
                       const char* what, bool is_title) {
        if (!col) return false;
        const std::string value = is_title ? normalised_title(cell(t, r, *col)) : lower(cell(t, r, *col));
        if (value.empty()) return false;
        const auto it = by.find(value);
        if (it == by.end()) return false;
        record = it->second;
        ++tally.matched_by[what];
        return true;
      };
      if (!match(c.doi, title_abstract->by_doi, "DOI", false) && !match(c.pmid, title_abstract->by_pmid, "PubMed ID", false) &&
          !match(c.title, title_abstract->by_title, "title", true) && notes.votes.empty()) {
        ++tally.unmatched_undecided;
        continue;
      }
    }
    if (notes.votes.empty()) {
      if (stage == ScreeningStage::kTitleAbstract) log.undecided.push_back({record, t.source, t.lines[r]});
      continue;
    }
    const bool excluded_by_someone = std::any_of(notes.votes.begin(), notes.votes.end(),
                                                 [](const auto& v) { return key(v.second) == "excluded"; });
    if (stage == ScreeningStage::kFullText && excluded_by_someone) {
      if (notes.reasons.empty()) {
        invalid(fmt::format("{}: record '{}' is excluded at full text, but its notes give no RAYYAN-EXCLUSION-REASONS; "
                            "PRISMA 2020 reports a reason for every excluded report: add the reason in Rayyan and "
                            "export again",
                            where(t, r, c.notes), record));
      }
      if (notes.reasons.size() > 1) {
        tally.several_reasons.push_back(fmt::format("{}: {}", record, detail::join(notes.reasons)));
      }
    }
    for (const auto& [reviewer, decision] : notes.votes) {
      ScreeningDecision d;
      d.record = record;
      d.stage = stage;
      d.reviewer = std::string(trim(reviewer));
      d.source = t.source;
      d.line = t.lines[r];
      if (d.reviewer.empty()) invalid(fmt::format("{}: a decision in RAYYAN-INCLUSION has no reviewer name", where(t, r, c.notes)));
      const std::string vote = key(decision);
      if (vote == "included" || vote == "include") {
        d.vote = ScreeningVote::kInclude;
      } else if (vote == "excluded" || vote == "exclude") {
        d.vote = ScreeningVote::kExclude;
        if (!notes.reasons.empty()) d.reason = notes.reasons.front();
      } else if (vote == "maybe") {
        d.vote = ScreeningVote::kMaybe;
      } else {
        invalid(fmt::format("{}: {}'s decision '{}' is not one of Rayyan's Included, Excluded, Maybe", where(t, r, c.notes),
                            detail::excerpt(d.reviewer), detail::excerpt(decision)));
      }
      d.adjudicator = key(d.reviewer) == key(adjudicator);
      log.decisions.push_back(std::move(d));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Covidence's references exports, one per list.

enum class CovidenceList { kScreen, kSelect, kIrrelevant, kIncluded, kExcluded };

struct CovidenceListName {
  const char* name;
  CovidenceList list;
  const char* meaning;
};

constexpr CovidenceListName kCovidenceLists[] = {
    {"screen", CovidenceList::kScreen, "awaiting title/abstract decisions"},
    {"irrelevant", CovidenceList::kIrrelevant, "excluded at title/abstract"},
    {"select", CovidenceList::kSelect, "awaiting full-text review"},
    {"excluded", CovidenceList::kExcluded, "excluded at full text"},
    {"included", CovidenceList::kIncluded, "included"},
};

const CovidenceListName& covidence_list(const ScreeningSource& source) {
  std::string part = key(source.part);
  if (part == "full_text_review") part = "select";
  if (!part.empty()) {
    for (const auto& l : kCovidenceLists) {
      if (part == l.name) return l;
    }
    invalid(fmt::format("{}: '{}=' is not a Covidence list; give the file as LIST=FILE with LIST one of screen, "
                        "irrelevant, select, excluded, included",
                        source.table.source, source.part));
  }
  const std::string name = lower(std::filesystem::path(source.table.source).filename().string());
  for (const auto& l : kCovidenceLists) {
    if (name.find(fmt::format("_{}_csv", l.name)) != std::string::npos) return l;
  }
  invalid(fmt::format("{}: a Covidence references export, but its name does not say which list it holds (Covidence "
                      "names them review_N_LIST_csv_DATE.csv); give it as LIST=FILE with LIST one of screen, "
                      "irrelevant, select, excluded, included",
                      source.table.source));
}

// Covidence writes a full-text exclusion reason into Notes as "Exclusion reason: Wrong setting; ".
std::optional<std::string> covidence_reason(std::string_view notes) {
  const std::string folded = lower(notes);
  constexpr std::string_view kMarker = "exclusion reason:";
  const auto p = folded.find(kMarker);
  if (p == std::string::npos) return std::nullopt;
  const std::size_t begin = p + kMarker.size();
  const std::size_t end = std::min(notes.find(';', begin), notes.size());
  const auto reason = trim(notes.substr(begin, end - begin));
  if (reason.empty()) return std::nullopt;
  return std::string(reason);
}

struct CovidenceSeen {
  std::string source;
  std::size_t line;
  const char* list;
};

void load_covidence(const Table& t, const CovidenceListName& list, review::ScreeningLog& log,
                    std::map<std::string, CovidenceSeen>& seen, std::map<std::string, std::int64_t>& labels) {
  const std::size_t id_col = required_column(t, "covidence_#", "Covidence #");
  const auto study_col = optional_column(t, "study");
  const auto tags_col = optional_column(t, "tags");
  // The excluded list's reasons are in Notes; the other lists need no notes.
  const std::size_t notes_col = list.list == CovidenceList::kExcluded ? required_column(t, "notes", "Notes") : 0;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    std::string id = cell(t, r, id_col);
    if (!id.empty() && id.front() == '#') id = std::string(trim(std::string_view(id).substr(1)));
    if (id.empty()) invalid(fmt::format("{}: the Covidence # is empty", where(t, r, id_col)));
    const std::string record = "#" + id;
    const auto [it, fresh] = seen.emplace(record, CovidenceSeen{t.source, t.lines[r], list.name});
    if (!fresh) {
      invalid(fmt::format("{}: record {} is also in {}:{} (list '{}'); a record sits in one Covidence list at a time: "
                          "export the lists again on one day",
                          where(t, r, id_col), record, it->second.source, it->second.line, it->second.list));
    }
    if (tags_col) count_labels(labels, split(t.rows[r][*tags_col], ';'));
    if (list.list == CovidenceList::kScreen) {
      log.undecided.push_back({record, t.source, t.lines[r]});
      continue;
    }
    auto decide = [&](ScreeningStage stage, ScreeningVote vote) -> ScreeningDecision& {
      ScreeningDecision d;
      d.record = record;
      d.stage = stage;
      d.reviewer = "Covidence";
      d.vote = vote;
      d.source = t.source;
      d.line = t.lines[r];
      d.adjudicator = true;  // the list is the review's final decision
      log.decisions.push_back(std::move(d));
      return log.decisions.back();
    };
    decide(ScreeningStage::kTitleAbstract,
           list.list == CovidenceList::kIrrelevant ? ScreeningVote::kExclude : ScreeningVote::kInclude);
    if (list.list == CovidenceList::kIncluded) {
      decide(ScreeningStage::kFullText, ScreeningVote::kInclude).study = study_col ? cell(t, r, *study_col) : "";
    } else if (list.list == CovidenceList::kExcluded) {
      const auto reason = covidence_reason(t.rows[r][notes_col]);
      if (!reason) {
        invalid(fmt::format("{}: record {} is in the excluded list, but its notes give no 'Exclusion reason: ...'; "
                            "Covidence writes the full-text exclusion reason there, and PRISMA 2020 reports it: export "
                            "the excluded list again",
                            where(t, r, notes_col), record));
      }
      decide(ScreeningStage::kFullText, ScreeningVote::kExclude).reason = *reason;
    }
  }
}

std::vector<review::NamedCount> by_count(const std::map<std::string, std::int64_t>& counts) {
  std::vector<review::NamedCount> out;
  for (const auto& [name, n] : counts) out.push_back({name, n});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.n > b.n; });
  return out;
}

}  // namespace

const char* screening_format_name(ScreeningFormat format) {
  switch (format) {
    case ScreeningFormat::kCartaLog: return "carta decision log";
    case ScreeningFormat::kRayyan: return "Rayyan export";
    case ScreeningFormat::kCovidence: return "Covidence references export";
  }
  return "?";
}

ScreeningFormat detect_screening_format(const Table& t) {
  auto has = [&](std::string_view name) { return optional_column(t, name).has_value(); };
  const std::array<std::string_view, 4> log_columns = {"record", "stage", "reviewer", "decision"};
  std::vector<std::string> present, missing;
  for (auto c : log_columns) (has(c) ? present : missing).emplace_back(c);
  if (missing.empty()) return ScreeningFormat::kCartaLog;
  if (has("covidence_#") || has("covidence")) {
    // Covidence's review-level exports (data extraction, quality assessment) have a row per
    // reviewer and study, not the screening lists: reading them as lists would count studies twice.
    if (has("reviewer_name") || has("study_id")) {
      invalid(fmt::format("{}: a Covidence data extraction or quality assessment export (it has 'Covidence #' with "
                          "'Reviewer Name' or 'Study ID'), not screening decisions. Export the references of each list "
                          "instead (Screen, Irrelevant, Full text review, Excluded, Included: Export > References > "
                          "CSV) and give those files",
                          t.source));
    }
    return ScreeningFormat::kCovidence;
  }
  if (has("key") && has("notes")) return ScreeningFormat::kRayyan;
  std::vector<std::string> shown;
  for (std::size_t c = 0; c < t.header.size() && c < 12; ++c) shown.push_back("'" + detail::excerpt(t.header[c]) + "'");
  if (t.header.size() > 12) shown.push_back(fmt::format("and {} more", t.header.size() - 12));
  std::string hint;
  if (present.size() >= 2) {
    hint = fmt::format(" It looks like a carta decision log without the column(s) {}.", detail::join(missing));
  } else if (has("key") || has("notes")) {
    hint = " It looks like a Rayyan export without its key or notes column: export the review again from Rayyan.";
  }
  invalid(fmt::format(
      "{}: these are not screening decisions carta reads (columns seen: {}).{}\ncarta screening reads:\n"
      "  - carta's decision log: record,stage,reviewer,decision[,reason,study,adjudicator]\n"
      "  - Rayyan's CSV export: key,title,...,notes with each reviewer's decision in notes "
      "(RAYYAN-INCLUSION: {{\"Alice\"=>\"Included\"}})\n"
      "  - Covidence's references exports: Title,...,Covidence #,Study,Notes,Tags, one file per list",
      t.source, detail::join(shown), hint));
}

Table read_screening_table(const std::filesystem::path& path) {
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    invalid(fmt::format("{}: is a folder, not a file of screening decisions; give the CSV export inside it",
                        path.string()));
  }
  std::string head;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      head.resize(4096);
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
    }
  }
  const std::string file = path.string();
  auto refuse = [&](const std::string& what, const std::string& fix) {
    invalid(fmt::format("{}: {}, not screening decisions; {}. carta screening reads carta's decision log and the CSV "
                        "exports of Rayyan and Covidence",
                        file, what, fix));
  };
  if (head.rfind("PK\x03\x04", 0) == 0 || head.rfind("\xD0\xCF\x11\xE0", 0) == 0) {
    refuse("a spreadsheet (.xlsx or .xls) or another archive", "save it as CSV UTF-8");
  }
  if (head.rfind("%PDF", 0) == 0) refuse("a PDF", "export the decisions as CSV");
  std::string_view first = head;
  if (first.rfind("\xEF\xBB\xBF", 0) == 0) first.remove_prefix(3);
  first = first.substr(0, first.find('\n'));
  first = trim(first);
  const bool ris = first.size() >= 6 && std::isupper(static_cast<unsigned char>(first[0])) &&
                   std::isalnum(static_cast<unsigned char>(first[1])) && first.substr(2, 4) == "  - ";
  const bool medline = first.rfind("PMID-", 0) == 0 || first.rfind("PMID -", 0) == 0;
  if (ris || medline) {
    refuse(fmt::format("a {} records export (search results)", ris ? "RIS" : "MEDLINE"),
           "give it to --search, which counts the records identified, or to carta dedup");
  }
  if (first.rfind("<?xml", 0) == 0 || first.rfind("<xml", 0) == 0) {
    refuse("an XML file (an EndNote XML records export?)", "give records exports to --search or carta dedup");
  }
  return read_table(path);
}

std::vector<ScreeningDecision> load_screening_log(const Table& table, const std::string& adjudicator) {
  const std::size_t record_col = table.column("record");
  const std::size_t stage_col = table.column("stage");
  const std::size_t reviewer_col = table.column("reviewer");
  const std::size_t decision_col = table.column("decision");
  const auto reason_col = optional_column(table, "reason");
  const auto study_col = optional_column(table, "study");
  const auto adjudicator_col = optional_column(table, "adjudicator");
  std::vector<ScreeningDecision> log;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    ScreeningDecision d;
    d.source = table.source;
    d.line = table.lines[r];
    d.record = cell(table, r, record_col);
    d.reviewer = cell(table, r, reviewer_col);
    if (d.record.empty()) invalid(fmt::format("{}: the record is empty", where(table, r, record_col)));
    if (d.reviewer.empty()) invalid(fmt::format("{}: the reviewer is empty", where(table, r, reviewer_col)));
    const auto stage = stage_named(table.rows[r][stage_col]);
    if (!stage) {
      invalid(fmt::format("{}: stage '{}' is not title_abstract or full_text", where(table, r, stage_col),
                          detail::excerpt(cell(table, r, stage_col))));
    }
    d.stage = *stage;
    const std::string decision = key(table.rows[r][decision_col]);
    if (decision == "include" || decision == "included" || decision == "yes") {
      d.vote = ScreeningVote::kInclude;
    } else if (decision == "maybe" || decision == "unsure") {
      d.vote = ScreeningVote::kMaybe;
    } else if (decision == "exclude" || decision == "excluded" || decision == "no") {
      d.vote = ScreeningVote::kExclude;
    } else if (decision == "not_retrieved" || decision == "notretrieved") {
      d.vote = ScreeningVote::kNotRetrieved;
    } else {
      invalid(fmt::format("{}: decision '{}' is not one of include, maybe, exclude, not_retrieved",
                          where(table, r, decision_col), detail::excerpt(cell(table, r, decision_col))));
    }
    if (reason_col) d.reason = cell(table, r, *reason_col);
    if (study_col) d.study = cell(table, r, *study_col);
    d.adjudicator = key(d.reviewer) == key(adjudicator);
    if (adjudicator_col) {
      // A typo here would silently turn an adjudication into a third vote (or the reverse).
      const std::string flag = key(table.rows[r][*adjudicator_col]);
      if (flag == "yes" || flag == "y" || flag == "true" || flag == "1") {
        d.adjudicator = true;
      } else if (!(flag.empty() || flag == "no" || flag == "n" || flag == "false" || flag == "0")) {
        invalid(fmt::format("{}: adjudicator '{}' is neither yes nor no; write yes on the adjudicator's rows and no "
                            "(or nothing) on the reviewers'",
                            where(table, r, *adjudicator_col), detail::excerpt(cell(table, r, *adjudicator_col))));
      }
    }
    log.push_back(std::move(d));
  }
  if (log.empty()) invalid(fmt::format("{}: the log has no decisions", table.source));
  return log;
}

ScreeningImport load_screening(const std::vector<ScreeningSource>& sources, const std::string& adjudicator) {
  if (sources.empty()) throw Error(ErrorCategory::kInvalidOption, "no screening file given");
  ScreeningImport out;
  std::vector<ScreeningFormat> formats;
  for (const auto& s : sources) formats.push_back(detect_screening_format(s.table));
  out.format = formats.front();
  for (std::size_t i = 1; i < sources.size(); ++i) {
    if (formats[i] != out.format) {
      invalid(fmt::format("{} is a {} but {} is a {}; give the files of one tool", sources.front().table.source,
                          screening_format_name(out.format), sources[i].table.source, screening_format_name(formats[i])));
    }
  }
  std::map<std::string, std::int64_t> labels;
  if (out.format == ScreeningFormat::kCartaLog) {
    for (const auto& s : sources) {
      if (!s.part.empty()) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("{}: a carta decision log names the stage in each row; give it without '{}='",
                                s.table.source, s.part));
      }
      auto decisions = load_screening_log(s.table, adjudicator);
      out.sources.push_back(fmt::format("{} ({}, {} decisions)", s.table.source, screening_format_name(out.format),
                                        decisions.size()));
      out.log.decisions.insert(out.log.decisions.end(), std::make_move_iterator(decisions.begin()),
                               std::make_move_iterator(decisions.end()));
    }
  } else if (out.format == ScreeningFormat::kRayyan) {
    std::vector<std::pair<const ScreeningSource*, ScreeningStage>> staged;
    for (const auto& s : sources) {
      const auto stage = s.part.empty() ? std::optional(ScreeningStage::kTitleAbstract) : stage_named(s.part);
      if (!stage) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("{}: '{}=' is not a stage; a Rayyan export is given as FILE or title_abstract=FILE "
                                "(title and abstract review) or full_text=FILE (full-text review)",
                                s.table.source, s.part));
      }
      staged.emplace_back(&s, *stage);
    }
    // Title and abstract first: the full-text exports are matched against those records.
    std::stable_sort(staged.begin(), staged.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    RayyanIndex index;
    bool any_title_abstract = false;
    for (const auto& [s, stage] : staged) {
      if (stage == ScreeningStage::kTitleAbstract) {
        index_rayyan(s->table, index);
        any_title_abstract = true;
      } else if (!any_title_abstract) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("{} is a full-text Rayyan export: give the title and abstract export too (as FILE or "
                                "title_abstract=FILE), since screening and its PRISMA counts start there",
                                s->table.source));
      }
    }
    RayyanTally tally;
    for (const auto& [s, stage] : staged) {
      const std::size_t decisions = out.log.decisions.size(), undecided = out.log.undecided.size();
      load_rayyan(s->table, stage, stage == ScreeningStage::kFullText ? &index : nullptr, adjudicator, out.log, tally);
      out.sources.push_back(fmt::format("{} (Rayyan export, {}: {} records, {} decisions{})", s->table.source,
                                        stage_label(stage), s->table.rows.size(), out.log.decisions.size() - decisions,
                                        out.log.undecided.size() > undecided
                                            ? fmt::format(", {} not yet screened", out.log.undecided.size() - undecided)
                                            : std::string()));
    }
    labels = tally.labels;
    if (!tally.several_reasons.empty()) {
      std::vector<std::string> shown(tally.several_reasons.begin(),
                                     tally.several_reasons.begin() +
                                         static_cast<std::ptrdiff_t>(std::min<std::size_t>(3, tally.several_reasons.size())));
      out.notes.push_back(fmt::format("{} report(s) excluded at full text list several Rayyan exclusion reasons ({}{}); "
                                      "PRISMA 2020 counts one reason per report, and the first listed is counted",
                                      tally.several_reasons.size(), detail::join(shown, "; "),
                                      tally.several_reasons.size() > 3 ? "; ..." : ""));
    }
    for (const auto& [how, n] : tally.matched_by) {
      out.notes.push_back(fmt::format("{} full-text record(s) matched to the title/abstract export by {} (their Rayyan "
                                      "keys differ)",
                                      n, how));
    }
    if (tally.unmatched_undecided) {
      out.notes.push_back(fmt::format("{} record(s) of the full-text export(s) are not in the title/abstract export and "
                                      "have no decision: they are not counted",
                                      tally.unmatched_undecided));
    }
  } else {
    out.log.has_votes = false;
    std::map<std::string, CovidenceSeen> seen;
    std::set<std::string> lists;
    for (const auto& s : sources) {
      const auto& list = covidence_list(s);
      load_covidence(s.table, list, out.log, seen, labels);
      lists.insert(list.name);
      out.sources.push_back(fmt::format("{} (Covidence references export, list '{}', {}: {} records)", s.table.source,
                                        list.name, list.meaning, s.table.rows.size()));
    }
    std::vector<std::string> absent;
    for (const auto& l : kCovidenceLists) {
      if (!lists.count(l.name)) absent.push_back(fmt::format("{} ({})", l.name, l.meaning));
    }
    if (!absent.empty()) {
      out.notes.push_back(fmt::format("Covidence list(s) not given: {}; their records are not counted. Export every "
                                      "list for complete PRISMA counts",
                                      detail::join(absent, ", ")));
    }
    out.notes.push_back("Covidence's references exports hold each record's final decision, not the reviewers' votes: "
                        "records are counted as Covidence decided them");
  }
  out.labels = by_count(labels);
  if (out.log.decisions.empty() && out.log.undecided.empty()) {
    invalid(fmt::format("{}: no records to screen", sources.front().table.source));
  }
  return out;
}

}  // namespace carta::io
