#include "carta/glmm.hpp"

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/tools/minima.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <Eigen/Dense>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/measure.hpp"
#include "carta/tau2.hpp"
#include "math/gauss_hermite.hpp"
#include "math/numbers.hpp"
#include "math/vector_math.hpp"
#include "pool_rows.hpp"
#include "math/jet2.hpp"

namespace carta {

namespace {

using detail::kNaN;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

using detail::logistic;
using detail::softplus;

struct Cell {
  double x, n, log_choose;
};

struct Derivatives {
  double value = 0.0;
  Eigen::Vector2d gradient = Eigen::Vector2d::Zero();
  Eigen::Matrix2d hessian = Eigen::Matrix2d::Zero();
};

// The marginal likelihood of the binomial-normal model under adaptive Gauss-Hermite quadrature,
// with each study's conditional mode kept between calls as the next starting point.
class Likelihood {
 public:
  Likelihood(std::span<const ProportionStudy> studies, int nagq)
      : rule_(detail::gauss_hermite(nagq)),
        modes_(studies.size(), 0.0),
        eta_(rule_.nodes.size()),
        tail_(rule_.nodes.size()),
        log_term_(rule_.nodes.size()),
        exponent_(rule_.nodes.size()),
        integrand_(rule_.nodes.size()) {
    for (const auto& s : studies) {
      const auto x = static_cast<double>(s.events);
      const auto n = static_cast<double>(s.n);
      cells_.push_back({x, n, std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0)});
    }
  }

  // Log-likelihood at (mu, tau); tau enters as tau^2, so the function is even in tau.
  double operator()(double mu, double tau) {
    tau = std::abs(tau);
    double total = 0.0;
    if (tau < 1e-8) {
      for (const auto& c : cells_) total += c.log_choose + c.x * mu - c.n * softplus(mu);
      return total;
    }
    const double inv_tau2 = 1.0 / (tau * tau);
    const std::size_t nodes = rule_.nodes.size();
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const auto& c = cells_[i];
      const double b = find_mode(i, mu, inv_tau2);
      const AtMode at = at_mode(mu + b);
      const double fb = c.x * (mu + b) - c.n * at.softplus - 0.5 * b * b * inv_tau2;
      const double curvature = c.n * at.p * (1.0 - at.p) + inv_tau2;
      const double scale = std::sqrt(2.0 / curvature);
      node_values(c, mu + b, scale, at.softplus, (c.x - b * inv_tau2) * scale, 0.5 * scale * scale * inv_tau2);
      double sum = 0.0;
      for (std::size_t j = 0; j < nodes; ++j) sum += rule_.scaled_weights[j] * integrand_[j];
      total += c.log_choose + fb + std::log(scale * sum) - std::log(tau) - kLogSqrt2Pi;
    }
    return total;
  }

  // Value, gradient and Hessian in (mu, tau) of the quadrature likelihood, exact: the conditional
  // modes are found in doubles, their derivatives in (mu, tau) by the implicit function theorem,
  // and the rest is carried in Jet2 arithmetic (docs/methods/glmm.md).
  Derivatives derivatives(double mu, double tau) {
    Derivatives d;
    const double sign = tau < 0 ? -1.0 : 1.0;
    tau = std::abs(tau);
    if (tau < 1e-8) {
      d.value = (*this)(mu, tau);
      // At tau = 0 the likelihood is binomial in mu and even in tau, with curvature in tau from
      // E[exp(g(mu + u))] = exp(g(mu)) (1 + tau^2 (g'' + g'^2) / 2 + O(tau^4)).
      double g_mu = 0.0, h_mu = 0.0, h_tau = 0.0;
      const double p = logistic(mu);
      for (const auto& c : cells_) {
        const double r = c.x - c.n * p;
        const double q = c.n * p * (1.0 - p);
        g_mu += r;
        h_mu -= q;
        h_tau += r * r - q;
      }
      d.gradient << g_mu, 0.0;
      d.hessian << h_mu, 0.0, 0.0, h_tau;
      return d;
    }
    using detail::Jet2;
    const Jet2 m = Jet2::variable(mu, 0);
    Jet2 t = Jet2::variable(tau, 1);
    t.g[1] = sign;  // the likelihood depends on |tau|
    const Jet2 inv_tau2 = inverse(t * t);
    const Jet2 log_tau = log(t);
    const std::size_t nodes = rule_.nodes.size();
    Jet2 total = Jet2::constant(0.0);
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      const auto& c = cells_[i];
      // The mode b(mu, tau) solves g(b) = x - n logistic(mu + b) - b / tau^2 = 0; its gradient
      // and Hessian follow from differentiating that identity twice (implicit function theorem),
      // with g's partial derivatives at the mode in closed form.
      const double b0 = find_mode(i, mu, inv_tau2.v);
      const double u0 = mu + b0;
      const AtMode at = at_mode(u0);
      const double p0 = at.p;
      const double q0 = p0 * (1.0 - p0);
      const double r0 = q0 * (1.0 - 2.0 * p0);
      const double g_b = -(c.n * q0 + inv_tau2.v);
      Jet2 b = Jet2::constant(b0);
      b.g = (c.n * q0 * m.g + b0 * inv_tau2.g) / g_b;
      const Eigen::Vector2d u_g = b.g + m.g;  // gradient of mu + b
      b.h = (b0 * inv_tau2.h + (c.n * r0) * (u_g * u_g.transpose()) + b.g * inv_tau2.g.transpose() +
             inv_tau2.g * b.g.transpose()) /
            g_b;
      const Jet2 eta_mode = m + b;
      const Jet2 p = detail::chain(eta_mode, p0, q0, r0);
      const Jet2 softplus_mode = detail::chain(eta_mode, at.softplus, p0, q0);
      const Jet2 scale = sqrt(2.0 * inverse(c.n * (p * (1.0 - p)) + inv_tau2));
      const Jet2 b_inv_tau2 = b * inv_tau2;
      const Jet2 fb = c.x * eta_mode - c.n * softplus_mode - 0.5 * (b * b_inv_tau2);
      const Jet2 linear = c.x * scale - b_inv_tau2 * scale;
      const Jet2 quadratic = 0.5 * (scale * scale * inv_tau2);
      node_values(c, eta_mode.v, scale.v, softplus_mode.v, linear.v, quadratic.v);
      // The derivatives follow by the chain rule from the nodes' values.
      Jet2 sum = Jet2::constant(0.0);
      for (std::size_t j = 0; j < nodes; ++j) {
        const double tn = rule_.nodes[j];
        const double e = tail_[j];
        const double pj = eta_[j] >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        const double qj = pj * (1.0 - pj);
        // eta_j = (m + b) + t s and the exponent F_j, with gradient and Hessian.
        const Eigen::Vector2d eta_g = eta_mode.g + tn * scale.g;
        const Eigen::Matrix2d eta_h = eta_mode.h + tn * scale.h;
        const Eigen::Vector2d f_g = c.n * (softplus_mode.g - pj * eta_g) + tn * linear.g - tn * tn * quadratic.g;
        const Eigen::Matrix2d f_h =
            c.n * (softplus_mode.h - pj * eta_h - qj * eta_g * eta_g.transpose()) + tn * linear.h - tn * tn * quadratic.h;
        const double w = rule_.scaled_weights[j] * integrand_[j];
        sum.v += w;
        sum.g += w * f_g;
        sum.h += w * (f_h + f_g * f_g.transpose());
      }
      total = total + (log(scale * sum) + fb - log_tau) + (c.log_choose - kLogSqrt2Pi);
    }
    d.value = total.v;
    d.gradient = total.g;
    d.hessian = total.h;
    return d;
  }

 private:
  // The conditional mode of study i's integrand in b (f is strictly concave in b): Newton with
  // step halving, from the mode found at the previous (mu, tau). Stored for the next call.
  // logistic and softplus at the mode, from one exp.
  struct AtMode {
    double p;
    double softplus;
  };
  static AtMode at_mode(double u) {
    const double e = std::exp(-std::abs(u));
    return {u >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e), std::max(u, 0.0) + std::log1p(e)};
  }

  // At node t the integrand's exponent relative to the mode, f(b + t s) - f(b), is
  //   n (softplus(m + b) - softplus(m + b + t s)) + t (x s - b s / tau^2) - t^2 s^2 / (2 tau^2)
  //   = n (softplus_mode - softplus(eta_t)) + t linear - t^2 quadratic,
  // so a node needs one softplus and one exp; all nodes of a study go through the vector exp and
  // log1p together. Leaves eta_, tail_ = exp(-|eta|) and integrand_ = exp(exponent) per node.
  void node_values(const Cell& c, double mode, double scale, double softplus_mode, double linear, double quadratic) {
    const std::size_t nodes = rule_.nodes.size();
    for (std::size_t j = 0; j < nodes; ++j) {
      eta_[j] = mode + rule_.nodes[j] * scale;
      tail_[j] = -std::abs(eta_[j]);
    }
    detail::exp_array(tail_.data(), tail_.data(), nodes);
    detail::log1p_array(tail_.data(), log_term_.data(), nodes);
    for (std::size_t j = 0; j < nodes; ++j) {
      const double tn = rule_.nodes[j];
      exponent_[j] = c.n * (softplus_mode - (std::max(eta_[j], 0.0) + log_term_[j])) + tn * linear - tn * tn * quadratic;
    }
    detail::exp_array(exponent_.data(), integrand_.data(), nodes);
  }

  double find_mode(std::size_t i, double mu, double inv_tau2) {
    const auto& c = cells_[i];
    auto f = [&](double b) { return c.x * (mu + b) - c.n * softplus(mu + b) - 0.5 * b * b * inv_tau2; };
    double b = modes_[i];
    // f costs an exp and a log1p; it is only needed to guard long steps, so it is computed then.
    double fb = 0.0;
    bool fb_known = false;
    for (int it = 0; it < 100; ++it) {
      const double p = logistic(mu + b);
      const double g = c.x - c.n * p - b * inv_tau2;
      const double curvature = c.n * p * (1.0 - p) + inv_tau2;
      double step = g / curvature;
      double candidate = b + step;
      if (std::abs(step) > 0.1) {
        // Far from the mode Newton can overshoot even on a concave function: halve until f rises.
        if (!fb_known) fb = f(b);
        double f_candidate = f(candidate);
        for (int half = 0; half < 60 && f_candidate < fb; ++half) {
          step *= 0.5;
          candidate = b + step;
          f_candidate = f(candidate);
        }
        fb = f_candidate;
        fb_known = true;
      } else {
        fb_known = false;
      }
      b = candidate;
      if (std::abs(step) <= 1e-10 * (1.0 + std::abs(b))) {
        // One more Newton step: convergence is quadratic, so this puts the mode at machine
        // precision and makes the likelihood independent of the starting point (the warm start
        // must not show in the value or its derivatives).
        const double pp = logistic(mu + b);
        b += (c.x - c.n * pp - b * inv_tau2) / (c.n * pp * (1.0 - pp) + inv_tau2);
        break;
      }
    }
    modes_[i] = b;
    return b;
  }

  const detail::GaussHermiteRule& rule_;
  std::vector<Cell> cells_;
  std::vector<double> modes_;
  // Per-node scratch for one study at a time (sized to the rule).
  std::vector<double> eta_, tail_, log_term_, exponent_, integrand_;
};

// For fixed tau, the log-likelihood is concave in mu: Newton with exact derivatives. The profile
// value is stationary in mu, so an error d in mu changes it by O(d^2): stopping at steps below
// 1e-8 (after which the error is the square of that) leaves it exact to rounding.
double best_mu(Likelihood& ll, double tau, double mu) {
  for (int it = 0; it < 100; ++it) {
    const Derivatives d = ll.derivatives(mu, tau);
    const double f0 = d.value;
    const double g = d.gradient[0];
    const double hess = d.hessian(0, 0);
    double step = hess < 0 ? -g / hess : (g > 0 ? 1.0 : -1.0);
    step = std::clamp(step, -5.0, 5.0);
    double candidate = mu + step;
    if (std::abs(step) > 0.5) {
      for (int half = 0; half < 60 && ll(candidate, tau) < f0; ++half) {
        step *= 0.5;
        candidate = mu + step;
      }
    }
    mu = candidate;
    if (std::abs(step) < 1e-8) break;
  }
  return mu;
}

// The profile likelihood's mu at tau: the global maximum over mu. At large tau the likelihood in
// mu can have two peaks (studies at 0% and at 100% pull the logit apart), and Newton from the last
// mu would follow the local one; so the candidates are Newton from the warm start and Newton from
// the best of a grid over [lo - 3 tau, hi + 3 tau] (lo, hi: the range of the studies' logits),
// and the higher one wins.
double profile_mu(Likelihood& ll, double tau, double warm, double lo, double hi) {
  const double local = best_mu(ll, tau, warm);
  double best_value = ll(local, tau);
  double best = local;
  constexpr int kGrid = 32;
  const double a = lo - 3.0 * tau - 2.0, b = hi + 3.0 * tau + 2.0;
  double grid_mu = a, grid_value = -std::numeric_limits<double>::infinity();
  for (int i = 0; i <= kGrid; ++i) {
    const double m = a + (b - a) * i / kGrid;
    const double v = ll(m, tau);
    if (v > grid_value) {
      grid_value = v;
      grid_mu = m;
    }
  }
  if (grid_value > best_value) {
    const double refined = best_mu(ll, tau, grid_mu);
    const double v = ll(refined, tau);
    if (v > best_value) {
      best_value = v;
      best = refined;
    }
  }
  return best;
}

}  // namespace

double glmm_mean_proportion(double mu, double tau) {
  if (!(tau > 0.0)) return logistic(mu);
  // On x = mu + tau z the integrand is the logistic curve times a normal density: smooth, and
  // negligible beyond 40 SDs, where the adaptive rule is told to stop.
  auto integrand = [mu, tau](double z) { return logistic(mu + tau * z) * std::exp(-0.5 * z * z); };
  double error = 0.0;
  const double value =
      boost::math::quadrature::gauss_kronrod<double, 61>::integrate(integrand, -40.0, 40.0, 20, 1e-14, &error);
  return value / std::sqrt(2.0 * std::numbers::pi);
}

double glmm_log_likelihood(std::span<const ProportionStudy> studies, double mu, double tau, int nagq) {
  Likelihood ll(studies, nagq);
  return ll(mu, tau);
}

GlmmFit fit_glmm(std::span<const ProportionStudy> studies, const GlmmOptions& options) {
  if (studies.empty()) throw Error(ErrorCategory::kInvalidInput, "fit_glmm: no studies (k = 0)");
  if (options.nagq < 1 || options.nagq > 100) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("--nagq is {}, but must be 1 (Laplace) to 100", options.nagq));
  }
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("fit_glmm: level is {}, but must be in (0, 1)", options.level));
  }
  require_valid_counts(studies, "fit_glmm");
  double total_x = 0.0, total_n = 0.0;
  for (const auto& s : studies) {
    total_x += static_cast<double>(s.events);
    total_n += static_cast<double>(s.n);
  }
  if (total_x == 0.0 || total_x == total_n) {
    throw Error(ErrorCategory::kNumerical,
                fmt::format("the GLMM has no finite estimate when every study has {} events (the likelihood keeps "
                            "increasing as the logit goes to {}infinity); report the exact binomial interval of the "
                            "pooled count, or use --measure PFT",
                            total_x == 0.0 ? "0" : "all", total_x == 0.0 ? "-" : "+"));
  }

  GlmmFit fit;
  fit.k = studies.size();
  fit.nagq = options.nagq;
  const auto k = static_cast<double>(studies.size());
  Likelihood ll(studies, options.nagq);

  // Common-effect and saturated binomial models (closed form).
  const double p_common = total_x / total_n;
  for (const auto& s : studies) {
    const auto x = static_cast<double>(s.events);
    const auto n = static_cast<double>(s.n);
    const double log_choose = std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0);
    fit.loglik_common += log_choose + x * std::log(p_common) + (n - x) * std::log1p(-p_common);
    const double ps = x / n;
    fit.loglik_saturated += log_choose + (x > 0 ? x * std::log(ps) : 0.0) + (x < n ? (n - x) * std::log1p(-ps) : 0.0);
  }

  // Starting values from the normal-normal model on the logit scale (REML on metafor's
  // continuity-corrected logits), a good guess for both parameters; and the typical within-study
  // variance of those logits, against which rma.glmm defines I^2.
  Eigen::VectorXd yi(static_cast<Eigen::Index>(studies.size())), vi(yi.size());
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const auto es = proportion_effect(studies[i].events, studies[i].n, Measure::kPLO, ZeroCellRule::kMetafor);
    yi[static_cast<Eigen::Index>(i)] = es.yi;
    vi[static_cast<Eigen::Index>(i)] = es.vi;
  }
  double start_tau2 = 0.0;
  if (studies.size() >= 2) {
    try {
      start_tau2 = estimate_tau2(yi, vi, Eigen::MatrixXd::Ones(yi.size(), 1), Tau2Method::kREML).tau2;
    } catch (const Error&) {
      start_tau2 = 0.5;  // only a starting point: the fit's own convergence is reported
    }
  }
  const Eigen::ArrayXd start_w = (vi.array() + start_tau2).inverse();
  double mu = (start_w * yi.array()).sum() / start_w.sum();
  double tau = std::sqrt(std::max(start_tau2, 0.01));
  const double typical_variance = studies.size() >= 2 ? detail::typical_within_variance(vi) : kNaN;

  auto& report = fit.report;
  report.iterative = true;
  bool newton_ok = false;
  std::string newton_failure;
  if (studies.size() == 1) {
    mu = std::log(total_x / (total_n - total_x));
    tau = 0.0;
    newton_ok = true;
    report.message = "k = 1: tau2 is not estimable and set to 0; mu is the study's logit";
    fit.notes.push_back("k = 1: tau2 is not estimable and is set to 0");
  } else {
    // Newton-Raphson in (mu, tau) with exact derivatives and step halving.
    double m = mu, t = tau;
    for (int it = 1; it <= options.max_iterations; ++it) {
      const Derivatives d = ll.derivatives(m, t);
      const Eigen::Matrix2d neg = -d.hessian;
      const Eigen::LLT<Eigen::Matrix2d> llt(neg);
      if (llt.info() != Eigen::Success) {
        newton_failure = fmt::format("the Hessian is not negative definite at tau = {:.4g}", t);
        break;
      }
      Eigen::Vector2d step = llt.solve(d.gradient);
      double scale = 1.0;
      double value = ll(m + step[0], t + step[1]);
      while (value < d.value - 1e-12 && scale > 1e-6) {
        scale *= 0.5;
        value = ll(m + scale * step[0], t + scale * step[1]);
      }
      m += scale * step[0];
      t += scale * step[1];
      report.iterations = it;
      report.last_change = scale * step.cwiseAbs().maxCoeff();
      if (report.last_change < options.tolerance) {
        newton_ok = true;
        break;
      }
    }
    if (newton_ok && std::abs(t) > 1e-6) {
      mu = m;
      tau = std::abs(t);
      report.message = fmt::format("Newton-Raphson converged in {} iterations", report.iterations);
    } else {
      // Fallback (reported, never silent): maximise the profile likelihood over tau in
      // [0, upper] with Brent's method, mu by Newton for each tau. Handles tau at the boundary.
      if (newton_failure.empty()) {
        newton_failure = newton_ok ? "Newton-Raphson went to the boundary tau = 0"
                                   : fmt::format("Newton-Raphson did not converge in {} iterations", options.max_iterations);
      }
      double mu_guess = mu;
      auto negative_profile = [&](double tt) {
        mu_guess = best_mu(ll, tt, mu_guess);
        return -ll(mu_guess, tt);
      };
      // tau beyond 1000 on the logit scale means the likelihood has no finite maximum.
      constexpr double kTauLimit = 1000.0;
      double upper = std::min(kTauLimit, std::max(5.0, 4.0 * tau));
      std::uintmax_t iterations = 0;
      std::pair<double, double> best;
      bool unbounded = false;
      for (;;) {
        std::uintmax_t max_iter = static_cast<std::uintmax_t>(options.max_iterations);
        best = boost::math::tools::brent_find_minima(negative_profile, 0.0, upper, 40, max_iter);
        iterations += max_iter;
        if (best.first < 0.95 * upper) break;
        if (upper >= kTauLimit) {
          unbounded = true;
          break;
        }
        upper = std::min(kTauLimit, upper * 4.0);
      }
      if (unbounded) {
        throw Error(ErrorCategory::kNumerical,
                    "the GLMM likelihood keeps increasing as tau grows (tau > 1000 on the logit scale): the "
                    "studies are separated (for example some with 0 and some with all events), so there is no "
                    "finite maximum-likelihood estimate. R's rma.glmm stops at an arbitrary point here; carta does "
                    "not report one. Use the two-step model (--method REML) with its continuity correction, or "
                    "report the studies separately");
      }
      tau = best.first < 1e-6 ? 0.0 : best.first;
      // A profile maximum at tau = 0 is decided by comparing with the boundary value.
      mu = best_mu(ll, tau, mu_guess);
      const double mu0 = best_mu(ll, 0.0, mu);
      if (ll(mu0, 0.0) >= ll(mu, tau)) {
        tau = 0.0;
        mu = mu0;
      }
      report.iterations += static_cast<int>(iterations);
      report.message = fmt::format("{}; the profile likelihood was maximised over tau by Brent's method instead{}",
                                   newton_failure, tau == 0.0 ? " (maximum at tau = 0)" : "");
      newton_ok = true;
    }
  }
  report.converged = newton_ok;
  // A logit-scale SD beyond 20 puts essentially every study at 0% or 100%: that only happens at
  // the edge of an unbounded likelihood (separated data), where the quadrature's own error creates
  // an apparent maximum. lme4 reports such a point; carta refuses it.
  if (tau > 20.0) {
    throw Error(ErrorCategory::kNumerical,
                fmt::format("the GLMM estimate tau = {:.4g} (logit scale) means every study sits at 0% or 100%: the "
                            "studies are separated (for example some with 0 and some with all events) and the "
                            "likelihood has no finite maximum. Use the two-step model (--method REML) with its "
                            "continuity correction, or report the studies separately",
                            tau));
  }

  fit.mu = mu;
  fit.tau = tau;
  fit.tau2 = tau * tau;
  fit.loglik = ll(mu, tau);

  // Observed information: the inverse Hessian of -loglik in (mu, tau), or in mu alone when tau is
  // on the boundary (as the conditional information of lme4 there).
  Eigen::Matrix2d covariance = Eigen::Matrix2d::Constant(kNaN);
  // The derivatives at the estimate serve the standard error and the profile interval's start.
  Derivatives at_max;
  if (tau > 0.0) {
    at_max = ll.derivatives(mu, tau);
    const Derivatives& d = at_max;
    covariance = (-d.hessian).inverse();
    fit.se = std::sqrt(covariance(0, 0));
  } else {
    const Derivatives d = ll.derivatives(mu, 0.0);
    fit.se = std::sqrt(-1.0 / d.hessian(0, 0));
  }
  if (!std::isfinite(fit.se)) {
    report.converged = false;
    report.message += "; the observed information is not positive definite, so the standard error is not available";
  }

  const double alpha = 1.0 - options.level;
  double crit = dist::normal_quantile(1.0 - alpha / 2.0);
  fit.df = kNaN;
  if (options.test != TestType::kZ && studies.size() >= 2) {
    fit.df = k - 1.0;
    crit = dist::t_quantile(1.0 - alpha / 2.0, fit.df);
  }
  fit.stat = fit.mu / fit.se;
  fit.p = std::isnan(fit.stat) ? std::numeric_limits<double>::quiet_NaN()  // 0/0: no test (as metafor)
          : std::isnan(fit.df)
              ? 2.0 * dist::normal_upper(std::abs(fit.stat))
              : 2.0 * dist::t_upper(std::abs(fit.stat), fit.df);
  fit.ci_lb = fit.mu - crit * fit.se;
  fit.ci_ub = fit.mu + crit * fit.se;
  // A prediction interval needs an estimate of the between-study spread: none with one study
  // (as for the two-step models).
  const double pi_half = studies.size() >= 2 ? crit * std::sqrt(fit.se * fit.se + fit.tau2) : kNaN;
  fit.pi_lb = fit.mu - pi_half;
  fit.pi_ub = fit.mu + pi_half;
  fit.prop = logistic(fit.mu);
  fit.prop_ci_lb = logistic(fit.ci_lb);
  fit.prop_ci_ub = logistic(fit.ci_ub);
  fit.prop_pi_lb = logistic(fit.pi_lb);
  fit.prop_pi_ub = logistic(fit.pi_ub);

  // Population-averaged proportion E[logistic(mu + tau z)], z ~ N(0, 1), by adaptive quadrature;
  // delta-method interval on its logit.
  auto mean_prop = [](double m, double t) { return glmm_mean_proportion(m, t); };
  fit.mean_prop = mean_prop(fit.mu, fit.tau);
  {
    auto logit_mean = [&](double m, double t) {
      const double q = mean_prop(m, t);
      return std::log(q / (1.0 - q));
    };
    const double h = 1e-6;
    Eigen::Vector2d grad;
    grad << (logit_mean(mu + h, tau) - logit_mean(mu - h, tau)) / (2 * h),
        tau > 0 ? (logit_mean(mu, tau + h) - logit_mean(mu, tau - h)) / (2 * h) : 0.0;
    const double var = tau > 0 ? grad.dot(covariance * grad) : grad[0] * grad[0] * fit.se * fit.se;
    const double center = logit_mean(mu, tau);
    fit.mean_prop_ci_lb = logistic(center - crit * std::sqrt(var));
    fit.mean_prop_ci_ub = logistic(center + crit * std::sqrt(var));
  }

  // Heterogeneity tests against the common-effect binomial model.
  fit.QE_df = k - 1.0;
  fit.QE_lrt = std::max(0.0, 2.0 * (fit.loglik_saturated - fit.loglik_common));
  bool zero_cell = false;
  double sw = 0.0, swl = 0.0, swl2 = 0.0;
  for (const auto& s : studies) {
    const auto x = static_cast<double>(s.events);
    const auto n = static_cast<double>(s.n);
    if (s.events == 0 || s.events == s.n) {
      zero_cell = true;
      continue;
    }
    const double w = x * (n - x) / n;
    const double l = std::log(x / (n - x));
    sw += w;
    swl += w * l;
    swl2 += w * l * l;
  }
  if (studies.size() >= 2) {
    fit.QE_lrt_p = dist::chi2_upper(fit.QE_lrt, fit.QE_df);
    if (zero_cell) {
      fit.QE_wald = fit.QE_wald_p = kNaN;
      fit.notes.push_back("the Wald test of heterogeneity is not defined when a study has 0 or all events (its "
                          "saturated-model estimate is infinite); use the likelihood-ratio test");
    } else {
      fit.QE_wald = std::max(0.0, swl2 - swl * swl / sw);
      fit.QE_wald_p = dist::chi2_upper(fit.QE_wald, fit.QE_df);
    }
  } else {
    fit.QE_lrt_p = fit.QE_wald = fit.QE_wald_p = kNaN;
  }

  // I^2 as rma.glmm: tau^2 against the typical within-study variance of the escalc logits.
  if (studies.size() >= 2) {
    const double s2 = typical_variance;
    fit.I2 = 100.0 * fit.tau2 / (s2 + fit.tau2);
    fit.H2 = fit.tau2 / s2 + 1.0;
  } else {
    fit.I2 = 0.0;
    fit.H2 = 1.0;
  }

  // Profile-likelihood interval for tau^2: where 2 (loglik_max - profile(tau)) = chi^2_1 quantile.
  fit.tau2_ci_lb = fit.tau2_ci_ub = kNaN;
  if (studies.size() >= 2) {
    const double target = fit.loglik - 0.5 * dist::chi2_quantile(options.level, 1.0);
    const double logit_lo = yi.minCoeff(), logit_hi = yi.maxCoeff();
    double mu_guess = mu;
    auto excess = [&](double t) {
      mu_guess = profile_mu(ll, t, mu_guess, logit_lo, logit_hi);
      return ll(mu_guess, t) - target;
    };
    // A root of the two profile equations may sit on a local peak in mu while the global profile
    // is still above the cut-off there: such a bound is not the bound, and bracketing decides.
    auto on_the_global_profile = [&](double t) {
      const double m = profile_mu(ll, t, mu, logit_lo, logit_hi);
      return ll(m, t) - target <= 1e-8 * std::max(1.0, std::abs(target));
    };
    // Bounds to 1e-9 relative: far beyond any reported digit.
    auto tolerance = [](double a, double b) { return std::abs(b - a) <= 1e-9 * std::max(1e-3, std::abs(a)); };
    fit.tau2_ci_lb_report.iterative = fit.tau2_ci_ub_report.iterative = true;

    // First try: Newton in (mu, log tau) on {d loglik / d mu = 0, loglik = target}, the profile
    // bound as a root of two equations, started from the quadratic approximation at the maximum. With
    // exact derivatives it converges in a few steps; when it does not (a flat or oddly shaped
    // profile), the bracketing search below finds the bound instead, and the report says so.
    struct Bound {
      double tau;
      int iterations;
    };
    const double profile_curvature =
        tau > 0.0 ? at_max.hessian(1, 1) - at_max.hessian(0, 1) * at_max.hessian(0, 1) / at_max.hessian(0, 0) : kNaN;
    constexpr double kFinalNewtonStep = 1e-7;
    auto newton_bound = [&](double direction, double lo, double hi) -> std::optional<Bound> {
      if (!(tau > 0.0) || !(profile_curvature < 0.0) || !(at_max.hessian(0, 0) < 0.0)) return std::nullopt;
      // In (mu, log tau): the profile is closer to quadratic in log tau, above the maximum most of
      // all, and tau stays positive. Start where the quadratic approximation puts the bound.
      const double half_width = std::sqrt(2.0 * (fit.loglik - target) / (-profile_curvature * tau * tau));
      double t = tau * std::exp(direction * half_width);
      if (!(t > lo && t < hi)) t = direction < 0 ? 0.5 * (lo + hi) : std::min(hi, 2.0 * lo);
      double log_t = std::log(t);
      double m = mu - at_max.hessian(0, 1) / at_max.hessian(0, 0) * (t - tau);
      for (int it = 1; it <= 50; ++it) {
        const Derivatives d = ll.derivatives(m, t);
        const Eigen::Vector2d g(d.gradient[0], d.value - target);
        if (std::abs(g[1]) <= 1e-10 && std::abs(g[0]) <= 1e-8) {
          if (!on_the_global_profile(t)) return std::nullopt;
          return Bound{t, it};
        }
        Eigen::Matrix2d jacobian;
        jacobian << d.hessian(0, 0), d.hessian(0, 1) * t, d.gradient[0], d.gradient[1] * t;
        const Eigen::FullPivLU<Eigen::Matrix2d> lu(jacobian);
        if (!lu.isInvertible()) return std::nullopt;
        Eigen::Vector2d step = -lu.solve(g);
        if (!step.allFinite()) return std::nullopt;
        // Stay strictly on the side of the maximum this bound belongs to.
        bool halved = false;
        while (!(std::exp(log_t + step[1]) > lo && std::exp(log_t + step[1]) < hi) && step.cwiseAbs().maxCoeff() > 1e-14) {
          step *= 0.5;
          halved = true;
        }
        m += step[0];
        log_t += step[1];
        t = std::exp(log_t);
        // Newton with exact derivatives converges quadratically: after a full step below 1e-7
        // the distance to the root is of the order of its square, far inside the check above, so
        // the evaluation that would confirm it (one in four of a bound's) is skipped.
        if (!halved && step.cwiseAbs().maxCoeff() <= kFinalNewtonStep) {
          if (!on_the_global_profile(t)) return std::nullopt;
          return Bound{t, it};
        }
      }
      return std::nullopt;
    };
    const char* const kNewtonFailed =
        "; Newton on the profile equations did not converge, or reached a local peak in mu, so the bound was bracketed "
        "on the profile maximised over mu globally";

    if (excess(0.0) >= 0.0) {
      fit.tau2_ci_lb = 0.0;
      fit.tau2_ci_lb_report.message = "the profile likelihood at tau2 = 0 is inside the interval: lower bound 0";
    } else if (const auto bound = newton_bound(-1.0, 0.0, tau)) {
      fit.tau2_ci_lb = bound->tau * bound->tau;
      fit.tau2_ci_lb_report.iterations = bound->iterations;
      fit.tau2_ci_lb_report.message = "profile-likelihood root (Newton on the profile equations, exact derivatives)";
    } else {
      std::uintmax_t iters = 200;
      mu_guess = mu;
      const auto r = boost::math::tools::toms748_solve(excess, 0.0, tau, tolerance, iters);
      const double t_lb = 0.5 * (r.first + r.second);
      fit.tau2_ci_lb = t_lb * t_lb;
      fit.tau2_ci_lb_report.iterations = static_cast<int>(iters);
      fit.tau2_ci_lb_report.message = std::string("profile-likelihood root (TOMS 748)") + (tau > 0.0 ? kNewtonFailed : "");
    }
    if (const auto bound = newton_bound(1.0, tau, 1000.0)) {
      fit.tau2_ci_ub = bound->tau * bound->tau;
      fit.tau2_ci_ub_report.iterations = bound->iterations;
      fit.tau2_ci_ub_report.message = "profile-likelihood root (Newton on the profile equations, exact derivatives)";
      return fit;
    }
    double upper = std::max(1.0, 2.0 * tau);
    mu_guess = mu;
    int expansions = 0;
    while (upper < 1000.0 && excess(upper) > 0.0) {
      upper = std::min(1000.0, upper * 2.0);
      ++expansions;
    }
    if (excess(upper) > 0.0) {
      // The profile likelihood never drops below the cut-off: the data cannot bound tau from above
      // (common with k = 2). That is a result, not a failure.
      fit.tau2_ci_ub = std::numeric_limits<double>::infinity();
      fit.tau2_ci_ub_report.message = "the profile likelihood stays above the cut-off as tau grows: no finite upper bound";
      fit.notes.push_back("the profile-likelihood interval for tau2 has no finite upper bound: these studies cannot "
                          "bound the heterogeneity from above");
    } else {
      std::uintmax_t iters = 200;
      mu_guess = mu;
      const auto r = boost::math::tools::toms748_solve(excess, std::max(tau, 1e-8), upper, tolerance, iters);
      const double t_ub = 0.5 * (r.first + r.second);
      fit.tau2_ci_ub = t_ub * t_ub;
      fit.tau2_ci_ub_report.iterations = static_cast<int>(iters) + expansions;
      fit.tau2_ci_ub_report.message = std::string("profile-likelihood root (TOMS 748)") + (tau > 0.0 ? kNewtonFailed : "");
    }
  }
  return fit;
}

PoolResult pool_proportions_glmm(std::span<const ProportionStudy> studies, const PoolOptions& options, int nagq,
                                 GlmmFit* details) {
  if (options.measure != Measure::kPLO) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--method GLMM is the random-intercept logistic model: it needs --measure PLO, not {}",
                            to_string(options.measure)));
  }
  if (options.test == TestType::kKnha) {
    throw Error(ErrorCategory::kInvalidOption,
                "--test knha (Hartung-Knapp) belongs to the normal-normal model; with --method GLMM use --test t "
                "(a t(k-1) Wald interval, as rma.glmm) or z");
  }
  GlmmOptions go;
  go.nagq = nagq;
  go.test = options.test;
  go.level = options.level;
  const GlmmFit g = fit_glmm(studies, go);
  if (details) *details = g;

  // Study rows and conventions as the two-step models report them (effect sizes, study CIs); no
  // two-step fit is made, so none of its notes appear here.
  Eigen::VectorXd yi, vi;
  PoolResult r = detail::proportion_study_rows(studies, options, yi, vi);
  r.model = "GLMM";
  r.glmm_nagq = nagq;
  const double alpha = 1.0 - options.level;
  const double z = dist::normal_quantile(1.0 - alpha / 2.0);

  // Common effect: logistic regression with an intercept, i.e. the pooled proportion.
  double total_x = 0.0, total_n = 0.0;
  for (const auto& s : studies) {
    total_x += static_cast<double>(s.events);
    total_n += static_cast<double>(s.n);
  }
  const double p_hat = total_x / total_n;
  auto& ce = r.common;
  ce.est = std::log(p_hat / (1.0 - p_hat));
  ce.se = 1.0 / std::sqrt(total_n * p_hat * (1.0 - p_hat));
  ce.ci_lb = ce.est - z * ce.se;
  ce.ci_ub = ce.est + z * ce.se;
  ce.z = ce.est / ce.se;
  ce.p = 2.0 * dist::normal_upper(std::abs(ce.z));
  ce.prop = p_hat;
  ce.prop_ci_lb = logistic(ce.ci_lb);
  ce.prop_ci_ub = logistic(ce.ci_ub);

  auto& re = r.random;
  re.est = g.mu;
  re.se = g.se;
  re.ci_lb = g.ci_lb;
  re.ci_ub = g.ci_ub;
  re.stat = g.stat;
  re.p = g.p;
  re.df = g.df;
  re.knha_scale = kNaN;
  re.pi_lb = g.pi_lb;
  re.pi_ub = g.pi_ub;
  re.pi_df = g.df;
  re.prop = g.prop;
  re.prop_ci_lb = g.prop_ci_lb;
  re.prop_ci_ub = g.prop_ci_ub;
  re.prop_pi_lb = g.prop_pi_lb;
  re.prop_pi_ub = g.prop_pi_ub;

  auto& h = r.heterogeneity;
  // The typical within-study variance of the rows' logits (Higgins & Thompson), against which the
  // interval for tau^2 is expressed as I^2 and H^2.
  h.Q_df = static_cast<double>(studies.size()) - 1.0;
  h.typical_variance = studies.size() >= 2 ? detail::typical_within_variance(vi) : kNaN;
  const double s2 = h.typical_variance;
  h.tau2 = g.tau2;
  h.tau2_se = kNaN;
  h.tau2_ci_lb = g.tau2_ci_lb;
  h.tau2_ci_ub = g.tau2_ci_ub;
  h.tau2_ci_method = "profile likelihood";
  h.tau = g.tau;
  h.tau_ci_lb = std::sqrt(g.tau2_ci_lb);
  h.tau_ci_ub = std::sqrt(g.tau2_ci_ub);
  h.I2 = g.I2;
  h.H2 = g.H2;
  h.I2_ci_lb = 100.0 * g.tau2_ci_lb / (s2 + g.tau2_ci_lb);
  h.I2_ci_ub = std::isinf(g.tau2_ci_ub) ? 100.0 : 100.0 * g.tau2_ci_ub / (s2 + g.tau2_ci_ub);
  h.H2_ci_lb = g.tau2_ci_lb / s2 + 1.0;
  h.H2_ci_ub = g.tau2_ci_ub / s2 + 1.0;
  // Q: the likelihood-ratio test of the saturated against the common binomial model (defined
  // with 0/n studies, unlike the Wald test); both are in the GLMM details.
  h.Q = g.QE_lrt;
  h.Q_p = g.QE_lrt_p;
  // R meta's metaprop (method.I2 = "Q", its default) takes I^2 and H^2 of the GLMM from the
  // Wald-type Q of rma.glmm, not from tau^2; so does the preset meta.
  bool i2_from_wald_q = false;
  const bool wald_q_undefined = r.conventions.i2 == I2Definition::kQBased && studies.size() >= 2 && !std::isfinite(g.QE_wald);
  if (r.conventions.i2 == I2Definition::kQBased && studies.size() >= 2 && std::isfinite(g.QE_wald)) {
    Heterogeneity from_q = h;
    from_q.Q = g.QE_wald;
    detail::q_based_i2(from_q, static_cast<double>(studies.size()), options.level);
    h.I2 = from_q.I2;
    h.I2_ci_lb = from_q.I2_ci_lb;
    h.I2_ci_ub = from_q.I2_ci_ub;
    h.H2 = from_q.H2;
    h.H2_ci_lb = from_q.H2_ci_lb;
    h.H2_ci_ub = from_q.H2_ci_ub;
    i2_from_wald_q = true;
  }
  for (auto& st : r.studies) st.weight_common = st.weight_random = kNaN;

  r.convergence.tau2 = g.report;
  r.convergence.tau2_ci_lb = g.tau2_ci_lb_report;
  r.convergence.tau2_ci_ub = g.tau2_ci_ub_report;
  // Notes of the two-step fit that do not apply to the one-stage model are replaced.
  std::vector<std::string> notes;
  notes.push_back(fmt::format("one-stage binomial-normal model (GLMM): maximum likelihood with adaptive Gauss-Hermite "
                              "quadrature, {} point{}{}; the common effect is the binomial model's pooled proportion; "
                              "Q is the likelihood-ratio test; no continuity correction enters the fit",
                              nagq, nagq == 1 ? "" : "s", nagq == 1 ? " (Laplace)" : ""));
  for (const auto& n : r.notes) {
    if (n.find("added to events and non-events") != std::string::npos) {
      notes.push_back("the continuity correction above applies only to the study-level logits shown (yi, vi), not "
                      "to the GLMM: " + n);
    } else {
      notes.push_back(n);
    }
  }
  if (studies.size() == 1) {
    notes.push_back("k = 1: heterogeneity cannot be estimated; tau2 = 0, so the random-effects result equals the "
                    "common-effect result; Q, its p-value and the heterogeneity intervals are not available");
    if (options.test == TestType::kT) {
      notes.push_back("k = 1: the t test needs at least 2 studies; the z test is used for the random-effects CI and "
                      "p-value (as metafor)");
    }
    notes.push_back("k = 1: the prediction interval needs at least 2 studies and is not available");
  }
  notes.insert(notes.end(), g.notes.begin(), g.notes.end());
  if (wald_q_undefined) {
    notes.push_back("R meta takes the GLMM's I2 from its Wald-type Q, which is not defined here (a study with 0 or all "
                    "events has an infinite saturated-model estimate; metafor's value depends on where its optimizer "
                    "stops): I2 and H2 are rma.glmm's, from tau2 against the typical within-study variance");
  }
  if (i2_from_wald_q) {
    notes.push_back(fmt::format("I2 and H2 (and their intervals) come from the Wald-type Q = {:.4g} of the GLMM, as R "
                                "meta's metaprop does (preset meta); tau2 is the GLMM's",
                                g.QE_wald));
  }
  notes.push_back("study weights are not defined for a one-stage model (weight_common and weight_random are null)");
  r.notes = std::move(notes);
  return r;
}

}  // namespace carta
