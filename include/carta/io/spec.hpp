#pragma once
// The analysis specification of a review (TOML): data, model settings, outcomes, subgroups,
// moderators, sensitivity analyses and exclusions. Every error names the spec file and line.
// Format: docs/spec.md.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carta/io/missing_values.hpp"
#include "carta/io/survival_table.hpp"
#include "carta/pool.hpp"
#include "carta/review/grade.hpp"
#include "carta/subgroup.hpp"
#include "carta/survival.hpp"

namespace carta::io {

struct SpecExclusion {
  std::string study;
  std::string reason;
  std::size_t line = 0;
};

struct SpecOutcome {
  std::string name;
  std::string events;
  std::string n;
  std::string method;                    // "" = the review's default
  std::optional<Measure> measure;
  std::optional<TestType> test;
  std::optional<std::vector<std::string>> subgroups;   // overrides [analyses]
  std::optional<std::vector<std::string>> moderators;
  std::vector<review::GradeJudgement> grade;  // the authors' GRADE ratings (grade.<domain>)
  std::size_t line = 0;
};

struct SpecSensitivity {
  std::string name;
  std::vector<std::string> where;
  std::size_t line = 0;
};

// A survival endpoint pooled under an exponential model per study (carta survival).
struct SpecSurvival {
  std::string name;
  SurvivalColumns columns;        // label is the review's
  std::vector<double> at{12.0, 24.0};
  std::vector<double> grid;       // with ipd: pool whole curves on these times (Combescure 2014)
  std::string method;             // "" = the review's default (a tau^2 estimator)
  std::optional<TestType> test;
  SurvivalCiScale s_ci = SurvivalCiScale::kLogLog;  // how the s_lb/s_ub CIs were computed
  std::vector<review::GradeJudgement> grade;  // the authors' GRADE ratings (grade.<domain>)
  std::size_t line = 0;
};

// A pooled baseline characteristic ([[baseline]]), summarised over the studies that report it.
struct SpecBaseline {
  enum class Kind {
    kSum,         // sum = COL: a total (patients infused)
    kMedian,      // median = COL: the median of the studies' medians, with their range
    kCount,       // events = COL, n = COL: a count pooled over the reported denominators (males 170/323)
    kCategories,  // categories = COL: studies per value, with patients from n = COL when given
  };
  std::string name;
  Kind kind = Kind::kSum;
  std::string column;  // the sum, median, events or categories column
  std::string n;       // kCount: denominators (required); kCategories: patients (optional)
  std::size_t line = 0;
};

// Risk-of-bias assessments shown in the report (carta rob).
struct SpecRiskOfBias {
  std::filesystem::path file;  // resolved against the spec's folder
  std::string tool = "rob2";
  bool colourblind = false;
  bool weighted = false;
  double threshold = 0.7;  // IHE
  std::size_t line = 0;
};

// PRISMA 2020 counts (the PRISMA2020 template format, as carta screening writes it).
struct SpecPrisma {
  std::filesystem::path file;
  std::size_t line = 0;
};

// How the figures are drawn ([figures]).
struct SpecFigures {
  std::string sort = "data";    // forest plots' study rows: data, estimate, weight, label or a characteristic
  int digits = 1;               // forest plots' percentages
  std::vector<std::string> columns;  // characteristics shown as forest-plot columns
  std::string layout = "meta";  // forest plots' conventions: meta, revman5 or jama
  // Forest plots' axis as proportions; absent: fitted to the data.
  std::optional<double> axis_min, axis_max;
  // The printed width in inches ("single" = 3.5, "double" = 7); absent: each figure's own size.
  std::optional<double> width_in;
  std::optional<double> dpi;  // of the PNG and TIFF; absent: 300 with a width, else 192
  bool rob = true;            // risk-of-bias columns in forest plots (with [risk_of_bias])
  bool tiff = false;          // also figures/NAME.tiff
  bool eps = false;           // also figures/NAME.eps
};

// A reader-facing name for a column ("Antigen target" for antigen_target), used in every figure,
// table and sentence instead of the column name.
struct SpecLabel {
  std::string column;
  std::string label;
  std::size_t line = 0;
};

struct ReviewSpec {
  std::filesystem::path path;       // the spec file
  std::filesystem::path data_file;  // resolved against the spec's folder
  std::size_t data_file_line = 0;
  std::string title;
  std::string label;                // study label column
  std::vector<std::string> characteristics;  // columns shown in the study characteristics table
  MissingValues missing;            // cells that mean "not reported" ([data] missing)
  std::vector<SpecLabel> labels;    // [labels]: column = "Name shown to readers"
  PoolOptions options;              // measure, tau^2 method, test, preset, level
  std::string method = "REML";      // the method as written (REML ..., GLMM, BB)
  std::vector<std::string> subgroups;
  std::vector<std::string> moderators;
  bool bias = true;
  bool leave_one_out = true;
  bool influence = true;  // case-deletion diagnostics and the Baujat plot
  std::size_t min_k = 2;
  SubgroupTest subgroup_test = SubgroupTest::kAllSubgroups;  // [analyses] subgroup_test
  // Contour-enhanced funnel plots, shaded by significance against this proportion; absent:
  // metafor's default, pseudo-confidence limits around the pooled estimate.
  std::optional<double> funnel_null;
  SpecFigures figures;
  std::vector<SpecExclusion> exclude;
  std::vector<SpecOutcome> outcomes;
  std::vector<SpecSensitivity> sensitivity;
  std::vector<SpecSurvival> survival;
  std::vector<SpecBaseline> baseline;
  std::optional<SpecRiskOfBias> risk_of_bias;
  std::optional<SpecPrisma> prisma;
  review::GradeRules grade;  // [grade]: the starting certainty and the rules' thresholds
  std::size_t grade_line = 0;
};

// The label [labels] gives `column`, else the column name itself.
std::string display_name(const ReviewSpec& spec, std::string_view column);

// Throws carta::Error: kIo when the spec or data file cannot be read, kInvalidInput for TOML
// syntax errors, unknown keys, wrong types or values, each as "spec.toml:LINE: ...".
ReviewSpec load_review_spec(const std::filesystem::path& path);
// The same from the spec's text; `path` names it in messages and anchors relative file names.
ReviewSpec parse_review_spec(std::string_view text, const std::filesystem::path& path);

}  // namespace carta::io
