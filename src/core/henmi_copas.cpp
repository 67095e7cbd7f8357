// Henmi & Copas (2010): a confidence interval for the common-effect (inverse-variance) estimate
// that stays valid under random effects and is robust to publication bias, as metafor's hc().
//
// With w = 1/v, W_j = sum w^j / sum w, the DL tau^2 and R = (beta_hat - beta) / SE_random,
// Henmi and Copas approximate the distribution of Q given R by a gamma distribution with the
// conditional mean E(Q | R) and variance V(Q | R) of their Appendix, and find the t with
//   P(|R| > t, and the bias-adjusted statistic below Q's bound) = alpha,
// i.e. the root in t of  int_t^inf  G(finv(r / t); shape(r), scale(r)) phi(r) dr = alpha / 2,
// with finv(f) = (W1/W2 - 1)(f^2 - 1) + (k - 1) and G the gamma CDF. The interval is
// beta_hat -+ t sqrt(1 + tau^2 W2) SE_random. metafor integrates to R's default 1.2e-4 and stops
// uniroot at 1.2e-4; carta integrates adaptively to 1e-12 and solves to 1e-13.
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/tools/roots.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/small_study.hpp"

namespace carta {

HenmiCopas henmi_copas(const Eigen::VectorXd& y, const Eigen::VectorXd& v, double level) {
  const auto n = y.size();
  if (n < 2 || v.size() != n) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("Henmi-Copas interval: {} studies, but it needs at least 2", n));
  }
  if (!((v.array() > 0).all())) {
    throw Error(ErrorCategory::kInvalidOption, "Henmi-Copas interval: every sampling variance must be > 0");
  }
  const double k = static_cast<double>(n);
  const Eigen::ArrayXd w = v.array().inverse();
  const double w1 = w.sum();
  const double w2 = w.square().sum() / w1, w3 = w.cube().sum() / w1, w4 = w.square().square().sum() / w1;
  HenmiCopas hc;
  hc.est = (w * y.array()).sum() / w1;
  const double q = (w * (y.array() - hc.est).square()).sum();
  hc.tau2 = std::max(0.0, (q - (k - 1.0)) / (w1 - w2));
  const double tau2 = hc.tau2;
  hc.se = std::sqrt((tau2 * w2 + 1.0) / w1);
  const double vr = 1.0 + tau2 * w2;
  const double sdr = std::sqrt(vr);
  const double d32 = w3 - w2 * w2;
  auto mean_q = [&](double r) { return (k - 1.0) + tau2 * (w1 - w2) + tau2 * tau2 * (r * r / (vr * vr) - 1.0 / vr) * d32; };
  auto var_q = [&](double r) {
    const double a = r * r / (vr * vr) - 1.0 / vr;
    return 2.0 * (k - 1.0) + 4.0 * tau2 * (w1 - w2) + 2.0 * tau2 * tau2 * (w1 * w2 - 2.0 * w3 + w2 * w2) +
           4.0 * tau2 * tau2 * a * d32 + 4.0 * tau2 * tau2 * tau2 * a * (w4 - 2.0 * w2 * w3 + w2 * w2 * w2) +
           2.0 * std::pow(tau2, 4) * (1.0 / (vr * vr) - 2.0 * r * r / (vr * vr * vr)) * d32 * d32;
  };
  auto finv = [&](double f) { return (w1 / w2 - 1.0) * (f * f - 1.0) + (k - 1.0); };
  const double alpha = 1.0 - level;
  auto equation = [&](double t) {
    auto integrand = [&](double r) {
      const double m = mean_q(sdr * r), s2 = var_q(sdr * r);
      const double shape = m * m / s2, scale = s2 / m;
      const double x = finv(r / t) / scale;
      return dist::gamma_p(shape, std::max(0.0, x)) * std::exp(-0.5 * r * r) / std::sqrt(2.0 * std::numbers::pi);
    };
    const double inf = std::numeric_limits<double>::infinity();
    const double integral = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(integrand, t, inf, 15, 1e-12);
    return integral - alpha / 2.0;
  };
  // The integral falls from 1/2 (t -> 0) to 0: bracket in (0, 2] as metafor, widening if needed.
  double hi = 2.0;
  while (equation(hi) > 0.0 && hi < 64.0) hi *= 2.0;
  hc.report.iterative = true;
  std::uintmax_t iterations = 200;
  auto tolerance = [](double a, double b) { return std::abs(a - b) <= 1e-13 * std::max(1.0, std::abs(a)); };
  const auto [a, b] = boost::math::tools::toms748_solve(equation, 1e-8, hi, tolerance, iterations);
  hc.t = 0.5 * (a + b);
  hc.report.iterations = static_cast<int>(iterations);
  hc.report.last_change = b - a;
  hc.report.converged = iterations < 200 && equation(1e-8) > 0.0 && equation(hi) < 0.0;
  hc.report.message = hc.report.converged ? "root bracketed to tolerance (TOMS 748)"
                                          : "the Henmi-Copas equation could not be solved in (0, 64]";
  const double u = sdr * hc.t;
  hc.ci_lb = hc.est - u * hc.se;
  hc.ci_ub = hc.est + u * hc.se;
  hc.level = level;
  return hc;
}

}  // namespace carta
