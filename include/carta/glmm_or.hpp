#pragma once
// One-stage random-effects model for two-arm counts: the binomial-normal model with fixed study
// intercepts ("unconditional model, fixed study effects", metafor's rma.glmm(measure = "OR",
// model = "UM.FS")). For study i, arm 1 (experimental) and arm 2 (control),
//   logit p_i1 = alpha_i + beta + b_i / 2,   logit p_i2 = alpha_i - b_i / 2,   b_i ~ N(0, tau^2),
// fitted by maximum likelihood with adaptive Gauss-Hermite quadrature (lme4::glmer, nAGQ = 7).
// beta is the pooled log odds ratio. Formulas and the comparison with metafor: docs/methods/glmm.md.

#include <span>
#include <string>
#include <vector>

#include "carta/iteration.hpp"
#include "carta/pool.hpp"
#include "carta/two_by_two.hpp"

namespace carta {

struct GlmmOrOptions {
  int nagq = 7;                  // quadrature points; 1 = Laplace approximation
  TestType test = TestType::kZ;  // kZ, or kT for t(k - 1) Wald intervals (rma.glmm test = "t")
  double level = 0.95;
};

struct GlmmOrFit {
  std::size_t k = 0;                  // studies in the model
  std::vector<std::string> dropped;   // labels of studies without events in either arm, or all events
  int nagq = 7;
  // The pooled log odds ratio under the random-effects model, its Wald test and intervals; the
  // prediction interval is beta -+ crit sqrt(se^2 + tau^2), as metafor's predict.
  double beta = 0.0, se = 0.0, stat = 0.0, p = 0.0, df = 0.0, ci_lb = 0.0, ci_ub = 0.0;
  double pi_lb = 0.0, pi_ub = 0.0;
  double tau2 = 0.0, tau = 0.0;
  std::vector<double> alpha;          // the study intercepts at the optimum (control-arm logits)
  // The common-effect model (tau = 0): logistic regression with study intercepts.
  double common_beta = 0.0, common_se = 0.0, common_stat = 0.0, common_p = 0.0;
  double common_ci_lb = 0.0, common_ci_ub = 0.0;
  double loglik = 0.0;             // marginal log-likelihood at the optimum (binomial coefficients in)
  double loglik_common = 0.0;      // of the common-effect model
  double loglik_saturated = 0.0;   // every arm its own proportion
  // Heterogeneity as rma.glmm reports it: the likelihood-ratio test of the saturated against the
  // common-effect model and the Wald test of the study-by-arm terms (Cochran's Q of the
  // uncorrected log odds ratios; not available when a study has a zero cell), k - 1 df; I^2 and
  // H^2 from tau^2 against the typical within-study variance of escalc's log odds ratios.
  double QE_wald = 0.0, QE_wald_p = 0.0, QE_lrt = 0.0, QE_lrt_p = 0.0, QE_df = 0.0;
  double I2 = 0.0, H2 = 0.0, typical_variance = 0.0;
  IterationReport report;
  std::vector<std::string> notes;
};

// Throws carta::Error for invalid tables, fewer than two informative studies, or bad options.
// A fit whose optimisation did not converge is reported in `report`, never replaced.
GlmmOrFit fit_glmm_or(std::span<const TwoByTwoStudy> studies, const GlmmOrOptions& options = {});

// The marginal log-likelihood at (alpha, beta, tau) under adaptive quadrature with nagq points
// (exposed for tests). alpha has one entry per study.
double glmm_or_log_likelihood(std::span<const TwoByTwoStudy> studies, std::span<const double> alpha, double beta,
                              double tau, int nagq);

}  // namespace carta
