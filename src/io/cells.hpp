#pragma once
// Reading one table cell as a count or a number, with file:line:column (column 'name') in every
// message: shared by the loaders of proportions and of two-arm tables.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "carta/io/missing_values.hpp"
#include "carta/io/table.hpp"
#include "text.hpp"

namespace carta::io::detail {

// A cell as messages name it: "file:line:column (column 'header')", the header cut to an excerpt.
[[nodiscard]] std::string where(const Table& table, std::size_t row, std::size_t col);

struct CellRef {
  const Table& table;
  std::size_t row;
  std::size_t col;
  [[nodiscard]] std::string where() const { return detail::where(table, row, col); }
  [[nodiscard]] std::string_view text() const { return trim(table.rows[row][col]); }
};

// A count of patients. Cells that are not reported return nullopt (missing outcome data); a cell
// that is not a whole number >= 0 is an error (kInvalidInput) naming the cell and the fix.
std::optional<std::int64_t> parse_count(const CellRef& cell, const MissingValues& missing);

// A real number (a decimal point; 1e-3 allowed). Not reported: nullopt; anything else that is no
// number is an error naming the cell.
std::optional<double> parse_real(const CellRef& cell, const MissingValues& missing);

}  // namespace carta::io::detail
