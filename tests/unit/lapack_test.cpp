// The LAPACK wrappers against Eigen's own (slower) solvers on the same matrices: the nearest
// positive semi-definite matrix and the inverse of a positive definite one.

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <limits>
#include <random>
#include <tuple>

#include "carta/error.hpp"
#include "core/math/lapack.hpp"

namespace {

Eigen::MatrixXd random_symmetric(Eigen::Index n, int positive_rank, double shift, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd x(n, positive_rank);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(gen);
  Eigen::MatrixXd s = x * x.transpose();
  s.diagonal().array() += shift;
  return s;
}

Eigen::MatrixXd eigen_projection(const Eigen::MatrixXd& s) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(s);
  return solver.eigenvectors() * solver.eigenvalues().cwiseMax(0.0).asDiagonal() *
         solver.eigenvectors().transpose();
}

TEST(Lapack, ProjectionKeepsThePositiveEigenpairs) {
  // Low positive rank with a negative shift (most eigenvalues negative), full rank with a few
  // negative ones, and a positive definite matrix (returned as it is).
  for (const auto& [n, rank, shift] : {std::tuple{60, 3, -0.5}, std::tuple{80, 70, -2.0}, std::tuple{40, 40, 0.5}}) {
    const Eigen::MatrixXd s = random_symmetric(n, rank, shift, static_cast<unsigned>(n));
    Eigen::MatrixXd lower_only = s;
    lower_only.triangularView<Eigen::StrictlyUpper>().setConstant(1e300);  // only the lower triangle is read
    carta::math::project_to_positive_semidefinite(lower_only);
    const Eigen::MatrixXd expected = eigen_projection(s);
    EXPECT_LT((lower_only - expected).cwiseAbs().maxCoeff(), 1e-10 * expected.cwiseAbs().maxCoeff())
        << n << " x " << n << ", positive rank " << rank;
    EXPECT_EQ((lower_only - lower_only.transpose()).cwiseAbs().maxCoeff(), 0.0);
    if (shift > 0) {
      Eigen::MatrixXd mirrored = s;
      mirrored.triangularView<Eigen::StrictlyUpper>() = s.transpose();
      EXPECT_EQ(lower_only, mirrored);
    }
  }
}

TEST(Lapack, ProjectionOfZeroNegativeAndEmptyMatrices) {
  Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(5, 5);
  carta::math::project_to_positive_semidefinite(zero);
  EXPECT_EQ(zero, Eigen::MatrixXd::Zero(5, 5));
  Eigen::MatrixXd negative = -Eigen::MatrixXd::Identity(4, 4);
  carta::math::project_to_positive_semidefinite(negative);
  EXPECT_EQ(negative, Eigen::MatrixXd::Zero(4, 4));
  Eigen::MatrixXd empty(0, 0);
  carta::math::project_to_positive_semidefinite(empty);
  EXPECT_EQ(empty.size(), 0);
  Eigen::MatrixXd with_nan = -Eigen::MatrixXd::Identity(3, 3);
  with_nan(2, 1) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(carta::math::project_to_positive_semidefinite(with_nan), carta::Error);
}

TEST(Lapack, InverseOfAPositiveDefiniteMatrix) {
  const Eigen::MatrixXd s = random_symmetric(50, 50, 0.1, 7);
  Eigen::MatrixXd inverse = s;
  ASSERT_TRUE(carta::math::invert_positive_definite(inverse));
  EXPECT_LT((inverse * s - Eigen::MatrixXd::Identity(50, 50)).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_EQ((inverse - inverse.transpose()).cwiseAbs().maxCoeff(), 0.0);
  Eigen::MatrixXd indefinite = random_symmetric(10, 3, -0.5, 3);
  EXPECT_FALSE(carta::math::invert_positive_definite(indefinite));
}

}  // namespace
