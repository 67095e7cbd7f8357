#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"

namespace carta::cli {

struct SurvivalArgs {
  std::string file;
  std::string label;
  std::string s, s_lb, s_ub, s_time;
  std::string median, median_lb, median_ub;
  std::string events, person_time, n, ipd;
  std::string method = "REML";
  std::string test = "z";
  std::string preset = "carta";
  std::string tau2_ci;  // --tau2-ci: empty = the preset's
  std::string trimfill_estimator = "L0";
  double level = 0.95;
  double reported_level = 0.95;
  std::string s_ci = "log-log";
  std::vector<double> at{12.0, 24.0};
  std::vector<std::string> exclude;
  std::vector<std::string> where;
  bool bias = false;
  std::string forest;
  std::string funnel;
  OutputArgs output;  // -o/--out, --format
};

struct KmArgs {
  std::string file;
  std::vector<double> at{12.0, 24.0};
  double level = 0.95;
  std::string interval = "log";
  OutputArgs output;  // -o/--out, --format
};

struct KmReconstructArgs {
  std::string curve;
  std::string at_risk;
  std::optional<std::int64_t> total_events;  // --total-events, when the paper reports it
  OutputArgs output;  // the IPD (csv) or the diagnostics with the IPD (json)
  std::string report;
  std::vector<double> at{12.0, 24.0};
  double level = 0.95;
};

struct SurvivalCurveArgs {
  std::string file;
  std::string label;  // the study column: one row per study with --ipd, several in the long format
  std::string ipd;
  std::vector<double> grid;
  std::string time, s, n_risk;  // long format
  double level = 0.95;
  OutputArgs output;  // -o/--out, --format
  std::string svg;
};

CLI::App* add_survival_curve_command(CLI::App& app, SurvivalCurveArgs& args);
int run_survival_curve(const SurvivalCurveArgs& args, std::ostream& out, std::ostream& err);
CLI::App* add_survival_command(CLI::App& app, SurvivalArgs& args);
CLI::App* add_km_command(CLI::App& app, KmArgs& args);
CLI::App* add_km_reconstruct_command(CLI::App& app, KmReconstructArgs& args);
int run_survival(const SurvivalArgs& args, std::ostream& out, std::ostream& err);
int run_km(const KmArgs& args, std::ostream& out, std::ostream& err);
int run_km_reconstruct(const KmReconstructArgs& args, std::ostream& out, std::ostream& err);

}  // namespace carta::cli
