#pragma once
// Turns a table into comparative studies: two-arm counts (events and patients per arm) or
// effects reported with an SE, a variance or a CI. Columns are chosen by header name; every
// cell is checked with file:line:column messages; rows that do not report the outcome are left
// out with a note, as for proportions (carta/io/study_table.hpp).

#include <optional>
#include <string>
#include <vector>

#include "carta/comparative.hpp"
#include "carta/io/missing_values.hpp"
#include "carta/io/study_table.hpp"
#include "carta/io/table.hpp"

namespace carta::io {

struct TwoArmColumns {
  std::string events_1, n_1;  // experimental arm
  std::string events_2, n_2;  // control arm
  std::optional<std::string> label;  // default: "row N" from the line number
  MissingValues missing;
};

struct TwoArmLoad {
  std::vector<TwoByTwoStudy> studies;
  std::vector<std::size_t> rows;       // each study's row index in the table
  std::vector<LeftOutRow> left_out;    // rows not used, and why
  std::vector<std::string> notes;      // how the file was read, rows left out
};

// Throws carta::Error (kInvalidInput) for a missing column, a malformed count, events > n, an arm
// of 0 patients, an empty or duplicate label, an --exclude label that matches nothing, or no
// usable study.
TwoArmLoad load_two_arm_studies(const Table& table, const TwoArmColumns& columns,
                                const std::vector<std::string>& exclude = {});

struct ContinuousColumns {
  std::string mean_1, sd_1, n_1;  // experimental arm (mean and SD may be empty: no such column)
  std::string mean_2, sd_2, n_2;  // control arm
  std::optional<std::string> label;
  MissingValues missing;
  // Optional columns of each arm's median, quartiles and range: where a mean or SD is not
  // reported, it is estimated from them (carta/median_mean.hpp), each arm and statistic on its
  // own.
  struct Summary {
    std::optional<std::string> median, q1, q3, min, max;
  };
  Summary summary_1, summary_2;
};

struct ContinuousLoad {
  std::vector<ContinuousStudy> studies;
  std::vector<std::size_t> rows;
  std::vector<LeftOutRow> left_out;
  std::vector<std::string> notes;
};

// Throws as load_two_arm_studies does; an SD <= 0 or an arm of fewer than 2 patients is an error
// naming the cell. A mean or SD not reported is estimated from the arm's median with its IQR and/or
// range when the row gives them (both: Wan's S2), flagged in ContinuousStudy::mean_from_1 ...; numbers
// out of order (min <= q1 <= median <= q3 <= max, q1 < q3) are an error naming the cell. A row with
// neither is left out with a note.
ContinuousLoad load_continuous_studies(const Table& table, const ContinuousColumns& columns,
                                       const std::vector<std::string>& exclude = {});

struct ReportedColumns {
  std::optional<std::string> estimate;
  std::optional<std::string> se, variance, lower, upper;  // one of: se, variance, or lower and upper
  std::optional<std::string> p;                           // two-sided p-value of the estimate
  std::optional<std::string> o_minus_e, logrank_variance;  // log-rank O - E and V (no estimate needed)
  std::optional<std::string> label;
  MissingValues missing;
};

struct ReportedLoad {
  std::vector<ReportedEffect> studies;
  std::vector<std::size_t> rows;
  std::vector<LeftOutRow> left_out;
  std::vector<std::string> notes;
};

// A row may give an SE where another gives a CI when several column kinds are named: each row
// uses the first it reports, in the order log-rank O - E and V, variance, SE, CI, p-value. Throws as load_two_arm_studies does, and
// for a row that reports an estimate but no spread (naming the columns it looked in); (kInvalidOption)
// for an SE, variance, bound or p-value column without an estimate column. Each CI row's
// ReportedEffect::rounding is half a unit of the last digit of each of its three cells.
ReportedLoad load_reported_effects(const Table& table, const ReportedColumns& columns,
                                   const std::vector<std::string>& exclude = {});

}  // namespace carta::io
