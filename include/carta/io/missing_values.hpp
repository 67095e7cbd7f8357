#pragma once
// Cells that mean "not reported": one rule for every reader (events and n, subgroup and
// moderator columns, sensitivity filters, survival tables), stated in docs/spec.md and
// overridable (`[data] missing` in the spec, `--missing` on the command line).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace carta::io {

class MissingValues {
 public:
  // The default rule: an empty cell, NA, NR, n/a or - (case does not matter).
  MissingValues();
  // These tokens instead of the defaults (compared without regard to ASCII case, after trimming
  // blanks); an empty cell is always missing. Throws carta::Error (kInvalidOption) for a token
  // that is empty or has blanks around it.
  explicit MissingValues(std::vector<std::string> tokens);

  // Whether `cell` (raw or trimmed) means "not reported".
  [[nodiscard]] bool is_missing(std::string_view cell) const;
  [[nodiscard]] const std::vector<std::string>& tokens() const noexcept { return tokens_; }
  // "empty, NA, NR, n/a, -" for notes and messages.
  [[nodiscard]] std::string describe() const;

 private:
  std::vector<std::string> tokens_;
  std::vector<std::string> lower_;
  std::size_t longest_ = 0;
};

}  // namespace carta::io
