#include "carta/io/survival_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "carta/design.hpp"
#include "carta/error.hpp"
#include "cells.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::trim;

using detail::where;

// The review's missing-value rule, and for survival also "NE" (not estimable) and "not reached"
// (a median that was not reached gives no estimate).
bool not_reported(std::string_view text, const MissingValues& missing) {
  if (missing.is_missing(text)) return true;
  if (text.size() > 11) return false;
  std::string lower;
  for (char ch : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return lower == "ne" || lower == "not reached";
}

std::optional<double> number_cell(const Table& table, std::size_t row, std::size_t col, const MissingValues& missing) {
  const std::string_view text = trim(table.rows[row][col]);
  if (not_reported(text, missing)) return std::nullopt;
  const auto value = parse_number(text);
  if (!value) {
    std::string hint = "write a plain number such as 0.62 or 14.5";
    if (text.find(',') != std::string_view::npos) hint = "write decimals with a point (0.62), not a comma";
    if (text.find('%') != std::string_view::npos)
      hint = "drop the % sign; a column with values above 1 is read as percent";
    throw Error(
        ErrorCategory::kInvalidInput,
        fmt::format("{}: value '{}' is not a number; {}. Leave the cell empty (or NR) if the study does "
                    "not report it.",
                    where(table, row, col), detail::excerpt(text), hint));
  }
  return value;
}

// The index of the first column named like one of `names` (case-insensitive), else `fallback`.
std::size_t pick_column(const Table& table, std::initializer_list<std::string_view> names,
                        std::size_t fallback, std::string_view role) {
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    std::string lower;
    for (char ch : table.header[c]) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (auto n : names) {
      if (lower == n) return c;
    }
  }
  if (fallback >= table.header.size()) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: needs a '{}' column (found {} column(s))",
                                                          table.source, role, table.header.size()));
  }
  return fallback;
}

const MissingValues& default_missing() {
  static const MissingValues rule;
  return rule;
}

double required_number(const Table& table, std::size_t row, std::size_t col) {
  const auto v = number_cell(table, row, col, default_missing());
  if (!v) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: the cell is empty or not reported ('{}'); this table needs a number in every row",
                            where(table, row, col), detail::excerpt(trim(table.rows[row][col]))));
  }
  return *v;
}

}  // namespace

SurvivalLoad load_survival_reports(const Table& table, const SurvivalColumns& columns,
                                   const std::vector<std::string>& exclude,
                                   const std::vector<RowFilter>& filters) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  auto col = [&](const std::optional<std::string>& name) { return name ? table.column(*name) : kNone; };
  const std::size_t label_col = col(columns.label);
  const std::size_t s_col = col(columns.s), s_lb_col = col(columns.s_lb), s_ub_col = col(columns.s_ub);
  const std::size_t s_time_col = col(columns.s_time_column);
  const std::size_t median_col = col(columns.median), median_lb_col = col(columns.median_lb),
                    median_ub_col = col(columns.median_ub);
  const std::size_t events_col = col(columns.events), pt_col = col(columns.person_time),
                    n_col = col(columns.n);
  const std::size_t ipd_col = col(columns.ipd);
  std::vector<std::size_t> filter_cols;
  for (const auto& f : filters) filter_cols.push_back(table.column(f.column));
  if (s_col == kNone && median_col == kNone && events_col == kNone && ipd_col == kNone) {
    throw Error(
        ErrorCategory::kInvalidOption,
        "nothing to pool: give --s (survival at a time), --median, --events with --person-time, or --ipd");
  }
  if ((s_lb_col != kNone || s_ub_col != kNone || s_time_col != kNone) && s_col == kNone) {
    throw Error(ErrorCategory::kInvalidOption, "--s-lb, --s-ub and --s-time need --s (the survival column)");
  }
  if (s_col != kNone && s_time_col == kNone && !columns.s_time_value) {
    throw Error(ErrorCategory::kInvalidOption,
                "--s needs --s-time: the time S refers to, as a number (e.g. --s-time 12) or a column name");
  }

  // The survival columns are in percent when any of their values exceeds 1 (all three together,
  // so that an estimate and its bounds are always on one scale).
  SurvivalLoad load;
  load.notes = table.notes;  // how the file was read (a semicolon-separated CSV)
  bool percent = false;
  for (std::size_t c : {s_col, s_lb_col, s_ub_col}) {
    if (c == kNone) continue;
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      const auto v = number_cell(table, r, c, columns.missing);
      if (v && *v > 1.0) percent = true;
    }
  }
  if (percent) load.notes.push_back("survival columns read as percent (they hold values above 1)");
  const double scale = percent ? 0.01 : 1.0;
  auto survival_cell = [&](std::size_t r, std::size_t c) -> std::optional<double> {
    if (c == kNone) return std::nullopt;
    auto v = number_cell(table, r, c, columns.missing);
    if (v) *v *= scale;
    return v;
  };
  auto plain_cell = [&](std::size_t r, std::size_t c) -> std::optional<double> {
    return c == kNone ? std::nullopt : number_cell(table, r, c, columns.missing);
  };

  const std::filesystem::path base = std::filesystem::path(table.source).parent_path();
  std::set<std::string> exclude_set(exclude.begin(), exclude.end()), excluded_seen;
  std::map<std::string, std::size_t> labels_seen;
  std::vector<std::string> skipped;
  std::vector<std::size_t> filtered_out(filters.size(), 0);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::size_t line = table.lines[r];
    std::string label =
        label_col != kNone ? std::string(trim(table.rows[r][label_col])) : fmt::format("row {}", line);
    if (label.empty()) {
      throw Error(
          ErrorCategory::kInvalidInput,
          fmt::format("{}: the study label is empty; every study needs a label", where(table, r, label_col)));
    }
    if (exclude_set.contains(label)) {
      excluded_seen.insert(label);
      load.left_out.push_back({label, line, LeftOutRow::Why::kExcluded, {}});
      continue;
    }
    if (const auto failed = first_failed_filter(table, r, filters, filter_cols, filtered_out, columns.missing)) {
      load.left_out.push_back({label, line, LeftOutRow::Why::kFilteredOut, filters[*failed].text});
      continue;
    }
    SurvivalReport report;
    report.label = label;
    report.s = survival_cell(r, s_col);
    report.s_lb = survival_cell(r, s_lb_col);
    report.s_ub = survival_cell(r, s_ub_col);
    report.s_time = s_time_col != kNone ? plain_cell(r, s_time_col) : columns.s_time_value;
    report.median = plain_cell(r, median_col);
    report.median_lb = plain_cell(r, median_lb_col);
    report.median_ub = plain_cell(r, median_ub_col);
    report.events = plain_cell(r, events_col);
    report.person_time = plain_cell(r, pt_col);
    if (const auto n = plain_cell(r, n_col)) {
      if (!(*n >= 1.0) || *n != std::floor(*n) || *n > 1e12) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: n = '{}' must be a whole number of patients >= 1",
                                where(table, r, n_col), trim(table.rows[r][n_col])));
      }
      report.n = static_cast<std::int64_t>(*n);
    }
    if (ipd_col != kNone) {
      const std::string_view file = trim(table.rows[r][ipd_col]);
      if (!not_reported(file, columns.missing)) {
        const std::filesystem::path path = std::filesystem::path(file).is_absolute()
                                               ? std::filesystem::path(file)
                                               : base / std::filesystem::path(file);
        try {
          report.ipd = read_ipd(path);
        } catch (const Error& e) {
          throw Error(e.category(), fmt::format("{}: IPD file of study '{}': {}", where(table, r, ipd_col),
                                                label, e.what()));
        }
      }
    }
    const bool anything =
        report.s || report.median || report.events || report.person_time || !report.ipd.empty();
    if (!anything) {
      skipped.push_back(fmt::format("{} (line {})", label, line));
      load.left_out.push_back({label, line, LeftOutRow::Why::kNotReported, "no survival data in the chosen columns"});
      continue;
    }
    auto [prev, fresh] = labels_seen.try_emplace(label, line);
    if (!fresh) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: study label '{}' already used on line {}; labels "
                              "must be unique",
                              table.source, line, label, prev->second));
    }
    load.reports.push_back(std::move(report));
  }
  for (const auto& e : exclude) {
    if (!excluded_seen.contains(e)) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--exclude '{}' matches no study label in {}", e, table.source));
    }
  }
  for (std::size_t f = 0; f < filters.size(); ++f) {
    load.notes.push_back(fmt::format("--where {}: {} row(s) left out", filters[f].text, filtered_out[f]));
  }
  if (!excluded_seen.empty()) {
    const std::string list = detail::join(exclude);
    load.notes.push_back(fmt::format("excluded by request: {}", list));
  }
  if (!skipped.empty()) {
    const std::string list = detail::join(skipped);
    load.notes.push_back(
        fmt::format("{} row(s) report no survival data and are skipped: {}", skipped.size(), list));
  }
  if (load.reports.empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: no row reports survival data in the chosen columns", table.source));
  }
  return load;
}

std::vector<SurvivalObservation> read_ipd(const std::filesystem::path& path) { return ipd_from_table(read_table(path)); }

std::vector<SurvivalObservation> ipd_from_table(const Table& table) {
  const std::size_t time_col = pick_column(table, {"time", "t"}, 0, "time");
  const std::size_t event_col = pick_column(table, {"event", "status", "dead", "death"}, 1, "event");
  std::vector<SurvivalObservation> out;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const double t = required_number(table, r, time_col);
    if (t < 0.0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: time {} is negative", where(table, r, time_col), t));
    }
    const double e = required_number(table, r, event_col);
    if (e != 0.0 && e != 1.0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: event is {}, but must be 1 (event) or 0 (censored)",
                              where(table, r, event_col), e));
    }
    out.push_back({t, e == 1.0});
  }
  if (out.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no patients", table.source));
  return out;
}

std::vector<CurvePoint> read_curve(const std::filesystem::path& path) { return curve_from_table(read_table(path)); }

std::vector<CurvePoint> curve_from_table(const Table& table) {
  const std::size_t time_col = pick_column(table, {"time", "t", "x"}, 0, "time");
  const std::size_t s_col = pick_column(table, {"survival", "surv", "s", "y"}, 1, "survival");
  std::vector<CurvePoint> out;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out.push_back({required_number(table, r, time_col), required_number(table, r, s_col)});
  }
  if (out.empty())
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no curve points", table.source));
  return out;
}

std::vector<AtRiskPoint> read_at_risk(const std::filesystem::path& path) { return at_risk_from_table(read_table(path)); }

std::vector<AtRiskPoint> at_risk_from_table(const Table& table) {
  const std::size_t time_col = pick_column(table, {"time", "t"}, 0, "time");
  const std::size_t n_col = pick_column(table, {"n_risk", "n.risk", "nrisk", "at_risk", "n"}, 1, "n_risk");
  std::vector<AtRiskPoint> out;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const double t = required_number(table, r, time_col);
    const double n = required_number(table, r, n_col);
    if (n < 0.0 || n != std::floor(n) || n > 1e12) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: {} is not a whole number of patients >= 0", where(table, r, n_col), n));
    }
    out.push_back({t, static_cast<std::int64_t>(n)});
  }
  if (out.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no rows", table.source));
  return out;
}

std::vector<StudyCurve> load_study_curves(const Table& table, const std::string& study_column,
                                          const std::string& time_column, const std::string& survival_column,
                                          const std::string& n_risk_column) {
  const std::size_t study_col = table.column(study_column), time_col = table.column(time_column),
                    s_col = table.column(survival_column), n_col = table.column(n_risk_column);
  bool percent = false;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto v = number_cell(table, r, s_col, default_missing());
    if (v && *v > 1.0) percent = true;
  }
  std::vector<StudyCurve> curves;
  std::map<std::string, std::size_t> index;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string label(trim(table.rows[r][study_col]));
    if (label.empty()) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: the study label is empty", where(table, r, study_col)));
    }
    auto [it, fresh] = index.try_emplace(label, curves.size());
    if (fresh) curves.push_back({label, {}});
    CurveGridPoint p;
    p.time = required_number(table, r, time_col);
    p.survival = required_number(table, r, s_col) * (percent ? 0.01 : 1.0);
    p.n_risk = required_number(table, r, n_col);
    if (p.n_risk < 0.0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: a negative number at risk", where(table, r, n_col)));
    }
    curves[it->second].points.push_back(p);
  }
  if (curves.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no rows", table.source));
  for (auto& c : curves) {
    std::stable_sort(c.points.begin(), c.points.end(),
                     [](const CurveGridPoint& a, const CurveGridPoint& b) { return a.time < b.time; });
  }
  return curves;
}

std::string format_ipd_csv(const std::vector<SurvivalObservation>& ipd) {
  std::string out = "time,event\n";
  for (const auto& o : ipd) out += fmt::format("{},{}\n", o.time, o.event ? 1 : 0);
  return out;
}

}  // namespace carta::io
