//===- GemmBf16.cpp - bf16 GEMM with a prepacked B ------------------------===//
//
// See GemmBf16.h for the layout and the three micro-kernels. Like
// LaneTiles.cpp, the AVX-512 code carries function-level target attributes,
// so libheedrt still runs on CPUs without it (gemmBf16Available() says no).
//
// A call splits its rows into blocks of at most kMaxRows (Dot 14, Fma 28;
// balanced: 64 rows are Fma blocks of 22, 21 and 21, not 28, 28 and 8) and
// K into blocks of 256. Each (row block, K block) of A is rounded to bf16
// and packed once into a thread_local buffer that stays in L1 (at most 28
// KiB), then multiplied with every panel of the column range by the
// micro-kernel instantiated for its row count; C holds the sums between K
// blocks (the kernels add to it after the first), which changes nothing in
// the result. A packed block is chunk-major, [K chunk][row][32 k], so that
// every broadcast in the unrolled chunk loop is at a constant offset from
// one pointer.
//
// FmaF32A (gemmF32A) has the same loops without the packing: blocks of at
// most 14 rows and 4096 k, its kernel reading the block's rows of A in
// place. It handles K that is not a multiple of 32 (A has nothing to read
// past K) with a loop of single pairs and a half pair for odd K.
//
//===----------------------------------------------------------------------===//

#include "GemmBf16.h"
#include "Bf16Vector.h"
#include "GemmRows.h"
#include "Intrinsics.h"

#include "heed/DType.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace heed::rt {

namespace {

/// K pairs per chunk (packed A and B are padded to whole chunks).
constexpr int64_t kChunkPairs = 16;
constexpr int64_t kChunkK = 2 * kChunkPairs;
/// Chunks of K per packed block of A (256 k): the block stays in L1 while
/// every panel of the call multiplies it, and C accumulates across blocks.
constexpr int64_t kBlockChunks = 8;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// See detail::setGemmBf16CvtRounding.
std::atomic<bool> cvtRounding{true};

} // namespace

void detail::setGemmBf16CvtRounding(bool enabled) { cvtRounding = enabled; }

void PackedBf16Matrix::Free::operator()(uint32_t *p) const { std::free(p); }

PackedBf16Matrix::PackedBf16Matrix(const void *src, heed_dtype dtype, int64_t K,
                                   int64_t N, int64_t kStride, int64_t nStride)
    : K(K), N(N),
      paddedPairs(ceilDiv(ceilDiv(K, 2), kChunkPairs) * kChunkPairs) {
  if (dtype != HEED_F32 && dtype != HEED_BF16)
    throw std::invalid_argument("PackedBf16Matrix: source must be f32 or bf16");
  if (K < 0 || N < 0)
    throw std::invalid_argument("PackedBf16Matrix: negative size");
  size_t size = bytes();
  // aligned_alloc wants a multiple of the alignment (panels are 128-byte
  // multiples) and may return null for 0.
  data.reset(static_cast<uint32_t *>(std::aligned_alloc(64, size ? size : 64)));
  if (!data)
    throw std::bad_alloc();
  std::memset(data.get(), 0, size);
  auto element = [&](int64_t k, int64_t n) -> uint32_t {
    int64_t at = k * kStride + n * nStride;
    if (dtype == HEED_F32)
      return floatToBf16(static_cast<const float *>(src)[at]);
    return static_cast<const uint16_t *>(src)[at];
  };
  for (int64_t p = 0; p < panelCount(); ++p) {
    uint32_t *words = data.get() + p * panelWords();
    int64_t cols =
        std::min<int64_t>(kGemmBf16PanelCols, N - p * kGemmBf16PanelCols);
    for (int64_t c = 0; c < cols; ++c) {
      int64_t n = p * kGemmBf16PanelCols + c;
      for (int64_t k = 0; k < K; k += 2) {
        uint32_t lo = element(k, n), hi = k + 1 < K ? element(k + 1, n) : 0;
        words[(k / 2) * kGemmBf16PanelCols + c] = lo | hi << 16;
      }
    }
  }
}

bool gemmBf16Available() { return cpuHasAvx512FBW(); }

bool gemmBf16KernelAvailable(GemmBf16Kernel kernel) {
#ifdef HEED_X86
  static const bool dot = [] {
    __builtin_cpu_init();
    return gemmBf16Available() && __builtin_cpu_supports("avx512bf16");
  }();
  return kernel == GemmBf16Kernel::Dot ? dot : gemmBf16Available();
#else
  return false;
#endif
}

GemmBf16Kernel gemmBf16PreferredKernel() {
#ifdef HEED_X86
  static const GemmBf16Kernel preferred = [] {
    __builtin_cpu_init();
    if (gemmBf16KernelAvailable(GemmBf16Kernel::Dot) &&
        (__builtin_cpu_is("amd") || __builtin_cpu_is("cooperlake")))
      return GemmBf16Kernel::Dot;
    return GemmBf16Kernel::Fma;
  }();
  return preferred;
#else
  return GemmBf16Kernel::Fma;
#endif
}

GemmBf16Kernel gemmBf16PreferredF32AKernel() {
  return gemmBf16PreferredKernel() == GemmBf16Kernel::Dot
             ? GemmBf16Kernel::Dot
             : GemmBf16Kernel::FmaF32A;
}

#ifdef HEED_X86

namespace {

#define HEED_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))
#define HEED_FMA_TARGET __attribute__((target("avx512f,avx512bw")))

/// Lanes of the first and second vector of a row's \p cols (<= 32) columns.
inline std::pair<__mmask16, __mmask16> columnMasks(int64_t cols) {
  auto lanes = [](int64_t n) -> __mmask16 {
    return n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
  };
  return {lanes(cols), lanes(cols - 16)};
}

/// The elements [k0, k0 + 32) of a row of \p K elements (0 past K) as two
/// masked-load masks of 16 lanes, or one of 32 (bf16).
inline __mmask32 chunkMask32(int64_t K, int64_t k0) {
  int64_t n = K - k0;
  return n >= 32 ? 0xFFFFFFFFu : (__mmask32)((1ull << n) - 1);
}

/// The sums of a micro-kernel's MR rows x NV vectors of C (masked by m0,
/// m1): C's values when \p accumulate, else zeros.
template <int MR, int NV>
HEED_FMA_TARGET __attribute__((always_inline)) inline void
loadSums(__m512 (&acc)[MR][NV], const float *c, int64_t ldc, bool accumulate,
         __mmask16 m0, __mmask16 m1) {
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = _mm512_maskz_loadu_ps(accumulate ? m0 : 0, c + r * ldc);
    if constexpr (NV == 2)
      acc[r][1] = _mm512_maskz_loadu_ps(accumulate ? m1 : 0, c + r * ldc + 16);
  }
}

/// Stores loadSums' block back to C.
template <int MR, int NV>
HEED_FMA_TARGET __attribute__((always_inline)) inline void
storeSums(__m512 (&acc)[MR][NV], float *c, int64_t ldc, __mmask16 m0,
          __mmask16 m1) {
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
    if constexpr (NV == 2)
      _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
  }
}

//===----------------------------------------------------------------------===//
// Dot: vdpbf16ps on bf16 pairs
//===----------------------------------------------------------------------===//

struct DotPath {
  using AWord = uint32_t;
  /// 14 x 2 accumulators + 2 B vectors + a broadcast: 31 registers.
  static constexpr int kMaxRows = 14;
  /// Words of a row's chunk in the packed block.
  static constexpr int64_t kChunkWords = kChunkPairs;

  /// Rows [0, rows) of \p a (row stride lda) as bf16 pairs:
  /// dst[(c * rows + r) * 16 + t] = (a[r][32c + 2t], a[r][32c + 2t + 1]).
  static HEED_TARGET void pack(const void *a, heed_dtype aType, int64_t rows,
                               int64_t lda, int64_t K, int64_t chunks,
                               AWord *dst) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < chunks; ++c) {
        int64_t k0 = c * kChunkK;
        __mmask32 m = chunkMask32(K, k0);
        __m512i pairs;
        if (aType == HEED_F32) {
          const float *row = static_cast<const float *>(a) + r * lda + k0;
          __m512 x0 = _mm512_maskz_loadu_ps((__mmask16)m, row);
          __m512 x1 = _mm512_maskz_loadu_ps((__mmask16)(m >> 16), row + 16);
          // Lower 16 bf16 from the second operand: k0 .. k0 + 31 in order.
          pairs = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
        } else {
          const uint16_t *row = static_cast<const uint16_t *>(a) + r * lda + k0;
          pairs = _mm512_maskz_loadu_epi16(m, row);
        }
        _mm512_storeu_si512(dst + (c * rows + r) * kChunkWords, pairs);
      }
    }
  }

  /// C[r][0, 16 NV) (masked by m0, m1) = the MR packed rows of \p a times
  /// the panel \p b, over \p chunks chunks.
  template <int MR, int NV>
  static HEED_TARGET __attribute__((noinline)) void
  kernel(const AWord *a, const uint32_t *b, int64_t chunks, float *c,
         int64_t ldc, bool accumulate, __mmask16 m0, __mmask16 m1) {
    __m512 acc[MR][NV];
    loadSums(acc, c, ldc, accumulate, m0, m1);
    for (int64_t ch = 0; ch < chunks; ++ch) {
#pragma GCC unroll 16
      for (int t = 0; t < kChunkPairs; ++t) {
        __m512bh w[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v)
          w[v] =
              (__m512bh)_mm512_load_si512(b + t * kGemmBf16PanelCols + 16 * v);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
          __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[r * kChunkWords + t]);
#pragma GCC unroll 2
          for (int v = 0; v < NV; ++v)
            acc[r][v] = _mm512_dpbf16_ps(acc[r][v], w[v], x);
        }
      }
      a += MR * kChunkWords;
      b += kChunkPairs * kGemmBf16PanelCols;
    }
    storeSums(acc, c, ldc, m0, m1);
  }

  using Fn = void (*)(const AWord *, const uint32_t *, int64_t, float *,
                      int64_t, bool, __mmask16, __mmask16);
  template <size_t... I>
  static constexpr std::array<std::array<Fn, 2>, sizeof...(I)>
  table(std::index_sequence<I...>) {
    return {{{&kernel<(int)I + 1, 1>, &kernel<(int)I + 1, 2>}...}};
  }

  /// C[r][0, cols) for the \p rows packed rows of \p a and the panel \p b.
  static void run(int64_t rows, const AWord *a, const uint32_t *b,
                  int64_t chunks, float *c, int64_t ldc, int64_t cols,
                  bool accumulate) {
    static constexpr auto kernels = table(std::make_index_sequence<kMaxRows>());
    auto [m0, m1] = columnMasks(cols);
    kernels[rows - 1][cols > 16 ? 1 : 0](a, b, chunks, c, ldc, accumulate, m0,
                                         m1);
  }
};

//===----------------------------------------------------------------------===//
// Fma: f32 FMAs on widened bf16
//===----------------------------------------------------------------------===//

struct FmaPath {
  using AWord = float;
  /// One vector of columns (a half panel) x 28 rows: 28 accumulators + the
  /// B word + its widened half + the mask, with every A broadcast folded
  /// into its FMA ({1to16} memory operand): 2 widening ops per 56 FMAs.
  static constexpr int kMaxRows = 28;
  /// A row's chunk: bf16(a[32c + 2j]) as f32 at j, bf16(a[32c + 2j + 1]) at
  /// 16 + j (j < 16), which is how a vector of bf16 pairs widens in two
  /// operations (a shift and a mask, like B's pairs).
  static constexpr int64_t kChunkWords = kChunkK;

  /// The even and odd elements of the 16 pairs of \p h as f32.
  static HEED_FMA_TARGET __attribute__((always_inline)) inline void
  store(float *out, __m512i h) {
    _mm512_storeu_si512(out, _mm512_slli_epi32(h, 16));
    _mm512_storeu_si512(
        out + 16, _mm512_and_si512(h, _mm512_set1_epi32((int)0xFFFF0000u)));
  }

  /// Rows [0, rows) of \p a (row stride lda) into dst[(c * rows + r) * 32].
  static HEED_FMA_TARGET void pack(const void *a, heed_dtype aType,
                                   int64_t rows, int64_t lda, int64_t K,
                                   int64_t chunks, AWord *dst) {
    if (aType == HEED_F32 && gemmBf16KernelAvailable(GemmBf16Kernel::Dot) &&
        cvtRounding.load(std::memory_order_relaxed)) {
      packRoundedByCvt(static_cast<const float *>(a), rows, lda, K, chunks,
                       dst);
      return;
    }
    // Indices of the even and odd elements of two vectors.
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14,
                                          12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < chunks; ++c) {
        int64_t k0 = c * kChunkK;
        __mmask32 m = chunkMask32(K, k0);
        float *out = dst + (c * rows + r) * kChunkWords;
        if (aType == HEED_F32) {
          const float *row = static_cast<const float *>(a) + r * lda + k0;
          __m512 x0 = roundToBf16(_mm512_maskz_loadu_ps((__mmask16)m, row));
          __m512 x1 = roundToBf16(
              _mm512_maskz_loadu_ps((__mmask16)(m >> 16), row + 16));
          _mm512_storeu_ps(out, _mm512_permutex2var_ps(x0, even, x1));
          _mm512_storeu_ps(out + 16, _mm512_permutex2var_ps(x0, odd, x1));
        } else {
          store(out, _mm512_maskz_loadu_epi16(
                         m, static_cast<const uint16_t *>(a) + r * lda + k0));
        }
      }
    }
  }

  /// pack() for f32 A where vcvtne2ps2bf16 exists: 3 instead of 20
  /// operations per 32 elements. The instruction treats denormal inputs as
  /// zero, which roundToBf16 does not (the only difference).
  static HEED_TARGET void packRoundedByCvt(const float *a, int64_t rows,
                                           int64_t lda, int64_t K,
                                           int64_t chunks, AWord *dst) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < chunks; ++c) {
        int64_t k0 = c * kChunkK;
        __mmask32 m = chunkMask32(K, k0);
        const float *row = a + r * lda + k0;
        __m512 x0 = _mm512_maskz_loadu_ps((__mmask16)m, row);
        __m512 x1 = _mm512_maskz_loadu_ps((__mmask16)(m >> 16), row + 16);
        store(dst + (c * rows + r) * kChunkWords,
              (__m512i)_mm512_cvtne2ps_pbh(x1, x0));
      }
    }
  }

  /// C[r][0, 16) (masked by \p m) = the MR packed rows of \p a times the
  /// 16 columns of a panel at \p b (pair stride kGemmBf16PanelCols words).
  template <int MR>
  static HEED_FMA_TARGET __attribute__((noinline)) void
  kernel(const AWord *a, const uint32_t *b, int64_t chunks, float *c,
         int64_t ldc, bool accumulate, __mmask16 m) {
    __m512 acc[MR];
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r)
      acc[r] = _mm512_maskz_loadu_ps(accumulate ? m : 0, c + r * ldc);
    const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u);
    for (int64_t ch = 0; ch < chunks; ++ch) {
#pragma GCC unroll 16
      for (int t = 0; t < kChunkPairs; ++t) {
        __m512i w = _mm512_load_si512(b + t * kGemmBf16PanelCols);
        __m512 x = _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)); // B[2t]
#pragma GCC unroll 32
        for (int r = 0; r < MR; ++r)
          acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * kChunkWords + t]), x,
                                   acc[r]);
        x = _mm512_castsi512_ps(_mm512_and_si512(w, high)); // B[2t + 1]
#pragma GCC unroll 32
        for (int r = 0; r < MR; ++r)
          acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * kChunkWords + 16 + t]),
                                   x, acc[r]);
      }
      a += MR * kChunkWords;
      b += kChunkPairs * kGemmBf16PanelCols;
    }
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r)
      _mm512_mask_storeu_ps(c + r * ldc, m, acc[r]);
  }

  using Fn = void (*)(const AWord *, const uint32_t *, int64_t, float *,
                      int64_t, bool, __mmask16);
  template <size_t... I>
  static constexpr std::array<Fn, sizeof...(I)>
  table(std::index_sequence<I...>) {
    return {{&kernel<(int)I + 1>...}};
  }

  /// C[r][0, cols) for the \p rows packed rows of \p a and the panel \p b,
  /// one half panel at a time.
  static void run(int64_t rows, const AWord *a, const uint32_t *b,
                  int64_t chunks, float *c, int64_t ldc, int64_t cols,
                  bool accumulate) {
    static constexpr auto kernels = table(std::make_index_sequence<kMaxRows>());
    auto [m0, m1] = columnMasks(cols);
    kernels[rows - 1](a, b, chunks, c, ldc, accumulate, m0);
    if (cols > 16)
      kernels[rows - 1](a, b + 16, chunks, c + 16, ldc, accumulate, m1);
  }
};

//===----------------------------------------------------------------------===//
// FmaF32A: f32 A read in place, f32 FMAs on widened bf16
//===----------------------------------------------------------------------===//

struct F32APath {
  /// 14 rows x 2 vectors (a whole panel) = 28 accumulators, + the two
  /// widened halves of B's current pair word, the mask and one broadcast of
  /// A: 32 registers. Each broadcast serves 2 FMAs; rows are addressed as
  /// GemmRows.h describes.
  static constexpr int kMaxRows = gemmrows::kMaxRows;
  using Rows = gemmrows::Rows;

  /// acc[r][v] += A[r][j] B[j][16 v ..] + A[r][j + 1] B[j + 1][16 v ..] (the
  /// second term when \p Both) for the pair word row \p b (B[j] and
  /// B[j + 1]), with A[r][j] at byte \p Disp of the rows.
  template <int MR, int NV, bool Both, int Disp>
  static HEED_FMA_TARGET __attribute__((always_inline)) inline void
  pair(__m512 (&acc)[MR][NV], const Rows &p, const uint32_t *b, __m512i high) {
    __m512 x[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v)
      x[v] = _mm512_castsi512_ps(
          _mm512_slli_epi32(_mm512_load_si512(b + 16 * v), 16));
    gemmrows::fmaAllRows<Disp>(acc, p, x);
    if constexpr (Both) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v)
        x[v] = _mm512_castsi512_ps(
            _mm512_and_si512(_mm512_load_si512(b + 16 * v), high));
      gemmrows::fmaAllRows<Disp + 4>(acc, p, x);
    }
  }

  /// The 16 pairs of a chunk.
  template <int MR, int NV, int... T>
  static HEED_FMA_TARGET __attribute__((always_inline)) inline void
  chunk(__m512 (&acc)[MR][NV], const Rows &p, const uint32_t *b, __m512i high,
        std::integer_sequence<int, T...>) {
    (pair<MR, NV, true, 8 * T>(acc, p, b + T * kGemmBf16PanelCols, high), ...);
  }

  /// C[r][0, 16 NV) (masked by m0, m1) (+)= rows [0, MR) of \p a (row
  /// stride lda, f32, read in place: k < kLen only) times the panel \p b.
  template <int MR, int NV>
  static HEED_FMA_TARGET __attribute__((noinline)) void
  kernel(const float *a, int64_t lda, const uint32_t *b, int64_t kLen, float *c,
         int64_t ldc, bool accumulate, __mmask16 m0, __mmask16 m1) {
    __m512 acc[MR][NV];
    loadSums(acc, c, ldc, accumulate, m0, m1);
    const __m512i high = _mm512_set1_epi32((int)0xFFFF0000u);
    Rows p = Rows::of(a, lda);
    int64_t k = 0;
    for (; k + kChunkK <= kLen; k += kChunkK) {
      chunk<MR, NV>(acc, p, b, high,
                    std::make_integer_sequence<int, kChunkPairs>());
      b += kChunkPairs * kGemmBf16PanelCols;
      p.advance(kChunkK);
    }
    for (; k + 2 <= kLen; k += 2) {
      pair<MR, NV, true, 0>(acc, p, b, high);
      b += kGemmBf16PanelCols;
      p.advance(2);
    }
    if (k < kLen) // odd K: the last pair's B[2t + 1] is zero padding
      pair<MR, NV, false, 0>(acc, p, b, high);
    storeSums(acc, c, ldc, m0, m1);
  }

  using Fn = void (*)(const float *, int64_t, const uint32_t *, int64_t,
                      float *, int64_t, bool, __mmask16, __mmask16);
  template <size_t... I>
  static constexpr std::array<std::array<Fn, 2>, sizeof...(I)>
  table(std::index_sequence<I...>) {
    return {{{&kernel<(int)I + 1, 1>, &kernel<(int)I + 1, 2>}...}};
  }

  /// C[r][0, cols) (+)= the \p rows rows of \p a over kLen k times the
  /// panel \p b.
  static void run(int64_t rows, const float *a, int64_t lda, const uint32_t *b,
                  int64_t kLen, float *c, int64_t ldc, int64_t cols,
                  bool accumulate) {
    static constexpr auto kernels = table(std::make_index_sequence<kMaxRows>());
    auto [m0, m1] = columnMasks(cols);
    kernels[rows - 1][cols > 16 ? 1 : 0](a, lda, b, kLen, c, ldc, accumulate,
                                         m0, m1);
  }
};

/// gemmBf16 with FmaF32A: gemmWith without a packed copy of A.
void gemmF32A(const float *A, int64_t M, int64_t lda, const PackedBf16Matrix &B,
              int64_t n0, int64_t nCount, float *C, int64_t ldc) {
  const int64_t K = B.rows();
  if (K == 0) {
    for (int64_t m = 0; m < M; ++m)
      std::fill(C + m * ldc, C + m * ldc + nCount, 0.0f);
    return;
  }
  // Whole K up to 4096 (no partial sums through C): 2-3% faster than
  // blocks of 256 k (heed-bench-gemm, gemm/bf16_fma_f32a, K = 768, 3072).
  constexpr int64_t kBlockK = 4096;
  const int64_t blocks = ceilDiv(M, F32APath::kMaxRows);
  const int64_t base = M / blocks, extra = M % blocks;
  for (int64_t blk = 0, r0 = 0; blk < blocks; ++blk) {
    const int64_t rows = base + (blk < extra ? 1 : 0);
    for (int64_t k0 = 0; k0 < K; k0 += kBlockK)
      for (int64_t n = 0; n < nCount; n += kGemmBf16PanelCols)
        F32APath::run(rows, A + r0 * lda + k0, lda,
                      B.panel((n0 + n) / kGemmBf16PanelCols) +
                          k0 / 2 * kGemmBf16PanelCols,
                      std::min(kBlockK, K - k0), C + r0 * ldc + n, ldc,
                      std::min<int64_t>(kGemmBf16PanelCols, nCount - n),
                      /*accumulate=*/k0 > 0);
    r0 += rows;
  }
}

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

template <typename Path>
void gemmWith(const void *A, heed_dtype aType, int64_t M, int64_t lda,
              const PackedBf16Matrix &B, int64_t n0, int64_t nCount, float *C,
              int64_t ldc) {
  // A packed block: at most 28 rows x 256 k x 4 bytes = 28 KiB.
  alignas(64) thread_local typename Path::AWord
      scratch[Path::kMaxRows * kBlockChunks * Path::kChunkWords];
  const int64_t K = B.rows(), chunks = B.pairs() / kChunkPairs;
  if (chunks == 0) { // K = 0
    for (int64_t m = 0; m < M; ++m)
      std::fill(C + m * ldc, C + m * ldc + nCount, 0.0f);
    return;
  }
  const size_t elemSize = aType == HEED_F32 ? 4 : 2;
  const int64_t blocks = ceilDiv(M, Path::kMaxRows);
  const int64_t base = M / blocks, extra = M % blocks;
  for (int64_t blk = 0, r0 = 0; blk < blocks; ++blk) {
    const int64_t rows = base + (blk < extra ? 1 : 0);
    for (int64_t c0 = 0; c0 < chunks; c0 += kBlockChunks) {
      const int64_t blockChunks = std::min(kBlockChunks, chunks - c0);
      Path::pack(static_cast<const char *>(A) +
                     (size_t)(r0 * lda + c0 * kChunkK) * elemSize,
                 aType, rows, lda, K - c0 * kChunkK, blockChunks, scratch);
      for (int64_t n = 0; n < nCount; n += kGemmBf16PanelCols)
        Path::run(rows, scratch,
                  B.panel((n0 + n) / kGemmBf16PanelCols) +
                      c0 * kChunkPairs * kGemmBf16PanelCols,
                  blockChunks, C + r0 * ldc + n, ldc,
                  std::min<int64_t>(kGemmBf16PanelCols, nCount - n),
                  /*accumulate=*/c0 > 0);
    }
    r0 += rows;
  }
}

} // namespace

void gemmBf16(const void *A, heed_dtype aType, int64_t M, int64_t lda,
              const PackedBf16Matrix &B, int64_t n0, int64_t nCount, float *C,
              int64_t ldc, GemmBf16Kernel kernel) {
  assert(aType == HEED_F32 || aType == HEED_BF16);
  assert(n0 >= 0 && n0 % kGemmBf16PanelCols == 0 && nCount >= 0 &&
         n0 + nCount <= B.cols());
  if (M <= 0 || nCount <= 0)
    return;
  if (kernel == GemmBf16Kernel::Auto)
    kernel = gemmBf16PreferredKernel();
  assert(gemmBf16KernelAvailable(kernel));
  if (kernel == GemmBf16Kernel::FmaF32A && aType == HEED_F32)
    gemmF32A(static_cast<const float *>(A), M, lda, B, n0, nCount, C, ldc);
  else if (kernel == GemmBf16Kernel::Dot)
    gemmWith<DotPath>(A, aType, M, lda, B, n0, nCount, C, ldc);
  else
    gemmWith<FmaPath>(A, aType, M, lda, B, n0, nCount, C, ldc);
}

#else // !HEED_X86: never called (gemmBf16Available() says no).

void gemmBf16(const void *, heed_dtype, int64_t, int64_t,
              const PackedBf16Matrix &, int64_t, int64_t, float *, int64_t,
              GemmBf16Kernel) {}

#endif // HEED_X86

} // namespace heed::rt
