#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace carta::cli {

struct ReportArgs {
  std::string spec;
  std::string out = "report";
  bool progress = false;
};

CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
int run_report(const ReportArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
