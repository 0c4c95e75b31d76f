//===- LaneTiles.cpp - Lane-major f32 flash-attention micro-kernels -------===//
//
// See LaneTiles.h for the layout and what each function computes. The
// AVX-512 code is compiled with function-level target attributes, so
// libheedrt still runs on CPUs without it (laneTilesAvailable() says no and
// the attention kernel keeps its oneDNN GEMMs).
//
//===----------------------------------------------------------------------===//

#include "LaneTiles.h"
#include "VectorExp.h"
#include "VectorExpAvx512.h"

#include <cstring>
#include <limits>

namespace heed::rt::lanetiles {

bool laneTilesAvailable() { return expPathAvailable(ExpPath::Avx512); }

void unpackRows(const float *ot, int64_t rows, int64_t Dv, float *o) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t e = 0; e < Dv; ++e)
      o[i * Dv + e] = ot[e * kLaneRows + i];
}

#ifdef HEED_EXP_X86

namespace {

/// Keys (scores) or value columns (P V) per register block.
constexpr int kBlockCols = 6;

#define HEED_AVX512 __attribute__((target("avx512f"), always_inline)) inline

/// Scores of the kBlockCols-or-fewer keys at k (key index j) for V vectors of
/// lanes; see scoreTile.
template <int V, int NR, bool Band>
HEED_AVX512 void scoreKeys(const float *qt, int64_t D, const float *k,
                           int32_t j, const __m512i *lo, const __m512i *hi,
                           float *st, __m512 *mx) {
  __m512 acc[NR][V];
#pragma GCC unroll 8
  for (int c = 0; c < NR; ++c)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[c][v] = _mm512_setzero_ps();
  for (int64_t d = 0; d < D; ++d) {
    __m512 q[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      q[v] = _mm512_loadu_ps(qt + d * kLaneRows + kLanes * v);
#pragma GCC unroll 8
    for (int c = 0; c < NR; ++c) {
      __m512 b = _mm512_set1_ps(k[c * D + d]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        acc[c][v] = _mm512_fmadd_ps(q[v], b, acc[c][v]);
    }
  }
  const __m512 negInf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
#pragma GCC unroll 8
  for (int c = 0; c < NR; ++c) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      __m512 s = acc[c][v];
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

template <int V, bool Band>
__attribute__((target("avx512f"))) void
scoreTileV(const float *qt, int64_t D, const float *k, int64_t n, int64_t j0,
           const int32_t *lo, const int32_t *hi, float *st, float *tileMax) {
  __m512 mx[V];
  __m512i loV[V], hiV[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    mx[v] = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    if constexpr (Band) {
      loV[v] = _mm512_loadu_si512(lo + kLanes * v);
      hiV[v] = _mm512_loadu_si512(hi + kLanes * v);
    }
  }
  int64_t j = 0;
  for (; j + kBlockCols <= n; j += kBlockCols)
    scoreKeys<V, kBlockCols, Band>(qt, D, k + j * D, (int32_t)(j0 + j), loV,
                                   hiV, st + j * kLaneRows, mx);
  const float *kj = k + j * D;
  int32_t key = (int32_t)(j0 + j);
  float *sj = st + j * kLaneRows;
  switch (n - j) {
  case 1:
    scoreKeys<V, 1, Band>(qt, D, kj, key, loV, hiV, sj, mx);
    break;
  case 2:
    scoreKeys<V, 2, Band>(qt, D, kj, key, loV, hiV, sj, mx);
    break;
  case 3:
    scoreKeys<V, 3, Band>(qt, D, kj, key, loV, hiV, sj, mx);
    break;
  case 4:
    scoreKeys<V, 4, Band>(qt, D, kj, key, loV, hiV, sj, mx);
    break;
  case 5:
    scoreKeys<V, 5, Band>(qt, D, kj, key, loV, hiV, sj, mx);
    break;
  default:
    break;
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v)
    _mm512_storeu_ps(tileMax + kLanes * v, mx[v]);
}

template <int V>
__attribute__((target("avx512f"))) void
softmaxTileV(float *st, int64_t n, const float *tileMax, float *m, float *l,
             float *alpha) {
  const __m512 negInf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
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
  for (int64_t j = 0; j < n; ++j) {
    float *row = st + j * kLaneRows;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      __m512 p =
          exp16(_mm512_sub_ps(_mm512_loadu_ps(row + kLanes * v), shift[v]));
      _mm512_storeu_ps(row + kLanes * v, p);
      sum[v] = _mm512_add_ps(sum[v], p);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v)
    _mm512_storeu_ps(
        l + kLanes * v,
        _mm512_fmadd_ps(_mm512_loadu_ps(l + kLanes * v), a[v], sum[v]));
}

/// P V for the NE-or-fewer value columns at v (column e of ot at ot).
template <int V, int NE>
HEED_AVX512 void accumulateCols(const float *st, int64_t n, const float *v,
                                int64_t Dv, const __m512 *alpha, float *ot) {
  __m512 acc[NE][V];
#pragma GCC unroll 8
  for (int c = 0; c < NE; ++c)
#pragma GCC unroll 4
    for (int x = 0; x < V; ++x)
      acc[c][x] = _mm512_mul_ps(
          _mm512_loadu_ps(ot + c * kLaneRows + kLanes * x), alpha[x]);
  for (int64_t j = 0; j < n; ++j) {
    __m512 p[V];
#pragma GCC unroll 4
    for (int x = 0; x < V; ++x)
      p[x] = _mm512_loadu_ps(st + j * kLaneRows + kLanes * x);
#pragma GCC unroll 8
    for (int c = 0; c < NE; ++c) {
      __m512 b = _mm512_set1_ps(v[j * Dv + c]);
#pragma GCC unroll 4
      for (int x = 0; x < V; ++x)
        acc[c][x] = _mm512_fmadd_ps(p[x], b, acc[c][x]);
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < NE; ++c)
#pragma GCC unroll 4
    for (int x = 0; x < V; ++x)
      _mm512_storeu_ps(ot + c * kLaneRows + kLanes * x, acc[c][x]);
}

template <int V>
__attribute__((target("avx512f"))) void
accumulateTileV(const float *st, int64_t n, const float *v, int64_t Dv,
                const float *alpha, float *ot) {
  __m512 a[V];
#pragma GCC unroll 4
  for (int x = 0; x < V; ++x)
    a[x] = _mm512_loadu_ps(alpha + kLanes * x);
  int64_t e = 0;
  for (; e + kBlockCols <= Dv; e += kBlockCols)
    accumulateCols<V, kBlockCols>(st, n, v + e, Dv, a, ot + e * kLaneRows);
  const float *ve = v + e;
  float *oe = ot + e * kLaneRows;
  switch (Dv - e) {
  case 1:
    accumulateCols<V, 1>(st, n, ve, Dv, a, oe);
    break;
  case 2:
    accumulateCols<V, 2>(st, n, ve, Dv, a, oe);
    break;
  case 3:
    accumulateCols<V, 3>(st, n, ve, Dv, a, oe);
    break;
  case 4:
    accumulateCols<V, 4>(st, n, ve, Dv, a, oe);
    break;
  case 5:
    accumulateCols<V, 5>(st, n, ve, Dv, a, oe);
    break;
  default:
    break;
  }
}

#undef HEED_AVX512

/// Expands to a switch that runs CALL with V = vecs (1..4).
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

} // namespace

void packQueries(const float *q, int64_t rows, int64_t D, float scale,
                 float *qt) {
  for (int64_t d = 0; d < D; ++d) {
    float *col = qt + d * kLaneRows;
    for (int64_t i = 0; i < rows; ++i)
      col[i] = scale * q[i * D + d];
    std::memset(col + rows, 0, sizeof(float) * (kLaneRows - rows));
  }
}

void scoreTile(const float *qt, int64_t vecs, int64_t D, const float *k,
               int64_t n, int64_t j0, const int32_t *lo, const int32_t *hi,
               float *st, float *tileMax) {
  if (lo) {
    HEED_WITH_VECS(vecs,
                   scoreTileV<V, true>(qt, D, k, n, j0, lo, hi, st, tileMax));
  } else {
    HEED_WITH_VECS(vecs,
                   scoreTileV<V, false>(qt, D, k, n, j0, lo, hi, st, tileMax));
  }
}

void softmaxTile(float *st, int64_t n, int64_t vecs, const float *tileMax,
                 float *m, float *l, float *alpha) {
  HEED_WITH_VECS(vecs, softmaxTileV<V>(st, n, tileMax, m, l, alpha));
}

void accumulateTile(const float *st, int64_t n, int64_t vecs, const float *v,
                    int64_t Dv, const float *alpha, float *ot) {
  HEED_WITH_VECS(vecs, accumulateTileV<V>(st, n, v, Dv, alpha, ot));
}

#undef HEED_WITH_VECS

#else // !HEED_EXP_X86: never called (laneTilesAvailable() is false).

void packQueries(const float *, int64_t, int64_t, float, float *) {}
void scoreTile(const float *, int64_t, int64_t, const float *, int64_t, int64_t,
               const int32_t *, const int32_t *, float *, float *) {}
void softmaxTile(float *, int64_t, int64_t, const float *, float *, float *,
                 float *) {}
void accumulateTile(const float *, int64_t, int64_t, const float *, int64_t,
                    const float *, float *) {}

#endif // HEED_EXP_X86

} // namespace heed::rt::lanetiles
