//===- LaneTiles.cpp - Lane-major f32 flash-attention micro-kernels -------===//
//
// See LaneTiles.h for the layout and what each function computes. The
// AVX-512 code is compiled with function-level target attributes, so
// libheedrt still runs on CPUs without it (laneTilesAvailable() says no and
// the attention kernel keeps its oneDNN GEMMs).
//
//===----------------------------------------------------------------------===//

#include "LaneTiles.h"
#include "GemmBf16.h"
#include "Intrinsics.h"

#include "VectorExp.h"
#include "VectorExpAvx512.h"
#include <atomic>

#include <cstring>
#include <limits>

namespace heed::rt::lanetiles {

bool laneTilesAvailable() { return cpuHasAvx512FBW(); }

void unpackRows(const float *ot, int64_t rows, int64_t Dv, float *o) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t e = 0; e < Dv; ++e)
      o[i * Dv + e] = ot[e * kLaneRows + i];
}

#ifdef HEED_X86

bool bf16LaneTilesAvailable() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return laneTilesAvailable() && __builtin_cpu_supports("avx512bf16");
  }();
  return yes;
}

namespace {
std::atomic<bool> bf16LanesWherever{false};
} // namespace

bool preferBf16LaneTiles() {
  return bf16LaneTilesAvailable() &&
         (bf16LanesWherever.load(std::memory_order_relaxed) ||
          gemmBf16PreferredKernel() == GemmBf16Kernel::Dot);
}

void setBf16LanesWherever(bool enabled) {
  bf16LanesWherever.store(enabled, std::memory_order_relaxed);
}

namespace {

/// Keys (scores) or value columns (P V) per register block.
constexpr int kBlockCols = 6;

// Every AVX-512 function carries the same target: AVX-512F and BW (on every
// AVX-512 CPU but the Xeon Phi; laneTilesAvailable() checks both) and
// AVX512_BF16, whose instructions only the bf16 functions use (the compiler
// never emits them by itself), so the f32 ones run on CPUs without it.
#define HEED_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))
#define HEED_INLINE HEED_TARGET __attribute__((always_inline)) inline

/// The multiply-accumulate step of the f32 micro-kernels: one element of the
/// reduction per word, lanes of f32.
struct F32Step {
  using Word = float;
  static constexpr int kPerWord = 1;
  static HEED_INLINE __m512 load(const Word *p) { return _mm512_loadu_ps(p); }
  static HEED_INLINE __m512 broadcast(const Word *p) {
    return _mm512_set1_ps(*p);
  }
  static HEED_INLINE __m512 madd(__m512 acc, __m512 a, __m512 b) {
    return _mm512_fmadd_ps(a, b, acc);
  }
};

/// ... of the bf16 ones: two bf16 of the reduction per 32-bit word (lower
/// half first), lanes of f32 sums (vdpbf16ps: acc += a.lo * b.lo + a.hi *
/// b.hi per lane, products exact in f32).
struct Bf16Step {
  using Word = uint32_t;
  static constexpr int kPerWord = 2;
  static HEED_INLINE __m512 load(const Word *p) {
    return _mm512_castsi512_ps(_mm512_loadu_si512(p));
  }
  static HEED_INLINE __m512 broadcast(const Word *p) {
    return _mm512_castsi512_ps(_mm512_set1_epi32((int)*p));
  }
  static HEED_INLINE __m512 madd(__m512 acc, __m512 a, __m512 b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_castps_si512(a),
                            (__m512bh)_mm512_castps_si512(b));
  }
};

const float kNegInf = -std::numeric_limits<float>::infinity();

/// The register-blocked product of both micro-kernels:
///   acc[c][x] += sum_{s < steps} a[s * kLaneRows + 16 x] *
///                                b[s * stepStride + c * colStride]
/// (lane vectors of a times numbers of b broadcast to every lane).
template <typename Step, int V, int N>
HEED_INLINE void multiplyAccumulate(__m512 (&acc)[N][V],
                                    const typename Step::Word *a, int64_t steps,
                                    const typename Step::Word *b,
                                    int64_t stepStride, int64_t colStride) {
  for (int64_t s = 0; s < steps; ++s) {
    __m512 lanes[V];
#pragma GCC unroll 4
    for (int x = 0; x < V; ++x)
      lanes[x] = Step::load(a + s * kLaneRows + kLanes * x);
#pragma GCC unroll 8
    for (int c = 0; c < N; ++c) {
      __m512 number = Step::broadcast(b + s * stepStride + c * colStride);
#pragma GCC unroll 4
      for (int x = 0; x < V; ++x)
        acc[c][x] = Step::madd(acc[c][x], lanes[x], number);
    }
  }
}

/// Scores of the NR (<= kBlockCols) keys at k (rows of `words` words, ldk
/// words apart; key index j; their biases at bias) for V vectors of lanes;
/// see scoreTile.
template <typename Step, int V, int NR, bool Bias, bool Band>
HEED_INLINE void scoreKeys(const typename Step::Word *qt, int64_t words,
                           const typename Step::Word *k, int64_t ldk, int32_t j,
                           float scale, const float *bias, const __m512i *lo,
                           const __m512i *hi, float *st, __m512 *mx) {
  __m512 acc[NR][V];
#pragma GCC unroll 8
  for (int c = 0; c < NR; ++c)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[c][v] = _mm512_setzero_ps();
  multiplyAccumulate<Step, V, NR>(acc, qt, words, k, /*stepStride=*/1,
                                  /*colStride=*/ldk);
  const __m512 scaleV = _mm512_set1_ps(scale), negInf = _mm512_set1_ps(kNegInf);
#pragma GCC unroll 8
  for (int c = 0; c < NR; ++c) {
    // The key mask: -inf selected where it hides the key, else added.
    [[maybe_unused]] __m512 biasV = _mm512_setzero_ps();
    [[maybe_unused]] __mmask16 keep = 0;
    if constexpr (Bias) {
      biasV = _mm512_set1_ps(bias[c]);
      keep = bias[c] == kNegInf ? (__mmask16)0 : (__mmask16)0xffff;
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      __m512 s = acc[c][v];
      if (scale != 1.0f)
        s = _mm512_mul_ps(s, scaleV);
      if constexpr (Bias)
        s = _mm512_mask_add_ps(negInf, keep, s, biasV);
      if constexpr (Band) {
        __m512i key = _mm512_set1_epi32(j + c);
        __mmask16 visible = _mm512_cmple_epi32_mask(lo[v], key) &
                            _mm512_cmple_epi32_mask(key, hi[v]);
        s = _mm512_mask_mov_ps(negInf, visible, s);
      }
      _mm512_storeu_ps(st + c * kLaneRows + kLanes * v, s);
      mx[v] = _mm512_max_ps(s, mx[v]); // a NaN s leaves mx as it was
    }
  }
}

template <typename Step, int V, bool Bias, bool Band>
HEED_TARGET void scoreTileV(const typename Step::Word *qt, int64_t D,
                            const typename Step::Word *k, int64_t ldk,
                            int64_t n, int64_t j0, float scale,
                            const float *bias, const int32_t *lo,
                            const int32_t *hi, float *st, float *tileMax) {
  __m512 mx[V];
  __m512i loV[V], hiV[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    mx[v] = _mm512_set1_ps(kNegInf);
    if constexpr (Band) {
      loV[v] = _mm512_loadu_si512(lo + kLanes * v);
      hiV[v] = _mm512_loadu_si512(hi + kLanes * v);
    }
  }
  const int64_t words = D / Step::kPerWord;
  int64_t j = 0;
  for (; j + kBlockCols <= n; j += kBlockCols)
    scoreKeys<Step, V, kBlockCols, Bias, Band>(
        qt, words, k + j * ldk, ldk, (int32_t)(j0 + j), scale,
        Bias ? bias + j : nullptr, loV, hiV, st + j * kLaneRows, mx);
  const typename Step::Word *kj = k + j * ldk;
  int32_t key = (int32_t)(j0 + j);
  const float *bj = Bias ? bias + j : nullptr; // no offset on null
  float *sj = st + j * kLaneRows;
  switch (n - j) {
  case 1:
    scoreKeys<Step, V, 1, Bias, Band>(qt, words, kj, ldk, key, scale, bj, loV,
                                      hiV, sj, mx);
    break;
  case 2:
    scoreKeys<Step, V, 2, Bias, Band>(qt, words, kj, ldk, key, scale, bj, loV,
                                      hiV, sj, mx);
    break;
  case 3:
    scoreKeys<Step, V, 3, Bias, Band>(qt, words, kj, ldk, key, scale, bj, loV,
                                      hiV, sj, mx);
    break;
  case 4:
    scoreKeys<Step, V, 4, Bias, Band>(qt, words, kj, ldk, key, scale, bj, loV,
                                      hiV, sj, mx);
    break;
  case 5:
    scoreKeys<Step, V, 5, Bias, Band>(qt, words, kj, ldk, key, scale, bj, loV,
                                      hiV, sj, mx);
    break;
  default:
    break;
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v)
    _mm512_storeu_ps(tileMax + kLanes * v, mx[v]);
}

/// softmaxTile; with Pairs, P goes to pt as bf16 pairs of consecutive keys
/// (see softmaxTilePairs) instead of back into st.
template <int V, bool Pairs>
HEED_TARGET void softmaxTileV(float *st, int64_t n, const float *tileMax,
                              float *m, float *l, float *alpha, uint32_t *pt) {
  const __m512 negInf = _mm512_set1_ps(kNegInf);
  __m512 shift[V], sum[V], a[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    __m512 mOld = _mm512_loadu_ps(m + kLanes * v);
    __m512 mNew = _mm512_max_ps(_mm512_loadu_ps(tileMax + kLanes * v), mOld);
    // Nothing visible yet: shift by 0, so exp(-inf - 0) = 0 (not NaN).
    __mmask16 none = _mm512_cmp_ps_mask(mNew, negInf, _CMP_EQ_OQ);
    shift[v] = _mm512_mask_mov_ps(mNew, none, _mm512_setzero_ps());
    a[v] = exp16(_mm512_sub_ps(mOld, shift[v]));
    _mm512_storeu_ps(alpha + kLanes * v, a[v]);
    _mm512_storeu_ps(m + kLanes * v, mNew);
    sum[v] = _mm512_setzero_ps();
  }
  if constexpr (Pairs) {
    // Word i of a pair vector = (P[key 2t][lane i], P[key 2t + 1][lane i]):
    // vcvtne2ps2bf16 gives [key 2t lanes 0-15, key 2t + 1 lanes 0-15] as 16
    // bit values, vpermw interleaves them.
    const __m512i interleave = _mm512_set_epi16(
        31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
        6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int64_t j = 0; j < n; j += 2) {
      const float *row = st + j * kLaneRows;
      uint32_t *pair = pt + (j / 2) * kLaneRows;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        __m512 p0 = expWeights16(
            _mm512_sub_ps(_mm512_loadu_ps(row + kLanes * v), shift[v]));
        __m512 p1 = _mm512_setzero_ps(); // past an odd n: key weight 0
        if (j + 1 < n)
          p1 = expWeights16(_mm512_sub_ps(
              _mm512_loadu_ps(row + kLaneRows + kLanes * v), shift[v]));
        sum[v] = _mm512_add_ps(sum[v], _mm512_add_ps(p0, p1));
        __m512i halves = (__m512i)_mm512_cvtne2ps_pbh(p1, p0);
        _mm512_storeu_si512(pair + kLanes * v,
                            _mm512_permutexvar_epi16(interleave, halves));
      }
    }
  } else {
    for (int64_t j = 0; j < n; ++j) {
      float *row = st + j * kLaneRows;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        __m512 p = exp16</*Saturate=*/false>(
            _mm512_sub_ps(_mm512_loadu_ps(row + kLanes * v), shift[v]));
        _mm512_storeu_ps(row + kLanes * v, p);
        sum[v] = _mm512_add_ps(sum[v], p);
      }
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v)
    _mm512_storeu_ps(
        l + kLanes * v,
        _mm512_fmadd_ps(_mm512_loadu_ps(l + kLanes * v), a[v], sum[v]));
}

/// P V for the NE (<= kBlockCols) value columns at v (rows of ldv words; ot
/// at the first of them), over `steps` words of the reduction.
template <typename Step, int V, int NE>
HEED_INLINE void accumulateCols(const typename Step::Word *pt, int64_t steps,
                                const typename Step::Word *v, int64_t ldv,
                                const __m512 *alpha, float *ot) {
  __m512 acc[NE][V];
#pragma GCC unroll 8
  for (int c = 0; c < NE; ++c)
#pragma GCC unroll 4
    for (int x = 0; x < V; ++x)
      acc[c][x] = _mm512_mul_ps(
          _mm512_loadu_ps(ot + c * kLaneRows + kLanes * x), alpha[x]);
  multiplyAccumulate<Step, V, NE>(acc, pt, steps, v, /*stepStride=*/ldv,
                                  /*colStride=*/1);
#pragma GCC unroll 8
  for (int c = 0; c < NE; ++c)
#pragma GCC unroll 4
    for (int x = 0; x < V; ++x)
      _mm512_storeu_ps(ot + c * kLaneRows + kLanes * x, acc[c][x]);
}

template <typename Step, int V>
HEED_TARGET void accumulateTileV(const typename Step::Word *pt, int64_t steps,
                                 const typename Step::Word *v, int64_t ldv,
                                 int64_t Dv, const float *alpha, float *ot) {
  __m512 a[V];
#pragma GCC unroll 4
  for (int x = 0; x < V; ++x)
    a[x] = _mm512_loadu_ps(alpha + kLanes * x);
  int64_t e = 0;
  for (; e + kBlockCols <= Dv; e += kBlockCols)
    accumulateCols<Step, V, kBlockCols>(pt, steps, v + e, ldv, a,
                                        ot + e * kLaneRows);
  const typename Step::Word *ve = v + e;
  float *oe = ot + e * kLaneRows;
  switch (Dv - e) {
  case 1:
    accumulateCols<Step, V, 1>(pt, steps, ve, ldv, a, oe);
    break;
  case 2:
    accumulateCols<Step, V, 2>(pt, steps, ve, ldv, a, oe);
    break;
  case 3:
    accumulateCols<Step, V, 3>(pt, steps, ve, ldv, a, oe);
    break;
  case 4:
    accumulateCols<Step, V, 4>(pt, steps, ve, ldv, a, oe);
    break;
  case 5:
    accumulateCols<Step, V, 5>(pt, steps, ve, ldv, a, oe);
    break;
  default:
    break;
  }
}

/// Expands to a switch that runs the statement with V = vecs (1..4).
#define HEED_WITH_VECS(vecs, ...)                                              \
  switch (vecs) {                                                              \
  case 1: {                                                                    \
    constexpr int V = 1;                                                       \
    __VA_ARGS__;                                                               \
    break;                                                                     \
  }                                                                            \
  case 2: {                                                                    \
    constexpr int V = 2;                                                       \
    __VA_ARGS__;                                                               \
    break;                                                                     \
  }                                                                            \
  case 3: {                                                                    \
    constexpr int V = 3;                                                       \
    __VA_ARGS__;                                                               \
    break;                                                                     \
  }                                                                            \
  default: {                                                                   \
    constexpr int V = 4;                                                       \
    __VA_ARGS__;                                                               \
    break;                                                                     \
  }                                                                            \
  }

template <typename Step, bool Bias, bool Band>
void scoreTileVecs(const typename Step::Word *qt, int64_t vecs, int64_t D,
                   const typename Step::Word *k, int64_t ldk, int64_t n,
                   int64_t j0, float scale, const float *bias,
                   const int32_t *lo, const int32_t *hi, float *st,
                   float *tileMax) {
  HEED_WITH_VECS(vecs,
                 scoreTileV<Step, V, Bias, Band>(qt, D, k, ldk, n, j0, scale,
                                                 bias, lo, hi, st, tileMax));
}

template <typename Step>
void scoreTileWith(const typename Step::Word *qt, int64_t vecs, int64_t D,
                   const typename Step::Word *k, int64_t ldk, int64_t n,
                   int64_t j0, float scale, const float *bias,
                   const int32_t *lo, const int32_t *hi, float *st,
                   float *tileMax) {
  if (bias && lo)
    scoreTileVecs<Step, true, true>(qt, vecs, D, k, ldk, n, j0, scale, bias, lo,
                                    hi, st, tileMax);
  else if (bias)
    scoreTileVecs<Step, true, false>(qt, vecs, D, k, ldk, n, j0, scale, bias,
                                     lo, hi, st, tileMax);
  else if (lo)
    scoreTileVecs<Step, false, true>(qt, vecs, D, k, ldk, n, j0, scale, bias,
                                     lo, hi, st, tileMax);
  else
    scoreTileVecs<Step, false, false>(qt, vecs, D, k, ldk, n, j0, scale, bias,
                                      lo, hi, st, tileMax);
}

} // namespace

void packQueries(const float *q, int64_t rows, int64_t D, int64_t ldq,
                 float scale, float *qt) {
  for (int64_t d = 0; d < D; ++d) {
    float *col = qt + d * kLaneRows;
    for (int64_t i = 0; i < rows; ++i)
      col[i] = scale * q[i * ldq + d];
    std::memset(col + rows, 0, sizeof(float) * (kLaneRows - rows));
  }
}

void packQueryPairs(const uint16_t *q, int64_t rows, int64_t D, int64_t ldq,
                    uint32_t *qt) {
  for (int64_t w = 0; w < D / 2; ++w) {
    uint32_t *col = qt + w * kLaneRows;
    for (int64_t i = 0; i < rows; ++i)
      std::memcpy(&col[i], q + i * ldq + 2 * w, 4);
    std::memset(col + rows, 0, sizeof(uint32_t) * (kLaneRows - rows));
  }
}

void packValuePairs(const uint16_t *v, int64_t Lk, int64_t Dv, int64_t ldv,
                    uint32_t *vp) {
  for (int64_t t = 0; t < (Lk + 1) / 2; ++t) {
    const uint16_t *even = v + 2 * t * ldv;
    const uint16_t *odd = 2 * t + 1 < Lk ? even + ldv : nullptr;
    for (int64_t e = 0; e < Dv; ++e)
      vp[t * Dv + e] = (uint32_t)even[e] | (odd ? (uint32_t)odd[e] << 16 : 0u);
  }
}

void scoreTile(const float *qt, int64_t vecs, int64_t D, const float *k,
               int64_t ldk, int64_t n, int64_t j0, const float *bias,
               const int32_t *lo, const int32_t *hi, float *st,
               float *tileMax) {
  scoreTileWith<F32Step>(qt, vecs, D, k, ldk, n, j0, 1.0f, bias, lo, hi, st,
                         tileMax);
}

void scoreTileBf16(const uint32_t *qt, int64_t vecs, int64_t D,
                   const uint16_t *k, int64_t ldk, int64_t n, int64_t j0,
                   float scale, const float *bias, const int32_t *lo,
                   const int32_t *hi, float *st, float *tileMax) {
  scoreTileWith<Bf16Step>(qt, vecs, D, reinterpret_cast<const uint32_t *>(k),
                          ldk / 2, n, j0, scale, bias, lo, hi, st, tileMax);
}

void softmaxTile(float *st, int64_t n, int64_t vecs, const float *tileMax,
                 float *m, float *l, float *alpha) {
  HEED_WITH_VECS(vecs,
                 softmaxTileV<V, false>(st, n, tileMax, m, l, alpha, nullptr));
}

void softmaxTilePairs(float *st, int64_t n, int64_t vecs, const float *tileMax,
                      float *m, float *l, float *alpha, uint32_t *pt) {
  HEED_WITH_VECS(vecs, softmaxTileV<V, true>(st, n, tileMax, m, l, alpha, pt));
}

void accumulateTile(const float *st, int64_t n, int64_t vecs, const float *v,
                    int64_t ldv, int64_t Dv, const float *alpha, float *ot) {
  HEED_WITH_VECS(vecs,
                 accumulateTileV<F32Step, V>(st, n, v, ldv, Dv, alpha, ot));
}

void accumulateTileBf16(const uint32_t *pt, int64_t n, int64_t vecs,
                        const uint32_t *vp, int64_t Dv, const float *alpha,
                        float *ot) {
  HEED_WITH_VECS(vecs, accumulateTileV<Bf16Step, V>(pt, (n + 1) / 2, vp, Dv, Dv,
                                                    alpha, ot));
}

#undef HEED_WITH_VECS
#undef HEED_INLINE
#undef HEED_TARGET

#else // !HEED_X86: never called (the *Available() functions say no).

bool bf16LaneTilesAvailable() { return false; }
bool preferBf16LaneTiles() { return false; }
void setBf16LanesWherever(bool) {}
void packQueries(const float *, int64_t, int64_t, int64_t, float, float *) {}
void packQueryPairs(const uint16_t *, int64_t, int64_t, int64_t, uint32_t *) {}
void packValuePairs(const uint16_t *, int64_t, int64_t, int64_t, uint32_t *) {}
void scoreTile(const float *, int64_t, int64_t, const float *, int64_t, int64_t,
               int64_t, const float *, const int32_t *, const int32_t *,
               float *, float *) {}
void scoreTileBf16(const uint32_t *, int64_t, int64_t, const uint16_t *,
                   int64_t, int64_t, int64_t, float, const float *,
                   const int32_t *, const int32_t *, float *, float *) {}
void softmaxTile(float *, int64_t, int64_t, const float *, float *, float *,
                 float *) {}
void softmaxTilePairs(float *, int64_t, int64_t, const float *, float *,
                      float *, float *, uint32_t *) {}
void accumulateTile(const float *, int64_t, int64_t, const float *, int64_t,
                    int64_t, const float *, float *) {}
void accumulateTileBf16(const uint32_t *, int64_t, int64_t, const uint32_t *,
                        int64_t, const float *, float *) {}

#endif // HEED_X86

} // namespace heed::rt::lanetiles
