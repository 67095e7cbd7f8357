#pragma once
// Comparative (two-group) binary outcomes: the odds ratio, risk ratio, risk difference and
// arcsine difference of each study's 2x2 table, pooled by inverse variance (every tau^2 estimator
// and test of pool_effects), by Mantel-Haenszel (OR, RR, RD) or by Peto's method (OR).
//
// Conventions follow metafor's escalc, rma.uni, rma.mh and rma.peto, with R meta's treatment-arm
// continuity correction as an option; docs/methods/comparative.md gives the formulas.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carta/glmm_or.hpp"
#include "carta/median_mean.hpp"
#include "carta/pool.hpp"
#include "carta/sensitivity.hpp"
#include "carta/small_study.hpp"
#include "carta/subgroup.hpp"
#include "carta/two_by_two.hpp"

namespace carta {

enum class BinaryMeasure {
  kOR,  // log odds ratio
  kRR,  // log risk ratio
  kRD,  // risk difference
  kAS,  // arcsine square-root difference
};
std::string_view to_string(BinaryMeasure measure) noexcept;
// OR, RR, RD, AS in any case; nullopt otherwise.
std::optional<BinaryMeasure> parse_binary_measure(std::string_view text) noexcept;
// OR and RR are pooled as logarithms and reported as ratios.
bool is_ratio(BinaryMeasure measure) noexcept;
// A value on the analysis scale as it is reported: exp for OR and RR, itself otherwise.
double on_reporting_scale(BinaryMeasure measure, double value) noexcept;


// What is added to a table with a zero cell before its effect and variance are computed.
enum class ZeroCellCorrection {
  // metafor escalc(add = 1/2, to = "only0"): `add` to each of the four cells of a study that has
  // a zero cell (R meta's default too).
  kAllCells,
  // Sweeting, Sutton & Lambert (2004), R meta incr = "TACC": each arm's increment is proportional
  // to the reciprocal of the other arm's size, 2 add n_own / (n_1 + n_2) in each of its two
  // cells, so that the two arms' increments sum to 2 add (1 at add = 1/2, as meta).
  kTreatmentArm,
  // Nothing added: a zero cell that makes the effect undefined (OR, RR) is an error.
  kNone,
};
std::string_view to_string(ZeroCellCorrection correction) noexcept;
std::optional<ZeroCellCorrection> parse_zero_cell_correction(std::string_view text) noexcept;
// The correction in force for a measure when none is chosen.
ZeroCellCorrection default_correction(BinaryMeasure measure) noexcept;

struct BinaryEffectOptions {
  BinaryMeasure measure = BinaryMeasure::kOR;
  // nullopt: the measure's default, as metafor's escalc: kAllCells for OR, RR and RD; none for
  // AS, which is finite at 0 and at n.
  std::optional<ZeroCellCorrection> correction;
  double add = 0.5;
  // Studies without events in either arm (or with every patient an event in both): they carry
  // no information on a ratio and are left out of OR and RR with a note; RD and AS keep them
  // unless this says otherwise.
  std::optional<bool> drop_double_zero;
};

inline constexpr double kNotAvailable = std::numeric_limits<double>::quiet_NaN();

struct BinaryEffect {
  double yi = kNotAvailable;
  double vi = kNotAvailable;
  bool corrected = false;  // a continuity correction entered yi and vi
  bool dropped = false;    // a double-zero study left out (`why` says so)
  std::string why;
};

// The study's effect on the analysis scale. Throws carta::Error (kInvalidInput) for counts
// outside [0, n] or n = 0, and for an effect that is undefined without a correction.
BinaryEffect binary_effect(const TwoByTwoStudy& study, const BinaryEffectOptions& options);

enum class ComparativeMethod {
  kInverseVariance,  // common effect by inverse variance (and random effects, always)
  kMantelHaenszel,   // common effect by Mantel-Haenszel (OR, RR, RD)
  kPeto,             // Peto's one-step odds ratio (OR only)
};
std::string_view to_string(ComparativeMethod method) noexcept;
// IV (inverse-variance), MH (Mantel-Haenszel), Peto, in any case; nullopt otherwise.
std::optional<ComparativeMethod> parse_comparative_method(std::string_view text) noexcept;

// The analyses of the studies' own effects that a comparison can add: small-study effects,
// subgroups (a level per study, in the order the studies are given; nullopt or empty: no level,
// left out of the subgroup analysis) and leave-one-out.
struct EffectAnalysisRequest {
  bool small_study_effects = false;
  bool leave_one_out = false;
  std::string subgroup_variable;  // empty: no subgroup analysis
  std::vector<std::optional<std::string>> subgroup_of;
  // Patients (both arms) of each study, indexed as subgroup_of; empty when not known (effects
  // given directly): the subgroups' n is then not known either.
  // They also give Peters' test and the regression on 1/sqrt(n) (metafor's regtest "ninv",
  // "sqrtninv" with n = both arms' patients).
  std::vector<std::int64_t> patients_of;
  SubgroupOptions subgroup;
  TrimFillEstimator trimfill = TrimFillEstimator::kL0;
};

struct EffectAnalyses {
  std::optional<SmallStudyEffects> bias;
  std::optional<SubgroupAnalysis> subgroups;
  std::string subgroup_variable;
  std::vector<std::string> without_subgroup;  // studies with no level, left out of the subgroups
  std::vector<LeaveOneOutRow> leave_one_out;
};

// Runs what `request` asks on the pooled studies; `index[i]` is effect i's position among the
// studies `request.subgroup_of` describes.
EffectAnalyses analyse_effects(std::span<const EffectStudy> effects, std::span<const std::size_t> index,
                               const PoolOptions& pool, const EffectAnalysisRequest& request);

struct ComparativeOptions {
  BinaryEffectOptions effect;
  ComparativeMethod method = ComparativeMethod::kInverseVariance;
  // The random-effects model and the common-effect IV fit: tau^2 estimator, test, level and
  // preset (its measure, continuity and study_ci are not used).
  PoolOptions pool;
  // The Cochran-Mantel-Haenszel test with its continuity correction (metafor correct = TRUE).
  bool cmh_continuity = true;
  // Small-study effects, subgroups, leave-one-out on the pooled studies' own effects, with the
  // random-effects model of `pool`.
  EffectAnalysisRequest analyses;
  // Also fit the binomial-normal GLMM (rma.glmm UM.FS; the odds ratio only): its test and level
  // are taken from `pool`.
  std::optional<int> glmm_nagq;
};

// A common effect computed from the 2x2 tables (Mantel-Haenszel or Peto), with the
// heterogeneity of the studies' own effects around it as metafor's rma.mh and rma.peto report.
struct TableBasedEffect {
  double est = kNotAvailable, se = kNotAvailable, z = kNotAvailable, p = kNotAvailable;
  double ci_lb = kNotAvailable, ci_ub = kNotAvailable;  // analysis scale
  double Q = kNotAvailable, Q_df = kNotAvailable, Q_p = kNotAvailable;
  double I2 = kNotAvailable, H2 = kNotAvailable;  // I^2 in percent, from Q: (Q - df) / Q
  std::size_t k_used = 0;                       // tables that enter the estimate
  std::vector<double> weights;                  // percent, per study of ComparativeResult::studies (0 if not used)
  // Odds ratio by Mantel-Haenszel only: the Cochran-Mantel-Haenszel test of no association and
  // Tarone's test of a common odds ratio (df = tables - 1).
  double cmh = kNotAvailable, cmh_p = kNotAvailable;
  double tarone = kNotAvailable, tarone_df = kNotAvailable, tarone_p = kNotAvailable;
};

struct ComparativeStudy {
  TwoByTwoStudy counts;
  BinaryEffect effect;
  double ci_lb = kNotAvailable, ci_ub = kNotAvailable;  // Wald CI on the analysis scale
  double weight_common = 0.0;  // percent: inverse variance, or the MH / Peto weights
  double weight_random = 0.0;  // percent
};

struct ComparativeResult {
  ComparativeOptions options;
  std::vector<ComparativeStudy> studies;  // every study given, the dropped ones flagged
  std::size_t k_pooled = 0;               // studies in the inverse-variance fits
  PoolResult inverse_variance;            // common and random effects over the studies not dropped
  std::optional<TableBasedEffect> table_based;  // set for kMantelHaenszel and kPeto
  EffectAnalyses analyses;                      // what options.analyses asked
  std::optional<GlmmOrFit> glmm;                // when options.glmm_nagq is set
  std::vector<std::string> notes;
};

// Throws carta::Error (kInvalidInput) for no studies, duplicate labels, invalid counts or no
// study left after double zeros are dropped; (kInvalidOption) for Peto with a measure other than
// OR, or a negative correction.
ComparativeResult compare_binary(std::span<const TwoByTwoStudy> studies, const ComparativeOptions& options);

// One line naming every convention in force (zero cells, double zeros, methods, level).
std::string describe_conventions(const ComparativeResult& result);

// Two-group continuous outcomes: each arm's mean, SD and number of patients.
enum class ContinuousMeasure {
  kMD,   // mean difference, heteroscedastic variance sd1^2/n1 + sd2^2/n2 (metafor vtype "LS")
  kSMD,  // standardised mean difference: Hedges' g with the exact small-sample correction
};
std::string_view to_string(ContinuousMeasure measure) noexcept;
// MD, SMD in any case; nullopt otherwise.
std::optional<ContinuousMeasure> parse_continuous_measure(std::string_view text) noexcept;

struct ContinuousStudy {
  std::string label;
  double mean_1 = 0.0, sd_1 = 0.0;
  std::int64_t n_1 = 0;
  double mean_2 = 0.0, sd_2 = 0.0;
  std::int64_t n_2 = 0;
  // Where each arm's mean and SD come from: reported, or estimated from the median with the IQR
  // and/or the range (carta/median_mean.hpp: Luo 2018 for the mean; Wan 2014, Shi 2020 for the SD).
  SummaryScenario mean_from_1 = SummaryScenario::kReported, sd_from_1 = SummaryScenario::kReported;
  SummaryScenario mean_from_2 = SummaryScenario::kReported, sd_from_2 = SummaryScenario::kReported;
};

// The study's effect and variance (metafor's escalc). Throws carta::Error (kInvalidInput) for an
// SD <= 0, an arm of fewer than 2 patients, or a non-finite mean.
EffectStudy continuous_effect(const ContinuousStudy& study, ContinuousMeasure measure);

struct ContinuousResult {
  ContinuousMeasure measure = ContinuousMeasure::kMD;
  std::vector<ContinuousStudy> studies;  // with the flags of what was estimated from medians
  PoolResult inverse_variance;  // common and random effects
  EffectAnalyses analyses;
  std::vector<std::string> notes;
};
// A study whose mean or SD was estimated from its median (ContinuousStudy::mean_from_1 ...) is
// named in a note with the method.
ContinuousResult compare_continuous(std::span<const ContinuousStudy> studies, ContinuousMeasure measure,
                                    const PoolOptions& pool, const EffectAnalysisRequest& analyses = {});

// Inverse-variance pooling of effects given with a standard error or a confidence interval (the
// generic inverse-variance method): the interval must be symmetric on the analysis scale.
struct ReportedEffect {
  std::string label;
  double estimate = kNotAvailable;
  std::optional<double> se, variance, ci_lb, ci_ub;  // one of: se, variance, or both bounds
  // Half a unit of the last digit each number was printed with (0.005 for 0.62, 0.5 for 2): the
  // symmetry check allows for that much rounding of each, and no more.
  struct Rounding {
    double estimate = 0.0, lower = 0.0, upper = 0.0;
  };
  Rounding rounding;
  // Time to event without an interval (Tierney et al. 2007): the log-rank observed minus expected
  // events with its variance (ln HR = (O - E) / V, variance 1 / V), or the two-sided p-value of
  // the reported estimate (SE = |ln HR| / z_{1 - p/2}).
  std::optional<double> p;
  std::optional<double> o_minus_e, logrank_variance;
};
struct ReportedEffectOptions {
  bool ratio = false;         // estimate and bounds are ratios (HR, OR, RR): pooled as logarithms
  double reported_level = 0.95;  // the level of the studies' CIs
};
// The study's effect and variance on the analysis scale. A CI's asymmetry is the distance from 0
// of (upper - est) - (est - lower) on the analysis scale, over every value each of the three
// printed numbers can have within its own rounding (exactly, not to first order), as a share of
// the width. Past 10%: a note in `note`; past 30%: an error (kInvalidInput), which names the other
// scale when the interval is symmetric there. An interval symmetric only within the rounding, but
// more than 10% apart as printed, is a note too (its SE is from its width, as for a symmetric
// one). An estimate equal to a bound within rounding is a note. Throws for a ratio <= 0, a bound
// beyond the estimate, a non-positive SE or variance, a p-value outside (0, 1) or too small for a
// double's z, and for log-rank O - E and V without `ratio` (they give ln HR: the other rows must
// be ratios too).
// `source` (when given) receives what the effect came from: "O-E and V", "variance", "SE",
// "CI" or "p-value". Rows use the first they report, in that order.
EffectStudy effect_from_report(const ReportedEffect& study, const ReportedEffectOptions& options, std::string* note,
                               std::string* source = nullptr);

}  // namespace carta
