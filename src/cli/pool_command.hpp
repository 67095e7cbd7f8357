#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>

#include <ostream>
#include <string>
#include <vector>

#include "options.hpp"

namespace carta::cli {

struct PoolArgs {
  std::string file;
  std::string events;
  std::string n;
  std::string label;
  std::string measure = "PLO";
  std::string method = "REML";
  std::string test = "z";
  int nagq = 7;
  std::string preset = "carta";
  std::string study_ci;
  double continuity = 0.5;
  double level = 0.95;
  std::string by;
  std::vector<std::string> exclude;
  std::string subgroup;
  bool tau_common = false;
  std::size_t min_k = 2;
  std::string subgroup_test = "all";
  std::vector<std::string> missing;  // --missing: replaces the default not-reported tokens
  std::vector<std::string> moderators;
  bool leave_one_out = false;
  bool influence = false;
  std::string cumulative;
  std::vector<std::string> predict;
  bool bias = false;
  bool blup = false;    // --blup: each study's BLUP and random effect
  std::string tau2_ci;  // --tau2-ci: empty = the preset's
  std::string ci;  // "exact": the exact interval of Michael et al. (2019); "bootstrap": the calibrated BB interval
  int exact_draws = 10000;
  int bootstrap_replicates = 1000;
  std::string trimfill_estimator = "L0";
  std::size_t permutations = 0;
  std::uint64_t seed = 20261121;
  std::vector<std::string> where;
  std::string forest;  // --forest FILE.svg|png|pdf
  OutputArgs output;  // -o/--out, --format text|json|csv
  bool progress = false;
  unsigned threads = 0;
};

CLI::App* add_pool_command(CLI::App& app, PoolArgs& args);
int run_pool(const PoolArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
