#pragma once
// Best linear unbiased predictions of the studies' true effects in the random-effects model
// (Raudenbush & Bryk 1985), as metafor's blup.rma.uni and ranef.rma.uni: each study's estimate
// shrunk towards the model's fitted value by lambda_i = tau^2 / (tau^2 + v_i),
//   blup_i  = lambda_i y_i + (1 - lambda_i) x_i' beta,  var = lambda_i v_i + (1 - lambda_i)^2 x_i' V_beta x_i
//   ranef_i = lambda_i (y_i - x_i' beta),               var = lambda_i v_i + lambda_i^2 x_i' V_beta x_i
// with prediction intervals +- crit * se. Under a common-effect model (tau^2 = 0) the BLUP is the
// fitted value and the random effect is 0.

#include <Eigen/Dense>

#include <vector>

namespace carta {

struct PoolResult;

struct StudyBlup {
  double est = 0.0, se = 0.0, pi_lb = 0.0, pi_ub = 0.0;                   // the study's true effect
  double ranef = 0.0, ranef_se = 0.0, ranef_pi_lb = 0.0, ranef_pi_ub = 0.0;  // its deviation from x_i' beta
  double shrinkage = 0.0;                                                 // lambda_i (1 = not shrunk)
};

// x: k x p design, beta and v_beta: the fitted coefficients and their covariance (as the model
// reports it, scaled under Hartung-Knapp), crit: the quantile of the intervals (z, or t with the
// model's df). Throws carta::Error when the sizes differ or a variance is negative or not finite.
std::vector<StudyBlup> study_blups(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                   const Eigen::VectorXd& beta, const Eigen::MatrixXd& v_beta, double tau2,
                                   double crit);

// The pooled (intercept-only) random-effects model of a result, at its level and test (t with
// k - 1 df under Hartung-Knapp or t tests, else z). With common_effect, the common-effect model.
std::vector<StudyBlup> study_blups(const PoolResult& result, bool common_effect = false);

}  // namespace carta
