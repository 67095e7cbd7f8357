#pragma once
// Root of a decreasing function on [0, inf): the shape of every tau^2 equation in carta
// (Paule-Mandel, empirical Bayes, Q-profile bounds), all of the form Q(tau2) = target.

#include <functional>

#include "carta/iteration.hpp"
#include "carta/tau2.hpp"

namespace carta::detail {

struct RootSearch {
  double root = 0.0;
  double lower = 0.0;  // final bracket
  double upper = 0.0;
  IterationReport report;
};

// Requires f(0) > 0. Expands an upper bracket from control.tau2_upper_start by doubling until
// f(upper) <= 0 (reported as not converged past control.tau2_upper_limit), then runs TOMS 748.
RootSearch solve_decreasing(const std::function<double(double)>& f, const Tau2Control& control);

}  // namespace carta::detail
