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
  // Nodes from the eigenvalues; weights from the normalised Hermite functions
  // phi_k(t) = p_k(t) exp(-t^2 / 2): w_j exp(t_j^2) = 1 / sum_k phi_k(t_j)^2. Unlike the
  // eigenvector formula this stays accurate at the outermost nodes, where exp(t^2) would magnify
  // any error in w_j.
  GaussHermiteRule rule;
  const double phi0_scale = std::pow(std::numbers::pi, -0.25);
  for (int i = 0; i < n; ++i) {
    double node = eig.eigenvalues()[i];
    if (std::abs(node) < 1e-15) node = 0.0;
    double prev = 0.0;
    double cur = phi0_scale * std::exp(-0.5 * node * node);
    double sum = cur * cur;
    for (int k = 0; k + 1 < n; ++k) {
      const double next = std::sqrt(2.0 / (k + 1)) * node * cur - std::sqrt(static_cast<double>(k) / (k + 1)) * prev;
      prev = cur;
      cur = next;
      sum += cur * cur;
    }
    rule.nodes.push_back(node);
    rule.scaled_weights.push_back(1.0 / sum);
    rule.weights.push_back(std::exp(-node * node) / sum);
  }
  return cache.emplace(n, std::move(rule)).first->second;
}

}  // namespace carta::detail
