//===- VectorExpAvx512.h - exp constants and AVX-512 core ------*- C++ -*-===//
//
// Internal to libheedrt's kernels. The constants of the exp algorithm that
// VectorExp.h describes, shared by its three paths, and the AVX-512 core
// exp16 as an inline function, so that kernels with their own AVX-512 loops
// (the flash attention micro-kernels) compute exactly the values expInPlace
// computes, without a call per vector.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_VECTOREXPAVX512_H
#define HEED_RUNTIME_KERNELS_VECTOREXPAVX512_H

#include <limits>

#include "Intrinsics.h"

namespace heed::rt {
namespace expconst {

// Inputs below kLo flush to +0, above kHi saturate to +inf. kHi is the
// largest f32 whose exp is finite (exp(88.72283935546875) > FLT_MAX).
constexpr float kLo = -87.3f;
constexpr float kHi = 0x1.62e42ep+6f; // 88.72283172607421875
constexpr float kLog2e = 0x1.715476p+0f;
/// 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
constexpr float kShifter = 0x1.8p+23f;
/// Cody-Waite split of ln 2 (Cephes): kC1 has 9 significant bits, so n * kC1
/// is exact for |n| <= 128 and xc - n * kC1 is exact (Sterbenz).
constexpr float kC1 = 0.693359375f;
constexpr float kC2 = -2.12194440e-4f;
/// exp(r) ~= 1 + r (1 + r (kP2 + r (kP3 + r (kP4 + r (kP5 + r kP6))))) on
/// [-ln2/2, ln2/2]: Remez (relative error) with c0 = c1 = 1, rounded to f32.
constexpr float kP2 = 0x1.fffffep-2f;
constexpr float kP3 = 0x1.55547ep-3f;
constexpr float kP4 = 0x1.555638p-5f;
constexpr float kP5 = 0x1.1246dap-7f;
constexpr float kP6 = 0x1.6c350cp-10f;

/// The softmax-weights exp (expWeights16): exp(r) ~= kW0 + r (kW1 + r (kW2 +
/// r kW3)) on [-ln2/2, ln2/2], minimax for the relative error (7.5e-5 with
/// the coefficients rounded to f32), and ln 2 rounded to f32 for a one-step
/// reduction.
constexpr float kW0 = 0x1.fff692p-1f;
constexpr float kW1 = 0x1.000ac2p+0f;
constexpr float kW2 = 0x1.028a8cp-1f;
constexpr float kW3 = 0x1.5349f4p-3f;
constexpr float kLn2 = 0x1.62e43p-1f;

} // namespace expconst

#ifdef HEED_X86
/// exp of 16 lanes. With Saturate, all the special values of VectorExp.h
/// (bitwise equal to expInPlace on the AVX-512 path); without, x > 88.72
/// is not clamped to +inf (three fewer operations), which is the same
/// function for x <= 88.72, e.g. the x <= 0 of a softmax (a score minus its
/// row's max). Callers need target("avx512f").
template <bool Saturate = true>
__attribute__((target("avx512f"), always_inline)) inline __m512
exp16(__m512 x) {
  using namespace expconst;
  const __m512 lo = _mm512_set1_ps(kLo), hi = _mm512_set1_ps(kHi);
  const __m512 shifter = _mm512_set1_ps(kShifter);
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 xc = _mm512_max_ps(x, lo);
  if constexpr (Saturate)
    xc = _mm512_min_ps(xc, hi);
  __m512 t = _mm512_fmadd_ps(xc, _mm512_set1_ps(kLog2e), shifter);
  __m512 n = _mm512_sub_ps(t, shifter);
  __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kC1), xc);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kC2), r);
  __m512 p = _mm512_set1_ps(kP6);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP5));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
  p = _mm512_fmadd_ps(p, r, one);
  p = _mm512_fmadd_ps(p, r, one);
  __m512i e = _mm512_slli_epi32(_mm512_castps_si512(t), 23);
  __m512 y = _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(p), e));
  y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ),
                         _mm512_setzero_ps());
  if constexpr (Saturate)
    y = _mm512_mask_mov_ps(
        y, _mm512_cmp_ps_mask(x, hi, _CMP_GT_OQ),
        _mm512_set1_ps(std::numeric_limits<float>::infinity()));
  return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

/// A cheaper exp for softmax weights that are rounded to bf16 next (2^-9
/// relative): a degree-3 polynomial and a one-step range reduction, 13
/// operations instead of exp16's 19. For x <= 0 (a score minus its row's
/// max): max relative error 7.51e-5 on [-87.3, 0] (every f32, against double
/// std::exp, test/unit/runtime/VectorExpTest.cpp); x < -87.3 and -inf give
/// +0 exactly, NaN stays NaN. Positive x are not clamped (the caller never
/// passes them).
__attribute__((target("avx512f"), always_inline)) inline __m512
expWeights16(__m512 x) {
  using namespace expconst;
  const __m512 lo = _mm512_set1_ps(kLo);
  const __m512 shifter = _mm512_set1_ps(kShifter);
  __m512 xc = _mm512_max_ps(x, lo);
  __m512 t = _mm512_fmadd_ps(xc, _mm512_set1_ps(kLog2e), shifter);
  __m512 n = _mm512_sub_ps(t, shifter);
  __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2), xc);
  __m512 p = _mm512_set1_ps(kW3);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kW2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kW1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kW0));
  __m512i e = _mm512_slli_epi32(_mm512_castps_si512(t), 23);
  __m512 y = _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(p), e));
  y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ),
                         _mm512_setzero_ps());
  return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}
#endif // HEED_X86

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_VECTOREXPAVX512_H
