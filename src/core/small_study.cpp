#include "carta/small_study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "carta/distributions.hpp"
#include "carta/error.hpp"
#include "carta/mixed_model.hpp"

namespace carta {

namespace {


Eigen::MatrixXd with_intercept(const Eigen::VectorXd& predictor) {
  Eigen::MatrixXd x(predictor.size(), 2);
  x.col(0).setOnes();
  x.col(1) = predictor;
  return x;
}

RegressionTest from_fit(const MixedModelFit& f) {
  RegressionTest t;
  t.k = f.k;
  t.intercept = f.coefficients[0].est;
  t.intercept_se = f.coefficients[0].se;
  t.intercept_ci_lb = f.coefficients[0].ci_lb;
  t.intercept_ci_ub = f.coefficients[0].ci_ub;
  t.slope = f.coefficients[1].est;
  t.slope_se = f.coefficients[1].se;
  t.stat = f.coefficients[1].stat;
  t.p = f.coefficients[1].p;
  t.df = f.df;
  return t;
}

// Random-effects estimate of the first `count` studies (a single study is its own estimate).
MixedModelFit intercept_fit(const Eigen::VectorXd& y, const Eigen::VectorXd& v, Tau2Method method,
                            TestType test, double level, const Tau2Control& control) {
  MixedModelOptions mo{method, test, level, std::nullopt, false, control};
  if (y.size() == 1) mo.fixed_tau2 = 0.0;
  const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(y.size(), 1);
  if (y.size() == 1) {
    // fit_mixed_model needs k > p; one study is its own estimate with tau^2 = 0 (metafor's k = 1).
    MixedModelFit f;
    f.k = 1;
    f.p = 1;
    Coefficient c;
    c.name = "intrcpt";
    c.est = y[0];
    c.se = std::sqrt(v[0]);
    f.coefficients.push_back(c);
    f.tau2 = 0.0;
    return f;
  }
  return fit_mixed_model(y, v, ones, {"intrcpt"}, true, mo);
}

}  // namespace

// A slope or a rank correlation with a constant variable is undefined (0/0), not zero.
void require_variation(const Eigen::VectorXd& x, const char* what) {
  const double lo = x.minCoeff(), hi = x.maxCoeff();
  if (!(hi - lo > 1e-12 * std::max(1.0, std::max(std::abs(lo), std::abs(hi))))) {
    throw Error(
        ErrorCategory::kInvalidInput,
        fmt::format("{} is the same in every study, so the test is undefined (studies of equal size and "
                    "proportion give equal standard errors)",
                    what));
  }
}

RegressionTest weighted_regression_test(const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                                        const Eigen::VectorXd& predictor, double level) {
  if (y.size() < 3) {
    throw Error(
        ErrorCategory::kInvalidInput,
        fmt::format("a regression test needs at least 3 studies (k - 2 degrees of freedom), but k = {}",
                    y.size()));
  }
  require_variation(predictor, "the predictor");
  // R's lm(y ~ x, weights = w): weighted least squares with the residual variance estimated,
  // which is the mixed model with tau^2 fixed at 0 and the Knapp-Hartung scale (t with k - 2 df).
  const MixedModelOptions mo{Tau2Method::kDL, TestType::kKnha, level, 0.0, false, {}};
  const auto fit = fit_mixed_model(y, w.cwiseInverse(), with_intercept(predictor), {"intrcpt", "predictor"}, true, mo);
  // Every study on the line (equal effects, say): the residual variance is 0, so the test's t is
  // 0/0 or infinite and its p meaningless (R's lm warns "essentially perfect fit").
  if (!(fit.QE > 1e-24 * w.dot(y.cwiseProduct(y)))) {
    throw Error(ErrorCategory::kInvalidInput,
                "every study lies on the regression line (no residual variation), so the test is undefined");
  }
  return from_fit(fit);
}

double kendall_exact_p(std::int64_t concordant, std::int64_t n) {
  // Null distribution of the number of concordant pairs (equivalently inversions) of a random
  // permutation: P_m(c) = (1/m) sum_{j=0}^{m-1} P_{m-1}(c - j), built up to m = n.
  const std::int64_t max_pairs = n * (n - 1) / 2;
  std::vector<double> pmf(static_cast<std::size_t>(max_pairs) + 1, 0.0);
  pmf[0] = 1.0;
  std::vector<double> next(pmf.size());
  for (std::int64_t m = 2; m <= n; ++m) {
    const std::int64_t top = m * (m - 1) / 2;
    double window = 0.0;  // running sum of pmf[c - m + 1 .. c]
    for (std::int64_t c = 0; c <= top; ++c) {
      window += pmf[static_cast<std::size_t>(c)];
      if (c - m >= 0) window -= pmf[static_cast<std::size_t>(c - m)];
      next[static_cast<std::size_t>(c)] = window / static_cast<double>(m);
    }
    std::copy(next.begin(), next.begin() + top + 1, pmf.begin());
  }
  auto cdf = [&pmf](std::int64_t q) {
    if (q < 0) return 0.0;
    double s = 0.0;
    for (std::int64_t c = 0; c <= q && c < static_cast<std::int64_t>(pmf.size()); ++c)
      s += pmf[static_cast<std::size_t>(c)];
    return s;
  };
  // Two-sided, as R's cor.test: the tail on the side of the observed statistic, doubled.
  const double p = 4 * concordant > n * (n - 1) ? 1.0 - cdf(concordant - 1) : cdf(concordant);
  return std::min(1.0, 2.0 * p);
}

RankTest rank_correlation_test(const Eigen::VectorXd& y, const Eigen::VectorXd& v, bool normal_approximation) {
  const auto n = y.size();
  if (n < 3) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("the rank correlation test needs at least 3 studies, but k = {}", n));
  }
  require_variation(v, "the sampling variance");
  // Equal effects tie every standardised deviate: Kendall's tau is 0/0 (R's cor.test gives NA).
  const double y_lo = y.minCoeff(), y_hi = y.maxCoeff();
  if (!(y_hi - y_lo > 1e-12 * std::max(1.0, std::max(std::abs(y_lo), std::abs(y_hi))))) {
    throw Error(ErrorCategory::kInvalidInput,
                "every study has the same effect size, so the rank correlation is undefined");
  }
  const Eigen::VectorXd w = v.cwiseInverse();
  const double theta = w.dot(y) / w.sum();
  const double vb = 1.0 / w.sum();
  const Eigen::VectorXd ystar = ((y.array() - theta) / (v.array() - vb).sqrt()).matrix();

  // Kendall's S with tie counts.
  std::int64_t concordant = 0;
  std::int64_t discordant = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const double a = (ystar[i] - ystar[j]) * (v[i] - v[j]);
      if (a > 0) ++concordant;
      if (a < 0) ++discordant;
    }
  }
  auto tie_groups = [](const Eigen::VectorXd& x) {
    std::vector<double> s(x.data(), x.data() + x.size());
    std::sort(s.begin(), s.end());
    std::vector<double> sizes;
    for (std::size_t i = 0; i < s.size();) {
      std::size_t j = i;
      while (j < s.size() && s[j] == s[i]) ++j;
      if (j - i > 1) sizes.push_back(static_cast<double>(j - i));
      i = j;
    }
    return sizes;
  };
  const auto tx = tie_groups(ystar);
  const auto ty = tie_groups(v);
  const double nd = static_cast<double>(n);
  const double n0 = nd * (nd - 1.0) / 2.0;
  double n1 = 0, n2 = 0;
  for (const double t : tx) n1 += t * (t - 1.0) / 2.0;
  for (const double t : ty) n2 += t * (t - 1.0) / 2.0;
  const double s = static_cast<double>(concordant - discordant);

  RankTest out;
  out.tau = s / std::sqrt((n0 - n1) * (n0 - n2));
  // The exact null distribution costs O(k^3); beyond k = 1000 (where it is also indistinguishable
  // from the normal approximation) the approximation is used and reported as such.
  if (!normal_approximation && tx.empty() && ty.empty() && n <= 1000) {
    out.exact = true;
    out.p = kendall_exact_p(concordant, n);
    return out;
  }
  // Normal approximation with the tie-corrected variance of S (Kendall 1970), as R's cor.test.
  auto sum_over = [](const std::vector<double>& t, auto f) {
    double acc = 0;
    for (const double x : t) acc += f(x);
    return acc;
  };
  const double v0 = nd * (nd - 1.0) * (2.0 * nd + 5.0);
  const double vt = sum_over(tx, [](double t) { return t * (t - 1.0) * (2.0 * t + 5.0); });
  const double vu = sum_over(ty, [](double t) { return t * (t - 1.0) * (2.0 * t + 5.0); });
  const double v1 = sum_over(tx, [](double t) { return t * (t - 1.0); }) *
                    sum_over(ty, [](double t) { return t * (t - 1.0); });
  const double v2 = sum_over(tx, [](double t) { return t * (t - 1.0) * (t - 2.0); }) *
                    sum_over(ty, [](double t) { return t * (t - 1.0) * (t - 2.0); });
  const double var_s =
      (v0 - vt - vu) / 18.0 + v1 / (2.0 * nd * (nd - 1.0)) + v2 / (9.0 * nd * (nd - 1.0) * (nd - 2.0));
  const double z = s / std::sqrt(var_s);
  out.z = z;
  out.p = 2.0 * std::min(dist::normal_cdf(z), dist::normal_upper(z));
  return out;
}

TrimFill trim_and_fill(const Eigen::VectorXd& y, const Eigen::VectorXd& v, Tau2Method method, TestType test,
                       TrimFillEstimator estimator, std::optional<FunnelSide> side, double level,
                       const Tau2Control& control, TrimFillConvention convention) {
  const bool meta = convention == TrimFillConvention::kMeta;
  const auto k = static_cast<std::size_t>(y.size());
  if (k < 3) {
    throw Error(ErrorCategory::kInvalidInput,
                fmt::format("trim-and-fill needs at least 3 studies, but k = {}", k));
  }
  TrimFill out;
  out.estimator = estimator;
  out.convention = convention;
  if (side) {
    out.side = *side;
    out.side_estimated = false;
  } else if (meta) {
    // R meta: left <- sign(metabias(method = "Egger")$estimate[1]) == 1, Egger's bias being the
    // slope of the inverse-variance lm of y on the SE.
    const Eigen::VectorXd sei = v.cwiseSqrt();
    try {
      require_variation(sei, "the standard error");
    } catch (const Error& e) {
      throw Error(ErrorCategory::kInvalidInput,
                  fmt::format("the side of the funnel with missing studies is estimated from Egger's test, but {}", e.what()));
    }
    const RegressionTest egger = weighted_regression_test(y, v.cwiseInverse(), sei, level);
    out.side = egger.slope > 0 ? FunnelSide::kLeft : FunnelSide::kRight;
  } else {
    // metafor: the sign of the slope of y on sqrt(v) in the mixed model with the same estimator.
    const MixedModelOptions mo{method, TestType::kZ, level, std::nullopt, false, control};
    const Eigen::VectorXd sei = v.cwiseSqrt();
    try {
      require_variation(sei, "the standard error");
    } catch (const Error& e) {
      throw Error(
          ErrorCategory::kInvalidInput,
          fmt::format("the side of the funnel with missing studies is estimated from the Egger slope, but {}",
                      e.what()));
    }
    const auto fit = fit_mixed_model(y, v, with_intercept(sei), {"intrcpt", "sei"}, true, mo);
    out.side = fit.coefficients[1].est < 0 ? FunnelSide::kRight : FunnelSide::kLeft;
  }
  const double flip = out.side == FunnelSide::kRight ? -1.0 : 1.0;
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return flip * y[static_cast<Eigen::Index>(a)] < flip * y[static_cast<Eigen::Index>(b)];
  });
  Eigen::VectorXd ys(static_cast<Eigen::Index>(k)), vs(static_cast<Eigen::Index>(k));
  for (std::size_t i = 0; i < k; ++i) {
    ys[static_cast<Eigen::Index>(i)] = flip * y[static_cast<Eigen::Index>(order[i])];
    vs[static_cast<Eigen::Index>(i)] = v[static_cast<Eigen::Index>(order[i])];
  }

  const double kd = static_cast<double>(k);
  long k0 = 0;
  long k0_previous = -1;
  double beta = 0.0;
  Eigen::VectorXd yc;
  while (k0 != k0_previous) {
    k0_previous = k0;
    if (meta && out.iterations == 50) {
      out.stopped_at_iteration_limit = true;  // meta's n.iter.max: it keeps the last k0
      break;
    }
    if (++out.iterations > 100) {
      throw Error(ErrorCategory::kNumerical,
                  "trim-and-fill did not converge in 100 iterations (k0 oscillates)");
    }
    const auto kept = static_cast<Eigen::Index>(k) - k0;
    if (meta) {
      // The common-effect (inverse-variance) estimate of the kept studies (meta's ma.common).
      const Eigen::VectorXd w = vs.head(kept).cwiseInverse();
      beta = w.dot(ys.head(kept)) / w.sum();
    } else {
      beta = intercept_fit(ys.head(kept), vs.head(kept), method, TestType::kZ, level, control).coefficients[0].est;
    }
    yc = (ys.array() - beta).matrix();
    // Ranks of |yc|, signed: ties by position as metafor (R's rank(ties.method = "first")), or
    // averaged as R meta (rank's default).
    std::vector<std::size_t> by_abs(k);
    std::iota(by_abs.begin(), by_abs.end(), 0);
    std::stable_sort(by_abs.begin(), by_abs.end(), [&](std::size_t a, std::size_t b) {
      return std::abs(yc[static_cast<Eigen::Index>(a)]) < std::abs(yc[static_cast<Eigen::Index>(b)]);
    });
    std::vector<double> rank_of(k);
    for (std::size_t r = 0; r < k;) {
      std::size_t end = r + 1;
      if (meta) {
        while (end < k && std::abs(yc[static_cast<Eigen::Index>(by_abs[end])]) ==
                              std::abs(yc[static_cast<Eigen::Index>(by_abs[r])])) {
          ++end;
        }
      }
      const double average = 0.5 * (static_cast<double>(r + 1) + static_cast<double>(end));
      for (std::size_t t = r; t < end; ++t) rank_of[by_abs[t]] = average;
      r = end;
    }
    std::vector<double> signed_rank(k);
    for (std::size_t i = 0; i < k; ++i) {
      const double c = yc[static_cast<Eigen::Index>(i)];
      signed_rank[i] = (c > 0 ? 1.0 : (c < 0 ? -1.0 : 0.0)) * rank_of[i];
    }
    double k0_raw = 0.0;
    if (estimator == TrimFillEstimator::kL0) {
      double sr = 0.0;
      for (const double s : signed_rank) sr += s > 0 ? s : 0.0;
      k0_raw = (4.0 * sr - kd * (kd + 1.0)) / (2.0 * kd - 1.0);
      const double var_sr =
          (kd * (kd + 1.0) * (2.0 * kd + 1.0) + 10.0 * std::pow(k0_raw, 3) + 27.0 * k0_raw * k0_raw +
           17.0 * k0_raw - 18.0 * kd * k0_raw * k0_raw - 18.0 * kd * k0_raw + 6.0 * kd * kd * k0_raw) /
          24.0;
      out.k0_se = std::max(0.0, 4.0 * std::sqrt(var_sr) / (2.0 * kd - 1.0));
    } else {
      double largest_negative = -1.0;
      for (const double s : signed_rank) {
        if (s < 0) largest_negative = std::max(largest_negative, -s);
      }
      if (largest_negative < 0 && meta) {
        // No study below the trimmed estimate: meta still takes res0 = k - |min(r*)| - 1.5 with
        // min(r*) the smallest (positive) signed rank.
        largest_negative = std::abs(*std::min_element(signed_rank.begin(), signed_rank.end()));
      }
      if (largest_negative < 0) {
        throw Error(ErrorCategory::kNumerical,
                    "trim-and-fill R0: no study lies below the trimmed estimate; R0 is undefined (use L0)");
      }
      k0_raw = (kd - largest_negative) - 1.0;
      out.k0_se = std::sqrt(2.0 * std::max(0.0, k0_raw) + 2.0);
    }
    // metafor: R's round(), half to even (std::nearbyint in the default rounding mode); R meta:
    // max(0, res0 + 0.5) %/% 1, half up, with its R0 estimate res0 = k - |min r*| - 1.5.
    if (meta) {
      const double res0 = estimator == TrimFillEstimator::kR0 ? k0_raw - 0.5 : k0_raw;
      k0 = static_cast<long>(std::floor(std::max(0.0, res0 + 0.5)));
      if (k0 > static_cast<long>(k) - 1) {  // meta stops there and keeps k - 1
        k0 = static_cast<long>(k) - 1;
        break;
      }
    } else {
      k0 = std::max(0L, static_cast<long>(std::nearbyint(k0_raw)));
    }
    k0 = std::min<long>(k0, static_cast<long>(k) - 1);
  }
  out.k0 = static_cast<std::size_t>(k0);

  Eigen::VectorXd y_all = y;
  Eigen::VectorXd v_all = v;
  if (k0 > 0) {
    // Mirror the k0 most extreme studies about the trimmed estimate, on the original scale.
    y_all.conservativeResize(static_cast<Eigen::Index>(k) + k0);
    v_all.conservativeResize(static_cast<Eigen::Index>(k) + k0);
    for (long j = 0; j < k0; ++j) {
      const auto idx = static_cast<Eigen::Index>(k) - k0 + j;
      const double mirrored = flip * (2.0 * beta - ys[idx]);
      out.filled_yi.push_back(mirrored);
      out.filled_vi.push_back(vs[idx]);
      y_all[static_cast<Eigen::Index>(k) + j] = mirrored;
      v_all[static_cast<Eigen::Index>(k) + j] = vs[idx];
    }
  }
  const MixedModelFit adjusted =
      intercept_fit(y_all, v_all, method, k0 > 0 ? TestType::kZ : test, level, control);
  out.est = adjusted.coefficients[0].est;
  out.se = adjusted.coefficients[0].se;
  out.ci_lb = adjusted.coefficients[0].ci_lb;
  out.ci_ub = adjusted.coefficients[0].ci_ub;
  out.tau2 = adjusted.tau2;
  return out;
}

namespace {

// Runs one test, turning its carta::Error into a note (a test that cannot run is not fatal).
using Attempt = std::function<void(const char*, const std::function<void()>&)>;

// A regression on 1/n or 1/sqrt(n) is undefined when every study has the same size.
void require_varying_sizes(const Eigen::VectorXd& n_inverse, const char* message) {
  if ((n_inverse.array() == n_inverse[0]).all()) throw Error(ErrorCategory::kInvalidInput, message);
}
constexpr const char* kSameSizePeters = "all studies have the same n, so 1/n does not vary and Peters' test is undefined";

// metafor's regtest(model = "lm", predictor = "sqrtninv"): inverse-variance weights under every
// convention (R meta has no such test).
void inverse_sqrt_n_test(SmallStudyEffects& out, const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                         const Eigen::VectorXd& n_inverse, double level, const Attempt& attempt) {
  attempt("1/sqrt(n) regression test", [&] {
    require_varying_sizes(n_inverse, "all studies have the same n, so 1/sqrt(n) does not vary and the regression on it is undefined");
    out.inverse_sqrt_n = weighted_regression_test(y, v.cwiseInverse(), n_inverse.cwiseSqrt(), level);
  });
}

// metafor's regtest(model = "lm", predictor = "ninv"): Peters' regression with inverse-variance weights.
void metafor_peters_test(SmallStudyEffects& out, const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                         const Eigen::VectorXd& n_inverse, double level) {
  require_varying_sizes(n_inverse, kSameSizePeters);
  out.peters_convention = "metafor";
  out.peters = weighted_regression_test(y, v.cwiseInverse(), n_inverse, level);
}

// The funnel data and every test that needs only effects and variances, in the order the notes
// read; `peters` runs Peters' test where sample sizes exist.
void effects_and_tests(SmallStudyEffects& out, const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                       double center, const PoolOptions& options, TrimFillEstimator estimator,
                       const std::function<void(const Attempt&)>& peters) {
  const auto k = y.size();
  out.funnel.se_max = v.cwiseSqrt().maxCoeff();
  out.funnel.center = center;
  for (const double level : {0.90, 0.95, 0.99}) {
    out.funnel.contours.push_back({level, dist::normal_quantile(1.0 - (1.0 - level) / 2.0)});
  }
  if (k < 3) {
    out.notes.push_back(
        fmt::format("k = {}: small-study tests and trim-and-fill need at least 3 studies; only funnel "
                    "data are given",
                    k));
    return;
  }
  if (k < 10) {
    out.notes.push_back(
        fmt::format("k = {} < 10: tests for funnel asymmetry have low power and are not recommended "
                    "with fewer than 10 studies (Sterne et al. 2011); computed as asked",
                    k));
  }
  auto attempt = [&out](const char* name, const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      out.notes.push_back(fmt::format("{}: {}", name, e.what()));
    }
  };
  const Eigen::VectorXd w = v.cwiseInverse();
  attempt("Egger test", [&] { out.egger = weighted_regression_test(y, w, v.cwiseSqrt(), options.level); });
  attempt("PEESE", [&] { out.peese = weighted_regression_test(y, w, v, options.level); });
  attempt("Egger test (mixed-effects)", [&] {
    const MixedModelOptions mo{options.method, options.test, options.level,
                               std::nullopt,   false,        options.control};
    require_variation(v.cwiseSqrt(), "the standard error");
    out.egger_rma =
        from_fit(fit_mixed_model(y, v, with_intercept(v.cwiseSqrt()), {"intrcpt", "sei"}, true, mo));
  });
  if (peters) peters(attempt);
  attempt("Begg test", [&] {
    const bool normal = conventions_for(options.preset).begg_normal_approximation;
    out.begg = rank_correlation_test(y, v, normal);
    if (normal) {
      out.notes.push_back("Begg test: the normal approximation of Kendall's S with its tie-corrected variance, without "
                          "continuity correction (R meta's metabias default)");
    } else if (!out.begg->exact) {
      out.notes.push_back(
          k > 1000 ? "Begg test: normal approximation (exact distribution used up to k = 1000)"
                   : "Begg test: tied values, so the tie-corrected normal approximation is used (as R)");
    }
  });
  attempt("trim-and-fill", [&] {
    const TrimFillConvention convention =
        options.preset == Preset::kMeta ? TrimFillConvention::kMeta : TrimFillConvention::kMetafor;
    out.trimfill = trim_and_fill(y, v, options.method, options.test, estimator, std::nullopt, options.level,
                                 options.control, convention);
    if (convention == TrimFillConvention::kMeta) {
      out.notes.push_back("trim-and-fill as R meta's trimfill: the side from the sign of Egger's test, studies trimmed "
                          "about the common-effect estimate, average ranks for ties, k0 rounded half up");
    }
    if (out.trimfill->stopped_at_iteration_limit) {
      out.notes.push_back("trim-and-fill: k0 still changed after 50 iterations; the last k0 is used, as R meta does");
    }
  });
  attempt("Henmi-Copas interval", [&] { out.henmi_copas = henmi_copas(y, v, options.level); });
}

}  // namespace

SmallStudyEffects small_study_effects(std::span<const ProportionStudy> studies, const PoolOptions& options,
                                      TrimFillEstimator estimator) {
  SmallStudyEffects out;
  const Conventions conv = conventions_for(options.preset);
  const auto k = static_cast<Eigen::Index>(studies.size());
  Eigen::VectorXd y(k), v(k), n_inverse(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& s = studies[static_cast<std::size_t>(i)];
    const auto es = proportion_effect(s.events, s.n, options.measure, conv.zero_cells, options.continuity);
    y[i] = es.yi;
    v[i] = es.vi;
    n_inverse[i] = 1.0 / static_cast<double>(s.n);
    out.funnel.labels.push_back(s.label);
    out.funnel.yi.push_back(es.yi);
    out.funnel.sei.push_back(std::sqrt(es.vi));
  }
  out.notes.push_back(
      "asymmetry tests for proportions are of limited meaning: a study's standard error depends on its "
      "own proportion, which can make a funnel asymmetric without any small-study effect");
  auto peters = [&](const Attempt& attempt) {
    attempt("Peters test", [&] {
      if (conv.zero_cells != ZeroCellRule::kMeta) {
        metafor_peters_test(out, y, v, n_inverse, options.level);
        return;
      }
      require_varying_sizes(n_inverse, kSameSizePeters);
      // R meta: weights x(n - x)/n without continuity correction; 0/n and n/n studies get weight 0.
      out.peters_convention = "meta";
      std::vector<Eigen::Index> used;
      for (Eigen::Index i = 0; i < k; ++i) {
        const auto& s = studies[static_cast<std::size_t>(i)];
        if (s.events > 0 && s.events < s.n) used.push_back(i);
      }
      if (static_cast<Eigen::Index>(used.size()) < k) {
        out.notes.push_back(
            fmt::format("Peters test (R meta weights): {} stud{} with 0 or all events get weight 0",
                        k - static_cast<Eigen::Index>(used.size()),
                        k - static_cast<Eigen::Index>(used.size()) == 1 ? "y" : "ies"));
      }
      Eigen::VectorXd yy(static_cast<Eigen::Index>(used.size())), ww(yy.size()), xx(yy.size());
      for (std::size_t r = 0; r < used.size(); ++r) {
        const auto& s = studies[static_cast<std::size_t>(used[r])];
        const auto x = static_cast<double>(s.events);
        const auto nd = static_cast<double>(s.n);
        yy[static_cast<Eigen::Index>(r)] = y[used[r]];
        ww[static_cast<Eigen::Index>(r)] = x * (nd - x) / nd;
        xx[static_cast<Eigen::Index>(r)] = n_inverse[used[r]];
      }
      out.peters = weighted_regression_test(yy, ww, xx, options.level);
    });
    inverse_sqrt_n_test(out, y, v, n_inverse, options.level, attempt);
  };
  effects_and_tests(out, y, v, pool_proportions(studies, options).random.est, options, estimator, peters);
  return out;
}

SmallStudyEffects small_study_effects(std::span<const EffectStudy> studies, const PoolOptions& options,
                                      TrimFillEstimator estimator, std::span<const double> sizes) {
  SmallStudyEffects out;
  const auto k = static_cast<Eigen::Index>(studies.size());
  Eigen::VectorXd y(k), v(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& s = studies[static_cast<std::size_t>(i)];
    y[i] = s.yi;
    v[i] = s.vi;
    out.funnel.labels.push_back(s.label);
    out.funnel.yi.push_back(s.yi);
    out.funnel.sei.push_back(std::sqrt(s.vi));
  }
  const bool sized = sizes.size() == studies.size() &&
                     std::all_of(sizes.begin(), sizes.end(), [](double n) { return std::isfinite(n) && n > 0.0; });
  if (!sized) {
    out.notes.push_back(sizes.empty()
                            ? "Peters' test needs each study's sample size and is not run on effects given directly"
                            : "Peters' test and the regression on 1/sqrt(n) need every study's sample size; some are "
                              "missing, so they are not run");
    effects_and_tests(out, y, v, pool_effects(studies, options).random.est, options, estimator, {});
    return out;
  }
  Eigen::VectorXd n_inverse(k);
  for (Eigen::Index i = 0; i < k; ++i) n_inverse[i] = 1.0 / sizes[static_cast<std::size_t>(i)];
  auto by_size = [&](const Attempt& attempt) {
    attempt("Peters test", [&] { metafor_peters_test(out, y, v, n_inverse, options.level); });
    inverse_sqrt_n_test(out, y, v, n_inverse, options.level, attempt);
  };
  effects_and_tests(out, y, v, pool_effects(studies, options).random.est, options, estimator, by_size);
  return out;
}

}  // namespace carta
