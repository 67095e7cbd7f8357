#pragma once
// Small-study effects: regression tests (Egger, Peters; PET-PEESE limit estimates), the Begg and
// Mazumdar rank correlation test, trim-and-fill, and funnel-plot data. Conventions follow
// metafor's regtest / ranktest / trimfill; Peters under --preset meta follows R meta's metabias.
// Formulas: docs/methods/small_study.md.

#include <Eigen/Dense>

#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/pool.hpp"

namespace carta {

// A weighted regression test of funnel asymmetry: slope of y on a predictor.
struct RegressionTest {
  double stat = 0.0;   // t (or z for the mixed-effects version)
  double df = 0.0;     // NaN for z
  double p = 0.0;
  double slope = 0.0, slope_se = 0.0;
  double intercept = 0.0, intercept_se = 0.0;  // limit estimate where the predictor is 0
  double intercept_ci_lb = 0.0, intercept_ci_ub = 0.0;
  std::size_t k = 0;   // studies used
};

struct RankTest {
  double tau = 0.0;  // Kendall's tau (tau-b with ties)
  double p = 0.0;
  bool exact = false;  // exact null distribution (no ties, k <= 1000) or normal approximation
  double z = std::numeric_limits<double>::quiet_NaN();  // S / sd(S) under the normal approximation
};

enum class TrimFillEstimator { kL0, kR0 };
enum class FunnelSide { kLeft, kRight };
// metafor's trimfill: side from the mixed-effects Egger slope, trimming about the fit's own
// (random-effects) estimate, ranks with ties by position, k0 rounded half to even, an error after
// 100 iterations. R meta's trimfill (preset meta): side from the sign of Egger's bias (the
// inverse-variance lm on the SE), trimming about the common-effect estimate (ma.common = TRUE),
// average ranks for ties, k0 = floor(estimate + 1/2), at most 50 iterations (then its last k0).
enum class TrimFillConvention { kMetafor, kMeta };

struct TrimFill {
  TrimFillEstimator estimator = TrimFillEstimator::kL0;
  TrimFillConvention convention = TrimFillConvention::kMetafor;
  bool stopped_at_iteration_limit = false;  // R meta's convention only: k0 still changing after 50
  FunnelSide side = FunnelSide::kLeft;  // where studies are missing
  bool side_estimated = true;          // chosen from the sign of the Egger-type slope, as metafor
  std::size_t k0 = 0;                  // studies filled
  double k0_se = 0.0;
  int iterations = 0;
  std::vector<double> filled_yi, filled_vi;  // mirrored studies (measure scale)
  // Random-effects fit to the observed plus filled studies: z test when studies were filled, the
  // model's own test when none were (metafor's trimfill returns the original model then).
  double est = 0.0, se = 0.0, ci_lb = 0.0, ci_ub = 0.0, tau2 = 0.0;
};

// Weighted least squares of y on [1, predictor] with weights w, t with k - 2 df (R's lm).
RegressionTest weighted_regression_test(const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                                        const Eigen::VectorXd& predictor, double level);

// The Begg and Mazumdar (1994) test: Kendall's tau between standardised deviates and variances.
// With normal_approximation the exact distribution is never used (R meta's metabias "Begg",
// kentau with correct = FALSE); the statistic is then z = S / sd(S).
RankTest rank_correlation_test(const Eigen::VectorXd& y, const Eigen::VectorXd& v, bool normal_approximation = false);

// Two-sided p-value of Kendall's statistic for n observations without ties from its exact null
// distribution; `concordant` is the number of concordant pairs.
double kendall_exact_p(std::int64_t concordant, std::int64_t n);

// Duval & Tweedie (2000) trim-and-fill on the random-effects model with the given estimator.
TrimFill trim_and_fill(const Eigen::VectorXd& y, const Eigen::VectorXd& v, Tau2Method method, TestType test,
                       TrimFillEstimator estimator, std::optional<FunnelSide> side, double level,
                       const Tau2Control& control = {}, TrimFillConvention convention = TrimFillConvention::kMetafor);

// Henmi & Copas (2010): the inverse-variance estimate with a confidence interval that allows for
// random effects and is robust to publication bias (metafor's hc(); intercept-only models). se is
// the DL random-effects SE of the common-effect estimate, sqrt((1 + tau^2 W2) / W1); t the root of
// their equation; the interval est -+ t sqrt(1 + tau^2 W2) se.
struct HenmiCopas {
  double est = 0.0, se = 0.0, ci_lb = 0.0, ci_ub = 0.0, tau2 = 0.0, t = 0.0, level = 0.95;
  IterationReport report;
};
HenmiCopas henmi_copas(const Eigen::VectorXd& y, const Eigen::VectorXd& v, double level);

struct FunnelData {
  std::vector<std::string> labels;
  std::vector<double> yi, sei;
  double center = 0.0;  // random-effects estimate (the vertical line)
  double se_max = 0.0;
  struct Contour {
    double level;  // 0.90, 0.95, 0.99
    double z;      // lines center -/+ z * se
  };
  std::vector<Contour> contours;
};

struct SmallStudyEffects {
  std::optional<RegressionTest> egger;      // metafor regtest(model = "lm", predictor = "sei")
  std::optional<RegressionTest> egger_rma;  // regtest(model = "rma"): slope z (or t under knha)
  std::optional<RegressionTest> peese;      // regtest(model = "lm", predictor = "vi")
  std::optional<RegressionTest> peters;     // predictor 1/n
  std::string peters_convention;            // "metafor" (weights 1/v) or "meta" (weights x(n-x)/n)
  std::optional<RegressionTest> inverse_sqrt_n;  // regtest(model = "lm", predictor = "sqrtninv"): 1/sqrt(n)
  // Harbord et al. (2006), two-arm counts and the OR only (R meta's metabias "Harbord"): Egger's
  // regression on the efficient score, Z/V on 1/sqrt(V) with weights V.
  std::optional<RegressionTest> harbord;
  std::optional<RankTest> begg;
  std::optional<TrimFill> trimfill;
  std::optional<HenmiCopas> henmi_copas;   // metafor hc(): an interval robust to publication bias
  FunnelData funnel;
  std::vector<std::string> notes;
};

// All of the above for single proportions under the pooling options. Tests that cannot be run
// (k < 3, all n equal for Peters) are left empty with a note saying why.
SmallStudyEffects small_study_effects(std::span<const ProportionStudy> studies, const PoolOptions& options,
                                      TrimFillEstimator estimator = TrimFillEstimator::kL0);

// The same for effects given directly (e.g. log hazards): Egger, PEESE, Begg, trim-and-fill and
// funnel data. With every study's sample size in `sizes` (in study order, each > 0) also Peters'
// test and the regression on 1/sqrt(n) with inverse-variance weights (metafor's regtest predictors
// "ninv" and "sqrtninv"); without, they are left empty with a note.
SmallStudyEffects small_study_effects(std::span<const EffectStudy> studies, const PoolOptions& options,
                                      TrimFillEstimator estimator = TrimFillEstimator::kL0,
                                      std::span<const double> sizes = {});

}  // namespace carta
