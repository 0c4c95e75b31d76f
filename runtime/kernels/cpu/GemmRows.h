//===- GemmRows.h - f32 A rows broadcast in place for GEMM kernels -*- C++
//-*-===//
//
// Internal to libheedrt's kernels. The AVX-512 GEMM micro-kernels that read
// f32 A in place (gemmBf16's FmaF32A, gemmF32) broadcast one element of each
// of up to 14 rows of A per step of K against one or two vectors of B. This
// header holds what they share: how the rows are addressed and the
// broadcast-and-FMA of one step.
//
// Row r of A is at base[r / 5] + {0, L, 2 L, 3 L, 4 L}[r % 5] (L = lda in
// bytes), in x86 addressing (base + index * scale + disp) from 3 bases and 2
// indices (L, 3 L): 14 rows need 5 general registers. The broadcast is
// inline assembly because the compiler, given a[r * lda + k], keeps a
// pointer per row and spills them (a reload per broadcast). A is not
// written during a call, so the statement depends only on its operands.
//
// Callers need target("avx512f").
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_GEMMROWS_H
#define HEED_RUNTIME_KERNELS_GEMMROWS_H

#include "Intrinsics.h"

#include <cstdint>
#include <utility>

#ifdef HEED_X86

namespace heed::rt::gemmrows {

/// The most rows a kernel addresses (3 bases of 5 rows, less one).
constexpr int kMaxRows = 14;

/// Where up to kMaxRows rows of f32 A are (see the file comment).
struct Rows {
  const char *base[3];
  int64_t L, L3;

  /// The rows of \p a with row stride \p lda (elements). Bases 1 and 2 are
  /// only dereferenced for rows that exist.
  static Rows of(const float *a, int64_t lda) {
    const char *a0 = reinterpret_cast<const char *>(a);
    const int64_t L = lda * (int64_t)sizeof(float);
    return {{a0, a0 + 5 * L, a0 + 10 * L}, L, 3 * L};
  }
  /// Moves every row \p k elements along.
  void advance(int64_t k) {
    for (auto &q : base)
      q += k * (int64_t)sizeof(float);
  }
};

/// vbroadcastss of the f32 at byte \p Disp of row \p R.
template <int R, int Disp>
__attribute__((target("avx512f"), always_inline)) inline __m512
broadcast(const Rows &p) {
  static_assert(R < kMaxRows, "row out of range");
  __m512 s;
  const char *b = p.base[R / 5];
  if constexpr (R % 5 == 0)
    asm("vbroadcastss %c2(%1), %0" : "=v"(s) : "r"(b), "i"(Disp));
  else if constexpr (R % 5 == 3)
    asm("vbroadcastss %c3(%1,%2,1), %0"
        : "=v"(s)
        : "r"(b), "r"(p.L3), "i"(Disp));
  else
    asm("vbroadcastss %c3(%1,%2,%c4), %0"
        : "=v"(s)
        : "r"(b), "r"(p.L), "i"(Disp), "i"(R % 5));
  return s;
}

/// acc[R][v] += A[R][Disp / 4] * x[v] for one row R.
template <int R, int Disp, int MR, int NV>
__attribute__((target("avx512f"), always_inline)) inline void
fmaRow(__m512 (&acc)[MR][NV], const Rows &p, const __m512 (&x)[NV]) {
  __m512 s = broadcast<R, Disp>(p);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    acc[R][v] = _mm512_fmadd_ps(s, x[v], acc[R][v]);
}

/// acc[r][v] += A[r][Disp / 4] * x[v] for the rows r = R...: one step of K.
template <int Disp, int MR, int NV, int... R>
__attribute__((target("avx512f"), always_inline)) inline void
fmaRows(__m512 (&acc)[MR][NV], const Rows &p, const __m512 (&x)[NV],
        std::integer_sequence<int, R...>) {
  (fmaRow<R, Disp>(acc, p, x), ...);
}

/// fmaRows over all MR rows.
template <int Disp, int MR, int NV>
__attribute__((target("avx512f"), always_inline)) inline void
fmaAllRows(__m512 (&acc)[MR][NV], const Rows &p, const __m512 (&x)[NV]) {
  fmaRows<Disp>(acc, p, x, std::make_integer_sequence<int, MR>());
}

} // namespace heed::rt::gemmrows

#endif // HEED_X86

#endif // HEED_RUNTIME_KERNELS_GEMMROWS_H
