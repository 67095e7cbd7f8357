#pragma once
// Two-step meta-analysis of single proportions: common-effect (inverse variance) and
// random-effects pooling with any tau^2 estimator, Wald-type or Hartung-Knapp inference,
// prediction interval, heterogeneity statistics with Q-profile intervals, study-level CIs.
//
// Numbers agree with metafor (escalc + rma.uni + confint + predict); see docs/methods/.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/measure.hpp"
#include "carta/study.hpp"
#include "carta/study_ci.hpp"
#include "carta/tau2.hpp"

namespace carta {

enum class TestType {
  kZ,     // Wald-type z test and CI
  kKnha,  // Hartung-Knapp-Sidik-Jonkman: scaled SE, t with k-1 df
  kT,     // unscaled SE, t with k-1 df (metafor test = "t")
};
std::string_view to_string(TestType test) noexcept;
std::optional<TestType> parse_test(std::string_view text) noexcept;

// A preset is a bundle of conventions on which R packages differ.
enum class Preset {
  kCarta,    // metafor's estimation conventions, t(k-1) prediction interval, exact study CIs
  kMetafor,  // metafor exactly: tau2-based I^2, PI with the test's quantile, Wald study CIs
  kMeta,     // R meta: Q-based I^2 (Higgins-Thompson CIs), t(k-1) PI, Clopper-Pearson CIs
};
std::string_view to_string(Preset preset) noexcept;
std::optional<Preset> parse_preset(std::string_view text) noexcept;

// The pooling method as carta spells it ("REML", ..., "GLMM", "BB"), from any case or alias
// ("reml", "glmm", "beta-binomial"); nullopt for an unknown name.
std::optional<std::string> canonical_method_name(std::string_view text);

enum class I2Definition {
  kTau2Based,  // I^2 = tau^2 / (tau^2 + s^2), s^2 the typical within-study variance (metafor)
  kQBased,     // I^2 = (Q - df) / Q, truncated at 0 (Higgins & Thompson 2002; R meta)
};

enum class PredictionQuantile {
  kSameAsTest,  // z under --test z, t(k-1) under knha (metafor's predict())
  kTkMinus1,    // t with k-1 df always (Veroniki et al. 2019; R meta >= 8.0 "V"; 7.x used k-2)
};

enum class Tau2CiMethod {
  kQProfile,           // Viechtbauer (2007), metafor's confint, under every estimator
  kGeneralisedQForDL,  // under DL, Jackson's (2013) generalised Q with weights 1/se (R meta's "J")
  kProfileLikelihood,  // Hardy & Thompson (1996), metafor's confint(type = "PL")
  kWald,               // tau2 +- z se(tau2), truncated at 0, metafor's confint(type = "Wald")
};
// "qp", "pl", "wald" (also "q-profile", "profile-likelihood"); nullopt otherwise.
std::optional<Tau2CiMethod> parse_tau2_ci(std::string_view text) noexcept;

struct Conventions {
  ZeroCellRule zero_cells = ZeroCellRule::kMetafor;
  I2Definition i2 = I2Definition::kTau2Based;
  PredictionQuantile prediction = PredictionQuantile::kTkMinus1;
  StudyCiMethod study_ci = StudyCiMethod::kClopperPearson;
  Tau2CiMethod tau2_ci = Tau2CiMethod::kQProfile;
  // PR and PLN are not range preserving: R meta clamps back-transformed values to [0, 1]
  // (meta:::backtransf), metafor reports them as they are.
  bool clamp_proportions = false;
  // Begg's rank test: the exact null distribution of Kendall's S when there are no ties
  // (metafor's ranktest, R's cor.test), or always the normal approximation (R meta's metabias).
  bool begg_normal_approximation = false;
};
Conventions conventions_for(Preset preset) noexcept;

struct PoolOptions {
  Measure measure = Measure::kPLO;
  Tau2Method method = Tau2Method::kREML;
  TestType test = TestType::kZ;
  Preset preset = Preset::kCarta;
  std::optional<StudyCiMethod> study_ci;  // overrides the preset's study CI method
  std::optional<Tau2CiMethod> tau2_ci;    // overrides the preset's tau^2 interval
  double continuity = 0.5;                // value added to zero cells (see ZeroCellRule)
  double level = 0.95;                    // confidence level for every interval
  std::optional<double> fixed_tau2;       // use this tau^2 (e.g. common across subgroups)
  Tau2Control control;
  // false leaves each study's own CI as NaN: a batch summary that never prints them skips the
  // beta quantiles that would otherwise be a third of its time.
  bool study_intervals = true;
};

struct StudyResult {
  std::string label;
  std::int64_t events = 0;
  std::int64_t n = 0;
  double yi = 0.0;  // measure scale
  double vi = 0.0;
  bool corrected = false;  // a continuity correction entered yi or vi
  double prop = 0.0;       // observed proportion events / n
  double ci_lb = 0.0;      // study CI as a proportion
  double ci_ub = 0.0;
  double weight_common = 0.0;  // percent
  double weight_random = 0.0;  // percent
};

// Not-available values are NaN (serialised as JSON null) and explained in PoolResult::notes.
struct CommonEffect {
  double est = 0.0, se = 0.0, ci_lb = 0.0, ci_ub = 0.0, z = 0.0, p = 0.0;
  double prop = 0.0, prop_ci_lb = 0.0, prop_ci_ub = 0.0;
};

struct RandomEffects {
  double est = 0.0, se = 0.0, ci_lb = 0.0, ci_ub = 0.0;
  double stat = 0.0;  // z or t statistic
  double p = 0.0;
  double df = 0.0;    // t degrees of freedom under knha; NaN under z
  double pi_lb = 0.0, pi_ub = 0.0;
  double pi_df = 0.0; // NaN when the PI uses the normal quantile
  double prop = 0.0, prop_ci_lb = 0.0, prop_ci_ub = 0.0, prop_pi_lb = 0.0, prop_pi_ub = 0.0;
  double knha_scale = 0.0;  // Hartung-Knapp variance factor s^2_w (1 under z)
};

struct Heterogeneity {
  double tau2 = 0.0, tau2_se = 0.0, tau2_ci_lb = 0.0, tau2_ci_ub = 0.0;
  std::string tau2_ci_method = "Q-profile";  // or "generalised Q (Jackson 2013)"
  double tau = 0.0, tau_ci_lb = 0.0, tau_ci_ub = 0.0;
  double I2 = 0.0, I2_ci_lb = 0.0, I2_ci_ub = 0.0;  // percent
  double H2 = 0.0, H2_ci_lb = 0.0, H2_ci_ub = 0.0;
  double Q = 0.0, Q_df = 0.0, Q_p = 0.0;
  double typical_variance = 0.0;  // s^2 in the tau2-based I^2
};

struct PoolConvergence {
  IterationReport tau2;
  IterationReport tau2_ci_lb;
  IterationReport tau2_ci_ub;
  [[nodiscard]] bool all_converged() const noexcept {
    return tau2.converged && tau2_ci_lb.converged && tau2_ci_ub.converged;
  }
};

struct PoolResult {
  std::size_t k = 0;
  PoolOptions options;
  Conventions conventions;
  StudyCiMethod study_ci = StudyCiMethod::kClopperPearson;  // the method actually used
  double n_harmonic = 0.0;  // harmonic mean of n (used by the PFT back-transformation)
  CommonEffect common;
  RandomEffects random;
  Heterogeneity heterogeneity;
  FitStatistics fit_statistics;  // of the random-effects model (NaN for one-stage models)
  std::vector<StudyResult> studies;
  std::string model;  // empty: two-step normal model; "GLMM" or "BB": one-stage model (see their headers)
  int glmm_nagq = 0;  // quadrature points when model == "GLMM"
  PoolConvergence convergence;
  std::vector<std::string> notes;
};

// Pools the studies. Throws carta::Error on invalid studies (n <= 0, events outside [0, n],
// duplicate labels, no studies) or options (level outside (0, 1), negative continuity).
PoolResult pool_proportions(std::span<const ProportionStudy> studies, const PoolOptions& options);

// An effect size already on its analysis scale (for example a log hazard) with its sampling
// variance.
struct EffectStudy {
  std::string label;
  double yi = 0.0;
  double vi = 0.0;
};

// The same two-step model on effects given directly: common and random effects, tau^2 (any
// estimator) with its Q-profile CI, tests, prediction interval, heterogeneity and weights, as
// metafor's rma.uni(yi, vi). Fields that only make sense for proportions (prop*, events, n) are
// NaN or 0; StudyResult::ci_lb/ci_ub hold the Wald CI on the effect's scale. options.measure,
// continuity and study_ci are not used. Throws carta::Error for no studies, duplicate labels,
// non-finite effects or variances <= 0.
PoolResult pool_effects(std::span<const EffectStudy> studies, const PoolOptions& options);

// One line naming every convention in force, for summaries and logs.
std::string describe_conventions(const PoolResult& result);

}  // namespace carta
