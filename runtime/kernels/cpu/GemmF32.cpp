//===- GemmF32.cpp - f32 GEMM with a prepacked B and a fused epilogue -----===//
//
// See GemmF32.h. Like GemmBf16.cpp, the AVX-512 code carries function-level
// target attributes, so libheedrt still runs on CPUs without it
// (gemmF32Available() says no).
//
//===----------------------------------------------------------------------===//

#include "GemmF32.h"
#include "GemmRows.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace heed::rt {

namespace {
/// K per block. Measured with heed-bench-gemm (gemm/f32, one thread, M =
/// 64 and 128, K = 768 and 3072, N = 128): blocks of 128 and 256 k (the A
/// block stays in L1 across the panels) were 3-8% slower than whole K, which
/// matches oneDNN there; blocks only bound the A block for very long rows.
constexpr int64_t kBlockK = 4096;
/// Columns of partial sums kept per block of rows (the thread_local buffer).
constexpr int64_t kPartialCols = 512;
/// The first block of rows of a call reads B from memory (the weights of a
/// layer are used once per run); it prefetches B this many steps of K
/// ahead (4 KiB). The later blocks find B in L2. Measured on whole models
/// (2 threads, 4 interleaved rounds): BERT-base L=128 88.2 -> 85.0 ms,
/// GPT-2 L=256 168 -> 162 ms; 64 steps the same, 16 less, prefetching in
/// every block no better.
constexpr int64_t kPrefetchSteps = 32;
/// Steps of K per unrolled loop iteration (2, 4, 8 and 16 measured the
/// same).
constexpr int kUnroll = 16;
} // namespace

bool gemmF32Available() { return cpuHasAvx512FBW(); }

void PackedF32Matrix::Free::operator()(float *p) const { std::free(p); }

PackedF32Matrix::PackedF32Matrix(const float *src, int64_t K, int64_t N,
                                 int64_t kStride, int64_t nStride)
    : K(K), N(N) {
  size_t size = bytes();
  // aligned_alloc wants a multiple of the alignment (a panel row is 128
  // bytes) and may return null for 0.
  data.reset(static_cast<float *>(std::aligned_alloc(64, size ? size : 64)));
  if (!data)
    throw std::bad_alloc();
  std::memset(data.get(), 0, size);
  for (int64_t n = 0; n < N; ++n) {
    float *to = data.get() + (n / kGemmF32PanelCols) * K * kGemmF32PanelCols +
                n % kGemmF32PanelCols;
    const float *from = src + n * nStride;
    for (int64_t k = 0; k < K; ++k)
      to[k * kGemmF32PanelCols] = from[k * kStride];
  }
}

#ifdef HEED_X86

namespace {

#define HEED_TARGET __attribute__((target("avx512f,avx512bw")))

using gemmrows::Rows;

constexpr int kNV = (int)(kGemmF32PanelCols / 16);
constexpr int kMR = 14;

/// Lanes of each vector of a row's \p cols (<= kGemmF32PanelCols) columns.
inline std::array<__mmask16, kNV> columnMasks(int64_t cols) {
  std::array<__mmask16, kNV> m;
  for (int v = 0; v < kNV; ++v) {
    int64_t n = cols - 16 * v;
    m[v] = n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
  }
  return m;
}

/// One step of K: acc[r][v] += A[r][Disp / 4] * B[k][16 v ..], B's row at
/// \p b; with \p pf, B's row \p pf floats ahead is prefetched.
template <int Disp, int MR, int NV>
HEED_TARGET __attribute__((always_inline)) inline void
step(__m512 (&acc)[MR][NV], const Rows &p, const float *b, int64_t pf) {
  if (pf) {
    _mm_prefetch(reinterpret_cast<const char *>(b + pf), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char *>(b + pf + 16), _MM_HINT_T0);
  }
  __m512 x[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    x[v] = _mm512_load_ps(b + 16 * v);
  gemmrows::fmaAllRows<Disp>(acc, p, x);
}

/// Steps T... of K.
template <int MR, int NV, int... T>
HEED_TARGET __attribute__((always_inline)) inline void
steps(__m512 (&acc)[MR][NV], const Rows &p, const float *b, int64_t pf,
      std::integer_sequence<int, T...>) {
  (step<4 * T>(acc, p, b + T * kGemmF32PanelCols, pf), ...);
}

/// Where a kernel call's sums go: the partial buffer (no epilogue) or Y
/// through the epilogue, whose bias and residual start at row \p row and
/// column \p col of the gemmF32 call.
struct Out {
  float *to;
  int64_t ld;
  const GemmEpilogue *ep; ///< null: store the sums
  int64_t row, col;
};

/// Sums of rows [0, MR) of \p a (row stride lda, k < kLen) times the panel
/// rows at \p b, plus \p in (row stride ldIn) when given, stored to \p out;
/// columns [0, 16 NV) masked by \p m; B prefetched \p pf floats ahead
/// when pf is not 0.
template <int MR, int NV>
HEED_TARGET __attribute__((noinline)) void
kernel(const float *a, int64_t lda, const float *b, int64_t kLen,
       const float *in, int64_t ldIn, Out out,
       const std::array<__mmask16, kNV> &m, int64_t pf) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_maskz_loadu_ps(in ? m[v] : 0, in + r * ldIn + 16 * v);
  Rows p = Rows::of(a, lda);
  int64_t k = 0;
  for (; k + kUnroll <= kLen; k += kUnroll) {
    steps<MR, NV>(acc, p, b, pf, std::make_integer_sequence<int, kUnroll>());
    b += kUnroll * kGemmF32PanelCols;
    p.advance(kUnroll);
  }
  for (; k < kLen; ++k) {
    step<0>(acc, p, b, 0);
    b += kGemmF32PanelCols;
    p.advance(1);
  }
  if (!out.ep) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        _mm512_mask_storeu_ps(out.to + r * out.ld + 16 * v, m[v], acc[r][v]);
    return;
  }
  const GemmEpilogue &ep = *out.ep;
  __m512 bias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    bias[v] = gemmepilogue::biasVector(ep, out.col + 16 * v, m[v]);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      _mm512_mask_storeu_ps(out.to + r * out.ld + 16 * v, m[v],
                            gemmepilogue::finish16(acc[r][v], ep, bias[v],
                                                   out.row + r,
                                                   out.col + 16 * v, m[v]));
}

using Fn = void (*)(const float *, int64_t, const float *, int64_t,
                    const float *, int64_t, Out,
                    const std::array<__mmask16, kNV> &, int64_t);
template <int MR, size_t... V>
constexpr std::array<Fn, sizeof...(V)> kernelRow(std::index_sequence<V...>) {
  return {{&kernel<MR, (int)V + 1>...}};
}
template <size_t... I>
constexpr std::array<std::array<Fn, kNV>, sizeof...(I)>
kernelTable(std::index_sequence<I...>) {
  return {{kernelRow<(int)I + 1>(std::make_index_sequence<kNV>())...}};
}

} // namespace

void gemmF32(const float *A, int64_t M, int64_t lda, const PackedF32Matrix &B,
             int64_t n0, int64_t nCount, float *Y, int64_t ldy,
             const GemmEpilogue &ep) {
  assert(n0 >= 0 && n0 % kGemmF32PanelCols == 0 && nCount >= 0 &&
         n0 + nCount <= B.cols() && B.rows() > 0);
  static constexpr auto kernels = kernelTable(std::make_index_sequence<kMR>());
  alignas(64) thread_local float partial[kMR * kPartialCols];
  const int64_t K = B.rows();
  if (M <= 0 || nCount <= 0)
    return;
  // Balanced blocks of rows: 64 rows are blocks of 13, 13, 13, 13 and 12,
  // not 14, 14, 14, 14 and 8.
  const int64_t blocks = (M + kMR - 1) / kMR;
  const int64_t base = M / blocks, extra = M % blocks;
  for (int64_t blk = 0, r0 = 0; blk < blocks; ++blk) {
    const int64_t rows = base + (blk < extra ? 1 : 0);
    for (int64_t c0 = 0; c0 < nCount; c0 += kPartialCols) {
      const int64_t cols = std::min(kPartialCols, nCount - c0);
      for (int64_t k0 = 0; k0 < K; k0 += kBlockK) {
        const int64_t kLen = std::min(kBlockK, K - k0);
        const bool last = k0 + kLen == K;
        for (int64_t n = 0; n < cols; n += kGemmF32PanelCols) {
          const int64_t panelCols = std::min(kGemmF32PanelCols, cols - n);
          Out out = last ? Out{Y + r0 * ldy + c0 + n, ldy, &ep, r0, c0 + n}
                         : Out{partial + n, kPartialCols, nullptr, 0, 0};
          kernels[rows - 1][(panelCols + 15) / 16 - 1](
              A + r0 * lda + k0, lda,
              B.panel((n0 + c0 + n) / kGemmF32PanelCols) +
                  k0 * kGemmF32PanelCols,
              kLen, k0 > 0 ? partial + n : nullptr, kPartialCols, out,
              columnMasks(panelCols),
              blk == 0 ? kPrefetchSteps * kGemmF32PanelCols : 0);
        }
      }
    }
    r0 += rows;
  }
}

#else // !HEED_X86: never called (gemmF32Available() says no).

void gemmF32(const float *, int64_t, int64_t, const PackedF32Matrix &, int64_t,
             int64_t, float *, int64_t, const GemmEpilogue &) {}

#endif // HEED_X86

} // namespace heed::rt
