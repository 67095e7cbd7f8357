#include "carta/exact_ci.hpp"

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/parallel.hpp"
#include "math/decreasing_root.hpp"

namespace carta {

namespace {

// Exact pivot for tau^2: the k - 1 contrasts y_w - y_i (inverse-variance mean) do not depend on
// mu, and their quadratic form in the inverse covariance is chi^2 with k - 1 df at the true tau^2.
double tau2_pivot(const Eigen::VectorXd& y, const Eigen::VectorXd& v, double tau2) {
  const auto k = y.size();
  const Eigen::VectorXd w = v.cwiseInverse() / v.cwiseInverse().sum();
  Eigen::MatrixXd contrasts = Eigen::MatrixXd::Zero(k - 1, k);
  for (Eigen::Index i = 0; i < k - 1; ++i) {
    contrasts.row(i) = w.transpose();
    contrasts(i, i) -= 1.0;
  }
  const Eigen::VectorXd d = contrasts * y;
  const Eigen::MatrixXd cov = contrasts * (v.array() + tau2).matrix().asDiagonal() * contrasts.transpose();
  return d.dot(cov.ldlt().solve(d));
}

// DerSimonian-Laird estimates (tau2, mu) of a sample.
std::pair<double, double> dersimonian_laird(const double* y, const Eigen::VectorXd& v, const Eigen::VectorXd& w_fe,
                                            double sum_w, double denominator) {
  const auto k = v.size();
  double mu_fe = 0.0;
  for (Eigen::Index i = 0; i < k; ++i) mu_fe += w_fe[i] * y[i];
  mu_fe /= sum_w;
  double q = 0.0;
  for (Eigen::Index i = 0; i < k; ++i) q += w_fe[i] * (y[i] - mu_fe) * (y[i] - mu_fe);
  const double tau2 = std::max(0.0, (q - static_cast<double>(k - 1)) / denominator);
  double sw = 0.0, swy = 0.0;
  for (Eigen::Index i = 0; i < k; ++i) {
    const double wi = 1.0 / (v[i] + tau2);
    sw += wi;
    swy += wi * y[i];
  }
  return {tau2, swy / sw};
}

// R's default quantile (type 7) of a sample, which is sorted in place.
double quantile7(std::vector<double>& x, double p) {
  std::sort(x.begin(), x.end());
  const double h = (static_cast<double>(x.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

}  // namespace

ExactCi exact_mean_interval(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const ExactCiOptions& o) {
  const auto k = y.size();
  if (k < 2) {
    throw Error(ErrorCategory::kInvalidInput, fmt::format("the exact interval needs at least 2 studies, but k = {}", k));
  }
  if (v.size() != k || (v.array() <= 0.0).any()) {
    throw Error(ErrorCategory::kInvalidOption, "exact_mean_interval: need one positive variance per study");
  }
  if (!(o.level > 0.0 && o.level < 1.0) || o.draws < 100 || o.tau2_grid < 2 ||
      !(o.tau2_level > 0.0 && o.tau2_level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                "exact_mean_interval: level and tau2 level must be in (0, 1), draws >= 100, grid >= 2");
  }
  ExactCi out;
  const auto kd = static_cast<double>(k);
  // The weight of the likelihood-ratio part: rma.exact's default by k.
  out.c0 = o.c0.value_or(k < 6 ? 1.2 : (k < 10 ? 0.6 : 0.2));
  out.draws = o.draws;
  out.seed = o.seed;
  const double alpha = 1.0 - o.level;
  out.monte_carlo_se = std::sqrt(alpha * (1.0 - alpha) / o.draws);

  // Observed DerSimonian-Laird fit.
  const Eigen::VectorXd w_fe = v.cwiseInverse();
  const double sum_w = w_fe.sum();
  const double denominator = sum_w - w_fe.squaredNorm() / sum_w;
  // Plain variables, not a structured binding: the grid's lambda captures them (C++20 compilers
  // differ on capturing bindings).
  const std::pair<double, double> observed = dersimonian_laird(y.data(), v, w_fe, sum_w, denominator);
  const double tau2_hat = observed.first;
  const double mu_hat = observed.second;
  const double ss = (v.array() + tau2_hat).inverse().sum();
  double obs_ll = 0.0;  // sum (y - mu_hat)^2/(v + tau2_hat) + log(v + tau2_hat)
  for (Eigen::Index i = 0; i < k; ++i) {
    obs_ll += (y[i] - mu_hat) * (y[i] - mu_hat) / (v[i] + tau2_hat) + std::log(v[i] + tau2_hat);
  }

  // The tau^2 range: the exact pivot interval at tau2_level.
  const double q_lower = dist::chi2_quantile(1.0 - o.tau2_level, kd - 1.0);
  if (tau2_pivot(y, v, 0.0) <= q_lower) {
    out.tau2_upper = 0.0;
    out.note = "the studies are more homogeneous than the model expects even at tau2 = 0; only tau2 = 0 is searched";
  } else {
    Tau2Control control;
    control.tau2_upper_start = std::max(1e-8, 9.0 * (y.array() - y.mean()).square().sum() / (kd - 1.0));
    const auto root = detail::solve_decreasing([&](double t) { return tau2_pivot(y, v, t) - q_lower; }, control);
    out.tau2_upper = root.root;
  }
  std::vector<double> grid;
  for (int g = 0; g < o.tau2_grid; ++g) grid.push_back(out.tau2_upper * g / (o.tau2_grid - 1));
  if (tau2_hat > 0.0 && tau2_hat < out.tau2_upper) grid.push_back(tau2_hat);

  // Common random numbers: one standard normal per study and draw, reused at every tau^2.
  boost::random::mt19937_64 rng(o.seed);
  boost::random::normal_distribution<double> normal;
  Eigen::MatrixXd z(k, o.draws);
  for (int b = 0; b < o.draws; ++b)
    for (Eigen::Index i = 0; i < k; ++i) z(i, b) = normal(rng);

  // Each tau^2 of the grid is independent given the common random numbers: they run on every
  // core, each into its own slot, and are combined in grid order, so the interval does not depend
  // on the thread count.
  constexpr int kParts = 4;
  struct GridPoint {
    bool accepted = false;
    double lower = 0.0, upper = 0.0;
    std::array<double, kParts> part_lb, part_ub;
  };
  std::vector<GridPoint> points(grid.size());
  parallel_for(grid.size(), o.threads, [&](std::size_t index) {
    const double tau2 = grid[index];
    GridPoint& point = points[index];
    point.part_lb.fill(std::numeric_limits<double>::infinity());
    point.part_ub.fill(-std::numeric_limits<double>::infinity());
    std::vector<double> t0(static_cast<std::size_t>(o.draws));
    std::vector<double> part(static_cast<std::size_t>(o.draws / kParts));
    std::vector<double> sample(static_cast<std::size_t>(k));
    // Null distribution of T = T1 + c0 T2 at (mu = 0, tau2); T is location-invariant.
    double log_det = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) log_det += std::log(v[i] + tau2);
    for (int b = 0; b < o.draws; ++b) {
      double z2 = 0.0;
      for (Eigen::Index i = 0; i < k; ++i) {
        sample[static_cast<std::size_t>(i)] = std::sqrt(v[i] + tau2) * z(i, b);
        z2 += z(i, b) * z(i, b);
      }
      const auto [t2, m] = dersimonian_laird(sample.data(), v, w_fe, sum_w, denominator);
      double sw = 0.0, fit = 0.0;
      for (Eigen::Index i = 0; i < k; ++i) {
        const double wi = 1.0 / (v[i] + t2);
        const double r = sample[static_cast<std::size_t>(i)] - m;
        sw += wi;
        fit += r * r * wi + std::log(v[i] + t2);
      }
      const double T1 = m * m * sw;
      const double T2 = 0.5 * (z2 + log_det - fit);  // half of -2 log LR of (0, tau2) against the DL fit
      t0[static_cast<std::size_t>(b)] = T1 + out.c0 * T2;
    }
    std::array<double, kParts> part_q;
    for (int g = 0; g < kParts; ++g) {
      std::copy(t0.begin() + g * static_cast<std::ptrdiff_t>(part.size()),
                t0.begin() + (g + 1) * static_cast<std::ptrdiff_t>(part.size()), part.begin());
      part_q[static_cast<std::size_t>(g)] = quantile7(part, o.level);
    }
    const double q = quantile7(t0, o.level);
    // Observed statistic as a quadratic in mu: accept mu where a mu^2 + b mu + c <= 0.
    double s_w = 0.0, s_wy = 0.0, s_wy2 = 0.0, s_log = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) {
      const double wi = 1.0 / (v[i] + tau2);
      s_w += wi;
      s_wy += wi * y[i];
      s_wy2 += wi * y[i] * y[i];
      s_log += std::log(v[i] + tau2);
    }
    const double a = 0.5 * out.c0 * s_w + ss;
    const double b = -2.0 * mu_hat * ss - out.c0 * s_wy;
    const double c_without_q = 0.5 * out.c0 * (s_wy2 + s_log - obs_ll) + mu_hat * mu_hat * ss;
    for (int g = 0; g < kParts; ++g) {
      const double dg = b * b - 4.0 * a * (c_without_q - part_q[static_cast<std::size_t>(g)]);
      if (dg < 0.0) continue;
      point.part_lb[static_cast<std::size_t>(g)] = (-b - std::sqrt(dg)) / (2.0 * a);
      point.part_ub[static_cast<std::size_t>(g)] = (-b + std::sqrt(dg)) / (2.0 * a);
    }
    const double disc = b * b - 4.0 * a * (c_without_q - q);
    if (disc < 0.0) return;
    point.accepted = true;
    point.lower = (-b - std::sqrt(disc)) / (2.0 * a);
    point.upper = (-b + std::sqrt(disc)) / (2.0 * a);
  });

  out.lb = std::numeric_limits<double>::infinity();
  out.ub = -std::numeric_limits<double>::infinity();
  std::array<double, kParts> part_lb, part_ub;
  part_lb.fill(std::numeric_limits<double>::infinity());
  part_ub.fill(-std::numeric_limits<double>::infinity());
  for (std::size_t index = 0; index < grid.size(); ++index) {
    const GridPoint& point = points[index];
    for (std::size_t g = 0; g < kParts; ++g) {
      part_lb[g] = std::min(part_lb[g], point.part_lb[g]);
      part_ub[g] = std::max(part_ub[g], point.part_ub[g]);
    }
    if (!point.accepted) continue;
    if (point.lower < out.lb) out.lb = point.lower, out.tau2_at_lb = grid[index];
    if (point.upper > out.ub) out.ub = point.upper, out.tau2_at_ub = grid[index];
  }
  auto half_sd = [](const std::array<double, kParts>& x) {
    double mean = 0.0;
    for (const double xi : x) mean += xi / kParts;
    double ss_dev = 0.0;
    for (const double xi : x) ss_dev += (xi - mean) * (xi - mean);
    return 0.5 * std::sqrt(ss_dev / (kParts - 1));
  };
  out.lb_mc_sd = half_sd(part_lb);
  out.ub_mc_sd = half_sd(part_ub);
  if (!std::isfinite(out.lb)) {
    throw Error(ErrorCategory::kNumerical, "the exact interval is empty: no (mu, tau2) pair is accepted");
  }
  if (out.tau2_upper > 0.0 && out.tau2_at_ub >= out.tau2_upper * 0.999) {
    out.note = "a bound was attained at the upper end of the tau2 range searched (the 99.5% pivot limit)";
  }
  return out;
}

}  // namespace carta
