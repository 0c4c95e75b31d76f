//===- VectorExp.cpp - Vectorised f32 exp (AVX-512, AVX2, scalar) ---------===//
//
// See VectorExp.h for the algorithm, the special values and the measured
// accuracy of each path. The three paths below spell out the same sequence
// of operations; keep them in step (the tests compare AVX2 and AVX-512 bit
// for bit, and the scalar FMA variant with both).
//
//===----------------------------------------------------------------------===//

#include "VectorExp.h"
#include "VectorExpAvx512.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace heed::rt {
namespace {

using namespace expconst;

inline uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// The scalar algorithm. With kFma, every multiply-add is fused (the callers
/// are compiled with target("fma"), where __builtin_fmaf is one instruction)
/// and the result equals the SIMD paths bit for bit; without, products are
/// rounded separately (portable, for CPUs without FMA).
template <bool kFma>
__attribute__((always_inline)) inline float madd(float a, float b, float c) {
  if constexpr (kFma)
    return __builtin_fmaf(a, b, c);
  else
    return a * b + c;
}

template <bool kFma>
__attribute__((always_inline)) inline float expCore(float x) {
  float xc = x > kLo ? x : kLo; // maxps semantics: NaN -> kLo
  xc = xc < kHi ? xc : kHi;     // minps semantics
  float t = madd<kFma>(xc, kLog2e, kShifter);
  float n = t - kShifter;
  float r = madd<kFma>(n, -kC1, xc);
  r = madd<kFma>(n, -kC2, r);
  float p = kP6;
  p = madd<kFma>(p, r, kP5);
  p = madd<kFma>(p, r, kP4);
  p = madd<kFma>(p, r, kP3);
  p = madd<kFma>(p, r, kP2);
  p = madd<kFma>(p, r, 1.0f);
  p = madd<kFma>(p, r, 1.0f);
  float y = floatOf(bitsOf(p) + (bitsOf(t) << 23));
  if (x < kLo)
    y = 0.0f;
  if (x > kHi)
    y = std::numeric_limits<float>::infinity();
  if (x != x)
    y = x;
  return y;
}

float expOnePortable(float x) { return expCore<false>(x); }

void expPortable(float *x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = expCore<false>(x[i]);
}

float sumPortable(float *x, int64_t n, float scale, float shift) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = expCore<false>(x[i] * scale - shift);
    sum += x[i];
  }
  return sum;
}

#ifdef HEED_X86

__attribute__((target("fma"))) float expOneFma(float x) {
  return expCore<true>(x);
}

//===----------------------------------------------------------------------===//
// AVX2 + FMA, 8 lanes
//===----------------------------------------------------------------------===//

__attribute__((target("avx2,fma"), always_inline)) inline __m256
exp8(__m256 x) {
  const __m256 lo = _mm256_set1_ps(kLo), hi = _mm256_set1_ps(kHi);
  const __m256 shifter = _mm256_set1_ps(kShifter);
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  __m256 t = _mm256_fmadd_ps(xc, _mm256_set1_ps(kLog2e), shifter);
  __m256 n = _mm256_sub_ps(t, shifter);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kC1), xc);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kC2), r);
  __m256 p = _mm256_set1_ps(kP6);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP5));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
  p = _mm256_fmadd_ps(p, r, one);
  p = _mm256_fmadd_ps(p, r, one);
  __m256i e = _mm256_slli_epi32(_mm256_castps_si256(t), 23);
  __m256 y = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), e));
  y = _mm256_blendv_ps(y, _mm256_setzero_ps(),
                       _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
  y = _mm256_blendv_ps(y,
                       _mm256_set1_ps(std::numeric_limits<float>::infinity()),
                       _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/// Lanes [0, rem) set (rem in 1..7), for maskload/maskstore.
__attribute__((target("avx2"), always_inline)) inline __m256i
tailMask8(int64_t rem) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((target("avx2,fma"))) void expAvx2(float *x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    __m256i m = tailMask8(n - i);
    _mm256_maskstore_ps(x + i, m, exp8(_mm256_maskload_ps(x + i, m)));
  }
}

__attribute__((target("avx2,fma"))) float sumAvx2(float *x, int64_t n,
                                                  float scale, float shift) {
  const __m256 s = _mm256_set1_ps(scale), negShift = _mm256_set1_ps(-shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 y = exp8(_mm256_fmadd_ps(_mm256_loadu_ps(x + i), s, negShift));
    _mm256_storeu_ps(x + i, y);
    acc = _mm256_add_ps(acc, y);
  }
  if (i < n) {
    __m256i m = tailMask8(n - i);
    __m256 y = exp8(_mm256_fmadd_ps(_mm256_maskload_ps(x + i, m), s, negShift));
    _mm256_maskstore_ps(x + i, m, y);
    acc = _mm256_add_ps(acc, _mm256_and_ps(y, _mm256_castsi256_ps(m)));
  }
  // Fixed reduction order: halves, then quarters, then pairs.
  __m128 q =
      _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

//===----------------------------------------------------------------------===//
// AVX-512F, 16 lanes
//===----------------------------------------------------------------------===//

__attribute__((target("avx512f"))) void expAvx512(float *x, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(x + i, exp16(_mm512_loadu_ps(x + i)));
  if (i < n) {
    __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, exp16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

__attribute__((target("avx512f"))) float sumAvx512(float *x, int64_t n,
                                                   float scale, float shift) {
  const __m512 s = _mm512_set1_ps(scale), negShift = _mm512_set1_ps(-shift);
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 y = exp16(_mm512_fmadd_ps(_mm512_loadu_ps(x + i), s, negShift));
    _mm512_storeu_ps(x + i, y);
    acc = _mm512_add_ps(acc, y);
  }
  if (i < n) {
    __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
    __m512 y =
        exp16(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), s, negShift));
    _mm512_mask_storeu_ps(x + i, m, y);
    acc = _mm512_mask_add_ps(acc, m, acc, y);
  }
  // Fixed reduction order: 512 -> 256 -> 128 -> 64 -> 32 bits.
  __m256 h = _mm256_add_ps(
      _mm512_castps512_ps256(acc),
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1)));
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

#endif // HEED_X86

struct ExpImpl {
  void (*inPlace)(float *, int64_t);
  float (*sum)(float *, int64_t, float, float);
  float (*one)(float);
};

ExpImpl implFor(ExpPath path) {
#ifdef HEED_X86
  if (path == ExpPath::Avx512 && expPathAvailable(path))
    return {expAvx512, sumAvx512, expOneFma};
  if (path == ExpPath::Avx2 && expPathAvailable(path))
    return {expAvx2, sumAvx2, expOneFma};
#endif
  (void)path;
  return {expPortable, sumPortable, expOnePortable};
}

const ExpImpl &bestImpl() {
  static const ExpImpl impl = implFor(bestExpPath());
  return impl;
}

} // namespace

const char *expPathName(ExpPath path) {
  switch (path) {
  case ExpPath::Scalar:
    return "scalar";
  case ExpPath::Avx2:
    return "avx2";
  case ExpPath::Avx512:
    return "avx512";
  }
  return "?";
}

bool expPathAvailable(ExpPath path) {
#ifdef HEED_X86
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  static const bool avx512 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  switch (path) {
  case ExpPath::Scalar:
    return true;
  case ExpPath::Avx2:
    return avx2;
  case ExpPath::Avx512:
    return avx512;
  }
  return false;
#else
  return path == ExpPath::Scalar;
#endif
}

ExpPath bestExpPath() {
  static const ExpPath best =
      expPathAvailable(ExpPath::Avx512) ? ExpPath::Avx512
      : expPathAvailable(ExpPath::Avx2) ? ExpPath::Avx2
                                        : ExpPath::Scalar;
  return best;
}

void expInPlace(float *x, int64_t n) { bestImpl().inPlace(x, n); }

void expInPlaceWith(ExpPath path, float *x, int64_t n) {
  implFor(path).inPlace(x, n);
}

float expScalar(float x) { return bestImpl().one(x); }

namespace {
/// x[i] = Fn(x[i]) for an AVX-512 exp variant Fn, where the CPU has
/// AVX-512F; nothing otherwise.
#ifdef HEED_X86
template <__m512 (*Fn)(__m512)>
__attribute__((target("avx512f"))) void applyAvx512(float *x, int64_t n) {
  if (!expPathAvailable(ExpPath::Avx512))
    return;
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 m =
        n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, Fn(_mm512_maskz_loadu_ps(m, x + i)));
  }
}
#define HEED_APPLY_AVX512(FN, x, n) applyAvx512<FN>(x, n)
#else
#define HEED_APPLY_AVX512(FN, x, n) ((void)(x), (void)(n))
#endif
} // namespace

bool expWeightsAvailable() { return expPathAvailable(ExpPath::Avx512); }

void expWeightsInPlace(float *x, int64_t n) {
  HEED_APPLY_AVX512(expWeights16, x, n);
}

void expUnsaturatedInPlace(float *x, int64_t n) {
  HEED_APPLY_AVX512(exp16<false>, x, n);
}

#undef HEED_APPLY_AVX512

float expScaleShiftSum(float *x, int64_t n, float scale, float shift) {
  return bestImpl().sum(x, n, scale, shift);
}

float expScaleShiftSumWith(ExpPath path, float *x, int64_t n, float scale,
                           float shift) {
  return implFor(path).sum(x, n, scale, shift);
}

} // namespace heed::rt
