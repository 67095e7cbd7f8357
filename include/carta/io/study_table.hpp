#pragma once
// Turns a table into proportion studies: column selection by header name, validation of every
// cell with file:line:column messages, skipping (with a note) rows that do not report the
// chosen outcome, optional grouping for batch runs (--by) and exclusion by label.

#include <optional>
#include <string>
#include <vector>

#include "carta/io/missing_values.hpp"
#include "carta/io/table.hpp"
#include "carta/study.hpp"

namespace carta::io {

struct StudyColumns {
  std::string events;
  std::string n;
  std::optional<std::string> label;  // default: "row N" from the line number
  std::optional<std::string> by;     // one meta-analysis per distinct value
  MissingValues missing;             // cells that mean "not reported"
};

// A row that a load leaves out, and why: the report lists every study an analysis does not use.
struct LeftOutRow {
  enum class Why {
    kExcluded,     // named by --exclude / [[exclude]]
    kFilteredOut,  // fails a --where filter (`detail` is the filter; a not-reported cell fails every filter)
    kNotReported,  // events or n not reported (`detail` says which)
    kNoGroup,      // no value in the --by column
  };
  std::string label;
  std::size_t line = 0;
  Why why = Why::kNotReported;
  std::string detail;
};

struct StudyGroup {
  std::string key;  // value of the --by column; empty when not grouping
  std::vector<ProportionStudy> studies;
  std::vector<std::size_t> rows;   // each study's row index in the table (for other columns)
  std::vector<std::string> notes;  // rows skipped in this group, and why
  std::vector<LeftOutRow> left_out;  // the same rows, one by one (kNotReported)
};

struct StudyLoad {
  std::vector<StudyGroup> groups;  // in order of first appearance
  std::vector<std::string> notes;  // table-wide notes (exclusions, rows without a group)
  std::vector<LeftOutRow> left_out;  // the same rows, one by one (excluded, filtered out, no group)
};

// A row filter from --where: "population_group=adult", "antigen_target!=CD22",
// "median_age_years>=18". = and != compare numbers when both sides are numbers, text otherwise;
// <, <=, >, >= need numbers (a row whose cell is empty or not a number does not pass).
struct RowFilter {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };
  std::string column;
  Op op = Op::kEq;
  std::string value;
  std::string text;  // as the user wrote it, for notes
};

// Throws carta::Error (kInvalidOption) for text without a comparison or column.
RowFilter parse_row_filter(std::string_view text);

// Whether a (trimmed) cell passes the filter. A cell that is not reported passes no filter (not
// even `!=`: an unknown value is not known to differ); callers check that first.
bool row_passes(const RowFilter& filter, std::string_view cell);

// The first filter that row `row` fails (filter f reads column filter_cols[f]), counted in
// filtered_out for the "left out" notes; nullopt when it passes them all. A cell that `missing`
// calls not reported fails its filter.
std::optional<std::size_t> first_failed_filter(const Table& table, std::size_t row, const std::vector<RowFilter>& filters,
                                               const std::vector<std::size_t>& filter_cols,
                                               std::vector<std::size_t>& filtered_out,
                                               const MissingValues& missing = MissingValues{});

// Rows whose events or n cell is not reported (columns.missing) are left out with a note.
// Throws carta::Error (kInvalidInput) for a missing column, a malformed count, events > n, n = 0,
// an empty or duplicate label (within a group), an --exclude label that matches nothing, or
// when no group has a usable study.
// What a load insists on. A caller that loads a file in pieces (carta pool --by, one group at a
// time) relaxes both and checks them over the whole file itself.
struct LoadChecks {
  bool exclusions_must_match = true;  // every --exclude label names a study in the table
  bool needs_usable_study = true;     // at least one row has both counts
};

StudyLoad load_proportion_studies(const Table& table, const StudyColumns& columns,
                                  const std::vector<std::string>& exclude = {},
                                  const std::vector<RowFilter>& filters = {}, const LoadChecks& checks = {});

}  // namespace carta::io
