// The binomial-normal model with fixed study intercepts for two-arm counts (metafor's rma.glmm,
// measure "OR", model "UM.FS"); see carta/glmm_or.hpp and docs/methods/glmm.md.
//
// The likelihood factorises over studies: study i's term depends on (alpha_i, beta, tau) only. So
// the intercepts are profiled out one study at a time (a one-dimensional concave maximisation
// each), the profile in (beta, tau) is maximised by nested Brent searches and polished by Newton
// steps, and the SE of beta is the (beta, beta) element of the inverse of the profile's negative
// Hessian, which equals that element of the full (alpha, beta, tau) inverse (the Schur
// complement). The profile's derivatives are Richardson-extrapolated central differences of a
// function computed to rounding, since each conditional mode is found to machine precision.
#include "carta/glmm_or.hpp"

#include <boost/math/tools/minima.hpp>
#include <Eigen/Dense>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "carta/comparative.hpp"
#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "math/gauss_hermite.hpp"
#include "pool_rows.hpp"
#include "math/numbers.hpp"

namespace carta {

namespace {

using detail::kNaN;

using detail::logistic;
using detail::softplus;

struct Table {
  double x1, n1, x2, n2, log_choose;
};

Table table_of(const TwoByTwoStudy& s) {
  const auto x1 = static_cast<double>(s.events_1), n1 = static_cast<double>(s.n_1);
  const auto x2 = static_cast<double>(s.events_2), n2 = static_cast<double>(s.n_2);
  auto lchoose = [](double n, double x) { return std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0); };
  return {x1, n1, x2, n2, lchoose(n1, x1) + lchoose(n2, x2)};
}

// Study i's marginal log-likelihood at (alpha, beta, tau): the integral over b of the two
// binomial likelihoods times the N(0, tau^2) density, by Gauss-Hermite quadrature centred at the
// conditional mode of b and scaled by the curvature there (lme4's adaptive rule).
class StudyTerm {
 public:
  explicit StudyTerm(int nagq) : rule_(detail::gauss_hermite(nagq)) {}

  double operator()(const Table& t, double alpha, double beta, double tau) const {
    tau = std::abs(tau);
    if (tau < 1e-10) return t.log_choose + conditional(t, alpha, beta, 0.0);
    const double inv_tau2 = 1.0 / (tau * tau);
    auto h = [&](double b) { return conditional(t, alpha, beta, b) - 0.5 * b * b * inv_tau2; };
    auto slope_and_curvature = [&](double b, double& g, double& c) {
      const double p1 = logistic(alpha + beta + 0.5 * b), p2 = logistic(alpha - 0.5 * b);
      g = 0.5 * (t.x1 - t.n1 * p1) - 0.5 * (t.x2 - t.n2 * p2) - b * inv_tau2;
      c = 0.25 * (t.n1 * p1 * (1.0 - p1) + t.n2 * p2 * (1.0 - p2)) + inv_tau2;
    };
    // h is strictly concave in b: Newton, with step halving while a long step would lower h.
    double b = 0.0, g = 0.0, c = 0.0;
    for (int it = 0; it < 200; ++it) {
      slope_and_curvature(b, g, c);
      double step = g / c;
      if (std::abs(step) > 0.1) {
        const double hb = h(b);
        for (int half = 0; half < 60 && h(b + step) < hb; ++half) step *= 0.5;
      }
      b += step;
      if (std::abs(step) <= 1e-12 * (1.0 + std::abs(b))) break;
    }
    slope_and_curvature(b, g, c);
    b += g / c;  // one more step: the mode to rounding, independent of the path
    slope_and_curvature(b, g, c);
    const double scale = std::sqrt(2.0 / c);
    const double hb = h(b);
    double sum = 0.0;
    for (std::size_t j = 0; j < rule_.nodes.size(); ++j) {
      sum += rule_.scaled_weights[j] * std::exp(h(b + scale * rule_.nodes[j]) - hb);
    }
    return t.log_choose + hb + std::log(scale * sum) - std::log(tau) - 0.5 * std::log(2.0 * std::numbers::pi);
  }

 private:
  static double conditional(const Table& t, double alpha, double beta, double b) {
    const double e1 = alpha + beta + 0.5 * b, e2 = alpha - 0.5 * b;
    return t.x1 * e1 - t.n1 * softplus(e1) + t.x2 * e2 - t.n2 * softplus(e2);
  }

  const detail::GaussHermiteRule& rule_;
};

constexpr int kBrentBits = std::numeric_limits<double>::digits / 2;

// Maximises f over [lo, hi], widening the bracket while the maximum sits at one of its ends.
template <typename F>
double maximise_1d(F f, double lo, double hi, double limit_lo, double limit_hi) {
  for (int widen = 0;; ++widen) {
    std::uintmax_t iterations = 200;
    const auto [x, fx] = boost::math::tools::brent_find_minima([&](double v) { return -f(v); }, lo, hi, kBrentBits,
                                                               iterations);
    (void)fx;
    const double margin = 1e-3 * (hi - lo);
    const bool at_lo = x - lo < margin && lo > limit_lo, at_hi = hi - x < margin && hi < limit_hi;
    if ((!at_lo && !at_hi) || widen >= 8) return x;
    const double width = hi - lo;
    if (at_lo) lo = std::max(limit_lo, lo - 2.0 * width);
    if (at_hi) hi = std::min(limit_hi, hi + 2.0 * width);
  }
}

class Profile {
 public:
  Profile(std::vector<Table> tables, int nagq) : tables_(std::move(tables)), term_(nagq), alpha_(tables_.size()) {
    for (std::size_t i = 0; i < tables_.size(); ++i) {
      const Table& t = tables_[i];
      alpha_[i] = std::log((t.x2 + 0.5) / (t.n2 - t.x2 + 0.5));
    }
  }

  // max over the intercepts of the log-likelihood at (beta, tau); the maximisers are kept as the
  // next starting points (the value does not depend on them beyond Brent's tolerance).
  double operator()(double beta, double tau) {
    double total = 0.0;
    for (std::size_t i = 0; i < tables_.size(); ++i) {
      const Table& t = tables_[i];
      auto f = [&](double a) { return term_(t, a, beta, tau); };
      alpha_[i] = polish(f, maximise_1d(f, alpha_[i] - 3.0, alpha_[i] + 3.0, -60.0, 60.0));
      total += f(alpha_[i]);
    }
    return total;
  }

  [[nodiscard]] const std::vector<double>& alpha() const { return alpha_; }

  // Brent leaves the maximiser ~1e-8 off, which costs ~1e-13 in the value: enough to hide the last
  // digits of the outer optimum. Two Newton steps on difference quotients (the function is smooth
  // and computed to rounding) bring it to ~1e-12.
  template <typename F>
  static double polish(F f, double a) {
    for (int it = 0; it < 2; ++it) {
      const double h = 1e-4;
      const double fp = f(a + h), fm = f(a - h), f0 = f(a);
      const double slope = (fp - fm) / (2 * h), curvature = (fp - 2 * f0 + fm) / (h * h);
      if (!(curvature < 0)) break;
      const double step = -slope / curvature;
      if (!(std::abs(step) < 1e-3) || f(a + step) < f0 - 1e-12 * (1.0 + std::abs(f0))) break;
      a += step;
    }
    return a;
  }
  [[nodiscard]] double full(std::span<const double> alpha, double beta, double tau) const {
    double total = 0.0;
    for (std::size_t i = 0; i < tables_.size(); ++i) total += term_(tables_[i], alpha[i], beta, tau);
    return total;
  }

 private:
  std::vector<Table> tables_;
  StudyTerm term_;
  std::vector<double> alpha_;
};

struct Derivatives2 {
  Eigen::Vector2d gradient;
  Eigen::Matrix2d hessian;
};

// Central differences with one Richardson step (errors O(h^4)) of the profile at (beta, tau).
Derivatives2 differentiate(Profile& f, double beta, double tau, double h) {
  auto at = [&](double db, double dt) { return f(beta + db, tau + dt); };
  auto first = [&](double s, int axis) {
    return axis == 0 ? (at(s, 0) - at(-s, 0)) / (2 * s) : (at(0, s) - at(0, -s)) / (2 * s);
  };
  const double f0 = at(0, 0);
  auto second = [&](double s, int axis) {
    return axis == 0 ? (at(s, 0) - 2 * f0 + at(-s, 0)) / (s * s) : (at(0, s) - 2 * f0 + at(0, -s)) / (s * s);
  };
  auto mixed = [&](double s) { return (at(s, s) - at(s, -s) - at(-s, s) + at(-s, -s)) / (4 * s * s); };
  auto richardson = [](double coarse, double fine) { return (16.0 * fine - coarse) / 15.0; };
  Derivatives2 d;
  for (int axis = 0; axis < 2; ++axis) {
    d.gradient[axis] = richardson(first(h, axis), first(h / 2, axis));
    d.hessian(axis, axis) = richardson(second(h, axis), second(h / 2, axis));
  }
  d.hessian(0, 1) = d.hessian(1, 0) = richardson(mixed(h), mixed(h / 2));
  return d;
}

}  // namespace

double glmm_or_log_likelihood(std::span<const TwoByTwoStudy> studies, std::span<const double> alpha, double beta,
                              double tau, int nagq) {
  if (alpha.size() != studies.size()) {
    throw Error(ErrorCategory::kInvalidOption, "glmm_or_log_likelihood: one intercept per study is needed");
  }
  const StudyTerm term(nagq);
  double total = 0.0;
  for (std::size_t i = 0; i < studies.size(); ++i) total += term(table_of(studies[i]), alpha[i], beta, tau);
  return total;
}

GlmmOrFit fit_glmm_or(std::span<const TwoByTwoStudy> studies, const GlmmOrOptions& options) {
  if (options.nagq < 1 || options.nagq > 100) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("GLMM: nagq is {}, but must be 1 to 100", options.nagq));
  }
  if (options.test != TestType::kZ && options.test != TestType::kT) {
    throw Error(ErrorCategory::kInvalidOption, "GLMM: the test must be z or t (Knapp-Hartung applies to two-step models)");
  }
  GlmmOrFit fit;
  fit.nagq = options.nagq;
  std::vector<Table> tables;
  std::vector<double> vi_escalc;
  bool zero_cell = false;
  double q_w = 0.0, q_wy = 0.0, q_wy2 = 0.0;
  BinaryEffectOptions escalc;
  escalc.measure = BinaryMeasure::kOR;
  escalc.correction = ZeroCellCorrection::kAllCells;
  escalc.drop_double_zero = true;
  for (const auto& s : studies) {
    const BinaryEffect e = binary_effect(s, escalc);  // validates the counts
    if (e.dropped) {
      fit.dropped.push_back(s.label);
      continue;
    }
    const Table t = table_of(s);
    tables.push_back(t);
    vi_escalc.push_back(e.vi);
    if (t.x1 == 0 || t.x1 == t.n1 || t.x2 == 0 || t.x2 == t.n2) {
      zero_cell = true;
    } else {
      const double yi = std::log(t.x1 / (t.n1 - t.x1)) - std::log(t.x2 / (t.n2 - t.x2));
      const double w = 1.0 / (1.0 / t.x1 + 1.0 / (t.n1 - t.x1) + 1.0 / t.x2 + 1.0 / (t.n2 - t.x2));
      q_w += w;
      q_wy += w * yi;
      q_wy2 += w * yi * yi;
    }
  }
  fit.k = tables.size();
  if (!fit.dropped.empty()) {
    std::string names;
    for (const auto& n : fit.dropped) names += (names.empty() ? "" : ", ") + n;
    fit.notes.push_back(fmt::format("{} stud{} without events in either arm (or with events in every patient of both) "
                                    "left out of the GLMM, as rma.glmm does: {}",
                                    fit.dropped.size(), fit.dropped.size() == 1 ? "y" : "ies", names));
  }
  if (fit.k < 2) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("GLMM: {} informative stud{} (with events and non-events across the arms); the model needs at "
                            "least 2",
                            fit.k, fit.k == 1 ? "y" : "ies"));
  }
  const auto k = static_cast<double>(fit.k);
  Profile profile(tables, options.nagq);

  // The common-effect model (tau = 0): the log odds ratio by Brent around the inverse-variance one.
  double start = 0.0;
  {
    double sw = 0.0, swy = 0.0;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const Table& t = tables[i];
      const double yi = std::log((t.x1 + 0.5) / (t.n1 - t.x1 + 0.5)) - std::log((t.x2 + 0.5) / (t.n2 - t.x2 + 0.5));
      sw += 1.0 / vi_escalc[i];
      swy += yi / vi_escalc[i];
    }
    start = swy / sw;
  }
  const double common_beta = maximise_1d([&](double b) { return profile(b, 0.0); }, start - 2.0, start + 2.0, -50.0, 50.0);
  fit.loglik_common = profile(common_beta, 0.0);
  {
    // Its SE: the profile curvature in beta at tau = 0 (the intercepts profiled out).
    const double h = 1e-3;
    auto second = [&](double s) { return (profile(common_beta + s, 0.0) - 2 * fit.loglik_common + profile(common_beta - s, 0.0)) / (s * s); };
    const double curvature = (16.0 * second(h / 2) - second(h)) / 15.0;
    fit.common_beta = common_beta;
    fit.common_se = curvature < 0 ? 1.0 / std::sqrt(-curvature) : kNaN;
  }

  // The random-effects model: tau by Brent over log tau, beta by Brent at each tau, then Newton.
  constexpr double kTauMin = 1e-4, kTauMax = 20.0;
  double beta = common_beta;
  auto best_beta = [&](double tau) {
    beta = maximise_1d([&](double b) { return profile(b, tau); }, beta - 1.0, beta + 1.0, -50.0, 50.0);
    return beta;
  };
  const double log_tau = maximise_1d([&](double u) { return profile(best_beta(std::exp(u)), std::exp(u)); },
                                     std::log(kTauMin), std::log(kTauMax), std::log(kTauMin), std::log(kTauMax));
  double tau = std::exp(log_tau);
  beta = best_beta(tau);
  double value = profile(beta, tau);
  fit.report.iterative = true;
  fit.report.converged = true;
  bool boundary = false;
  if (value <= fit.loglik_common || tau <= kTauMin * 1.01) {
    // The likelihood is even and smooth in tau: a maximum at the lower end is the boundary tau = 0.
    if (fit.loglik_common >= value) {
      boundary = true;
      tau = 0.0;
      beta = common_beta;
      value = fit.loglik_common;
    }
  }
  if (!boundary && tau >= kTauMax * 0.99) {
    fit.report.converged = false;
    fit.report.message = fmt::format("tau reached the search limit {} (the likelihood keeps rising: separation in the data)",
                                     kTauMax);
  }
  int newton_steps = 0;
  double last_step = 0.0;
  if (!boundary && fit.report.converged) {
    for (; newton_steps < 20; ++newton_steps) {
      const Derivatives2 d = differentiate(profile, beta, tau, 1e-3 * std::max(0.1, std::min(1.0, tau)));
      const Eigen::Vector2d step = -d.hessian.ldlt().solve(d.gradient);
      if (!(d.hessian(0, 0) < 0 && d.hessian.determinant() > 0) || !step.allFinite()) break;
      double scale = 1.0;
      double next = profile(beta + step[0], std::abs(tau + step[1]));
      // Near the optimum the gain of a step is below the value's rounding: short steps follow the
      // gradient without the value test.
      const bool short_step = step.cwiseAbs().maxCoeff() < 1e-4;
      if (short_step) value = std::min(value, next);
      for (int half = 0; half < 30 && next < value; ++half) {
        scale *= 0.5;
        next = profile(beta + scale * step[0], std::abs(tau + scale * step[1]));
      }
      if (next < value) break;  // no ascent left at this precision
      beta += scale * step[0];
      tau = std::abs(tau + scale * step[1]);
      value = next;
      last_step = scale * step.cwiseAbs().maxCoeff();
      if (last_step < 1e-10) {
        ++newton_steps;
        break;
      }
    }
    fit.report.iterations = newton_steps;
    fit.report.last_change = last_step;
    fit.report.message = fmt::format("nested Brent on (log tau, beta) with the study intercepts profiled out, then {} "
                                     "Newton step(s) on (beta, tau); last step {:.2g}",
                                     newton_steps, last_step);
  } else if (boundary) {
    fit.report.message = "the likelihood is largest at tau = 0: the common-effect model";
  }
  fit.beta = beta;
  fit.tau = tau;
  fit.tau2 = tau * tau;
  fit.loglik = value;
  profile(beta, tau);
  fit.alpha = profile.alpha();
  if (boundary) {
    fit.se = fit.common_se;
  } else {
    const Derivatives2 d = differentiate(profile, beta, tau, 1e-3 * std::max(0.1, std::min(1.0, tau)));
    const Eigen::Matrix2d information = -d.hessian;
    const Eigen::Matrix2d inverse = information.inverse();
    fit.se = information.determinant() > 0 && inverse(0, 0) > 0 ? std::sqrt(inverse(0, 0)) : kNaN;
    if (!std::isfinite(fit.se)) {
      fit.report.converged = false;
      fit.report.message += "; the information matrix is not positive definite at the estimate";
    }
    profile(beta, tau);
  }

  // Tests and intervals.
  fit.df = options.test == TestType::kT ? k - 1.0 : kNaN;
  const double alpha_level = 1.0 - options.level;
  const double crit = options.test == TestType::kT
                          ? dist::t_upper_quantile(alpha_level / 2, k - 1.0)
                          : dist::normal_upper_quantile(alpha_level / 2);
  auto p_of = [&](double stat) {
    return options.test == TestType::kT ? 2.0 * dist::t_upper(std::abs(stat), k - 1.0)
                                        : 2.0 * dist::normal_upper(std::abs(stat));
  };
  fit.stat = fit.beta / fit.se;
  fit.p = p_of(fit.stat);
  fit.ci_lb = fit.beta - crit * fit.se;
  fit.ci_ub = fit.beta + crit * fit.se;
  const double pred_se = std::sqrt(fit.se * fit.se + fit.tau2);
  fit.pi_lb = fit.beta - crit * pred_se;
  fit.pi_ub = fit.beta + crit * pred_se;
  fit.common_stat = fit.common_beta / fit.common_se;
  fit.common_p = p_of(fit.common_stat);
  fit.common_ci_lb = fit.common_beta - crit * fit.common_se;
  fit.common_ci_ub = fit.common_beta + crit * fit.common_se;

  // Heterogeneity.
  fit.loglik_saturated = 0.0;
  for (const Table& t : tables) {
    auto arm = [](double x, double n) {
      return (x > 0 ? x * std::log(x / n) : 0.0) + (n - x > 0 ? (n - x) * std::log((n - x) / n) : 0.0);
    };
    fit.loglik_saturated += t.log_choose + arm(t.x1, t.n1) + arm(t.x2, t.n2);
  }
  fit.QE_df = k - 1.0;
  fit.QE_lrt = std::max(0.0, 2.0 * (fit.loglik_saturated - fit.loglik_common));
  fit.QE_lrt_p = dist::chi2_upper(fit.QE_lrt, fit.QE_df);
  if (zero_cell) {
    fit.QE_wald = fit.QE_wald_p = kNaN;
    fit.notes.push_back("the Wald test of heterogeneity is not available: a study has a zero cell, so its log odds ratio "
                        "is not finite without a correction (rma.glmm prints a number from a diverged fit)");
  } else {
    fit.QE_wald = std::max(0.0, q_wy2 - q_wy * q_wy / q_w);
    fit.QE_wald_p = dist::chi2_upper(fit.QE_wald, fit.QE_df);
  }
  const Eigen::VectorXd v = Eigen::Map<const Eigen::VectorXd>(vi_escalc.data(), static_cast<Eigen::Index>(vi_escalc.size()));
  fit.typical_variance = detail::typical_within_variance(v);
  fit.I2 = 100.0 * fit.tau2 / (fit.typical_variance + fit.tau2);
  fit.H2 = fit.tau2 / fit.typical_variance + 1.0;
  return fit;
}

}  // namespace carta
