#include "carta/io/comparative_table.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "carta/error.hpp"
#include "cells.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::CellRef;

constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);

// What every two-arm and reported-effect load shares: labels (unique, or "row N"), --exclude, and
// the notes on the rows left out.
class RowWalker {
 public:
  RowWalker(const Table& table, const std::optional<std::string>& label, const std::vector<std::string>& exclude)
      : table_(table), label_col_(label ? table.column(*label) : kNoColumn), exclude_(exclude.begin(), exclude.end()) {}

  // The row's label, or nullopt when --exclude names it (recorded in left_out).
  std::optional<std::string> label(std::size_t r, std::vector<LeftOutRow>& left_out) {
    const std::size_t line = table_.lines[r];
    std::string label;
    if (label_col_ != kNoColumn) {
      const CellRef cell{table_, r, label_col_};
      label = std::string(cell.text());
      if (label.empty()) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: the study label is empty; every study needs a label", cell.where()));
      }
    } else {
      label = fmt::format("row {}", line);
    }
    if (exclude_.contains(label)) {
      excluded_.insert(label);
      left_out.push_back({label, line, LeftOutRow::Why::kExcluded, {}});
      return std::nullopt;
    }
    return label;
  }

  void use(const std::string& label, std::size_t r) {
    const std::size_t line = table_.lines[r];
    auto [prev, fresh] = seen_.try_emplace(label, line);
    if (!fresh) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}:{}: study label '{}' already used on line {}; labels must be unique", table_.source,
                              line, label, prev->second));
    }
  }

  void not_reported(const std::string& label, std::size_t r, std::string detail, std::vector<LeftOutRow>& left_out) {
    skipped_.push_back(fmt::format("{} (line {}, {})", label, table_.lines[r], detail));
    left_out.push_back({label, table_.lines[r], LeftOutRow::Why::kNotReported, std::move(detail)});
  }

  // Checks --exclude and that a study is left; returns the notes.
  std::vector<std::string> finish(std::size_t used, const char* what) {
    for (const auto& e : exclude_) {
      if (!excluded_.contains(e)) {
        throw Error(ErrorCategory::kInvalidOption,
                    fmt::format("--exclude '{}' matches no study label in {}", e, table_.source));
      }
    }
    std::vector<std::string> notes = table_.notes;
    if (!excluded_.empty()) {
      notes.push_back(fmt::format("{} excluded as asked: {}", excluded_.size(),
                                  detail::join(std::vector<std::string>(excluded_.begin(), excluded_.end()))));
    }
    if (!skipped_.empty()) {
      notes.push_back(fmt::format("{} row{} without {} left out: {}", skipped_.size(), skipped_.size() == 1 ? "" : "s",
                                  what, detail::join(skipped_, "; ")));
    }
    if (used == 0) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: no row reports {}; check the column names", table_.source, what));
    }
    return notes;
  }

 private:
  const Table& table_;
  std::size_t label_col_;
  std::set<std::string> exclude_;
  std::set<std::string> excluded_;
  std::map<std::string, std::size_t> seen_;
  std::vector<std::string> skipped_;
};

// Half a unit of the last digit a number was printed with: 0.005 for "0.62", 0.5 for "2"; 0 for a
// number in exponent notation (its precision is not what it shows).
double half_unit(std::string_view text) {
  if (text.find_first_of("eE") != std::string_view::npos) return 0.0;
  const auto point = text.find_first_of(".,");
  std::size_t decimals = 0;
  if (point != std::string_view::npos) {
    for (std::size_t i = point + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) ++decimals;
  }
  return 0.5 * std::pow(10.0, -static_cast<double>(decimals));
}

}  // namespace

TwoArmLoad load_two_arm_studies(const Table& table, const TwoArmColumns& columns,
                                const std::vector<std::string>& exclude) {
  const std::size_t cols[4] = {table.column(columns.events_1), table.column(columns.n_1),
                               table.column(columns.events_2), table.column(columns.n_2)};
  RowWalker walker(table, columns.label, exclude);
  TwoArmLoad load;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto label = walker.label(r, load.left_out);
    if (!label) continue;
    std::optional<std::int64_t> value[4];
    std::vector<std::string> missing;
    for (int i = 0; i < 4; ++i) {
      value[i] = detail::parse_count(CellRef{table, r, cols[i]}, columns.missing);
      if (!value[i]) missing.push_back(table.header[cols[i]]);
    }
    if (!missing.empty()) {
      walker.not_reported(*label, r, "no " + detail::join(missing), load.left_out);
      continue;
    }
    for (int arm = 0; arm < 2; ++arm) {
      const CellRef events{table, r, cols[2 * arm]}, n{table, r, cols[2 * arm + 1]};
      if (*value[2 * arm + 1] == 0) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: arm {} of study '{}' has 0 patients; each arm needs at least one. Leave the "
                                "cells empty if the study does not report this outcome.",
                                n.where(), arm + 1, *label));
      }
      if (*value[2 * arm] > *value[2 * arm + 1]) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: events = {} exceed the {} patients (column '{}') of arm {} in study '{}'; check "
                                "for a typo or swapped columns",
                                events.where(), *value[2 * arm], *value[2 * arm + 1], table.header[cols[2 * arm + 1]],
                                arm + 1, *label));
      }
    }
    walker.use(*label, r);
    load.studies.push_back({*label, *value[0], *value[1], *value[2], *value[3]});
    load.rows.push_back(r);
  }
  load.notes = walker.finish(load.studies.size(), "both arms' events and patients");
  return load;
}

ContinuousLoad load_continuous_studies(const Table& table, const ContinuousColumns& columns,
                                       const std::vector<std::string>& exclude) {
  auto col = [&](const std::string& name) { return name.empty() ? kNoColumn : table.column(name); };
  auto opt_col = [&](const std::optional<std::string>& name) { return name ? table.column(*name) : kNoColumn; };
  struct ArmColumns {
    std::size_t mean, sd, n, median, q1, q3, min, max;
  };
  const ArmColumns arms[2] = {
      {col(columns.mean_1), col(columns.sd_1), table.column(columns.n_1), opt_col(columns.summary_1.median),
       opt_col(columns.summary_1.q1), opt_col(columns.summary_1.q3), opt_col(columns.summary_1.min),
       opt_col(columns.summary_1.max)},
      {col(columns.mean_2), col(columns.sd_2), table.column(columns.n_2), opt_col(columns.summary_2.median),
       opt_col(columns.summary_2.q1), opt_col(columns.summary_2.q3), opt_col(columns.summary_2.min),
       opt_col(columns.summary_2.max)},
  };
  bool any_summary = false;
  for (const auto& a : arms) {
    for (std::size_t c : {a.median, a.q1, a.q3, a.min, a.max}) any_summary = any_summary || c != kNoColumn;
  }
  RowWalker walker(table, columns.label, exclude);
  ContinuousLoad load;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto label = walker.label(r, load.left_out);
    if (!label) continue;
    auto real = [&](std::size_t c) -> std::optional<double> {
      if (c == kNoColumn) return std::nullopt;
      return detail::parse_real(CellRef{table, r, c}, columns.missing);
    };
    struct Arm {
      std::optional<double> mean, sd, n;
      MedianSummary summary;
      SummaryScenario mean_from = SummaryScenario::kReported, sd_from = SummaryScenario::kReported;
    };
    Arm arm[2];
    std::vector<std::string> missing;
    for (int i = 0; i < 2; ++i) {
      const auto& c = arms[i];
      Arm& a = arm[i];
      a.mean = real(c.mean);
      a.sd = real(c.sd);
      if (const auto n = detail::parse_count(CellRef{table, r, c.n}, columns.missing)) a.n = static_cast<double>(*n);
      a.summary = {a.n.value_or(0.0), real(c.median), real(c.q1), real(c.q3), real(c.min), real(c.max)};
      if (!a.n) missing.push_back(table.header[c.n]);
      if (!a.mean && !mean_scenario(a.summary)) {
        missing.push_back(c.mean != kNoColumn ? table.header[c.mean] : fmt::format("mean of arm {}", i + 1));
      }
      if (!a.sd && !sd_scenario(a.summary)) {
        missing.push_back(c.sd != kNoColumn ? table.header[c.sd] : fmt::format("SD of arm {}", i + 1));
      }
    }
    if (!missing.empty()) {
      walker.not_reported(*label, r,
                          "no " + detail::join(missing) + (any_summary ? " (nor a median with its IQR or range)" : ""),
                          load.left_out);
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      const auto& c = arms[i];
      Arm& a = arm[i];
      if (a.sd && !(*a.sd > 0.0)) {
        const CellRef sd{table, r, c.sd};
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: the SD of arm {} in study '{}' is {}; an SD must be > 0 (a negative one is a typo; "
                                "if the paper gives an SE, multiply it by the square root of n)",
                                sd.where(), i + 1, *label, detail::excerpt(sd.text())));
      }
      if (*a.n < 2.0) {
        const CellRef n{table, r, c.n};
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: arm {} of study '{}' has {} patients; a mean and an SD need at least 2", n.where(),
                                i + 1, *label, detail::excerpt(n.text())));
      }
      // Estimates from the median, each statistic only where it is missing.
      auto estimate = [&](std::optional<SummaryScenario> scenario, auto&& fn) {
        if (auto problem = find_summary_problem(a.summary, *scenario)) {
          std::size_t cell = c.n;
          switch (problem->field) {
            case SummaryField::kN: cell = c.n; break;
            case SummaryField::kMedian: cell = c.median; break;
            case SummaryField::kQ1: cell = c.q1; break;
            case SummaryField::kQ3: cell = c.q3; break;
            case SummaryField::kMin: cell = c.min; break;
            case SummaryField::kMax: cell = c.max; break;
          }
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: arm {} of study '{}': {}", CellRef{table, r, cell}.where(), i + 1, *label,
                                  problem->message));
        }
        return fn(a.summary);
      };
      if (!a.mean) {
        const auto e = estimate(mean_scenario(a.summary), [](const MedianSummary& s) { return estimate_mean(s); });
        a.mean = e.value, a.mean_from = e.scenario;
      }
      if (!a.sd) {
        const auto e = estimate(sd_scenario(a.summary), [](const MedianSummary& s) { return estimate_sd(s); });
        a.sd = e.value, a.sd_from = e.scenario;
      }
    }
    walker.use(*label, r);
    ContinuousStudy study;
    study.label = *label;
    study.mean_1 = *arm[0].mean, study.sd_1 = *arm[0].sd, study.n_1 = static_cast<std::int64_t>(*arm[0].n);
    study.mean_2 = *arm[1].mean, study.sd_2 = *arm[1].sd, study.n_2 = static_cast<std::int64_t>(*arm[1].n);
    study.mean_from_1 = arm[0].mean_from, study.sd_from_1 = arm[0].sd_from;
    study.mean_from_2 = arm[1].mean_from, study.sd_from_2 = arm[1].sd_from;
    load.studies.push_back(std::move(study));
    load.rows.push_back(r);
  }
  load.notes = walker.finish(load.studies.size(), "both arms' means, SDs and patients");
  return load;
}

ReportedLoad load_reported_effects(const Table& table, const ReportedColumns& columns,
                                   const std::vector<std::string>& exclude) {
  const bool logrank = columns.o_minus_e.has_value() && columns.logrank_variance.has_value();
  if (columns.o_minus_e.has_value() != columns.logrank_variance.has_value()) {
    throw Error(ErrorCategory::kInvalidOption, "the log-rank statistics need both columns: give --oe and --v");
  }
  if (columns.lower.has_value() != columns.upper.has_value()) {
    throw Error(ErrorCategory::kInvalidOption, "an interval needs both bounds: give --lower and --upper");
  }
  if (!columns.estimate && (columns.se || columns.variance || columns.lower || columns.p)) {
    throw Error(ErrorCategory::kInvalidOption,
                "--se, --vi, --lower, --upper and --p qualify an --estimate column, and no --estimate is named: name "
                "the column of the estimates they go with, or leave them out (the log-rank O - E and V need no "
                "spread)");
  }
  if (!columns.estimate && !logrank) {
    throw Error(ErrorCategory::kInvalidOption, "name the column of the estimates (--estimate), or the log-rank O - E and V (--oe --v)");
  }
  if (columns.estimate && !columns.se && !columns.variance && !columns.lower && !columns.p) {
    throw Error(ErrorCategory::kInvalidOption,
                "an estimate needs its spread: name a column of standard errors (--se), of variances (--vi), both "
                "bounds of the interval (--lower and --upper), or of p-values (--p)");
  }
  auto col = [&](const std::optional<std::string>& name) { return name ? table.column(*name) : kNoColumn; };
  const std::size_t estimate_col = col(columns.estimate);
  const std::size_t se_col = col(columns.se), vi_col = col(columns.variance);
  const std::size_t lb_col = col(columns.lower), ub_col = col(columns.upper), p_col = col(columns.p);
  const std::size_t oe_col = col(columns.o_minus_e), v_col = col(columns.logrank_variance);
  RowWalker walker(table, columns.label, exclude);
  ReportedLoad load;
  auto real = [&](std::size_t r, std::size_t c) -> std::optional<double> {
    if (c == kNoColumn) return std::nullopt;
    return detail::parse_real(CellRef{table, r, c}, columns.missing);
  };
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto label = walker.label(r, load.left_out);
    if (!label) continue;
    ReportedEffect e;
    e.label = *label;
    const auto oe = real(r, oe_col), v = real(r, v_col);
    const auto estimate = real(r, estimate_col);
    if (oe && v) {
      e.o_minus_e = *oe, e.logrank_variance = *v;
      if (estimate) e.estimate = *estimate;
    } else if (!estimate) {
      std::vector<std::string> looked;
      for (std::size_t c : {estimate_col, oe_col, v_col}) {
        if (c != kNoColumn) looked.push_back(table.header[c]);
      }
      walker.not_reported(*label, r, "no " + detail::join(looked, " or "), load.left_out);
      continue;
    } else {
      e.estimate = *estimate;
      const auto lb = real(r, lb_col), ub = real(r, ub_col);
      if (const auto variance = real(r, vi_col)) {
        e.variance = *variance;
      } else if (const auto se = real(r, se_col)) {
        e.se = *se;
      } else if (lb && ub) {
        e.ci_lb = *lb, e.ci_ub = *ub;
        // Each number as precise as its own digits: an estimate printed "2" says nothing of how
        // its bounds were rounded.
        e.rounding.estimate = half_unit(CellRef{table, r, estimate_col}.text());
        e.rounding.lower = half_unit(CellRef{table, r, lb_col}.text());
        e.rounding.upper = half_unit(CellRef{table, r, ub_col}.text());
      } else if (const auto p = real(r, p_col)) {
        e.p = *p;
      } else {
        std::vector<std::string> looked;
        for (std::size_t c : {vi_col, se_col, lb_col, ub_col, p_col, oe_col, v_col}) {
          if (c != kNoColumn) looked.push_back(table.header[c]);
        }
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}:{}: study '{}' reports an estimate but no spread (looked in: {}); give its SE, "
                                "both bounds or its p-value, or leave the estimate empty too if the study does not "
                                "report the outcome",
                                table.source, table.lines[r], *label, detail::join(looked)));
      }
    }
    walker.use(*label, r);
    load.studies.push_back(std::move(e));
    load.rows.push_back(r);
  }
  load.notes = walker.finish(load.studies.size(), "an estimate");
  return load;
}

}  // namespace carta::io
