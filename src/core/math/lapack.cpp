#include "lapack.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "carta/error.hpp"

// LAPACK's and BLAS's Fortran entry points (gfortran's convention: every argument by reference,
// the lengths of character arguments appended).
extern "C" {
void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a, const int* lda,
             const double* vl, const double* vu, const int* il, const int* iu, const double* abstol, int* m,
             double* w, double* z, const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork,
             const int* liwork, int* info, std::size_t, std::size_t, std::size_t);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, std::size_t);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info, std::size_t);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha, const double* a,
            const int* lda, const double* beta, double* c, const int* ldc, std::size_t, std::size_t);
}

namespace carta::math {

namespace {

int checked_size(Eigen::Index n) {
  if (n > 46340) {  // n * n must fit LAPACK's 32-bit integers
    throw Error(ErrorCategory::kInvalidInput, fmt::format("a {} x {} matrix is beyond LAPACK's 32-bit indexing", n, n));
  }
  return static_cast<int>(n);
}

void mirror_lower(Eigen::MatrixXd& m) { m.triangularView<Eigen::StrictlyUpper>() = m.transpose(); }

}  // namespace

bool invert_positive_definite(Eigen::MatrixXd& matrix) {
  const int n = checked_size(matrix.rows());
  if (n == 0) return true;
  int info = 0;
  dpotrf_("L", &n, matrix.data(), &n, &info, 1);
  if (info != 0) return false;
  dpotri_("L", &n, matrix.data(), &n, &info, 1);
  if (info != 0) return false;
  mirror_lower(matrix);
  return true;
}

void project_to_positive_semidefinite(Eigen::MatrixXd& symmetric) {
  const int n = checked_size(symmetric.rows());
  if (n == 0) return;
  {
    Eigen::MatrixXd factor = symmetric;
    int info = 0;
    dpotrf_("L", &n, factor.data(), &n, &info, 1);
    if (info == 0) {
      mirror_lower(symmetric);
      return;
    }
  }
  // Every eigenvalue lies within the Gershgorin bound, so (0, bound] holds the positive ones.
  double bound = 0.0;
  for (Eigen::Index i = 0; i < symmetric.rows(); ++i) {
    double row = 0.0;
    for (Eigen::Index j = 0; j < symmetric.cols(); ++j) {
      row += std::abs(j <= i ? symmetric(i, j) : symmetric(j, i));
    }
    if (!std::isfinite(row)) {
      throw Error(ErrorCategory::kNumerical,
                  fmt::format("positive semi-definite projection: row {} of the matrix is not finite", i + 1));
    }
    bound = std::max(bound, row);
  }
  if (bound == 0.0) return;  // the zero matrix
  bound *= 2.0;
  const double lower = 0.0, abstol = 0.0;
  const int unused = 0;
  int found = 0, info = 0, lwork = -1, liwork = -1, iwork_size = 0;
  double work_size = 0.0;
  std::vector<double> eigenvalues(static_cast<std::size_t>(n));
  Eigen::MatrixXd vectors(n, n);
  std::vector<int> support(2 * static_cast<std::size_t>(n));
  dsyevr_("V", "V", "L", &n, symmetric.data(), &n, &lower, &bound, &unused, &unused, &abstol, &found,
          eigenvalues.data(), vectors.data(), &n, support.data(), &work_size, &lwork, &iwork_size, &liwork, &info,
          1, 1, 1);
  if (info == 0) {
    lwork = static_cast<int>(work_size);
    liwork = iwork_size;
    std::vector<double> work(static_cast<std::size_t>(lwork));
    std::vector<int> iwork(static_cast<std::size_t>(liwork));
    dsyevr_("V", "V", "L", &n, symmetric.data(), &n, &lower, &bound, &unused, &unused, &abstol, &found,
            eigenvalues.data(), vectors.data(), &n, support.data(), work.data(), &lwork, iwork.data(), &liwork,
            &info, 1, 1, 1);
  }
  if (info != 0) {
    throw Error(ErrorCategory::kNumerical,
                fmt::format("positive semi-definite projection of a {} x {} matrix: LAPACK dsyevr ended with "
                            "info = {}",
                            n, n, info));
  }
  // sum of lambda u u^T over the positive eigenvalues: U U^T with U = vectors * sqrt(lambda).
  for (int j = 0; j < found; ++j) vectors.col(j) *= std::sqrt(eigenvalues[static_cast<std::size_t>(j)]);
  symmetric.setZero();
  if (found > 0) {
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "N", &n, &found, &one, vectors.data(), &n, &zero, symmetric.data(), &n, 1, 1);
  }
  mirror_lower(symmetric);
}

}  // namespace carta::math
