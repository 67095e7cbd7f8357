#include "vector_math.hpp"

#include <cmath>

#if defined(__x86_64__) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && \
    defined(CARTA_HAVE_LIBMVEC)
#include <immintrin.h>
#define CARTA_USE_LIBMVEC 1
// libmvec's SSE entry points under the x86-64 vector function ABI (two doubles a call; every
// x86-64 CPU has SSE2, and glibc picks the implementation for the running CPU inside). The
// four-wide AVX2 entry points were measured too: no faster on a GLMM fit, so not used.
extern "C" {
__m128d _ZGVbN2v_exp(__m128d);
__m128d _ZGVbN2v_log1p(__m128d);
}
#endif

namespace carta::detail {

#ifdef CARTA_USE_LIBMVEC
namespace {

void apply(__m128d (*f)(__m128d), const double* in, double* out, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(out + i, f(_mm_loadu_pd(in + i)));
  // An odd last element goes through the same vector code, so that a value does not depend on
  // its position in the array.
  if (i < n) out[i] = _mm_cvtsd_f64(f(_mm_set1_pd(in[i])));
}

}  // namespace

void exp_array(const double* in, double* out, std::size_t n) noexcept { apply(_ZGVbN2v_exp, in, out, n); }
void log1p_array(const double* in, double* out, std::size_t n) noexcept { apply(_ZGVbN2v_log1p, in, out, n); }
bool vector_math_available() noexcept { return true; }

#else

void exp_array(const double* in, double* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(in[i]);
}
void log1p_array(const double* in, double* out, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::log1p(in[i]);
}
bool vector_math_available() noexcept { return false; }

#endif

}  // namespace carta::detail
