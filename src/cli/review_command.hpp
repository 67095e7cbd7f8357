#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace carta::cli {

struct RobArgs {
  std::string file;
  std::string tool = "rob2";
  std::string out;
  std::string palette = "cochrane";
  bool weighted = false;
  std::string weight;
  std::string study;
  double threshold = 0.7;
  std::string title;
};

struct PrismaArgs {
  std::string file;
  std::string out;
};

CLI::App* add_prisma_command(CLI::App& app, PrismaArgs& args);
int run_prisma(const PrismaArgs& args, std::ostream& out, std::ostream& err);
CLI::App* add_rob_command(CLI::App& app, RobArgs& args);
int run_rob(const RobArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
