#include "carta/beta_binomial.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <boost/math/tools/roots.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_01.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/parallel.hpp"
#include "math/numbers.hpp"

namespace carta {

namespace {

using detail::kNaN;
// Studies up to this size use the exact product form of the likelihood; larger ones lgamma.
constexpr double kProductFormLimit = 2000.0;
// Below this theta the lgamma form loses its digits to cancellation; the product form is exact.
constexpr double kThetaLgammaFloor = 1e-8;
constexpr double kRhoMax = 1.0 - 1e-9;
const double kThetaMax = kRhoMax / (1.0 - kRhoMax);
// Below this theta a Newton iterate heading down is taken to be going to the boundary theta = 0.
constexpr double kThetaTiny = 1e-11;

double expit(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

// A product kept as mantissa x 2^exponent, so that the logarithms of thousands of factors cost
// one call to log for a whole evaluation of the likelihood.
struct ScaledProduct {
  double mantissa = 1.0;
  long exponent = 0;

  // `factor` must be within the range of a double times 2^1023 of the mantissa (a product of at
  // most sixteen factors, each in [1e-15, 2e12], is).
  void multiply(double factor) {
    int e = 0;
    mantissa = std::frexp(mantissa * factor, &e);
    exponent += e;
  }
  void multiply(const ScaledProduct& other) {
    multiply(other.mantissa);
    exponent += other.exponent;
  }
  void divide(const ScaledProduct& other) {
    multiply(1.0 / other.mantissa);
    exponent -= other.exponent;
  }
  double log() const { return std::log(mantissa) + static_cast<double>(exponent) * std::numbers::ln2; }
};

// Sums over one run of factors t_j = base + j theta, j < m, of the product form
// B(x + a, n - x + b) / B(a, b) = prod (pi + j theta) prod (1 - pi + j theta) / prod (1 + j theta).
struct RunSums {
  double log = 0.0;                     // sum log t_j, when computed in closed form
  ScaledProduct product;                // prod t_j otherwise
  double s0 = 0.0, s1 = 0.0;            // sum 1/t_j, sum j/t_j
  double t0 = 0.0, t1 = 0.0, t2 = 0.0;  // sum 1/t_j^2, sum j/t_j^2, sum j^2/t_j^2
};

template <bool kDerivatives>
[[gnu::always_inline]] inline RunSums run_sums_body(double base, double theta, int m) {
  RunSums r;
  if (m == 0) return r;
  if (theta == 0.0) {  // closed forms: every factor is `base`
    const double md = m, sj = md * (md - 1.0) / 2.0, sj2 = (md - 1.0) * md * (2.0 * md - 1.0) / 6.0;
    r.log = md * std::log(base);
    if constexpr (kDerivatives) {
      const double inv = 1.0 / base;
      r.s0 = md * inv, r.s1 = sj * inv, r.t0 = md * inv * inv, r.t1 = sj * inv * inv, r.t2 = sj2 * inv * inv;
    }
    return r;
  }
  // Four independent lanes, so that the compiler can keep two factors in each SIMD register and
  // the sums do not wait on each other; the lanes' products are folded into the scaled product
  // every eight factors each.
  constexpr int kLanes = 4;
  double product[kLanes] = {1.0, 1.0, 1.0, 1.0};
  double s0[kLanes] = {}, s1[kLanes] = {}, t0[kLanes] = {}, t1[kLanes] = {}, t2[kLanes] = {};
  int j = 0;
  for (int block = 1; j + kLanes <= m; j += kLanes, ++block) {
    for (int l = 0; l < kLanes; ++l) {
      const double jd = j + l, t = base + jd * theta;
      product[l] *= t;
      if constexpr (kDerivatives) {
        const double inv = 1.0 / t, j_inv = jd * inv;
        s0[l] += inv;
        s1[l] += j_inv;
        t0[l] += inv * inv;
        t1[l] += inv * j_inv;
        t2[l] += j_inv * j_inv;
      }
    }
    if (block % 8 == 0) {
      r.product.multiply(product[0] * product[1]);
      r.product.multiply(product[2] * product[3]);
      for (double& p : product) p = 1.0;
    }
  }
  r.product.multiply(product[0] * product[1]);
  r.product.multiply(product[2] * product[3]);
  if constexpr (kDerivatives) {
    for (int l = 0; l < kLanes; ++l) r.s0 += s0[l], r.s1 += s1[l], r.t0 += t0[l], r.t1 += t1[l], r.t2 += t2[l];
  }
  double product_tail = 1.0;
  for (; j < m; ++j) {
    const double t = base + j * theta;
    product_tail *= t;
    if constexpr (kDerivatives) {
      const double inv = 1.0 / t, j_inv = j * inv;
      r.s0 += inv;
      r.s1 += j_inv;
      r.t0 += inv * inv;
      r.t1 += inv * j_inv;
      r.t2 += j_inv * j_inv;
    }
  }
  r.product.multiply(product_tail);
  return r;
}

// On x86-64, compiled twice, for AVX2 and for any x86-64, and chosen when the program loads: with
// AVX2 each register holds the four lanes. The lanes' order of summation is the same in both, and
// neither contracts to FMA, so the results are identical on every machine.
#if defined(__x86_64__)
#define CARTA_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CARTA_AVX2_CLONES
#endif
CARTA_AVX2_CLONES RunSums run_sums_with_derivatives(double base, double theta, int m) {
  return run_sums_body<true>(base, theta, m);
}
CARTA_AVX2_CLONES RunSums run_sums_value(double base, double theta, int m) {
  return run_sums_body<false>(base, theta, m);
}

template <bool kDerivatives>
RunSums run_sums(double base, double theta, int m) {
  if constexpr (kDerivatives) {
    return run_sums_with_derivatives(base, theta, m);
  } else {
    return run_sums_value(base, theta, m);
  }
}

struct Cell {
  int x, n;
  double log_choose;
};

// The log-likelihood and its derivatives in (pi, theta).
struct Derivatives {
  double value = 0.0;
  double d_pi = 0.0, d_theta = 0.0;
  double d_pi_pi = 0.0, d_pi_theta = 0.0, d_theta_theta = 0.0;
};

// The profile over theta at one pi: the maximising theta and what the profile needs there.
struct ThetaProfile {
  double theta = 0.0;
  double value = 0.0;      // l(pi, theta-hat(pi))
  double d_pi = 0.0;       // derivative of the profile in pi (envelope theorem)
  double d_pi_pi = 0.0;    // its second derivative
  bool at_upper = false;   // theta-hat at its upper limit (rho near 1)
  bool converged = true;
};

struct Maximum {
  double pi = 0.0, theta = 0.0, value = 0.0;
  Derivatives at;          // derivatives at the maximum
  bool converged = true;
  bool theta_at_upper = false;
  int iterations = 0;
};

class Likelihood {
 public:
  explicit Likelihood(std::span<const ProportionStudy> studies) {
    cells_.reserve(studies.size());
    for (const auto& s : studies) add(static_cast<int>(s.events), static_cast<int>(s.n));
  }
  Likelihood() = default;

  void add(int x, int n) {
    const double xd = x, nd = n;
    cells_.push_back({x, n, std::lgamma(nd + 1.0) - std::lgamma(xd + 1.0) - std::lgamma(nd - xd + 1.0)});
    magnitude_ += std::lgamma(nd + 1.0) + nd + 1.0;
  }

  // The rounding error of a value of the log-likelihood: it is a sum of terms as large as
  // lgamma(n + 1) (a few hundred for 60 patients, 1.3e7 for a million) that cancel to a small
  // value, so its error scales with those terms, not with the value. Likelihood differences below
  // this are noise: a step that gains less has converged.
  double rounding() const { return 1e-14 * magnitude_; }

  double value(double pi, double theta) const { return evaluate<false>(pi, theta).value; }
  Derivatives derivatives(double pi, double theta) const { return evaluate<true>(pi, theta); }

  // The supremum of the likelihood when every study has 0 events (pi -> 0) or every study all
  // events (pi -> 1): the product of the binomial coefficients, whatever theta.
  double boundary_supremum() const {
    double total = 0.0;
    for (const auto& c : cells_) total += c.log_choose;
    return total;
  }

  // The binomial model's estimate, the maximum at theta = 0.
  double pooled() const {
    double x = 0.0, n = 0.0;
    for (const auto& c : cells_) x += c.x, n += c.n;
    return x / n;
  }

  ThetaProfile maximise_theta(double pi, double theta_start) const;
  // The maximum over (pi, theta): Newton on both at once, which needs fewer evaluations than the
  // nested search (the calibration study ran 8% faster with it); the nested search takes over at the boundary theta = 0, at the upper
  // limit and wherever the Hessian is not negative definite.
  Maximum maximise(double pi_start, double theta_start) const;
  Maximum maximise_nested(double pi_start, double theta_start) const;

 private:
  template <bool kDerivatives>
  Derivatives evaluate(double pi, double theta) const {
    Derivatives d;
    ScaledProduct ratio;  // of the product forms of all studies
    for (const auto& c : cells_) {
      d.value += c.log_choose;
      if (c.n <= kProductFormLimit || theta < kThetaLgammaFloor) {
        const RunSums a = run_sums<kDerivatives>(pi, theta, c.x);
        const RunSums b = run_sums<kDerivatives>(1.0 - pi, theta, c.n - c.x);
        const RunSums s = run_sums<kDerivatives>(1.0, theta, c.n);
        d.value += a.log + b.log - s.log;
        ratio.multiply(a.product);
        ratio.multiply(b.product);
        ratio.divide(s.product);
        if constexpr (kDerivatives) {
          d.d_pi += a.s0 - b.s0;
          d.d_theta += a.s1 + b.s1 - s.s1;
          d.d_pi_pi -= a.t0 + b.t0;
          d.d_pi_theta += b.t1 - a.t1;
          d.d_theta_theta += s.t2 - a.t2 - b.t2;
        }
      } else {
        // sum_{j<x} log(pi + j theta) = x log theta + lgamma(x + a) - lgamma(a) with a = pi / theta;
        // the powers of theta cancel between the three runs.
        const double x = c.x, n = c.n, a = pi / theta, b = (1.0 - pi) / theta, s = 1.0 / theta;
        d.value += std::lgamma(x + a) - std::lgamma(a) + std::lgamma(n - x + b) - std::lgamma(b) - std::lgamma(n + s) +
                   std::lgamma(s);
        if constexpr (kDerivatives) {
          using boost::math::digamma;
          using boost::math::trigamma;
          const double A = digamma(x + a) - digamma(a), B = digamma(n - x + b) - digamma(b), C = digamma(n + s) - digamma(s);
          const double A1 = trigamma(x + a) - trigamma(a), B1 = trigamma(n - x + b) - trigamma(b),
                       C1 = trigamma(n + s) - trigamma(s);
          const double t2 = theta * theta;
          const double G = a * A + b * B - s * C;
          d.d_pi += (A - B) / theta;
          d.d_theta -= G / theta;
          d.d_pi_pi += (A1 + B1) / t2;
          d.d_pi_theta -= (A - B + a * A1 - b * B1) / t2;
          d.d_theta_theta += (G + a * (A + a * A1) + b * (B + b * B1) - s * (C + s * C1)) / t2;
        }
      }
    }
    d.value += ratio.log();
    return d;
  }

  std::vector<Cell> cells_;
  double magnitude_ = 0.0;
};

// Newton in u = log theta, each step checked to increase the likelihood (halved until it does),
// with the boundary theta = 0 compared explicitly: the profile's maximum is often there.
ThetaProfile Likelihood::maximise_theta(double pi, double theta_start) const {
  ThetaProfile p;
  const Derivatives zero = derivatives(pi, 0.0);
  auto boundary = [&] {
    ThetaProfile b = p;
    b.theta = 0.0, b.value = zero.value, b.d_pi = zero.d_pi, b.d_pi_pi = zero.d_pi_pi;
    return b;
  };
  double u = std::log(std::clamp(theta_start > 0.0 ? theta_start : 0.05, 1e-6, kThetaMax));
  const double u_max = std::log(kThetaMax);
  Derivatives d = derivatives(pi, std::exp(u));
  // theta = 0 is a local maximum (the slope there is not positive) and the slope at the start
  // points down as well: the maximum is at the boundary.
  if (zero.d_theta <= 0.0 && d.d_theta <= 0.0) return boundary();
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double theta = std::exp(u);
    const double g = theta * d.d_theta;
    const double h = theta * theta * d.d_theta_theta + g;
    double step = h < 0.0 ? -g / h : (g > 0.0 ? 1.0 : -1.0);
    step = std::clamp(step, -3.0, 3.0);
    if (std::abs(step) < 1e-10 || std::abs(g * step) < rounding() || (u >= u_max && g >= 0.0)) {
      p.theta = theta, p.value = d.value, p.d_pi = d.d_pi;
      p.d_pi_pi = d.d_pi_pi - (d.d_theta_theta < 0.0 ? d.d_pi_theta * d.d_pi_theta / d.d_theta_theta : 0.0);
      p.at_upper = u >= u_max;
      if (p.at_upper) p.d_pi_pi = d.d_pi_pi;
      return p.value >= zero.value ? p : boundary();
    }
    // Halve the step until the likelihood does not decrease.
    for (int halving = 0;; ++halving) {
      const double u_next = std::min(u + step, u_max);
      const Derivatives next = derivatives(pi, std::exp(u_next));
      if (next.value >= d.value - rounding() || halving == 40) {
        u = u_next;
        d = next;
        break;
      }
      step /= 2.0;
    }
    if (std::exp(u) < kThetaTiny && d.d_theta <= 0.0) return boundary();
  }
  p.converged = false;
  p.theta = std::exp(u), p.value = d.value, p.d_pi = d.d_pi, p.d_pi_pi = d.d_pi_pi;
  return p;
}

Maximum Likelihood::maximise(double pi_start, double theta_start) const {
  double eta = logit(std::clamp(pi_start, 1e-10, 1.0 - 1e-10));
  double u = std::log(std::clamp(theta_start > 0.0 ? theta_start : 0.05, 1e-6, kThetaMax));
  const double u_max = std::log(kThetaMax);
  Derivatives d = derivatives(expit(eta), std::exp(u));
  for (int iteration = 0; iteration < 100; ++iteration) {
    const double pi = expit(eta), theta = std::exp(u), w = pi * (1.0 - pi);
    const double g_eta = w * d.d_pi, g_u = theta * d.d_theta;
    const double h_ee = w * w * d.d_pi_pi + w * (1.0 - 2.0 * pi) * d.d_pi;
    const double h_eu = w * theta * d.d_pi_theta;
    const double h_uu = theta * theta * d.d_theta_theta + g_u;
    const double det = h_ee * h_uu - h_eu * h_eu;
    if (!(h_ee < 0.0 && det > 0.0)) break;  // not concave here
    double step_eta = -(h_uu * g_eta - h_eu * g_u) / det, step_u = -(h_ee * g_u - h_eu * g_eta) / det;
    const double longest = std::max(std::abs(step_eta), std::abs(step_u));
    if (longest < 1e-10 || std::abs(g_eta * step_eta + g_u * step_u) < rounding()) {
      Maximum m;
      m.pi = pi, m.theta = theta, m.value = d.value, m.at = d, m.iterations = iteration + 1;
      // The boundary theta = 0 can still be higher when the maximum found is a local one.
      if (value(pooled(), 0.0) <= m.value) return m;
      break;
    }
    if (longest > 3.0) step_eta *= 3.0 / longest, step_u *= 3.0 / longest;
    bool improved = false;
    for (int halving = 0; halving < 40; ++halving) {
      const Derivatives next = derivatives(expit(eta + step_eta), std::exp(u + step_u));
      if (next.value >= d.value - rounding()) {
        eta += step_eta, u += step_u, d = next, improved = true;
        break;
      }
      step_eta /= 2.0, step_u /= 2.0;
    }
    // Heading for theta = 0 or for the upper limit: the nested search handles the boundaries.
    if (!improved || u < std::log(kThetaTiny) || u > u_max) break;
  }
  return maximise_nested(expit(eta), std::clamp(std::exp(u), 1e-6, kThetaMax));
}

// Newton on the profile l_p(pi) = max_theta l(pi, theta) in eta = logit(pi), with its exact
// first and second derivatives (envelope theorem), each step checked to increase the profile.
Maximum Likelihood::maximise_nested(double pi_start, double theta_start) const {
  Maximum m;
  double eta = logit(std::clamp(pi_start, 1e-10, 1.0 - 1e-10));
  ThetaProfile p = maximise_theta(expit(eta), theta_start);
  for (int iteration = 0; iteration < 200; ++iteration) {
    m.iterations = iteration + 1;
    const double pi = expit(eta), w = pi * (1.0 - pi);
    const double g = w * p.d_pi;
    const double h = w * w * p.d_pi_pi + w * (1.0 - 2.0 * pi) * p.d_pi;
    double step = h < 0.0 ? -g / h : (g > 0.0 ? 1.0 : -1.0);
    step = std::clamp(step, -3.0, 3.0);
    if (std::abs(step) < 1e-10 || std::abs(g * step) < rounding()) {
      m.pi = pi, m.theta = p.theta, m.value = p.value, m.theta_at_upper = p.at_upper;
      m.converged = p.converged;
      m.at = derivatives(pi, p.theta);
      return m;
    }
    for (int halving = 0;; ++halving) {
      ThetaProfile next = maximise_theta(expit(eta + step), p.theta);
      if (next.value >= p.value - rounding() || halving == 40) {
        eta += step;
        p = next;
        break;
      }
      step /= 2.0;
    }
  }
  m.converged = false;
  m.pi = expit(eta), m.theta = p.theta, m.value = p.value;
  m.at = derivatives(m.pi, m.theta);
  return m;
}

// A starting theta from the moments of the study proportions: Var(x_i / n_i) =
// pi (1 - pi) (1 + (n_i - 1) rho) / n_i.
double moment_theta(std::span<const ProportionStudy> studies, double pooled) {
  if (studies.size() < 2 || pooled <= 0.0 || pooled >= 1.0) return 0.05;
  double ss = 0.0, n_total = 0.0;
  for (const auto& s : studies) {
    const double n = static_cast<double>(s.n), p = static_cast<double>(s.events) / n;
    ss += n * (p - pooled) * (p - pooled);
    n_total += n;
  }
  const double n_bar = n_total / static_cast<double>(studies.size());
  const double ratio = ss / (static_cast<double>(studies.size()) - 1.0) / (pooled * (1.0 - pooled));
  const double rho = std::clamp((ratio - 1.0) / std::max(1.0, n_bar - 1.0), 1e-3, 0.9);
  return rho / (1.0 - rho);
}

}  // namespace

double beta_binomial_log_likelihood(std::span<const ProportionStudy> studies, double pi, double theta) {
  return Likelihood(studies).value(pi, theta);
}

namespace {

// The pi where the profile l_p(pi) crosses `target`, between eta_inside (the maximum, above the
// target) and eta_outside (below it), on the logit scale: Newton with the profile's exact slope,
// bisecting whenever a step would leave the bracket.
double profile_bound(const Likelihood& ll, double target, double eta_inside, double eta_outside, double eta_start,
                     double theta_start) {
  double above = eta_inside, below = eta_outside;
  double eta = (eta_start - below) * (eta_start - above) < 0.0 ? eta_start : 0.5 * (above + below);
  double theta = theta_start;
  for (int iteration = 0; iteration < 200; ++iteration) {
    const ThetaProfile p = ll.maximise_theta(expit(eta), theta);
    theta = p.theta;
    const double f = p.value - target;
    (f > 0.0 ? above : below) = eta;
    const double pi = expit(eta);
    const double slope = pi * (1.0 - pi) * p.d_pi;
    double next = eta - f / slope;
    if (!std::isfinite(next) || (next - below) * (next - above) >= 0.0) next = 0.5 * (above + below);
    if (std::abs(next - eta) < 1e-12 * std::max(1.0, std::abs(eta)) || std::abs(above - below) < 1e-13) return expit(next);
    eta = next;
  }
  return expit(eta);
}

// At fixed theta the log-likelihood is concave in pi: safeguarded Newton on its derivative.
double best_pi(const Likelihood& ll, double theta, double guess) {
  std::uintmax_t iterations = 200;
  return boost::math::tools::newton_raphson_iterate(
      [&](double p) {
        const Derivatives d = ll.derivatives(p, theta);
        return std::make_pair(d.d_pi, d.d_pi_pi);
      },
      std::clamp(guess, 1e-12, 1.0 - 1e-12), 1e-15, 1.0 - 1e-15, 45, iterations);
}

struct PiInterval {
  double lb = 0.0, ub = 1.0;
};

// {pi : 2 (l_max - l_p(pi)) <= cutoff}.
PiInterval profile_pi_interval(const Likelihood& ll, const Maximum& m, double cutoff, double wald_se) {
  const double target = m.value - 0.5 * cutoff;
  const double eta_hat = logit(m.pi);
  const double half = std::sqrt(cutoff) * wald_se;
  PiInterval out;
  constexpr double kEdge = 1e-12;
  const double eta_low = logit(kEdge), eta_high = logit(1.0 - kEdge);
  if (ll.maximise_theta(kEdge, m.theta).value >= target) {
    out.lb = 0.0;
  } else {
    out.lb = profile_bound(ll, target, eta_hat, eta_low, eta_hat - half, m.theta);
  }
  if (ll.maximise_theta(1.0 - kEdge, m.theta).value >= target) {
    out.ub = 1.0;
  } else {
    out.ub = profile_bound(ll, target, eta_hat, eta_high, eta_hat + half, m.theta);
  }
  return out;
}

double chi2_quantile(double level) {
  return dist::chi2_quantile(level, 1.0);
}

struct BootstrapMean {
  double mean = 0.0, sd = 0.0;
  int not_converged = 0;
};

// The mean of the likelihood-ratio statistic for the mean, W = 2 (l_max - l_p(pi)), over
// parametric-bootstrap data sets drawn from the model at (pi, theta) with the studies' sizes. The
// data sets are drawn in order from one seeded generator, then fitted in parallel, so the result
// does not depend on the number of threads.
BootstrapMean bootstrap_statistic(std::span<const ProportionStudy> studies, double pi, double theta, int replicates_wanted,
                                  std::uint64_t seed, unsigned threads) {
  const std::size_t k = studies.size();
  const auto replicates = static_cast<std::size_t>(replicates_wanted);
  std::vector<int> events(replicates * k);
  boost::random::mt19937_64 rng(seed);
  const double a = theta > 0.0 ? pi / theta : 1.0, b = theta > 0.0 ? (1.0 - pi) / theta : 1.0;
  boost::random::gamma_distribution<double> gamma_a(a), gamma_b(b);
  boost::random::uniform_01<double> uniform;
  for (std::size_t r = 0; r < replicates; ++r) {
    for (std::size_t i = 0; i < k; ++i) {
      double p = pi;
      if (theta > 0.0) {
        const double ga = gamma_a(rng), gb = gamma_b(rng);
        // Both gamma variates underflow to 0 only for tiny shapes (rho near 1), where p_i is
        // a Bernoulli(pi) draw.
        p = ga + gb > 0.0 ? ga / (ga + gb) : (uniform(rng) < pi ? 1.0 : 0.0);
      }
      boost::random::binomial_distribution<int> binomial(static_cast<int>(studies[i].n), p);
      events[r * k + i] = binomial(rng);
    }
  }
  std::vector<double> statistic(replicates);
  std::vector<char> converged(replicates, 1);
  parallel_for(replicates, threads, [&](std::size_t r) {
    Likelihood ll;
    int total_x = 0, total_n = 0;
    for (std::size_t i = 0; i < k; ++i) {
      ll.add(events[r * k + i], static_cast<int>(studies[i].n));
      total_x += events[r * k + i];
      total_n += static_cast<int>(studies[i].n);
    }
    double l_max = 0.0, theta_start = theta;
    if (total_x == 0 || total_x == total_n) {
      l_max = ll.boundary_supremum();  // the mean is estimated at 0 or 1
    } else {
      const Maximum fit = ll.maximise(pi, theta);
      l_max = fit.value;
      theta_start = fit.theta;
      converged[r] = fit.converged;
    }
    const ThetaProfile at_truth = ll.maximise_theta(pi, theta_start);
    converged[r] = converged[r] && at_truth.converged;
    statistic[r] = std::max(0.0, 2.0 * (l_max - at_truth.value));
  });
  BootstrapMean out;
  out.mean = std::accumulate(statistic.begin(), statistic.end(), 0.0) / static_cast<double>(replicates);
  double ss = 0.0;
  for (const double w : statistic) ss += (w - out.mean) * (w - out.mean);
  out.sd = std::sqrt(ss / static_cast<double>(replicates - 1));
  out.not_converged = static_cast<int>(std::count(converged.begin(), converged.end(), 0));
  return out;
}

// The profile-likelihood interval for rho at `level`.
struct RhoInterval {
  double lb = 0.0, ub = 1.0;
  bool unbounded = false;
};

RhoInterval rho_interval(const Likelihood& ll, const Maximum& m, double level) {
  const double target = m.value - 0.5 * chi2_quantile(level);
  const double rho_hat = m.theta / (1.0 + m.theta);
  auto tolerance = [](double a, double b) { return std::abs(b - a) <= 1e-10 * std::max(1e-6, std::abs(a)); };
  double guess = m.pi;
  auto profile_rho = [&](double r) {
    const double theta = r / (1.0 - r);
    guess = best_pi(ll, theta, guess);
    return ll.value(guess, theta) - target;
  };
  RhoInterval out;
  std::uintmax_t it = 200;
  if (profile_rho(0.0) >= 0.0) {
    out.lb = 0.0;
  } else {
    const auto r = boost::math::tools::toms748_solve(profile_rho, 0.0, rho_hat, tolerance, it);
    out.lb = 0.5 * (r.first + r.second);
  }
  it = 200;
  guess = m.pi;
  if (profile_rho(kRhoMax) >= 0.0) {
    out.ub = 1.0;
    out.unbounded = true;
  } else {
    const auto r = boost::math::tools::toms748_solve(profile_rho, std::max(rho_hat, 1e-12), kRhoMax, tolerance, it);
    out.ub = 0.5 * (r.first + r.second);
  }
  return out;
}

// The calibrated cut-off (Berger & Boos 1994 with a Bartlett-corrected statistic): the mean of W
// depends on the overdispersion and is lowest at rho = 0, where the plug-in estimate often lies
// with few studies. So the largest mean over a grid in the (1 - gamma) profile interval for rho is
// taken, and the level raised by gamma to pay for that interval. The factor is floored at 1.
void calibrate(std::span<const ProportionStudy> studies, const Likelihood& ll, const Maximum& m,
               const BetaBinomialOptions& options, BetaBinomialCalibration& out) {
  constexpr double kGamma = 0.005;
  constexpr double kRhoGridMax = 0.95;  // beyond, the studies are Bernoulli-like and W's mean falls
  const RhoInterval set = rho_interval(ll, m, 1.0 - kGamma);
  std::vector<double> grid;
  const double rho_hat = m.theta / (1.0 + m.theta);
  if (rho_hat > 0.0) grid.push_back(rho_hat);
  const double upper = std::min(set.ub, kRhoGridMax);
  if (upper > 0.0) {
    const double lower = std::max(set.lb, upper / 30.0);
    for (const double t : {0.0, 0.5, 1.0}) grid.push_back(lower * std::pow(upper / lower, t));
  }
  if (grid.empty()) grid.push_back(0.0);
  out.replicates = options.bootstrap_replicates;
  out.seed = options.seed;
  out.gamma = kGamma;
  out.rho_set_lb = set.lb;
  out.rho_set_ub = set.ub;
  out.bartlett_factor = -1.0;
  out.not_converged = 0;
  out.rho_grid.clear();
  out.factors.clear();
  for (const double rho : grid) {
    // The same seed at every grid point: common random numbers make the means comparable.
    const BootstrapMean b = bootstrap_statistic(studies, m.pi, rho / (1.0 - rho), options.bootstrap_replicates, options.seed,
                                                options.threads);
    out.rho_grid.push_back(rho);
    out.factors.push_back(b.mean);
    out.not_converged += b.not_converged;
    if (b.mean > out.bartlett_factor) {
      out.bartlett_factor = b.mean;
      out.rho_at_max = rho;
      out.cutoff_mc_se = b.sd / std::sqrt(static_cast<double>(options.bootstrap_replicates));
    }
  }
  const double chi2 = chi2_quantile(std::min(options.level + kGamma, 1.0 - 1e-12));
  // With sparse counts W is discrete and its mean can fall below 1, but the mean is then a poor
  // guide to its upper tail: the calibration only ever widens the profile interval.
  out.cutoff = chi2 * std::max(1.0, out.bartlett_factor);
  out.cutoff_mc_se *= chi2;
}

}  // namespace

BetaBinomialFit fit_beta_binomial(std::span<const ProportionStudy> studies, const BetaBinomialOptions& options) {
  if (studies.empty()) throw Error(ErrorCategory::kInvalidInput, "fit_beta_binomial: no studies (k = 0)");
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("fit_beta_binomial: level is {}", options.level));
  }
  if (options.bootstrap_replicates != 0 && options.bootstrap_replicates < kMinBootstrapReplicates) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("the bootstrap calibration needs at least {} replicates (got {}); 1000 is the default",
                            kMinBootstrapReplicates, options.bootstrap_replicates));
  }
  require_valid_counts(studies, "fit_beta_binomial");
  double total_x = 0.0, total_n = 0.0;
  for (const auto& s : studies) {
    total_x += static_cast<double>(s.events);
    total_n += static_cast<double>(s.n);
  }
  if (total_x == 0.0 || total_x == total_n) {
    throw Error(ErrorCategory::kNumerical,
                fmt::format("the beta-binomial mean has no finite-logit estimate when every study has {} events "
                            "(its estimate is {}); report the exact binomial interval of the pooled count instead",
                            total_x == 0.0 ? "0" : "all", total_x == 0.0 ? "0%" : "100%"));
  }
  const Likelihood ll(studies);
  BetaBinomialFit fit;
  fit.k = studies.size();
  fit.report.iterative = true;
  const double p_pooled = total_x / total_n;
  fit.loglik_binomial = ll.value(p_pooled, 0.0);

  const Maximum m = ll.maximise(p_pooled, moment_theta(studies, p_pooled));
  fit.report.iterations = m.iterations;
  fit.report.converged = m.converged;
  fit.report.message = m.converged ? fmt::format("profile likelihood maximised by Newton's method in {} iterations{}",
                                                 m.iterations, m.theta == 0.0 ? " (maximum at rho = 0: no overdispersion)" : "")
                                   : "Newton's method on the profile likelihood did not converge";
  if (m.theta_at_upper || m.theta / (1.0 + m.theta) > 0.999) {
    fit.notes.push_back("the overdispersion estimate is at its upper limit (rho near 1): the studies behave like "
                        "single Bernoulli trials, and the mean is weakly identified");
  }
  fit.pi = m.pi;
  fit.theta = m.theta;
  fit.rho = m.theta / (1.0 + m.theta);
  fit.loglik = m.value;
  fit.lrt_overdispersion = std::max(0.0, 2.0 * (fit.loglik - fit.loglik_binomial));
  fit.lrt_p = 0.5 * dist::chi2_upper(fit.lrt_overdispersion, 1.0);
  if (fit.lrt_overdispersion == 0.0) fit.lrt_p = 1.0;

  // Wald interval on the logit from the observed information in (logit pi, theta); at the
  // maximum the logit's variance does not depend on how the overdispersion is parametrised.
  const double z = dist::normal_quantile(1.0 - (1.0 - options.level) / 2.0);
  fit.logit_pi = logit(m.pi);
  {
    const double w = m.pi * (1.0 - m.pi);
    const Derivatives& d = m.at;
    const bool interior = m.theta > 0.0 && !m.theta_at_upper && d.d_theta_theta < 0.0;
    const double curvature = d.d_pi_pi - (interior ? d.d_pi_theta * d.d_pi_theta / d.d_theta_theta : 0.0);
    fit.logit_pi_se = 1.0 / std::sqrt(-w * w * curvature);
    fit.pi_wald_lb = expit(fit.logit_pi - z * fit.logit_pi_se);
    fit.pi_wald_ub = expit(fit.logit_pi + z * fit.logit_pi_se);
  }

  // Profile-likelihood intervals: 2 (l_max - l_p) = chi^2_1(level).
  const double chi2 = chi2_quantile(options.level);
  const PiInterval profile = profile_pi_interval(ll, m, chi2, fit.logit_pi_se);
  fit.pi_ci_lb = profile.lb;
  fit.pi_ci_ub = profile.ub;
  if (options.bootstrap_replicates > 0) {
    calibrate(studies, ll, m, options, fit.calibration);
    const PiInterval calibrated = profile_pi_interval(ll, m, fit.calibration.cutoff, fit.logit_pi_se);
    fit.calibration.pi_lb = calibrated.lb;
    fit.calibration.pi_ub = calibrated.ub;
    if (fit.calibration.not_converged > 0) {
      fit.notes.push_back(fmt::format("{} of {} bootstrap replicates did not converge; their statistics are included",
                                      fit.calibration.not_converged, fit.calibration.replicates));
    }
  }
  {
    const RhoInterval rho = rho_interval(ll, m, options.level);
    fit.rho_ci_lb = rho.lb;
    fit.rho_ci_ub = rho.ub;
    if (rho.unbounded) fit.notes.push_back("the profile-likelihood interval for the overdispersion has no finite upper bound");
    fit.theta_ci_lb = fit.rho_ci_lb / (1.0 - fit.rho_ci_lb);
    fit.theta_ci_ub = rho.unbounded ? std::numeric_limits<double>::infinity() : fit.rho_ci_ub / (1.0 - fit.rho_ci_ub);
  }
  if (studies.size() == 1) {
    fit.notes.push_back("k = 1: the overdispersion is not identifiable from one study");
  }
  return fit;
}

PoolResult pool_proportions_bb(std::span<const ProportionStudy> studies, const PoolOptions& options,
                               BetaBinomialFit* details, BetaBinomialOptions model) {
  if (options.measure != Measure::kPLO) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--method BB reports the mean proportion on the logit scale: use --measure PLO, not {}",
                            to_string(options.measure)));
  }
  if (options.test != TestType::kZ) {
    throw Error(ErrorCategory::kInvalidOption,
                "--method BB uses profile-likelihood intervals; --test knha and --test t do not apply (use z)");
  }
  model.level = options.level;
  const BetaBinomialFit f = fit_beta_binomial(studies, model);
  if (details) *details = f;
  PoolResult r = pool_proportions(studies, options);
  r.model = "BB";
  auto logit = [](double p) { return std::log(p / (1.0 - p)); };
  const double alpha_level = 1.0 - options.level;
  const double z = dist::normal_quantile(1.0 - alpha_level / 2.0);

  double total_x = 0.0, total_n = 0.0;
  for (const auto& s : studies) {
    total_x += static_cast<double>(s.events);
    total_n += static_cast<double>(s.n);
  }
  const double p_hat = total_x / total_n;
  auto& ce = r.common;
  ce.est = logit(p_hat);
  ce.se = 1.0 / std::sqrt(total_n * p_hat * (1.0 - p_hat));
  ce.ci_lb = ce.est - z * ce.se;
  ce.ci_ub = ce.est + z * ce.se;
  ce.z = ce.est / ce.se;
  ce.p = 2.0 * dist::normal_upper(std::abs(ce.z));
  ce.prop = p_hat;
  ce.prop_ci_lb = 1.0 / (1.0 + std::exp(-ce.ci_lb));
  ce.prop_ci_ub = 1.0 / (1.0 + std::exp(-ce.ci_ub));

  auto& re = r.random;
  re.est = f.logit_pi;
  re.se = f.logit_pi_se;
  re.ci_lb = f.pi_ci_lb > 0.0 ? logit(f.pi_ci_lb) : -std::numeric_limits<double>::infinity();
  re.ci_ub = f.pi_ci_ub < 1.0 ? logit(f.pi_ci_ub) : std::numeric_limits<double>::infinity();
  re.stat = re.est / re.se;
  re.p = 2.0 * dist::normal_upper(std::abs(re.stat));
  re.df = re.knha_scale = re.pi_df = kNaN;
  re.prop = f.pi;
  re.prop_ci_lb = f.pi_ci_lb;
  re.prop_ci_ub = f.pi_ci_ub;
  if (f.theta > 0.0) {
    const double a = f.pi / f.theta, b = (1.0 - f.pi) / f.theta;
    re.prop_pi_lb = dist::beta_quantile(alpha_level / 2.0, a, b);
    re.prop_pi_ub = dist::beta_quantile(1.0 - alpha_level / 2.0, a, b);
  } else {
    re.prop_pi_lb = re.prop_pi_ub = f.pi;  // no overdispersion: every study has the same true proportion
  }
  re.pi_lb = logit(re.prop_pi_lb);
  re.pi_ub = logit(re.prop_pi_ub);

  auto& h = r.heterogeneity;
  h.tau2 = h.tau2_se = h.tau2_ci_lb = h.tau2_ci_ub = h.tau = h.tau_ci_lb = h.tau_ci_ub = kNaN;
  h.I2 = h.I2_ci_lb = h.I2_ci_ub = h.H2 = h.H2_ci_lb = h.H2_ci_ub = kNaN;
  h.Q = f.lrt_overdispersion;
  h.Q_df = 1.0;
  h.Q_p = f.lrt_p;
  for (auto& st : r.studies) st.weight_common = st.weight_random = kNaN;
  r.convergence.tau2 = f.report;
  r.convergence.tau2_ci_lb = r.convergence.tau2_ci_ub = IterationReport{};
  std::vector<std::string> notes;
  notes.push_back(fmt::format("beta-binomial model (ML): mean proportion with a profile-likelihood interval (the Wald "
                              "interval on the logit is in beta_binomial); overdispersion rho = {:.4g}; the prediction "
                              "interval is the central {:.0f}% of the fitted Beta distribution of study proportions; "
                              "tau2 and I2 do not exist in this model; Q is the likelihood-ratio test of overdispersion "
                              "(boundary-corrected, 1 df)",
                              f.rho, 100.0 * options.level));
  for (const auto& n : r.notes) {
    if (n.find("added to events and non-events") == std::string::npos && n.find("Hartung-Knapp") == std::string::npos) {
      notes.push_back(n);
    }
  }
  notes.insert(notes.end(), f.notes.begin(), f.notes.end());
  notes.push_back("study weights are not defined for this model (null)");
  r.notes = std::move(notes);
  return r;
}

}  // namespace carta
