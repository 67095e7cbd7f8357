#include "gauss_hermite.hpp"

#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <mutex>
#include <numbers>

#include "carta/error.hpp"

namespace carta::detail {

const GaussHermiteRule& gauss_hermite(int n) {
  if (n < 1 || n > 100) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("Gauss-Hermite rule: {} points, but must be 1 to 100", n));
  }
  static std::mutex mutex;
  static std::map<int, GaussHermiteRule> cache;
  const std::lock_guard lock(mutex);
  if (auto it = cache.find(n); it != cache.end()) return it->second;
  // Jacobi matrix of the Hermite polynomials: zero diagonal, off-diagonal sqrt(j / 2).
  Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(n, n);
  for (int j = 1; j < n; ++j) jacobi(j, j - 1) = jacobi(j - 1, j) = std::sqrt(j / 2.0);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(jacobi);
  GaussHermiteRule rule;
  for (int i = 0; i < n; ++i) {
    double node = eig.eigenvalues()[i];
    if (std::abs(node) < 1e-15) node = 0.0;
    rule.nodes.push_back(node);
    const double v0 = eig.eigenvectors()(0, i);
    rule.weights.push_back(std::sqrt(std::numbers::pi) * v0 * v0);
  }
  return cache.emplace(n, std::move(rule)).first->second;
}

}  // namespace carta::detail
