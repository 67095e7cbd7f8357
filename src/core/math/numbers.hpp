#pragma once
// Constants and small functions shared across the statistics core.

#include <cmath>
#include <limits>

namespace carta::detail {

// A number a fit cannot give (metafor's NA).
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// log(1 + e^eta) and 1 / (1 + e^-eta), without overflow for large |eta|: the binomial
// log-likelihood on the logit scale (the GLMMs).
inline double softplus(double eta) { return eta > 0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta)); }
inline double logistic(double eta) { return eta >= 0 ? 1.0 / (1.0 + std::exp(-eta)) : std::exp(eta) / (1.0 + std::exp(eta)); }

}  // namespace carta::detail
