#pragma once
// How an iterative computation ended. Every iterative routine in carta returns one of these
// instead of falling back silently (see STYLE.md, practice 5).

#include <string>

namespace carta {

struct IterationReport {
  bool iterative = false;   // false: closed-form, the other fields are trivially "converged"
  bool converged = true;
  int iterations = 0;
  double last_change = 0.0;  // size of the last step (or final bracket width for root finders)
  std::string message;       // why it stopped, in words
};

}  // namespace carta
