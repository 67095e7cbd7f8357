#include "projection.hpp"

#include <cmath>

#include "carta/error.hpp"

namespace carta::detail {

WeightedProjection::WeightedProjection(const Eigen::VectorXd& w, const Eigen::MatrixXd& x)
    : w_(w), x_(x) {
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
  return x_.transpose() * c.asDiagonal() * x_;
}

Eigen::VectorXd WeightedProjection::coefficients(const Eigen::VectorXd& y) const {
  return m_inv_ * (x_.transpose() * (w_.array() * y.array()).matrix());
}

Eigen::VectorXd WeightedProjection::apply(const Eigen::VectorXd& y) const {
  const Eigen::VectorXd residual = y - x_ * coefficients(y);
  return (w_.array() * residual.array()).matrix();
}

double WeightedProjection::quadratic_form(const Eigen::VectorXd& y) const {
  const Eigen::VectorXd residual = y - x_ * coefficients(y);
  return (w_.array() * residual.array().square()).sum();
}

double WeightedProjection::trace_times(const Eigen::VectorXd& d) const {
  const Eigen::VectorXd wwd = (w_.array().square() * d.array()).matrix();
  return (w_.array() * d.array()).sum() - (m_inv_ * gram(wwd)).trace();
}

double WeightedProjection::trace() const {
  return trace_times(Eigen::VectorXd::Ones(w_.size()));
}

double WeightedProjection::trace_square_times(const Eigen::VectorXd& d) const {
  // With a = w d:  tr(PDPD) = sum a^2 - 2 tr(M^-1 X' diag(a^2 w) X) + tr((M^-1 X' diag(a w) X)^2)
  const Eigen::ArrayXd a = w_.array() * d.array();
  const Eigen::MatrixXd b = m_inv_ * gram((a * w_.array()).matrix());
  return a.square().sum() - 2.0 * (m_inv_ * gram((a.square() * w_.array()).matrix())).trace() +
         (b * b).trace();
}

double WeightedProjection::trace_square() const {
  return trace_square_times(Eigen::VectorXd::Ones(w_.size()));
}

double WeightedProjection::trace_pp_times(const Eigen::VectorXd& d) const {
  // tr(PPD) = sum w^2 d - 2 tr(M^-1 X' diag(w^3 d) X) + tr(M^-1 X'W^2X M^-1 X' diag(w^2 d) X)
  const Eigen::ArrayXd w = w_.array();
  const Eigen::ArrayXd dd = d.array();
  const Eigen::MatrixXd a = m_inv_ * gram((w * w).matrix());
  const Eigen::MatrixXd b = m_inv_ * gram((w * w * dd).matrix());
  return (w * w * dd).sum() - 2.0 * (m_inv_ * gram((w * w * w * dd).matrix())).trace() +
         (a * b).trace();
}

}  // namespace carta::detail
