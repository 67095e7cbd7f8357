#include "carta/io/study_table.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include "carta/design.hpp"
#include "carta/error.hpp"
#include "cells.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::CellRef;
using detail::parse_count;
using detail::trim;


}  // namespace

bool row_passes(const RowFilter& f, std::string_view cell) {
  const auto a = parse_number(cell);
  const auto b = parse_number(f.value);
  switch (f.op) {
    case RowFilter::Op::kEq: return a && b ? *a == *b : cell == f.value;
    case RowFilter::Op::kNe: return a && b ? *a != *b : cell != f.value;
    default: break;
  }
  if (!a || !b) return false;
  switch (f.op) {
    case RowFilter::Op::kLt: return *a < *b;
    case RowFilter::Op::kLe: return *a <= *b;
    case RowFilter::Op::kGt: return *a > *b;
    case RowFilter::Op::kGe: return *a >= *b;
    default: return false;
  }
}

std::optional<std::size_t> first_failed_filter(const Table& table, std::size_t row, const std::vector<RowFilter>& filters,
                                               const std::vector<std::size_t>& filter_cols,
                                               std::vector<std::size_t>& filtered_out, const MissingValues& missing) {
  for (std::size_t f = 0; f < filters.size(); ++f) {
    const std::string_view cell = trim(table.rows[row][filter_cols[f]]);
    if (missing.is_missing(cell) || !row_passes(filters[f], cell)) {
      ++filtered_out[f];
      return f;
    }
  }
  return std::nullopt;
}

RowFilter parse_row_filter(std::string_view text) {
  struct Candidate { std::string_view token; RowFilter::Op op; };
  static constexpr Candidate kOps[] = {{"!=", RowFilter::Op::kNe}, {"<=", RowFilter::Op::kLe},
                                       {">=", RowFilter::Op::kGe}, {"=", RowFilter::Op::kEq},
                                       {"<", RowFilter::Op::kLt},  {">", RowFilter::Op::kGt}};
  std::size_t best = std::string_view::npos;
  const Candidate* found = nullptr;
  for (const auto& c : kOps) {
    const auto pos = text.find(c.token);
    if (pos < best || (pos == best && found && c.token.size() > found->token.size())) {
      best = pos;
      found = &c;
    }
  }
  if (!found) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--where '{}' has no comparison; write COLUMN=VALUE, COLUMN!=VALUE or a numeric "
                            "comparison such as median_age_years>=18",
                            text));
  }
  RowFilter f;
  f.column = std::string(trim(text.substr(0, best)));
  f.op = found->op;
  f.value = std::string(trim(text.substr(best + found->token.size())));
  f.text = std::string(text);
  if (f.column.empty()) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--where '{}' names no column before '{}'", text, found->token));
  }
  if (f.op != RowFilter::Op::kEq && f.op != RowFilter::Op::kNe && !parse_number(f.value)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--where '{}': '{}' compares numbers, but '{}' is not a number", text, found->token, f.value));
  }
  return f;
}

StudyLoad load_proportion_studies(const Table& table, const StudyColumns& columns,
                                  const std::vector<std::string>& exclude,
                                  const std::vector<RowFilter>& filters, const LoadChecks& checks) {
  std::vector<std::size_t> filter_cols;
  for (const auto& f : filters) filter_cols.push_back(table.column(f.column));
  std::vector<std::size_t> filtered_out(filters.size(), 0);
  const std::size_t events_col = table.column(columns.events);
  const std::size_t n_col = table.column(columns.n);
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const std::size_t label_col = columns.label ? table.column(*columns.label) : kNone;
  const std::size_t by_col = columns.by ? table.column(*columns.by) : kNone;
  const bool has_label = label_col != kNone;
  const bool grouped = by_col != kNone;

  std::set<std::string> exclude_set(exclude.begin(), exclude.end());
  std::set<std::string> excluded_seen;
  std::vector<std::string> excluded_order;

  StudyLoad load;
  load.notes = table.notes;  // how the file was read (a semicolon-separated CSV)
  std::unordered_map<std::string, std::size_t> group_index;
  // label -> line, per group, to report duplicates with both lines
  std::vector<std::map<std::string, std::size_t>> labels_seen;
  std::vector<std::vector<std::string>> skipped;  // per group
  std::vector<std::string> ungrouped;

  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::size_t line = table.lines[r];
    std::string label;
    if (has_label) {
      label = std::string(CellRef{table, r, label_col}.text());
      if (label.empty()) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: the study label is empty; every study needs a label",
                                CellRef{table, r, label_col}.where()));
      }
    } else {
      label = fmt::format("row {}", line);
    }
    if (exclude_set.contains(label)) {
      if (excluded_seen.insert(label).second) excluded_order.push_back(label);
      load.left_out.push_back({label, line, LeftOutRow::Why::kExcluded, {}});
      continue;
    }
    if (const auto failed = first_failed_filter(table, r, filters, filter_cols, filtered_out, columns.missing)) {
      const std::string_view cell = trim(table.rows[r][filter_cols[*failed]]);
      load.left_out.push_back({label, line, LeftOutRow::Why::kFilteredOut,
                               columns.missing.is_missing(cell)
                                   ? fmt::format("{} (no '{}' reported)", filters[*failed].text, filters[*failed].column)
                                   : fmt::format("{} ('{}' is {})", filters[*failed].text, filters[*failed].column,
                                                 detail::excerpt(cell))});
      continue;
    }

    std::string key;
    if (grouped) {
      key = std::string(CellRef{table, r, by_col}.text());
      if (key.empty()) {
        ungrouped.push_back(fmt::format("{} (line {})", label, line));
        load.left_out.push_back({label, line, LeftOutRow::Why::kNoGroup, {}});
        continue;
      }
    }
    auto [it, inserted] = group_index.try_emplace(key, load.groups.size());
    if (inserted) {
      load.groups.push_back(StudyGroup{key, {}, {}, {}, {}});
      labels_seen.emplace_back();
      skipped.emplace_back();
    }
    const std::size_t g = it->second;

    const CellRef events_cell{table, r, events_col};
    const CellRef n_cell{table, r, n_col};
    const auto events = parse_count(events_cell, columns.missing);
    const auto n = parse_count(n_cell, columns.missing);
    if (!events || !n) {
      const char* which = !events && !n ? "" : (!events ? ", no events" : ", no n");
      skipped[g].push_back(fmt::format("{} (line {}{})", label, line, which));
      load.groups[g].left_out.push_back({label, line, LeftOutRow::Why::kNotReported,
                                         !events && !n ? "neither events nor n" : (!events ? "no events" : "no n")});
      continue;
    }
    if (*n == 0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: n is 0 for study '{}'; a proportion needs n > 0. Leave both "
                              "cells empty if the study does not report this outcome.",
                              n_cell.where(), label));
    }
    if (*events > *n) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: events = {} exceed n = {} (column '{}') for study '{}'; check "
                              "for a typo or swapped columns",
                              events_cell.where(), *events, *n, table.header[n_col], label));
    }
    auto [prev, fresh] = labels_seen[g].try_emplace(label, line);
    if (!fresh) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: study label '{}' already used on line {}{}; labels must be "
                              "unique",
                              table.source, line, label, prev->second,
                              grouped ? fmt::format(" in group '{}'", key) : std::string()));
    }
    load.groups[g].studies.push_back(ProportionStudy{label, *events, *n});
    load.groups[g].rows.push_back(r);
  }

  for (const auto& e : exclude) {
    if (checks.exclusions_must_match && !excluded_seen.contains(e)) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("--exclude '{}' matches no study label in {}{}", e, table.source,
                              has_label ? fmt::format(" (column '{}')", *columns.label)
                                        : std::string(" (without --label, labels are 'row N')")));
    }
  }
  for (std::size_t f = 0; f < filters.size(); ++f) {
    load.notes.push_back(fmt::format("--where {}: {} row(s) left out", filters[f].text, filtered_out[f]));
  }
  if (!excluded_order.empty()) {
    const std::string list = detail::join(excluded_order);
    load.notes.push_back(fmt::format("excluded by request: {}", list));
  }
  if (!ungrouped.empty()) {
    const std::string list = detail::join(ungrouped);
    load.notes.push_back(fmt::format("skipped {} row(s) with an empty '{}' value: {}",
                                     ungrouped.size(), *columns.by, list));
  }
  bool any_usable = false;
  for (std::size_t g = 0; g < load.groups.size(); ++g) {
    if (!skipped[g].empty()) {
      load.groups[g].notes.push_back(fmt::format(
          "skipped {} row(s) that do not report this outcome ('{}' or '{}' is {}): {}", skipped[g].size(),
          columns.events, columns.n, columns.missing.describe(), detail::join(skipped[g])));
    }
    any_usable = any_usable || !load.groups[g].studies.empty();
  }
  if (!any_usable && checks.needs_usable_study) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: no usable study: no row reports both '{}' and '{}'{}. At least "
                            "one study with both counts is needed.",
                            table.source, columns.events, columns.n,
                            table.rows.empty() ? " (the file has a header but no data rows)" : ""));
  }
  return load;
}

}  // namespace carta::io
