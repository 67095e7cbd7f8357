#include "carta/io/rob_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "carta/design.hpp"
#include "carta/error.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::trim;

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::size_t> find_column(const Table& t, std::initializer_list<std::string_view> names) {
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    for (auto n : names) {
      if (lower(t.header[c]) == n) return c;
    }
  }
  return std::nullopt;
}

std::string where(const Table& t, std::size_t row, std::size_t col) {
  return fmt::format("{}:{}:{} (column '{}')", t.source, t.lines[row], col + 1, t.header[col]);
}

std::string allowed(const review::RobTool& tool) {
  std::string out;
  for (const auto& l : tool.levels) out += (out.empty() ? "" : ", ") + l.name;
  return out;
}

}  // namespace

review::RobAssessment load_rob_assessment(const Table& table, const review::RobTool& tool, const RobColumns& columns) {
  using review::OverallRule;
  review::RobAssessment a;
  a.tool = &tool;
  a.threshold = columns.ihe_threshold;
  if (!(a.threshold > 0.0 && a.threshold <= 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("the IHE threshold {} must be in (0, 1]", a.threshold));
  }
  if (table.header.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no columns", table.source));
  const std::size_t study_col = columns.study ? table.column(*columns.study) : find_column(table, {"study"}).value_or(0);
  const std::optional<std::size_t> overall_col = find_column(table, {"overall", "overall risk of bias", "overall judgement"});
  const std::optional<std::size_t> weight_col =
      columns.weight ? std::optional<std::size_t>(table.column(*columns.weight)) : find_column(table, {"weight"});

  // Which column holds which domain.
  std::vector<std::size_t> domain_cols;
  if (tool.id == "generic") {
    for (std::size_t c = 0; c < table.header.size(); ++c) {
      if (c == study_col || c == overall_col || c == weight_col) continue;
      domain_cols.push_back(c);
      a.domains.push_back({table.header[c], table.header[c]});
    }
  } else {
    for (const auto& d : tool.domains) {
      std::optional<std::size_t> col;
      for (std::size_t c = 0; c < table.header.size(); ++c) {
        const std::string h = lower(trim(table.header[c]));
        if (h == lower(d.id) || h == lower(d.name) || (d.id == "outcome" && h == "exposure")) col = c;
      }
      if (!col) {
        if (tool.rule == OverallRule::kItemsMet) continue;  // a modified checklist may drop items
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: no column for {} domain {} ('{}'); name it {} or by the domain's name",
                                table.source, tool.id, d.id, d.name, d.id));
      }
      domain_cols.push_back(*col);
      a.domains.push_back(d);
    }
    if (tool.rule == OverallRule::kItemsMet) {
      if (domain_cols.empty()) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: no checklist item columns (Q1, Q2, ... Q20)", table.source));
      }
      if (domain_cols.size() < tool.domains.size()) {
        a.notes.push_back(fmt::format("{} of the {} IHE items are in the file (a modified checklist)", domain_cols.size(),
                                      tool.domains.size()));
      }
    }
  }
  if (domain_cols.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no domain columns", table.source));

  std::set<std::string> seen;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    review::StudyAssessment s;
    s.study = std::string(trim(table.rows[r][study_col]));
    if (s.study.empty()) {
      throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: the study name is empty", where(table, r, study_col)));
    }
    if (!seen.insert(s.study).second) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: study '{}' appears twice", where(table, r, study_col), s.study));
    }
    for (std::size_t j = 0; j < domain_cols.size(); ++j) {
      const std::size_t c = domain_cols[j];
      const std::string_view text = trim(table.rows[r][c]);
      if (tool.rule == OverallRule::kNos) {
        const int max_stars = j == 0 ? 4 : (j == 1 ? 2 : 3);
        const auto v = parse_number(text);
        if (!v || *v != std::floor(*v) || *v < 0 || *v > max_stars) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: '{}' is not a number of stars from 0 to {}", where(table, r, c), detail::excerpt(text), max_stars));
        }
        const int stars = static_cast<int>(*v);
        s.stars.push_back(stars);
        std::size_t category = 0;  // good
        if (j == 0) category = stars >= 3 ? 0 : (stars == 2 ? 1 : 2);
        if (j == 1) category = stars >= 1 ? 0 : 2;
        if (j == 2) category = stars >= 2 ? 0 : 2;
        s.domains.push_back(category);
        continue;
      }
      const auto level = review::parse_judgement(tool, text);
      if (!level) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: '{}' is not a {} judgement; write one of: {}", where(table, r, c), detail::excerpt(text), tool.id,
                                allowed(tool)));
      }
      s.domains.push_back(*level);
    }
    if (overall_col) {
      const std::string_view text = trim(table.rows[r][*overall_col]);
      if (!text.empty() && tool.rule != OverallRule::kItemsMet) {
        const auto level = review::parse_judgement(tool, text);
        if (!level) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: '{}' is not a {} judgement; write one of: {}", where(table, r, *overall_col), text,
                                  tool.id, allowed(tool)));
        }
        s.reported = level;
      }
    }
    if (weight_col) {
      const std::string_view text = trim(table.rows[r][*weight_col]);
      const auto v = parse_number(text);
      if (!v || !(*v > 0)) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: weight '{}' must be a number > 0 (e.g. the sample size)", where(table, r, *weight_col),
                                text));
      }
      s.weight = *v;
    }
    a.studies.push_back(std::move(s));
  }
  if (a.studies.empty()) throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no studies", table.source));
  try {
    review::derive_overall(a);
  } catch (const Error& e) {
    throw Error(e.category(), fmt::format("{}: {}", table.source, e.what()));
  }
  return a;
}

}  // namespace carta::io
