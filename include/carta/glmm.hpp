#pragma once
// One-stage random-effects model for single proportions: the binomial-normal (random-intercept
// logistic) model
//   x_i ~ Binomial(n_i, logistic(mu + u_i)),  u_i ~ N(0, tau^2),
// fitted by maximum likelihood with adaptive Gauss-Hermite quadrature, as metafor's
// rma.glmm(measure = "PLO") through lme4::glmer(nAGQ). Formulas: docs/methods/glmm.md.

#include <span>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/pool.hpp"

namespace carta {

struct GlmmOptions {
  int nagq = 7;                // quadrature points; 1 = Laplace approximation
  TestType test = TestType::kZ;  // kZ, or kT / kKnha for a t(k-1) Wald interval
  double level = 0.95;
  double tolerance = 1e-10;    // on tau and mu (absolute, in their units)
  int max_iterations = 500;
};

struct GlmmFit {
  std::size_t k = 0;
  int nagq = 7;
  double mu = 0.0, se = 0.0, stat = 0.0, p = 0.0, df = 0.0, ci_lb = 0.0, ci_ub = 0.0;
  double tau2 = 0.0, tau = 0.0;
  double tau2_ci_lb = 0.0, tau2_ci_ub = 0.0;  // profile likelihood
  double pi_lb = 0.0, pi_ub = 0.0;
  // Proportions: the median (logistic of mu) and the population-averaged mean
  // E[logistic(mu + u)], with delta-method intervals on the logit of the mean.
  double prop = 0.0, prop_ci_lb = 0.0, prop_ci_ub = 0.0, prop_pi_lb = 0.0, prop_pi_ub = 0.0;
  double mean_prop = 0.0, mean_prop_ci_lb = 0.0, mean_prop_ci_ub = 0.0;
  double loglik = 0.0;            // marginal log-likelihood (with binomial coefficients)
  double loglik_common = 0.0;     // common-effect binomial model
  double loglik_saturated = 0.0;  // one proportion per study
  // Heterogeneity: Wald and likelihood-ratio tests of the saturated against the common model
  // (k - 1 df), and I^2 / H^2 as rma.glmm defines them (tau^2 against the escalc typical variance).
  double QE_wald = 0.0, QE_wald_p = 0.0, QE_lrt = 0.0, QE_lrt_p = 0.0, QE_df = 0.0;
  double I2 = 0.0, H2 = 0.0;
  IterationReport report;
  IterationReport tau2_ci_lb_report, tau2_ci_ub_report;
  std::vector<std::string> notes;
};

// Throws carta::Error for invalid studies or options. Never substitutes another model: a fit
// that does not converge is reported in `report`.
GlmmFit fit_glmm(std::span<const ProportionStudy> studies, const GlmmOptions& options = {});

// The GLMM in the pooling contract: `random` and `heterogeneity` from the binomial-normal model,
// `common` from the common-effect binomial model (logistic regression with an intercept), study
// rows as pool_proportions gives them (a one-stage model has no study weights: both weights are
// NaN). Requires options.measure == PLO; throws carta::Error otherwise.
PoolResult pool_proportions_glmm(std::span<const ProportionStudy> studies, const PoolOptions& options, int nagq,
                                 GlmmFit* details = nullptr);

// The marginal log-likelihood at (mu, tau) under adaptive quadrature with nagq points
// (exposed for tests).
double glmm_log_likelihood(std::span<const ProportionStudy> studies, double mu, double tau, int nagq);

// The population-averaged proportion E[logistic(mu + tau Z)], Z ~ N(0, 1), by adaptive
// Gauss-Kronrod quadrature (Boost.Math) to about 1e-13 relative at any tau (a fixed rule loses
// accuracy as tau grows: 2.8e-4 at tau^2 = 7 with 40 Gauss-Hermite points).
double glmm_mean_proportion(double mu, double tau);

}  // namespace carta
