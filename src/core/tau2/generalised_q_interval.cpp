// The generalised Q-statistic confidence interval for tau^2 (Biggerstaff & Jackson 2008;
// Jackson 2013), as metafor's confint(type = "GENQ") and R meta's method.tau.ci = "J" (weights
// 1/se) and "BJ" (weights 1/se^2).
//
// With fixed weights a, Q_a = y' P_a y is a quadratic form in normal y with covariance
// V + tau^2 I. Its distribution is that of sum_j lambda_j chi^2_1, the lambda_j the k - p
// non-zero eigenvalues of S P_a S with S = diag(sqrt(v + tau^2)); P(Q_a > q_obs) increases in
// tau^2, and each bound is where it crosses alpha/2 or 1 - alpha/2. metafor evaluates the
// distribution by Farebrother's algorithm (CompQuadForm); carta by Ruben's (1962) series, exact
// for positive weights and summed until the neglected mass is below 1e-15:
//   P(Q <= x) = sum_n c_n P(chi^2_{m + 2n} <= x / b),  0 < b <= min lambda,
//   c_0 = prod (b / lambda_j)^(1/2),  c_n = (1 / 2n) sum_{r=0}^{n-1} g_{n-r} c_r,
//   g_l = sum_j (1 - b / lambda_j)^l.
#include <boost/math/tools/roots.hpp>
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/tau2.hpp"
#include "estimators.hpp"

namespace carta {

namespace detail {

std::optional<double> weighted_chi_square_upper_tail(std::span<const double> lambda, double x) {
  if (lambda.empty()) return x < 0 ? 1.0 : 0.0;
  if (!(x > 0)) return 1.0;
  double b = lambda[0];
  for (const double l : lambda) {
    if (!(l > 0)) return std::nullopt;
    b = std::min(b, l);
  }
  const auto m = static_cast<double>(lambda.size());
  double log_c0 = 0.0;
  for (const double l : lambda) log_c0 += 0.5 * std::log(b / l);
  if (log_c0 < -700.0) return std::nullopt;  // the series would need more terms than is sensible
  constexpr int kMaxTerms = 20000;  // O(n^2) recursion: enough for eigenvalues within ~1:300
  std::vector<double> c{std::exp(log_c0)}, g, ratio;
  for (const double l : lambda) ratio.push_back(1.0 - b / l);
  std::vector<double> power(lambda.size(), 1.0);
  const double z = x / b;
  // P(chi^2_{m + 2n} <= z) by the downward recurrence P_{n} = P_{n-1} - term_{n-1}, with
  // term_n = (z/2)^{m/2 + n} e^{-z/2} / Gamma(m/2 + n + 1), carried as a logarithm so that it
  // neither underflows at the start nor overflows later.
  const double half_z = 0.5 * z;
  double cdf = dist::gamma_p(0.5 * m, half_z);
  double log_term = (0.5 * m) * std::log(half_z) - half_z - std::lgamma(0.5 * m + 1.0);
  double sum = c[0] * cdf, mass = c[0];
  // The coefficients decay like gamma_max^n: stop when the neglected mass, about
  // c_n gamma_max / (1 - gamma_max), is below 1e-16 (1 - mass itself stalls at rounding level).
  double gamma_max = 0.0;
  for (const double r : ratio) gamma_max = std::max(gamma_max, r);
  for (int n = 1; n < kMaxTerms && 1.0 - mass > 1e-15; ++n) {
    double gn = 0.0;
    for (std::size_t j = 0; j < ratio.size(); ++j) {
      power[j] *= ratio[j];
      gn += power[j];
    }
    g.push_back(gn);
    double cn = 0.0;
    for (int r = 0; r < n; ++r) cn += g[static_cast<std::size_t>(n - r - 1)] * c[static_cast<std::size_t>(r)];
    cn /= 2.0 * n;
    c.push_back(cn);
    cdf = std::max(0.0, cdf - std::exp(log_term));
    log_term += std::log(half_z) - std::log(0.5 * m + n);
    sum += cn * cdf;
    mass += cn;
    if (n > 10 && cn * gamma_max / (1.0 - gamma_max) < 1e-16) break;
  }
  if (1.0 - mass > 1e-12) return std::nullopt;
  return std::clamp(1.0 - sum, 0.0, 1.0);
}

}  // namespace detail

Tau2Interval generalised_q_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& design,
                                    const Eigen::VectorXd& weights, double level, const Tau2Control& control) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("generalised_q_interval: level is {}, but must be in (0, 1)", level));
  }
  (void)generalised_q(y, v, design, 0.0);  // validates the model
  const auto k = y.size();
  const auto p = design.cols();
  if (weights.size() != k || !(weights.array() > 0).all()) {
    throw Error(ErrorCategory::kInvalidOption, "generalised_q_interval: one positive weight per study is needed");
  }
  // P_a = A - A X (X'AX)^{-1} X'A, and the observed Q_a.
  const Eigen::MatrixXd a = weights.asDiagonal();
  const Eigen::MatrixXd xtax = design.transpose() * a * design;
  const Eigen::MatrixXd proj = a - a * design * xtax.ldlt().solve(design.transpose() * a);
  const double q_obs = y.dot(proj * y);
  const double alpha = 1.0 - level;
  auto upper_tail = [&](double tau2) {
    const Eigen::VectorXd s = (v.array() + tau2).sqrt();
    const Eigen::MatrixXd m = s.asDiagonal() * proj * s.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m, Eigen::EigenvaluesOnly);
    // The k - p largest eigenvalues; the other p are zero up to rounding.
    std::vector<double> lambda;
    for (Eigen::Index j = k - 1; j >= p; --j) lambda.push_back(eig.eigenvalues()[j]);
    const auto tail = detail::weighted_chi_square_upper_tail(lambda, q_obs);
    if (!tail) {
      throw Error(ErrorCategory::kNumerical,
                  fmt::format("generalised Q interval: the distribution of Q could not be evaluated at tau2 = {:.6g} "
                              "(weights too unequal for Ruben's series)",
                              tau2));
    }
    return *tail;
  };
  Tau2Interval ci;
  const double at_zero = upper_tail(0.0);
  auto bound = [&](double target, double& value, bool& zero, IterationReport& report) {
    report.iterative = true;
    if (at_zero >= target) {
      zero = true;
      value = 0.0;
      report.message = "P(Q > observed) at tau2 = 0 is already above the target: the bound is 0";
      return;
    }
    double hi = control.tau2_upper_start * std::max(1.0, v.mean());
    while (upper_tail(hi) < target && hi < control.tau2_upper_limit) hi *= 2.0;
    if (upper_tail(hi) < target) {
      report.converged = false;
      value = std::numeric_limits<double>::infinity();
      report.message = fmt::format("no bound below tau2 = {:.3g}", control.tau2_upper_limit);
      return;
    }
    std::uintmax_t iterations = static_cast<std::uintmax_t>(control.max_iterations);
    auto tolerance = [](double l, double u) { return std::abs(u - l) <= 1e-13 * std::max(1e-300, std::abs(u)); };
    const auto [l, u] = boost::math::tools::toms748_solve([&](double t) { return upper_tail(t) - target; }, 0.0, hi,
                                                         at_zero - target, upper_tail(hi) - target, tolerance, iterations);
    value = 0.5 * (l + u);
    report.iterations = static_cast<int>(iterations);
    report.last_change = u - l;
    report.converged = static_cast<int>(iterations) < control.max_iterations;
    report.message = report.converged ? "root bracketed to tolerance (TOMS 748)" : "root search did not converge";
  };
  bound(alpha / 2.0, ci.lb, ci.lb_at_zero, ci.lb_report);
  bound(1.0 - alpha / 2.0, ci.ub, ci.ub_at_zero, ci.ub_report);
  return ci;
}

}  // namespace carta
