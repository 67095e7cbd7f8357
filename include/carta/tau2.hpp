#pragma once
// Between-study variance (tau^2) estimators for the normal-normal random-effects model
//   y_i = x_i' beta + u_i + e_i,  u_i ~ N(0, tau^2),  e_i ~ N(0, v_i)
// with known sampling variances v_i. Every estimator matches metafor's rma.uni(method = ...).
// Formulas and sources: docs/methods/tau2.md.

#include <Eigen/Dense>

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <span>
#include <string_view>

#include "carta/iteration.hpp"

namespace carta {

enum class Tau2Method {
  kDL,    // DerSimonian-Laird (method of moments)
  kREML,  // restricted maximum likelihood (Fisher scoring)
  kML,    // maximum likelihood (Fisher scoring)
  kPM,    // Paule-Mandel (root of the generalised Q statistic)
  kHE,    // Hedges (unweighted method of moments)
  kSJ,    // Sidik-Jonkman (one step from the HE-type starting value)
  kHS,    // Hunter-Schmidt
  kEB,    // empirical Bayes (Morris); same root as PM, see docs/methods/tau2.md
  kHSk,   // Hunter-Schmidt with the k / (k - p) small-sample correction
  kDLIT,  // iterated DerSimonian-Laird (DerSimonian & Kacker 2007)
  kSJIT,  // iterated Sidik-Jonkman
  kPMM,   // median-unbiased Paule-Mandel (Q equal to the chi-square median)
};

// Every estimator, in the order help texts and error messages list them (REML, the default, first).
inline constexpr std::array kTau2Methods = {
    Tau2Method::kREML, Tau2Method::kDL,  Tau2Method::kML,   Tau2Method::kPM,
    Tau2Method::kHE,   Tau2Method::kSJ,  Tau2Method::kHS,   Tau2Method::kEB,
    Tau2Method::kHSk,  Tau2Method::kDLIT, Tau2Method::kSJIT, Tau2Method::kPMM};

std::string_view to_string(Tau2Method method) noexcept;
// "REML, DL, ML, ...": the names parse_tau2_method accepts, for help texts and error messages.
std::string tau2_method_names();
std::optional<Tau2Method> parse_tau2_method(std::string_view text) noexcept;

// Tolerances for the iterative estimators and root finders. Defaults are tight, so that results
// are the optimum to near machine precision rather than a stopping point.
struct Tau2Control {
  double threshold = 1e-13;     // Fisher scoring: stop when |step| <= threshold * max(1, tau2)
  double root_rel_tol = 1e-15;  // root finders: stop when the bracket is this narrow (relative)
  double root_abs_tol = 1e-300; // ... or this narrow (absolute), for roots at or near zero
  int max_iterations = 1000;
  double tau2_upper_start = 100.0;  // first upper bracket for root finders; doubled as needed
  double tau2_upper_limit = 1e12;   // give up bracketing beyond this (reported, never silent)
};

struct Tau2Estimate {
  double tau2 = 0.0;
  double se = 0.0;  // standard error of tau2 as metafor reports it (se.tau2)
  IterationReport report;
  bool truncated = false;  // the unconstrained estimate was negative and was set to 0
};

// Estimates tau^2 for outcomes y with sampling variances v (all > 0) and design matrix x
// (k rows, p columns, full column rank). Throws carta::Error (kInvalidOption) when k <= p or
// sizes disagree.
Tau2Estimate estimate_tau2(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                           const Eigen::MatrixXd& x, Tau2Method method,
                           const Tau2Control& control = {});

// Intercept-only convenience overload.
Tau2Estimate estimate_tau2(std::span<const double> y, std::span<const double> v, Tau2Method method,
                           const Tau2Control& control = {});

// Generalised Q statistic Q(tau2) = y' P(tau2) y, decreasing in tau2; Q(0) is Cochran's Q.
double generalised_q(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                     double tau2);

// Q-profile confidence interval for tau^2 (Viechtbauer 2007), as metafor's confint.rma.uni.
struct Tau2Interval {
  double lb = 0.0;
  double ub = 0.0;
  IterationReport lb_report;
  IterationReport ub_report;
  bool lb_at_zero = false;  // Q(0) is below the upper chi-square quantile: lower bound is 0
  bool ub_at_zero = false;  // Q(0) is below the lower quantile: the whole interval is {0}
};

Tau2Interval q_profile_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                const Eigen::MatrixXd& x, double level,
                                const Tau2Control& control = {});

// Profile-likelihood interval for tau^2 (Hardy & Thompson 1996), as metafor's confint(type =
// "PL"): the tau^2 with -2 (ll(tau^2) - ll(tau2_hat)) <= chi^2_1(level), the coefficients at their
// GLS values for each tau^2 and ll the restricted log-likelihood when `reml`, else the ordinary
// one. tau2_hat is the model's estimate: the likelihood's maximum under ML and REML; under another
// estimator metafor still profiles the ML likelihood from that estimate, and so does this (each
// bound is then the one crossing on its side of tau2_hat).
Tau2Interval profile_likelihood_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                         double tau2_hat, bool reml, double level, const Tau2Control& control = {});

// Wald interval tau2 +- z se(tau2), the lower bound truncated at 0, as metafor's confint(type = "Wald").
Tau2Interval wald_tau2_interval(double tau2, double se, double level);

// Log-likelihood, deviance, AIC, BIC and AICc of the normal-normal model at tau2, under ML and
// REML, as metafor's fit.stats; `tau2_estimated` counts tau^2 among the parameters.
struct FitStatistics {
  struct Criteria {
    double loglik = std::numeric_limits<double>::quiet_NaN();
    double deviance = std::numeric_limits<double>::quiet_NaN();
    double aic = std::numeric_limits<double>::quiet_NaN();
    double bic = std::numeric_limits<double>::quiet_NaN();
    double aicc = std::numeric_limits<double>::quiet_NaN();
  };
  Criteria ml, reml;
};
FitStatistics fit_statistics(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                             double tau2, bool tau2_estimated);

// The generalised Q-statistic interval for tau^2 with fixed weights (Biggerstaff & Jackson 2008,
// Jackson 2013): metafor's confint(type = "GENQ"); R meta's method.tau.ci = "J" with weights
// 1/sqrt(v), its default under DL. Throws carta::Error (kNumerical) when the distribution of Q
// cannot be evaluated (weights so unequal that the series does not converge).
Tau2Interval generalised_q_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                                    const Eigen::VectorXd& weights, double level, const Tau2Control& control = {});

namespace detail {
// P(sum_j lambda_j chi^2_1 > x) for lambda_j > 0 by Ruben's series; nullopt when it cannot be
// summed to 1e-12 (a non-positive weight, or weights spread over many orders of magnitude).
std::optional<double> weighted_chi_square_upper_tail(std::span<const double> lambda, double x);
}  // namespace detail

}  // namespace carta
