#include <fmt/format.h>

#include <cmath>

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
  }
  return "?";
}

std::optional<Tau2Method> parse_tau2_method(std::string_view text) noexcept {
  if (text == "DL") return Tau2Method::kDL;
  if (text == "REML") return Tau2Method::kREML;
  if (text == "ML") return Tau2Method::kML;
  if (text == "PM") return Tau2Method::kPM;
  if (text == "HE") return Tau2Method::kHE;
  if (text == "SJ") return Tau2Method::kSJ;
  if (text == "HS") return Tau2Method::kHS;
  if (text == "EB") return Tau2Method::kEB;
  return std::nullopt;
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

}  // namespace

Tau2Estimate estimate_tau2(const Eigen::VectorXd& y, const Eigen::VectorXd& v,
                           const Eigen::MatrixXd& x, Tau2Method method, const Tau2Control& control) {
  check_model("estimate_tau2", y, v, x);
  switch (method) {
    case Tau2Method::kDL: return detail::tau2_dl(y, v, x);
    case Tau2Method::kHE: return detail::tau2_he(y, v, x);
    case Tau2Method::kHS: return detail::tau2_hs(y, v, x);
    case Tau2Method::kSJ: return detail::tau2_sj(y, v, x);
    case Tau2Method::kML: return detail::tau2_fisher_scoring(y, v, x, false, control);
    case Tau2Method::kREML: return detail::tau2_fisher_scoring(y, v, x, true, control);
    case Tau2Method::kPM:
    case Tau2Method::kEB: return detail::tau2_paule_mandel(y, v, x, control);
  }
  throw Error(ErrorCategory::kInternal, "estimate_tau2: unknown method");
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
