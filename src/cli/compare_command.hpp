#pragma once
#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "options.hpp"

namespace carta::cli {

// carta compare: two-group binary outcomes from 2x2 tables (OR, RR, RD, AS; inverse variance,
// Mantel-Haenszel or Peto), or effects reported with an SE or a CI (generic inverse variance).
struct CompareArgs {
  std::string file;
  std::string label;
  std::string events_1, n_1, events_2, n_2;          // two-arm counts
  std::string mean_1, sd_1, mean_2, sd_2;            // continuous outcomes (with n_1, n_2)
  // Medians with quartiles and/or ranges, for means and SDs not reported
  std::string median_1, q1_1, q3_1, min_1, max_1, median_2, q1_2, q3_2, min_2, max_2;
  std::string estimate, se, vi, lower, upper, p;     // reported effects
  std::string o_minus_e, logrank_v;                  // log-rank statistics
  bool ratio = false;
  std::optional<double> reported_level;  // default 0.95; only with --estimate
  std::string measure;  // empty: OR for counts, MD for means
  std::string common = "IV";
  std::string method = "REML";
  std::optional<int> nagq;  // GLMM quadrature points (--method GLMM)
  std::string test = "z";
  std::string preset = "carta";
  std::string tau2_ci;  // --tau2-ci: empty = the preset's
  std::string trimfill_estimator = "L0";
  std::string correction;  // empty: the measure's default
  std::optional<double> continuity;  // default 0.5; only with counts
  bool no_cmh_correction = false;
  bool keep_double_zero = false;
  bool drop_double_zero = false;
  bool bias = false;
  bool leave_one_out = false;
  std::string subgroup;
  std::string subgroup_test = "all";
  std::size_t min_k = 2;
  double level = 0.95;
  std::vector<std::string> exclude;
  std::vector<std::string> missing;
  OutputArgs output;
};

CLI::App* add_compare_command(CLI::App& app, CompareArgs& args);
int run_compare(const CompareArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
