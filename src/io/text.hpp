#pragma once
// Small text helpers shared by the readers.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carta::io::detail {

// Strips leading and trailing blanks (space, tab, CR, LF).
inline std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// ASCII letters in lower case, other bytes (UTF-8 included) unchanged: for keywords and codes.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// Items joined by ", " for notes and messages.
inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// A cell's text as messages quote it: at most 60 characters, so that a 10 MB cell does not make
// a 10 MB message.
inline std::string excerpt(std::string_view s) {
  if (s.size() <= 60) return std::string(s);
  return std::string(s.substr(0, 40)) + "... (" + std::to_string(s.size()) + " characters)";
}

// Levenshtein distance, for "did you mean" suggestions on misspelt column names and spec keys.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitution});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace carta::io::detail
