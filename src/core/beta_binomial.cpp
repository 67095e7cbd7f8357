#include "carta/beta_binomial.hpp"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <boost/math/tools/minima.hpp>
#include <boost/math/tools/roots.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <fmt/format.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

#include "carta/error.hpp"

namespace carta {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Studies up to this size use the exact product form of the likelihood; larger ones lgamma.
constexpr double kProductFormLimit = 2000.0;
constexpr double kRhoMax = 1.0 - 1e-9;

struct Cell {
  double x, n, log_choose;
};

// Everything in terms of the mean pi and rho = theta / (1 + theta) in [0, 1), a bounded scale
// on which the profile is searched.
class Likelihood {
 public:
  explicit Likelihood(std::span<const ProportionStudy> studies) {
    for (const auto& s : studies) {
      const auto x = static_cast<double>(s.events);
      const auto n = static_cast<double>(s.n);
      cells_.push_back({x, n, std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0)});
    }
  }

  double value(double pi, double rho) const {
    const double theta = rho / (1.0 - rho);
    double total = 0.0;
    for (const auto& c : cells_) {
      total += c.log_choose;
      if (c.n <= kProductFormLimit || theta < 1e-12) {
        if (theta < 1e-12) {
          total += (c.x > 0 ? c.x * std::log(pi) : 0.0) + (c.x < c.n ? (c.n - c.x) * std::log1p(-pi) : 0.0);
          continue;
        }
        for (int j = 0; j < static_cast<int>(c.x); ++j) total += std::log(pi + j * theta);
        for (int j = 0; j < static_cast<int>(c.n - c.x); ++j) total += std::log(1.0 - pi + j * theta);
        for (int j = 0; j < static_cast<int>(c.n); ++j) total -= std::log1p(j * theta);
      } else {
        const double a = pi / theta, b = (1.0 - pi) / theta;
        total += std::lgamma(c.x + a) - std::lgamma(a) + std::lgamma(c.n - c.x + b) - std::lgamma(b) -
                 std::lgamma(c.n + 1.0 / theta) + std::lgamma(1.0 / theta);
      }
    }
    return total;
  }

  // First and second derivatives in pi at fixed rho.
  std::pair<double, double> pi_derivatives(double pi, double rho) const {
    const double theta = rho / (1.0 - rho);
    double d1 = 0.0, d2 = 0.0;
    for (const auto& c : cells_) {
      if (c.n <= kProductFormLimit || theta < 1e-12) {
        for (int j = 0; j < static_cast<int>(c.x); ++j) {
          const double u = 1.0 / (pi + j * theta);
          d1 += u;
          d2 -= u * u;
        }
        for (int j = 0; j < static_cast<int>(c.n - c.x); ++j) {
          const double u = 1.0 / (1.0 - pi + j * theta);
          d1 -= u;
          d2 -= u * u;
        }
      } else {
        const double a = pi / theta, b = (1.0 - pi) / theta;
        using boost::math::digamma;
        using boost::math::trigamma;
        d1 += (digamma(c.x + a) - digamma(a) - digamma(c.n - c.x + b) + digamma(b)) / theta;
        d2 += (trigamma(c.x + a) - trigamma(a) + trigamma(c.n - c.x + b) - trigamma(b)) / (theta * theta);
      }
    }
    return {d1, d2};
  }

  // The log-likelihood is concave in pi: safeguarded Newton on its derivative.
  double best_pi(double rho, double guess) const {
    std::uintmax_t iterations = 200;
    return boost::math::tools::newton_raphson_iterate(
        [&](double p) { return pi_derivatives(p, rho); }, std::clamp(guess, 1e-12, 1.0 - 1e-12), 1e-15, 1.0 - 1e-15,
        45, iterations);
  }

 private:
  std::vector<Cell> cells_;
};

}  // namespace

double beta_binomial_log_likelihood(std::span<const ProportionStudy> studies, double pi, double theta) {
  return Likelihood(studies).value(pi, theta / (1.0 + theta));
}

BetaBinomialFit fit_beta_binomial(std::span<const ProportionStudy> studies, const BetaBinomialOptions& options) {
  if (studies.empty()) throw Error(ErrorCategory::kInvalidInput, "fit_beta_binomial: no studies (k = 0)");
  if (!(options.level > 0.0 && options.level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption, fmt::format("fit_beta_binomial: level is {}", options.level));
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

  // Profile over rho in [0, 1): Brent, then the boundary rho = 0 compared explicitly.
  double pi_guess = p_pooled;
  auto negative_profile = [&](double rho) {
    pi_guess = ll.best_pi(rho, pi_guess);
    return -ll.value(pi_guess, rho);
  };
  std::uintmax_t brent_iterations = static_cast<std::uintmax_t>(options.max_iterations);
  const auto best = boost::math::tools::brent_find_minima(negative_profile, 0.0, kRhoMax, 45, brent_iterations);
  double rho = best.first;
  double pi = ll.best_pi(rho, pi_guess);
  if (fit.loglik_binomial >= ll.value(pi, rho)) {
    rho = 0.0;
    pi = p_pooled;
  }
  fit.report.iterations = static_cast<int>(brent_iterations);
  fit.report.converged = brent_iterations < static_cast<std::uintmax_t>(options.max_iterations);
  fit.report.message = fit.report.converged
                           ? fmt::format("profile likelihood maximised over rho by Brent's method in {} iterations{}",
                                         brent_iterations, rho == 0.0 ? " (maximum at rho = 0: no overdispersion)" : "")
                           : "Brent's method did not converge";
  if (rho > 0.999) {
    fit.notes.push_back("the overdispersion estimate is at its upper limit (rho near 1): the studies behave like "
                        "single Bernoulli trials, and the mean is weakly identified");
  }
  fit.pi = pi;
  fit.rho = rho;
  fit.theta = rho / (1.0 - rho);
  fit.loglik = ll.value(pi, rho);
  fit.lrt_overdispersion = std::max(0.0, 2.0 * (fit.loglik - fit.loglik_binomial));
  fit.lrt_p = 0.5 * boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(1.0),
                                                             fit.lrt_overdispersion));
  if (fit.lrt_overdispersion == 0.0) fit.lrt_p = 1.0;

  // Wald interval on the logit from the observed information in (logit pi, rho).
  const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - (1.0 - options.level) / 2.0);
  fit.logit_pi = std::log(pi / (1.0 - pi));
  {
    auto f = [&](double l, double r) { return ll.value(1.0 / (1.0 + std::exp(-l)), r); };
    const double hl = 1e-4, hr = 1e-5;
    const double f0 = f(fit.logit_pi, rho);
    const double d_ll = (f(fit.logit_pi + hl, rho) - 2 * f0 + f(fit.logit_pi - hl, rho)) / (hl * hl);
    double var = -1.0 / d_ll;
    if (rho > 10 * hr && rho < kRhoMax - 10 * hr) {
      const double d_rr = (f(fit.logit_pi, rho + hr) - 2 * f0 + f(fit.logit_pi, rho - hr)) / (hr * hr);
      const double d_lr = (f(fit.logit_pi + hl, rho + hr) - f(fit.logit_pi + hl, rho - hr) - f(fit.logit_pi - hl, rho + hr) +
                           f(fit.logit_pi - hl, rho - hr)) /
                          (4 * hl * hr);
      Eigen::Matrix2d h;
      h << -d_ll, -d_lr, -d_lr, -d_rr;
      var = h.inverse()(0, 0);
    }
    fit.logit_pi_se = std::sqrt(var);
    fit.pi_wald_lb = 1.0 / (1.0 + std::exp(-(fit.logit_pi - z * fit.logit_pi_se)));
    fit.pi_wald_ub = 1.0 / (1.0 + std::exp(-(fit.logit_pi + z * fit.logit_pi_se)));
  }

  // Profile-likelihood intervals: 2 (l_max - l_p) = chi^2_1(level).
  const double target = fit.loglik - 0.5 * boost::math::quantile(boost::math::chi_squared_distribution<double>(1.0),
                                                                 options.level);
  auto tolerance = [](double a, double b) { return std::abs(b - a) <= 1e-10 * std::max(1e-6, std::abs(a)); };
  // For pi: maximise over rho at each pi.
  auto profile_pi = [&](double p) {
    std::uintmax_t it = 200;
    const auto r = boost::math::tools::brent_find_minima([&](double rr) { return -ll.value(p, rr); }, 0.0, kRhoMax, 45, it);
    return std::max(-r.second, ll.value(p, 0.0)) - target;
  };
  {
    std::uintmax_t it = 200;
    const double lo = 1e-12;
    if (profile_pi(lo) >= 0.0) {
      fit.pi_ci_lb = 0.0;
    } else {
      const auto r = boost::math::tools::toms748_solve(profile_pi, lo, pi, tolerance, it);
      fit.pi_ci_lb = 0.5 * (r.first + r.second);
    }
    it = 200;
    const double hi = 1.0 - 1e-12;
    if (profile_pi(hi) >= 0.0) {
      fit.pi_ci_ub = 1.0;
    } else {
      const auto r = boost::math::tools::toms748_solve(profile_pi, pi, hi, tolerance, it);
      fit.pi_ci_ub = 0.5 * (r.first + r.second);
    }
  }
  // For rho (theta): maximise over pi at each rho.
  {
    double guess = pi;
    auto profile_rho = [&](double r) {
      guess = ll.best_pi(r, guess);
      return ll.value(guess, r) - target;
    };
    std::uintmax_t it = 200;
    if (profile_rho(0.0) >= 0.0) {
      fit.rho_ci_lb = 0.0;
    } else {
      const auto r = boost::math::tools::toms748_solve(profile_rho, 0.0, rho, tolerance, it);
      fit.rho_ci_lb = 0.5 * (r.first + r.second);
    }
    it = 200;
    guess = pi;
    if (profile_rho(kRhoMax) >= 0.0) {
      fit.rho_ci_ub = 1.0;
      fit.notes.push_back("the profile-likelihood interval for the overdispersion has no finite upper bound");
    } else {
      const auto r = boost::math::tools::toms748_solve(profile_rho, std::max(rho, 1e-12), kRhoMax, tolerance, it);
      fit.rho_ci_ub = 0.5 * (r.first + r.second);
    }
    fit.theta_ci_lb = fit.rho_ci_lb / (1.0 - fit.rho_ci_lb);
    fit.theta_ci_ub = fit.rho_ci_ub >= 1.0 ? std::numeric_limits<double>::infinity() : fit.rho_ci_ub / (1.0 - fit.rho_ci_ub);
  }
  if (studies.size() == 1) {
    fit.notes.push_back("k = 1: the overdispersion is not identifiable from one study");
  }
  return fit;
}

PoolResult pool_proportions_bb(std::span<const ProportionStudy> studies, const PoolOptions& options,
                               BetaBinomialFit* details) {
  if (options.measure != Measure::kPLO) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("--method BB reports the mean proportion on the logit scale: use --measure PLO, not {}",
                            to_string(options.measure)));
  }
  if (options.test != TestType::kZ) {
    throw Error(ErrorCategory::kInvalidOption,
                "--method BB uses profile-likelihood intervals; --test knha and --test t do not apply (use z)");
  }
  BetaBinomialOptions bo;
  bo.level = options.level;
  const BetaBinomialFit f = fit_beta_binomial(studies, bo);
  if (details) *details = f;
  PoolResult r = pool_proportions(studies, options);
  r.model = "BB";
  auto logit = [](double p) { return std::log(p / (1.0 - p)); };
  const double alpha_level = 1.0 - options.level;
  const double z = boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - alpha_level / 2.0);

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
  ce.p = 2.0 * boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), std::abs(ce.z)));
  ce.prop = p_hat;
  ce.prop_ci_lb = 1.0 / (1.0 + std::exp(-ce.ci_lb));
  ce.prop_ci_ub = 1.0 / (1.0 + std::exp(-ce.ci_ub));

  auto& re = r.random;
  re.est = f.logit_pi;
  re.se = f.logit_pi_se;
  re.ci_lb = f.pi_ci_lb > 0.0 ? logit(f.pi_ci_lb) : -std::numeric_limits<double>::infinity();
  re.ci_ub = f.pi_ci_ub < 1.0 ? logit(f.pi_ci_ub) : std::numeric_limits<double>::infinity();
  re.stat = re.est / re.se;
  re.p = 2.0 * boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), std::abs(re.stat)));
  re.df = re.knha_scale = re.pi_df = kNaN;
  re.prop = f.pi;
  re.prop_ci_lb = f.pi_ci_lb;
  re.prop_ci_ub = f.pi_ci_ub;
  if (f.theta > 0.0) {
    const boost::math::beta_distribution<double> beta(f.pi / f.theta, (1.0 - f.pi) / f.theta);
    re.prop_pi_lb = boost::math::quantile(beta, alpha_level / 2.0);
    re.prop_pi_ub = boost::math::quantile(beta, 1.0 - alpha_level / 2.0);
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
