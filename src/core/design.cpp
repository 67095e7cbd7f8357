#include "carta/design.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "carta/error.hpp"

namespace carta {

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

Design build_design(const std::vector<ModeratorColumn>& columns, std::size_t n_studies) {
  Design d;
  for (const auto& c : columns) {
    if (c.values.size() != n_studies) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("build_design: moderator '{}' has {} values for {} studies", c.name,
                              c.values.size(), n_studies));
    }
  }
  for (std::size_t i = 0; i < n_studies; ++i) {
    const bool complete = std::all_of(columns.begin(), columns.end(), [i](const ModeratorColumn& c) {
      return c.values[i].has_value() && !c.values[i]->empty();
    });
    (complete ? d.kept : d.dropped).push_back(i);
  }

  std::vector<std::vector<double>> cols;
  d.names.push_back("intrcpt");
  cols.emplace_back(d.kept.size(), 1.0);
  for (const auto& c : columns) {
    Design::Term term;
    term.column = c.name;
    bool numeric = true;
    for (const auto i : d.kept) numeric = numeric && parse_number(*c.values[i]).has_value();
    term.categorical = c.categorical.value_or(!numeric);
    if (!term.categorical && !numeric) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("moderator '{}' was declared numeric but has non-numeric values", c.name));
    }
    if (!term.categorical) {
      std::vector<double> col;
      for (const auto i : d.kept) col.push_back(*parse_number(*c.values[i]));
      d.names.push_back(c.name);
      cols.push_back(std::move(col));
    } else {
      std::set<std::string> levels;
      for (const auto i : d.kept) levels.insert(*c.values[i]);
      term.levels.assign(levels.begin(), levels.end());
      for (std::size_t l = 1; l < term.levels.size(); ++l) {
        std::vector<double> col;
        for (const auto i : d.kept) col.push_back(*c.values[i] == term.levels[l] ? 1.0 : 0.0);
        d.names.push_back(fmt::format("{}[{}]", c.name, term.levels[l]));
        cols.push_back(std::move(col));
      }
      if (term.levels.size() < 2) {
        throw Error(ErrorCategory::kInvalidInput,
                    fmt::format("moderator '{}' has a single value ('{}') among the studies used: it "
                                "cannot explain differences between them; drop it",
                                c.name, term.levels.empty() ? std::string() : term.levels.front()));
      }
    }
    d.terms.push_back(std::move(term));
  }
  d.x.resize(static_cast<Eigen::Index>(d.kept.size()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j) {
    for (std::size_t i = 0; i < d.kept.size(); ++i) {
      d.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = cols[j][i];
    }
  }
  return d;
}

}  // namespace carta
