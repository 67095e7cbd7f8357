#include "carta/io/missing_values.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "carta/error.hpp"
#include "text.hpp"

namespace carta::io {

namespace {

using detail::ascii_lower;

}  // namespace

MissingValues::MissingValues() : MissingValues(std::vector<std::string>{"NA", "NR", "n/a", "-"}) {}

MissingValues::MissingValues(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  for (const auto& t : tokens_) {
    if (t.empty() || detail::trim(t).size() != t.size()) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("missing-value token '{}' is empty or has blanks around it; an empty cell is always "
                              "missing, so list only the texts that mean 'not reported' (such as NA, NR, -)",
                              t));
    }
    lower_.push_back(ascii_lower(t));
    longest_ = std::max(longest_, t.size());
  }
}

bool MissingValues::is_missing(std::string_view cell) const {
  const std::string_view text = detail::trim(cell);
  if (text.empty()) return true;
  if (text.size() > longest_) return false;  // no token is this long: long cells are not lower-cased
  const std::string lower = ascii_lower(text);
  return std::find(lower_.begin(), lower_.end(), lower) != lower_.end();
}

std::string MissingValues::describe() const {
  std::string out = "empty";
  for (const auto& t : tokens_) out += ", " + t;
  return out;
}

}  // namespace carta::io
