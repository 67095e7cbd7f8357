#include "cells.hpp"

#include <fmt/format.h>

#include <charconv>

#include "carta/design.hpp"
#include "carta/error.hpp"

namespace carta::io::detail {

std::string where(const Table& table, std::size_t row, std::size_t col) {
  return fmt::format("{}:{}:{} (column '{}')", table.source, table.lines[row], col + 1, excerpt(table.header[col]));
}

// Parses a count cell. Cells that are not reported return nullopt (missing outcome data).
std::optional<std::int64_t> parse_count(const CellRef& cell, const MissingValues& missing) {
  const std::string_view s = cell.text();
  if (missing.is_missing(s)) return std::nullopt;
  std::int64_t value = 0;
  const auto* begin = s.data();
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  std::string problem;
  if (ec == std::errc::result_out_of_range) {
    problem = "is too large to be a count";
  } else if (ec != std::errc() || ptr != end) {
    if (s.find_first_of(".eE") != std::string_view::npos) {
      problem = "is not a whole number; counts of patients must be integers (write 12, not 12.0 or 1.2e1)";
    } else if (s.find(',') != std::string_view::npos) {
      problem = "contains a comma; write counts as whole numbers, without thousands separators or decimal commas";
    } else {
      problem = "is not a number";
    }
  } else if (value < 0) {
    problem = "is negative; counts must be >= 0";
  }
  if (!problem.empty()) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: value '{}' {}. Fix the cell, or leave it empty (or write NA) if the study "
                            "does not report this outcome.",
                            cell.where(), excerpt(s), problem));
  }
  return value;
}

std::optional<double> parse_real(const CellRef& cell, const MissingValues& missing) {
  const std::string_view s = cell.text();
  if (missing.is_missing(s)) return std::nullopt;
  const auto value = parse_number(s);
  if (!value || !std::isfinite(*value)) {
    std::string hint = "write a plain number such as 0.62 or -1.5";
    if (s.find(',') != std::string_view::npos) hint = "write decimals with a point (0.62), not a comma";
    if (s.find('%') != std::string_view::npos) hint = "drop the % sign";
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("{}: value '{}' is not a number; {}. Leave the cell empty (or NA) if the study does not "
                            "report it.",
                            cell.where(), excerpt(s), hint));
  }
  return value;
}

}  // namespace carta::io::detail
