#pragma once
// One single-arm study reporting `events` among `n` patients.

#include <cstdint>
#include <string>

namespace carta {

struct ProportionStudy {
  std::string label;
  std::int64_t events = 0;
  std::int64_t n = 0;
};

}  // namespace carta
