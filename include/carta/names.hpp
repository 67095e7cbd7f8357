#pragma once
// How carta reads the names of its options' values (measures, estimators, tests, presets, CI
// methods), in one place: case does not matter ("reml", "REML", "Reml"), and the aliases R users
// type (metafor's and meta's names) are accepted. Used by the CLI and the spec alike.

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>

namespace carta {

// ASCII case-insensitive equality (option values are ASCII).
inline bool same_name(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

inline bool is_one_of(std::string_view text, std::initializer_list<std::string_view> names) noexcept {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return same_name(text, n); });
}

}  // namespace carta
