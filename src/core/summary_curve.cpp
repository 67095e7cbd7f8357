#include "carta/summary_curve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "math/lapack.hpp"
#include "math/numbers.hpp"

namespace carta {

namespace {

using detail::kNaN;

[[noreturn]] void bad(const std::string& message) { throw Error(ErrorCategory::kInvalidInput, message); }

// Anscombe-type arcsine transform of a conditional survival p over an interval starting with n
// at risk; finite at p = 0 and p = 1, with variance 1 / (4 (n + 1/2)).
double arcsine(double p, double n) { return std::asin(std::sqrt((n * p + 0.25) / (n + 0.5))); }

// Its exact inverse at n (the harmonic mean of the studies' n for a pooled value): plain
// sin^2 would shrink every event-free interval by about 1 / (4n).
double inverse_arcsine(double y, double n) {
  return std::clamp(((n + 0.5) * std::sin(y) * std::sin(y) - 0.25) / n, 0.0, 1.0);
}

}  // namespace

StudyCurve study_curve_from_km(std::string label, const KaplanMeier& km, std::span<const double> grid) {
  StudyCurve curve;
  curve.label = std::move(label);
  curve.points.push_back({0.0, 1.0, static_cast<double>(km.n)});
  if (km.steps.empty()) return curve;
  for (double t : grid) {
    if (!(t > 0.0) || t > km.steps.back().time) continue;
    double at_risk_after = 0.0;  // patients still followed just after t
    for (const auto& s : km.steps) {
      if (s.time > t) {
        at_risk_after = static_cast<double>(s.n_risk);
        break;
      }
    }
    curve.points.push_back({t, km.at(t).survival, at_risk_after});
  }
  return curve;
}

SummaryCurve summary_survival_curve(std::span<const StudyCurve> studies, double level) {
  if (!(level > 0.0 && level < 1.0)) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("summary_survival_curve: level {} must be in (0, 1)", level));
  }
  if (studies.empty()) bad("summary survival curve: no studies");
  std::set<double> grid_set;
  for (const auto& s : studies) {
    if (s.points.size() < 2) bad(fmt::format("study '{}': its curve needs a point after time 0", s.label));
    const auto& first = s.points.front();
    if (first.time != 0.0 || first.survival != 1.0) {
      bad(fmt::format(
          "study '{}': its curve must start at time 0 with S = 1 and the number of patients at risk",
          s.label));
    }
    for (std::size_t j = 0; j < s.points.size(); ++j) {
      const auto& p = s.points[j];
      if (!std::isfinite(p.time) || !std::isfinite(p.survival) || p.survival < 0.0 || p.survival > 1.0) {
        bad(fmt::format("study '{}': S({}) = {} is not a proportion", s.label, p.time, p.survival));
      }
      if (j > 0 && !(p.time > s.points[j - 1].time)) {
        bad(fmt::format("study '{}': time {} does not follow {}; times must increase", s.label, p.time,
                        s.points[j - 1].time));
      }
      if (j > 0 && p.survival > s.points[j - 1].survival + 1e-12) {
        bad(fmt::format("study '{}': S rises from {} to {} at time {}", s.label, s.points[j - 1].survival,
                        p.survival, p.time));
      }
      if (j > 0 && p.n_risk > s.points[j - 1].n_risk) {
        bad(fmt::format("study '{}': {} at risk at time {} but {} at time {}; the number at risk cannot increase",
                        s.label, p.n_risk, p.time, s.points[j - 1].n_risk, s.points[j - 1].time));
      }
      if (j + 1 < s.points.size() && !(p.n_risk > 0.0)) {
        bad(fmt::format("study '{}': {} at risk at time {}, but a later interval needs patients at risk",
                        s.label, p.n_risk, p.time));
      }
      if (j > 0) grid_set.insert(p.time);
    }
  }
  const std::vector<double> grid(grid_set.begin(), grid_set.end());
  const auto J = static_cast<Eigen::Index>(grid.size());
  for (const auto& s : studies) {
    for (std::size_t j = 1; j < s.points.size(); ++j) {
      if (s.points[j].time != grid[j - 1]) {
        bad(fmt::format(
            "study '{}' has no value at time {:g}, which other studies report: every study needs S and "
            "the number at risk at each grid time up to its last one",
            s.label, grid[j - 1]));
      }
    }
  }

  SummaryCurve out;
  out.level = level;
  const std::size_t K = studies.size();
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(K), J);
  Eigen::MatrixXd v = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(K), J);
  Eigen::MatrixXd n = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(K), J);
  std::vector<std::vector<bool>> observed(K, std::vector<bool>(static_cast<std::size_t>(J), false));
  for (std::size_t k = 0; k < K; ++k) {
    const auto& pts = studies[k].points;
    for (std::size_t j = 1; j < pts.size(); ++j) {
      if (pts[j - 1].survival <= 0.0) {
        out.notes.push_back(
            fmt::format("study '{}' reaches S = 0 at time {:g}; later intervals have no data from it",
                        studies[k].label, pts[j - 1].time));
        break;
      }
      const auto ki = static_cast<Eigen::Index>(k);
      const auto ji = static_cast<Eigen::Index>(j - 1);
      const double p = pts[j].survival / pts[j - 1].survival;
      const double at_risk = pts[j - 1].n_risk;
      y(ki, ji) = arcsine(p, at_risk);
      v(ki, ji) = 1.0 / (4.0 * (at_risk + 0.5));
      n(ki, ji) = at_risk;
      observed[k][j - 1] = true;
    }
  }

  // Between-study covariance: DerSimonian-Laird-type moments per interval (diagonal) and per pair
  // of intervals with weights 1 / sqrt(v_i v_j) (off-diagonal), over the studies that observe
  // both; then the nearest positive semi-definite matrix (negative eigenvalues set to 0).
  Eigen::MatrixXd between = Eigen::MatrixXd::Zero(J, J);
  for (Eigen::Index a = 0; a < J; ++a) {
    for (Eigen::Index b = a; b < J; ++b) {
      double sw = 0, sw2 = 0, sya = 0, syb = 0;
      std::size_t count = 0;
      for (std::size_t k = 0; k < K; ++k) {
        if (!observed[k][static_cast<std::size_t>(a)] || !observed[k][static_cast<std::size_t>(b)]) continue;
        const auto ki = static_cast<Eigen::Index>(k);
        const double w = 1.0 / std::sqrt(v(ki, a) * v(ki, b));
        sw += w;
        sw2 += w * w;
        sya += w * y(ki, a);
        syb += w * y(ki, b);
        ++count;
      }
      if (count < 2) continue;
      const double ma = sya / sw, mb = syb / sw;
      double q = 0;
      for (std::size_t k = 0; k < K; ++k) {
        if (!observed[k][static_cast<std::size_t>(a)] || !observed[k][static_cast<std::size_t>(b)]) continue;
        const auto ki = static_cast<Eigen::Index>(k);
        q += (y(ki, a) - ma) * (y(ki, b) - mb) / std::sqrt(v(ki, a) * v(ki, b));
      }
      const double c = sw - sw2 / sw;
      const double value = (a == b ? q - static_cast<double>(count - 1) : q) / c;
      between(a, b) = between(b, a) = value;
    }
  }
  math::project_to_positive_semidefinite(between);
  out.between = std::move(between);

  // Generalised least squares over each study's observed intervals (a prefix of the grid: a
  // study reports every grid time up to its last). Common effect: the within-study covariances
  // are diagonal, so the normal equations are too. Random effects: V = tau + diag(v) on the
  // study's intervals, inverted through its Cholesky factor (LAPACK), about m^3 / 1.5 flops a
  // study of m intervals.
  auto pool_common = [&](Eigen::VectorXd& beta, Eigen::MatrixXd& cov) {
    Eigen::VectorXd a = Eigen::VectorXd::Zero(J), rhs = Eigen::VectorXd::Zero(J);
    for (std::size_t k = 0; k < K; ++k) {
      const auto ki = static_cast<Eigen::Index>(k);
      for (Eigen::Index j = 0; j < J; ++j) {
        if (!observed[k][static_cast<std::size_t>(j)]) continue;
        a[j] += 1.0 / v(ki, j);
        rhs[j] += y(ki, j) / v(ki, j);
      }
    }
    cov = a.cwiseInverse().asDiagonal();
    beta = rhs.cwiseQuotient(a);
  };
  auto pool_random = [&](const Eigen::MatrixXd& tau, Eigen::VectorXd& beta, Eigen::MatrixXd& cov) {
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(J, J);
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(J);
    Eigen::MatrixXd V;
    for (std::size_t k = 0; k < K; ++k) {
      const auto ki = static_cast<Eigen::Index>(k);
      Eigen::Index m = 0;
      while (m < J && observed[k][static_cast<std::size_t>(m)]) ++m;
      if (m == 0) continue;
      V = tau.topLeftCorner(m, m);
      V.diagonal() += v.row(ki).head(m).transpose();
      // tau is positive semi-definite and v > 0, so V is positive definite.
      if (!math::invert_positive_definite(V)) {
        throw Error(ErrorCategory::kNumerical,
                    fmt::format("summary survival curve: the covariance of study '{}' over its {} intervals "
                                "is not positive definite to working precision",
                                studies[k].label, m));
      }
      A.topLeftCorner(m, m) += V;
      rhs.head(m) += V * y.row(ki).head(m).transpose();
    }
    if (!math::invert_positive_definite(A)) {
      throw Error(ErrorCategory::kNumerical,
                  "summary survival curve: the random-effects information matrix is not positive definite to "
                  "working precision");
    }
    cov = std::move(A);
    beta = cov * rhs;
  };
  Eigen::VectorXd beta_common, beta_random;
  Eigen::MatrixXd cov_common, cov_random;
  pool_common(beta_common, cov_common);
  pool_random(out.between, beta_random, cov_random);

  // Heterogeneity around the common-effect curve.
  std::size_t n_obs = 0;
  for (std::size_t k = 0; k < K; ++k) {
    for (Eigen::Index j = 0; j < J; ++j) {
      if (!observed[k][static_cast<std::size_t>(j)]) continue;
      const auto ki = static_cast<Eigen::Index>(k);
      out.Q += (y(ki, j) - beta_common[j]) * (y(ki, j) - beta_common[j]) / v(ki, j);
      ++n_obs;
    }
  }
  out.Q_df = static_cast<double>(n_obs) - static_cast<double>(J);
  out.H2 = out.Q_df > 0 ? out.Q / out.Q_df : kNaN;
  out.I2 = out.Q_df > 0 ? std::max(0.0, 100.0 * (out.H2 - 1.0) / out.H2) : kNaN;

  // Back to survival: product of the pooled conditional survivals; CI on the log scale by the
  // delta method over the full covariance of the pooled intervals.
  const double z =
      dist::normal_quantile(1.0 - (1.0 - level) / 2.0);
  out.points.push_back({0.0, K, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0});
  // The harmonic mean of the studies' numbers at risk in each interval (the n of the pooled
  // arcsine's inverse).
  Eigen::VectorXd n_pooled(J);
  for (Eigen::Index l = 0; l < J; ++l) {
    double harmonic = 0.0;
    int count = 0;
    for (std::size_t k = 0; k < K; ++k) {
      if (observed[k][static_cast<std::size_t>(l)]) {
        harmonic += 1.0 / n(static_cast<Eigen::Index>(k), l);
        ++count;
      }
    }
    n_pooled[l] = count / harmonic;
  }
  // log S(t_j) = sum over l <= j of log p_l(beta_l): its gradient in beta_l does not depend on j,
  // so Var log S(t_j) = Var log S(t_{j-1}) + g_j^2 cov_jj + 2 g_j sum_{l<j} g_l cov_lj, a running
  // sum over the grid (J^2 in all, not J^3).
  auto curve = [&](const Eigen::VectorXd& beta, const Eigen::MatrixXd& cov, std::vector<std::array<double, 3>>& at) {
    at.assign(static_cast<std::size_t>(J), {0.0, kNaN, kNaN});
    Eigen::VectorXd gradient = Eigen::VectorXd::Zero(J);
    double log_s = 0.0, var = 0.0;
    for (Eigen::Index j = 0; j < J; ++j) {
      const double n_l = n_pooled[j];
      const double p = inverse_arcsine(beta[j], n_l);
      if (p <= 0.0) return;  // S reaches 0 here: 0 from now on, without an interval
      log_s += std::log(p);
      gradient[j] = (n_l + 0.5) * std::sin(2.0 * beta[j]) / (n_l * p);
      var += gradient[j] * gradient[j] * cov(j, j) + 2.0 * gradient[j] * gradient.head(j).dot(cov.col(j).head(j));
      const double se = std::sqrt(std::max(var, 0.0));
      at[static_cast<std::size_t>(j)] = {std::exp(log_s), std::exp(log_s - z * se), std::min(1.0, std::exp(log_s + z * se))};
    }
  };
  std::vector<std::array<double, 3>> common_at, random_at;
  curve(beta_common, cov_common, common_at);
  curve(beta_random, cov_random, random_at);
  for (Eigen::Index j = 0; j < J; ++j) {
    SummaryCurvePoint p;
    p.time = grid[static_cast<std::size_t>(j)];
    for (std::size_t k = 0; k < K; ++k) p.k += observed[k][static_cast<std::size_t>(j)] ? 1 : 0;
    const auto& c = common_at[static_cast<std::size_t>(j)];
    const auto& r = random_at[static_cast<std::size_t>(j)];
    p.common = c[0], p.common_lb = c[1], p.common_ub = c[2];
    p.random = r[0], p.random_lb = r[1], p.random_ub = r[2];
    out.points.push_back(p);
  }
  auto median = [&](auto value) {
    for (std::size_t i = 1; i < out.points.size(); ++i) {
      const double s1 = value(out.points[i]);
      if (s1 <= 0.5) {
        const double s0 = value(out.points[i - 1]);
        const double t0 = out.points[i - 1].time, t1 = out.points[i].time;
        return s0 == s1 ? t1 : t0 + (t1 - t0) * (s0 - 0.5) / (s0 - s1);
      }
    }
    return kNaN;
  };
  out.median_common = median([](const SummaryCurvePoint& p) { return p.common; });
  out.median_random = median([](const SummaryCurvePoint& p) { return p.random; });
  if (K == 1) out.notes.push_back("one study: the summary curve is that study's curve");
  return out;
}

}  // namespace carta
