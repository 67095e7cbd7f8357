#include "carta/error.hpp"

namespace carta {

int exit_code(ErrorCategory category) noexcept {
  switch (category) {
    case ErrorCategory::kInvalidInput: return 65;   // EX_DATAERR
    case ErrorCategory::kInvalidOption: return 64;  // EX_USAGE
    case ErrorCategory::kIo: return 66;             // EX_NOINPUT
    case ErrorCategory::kNumerical: return 70;
    case ErrorCategory::kInternal: return 70;       // EX_SOFTWARE
  }
  return 70;
}

}  // namespace carta
