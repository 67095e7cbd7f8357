#pragma once
#include <CLI/CLI.hpp>

#include <ostream>
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"

namespace carta::cli {

struct RobArgs {
  std::string file;
  std::string tool = "rob2";
  OutputArgs output;    // the assessment: text or json (rob.json)
  std::string out_dir;  // the figures and rob.json
  std::string palette = "cochrane";
  bool weighted = false;
  std::string weight;
  std::string label;  // the study column
  std::vector<std::string> ignore;
  double threshold = 0.7;
  std::string title;
};

struct PrismaArgs {
  std::string file;
  OutputArgs output;  // text (the checked counts), svg (with .png and .pdf beside a file), json
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
  OutputArgs output;    // the summary: text or json (screening.json)
  std::string out_dir;  // screening.json, conflicts.csv, prisma.csv, prisma.svg/.png/.pdf
};

CLI::App* add_screening_command(CLI::App& app, ScreeningArgs& args);
int run_screening(const ScreeningArgs& args, std::ostream& out, std::ostream& err);
struct ReconcileArgs {
  std::string a, b;
  std::string label;  // the column identifying a study (--key)
  OutputArgs output;  // text (the differences), csv (the merged table), json (counts and differences)
  std::string conflicts;
};

CLI::App* add_reconcile_command(CLI::App& app, ReconcileArgs& args);
int run_reconcile(const ReconcileArgs& args, std::ostream& out, std::ostream& err);
struct DedupArgs {
  std::vector<std::string> files;
  OutputArgs output;  // text (the summary), ris or csv (the unique records)
  bool strict = false;
  bool progress = false;
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
