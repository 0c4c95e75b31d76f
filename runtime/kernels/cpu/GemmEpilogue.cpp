//===- GemmEpilogue.cpp - a GEMM's epilogue over a block of sums ----------===//
//
// applyGemmEpilogue: the vector code of GemmEpilogue.h over a stored block
// of sums, for GEMMs whose micro-kernels store plain sums (gemmBf16).
//
//===----------------------------------------------------------------------===//

#include "GemmEpilogue.h"
#include "Bf16Vector.h"

namespace heed::rt {

#ifdef HEED_X86

__attribute__((target("avx512f,avx512bw"))) void
applyGemmEpilogue(const float *c, int64_t ldc, int64_t rows, int64_t cols,
                  const GemmEpilogue &ep, void *y, int64_t ldy, bool bf16Y) {
  for (int64_t n = 0; n < cols; n += 16) {
    const __mmask16 m = cols - n >= 16 ? (__mmask16)0xFFFF
                                       : (__mmask16)((1u << (cols - n)) - 1);
    const __m512 bias = gemmepilogue::biasVector(ep, n, m);
    for (int64_t r = 0; r < rows; ++r) {
      __m512 x = gemmepilogue::finish16(
          _mm512_maskz_loadu_ps(m, c + r * ldc + n), ep, bias, r, n, m);
      if (bf16Y)
        storeBf16(static_cast<uint16_t *>(y) + r * ldy + n, m, x);
      else
        _mm512_mask_storeu_ps(static_cast<float *>(y) + r * ldy + n, m, x);
    }
  }
}

#else // !HEED_X86: never called (callers check cpuHasAvx512FBW()).

void applyGemmEpilogue(const float *, int64_t, int64_t, int64_t,
                       const GemmEpilogue &, void *, int64_t, bool) {}

#endif // HEED_X86

} // namespace heed::rt
