#pragma once
// exp and log1p over arrays. The GLMM's quadrature evaluates both at every node of every study,
// and one at a time they were 45% of a fit; glibc's vector math library (libmvec) evaluates two
// at once. Where libmvec is not available the loops call the scalar functions.
// Accuracy: libmvec's exp and log1p are within 4 ulp (glibc's documented bound), against libm's 1.

#include <cstddef>

namespace carta::detail {

void exp_array(const double* in, double* out, std::size_t n) noexcept;
void log1p_array(const double* in, double* out, std::size_t n) noexcept;

// Whether the calls above use libmvec (reported by the benchmarks).
bool vector_math_available() noexcept;

}  // namespace carta::detail
