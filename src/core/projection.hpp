#pragma once
// The weighted residual projector of the normal linear model with known diagonal weights,
//   P = W - W X (X'WX)^{-1} X'W,
// and the traces the tau^2 estimators need, computed through p x p matrices only (never k x k).
// The intercept-only model (a column of ones: every pooled estimate, and each of the thousands of
// refits in a batch, a Q-profile or a permutation test) takes scalar sums instead, with no
// allocation.

#include <Eigen/Dense>

#include <utility>

namespace carta::detail {

// sum w (y - ybar_w)^2 with ybar_w the weighted mean: y'Py of the intercept-only model. The weights
// may be an Eigen array expression, so that hot callers build no vector.
template <typename Weights>
double intercept_residual_ss(const Weights& w, const Eigen::VectorXd& y) {
  const double mean = (w * y.array()).sum() / w.sum();
  return (w * (y.array() - mean).square()).sum();
}

class WeightedProjection {
 public:
  // w: positive weights (k); x: design matrix (k x p, full column rank).
  WeightedProjection(const Eigen::VectorXd& w, const Eigen::MatrixXd& x);

  [[nodiscard]] const Eigen::VectorXd& weights() const noexcept { return w_; }
  [[nodiscard]] const Eigen::MatrixXd& xtwx_inverse() const noexcept { return m_inv_; }
  [[nodiscard]] double log_det_xtwx() const noexcept { return log_det_m_; }

  // Weighted least-squares coefficients (X'WX)^{-1} X'W y.
  [[nodiscard]] Eigen::VectorXd coefficients(const Eigen::VectorXd& y) const;
  // P y = W (y - X beta_hat).
  [[nodiscard]] Eigen::VectorXd apply(const Eigen::VectorXd& y) const;
  // y' P y: the weighted residual sum of squares.
  [[nodiscard]] double quadratic_form(const Eigen::VectorXd& y) const;

  // tr(P D) for D = diag(d); tr(P) when d is all ones.
  [[nodiscard]] double trace_times(const Eigen::VectorXd& d) const;
  [[nodiscard]] double trace() const;
  // tr(P D P D) for D = diag(d); tr(P P) when d is all ones.
  [[nodiscard]] double trace_square_times(const Eigen::VectorXd& d) const;
  [[nodiscard]] double trace_square() const;
  // tr(P) and tr(P P) together, sharing X'W^2X (each REML scoring step needs both).
  [[nodiscard]] std::pair<double, double> trace_and_trace_square() const;
  // tr(P P D) for D = diag(d).
  [[nodiscard]] double trace_pp_times(const Eigen::VectorXd& d) const;

 private:
  // X' diag(c) X
  [[nodiscard]] Eigen::MatrixXd gram(const Eigen::VectorXd& c) const;

  Eigen::VectorXd w_;
  const Eigen::MatrixXd& x_;
  bool intercept_only_ = false;
  double sum_w_ = 0.0;
  Eigen::MatrixXd m_inv_;
  double log_det_m_ = 0.0;
};

}  // namespace carta::detail
