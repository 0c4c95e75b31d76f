//===- Bf16Vector.h - f32 -> bf16 rounding of AVX-512 vectors ---*- C++ -*-===//
//
// Internal to libheedrt's kernels: heed::floatToBf16 (DType.h) on 16 lanes
// with AVX-512F integer operations, for CPUs without vcvtneps2bf16 and for
// its denormal inputs (which that instruction reads as zero).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_BF16VECTOR_H
#define HEED_RUNTIME_KERNELS_BF16VECTOR_H

#include "Intrinsics.h"

#include <cstdint>

#ifdef HEED_X86

namespace heed::rt {

/// f32 -> bf16 (nearest even; NaN stays NaN, quiet) of each lane, kept as
/// the f32 with that bf16's bits: heed::floatToBf16 << 16.
__attribute__((target("avx512f"), always_inline)) inline __m512
roundToBf16(__m512 x) {
  const __m512i u = _mm512_castps_si512(x);
  const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u);
  __m512i lsb =
      _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_and_si512(
      _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)), lsb),
      high);
  __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  __m512i quiet =
      _mm512_and_si512(_mm512_or_si512(u, _mm512_set1_epi32(0x00400000)), high);
  return _mm512_castsi512_ps(_mm512_mask_mov_epi32(rounded, nan, quiet));
}

/// Stores heed::floatToBf16 of the lanes of \p x selected by \p m at the
/// same lanes of \p to.
__attribute__((target("avx512f"), always_inline)) inline void
storeBf16(uint16_t *to, __mmask16 m, __m512 x) {
  _mm512_mask_cvtepi32_storeu_epi16(
      to, m, _mm512_srli_epi32(_mm512_castps_si512(roundToBf16(x)), 16));
}

} // namespace heed::rt

#endif // HEED_X86

#endif // HEED_RUNTIME_KERNELS_BF16VECTOR_H
