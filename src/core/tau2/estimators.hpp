#pragma once
// One function per tau^2 estimator; estimate_tau2() validates inputs and dispatches here.
// All take outcomes y, sampling variances v (> 0) and design x with k > p.

#include <Eigen/Dense>

#include "carta/tau2.hpp"

namespace carta::detail {

Tau2Estimate tau2_dl(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x);
Tau2Estimate tau2_he(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x);
Tau2Estimate tau2_hs(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x);
Tau2Estimate tau2_sj(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x);
Tau2Estimate tau2_fisher_scoring(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                 const Eigen::MatrixXd& x, bool restricted,
                                 const Tau2Control& control);
Tau2Estimate tau2_hsk(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x);
Tau2Estimate tau2_dlit(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                       const Tau2Control& control);
Tau2Estimate tau2_sjit(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                       const Tau2Control& control);
Tau2Estimate tau2_pmm(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                      const Tau2Control& control);
Tau2Estimate tau2_paule_mandel(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                               const Eigen::MatrixXd& x, const Tau2Control& control);

// Hunter-Schmidt with Q multiplied by `factor` (1: HS; k / (k - p): HSk), SE likewise.
Tau2Estimate tau2_hs_scaled(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                            double factor);
// The root of Q(tau2) = target (0 when Q(0) <= target), with the PM-family SE: PM (target k - p)
// and PMM (the chi-square median). `target_name` names the target in the message.
Tau2Estimate tau2_q_root(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                         double target, const char* target_name, const Tau2Control& control);

// Standard error of tau2 for the generalised-Q family (PM, EB), as metafor reports it.
double tau2_se_pm(const Eigen::VectorXd& v, double tau2, Eigen::Index p);

// The exponent m that brings the variances near 1: v / 4^m has a mean in [1/2, 2). Stopping rules
// and brackets are in the units of v, so the estimators solve y / 2^m, v / 4^m (exact in binary
// floating point) and scale back; 0 when the variances are already of ordinary size.
int variance_scale_exponent(const Eigen::VectorXd& v);

// An orthonormal basis of x's column space (thin Q of a Householder QR); x itself when it has one
// column. x must have full column rank (checked by the callers that fit coefficients).
Eigen::MatrixXd column_space_basis(const Eigen::MatrixXd& x);

// Generalised Q without input validation (for inner loops).
double generalised_q_unchecked(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                               const Eigen::MatrixXd& x, double tau2);

// (Restricted) log-likelihood of the normal-normal model at tau2.
double log_likelihood(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                      double tau2, bool restricted);

}  // namespace carta::detail
