#include "carta/study.hpp"

#include <fmt/format.h>

#include "carta/error.hpp"

namespace carta {

void require_valid_counts(std::span<const ProportionStudy> studies, std::string_view caller) {
  for (const auto& s : studies) {
    if (s.n <= 0 || s.events < 0 || s.events > s.n) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("{}: study '{}' has events = {} and n = {}, but needs 0 <= events <= n and n > 0", caller,
                              s.label, s.events, s.n));
    }
  }
}

}  // namespace carta
