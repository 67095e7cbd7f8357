#include "decreasing_root.hpp"

#include <boost/math/tools/roots.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace carta::detail {

RootSearch solve_decreasing(const std::function<double(double)>& f, const Tau2Control& control) {
  RootSearch out;
  out.report.iterative = true;
  double lo = 0.0;
  double f_lo = f(lo);
  double hi = control.tau2_upper_start;
  double f_hi = f(hi);
  int expansions = 0;
  while (f_hi > 0.0) {
    if (hi >= control.tau2_upper_limit || !std::isfinite(f_hi)) {
      out.root = hi;
      out.lower = lo;
      out.upper = hi;
      out.report.converged = false;
      out.report.iterations = expansions;
      out.report.message = fmt::format(
          "no root below tau2 = {:g}: the equation is still positive there", hi);
      return out;
    }
    lo = hi;
    f_lo = f_hi;
    hi *= 2.0;
    f_hi = f(hi);
    ++expansions;
  }
  if (f_hi == 0.0) {
    out.root = out.lower = out.upper = hi;
    out.report.iterations = expansions;
    out.report.message = "exact root at the bracket end";
    return out;
  }
  const double rel = control.root_rel_tol;
  const double abs_tol = control.root_abs_tol;
  auto tolerance = [rel, abs_tol](double a, double b) {
    return std::abs(b - a) <= std::max(rel * std::max(std::abs(a), std::abs(b)), abs_tol);
  };
  std::uintmax_t max_iter = static_cast<std::uintmax_t>(control.max_iterations);
  const auto bracket =
      boost::math::tools::toms748_solve(f, lo, hi, f_lo, f_hi, tolerance, max_iter);
  out.lower = bracket.first;
  out.upper = bracket.second;
  out.root = 0.5 * (bracket.first + bracket.second);
  out.report.iterations = expansions + static_cast<int>(max_iter);
  out.report.last_change = bracket.second - bracket.first;
  out.report.converged = tolerance(bracket.first, bracket.second);
  out.report.message = out.report.converged
                           ? "root bracketed to tolerance (TOMS 748)"
                           : fmt::format("root finder stopped after {} iterations with bracket "
                                         "[{:.17g}, {:.17g}]",
                                         max_iter, bracket.first, bracket.second);
  return out;
}

}  // namespace carta::detail
