#include "carta/mixed_model.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "projection.hpp"
#include "math/numbers.hpp"

namespace carta {

namespace {

using detail::kNaN;

void check_design(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                  const std::vector<std::string>& names) {
  const auto k = y.size();
  const auto p = x.cols();
  if (v.size() != k || x.rows() != k || static_cast<Eigen::Index>(names.size()) != p) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("fit_mixed_model: y has {} values, v {}, x {}x{}, names {}; they must agree",
                            k, v.size(), x.rows(), x.cols(), names.size()));
  }
  if (k <= p) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("meta-regression needs more studies than coefficients: k = {}, but the "
                            "model has {} coefficient(s) ({}); use fewer moderators or levels",
                            k, p, fmt::join(names, ", ")));
  }
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(x);
  if (qr.rank() < p) {
    // Name the first column that is a combination of the earlier ones.
    for (Eigen::Index j = 1; j <= p; ++j) {
      const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> sub(x.leftCols(j));
      if (sub.rank() < j) {
        const bool constant = (x.col(j - 1).array() == x(0, j - 1)).all();
        throw Error(ErrorCategory::kInvalidInput,
                    constant ? fmt::format("moderator term '{}' is constant across the {} studies: it "
                                           "cannot explain differences between them; drop it",
                                           names[static_cast<std::size_t>(j - 1)], k)
                             : fmt::format("moderator term '{}' is collinear with earlier terms ({}): "
                                           "the coefficients are not identifiable; drop one of them",
                                           names[static_cast<std::size_t>(j - 1)],
                                           fmt::join(names.begin(), names.begin() + (j - 1), ", ")));
      }
    }
  }
}

}  // namespace

MixedModelFit fit_mixed_model(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                              const Eigen::MatrixXd& x, const std::vector<std::string>& names,
                              bool intercept, const MixedModelOptions& options) {
  check_design(y, v, x, names);
  MixedModelFit fit;
  fit.k = static_cast<std::size_t>(y.size());
  fit.p = static_cast<std::size_t>(x.cols());
  const double k = static_cast<double>(fit.k);
  const double p = static_cast<double>(fit.p);
  const double alpha = 1.0 - options.level;

  if (options.fixed_tau2) {
    fit.tau2 = *options.fixed_tau2;
    fit.tau2_se = kNaN;
    fit.tau2_report.message = "tau2 fixed by the caller";
  } else {
    const Tau2Estimate t2 = estimate_tau2(y, v, x, options.method, options.control);
    fit.tau2 = t2.tau2;
    fit.tau2_se = t2.se;
    fit.tau2_report = t2.report;
  }

  const detail::WeightedProjection proj((v.array() + fit.tau2).inverse().matrix(), x);
  const Eigen::VectorXd beta = proj.coefficients(y);
  fit.vcov = proj.xtwx_inverse();
  double crit = 0.0;
  if (options.test == TestType::kKnha) {
    fit.df = k - p;
    const double rss = proj.quadratic_form(y);
    fit.knha_scale = rss <= std::numeric_limits<double>::epsilon() ? 0.0 : rss / fit.df;
    fit.vcov *= fit.knha_scale;
    crit = dist::t_quantile(1.0 - alpha / 2.0, fit.df);
  } else if (options.test == TestType::kT) {
    fit.df = k - p;
    crit = dist::t_quantile(1.0 - alpha / 2.0, fit.df);
  } else {
    fit.df = kNaN;
    crit = dist::normal_quantile(1.0 - alpha / 2.0);
  }

  for (std::size_t j = 0; j < fit.p; ++j) {
    const auto jj = static_cast<Eigen::Index>(j);
    Coefficient c;
    c.name = names[j];
    c.est = beta[jj];
    c.se = std::sqrt(fit.vcov(jj, jj));
    c.stat = c.est / c.se;
    if (std::isnan(c.stat)) {
      c.p = std::numeric_limits<double>::quiet_NaN();  // 0/0: no test (as metafor)
    } else if (options.test != TestType::kZ) {
      c.p = 2.0 * dist::t_upper(std::abs(c.stat), fit.df);
    } else {
      c.p = 2.0 * dist::normal_upper(std::abs(c.stat));
    }
    c.ci_lb = c.est - crit * c.se;
    c.ci_ub = c.est + crit * c.se;
    fit.coefficients.push_back(std::move(c));
  }

  // Omnibus test of the moderators (all coefficients but the intercept).
  const Eigen::Index first = intercept ? 1 : 0;
  const Eigen::Index m = x.cols() - first;
  fit.QM_df = static_cast<double>(m);
  if (m > 0) {
    const Eigen::VectorXd b = beta.tail(m);
    const Eigen::MatrixXd vb = fit.vcov.bottomRightCorner(m, m);
    fit.QM = b.dot(vb.ldlt().solve(b));
    if (options.test != TestType::kZ) {
      fit.QM /= static_cast<double>(m);
      fit.QM_df2 = fit.df;
      fit.QM_p = dist::f_upper(fit.QM, static_cast<double>(m), fit.df);
    } else {
      fit.QM_df2 = kNaN;
      fit.QM_p = dist::chi2_upper(fit.QM, static_cast<double>(m));
    }
  } else {
    fit.QM = fit.QM_p = fit.QM_df2 = kNaN;
  }

  // Residual heterogeneity with inverse-variance weights.
  const detail::WeightedProjection fe(v.cwiseInverse(), x);
  fit.QE = std::max(0.0, fe.quadratic_form(y));
  fit.QE_df = k - p;
  fit.QE_p = dist::chi2_upper(fit.QE, fit.QE_df);
  const double typical = (k - p) / fe.trace();
  fit.I2 = 100.0 * fit.tau2 / (typical + fit.tau2);
  fit.H2 = fit.tau2 / typical + 1.0;

  fit.fit_statistics = fit_statistics(y, v, x, fit.tau2, !options.fixed_tau2);

  // R^2 as metafor (r2def "1"): proportional reduction of tau^2 from the intercept-only model.
  fit.R2 = kNaN;
  fit.tau2_intercept_only = kNaN;
  if (intercept && m > 0 && options.compute_r2 && !options.fixed_tau2) {
    const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(y.size(), 1);
    const Tau2Estimate null_fit = estimate_tau2(y, v, ones, options.method, options.control);
    // An intercept-only estimate that did not converge (the iterated DL step can cycle) gives no
    // R^2: NaN, printed as not available, as metafor leaves it NA.
    if (null_fit.report.converged) {
      const double tau2_re = null_fit.tau2;
      fit.tau2_intercept_only = tau2_re;
      fit.R2 = tau2_re == 0.0 ? 0.0 : std::max(0.0, 100.0 * (tau2_re - fit.tau2) / tau2_re);
    }
  }
  return fit;
}

}  // namespace carta
