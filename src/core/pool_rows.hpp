#pragma once
// The part of pooling proportions that every model shares: input checks, conventions, the study
// rows (effect size, variance, study CI) and the note on continuity corrections. The two-step
// models pool these rows; the GLMM reports them next to its one-stage fit.

#include <Eigen/Core>
#include <span>

#include "carta/pool.hpp"

namespace carta::detail {

// Fills r.k, options, conventions, study_ci, n_harmonic, studies and the correction note; y and
// v receive the studies' effect sizes and variances on the measure's scale.
PoolResult proportion_study_rows(std::span<const ProportionStudy> studies, const PoolOptions& options,
                                 Eigen::VectorXd& y, Eigen::VectorXd& v);

// The typical within-study variance (Higgins & Thompson 2002), (k - 1) / (sum w - sum w^2 / sum w)
// with w = 1 / v: what I^2 and H^2 set tau^2 against. Needs k >= 2.
double typical_within_variance(const Eigen::VectorXd& v);

// I^2 and H^2 from h.Q with k studies (Higgins & Thompson 2002; R meta's method.I2 = "Q"), with
// their test-based intervals at `level`.
void q_based_i2(Heterogeneity& h, double k, double level);

}  // namespace carta::detail
