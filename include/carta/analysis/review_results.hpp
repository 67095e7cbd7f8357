#pragma once
// The results of a whole review (carta report SPEC): plain data, every analysis with the studies
// it uses and the ones it leaves out and why, its notes and the data its figures draw. Nothing
// here is HTML, SVG or text layout: the report's renderers (HTML, results.json, CSV tables,
// figures; later the Word document and the web workspace) only read it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carta/influence.hpp"
#include "carta/io/spec.hpp"
#include "carta/metareg.hpp"
#include "carta/pool.hpp"
#include "carta/review/grade.hpp"
#include "carta/review/prisma.hpp"
#include "carta/review/rob.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"
#include "carta/summary_curve.hpp"
#include "carta/survival.hpp"

namespace carta::analysis {

// Why a study is not in an analysis.
enum class LeftOutReason {
  kExcluded,      // [[exclude]] in the spec; detail is its reason
  kNotReported,   // the outcome is not reported (detail: "no events", "no n", ...)
  kNoValue,       // the analysis's variable (subgroup, moderator) is not reported for the study
  kFilteredOut,   // does not match a sensitivity analysis's filter (detail: the filter, the value)
};
// A short phrase for readers: "excluded", "outcome not reported", ...
std::string_view to_string(LeftOutReason reason) noexcept;

struct LeftOutStudy {
  std::string study;
  LeftOutReason reason = LeftOutReason::kNotReported;
  std::string detail;
};

// The studies an analysis uses, in its order, and those it leaves out, with why. A selection is
// relative to its parent: an outcome's to the data table, a subgroup analysis's to its outcome.
struct StudySelection {
  std::vector<std::string> used;
  std::vector<LeftOutStudy> left_out;
};

struct SubgroupResult {
  std::string column;              // in the data
  std::string label;               // for readers ([labels], else the column)
  StudySelection studies;          // the outcome's studies with a value, and those without
  std::vector<std::string> level_of;  // each used study's level, in the order of overall->studies
  std::optional<SubgroupAnalysis> analysis;
  std::optional<PoolResult> overall;  // the used studies pooled together (the figure's overall row)
  std::string failure;                // why the analysis could not run ("" when it ran)
};

struct RegressionResult {
  std::string column;
  std::string label;
  StudySelection studies;  // the outcome's studies with a value, and those without
  std::optional<ProportionRegression> fit;
  double n_harmonic = 0.0;      // of the studies used (back-transformation of PFT)
  std::string failure;
};

struct SensitivityResult {
  std::string name;
  std::vector<std::string> where;  // the filters as written
  StudySelection studies;          // of the outcome's studies
  std::optional<PoolResult> pool;
  std::string failure;
};

struct OutcomeResult {
  io::SpecOutcome spec;
  std::string method;         // as written: a tau^2 estimator, GLMM or BB
  PoolOptions options;        // the main analysis's settings
  StudySelection studies;     // of the data table's rows
  std::optional<PoolResult> pool;
  std::string failure;        // why the outcome could not be pooled
  // Subgroups, meta-regression, small-study tests, leave-one-out and influence use the two-step
  // model with `options` (they are defined for it), also when `method` is GLMM or BB.
  std::vector<SubgroupResult> subgroups;
  std::vector<RegressionResult> regressions;
  std::optional<SmallStudyEffects> bias;
  std::vector<LeaveOneOutRow> leave_one_out;
  std::vector<InfluenceRow> influence;
  std::vector<SensitivityResult> sensitivity;
  std::optional<review::CertaintyRating> grade;  // certainty of the main analysis (absent when not pooled)
  std::vector<std::string> warnings;  // analyses of this outcome that could not run, and why
};

struct SurvivalResult {
  io::SpecSurvival spec;
  SurvivalOptions options;
  StudySelection studies;                 // of the data table's rows
  std::vector<std::string> input_notes;   // from reading the table
  std::optional<SurvivalPoolResult> pool;
  double patients = 0.0;                  // sum of the studies' n; NaN when a study does not give it
  std::optional<SmallStudyEffects> bias;  // on the log hazards (publication bias in GRADE)
  // Certainty of S(t) at each of pool->survival's times, in their order.
  std::vector<review::CertaintyRating> grade;
  std::vector<std::string> warnings;      // could not run, and doubts about the exponential model
  std::optional<SummaryCurve> curve;      // with grid and IPD: the pooled curve
  std::vector<StudyCurve> curve_studies;  // its input, on the grid
  std::vector<StudyCurve> curve_display;  // each study's Kaplan-Meier curve at every step (figure)
};

// A baseline characteristic pooled over the studies that report it ([[baseline]]).
struct BaselineLevel {
  std::string level;
  std::size_t studies = 0;
  double patients = 0.0;  // NaN without an n column, or when a study of this level does not give it
};

struct BaselineResult {
  io::SpecBaseline spec;
  std::string label;                  // for readers: the spec's name
  std::vector<std::string> reporting;  // studies (not excluded) that report it
  std::vector<std::string> not_reporting;
  double total = 0.0;        // kSum: the sum; kCount: the events
  double denominator = 0.0;  // kCount: the n of the same studies
  double median = 0.0, min = 0.0, max = 0.0;  // kMedian: of the studies' values
  std::vector<BaselineLevel> levels;          // kCategories: most studies first, then by name
};

// One row of the study characteristics table.
struct StudyRow {
  std::string study;
  std::optional<std::string> exclusion;                  // the [[exclude]] reason, when excluded
  std::vector<std::optional<std::string>> values;        // per characteristic; nullopt: not reported
};

struct ReviewResults {
  io::ReviewSpec spec;
  std::size_t table_rows = 0;
  std::vector<StudyRow> studies;  // every row of the data table, in its order
  std::vector<OutcomeResult> outcomes;
  std::vector<SurvivalResult> survival;
  std::vector<BaselineResult> baseline;
  std::optional<review::RobAssessment> risk_of_bias;
  std::optional<review::PrismaCounts> prisma;
  review::PrismaCheck prisma_check;
  // Every analysis that could not run, "Outcome: why", in the order they ran.
  std::vector<std::string> warnings;
};

}  // namespace carta::analysis
