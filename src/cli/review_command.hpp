#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <cstdint>
#include <string>
#include <vector>

namespace carta::cli {

struct RobArgs {
  std::string file;
  std::string tool = "rob2";
  std::string out;
  std::string palette = "cochrane";
  bool weighted = false;
  std::string weight;
  std::string study;
  std::vector<std::string> ignore;
  double threshold = 0.7;
  std::string title;
};

struct PrismaArgs {
  std::string file;
  std::string out;
};

CLI::App* add_prisma_command(CLI::App& app, PrismaArgs& args);
int run_prisma(const PrismaArgs& args, std::ostream& out, std::ostream& err);
struct ScreeningArgs {
  std::vector<std::string> files;  // FILE or PART=FILE (a Rayyan stage or a Covidence list)
  std::vector<std::string> reviewers{"2"};  // N, or STAGE=N (title_abstract, full_text)
  std::vector<std::string> databases;  // NAME=N
  std::vector<std::string> registers;
  std::vector<std::string> searches;  // export files (NAME=FILE or FILE): records per database
  std::string dedup;                  // DUPS.csv of carta dedup: the duplicates removed
  std::int64_t duplicates = 0;
  std::int64_t automation = 0;
  std::int64_t removed_other = 0;
  std::string adjudicator = "adjudicator";
  std::string out;
  std::string format = "text";
};

CLI::App* add_screening_command(CLI::App& app, ScreeningArgs& args);
int run_screening(const ScreeningArgs& args, std::ostream& out, std::ostream& err);
struct ReconcileArgs {
  std::string a, b;
  std::string key;
  std::string out;
  std::string conflicts;
};

CLI::App* add_reconcile_command(CLI::App& app, ReconcileArgs& args);
int run_reconcile(const ReconcileArgs& args, std::ostream& out, std::ostream& err);
struct DedupArgs {
  std::vector<std::string> files;
  std::string out;
  std::string format;  // of --out: "ris" or "csv" (default: from the extension, else csv)
  bool strict = false;
  std::string duplicates;
  std::string review;
  std::string decisions;
  double duplicate_score = 0.93;  // review::DedupOptions's defaults
  double review_score = 0.20;
};

CLI::App* add_dedup_command(CLI::App& app, DedupArgs& args);
int run_dedup(const DedupArgs& args, std::ostream& out, std::ostream& err);
CLI::App* add_rob_command(CLI::App& app, RobArgs& args);
int run_rob(const RobArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
