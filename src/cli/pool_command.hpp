#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace carta::cli {

struct PoolArgs {
  std::string file;
  std::string events;
  std::string n;
  std::string label;
  std::string measure = "PLO";
  std::string method = "REML";
  std::string test = "z";
  std::string preset = "carta";
  std::string study_ci;
  double continuity = 0.5;
  double level = 0.95;
  std::string by;
  std::vector<std::string> exclude;
  std::string format = "text";
  std::string output;
};

CLI::App* add_pool_command(CLI::App& app, PoolArgs& args);
int run_pool(const PoolArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
