// The array exp and log1p behind the GLMM's quadrature (libmvec where available): within glibc's
// documented 4 ulp of the scalar functions over the ranges the quadrature uses, every length
// (odd tails included), and a value independent of its position in the array.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/math/vector_math.hpp"

namespace carta::test {
namespace {

// Distance in units in the last place between two finite doubles of the same sign.
std::int64_t ulp_distance(double a, double b) {
  if (a == b) return 0;
  const auto ia = std::bit_cast<std::int64_t>(a);
  const auto ib = std::bit_cast<std::int64_t>(b);
  return ia > ib ? ia - ib : ib - ia;
}

constexpr std::int64_t kMaxUlp = 4;  // glibc's bound for libmvec's exp and log1p

std::vector<double> grid(double lo, double hi, int points) {
  std::vector<double> out;
  for (int i = 0; i < points; ++i) out.push_back(lo + (hi - lo) * i / (points - 1));
  return out;
}

TEST(VectorMath, ExpWithinFourUlpOfLibm) {
  // Exponents of the quadrature (relative to the mode: at most 0, down to underflow) and beyond.
  for (const auto& range : {grid(-745.0, 0.0, 1001), grid(-1.0, 1.0, 1001), grid(0.0, 709.0, 501)}) {
    std::vector<double> out(range.size());
    detail::exp_array(range.data(), out.data(), range.size());
    for (std::size_t i = 0; i < range.size(); ++i) {
      EXPECT_LE(ulp_distance(out[i], std::exp(range[i])), kMaxUlp) << "exp(" << range[i] << ")";
    }
  }
}

TEST(VectorMath, Log1pWithinFourUlpOfLibm) {
  // exp(-|eta|) lies in (0, 1]; tiny arguments are where log1p differs from log(1 + x).
  std::vector<double> xs = grid(0.0, 1.0, 2001);
  for (double x = 1e-300; x < 1e-3; x *= 10.0) xs.push_back(x);
  std::vector<double> out(xs.size());
  detail::log1p_array(xs.data(), out.data(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_LE(ulp_distance(out[i], std::log1p(xs[i])), kMaxUlp) << "log1p(" << xs[i] << ")";
  }
}

TEST(VectorMath, EveryLengthAndPositionGivesTheSameValue) {
  const double x = -0.7364;
  for (std::size_t n = 0; n <= 9; ++n) {
    std::vector<double> in(n, x), out(n, std::numeric_limits<double>::quiet_NaN());
    detail::exp_array(in.data(), out.data(), n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(out[i], out[0]) << "n = " << n << ", i = " << i;
    if (n > 0) {
      // In place, as the GLMM calls it.
      detail::exp_array(in.data(), in.data(), n);
      EXPECT_EQ(in[n - 1], out[0]);
    }
  }
}

#if defined(__x86_64__) && defined(__GLIBC__)
// On carta's platform (x86-64 Debian) the build must find libmvec: without it the GLMM silently
// runs at half speed.
TEST(VectorMath, LibmvecIsUsedOnX86_64Glibc) { EXPECT_TRUE(detail::vector_math_available()); }
#endif

TEST(VectorMath, SpecialValues) {
  const double in[] = {0.0, -0.0, -std::numeric_limits<double>::infinity(), -800.0, 800.0};
  double out[5];
  detail::exp_array(in, out, 5);
  EXPECT_EQ(out[0], 1.0);
  EXPECT_EQ(out[1], 1.0);
  EXPECT_EQ(out[2], 0.0);
  EXPECT_EQ(out[3], 0.0);
  EXPECT_TRUE(std::isinf(out[4]));
  const double l_in[] = {0.0, 1.0, -0.5};
  double l_out[3];
  detail::log1p_array(l_in, l_out, 3);
  EXPECT_EQ(l_out[0], 0.0);
  EXPECT_EQ(l_out[1], std::log1p(1.0));
  EXPECT_LE(ulp_distance(l_out[2], std::log1p(-0.5)), kMaxUlp);
}

}  // namespace
}  // namespace carta::test
