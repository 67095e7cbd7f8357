// The iterated and corrected variants metafor offers beside the classic estimators:
//   HSk   Hunter-Schmidt with the small-sample factor k / (k - p) on Q (Brannick et al. 2019);
//   DLIT  DerSimonian-Laird iterated: the DL moment step repeated with weights 1/(v + tau2)
//         (DerSimonian & Kacker 2007), each step truncated at 0;
//   SJIT  Sidik-Jonkman iterated: tau2 <- tau2 Q(tau2) / (k - p) from the SJ starting value; its
//         positive fixed point is the Paule-Mandel root, reached here by metafor's own iteration;
//   PMM   median-unbiased Paule-Mandel (Viechtbauer 2021): Q(tau2) equal to the median of the
//         chi-square distribution with k - p degrees of freedom instead of its mean.
// Each replicates metafor's rma.uni(method = ...), including its se.tau2 formula.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "carta/distributions.hpp"
#include "../projection.hpp"
#include "estimators.hpp"

namespace carta::detail {

Tau2Estimate tau2_hsk(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x) {
  const auto k = static_cast<double>(y.size());
  return tau2_hs_scaled(y, v, x, k / (k - static_cast<double>(x.cols())));
}

namespace {

// Runs tau2 <- step(tau2) from start until a step changes tau2 by at most
// threshold * max(typical_v, tau2), as metafor iterates DLIT and SJIT (its threshold is absolute;
// relative to the sampling variances, the same data in other units stop at the same point). Those steps contract slowly on some data (rates near 1 take
// thousands of steps), so once the step ratio is steady and below 1 in size, Aitken's delta-squared
// extrapolation jumps towards the limit and the plain steps continue from there: the result is
// still a point whose own step is below the threshold, the fixed point metafor's iteration
// approaches. A cycle or a diverging iteration (ratio -1, or above 1 in size) is never
// extrapolated, so it ends unconverged, as it does in metafor.
template <typename Step>
double iterate_fixed_point(double start, Step step, double typical_v, const Tau2Control& control,
                           const char* name, IterationReport& report) {
  report.iterative = true;
  report.converged = false;
  double tau2 = start;
  double prev_change = std::numeric_limits<double>::quiet_NaN();  // signed
  double prev_ratio = std::numeric_limits<double>::quiet_NaN();
  int plain_steps = 0;
  for (int iter = 1; iter <= control.max_iterations; ++iter) {
    const double next = step(tau2);
    report.iterations = iter;
    if (!std::isfinite(next)) {
      report.last_change = std::abs(next - tau2);
      report.message = fmt::format("{} step is not finite at tau2 = {:.17g}", name, tau2);
      return tau2;
    }
    const double change = next - tau2;
    report.last_change = std::abs(change);
    tau2 = next;
    if (report.last_change <= control.threshold * std::max(typical_v, tau2)) {
      report.converged = true;
      report.message = fmt::format("{} converged after {} iterations", name, iter);
      return tau2;
    }
    ++plain_steps;
    const double ratio = change / prev_change;
    const bool steady = std::isfinite(ratio) && std::abs(ratio) < 0.999 &&
                        std::abs(ratio - prev_ratio) <= 1e-3 * std::abs(ratio);
    prev_ratio = ratio;
    prev_change = change;
    if (steady && plain_steps >= 3) {
      // Geometric tail: the remaining distance is change * ratio / (1 - ratio).
      tau2 = std::max(0.0, tau2 + change * ratio / (1.0 - ratio));
      plain_steps = 0;
      prev_change = prev_ratio = std::numeric_limits<double>::quiet_NaN();
    }
  }
  report.message = fmt::format("{} did not converge in {} iterations (last change {:.3g})", name,
                               control.max_iterations, report.last_change);
  return tau2;
}

}  // namespace

Tau2Estimate tau2_dlit(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                       const Tau2Control& control) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  Tau2Estimate est;
  bool last_truncated = false;
  auto step = [&](double tau2) {
    const WeightedProjection proj((v.array() + tau2).inverse().matrix(), x);
    const double raw = (proj.quadratic_form(y) - (k - p)) / proj.trace();
    last_truncated = raw < 0.0;
    return std::max(0.0, raw);
  };
  est.tau2 = iterate_fixed_point(0.0, step, v.mean(), control, "iterated DL", est.report);
  est.truncated = last_truncated && est.tau2 == 0.0;
  // metafor's se.tau2 for DL, with the projection at the final weights 1/(v + tau2).
  const WeightedProjection proj((v.array() + est.tau2).inverse().matrix(), x);
  const double tr_p = proj.trace();
  const double t = est.tau2;
  est.se = std::sqrt((2.0 * (k - p) + 4.0 * t * tr_p + 2.0 * t * t * proj.trace_square()) /
                     (tr_p * tr_p));
  return est;
}

Tau2Estimate tau2_sjit(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                       const Tau2Control& control) {
  const auto k = static_cast<double>(y.size());
  const auto p = static_cast<double>(x.cols());
  Tau2Estimate est;
  const double start = (y.array() - y.mean()).square().sum() / k;
  auto step = [&](double tau2) { return tau2 * generalised_q_unchecked(y, v, x, tau2) / (k - p); };
  est.tau2 = iterate_fixed_point(start, step, v.mean(), control, "iterated SJ", est.report);
  est.se = tau2_se_pm(v, est.tau2, x.cols());
  return est;
}

Tau2Estimate tau2_pmm(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                      const Tau2Control& control) {
  const auto df = static_cast<double>(y.size() - x.cols());
  return tau2_q_root(y, v, x, dist::chi2_quantile(0.5, df),
                     "the median of chi-square(k - p)", control);
}

}  // namespace carta::detail
