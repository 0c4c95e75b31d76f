//===- LaneTiles.h - Lane-major f32 flash-attention micro-kernels -*- C++ -*-===//
//
// The f32 flash attention's own AVX-512 micro-kernels. A task's query rows
// (at most kLaneRows = 64) live in the lanes of four 16-lane vectors: a
// lane-major tile stores element (query row i, x) at x * kLaneRows + i. In
// that layout every step reads K and V exactly as the kernel receives them,
// and nothing is repacked per tile:
//
//   scores   S^T[j] = sum_d K[j][d] * Q^T[d]: each key's D numbers are
//            broadcast from K's own row into FMAs with the query-row
//            vectors of Q^T (packed, with the scale folded in, once per
//            task); the tile's per-row max comes out of the same pass, and
//            causal / window bands are applied there with two integer
//            compares per vector.
//   softmax  per row = per lane: running max, sum, the rescaling factor and
//            exp (VectorExpAvx512.h's exp16) are plain vector operations.
//   P V      O^T[e] = alpha * O^T[e] + sum_j V[j][e] * P^T[j]: each value
//            row's Dv numbers are broadcast from V's own row.
//
// oneDNN's dnnl_sgemm, which the kernel used for both products before, packs
// K, V and P into its own layout on every 64 x 512 x 64 call (see
// docs/performance.md for the measured difference).
//
// Register blocking: 4 vectors of query rows x 6 keys (scores) or 6 value
// columns (P V) = 24 accumulators. All functions need AVX-512F
// (laneTilesAvailable()); callers fall back to their GEMM path otherwise.
//
// Every lane is computed by the same sequence of operations whatever the
// other lanes hold, so a row's result does not depend on which task or
// thread computes it, or on how many rows share its tile.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_LANETILES_H
#define HEED_RUNTIME_KERNELS_LANETILES_H

#include <cstdint>

namespace heed::rt::lanetiles {

/// Query rows of a lane-major tile, and its stride between consecutive
/// columns (four AVX-512 vectors).
constexpr int64_t kLaneRows = 64;
/// Lanes per vector: the granularity of \c vecs below.
constexpr int64_t kLanes = 16;

/// Whether this CPU runs the micro-kernels (AVX-512F).
bool laneTilesAvailable();

/// qt[d * kLaneRows + i] = scale * q[i * D + d] for the \p rows (<= 64)
/// query rows of \p q, 0 for the lanes [rows, 64).
void packQueries(const float *q, int64_t rows, int64_t D, float scale,
                 float *qt);

/// Scores of keys [0, n) of \p k (rows of D floats) against the lanes
/// [0, 16 * vecs) of \p qt (vecs in 1..4):
///   st[j * kLaneRows + i] = sum_d qt[d * kLaneRows + i] * k[j * D + d].
/// With \p lo and \p hi (per lane, may be null), an entry whose key index
/// j0 + j lies outside [lo[i], hi[i]] is -inf instead. tileMax[i] gets the
/// largest entry of lane i (-inf when none is visible; NaN entries are
/// passed over).
void scoreTile(const float *qt, int64_t vecs, int64_t D, const float *k,
               int64_t n, int64_t j0, const int32_t *lo, const int32_t *hi,
               float *st, float *tileMax);

/// The online-softmax step of lanes [0, 16 * vecs) over st's n columns:
///   m' = max(m, tileMax), st = exp(st - m'), alpha = exp(m - m'),
///   l = l * alpha + sum_j st, m = m'
/// where a lane with m' = -inf (nothing visible yet) gets st = 0 and
/// alpha = 0 (its accumulator and sum are still zero).
void softmaxTile(float *st, int64_t n, int64_t vecs, const float *tileMax,
                 float *m, float *l, float *alpha);

/// ot[e * kLaneRows + i] = alpha[i] * ot[e * kLaneRows + i]
///                         + sum_{j < n} st[j * kLaneRows + i] * v[j * Dv + e]
/// for lanes [0, 16 * vecs) and e in [0, Dv).
void accumulateTile(const float *st, int64_t n, int64_t vecs, const float *v,
                    int64_t Dv, const float *alpha, float *ot);

/// o[i * Dv + e] = ot[e * kLaneRows + i] for i < rows, e < Dv.
void unpackRows(const float *ot, int64_t rows, int64_t Dv, float *o);

} // namespace heed::rt::lanetiles

#endif // HEED_RUNTIME_KERNELS_LANETILES_H
