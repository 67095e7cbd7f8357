#include "carta/level.hpp"

#include <cmath>

namespace carta {

std::optional<double> confidence_level(double given) noexcept {
  if (!std::isfinite(given)) return std::nullopt;
  if (given > 0.0 && given < 1.0) return given;
  if (given >= 50.0 && given < 100.0) return given / 100.0;
  return std::nullopt;
}

}  // namespace carta
