#pragma once
// The largest relative error seen per quantity in one reference-test file, printed at its end and
// recorded in docs/methods/validation.md. Each file keeps its own table (hence the unnamed
// namespace in a header: one copy per translation unit).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "compare.hpp"

namespace carta::test {
namespace {

std::map<std::string, double>& worst() {
  static std::map<std::string, double> w;
  return w;
}

// Relative error, except near zero (tau^2 = 0 against 1e-17) where it is absolute.
void track(const std::string& q, double a, double e) {
  if (std::isnan(a) || std::isnan(e)) return;
  const double d = std::abs(e) < 1e-8 ? std::abs(a - e) : std::abs(a - e) / std::abs(e);
  worst()[q] = std::max(worst()[q], d);
}

}  // namespace
}  // namespace carta::test

// close_to, and the error recorded for the file's summary.
#define CARTA_EXPECT_CLOSE(quantity, actual, expected, tol) \
  do {                                                      \
    const double a_ = (actual);                             \
    const double e_ = (expected);                           \
    ::carta::test::track(quantity, a_, e_);                 \
    EXPECT_TRUE(::carta::test::close_to(a_, e_, tol, quantity)); \
  } while (0)
