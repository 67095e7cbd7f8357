#include "projection.hpp"

#include <cmath>

#include "carta/error.hpp"

namespace carta::detail {

WeightedProjection::WeightedProjection(const Eigen::VectorXd& w, const Eigen::MatrixXd& x)
    : w_(w), x_(x), intercept_only_(x.cols() == 1 && (x.array() == 1.0).all()) {
  if (intercept_only_) {
    sum_w_ = w_.sum();
    if (!(sum_w_ > 0.0) || !std::isfinite(sum_w_)) {
      throw Error(ErrorCategory::kNumerical, "weighted projection: the weights do not sum to a positive number");
    }
    m_inv_ = Eigen::MatrixXd::Constant(1, 1, 1.0 / sum_w_);
    log_det_m_ = std::log(sum_w_);
    return;
  }
  const Eigen::MatrixXd m = gram(w_);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(m);
  if (ldlt.info() != Eigen::Success || !ldlt.isPositive() ||
      (ldlt.vectorD().array() <= 0.0).any()) {
    throw Error(ErrorCategory::kNumerical,
                "weighted projection: X'WX is not positive definite (collinear or constant "
                "design columns)");
  }
  m_inv_ = ldlt.solve(Eigen::MatrixXd::Identity(m.rows(), m.cols()));
  log_det_m_ = ldlt.vectorD().array().log().sum();
}

Eigen::MatrixXd WeightedProjection::gram(const Eigen::VectorXd& c) const {
  // Column dot products: for a k x p design with small p, Eigen's blocked matrix product spends
  // most of its time packing (it was 40% of a permutation test).
  const Eigen::Index p = x_.cols();
  Eigen::MatrixXd g(p, p);
  for (Eigen::Index a = 0; a < p; ++a) {
    for (Eigen::Index b = 0; b <= a; ++b) {
      g(a, b) = g(b, a) = (c.array() * x_.col(a).array() * x_.col(b).array()).sum();
    }
  }
  return g;
}

Eigen::VectorXd WeightedProjection::coefficients(const Eigen::VectorXd& y) const {
  if (intercept_only_) return Eigen::VectorXd::Constant(1, w_.dot(y) / sum_w_);
  return m_inv_ * (x_.transpose() * (w_.array() * y.array()).matrix());
}

Eigen::VectorXd WeightedProjection::apply(const Eigen::VectorXd& y) const {
  if (intercept_only_) return (w_.array() * (y.array() - w_.dot(y) / sum_w_)).matrix();
  const Eigen::VectorXd residual = y - x_ * coefficients(y);
  return (w_.array() * residual.array()).matrix();
}

double WeightedProjection::quadratic_form(const Eigen::VectorXd& y) const {
  if (intercept_only_) return intercept_residual_ss(w_.array(), y);
  const Eigen::VectorXd residual = y - x_ * coefficients(y);
  return (w_.array() * residual.array().square()).sum();
}

double WeightedProjection::trace_times(const Eigen::VectorXd& d) const {
  if (intercept_only_) return (w_.array() * d.array()).sum() - (w_.array().square() * d.array()).sum() / sum_w_;
  const Eigen::VectorXd wwd = (w_.array().square() * d.array()).matrix();
  return (w_.array() * d.array()).sum() - (m_inv_ * gram(wwd)).trace();
}

double WeightedProjection::trace() const {
  if (intercept_only_) return sum_w_ - w_.squaredNorm() / sum_w_;
  return trace_times(Eigen::VectorXd::Ones(w_.size()));
}

double WeightedProjection::trace_square_times(const Eigen::VectorXd& d) const {
  // With a = w d:  tr(PDPD) = sum a^2 - 2 tr(M^-1 X' diag(a^2 w) X) + tr((M^-1 X' diag(a w) X)^2)
  if (intercept_only_) {
    const auto a = w_.array() * d.array();
    const double b = (a * w_.array()).sum() / sum_w_;
    return a.square().sum() - 2.0 * (a.square() * w_.array()).sum() / sum_w_ + b * b;
  }
  const Eigen::ArrayXd a = w_.array() * d.array();
  const Eigen::MatrixXd b = m_inv_ * gram((a * w_.array()).matrix());
  return a.square().sum() - 2.0 * (m_inv_ * gram((a.square() * w_.array()).matrix())).trace() +
         (b * b).trace();
}

double WeightedProjection::trace_square() const {
  if (intercept_only_) {
    const auto w = w_.array();
    const double b = w.square().sum() / sum_w_;
    return w.square().sum() - 2.0 * w.cube().sum() / sum_w_ + b * b;
  }
  return trace_square_times(Eigen::VectorXd::Ones(w_.size()));
}

std::pair<double, double> WeightedProjection::trace_and_trace_square() const {
  if (intercept_only_) return {trace(), trace_square()};
  const Eigen::ArrayXd w = w_.array();
  const Eigen::MatrixXd b = m_inv_ * gram((w * w).matrix());  // M^-1 X'W^2X
  const double trace_p = w.sum() - b.trace();
  const double trace_pp = w.square().sum() - 2.0 * (m_inv_ * gram(w.cube().matrix())).trace() + (b * b).trace();
  return {trace_p, trace_pp};
}

double WeightedProjection::trace_pp_times(const Eigen::VectorXd& d) const {
  // tr(PPD) = sum w^2 d - 2 tr(M^-1 X' diag(w^3 d) X) + tr(M^-1 X'W^2X M^-1 X' diag(w^2 d) X)
  if (intercept_only_) {
    const auto w = w_.array();
    const auto dd = d.array();
    return (w * w * dd).sum() - 2.0 * (w * w * w * dd).sum() / sum_w_ +
           (w * w).sum() / sum_w_ * (w * w * dd).sum() / sum_w_;
  }
  const Eigen::ArrayXd w = w_.array();
  const Eigen::ArrayXd dd = d.array();
  const Eigen::MatrixXd a = m_inv_ * gram((w * w).matrix());
  const Eigen::MatrixXd b = m_inv_ * gram((w * w * dd).matrix());
  return (w * w * dd).sum() - 2.0 * (m_inv_ * gram((w * w * w * dd).matrix())).trace() +
         (a * b).trace();
}

}  // namespace carta::detail
