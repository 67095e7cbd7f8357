#pragma once
// Beta-binomial random-effects model for single proportions:
//   x_i | p_i ~ Binomial(n_i, p_i),  p_i ~ Beta(pi / theta, (1 - pi) / theta),
// so E[p_i] = pi (the mean proportion) and theta >= 0 the overdispersion (rho = theta / (1 + theta)
// is the intra-class correlation; theta = 0 is the common-effect binomial model). Maximum
// likelihood with profile-likelihood intervals. Formulas: docs/methods/beta_binomial.md.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/pool.hpp"
#include "carta/study.hpp"

namespace carta {

// Fewer bootstrap replicates estimate the calibration too roughly to be worth reporting.
inline constexpr int kMinBootstrapReplicates = 100;

struct BetaBinomialOptions {
  double level = 0.95;
  // The small-sample interval for the mean: the profile-likelihood interval with its chi^2_1
  // cut-off calibrated by this many parametric-bootstrap replicates (0 = not computed).
  int bootstrap_replicates = 0;
  std::uint64_t seed = 20261121;
  unsigned threads = 0;  // 0 = one per core; the result does not depend on it
};

// The small-sample interval for the mean: the profile-likelihood interval whose cut-off is
// calibrated by the parametric bootstrap. The mean of the likelihood-ratio statistic W under the
// model at (pi-hat, rho) rescales chi^2_1 (a Bartlett correction); the largest mean over a grid of
// rho in the (1 - gamma) profile interval for rho is used, at level + gamma (Berger & Boos 1994),
// because W's mean depends on rho and the plug-in rho-hat is often 0 with few studies. The factor
// is floored at 1: the calibrated interval contains the profile-likelihood interval.
// docs/methods/beta_binomial.md has the reasoning and the coverage.
struct BetaBinomialCalibration {
  int replicates = 0;  // per grid point; 0 when not computed
  std::uint64_t seed = 0;
  double gamma = 0.0;                        // level spent on the set of rho values
  double rho_set_lb = 0.0, rho_set_ub = 0.0;  // that set: the (1 - gamma) profile interval for rho
  std::vector<double> rho_grid;              // where W's mean was estimated
  std::vector<double> factors;               // W's mean at each (1 for chi^2_1)
  double bartlett_factor = 0.0;              // the largest
  double rho_at_max = 0.0;
  double cutoff = 0.0;                       // chi^2_1(level + gamma) x max(1, bartlett_factor)
  double cutoff_mc_se = 0.0;                 // Monte Carlo standard error of the cut-off
  double pi_lb = 0.0, pi_ub = 0.0;
  int not_converged = 0;                     // replicates whose fit did not converge
};

struct BetaBinomialFit {
  std::size_t k = 0;
  double pi = 0.0;                   // mean proportion
  double pi_ci_lb = 0.0, pi_ci_ub = 0.0;        // profile likelihood
  double pi_wald_lb = 0.0, pi_wald_ub = 0.0;    // Wald on the logit, observed information
  double logit_pi = 0.0, logit_pi_se = 0.0;
  double theta = 0.0;                // overdispersion
  double theta_ci_lb = 0.0, theta_ci_ub = 0.0;  // profile likelihood
  double rho = 0.0, rho_ci_lb = 0.0, rho_ci_ub = 0.0;
  double loglik = 0.0;
  double loglik_binomial = 0.0;      // theta = 0
  double lrt_overdispersion = 0.0;   // 2 (loglik - loglik_binomial), boundary test
  double lrt_p = 0.0;                // 50:50 mixture of chi^2_0 and chi^2_1 (Self & Liang 1987)
  BetaBinomialCalibration calibration;
  IterationReport report;
  std::vector<std::string> notes;
};

// Throws carta::Error for invalid studies or when the mean has no finite estimate (every study
// with 0 or every study with all events).
BetaBinomialFit fit_beta_binomial(std::span<const ProportionStudy> studies, const BetaBinomialOptions& options = {});

// The beta-binomial model in the pooling contract: `random` is the mean proportion on the logit
// scale with its profile-likelihood interval, the prediction interval is the central interval of
// the fitted Beta distribution of the study proportions; tau^2 and I^2 do not exist in this model
// and are NaN (notes say so); `common` is the binomial model's pooled proportion. `model` sets the
// bootstrap calibration (its level is taken from `options`).
PoolResult pool_proportions_bb(std::span<const ProportionStudy> studies, const PoolOptions& options,
                               BetaBinomialFit* details = nullptr, BetaBinomialOptions model = {});

// The log-likelihood (with binomial coefficients) at (pi, theta); exposed for tests.
double beta_binomial_log_likelihood(std::span<const ProportionStudy> studies, double pi, double theta);

}  // namespace carta
