#pragma once
// Screening decisions as review teams have them, in three formats told apart by their content:
//
// - carta's decision log: one row per reviewer decision with columns record, stage
//   (title_abstract or full_text), reviewer, decision (include, maybe, exclude, not_retrieved) and
//   reason (required for full-text exclusions); optional study (the study a report belongs to) and
//   adjudicator (yes/no) columns. A reviewer named like the adjudicator (default "adjudicator")
//   adjudicates too.
// - Rayyan's CSV export (key,title,...,notes): each reviewer's decision is in the notes column as
//   `RAYYAN-INCLUSION: {"Alice"=>"Included", "Bob"=>"Excluded"}`, with `| RAYYAN-LABELS: a,b` and
//   `| RAYYAN-EXCLUSION-REASONS: r1,r2` beside it. One export holds one stage (Rayyan runs title and
//   abstract and full text as separate reviews): title/abstract unless given as full_text=FILE.
//   Records without a decision are listed as not yet screened.
// - Covidence's references exports (Title,...,Covidence #,Study,Notes,Tags): one file per list,
//   named review_N_LIST_csv_DATE.csv or given as LIST=FILE, with LIST one of screen (awaiting
//   title/abstract decisions), irrelevant (excluded at title/abstract), select (awaiting full-text
//   review), excluded (excluded at full text, the reason in Notes as "Exclusion reason: ...") and
//   included. They hold each record's final decision, not the reviewers' votes.

#include <filesystem>
#include <string>
#include <vector>

#include "carta/io/table.hpp"
#include "carta/review/screening.hpp"

namespace carta::io {

enum class ScreeningFormat { kCartaLog, kRayyan, kCovidence };

// "carta decision log", "Rayyan export", "Covidence references export".
const char* screening_format_name(ScreeningFormat format);

// The format of a table from its columns. Throws carta::Error (kInvalidInput) saying which columns
// it has and which formats carta reads when it is none of them.
ScreeningFormat detect_screening_format(const Table& table);

// Reads a screening file as a table, refusing first (kInvalidInput, with the formats carta reads)
// what is plainly not one: a RIS or MEDLINE records export, a spreadsheet, a binary file.
Table read_screening_table(const std::filesystem::path& path);

// One file given to carta screening, with the part before '=' when it was given as PART=FILE:
// the stage of a Rayyan export (title_abstract, full_text) or the list of a Covidence export.
struct ScreeningSource {
  Table table;
  std::string part;
};

struct ScreeningImport {
  review::ScreeningLog log;
  ScreeningFormat format = ScreeningFormat::kCartaLog;
  std::vector<std::string> sources;        // "FILE (Rayyan export, title/abstract)" per file
  std::vector<review::NamedCount> labels;  // Rayyan labels and Covidence tags: records per label
  std::vector<std::string> notes;
};

// Reads every source into one log (all of one format). Throws carta::Error (kInvalidInput) naming
// file:line:column for a missing column, an unknown stage, decision or Rayyan vote, an empty record
// or reviewer, an adjudicator value other than yes/no, a full-text exclusion without a reason, a
// record listed twice in Covidence's lists, or sources of different formats.
ScreeningImport load_screening(const std::vector<ScreeningSource>& sources,
                               const std::string& adjudicator = "adjudicator");

// carta's decision log alone (the first format above).
std::vector<review::ScreeningDecision> load_screening_log(const Table& table,
                                                          const std::string& adjudicator = "adjudicator");

}  // namespace carta::io
