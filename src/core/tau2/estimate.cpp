#include <fmt/format.h>

#include <cmath>

#include "carta/names.hpp"
#include "carta/error.hpp"
#include "carta/tau2.hpp"
#include "estimators.hpp"

namespace carta {

std::string_view to_string(Tau2Method method) noexcept {
  switch (method) {
    case Tau2Method::kDL: return "DL";
    case Tau2Method::kREML: return "REML";
    case Tau2Method::kML: return "ML";
    case Tau2Method::kPM: return "PM";
    case Tau2Method::kHE: return "HE";
    case Tau2Method::kSJ: return "SJ";
    case Tau2Method::kHS: return "HS";
    case Tau2Method::kEB: return "EB";
    case Tau2Method::kHSk: return "HSk";
    case Tau2Method::kDLIT: return "DLIT";
    case Tau2Method::kSJIT: return "SJIT";
    case Tau2Method::kPMM: return "PMM";
  }
  return "?";
}

std::optional<Tau2Method> parse_tau2_method(std::string_view text) noexcept {
  for (const Tau2Method m : kTau2Methods) {
    if (same_name(text, to_string(m))) return m;
  }
  return std::nullopt;
}

std::string tau2_method_names() {
  std::string out;
  for (const Tau2Method m : kTau2Methods) {
    if (!out.empty()) out += ", ";
    out += to_string(m);
  }
  return out;
}

namespace {

void check_model(std::string_view fn, const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                 const Eigen::MatrixXd& x) {
  if (y.size() != v.size() || y.size() != x.rows()) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("{}: y has {} values, v {} and x {} rows, but they must agree", fn,
                            y.size(), v.size(), x.rows()));
  }
  if (y.size() <= x.cols()) {
    throw Error(ErrorCategory::kInvalidOption,
                fmt::format("{}: k = {} studies, but tau^2 needs more studies than the {} model "
                            "coefficient(s)",
                            fn, y.size(), x.cols()));
  }
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      throw Error(ErrorCategory::kInvalidOption, fmt::format("{}: y[{}] is {}, but must be finite", fn, i, y[i]));
    }
    if (!(v[i] > 0.0) || !std::isfinite(v[i])) {
      throw Error(ErrorCategory::kInvalidOption,
                  fmt::format("{}: variance[{}] is {}, but must be finite and > 0", fn, i, v[i]));
    }
  }
}

Tau2Estimate estimate_on_scale(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                               Tau2Method method, const Tau2Control& control) {
  switch (method) {
    case Tau2Method::kDL: return detail::tau2_dl(y, v, x);
    case Tau2Method::kHE: return detail::tau2_he(y, v, x);
    case Tau2Method::kHS: return detail::tau2_hs(y, v, x);
    case Tau2Method::kSJ: return detail::tau2_sj(y, v, x);
    case Tau2Method::kML: return detail::tau2_fisher_scoring(y, v, x, false, control);
    case Tau2Method::kREML: return detail::tau2_fisher_scoring(y, v, x, true, control);
    case Tau2Method::kPM:
    case Tau2Method::kEB: return detail::tau2_paule_mandel(y, v, x, control);
    case Tau2Method::kHSk: return detail::tau2_hsk(y, v, x);
    case Tau2Method::kDLIT: return detail::tau2_dlit(y, v, x, control);
    case Tau2Method::kSJIT: return detail::tau2_sjit(y, v, x, control);
    case Tau2Method::kPMM: return detail::tau2_pmm(y, v, x, control);
  }
  throw Error(ErrorCategory::kInternal, "estimate_tau2: unknown method");
}

}  // namespace

namespace detail {

Eigen::MatrixXd column_space_basis(const Eigen::MatrixXd& x) {
  if (x.cols() == 1) return x;  // intercept-only (or one column): nothing to condition
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(x);
  return qr.householderQ() * Eigen::MatrixXd::Identity(x.rows(), x.cols());
}

int variance_scale_exponent(const Eigen::VectorXd& v) {
  const int m = static_cast<int>(std::floor((std::log2(v.mean()) + 1.0) / 2.0));
  // Ordinary data (variances from about 1e-4 to 1e4) are solved as given: their results are the
  // ones validated against metafor, and a stopping rule in those units is already relative.
  return std::abs(m) <= 6 ? 0 : m;
}

}  // namespace detail

Tau2Estimate estimate_tau2(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                           const Eigen::MatrixXd& x, Tau2Method method, const Tau2Control& control) {
  check_model("estimate_tau2", y, v, x);
  // Every estimator depends on x only through its column space (the projections P and the
  // residuals do not change when x becomes x A for an invertible A), so it works on an
  // orthonormal basis of that space: a design of uncentred years and their products with
  // another moderator is then as well conditioned as any other.
  const Eigen::MatrixXd basis = detail::column_space_basis(x);
  const int m = detail::variance_scale_exponent(v);
  if (m == 0) return estimate_on_scale(y, v, basis, method, control);
  const Eigen::VectorXd ys = y.unaryExpr([m](double e) { return std::ldexp(e, -m); });
  const Eigen::VectorXd vs = v.unaryExpr([m](double e) { return std::ldexp(e, -2 * m); });
  Tau2Estimate est = estimate_on_scale(ys, vs, basis, method, control);
  est.tau2 = std::ldexp(est.tau2, 2 * m);
  est.se = std::ldexp(est.se, 2 * m);
  est.report.last_change = std::ldexp(est.report.last_change, 2 * m);
  est.report.message += fmt::format(" (solved on y / 2^{} and v / 4^{}, where the variances are near 1; tau2 "
                                    "values in this message are on that scale)",
                                    m, m);
  return est;
}

Tau2Estimate estimate_tau2(std::span<const double> y, std::span<const double> v, Tau2Method method,
                           const Tau2Control& control) {
  const Eigen::VectorXd yy = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
  const Eigen::VectorXd vv = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(yy.size(), 1);
  return estimate_tau2(yy, vv, x, method, control);
}

double generalised_q(const Eigen::VectorXd& y, const Eigen::VectorXd& v, const Eigen::MatrixXd& x,
                     double tau2) {
  check_model("generalised_q", y, v, x);
  return detail::generalised_q_unchecked(y, v, x, tau2);
}

}  // namespace carta
