#pragma once
// Beta-binomial random-effects model for single proportions:
//   x_i | p_i ~ Binomial(n_i, p_i),  p_i ~ Beta(pi / theta, (1 - pi) / theta),
// so E[p_i] = pi (the mean proportion) and theta >= 0 the overdispersion (rho = theta / (1 + theta)
// is the intra-class correlation; theta = 0 is the common-effect binomial model). Maximum
// likelihood with profile-likelihood intervals. Formulas: docs/methods/beta_binomial.md.

#include <span>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/pool.hpp"
#include "carta/study.hpp"

namespace carta {

struct BetaBinomialOptions {
  double level = 0.95;
  int max_iterations = 500;
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
  IterationReport report;
  std::vector<std::string> notes;
};

// Throws carta::Error for invalid studies or when the mean has no finite estimate (every study
// with 0 or every study with all events).
BetaBinomialFit fit_beta_binomial(std::span<const ProportionStudy> studies, const BetaBinomialOptions& options = {});

// The beta-binomial model in the pooling contract: `random` is the mean proportion on the logit
// scale with its profile-likelihood interval, the prediction interval is the central interval of
// the fitted Beta distribution of the study proportions; tau^2 and I^2 do not exist in this model
// and are NaN (notes say so); `common` is the binomial model's pooled proportion.
PoolResult pool_proportions_bb(std::span<const ProportionStudy> studies, const PoolOptions& options,
                               BetaBinomialFit* details = nullptr);

// The log-likelihood (with binomial coefficients) at (pi, theta); exposed for tests.
double beta_binomial_log_likelihood(std::span<const ProportionStudy> studies, double pi, double theta);

}  // namespace carta
