#pragma once
// One single-arm study reporting `events` among `n` patients.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace carta {

struct ProportionStudy {
  std::string label;
  std::int64_t events = 0;
  std::int64_t n = 0;
};

// Throws carta::Error (kInvalidInput), naming `caller` and the study, unless every study has
// n > 0 and 0 <= events <= n. Shared by the models so that they refuse bad counts alike.
void require_valid_counts(std::span<const ProportionStudy> studies, std::string_view caller);

}  // namespace carta
