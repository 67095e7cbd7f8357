#include "carta/influence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "carta/design.hpp"
#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "projection.hpp"

namespace carta {

namespace {

Eigen::MatrixXd drop_row(const Eigen::MatrixXd& m, Eigen::Index i) {
  Eigen::MatrixXd out(m.rows() - 1, m.cols());
  out.topRows(i) = m.topRows(i);
  out.bottomRows(m.rows() - 1 - i) = m.bottomRows(m.rows() - 1 - i);
  return out;
}

Eigen::VectorXd drop_entry(const Eigen::VectorXd& v, Eigen::Index i) {
  Eigen::VectorXd out(v.size() - 1);
  out.head(i) = v.head(i);
  out.tail(v.size() - 1 - i) = v.tail(v.size() - 1 - i);
  return out;
}

}  // namespace

std::vector<InfluenceRow> influence_diagnostics(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                                                const Eigen::MatrixXd& x, const std::vector<std::string>& names,
                                                const std::vector<std::string>& labels, bool intercept,
                                                const MixedModelOptions& options) {
  const Eigen::Index k = y.size();
  const Eigen::Index p = x.cols();
  if (k < p + 2) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("influence diagnostics need at least {} studies for {} coefficient(s), but k = {}", p + 2, p, k));
  }
  if (static_cast<Eigen::Index>(labels.size()) != k) {
    throw Error(ErrorCategory::kInvalidOption, "influence_diagnostics: one label per study is needed");
  }
  MixedModelOptions sub = options;
  sub.compute_r2 = false;
  const MixedModelFit full = fit_mixed_model(y, v, x, names, intercept, sub);
  Eigen::VectorXd beta(p);
  for (Eigen::Index j = 0; j < p; ++j) beta[j] = full.coefficients[static_cast<std::size_t>(j)].est;
  const Eigen::VectorXd pred_full = x * beta;
  const Eigen::VectorXd w = (v.array() + full.tau2).inverse();
  const detail::WeightedProjection proj(w, x);
  const Eigen::MatrixXd& m_inv = proj.xtwx_inverse();

  // Cook's distance and the covariance ratio use every coefficient, the intercept included
  // (metafor's influence() sets btt = 1:p), so the chi-square reference has p df.
  const Eigen::Index first = 0;
  const Eigen::Index m = p;
  const Eigen::MatrixXd vb_btt = full.vcov.block(first, first, m, m);
  const auto vb_btt_ldlt = vb_btt.ldlt();
  const double det_full = vb_btt.determinant();
  const double kd = static_cast<double>(k);
  const double pd = static_cast<double>(p);

  std::vector<InfluenceRow> rows;
  rows.reserve(static_cast<std::size_t>(k));
  for (Eigen::Index i = 0; i < k; ++i) {
    InfluenceRow row;
    row.label = labels[static_cast<std::size_t>(i)];
    const Eigen::RowVectorXd xi = x.row(i);
    row.hat = w[i] * xi.dot(m_inv * xi.transpose());
    row.weight = 100.0 * w[i] / w.sum();

    const MixedModelFit del = fit_mixed_model(drop_entry(y, i), drop_entry(v, i), drop_row(x, i), names, intercept, sub);
    Eigen::VectorXd beta_del(p);
    for (Eigen::Index j = 0; j < p; ++j) beta_del[j] = del.coefficients[static_cast<std::size_t>(j)].est;
    const double s2w = options.test == TestType::kKnha ? del.knha_scale : 1.0;
    row.converged = del.tau2_report.converged;
    row.tau2_del = del.tau2;
    row.QE_del = del.QE;
    const double delpred = xi.dot(beta_del);
    const double vdelpred = xi.dot(del.vcov * xi.transpose());
    row.dffits = (pred_full[i] - delpred) / std::sqrt(s2w * row.hat * (del.tau2 + v[i]));

    const Eigen::VectorXd w_del_all = (v.array() + del.tau2).inverse();
    const detail::WeightedProjection proj_del(w_del_all, x);
    const Eigen::VectorXd dfb = beta - beta_del;
    row.dfbetas.resize(static_cast<std::size_t>(p));
    for (Eigen::Index j = 0; j < p; ++j) {
      row.dfbetas[static_cast<std::size_t>(j)] = dfb[j] / std::sqrt(s2w * proj_del.xtwx_inverse()(j, j));
    }
    const Eigen::VectorXd dfb_btt = dfb.segment(first, m);
    row.cook_d = dfb_btt.dot(vb_btt_ldlt.solve(dfb_btt));
    row.cov_r = del.vcov.block(first, first, m, m).determinant() / det_full;

    double resid = y[i] - delpred;
    if (std::abs(resid) < 100.0 * std::numeric_limits<double>::epsilon()) resid = 0.0;
    row.rstudent = resid / std::sqrt(v[i] * s2w + vdelpred + del.tau2 * s2w);

    row.influential = std::abs(row.dffits) > 3.0 * std::sqrt(pd / (kd - pd)) || dist::chi2_cdf(row.cook_d, static_cast<double>(m)) > 0.5 ||
                      row.hat > 3.0 * pd / kd ||
                      std::any_of(row.dfbetas.begin(), row.dfbetas.end(), [](double d) { return std::abs(d) > 1.0; });

    const double r_full = y[i] - pred_full[i];
    row.baujat_x = r_full * r_full / (full.tau2 + v[i]);
    row.baujat_y = (delpred - pred_full[i]) * (delpred - pred_full[i]) / vdelpred;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<InfluenceRow> influence_proportions(std::span<const ProportionStudy> studies, const PoolOptions& options) {
  const Conventions conv = conventions_for(options.preset);
  const auto k = static_cast<Eigen::Index>(studies.size());
  Eigen::VectorXd y(k), v(k);
  std::vector<std::string> labels;
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& s = studies[static_cast<std::size_t>(i)];
    const auto es = proportion_effect(s.events, s.n, options.measure, conv.zero_cells, options.continuity);
    y[i] = es.yi;
    v[i] = es.vi;
    labels.push_back(s.label);
  }
  const MixedModelOptions mo{options.method, options.test, options.level, options.fixed_tau2, false, options.control};
  return influence_diagnostics(y, v, Eigen::MatrixXd::Ones(k, 1), {"intrcpt"}, labels, true, mo);
}

std::vector<InfluenceRow> influence_regression(const ProportionRegression& regression,
                                               std::span<const ProportionStudy> studies, const PoolOptions& options) {
  std::vector<std::string> labels;
  for (const auto i : regression.design.kept) {
    if (i >= studies.size()) throw Error(ErrorCategory::kInternal, "influence_regression: the regression is of other studies");
    labels.push_back(studies[i].label);
  }
  const MixedModelOptions mo{options.method, options.test, options.level, options.fixed_tau2, false, options.control};
  return influence_diagnostics(regression.y, regression.v, regression.design.x, regression.design.names, labels, true, mo);
}

std::vector<CumulativeRow> cumulative_meta_analysis(std::span<const ProportionStudy> studies,
                                                    std::span<const std::string> order_values,
                                                    const PoolOptions& options) {
  if (studies.size() != order_values.size()) {
    throw Error(ErrorCategory::kInvalidOption, "cumulative_meta_analysis: one order value per study is needed");
  }
  std::vector<std::size_t> order(studies.size());
  std::iota(order.begin(), order.end(), 0);
  const bool numeric = std::all_of(order_values.begin(), order_values.end(),
                                   [](const std::string& s) { return parse_number(s).has_value(); });
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (numeric) return *parse_number(order_values[a]) < *parse_number(order_values[b]);
    return order_values[a] < order_values[b];
  });
  std::vector<CumulativeRow> rows;
  std::vector<ProportionStudy> subset;
  for (const auto i : order) {
    subset.push_back(studies[i]);
    rows.push_back(CumulativeRow{studies[i].label, order_values[i], subset.size(),
                                 summarize_refit(pool_proportions(subset, options))});
  }
  return rows;
}

}  // namespace carta
