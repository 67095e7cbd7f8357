#pragma once
// One study's 2x2 table, the input of every two-arm binary analysis (comparative.hpp, glmm_or.hpp).

#include <cstdint>
#include <string>

namespace carta {

// Events and patients in the experimental arm (1) and the control arm (2).
struct TwoByTwoStudy {
  std::string label;
  std::int64_t events_1 = 0, n_1 = 0;
  std::int64_t events_2 = 0, n_2 = 0;
};

}  // namespace carta
