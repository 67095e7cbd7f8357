#pragma once
// Gauss-Hermite rules for integrals of f(t) exp(-t^2) over the real line (physicists'
// convention), by the Golub-Welsch eigenvalue method.

#include <vector>

namespace carta::detail {

struct GaussHermiteRule {
  std::vector<double> nodes;
  std::vector<double> weights;         // w_j
  std::vector<double> scaled_weights;  // w_j exp(t_j^2), for integrands without the Gaussian factor
};

// n >= 1 points; cached per n. Throws carta::Error for n < 1 or n > 100.
const GaussHermiteRule& gauss_hermite(int n);

}  // namespace carta::detail
