#pragma once
// Survival inputs from tables: per-study survival reports (columns chosen by name), individual
// patient data (time,event), digitised Kaplan-Meier curves (time,survival) and numbers-at-risk
// tables (time,n_risk). Every bad cell is an error naming file:line:column.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "carta/io/study_table.hpp"
#include "carta/io/table.hpp"
#include "carta/km_reconstruct.hpp"
#include "carta/summary_curve.hpp"
#include "carta/survival.hpp"

namespace carta::io {

struct SurvivalColumns {
  std::optional<std::string> label;
  std::optional<std::string> s, s_lb, s_ub;
  std::optional<std::string> s_time_column;  // per-study time of S ...
  std::optional<double> s_time_value;        // ... or one time for every study
  std::optional<std::string> median, median_lb, median_ub;
  std::optional<std::string> events, person_time, n;
  std::optional<std::string> ipd;  // a path per study (relative to the table's folder)
  MissingValues missing;           // cells that mean "not reported"
};

struct SurvivalLoad {
  std::vector<SurvivalReport> reports;
  std::vector<std::string> notes;  // rows skipped, percent columns, exclusions, filters
  std::vector<LeftOutRow> left_out;  // the rows not used, one by one
};

// Cells that `columns.missing` calls not reported (by default empty, NA, NR, n/a, -), and "NE" or
// "not reached" (any case), count as not reported.
// Survival columns holding any value above 1 are read as percent (and say so in the notes).
// Rows that report nothing about survival are skipped with a note. Throws carta::Error
// (kInvalidInput) for a missing column, a cell that is not a number, a duplicate or empty label,
// an unreadable IPD file, or when no row is usable; (kInvalidOption) for an --exclude that
// matches nothing.
SurvivalLoad load_survival_reports(const Table& table, const SurvivalColumns& columns,
                                   const std::vector<std::string>& exclude = {},
                                   const std::vector<RowFilter>& filters = {});

// IPD: columns `time` and `event` (or `status`); event 1 = event, 0 = censored.
std::vector<SurvivalObservation> read_ipd(const std::filesystem::path& path);
// Digitised curve: columns `time` and `survival` (or `surv`, `S`), else the first two columns.
std::vector<CurvePoint> read_curve(const std::filesystem::path& path);
// Numbers at risk: columns `time` and `n_risk` (or `n.risk`, `nrisk`, `at_risk`), else the first two.
std::vector<AtRiskPoint> read_at_risk(const std::filesystem::path& path);

// Study curves in long format, one row per study and time: the study label, the time, S at that
// time and the number at risk then (survival in percent when any value exceeds 1). Rows of a
// study are taken in time order. Throws carta::Error (kInvalidInput) naming file:line:column.
std::vector<StudyCurve> load_study_curves(const Table& table, const std::string& study_column,
                                          const std::string& time_column, const std::string& survival_column,
                                          const std::string& n_risk_column);

// The same from a table already read (for tests and fuzzing).
std::vector<SurvivalObservation> ipd_from_table(const Table& table);
std::vector<CurvePoint> curve_from_table(const Table& table);
std::vector<AtRiskPoint> at_risk_from_table(const Table& table);

// Writes IPD as CSV `time,event` with times printed to round-trip exactly.
std::string format_ipd_csv(const std::vector<SurvivalObservation>& ipd);

}  // namespace carta::io
