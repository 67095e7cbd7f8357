#pragma once
// Dense symmetric linear algebra through LAPACK (OpenBLAS on Debian when installed, the reference
// LAPACK otherwise): Eigen's own eigen solver and inverse run unblocked and at SSE2 speed, which
// made a summary survival curve on a few thousand grid times take minutes.

#include <Eigen/Core>

namespace carta::math {

// The nearest positive semi-definite matrix to a symmetric one in the Frobenius norm: negative
// eigenvalues set to 0. Only the eigenpairs with positive eigenvalues are computed (dsyevr), so a
// matrix of low positive rank costs about one tridiagonalisation; a matrix that has a Cholesky
// factor already is positive definite and is left as it is. Reads the lower triangle; the result
// is the full symmetric matrix. Throws carta::Error (kNumerical) when LAPACK reports a failure.
void project_to_positive_semidefinite(Eigen::MatrixXd& symmetric);

// The inverse of a symmetric positive definite matrix in place (dpotrf + dpotri), full symmetric.
// Reads the lower triangle. Returns false, leaving the matrix unspecified, when it has no
// Cholesky factor (not positive definite to working precision).
[[nodiscard]] bool invert_positive_definite(Eigen::MatrixXd& matrix);

}  // namespace carta::math
