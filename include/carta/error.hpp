#pragma once
// carta's single exception root. Exceptions are for misuse at the boundary (bad input files,
// bad options); expected data problems inside a valid input are returned as notes instead.

#include <stdexcept>
#include <string>

namespace carta {

enum class ErrorCategory {
  kInvalidInput,   // the data file is malformed or holds impossible values
  kInvalidOption,  // a command-line option or API argument is out of its domain
  kIo,             // a file cannot be opened or written
  kNumerical,      // a computation cannot proceed (e.g. a transform is undefined)
  kInternal,       // a bug in carta
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCategory category, const std::string& message)
      : std::runtime_error(message), category_(category) {}
  [[nodiscard]] ErrorCategory category() const noexcept { return category_; }

 private:
  ErrorCategory category_;
};

// Process exit code for an error category (documented in the README).
int exit_code(ErrorCategory category) noexcept;

}  // namespace carta
