#include "carta/io/rob_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "carta/design.hpp"
#include "carta/error.hpp"
#include "cells.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::excerpt;
using detail::trim;

// The header line: read_table skips nothing before the header but blank lines, so it is the
// first line in every file carta writes or a spreadsheet exports.
constexpr std::size_t kHeaderLine = 1;

// A header as column matching sees it: normalised, and "Domain 1" read as "d1".
std::string header_key(std::string_view header) {
  std::string key = review::normalise_rob_text(header);
  if (key.rfind("domain ", 0) == 0 && key.size() <= 10) key.replace(0, 7, "d");
  return key;
}

bool is_one_of(const std::string& key, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

bool is_study_header(const std::string& k) {
  return is_one_of(k, {"study", "studies", "study id", "study name", "trial"});
}
bool is_overall_header(const std::string& k) {
  return is_one_of(k, {"overall", "overall risk of bias", "overall judgement", "overall judgment",
                       "overall bias", "overall rob", "overall risk"});
}
bool is_weight_header(const std::string& k) { return is_one_of(k, {"weight", "weights"}); }

using detail::where;

std::string header_at(const Table& t, std::size_t col) {
  return fmt::format("{}:{}:{}", t.source, kHeaderLine, col + 1);
}

std::string allowed(const review::RobTool& tool) {
  std::string out;
  for (const auto& l : tool.levels) out += (out.empty() ? "" : ", ") + l.name;
  return out;
}

// What the tool's columns are, for messages: "D1 (Bias arising from ...), ..., D5 (...)".
std::string expected_columns(const review::RobTool& tool) {
  if (tool.domains.size() > 8) {
    return fmt::format("{} to {} ({} items; a modified list may leave some out)", tool.domains.front().id,
                       tool.domains.back().id, tool.domains.size());
  }
  std::string out;
  for (const auto& d : tool.domains) {
    out += fmt::format("{}{} ({}){}", out.empty() ? "" : ", ", d.id, d.name, d.optional ? ", optional" : "");
  }
  return out;
}

bool names_domain(const review::RobDomain& d, const std::string& key) {
  if (key == review::normalise_rob_text(d.id) || key == review::normalise_rob_text(d.name)) return true;
  return std::find(d.aliases.begin(), d.aliases.end(), key) != d.aliases.end();
}

// What each column of the file is.
struct ColumnRoles {
  std::size_t study = 0;
  std::optional<std::size_t> overall;
  std::optional<std::size_t> weight;
  std::vector<std::size_t> domain_cols;  // in the tool's order (generic: the file's)
  std::vector<review::RobDomain> domains;
  std::vector<std::string> notes;
};

ColumnRoles column_roles(const Table& table, const review::RobTool& tool, const RobColumns& columns) {
  ColumnRoles roles;
  const std::size_t n = table.header.size();
  std::vector<std::string> keys(n);
  for (std::size_t c = 0; c < n; ++c) keys[c] = header_key(table.header[c]);
  std::vector<bool> taken(n, false);

  // One column for a role given twice is an error naming both, never a silent winner.
  auto single = [&](auto is_role, const char* role) -> std::optional<std::size_t> {
    std::optional<std::size_t> found;
    for (std::size_t c = 0; c < n; ++c) {
      if (taken[c] || !is_role(keys[c])) continue;
      if (found) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: a second {} column, '{}' (the first is '{}' in column {}); keep one",
                                header_at(table, c), role, excerpt(table.header[c]),
                                excerpt(table.header[*found]), *found + 1));
      }
      found = c;
    }
    return found;
  };
  if (columns.study) {
    roles.study = table.column(*columns.study);
  } else {
    roles.study = single(is_study_header, "study").value_or(0);
  }
  taken[roles.study] = true;
  for (const auto& name : columns.ignore) taken[table.column(name)] = true;
  if (columns.weight) {
    roles.weight = table.column(*columns.weight);
    taken[*roles.weight] = true;
  }
  roles.overall = single(is_overall_header, "overall");
  if (roles.overall) taken[*roles.overall] = true;
  if (!columns.weight) {
    roles.weight = single(is_weight_header, "weight");
    if (roles.weight) taken[*roles.weight] = true;
  }

  if (tool.domains.empty()) {  // generic: every other column is a domain, shown as D1, D2, ...
    std::set<std::string> seen;
    for (std::size_t c = 0; c < n; ++c) {
      if (taken[c]) continue;
      if (!seen.insert(keys[c]).second) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: domain '{}' appears twice in the header; give each domain one column",
                                header_at(table, c), excerpt(table.header[c])));
      }
      roles.domain_cols.push_back(c);
      roles.domains.push_back({fmt::format("D{}", roles.domains.size() + 1), table.header[c], {}});
    }
  } else {
    std::vector<std::optional<std::size_t>> column_of(tool.domains.size());
    for (std::size_t c = 0; c < n; ++c) {
      if (taken[c]) continue;
      std::optional<std::size_t> domain;
      for (std::size_t j = 0; j < tool.domains.size() && !domain; ++j) {
        if (names_domain(tool.domains[j], keys[c])) domain = j;
      }
      if (!domain) {
        const std::string hint =
            keys[c].empty() ? " (an unnamed column: R's row names? write.csv(..., row.names = FALSE))" : "";
        throw Error(
            ErrorCategory::kInvalidInput,
            fmt::format(
                "{}: column '{}'{} is not a domain of {}; it expects {}, besides the study, overall and "
                "weight columns; rename or remove the column, leave it out (carta rob --ignore), or "
                "use the generic tool for other domains",
                header_at(table, c), excerpt(table.header[c]), hint, tool.name, expected_columns(tool)));
      }
      if (column_of[*domain]) {
        throw Error(
            ErrorCategory::kInvalidInput,
            fmt::format("{}: column '{}' is domain {} ('{}') again, already in column {} ('{}'); give each "
                        "domain one column",
                        header_at(table, c), excerpt(table.header[c]), tool.domains[*domain].id,
                        tool.domains[*domain].name, *column_of[*domain] + 1,
                        excerpt(table.header[*column_of[*domain]])));
      }
      column_of[*domain] = c;
    }
    std::vector<std::string> missing;
    for (std::size_t j = 0; j < tool.domains.size(); ++j) {
      const auto& d = tool.domains[j];
      if (!column_of[j]) {
        if (!d.optional) {
          throw Error(
              ErrorCategory::kInvalidInput,
              fmt::format("{}: no column for {} domain {} ('{}'); name it {} or by the domain's name ({} "
                          "expects {})",
                          table.source, tool.id, d.id, d.name, d.id, tool.id, expected_columns(tool)));
        }
        missing.push_back(d.id);
        continue;
      }
      roles.domain_cols.push_back(*column_of[j]);
      roles.domains.push_back(d);
    }
    if (tool.rule == review::OverallRule::kItemsMet) {
      if (roles.domain_cols.size() < tool.domains.size() && !roles.domain_cols.empty()) {
        roles.notes.push_back(fmt::format("{} of the {} IHE items are in the file (a modified checklist)",
                                          roles.domain_cols.size(), tool.domains.size()));
      }
    } else {
      for (const auto& id : missing) {
        const auto it =
            std::find_if(tool.domains.begin(), tool.domains.end(), [&](const auto& d) { return d.id == id; });
        roles.notes.push_back(
            fmt::format("no column for the optional domain {} ('{}'): left out", id, it->name));
      }
    }
  }
  if (roles.domain_cols.empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                tool.rule == review::OverallRule::kItemsMet
                    ? fmt::format("{}: no checklist item columns (Q1, Q2, ... Q20)", table.source)
                    : fmt::format("{}: no domain columns", table.source));
  }
  return roles;
}

std::string judgement_problem(const review::RobTool& tool, std::string_view text) {
  if (const std::string why = review::ambiguous_judgement(tool, text); !why.empty()) {
    return fmt::format("'{}' is ambiguous for {}: {}", excerpt(text), tool.id, why);
  }
  if (text.empty()) {
    return fmt::format("the judgement is empty; write one of: {}", allowed(tool));
  }
  return fmt::format("'{}' is not a {} judgement; write one of: {}", excerpt(text), tool.id, allowed(tool));
}

}  // namespace

review::RobAssessment load_rob_assessment(const Table& table, const review::RobTool& tool,
                                          const RobColumns& columns) {
  using review::OverallRule;
  review::RobAssessment a;
  a.tool = &tool;
  a.threshold = columns.ihe_threshold;
  if (!(a.threshold > 0.0 && a.threshold <= 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("the IHE threshold {} must be in (0, 1]", a.threshold));
  }
  if (table.header.empty())
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no columns", table.source));
  ColumnRoles roles = column_roles(table, tool, columns);
  a.domains = std::move(roles.domains);
  a.notes = std::move(roles.notes);
  const std::size_t study_col = roles.study;
  const auto& domain_cols = roles.domain_cols;
  if (roles.overall && tool.rule == OverallRule::kItemsMet) {
    a.notes.push_back(
        fmt::format("column '{}' is not used: the IHE checklist's summary is the share of rated items met "
                    "(threshold {})",
                    excerpt(table.header[*roles.overall]), a.threshold));
  }
  const bool has_overall = roles.overall.has_value() && tool.rule != OverallRule::kItemsMet;
  const std::size_t overall_col = roles.overall.value_or(0);

  std::set<std::string> seen;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    review::StudyAssessment s;
    s.study = std::string(trim(table.rows[r][study_col]));
    if (s.study.empty()) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: the study name is empty", where(table, r, study_col)));
    }
    if (!seen.insert(s.study).second) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: study '{}' appears twice", where(table, r, study_col), excerpt(s.study)));
    }
    for (std::size_t j = 0; j < domain_cols.size(); ++j) {
      const std::size_t c = domain_cols[j];
      const std::string_view text = trim(table.rows[r][c]);
      if (tool.rule == OverallRule::kNos) {
        const int max_stars = j == 0 ? 4 : (j == 1 ? 2 : 3);
        const auto v = parse_number(text);
        if (!v || *v != std::floor(*v) || *v < 0 || *v > max_stars) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: '{}' is not a number of stars from 0 to {}", where(table, r, c),
                                  excerpt(text), max_stars));
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
                    fmt::format("{}: {}", where(table, r, c), judgement_problem(tool, text)));
      }
      s.domains.push_back(*level);
    }
    if (has_overall) {
      const std::string_view text = trim(table.rows[r][overall_col]);
      if (!text.empty()) {
        const auto level = review::parse_judgement(tool, text);
        if (!level) {
          throw Error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: {}", where(table, r, overall_col), judgement_problem(tool, text)));
        }
        if (tool.levels[*level].severity == review::kNotApplicable) {
          throw Error(
              ErrorCategory::kInvalidInput,
              fmt::format(
                  "{}: '{}' is not an overall judgement (every study has one); leave the cell empty for "
                  "carta to apply {}",
                  where(table, r, overall_col), excerpt(text), tool.rule_text));
        }
        s.reported = level;
      }
    }
    if (roles.weight) {
      const std::string_view text = trim(table.rows[r][*roles.weight]);
      const auto v = parse_number(text);
      if (!v || !(*v > 0) || !std::isfinite(*v)) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("{}: weight '{}' must be a number > 0 (e.g. the sample size)",
                                where(table, r, *roles.weight), excerpt(text)));
      }
      s.weight = *v;
    }
    a.studies.push_back(std::move(s));
  }
  if (a.studies.empty())
    throw Error(ErrorCategory::kInvalidInput, fmt::format("{}: no studies", table.source));
  review::derive_overall(a);
  return a;
}

}  // namespace carta::io
