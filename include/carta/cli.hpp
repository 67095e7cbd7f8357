#pragma once
// The carta command-line interface as a function, so that tests drive it in-process.

#include <ostream>
#include <string>
#include <vector>

namespace carta {

// args excludes the program name. Returns the process exit code: 0 on success, 64 for a usage
// error, 65 for invalid input data, 66 for unreadable files, 70 for numerical failures and
// 3 when results were written but an iterative computation did not converge.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace carta
