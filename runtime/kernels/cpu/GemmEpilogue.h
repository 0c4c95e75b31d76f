//===- GemmEpilogue.h - what a GEMM applies to its sums -----------*- C++
//-*-===//
//
// Internal to libheedrt's kernels. linear and matmul compute
//
//   y = act(scale * (a @ b) + bias) + residual
//
// and the AVX-512 GEMMs (gemmF32, and gemmBf16's results through
// applyGemmEpilogue) apply everything after the product to the f32 sums in
// registers, just before storing them, so the output is written once and no
// oneDNN primitive runs. This header describes that epilogue and holds the
// vector code both share.
//
// The activations are those of heed::Activation: Relu is max(x, 0), NaN
// kept; Gelu is x * Phi(x) with Phi from erf by Abramowitz and Stegun
// 7.1.26 (|error| <= 1.5e-7 in erf, the approximation oneDNN's gelu_erf
// uses too) and exp16; Sigmoid is 1 / (1 + exp(-x)); Silu is
// x * sigmoid(x); Tanh is its Taylor series to x^13 for |x| < 0.25 (no
// cancellation near 0) and sign(x) (1 - 2 / (exp(2 |x|) + 1)) beyond.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_GEMMEPILOGUE_H
#define HEED_RUNTIME_KERNELS_GEMMEPILOGUE_H

#include "Intrinsics.h"
#include "VectorExpAvx512.h"

#include "heed/KernelSpec.h"

#include <cstdint>

namespace heed::rt {

/// y = act(scale * sum + bias) + residual for the output block of one GEMM
/// call: row r, column n of the block (n counted from the call's first
/// column).
struct GemmEpilogue {
  float scale = 1.0f;
  /// bias[n * biasStride], or no bias when null. biasStride 0 adds one
  /// value to every element, 1 a row.
  const float *bias = nullptr;
  int64_t biasStride = 1;
  Activation activation = Activation::None;
  /// residual[r * residualRowStride + n], or none when null (0: the same
  /// row for every row). The residual may be the output itself (in place):
  /// each element is read before it is written.
  const float *residual = nullptr;
  int64_t residualRowStride = 0;
};

/// y[r * ldy + n] = the epilogue of c[r * ldc + n] for r < rows, n < cols
/// (f32 y, or bf16 y rounded to nearest even when \p bf16Y). y may be c.
/// Needs AVX-512F and BW (cpuHasAvx512FBW()).
void applyGemmEpilogue(const float *c, int64_t ldc, int64_t rows, int64_t cols,
                       const GemmEpilogue &ep, void *y, int64_t ldy,
                       bool bf16Y);

#ifdef HEED_X86
namespace gemmepilogue {

#define HEED_EPILOGUE_TARGET                                                   \
  __attribute__((target("avx512f,avx512bw"), always_inline)) inline

/// x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 (see the file comment).
HEED_EPILOGUE_TARGET __m512 gelu16(__m512 x) {
  // A&S 7.1.26: 1 - erf(z) = t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^-z^2
  // with t = 1 / (1 + p z), z >= 0.
  const __m512 z =
      _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(0.70710678118654752f));
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 t =
      _mm512_div_ps(one, _mm512_fmadd_ps(z, _mm512_set1_ps(0.3275911f), one));
  __m512 q = _mm512_set1_ps(1.061405429f);
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-1.453152027f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.421413741f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(-0.284496736f));
  q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.254829592f));
  q = _mm512_mul_ps(q, t);
  __m512 e =
      exp16<false>(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(z, z)));
  // w = Phi(-|x|) = (1 - erf(|x| / sqrt 2)) / 2.
  __m512 w = _mm512_mul_ps(_mm512_mul_ps(q, e), _mm512_set1_ps(0.5f));
  __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  __m512 phi = _mm512_mask_mov_ps(_mm512_sub_ps(one, w), negative, w);
  return _mm512_mul_ps(x, phi);
}

/// 1 / (1 + e^-x).
HEED_EPILOGUE_TARGET __m512 sigmoid16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 e = exp16<true>(_mm512_sub_ps(_mm512_setzero_ps(), x));
  return _mm512_div_ps(one, _mm512_add_ps(one, e));
}

/// tanh(x) (see the file comment).
HEED_EPILOGUE_TARGET __m512 tanh16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 a = _mm512_abs_ps(x);
  // |x| >= 0.25: 1 - 2 / (e^2|x| + 1), e saturating to +inf past 44.
  __m512 e = exp16<true>(_mm512_add_ps(a, a));
  __m512 far = _mm512_sub_ps(
      one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
  far = _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_castps_si512(far),
                      _mm512_and_si512(_mm512_castps_si512(x),
                                       _mm512_set1_epi32((int)0x80000000u))));
  // |x| < 0.25: x + x^3 (-1/3 + x^2 (2/15 + x^2 (-17/315 + x^2 (62/2835 +
  // x^2 (-1382/155925 + x^2 21844/6081075))))).
  __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(21844.0f / 6081075.0f);
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1382.0f / 155925.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(62.0f / 2835.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-17.0f / 315.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.0f / 15.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1.0f / 3.0f));
  __m512 near = _mm512_fmadd_ps(_mm512_mul_ps(p, x2), x, x);
  return _mm512_mask_mov_ps(
      far, _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.25f), _CMP_LT_OQ), near);
}

/// act(scale * s + bias): \p bias is the bias vector of these columns (zero
/// without one).
HEED_EPILOGUE_TARGET __m512 activate16(__m512 s, float scale, __m512 bias,
                                       Activation activation) {
  __m512 x = _mm512_fmadd_ps(s, _mm512_set1_ps(scale), bias);
  switch (activation) {
  case Activation::None:
    return x;
  case Activation::Tanh:
    return tanh16(x);
  case Activation::Relu:
    // vmaxps returns its second operand when either is NaN.
    return _mm512_max_ps(_mm512_setzero_ps(), x);
  case Activation::Gelu:
    return gelu16(x);
  case Activation::Sigmoid:
    return sigmoid16(x);
  case Activation::Silu:
    return _mm512_mul_ps(x, sigmoid16(x));
  }
  return x;
}

/// The bias of the 16 columns from \p n (masked by \p m).
HEED_EPILOGUE_TARGET __m512 biasVector(const GemmEpilogue &ep, int64_t n,
                                       __mmask16 m) {
  if (!ep.bias)
    return _mm512_setzero_ps();
  if (ep.biasStride == 0)
    return _mm512_set1_ps(ep.bias[0]);
  return _mm512_maskz_loadu_ps(m, ep.bias + n);
}

/// The epilogue of the sums \p s of row \p r, columns [n, n + 16) (masked
/// by \p m), given their bias vector.
HEED_EPILOGUE_TARGET __m512 finish16(__m512 s, const GemmEpilogue &ep,
                                     __m512 bias, int64_t r, int64_t n,
                                     __mmask16 m) {
  __m512 x = activate16(s, ep.scale, bias, ep.activation);
  if (ep.residual)
    x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(
                             m, ep.residual + r * ep.residualRowStride + n));
  return x;
}

#undef HEED_EPILOGUE_TARGET

} // namespace gemmepilogue
#endif // HEED_X86

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_GEMMEPILOGUE_H
