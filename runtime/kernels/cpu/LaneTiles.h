//===- LaneTiles.h - Lane-major f32 flash-attention micro-kernels -*- C++
//-*-===//
//
// The f32 flash attention's own AVX-512 micro-kernels. A task's query rows
// (at most kLaneRows = 64) live in the lanes of four 16-lane vectors: a
// lane-major tile stores element (query row i, x) at x * kLaneRows + i. In
// that layout every step reads K and V exactly as the kernel receives them
// (rows a stride apart: D for [B, H, L, D], H * D for [B, L, H, D]), and
// nothing is repacked per tile:
//
//   scores   S^T[j] = sum_d K[j][d] * Q^T[d]: each key's D numbers are
//            broadcast from K's own row into FMAs with the query-row
//            vectors of Q^T (packed, with the scale folded in, once per
//            task); the tile's per-row max comes out of the same pass, and
//            causal / window bands are applied there with two integer
//            compares per vector, a key mask's per-key -inf or bias with
//            one masked add.
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
// columns (P V) = 24 accumulators. All functions need AVX-512F and BW
// (laneTilesAvailable()); callers fall back to their GEMM path otherwise.
//
// bf16 (q, k, v bf16, f32 accumulation and softmax): the same steps with
// vdpbf16ps (AVX512_BF16, bf16LaneTilesAvailable()), which multiplies pairs
// of bf16 along the reduction into f32 lanes. Q^T is packed as 32-bit words
// holding (q[i][2w], q[i][2w+1]), K is read in place (two consecutive d of a
// key are one word), P is written as pairs of consecutive keys (rounded to
// bf16, nearest even), and V, whose pairs would be a column apart, is packed
// once per head into pairs of consecutive keys (packValuePairs). D must be
// even, and tiles must start at even keys.
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

/// Whether this CPU runs the f32 micro-kernels (AVX-512F and BW).
bool laneTilesAvailable();

/// Whether it also runs the bf16 ones (AVX512_BF16).
bool bf16LaneTilesAvailable();

/// Whether the attention kernel should use the bf16 micro-kernels for bf16
/// q, k, v: where they are available and vdpbf16ps runs at full rate
/// (gemmBf16's Dot kernel is preferred), or everywhere they are available
/// after setBf16LanesWherever(true). Elsewhere bf16 q, k, v are widened to
/// f32 once per run for the f32 micro-kernels, which are faster there.
bool preferBf16LaneTiles();

/// Tests only: prefer the bf16 micro-kernels wherever they are available, so
/// that they are tested on CPUs where they are not preferred.
void setBf16LanesWherever(bool enabled);

/// qt[d * kLaneRows + i] = scale * q[i * ldq + d] for the \p rows (<= 64)
/// query rows of \p q (\p ldq elements apart), 0 for the lanes [rows, 64).
void packQueries(const float *q, int64_t rows, int64_t D, int64_t ldq,
                 float scale, float *qt);

/// Scores of keys [0, n) of \p k (rows of D floats, \p ldk apart) against
/// the lanes [0, 16 * vecs) of \p qt (vecs in 1..4):
///   st[j * kLaneRows + i] = sum_d qt[d * kLaneRows + i] * k[j * ldk + d].
/// With \p bias (per key, may be null: a key mask), key j's entries are
/// -inf where bias[j] is -inf (selected, so a NaN score is gone), else
/// + bias[j]. With \p lo and \p hi (per lane, may be null), an entry whose
/// key index j0 + j lies outside [lo[i], hi[i]] is -inf instead (after the
/// bias). tileMax[i] gets the largest entry of lane i (-inf when none is
/// visible; NaN entries are passed over).
void scoreTile(const float *qt, int64_t vecs, int64_t D, const float *k,
               int64_t ldk, int64_t n, int64_t j0, const float *bias,
               const int32_t *lo, const int32_t *hi, float *st, float *tileMax);

/// The online-softmax step of lanes [0, 16 * vecs) over st's n columns:
///   m' = max(m, tileMax), st = exp(st - m'), alpha = exp(m - m'),
///   l = l * alpha + sum_j st, m = m'
/// where a lane with m' = -inf (nothing visible yet) gets st = 0 and
/// alpha = 0 (its accumulator and sum are still zero).
void softmaxTile(float *st, int64_t n, int64_t vecs, const float *tileMax,
                 float *m, float *l, float *alpha);

/// ot[e * kLaneRows + i] = alpha[i] * ot[e * kLaneRows + i]
///                         + sum_{j < n} st[j * kLaneRows + i] * v[j * ldv + e]
/// for lanes [0, 16 * vecs) and e in [0, Dv).
void accumulateTile(const float *st, int64_t n, int64_t vecs, const float *v,
                    int64_t ldv, int64_t Dv, const float *alpha, float *ot);

/// bf16: qt[w * kLaneRows + i] = the bf16 pair (q[i][2w], q[i][2w+1]) (lower
/// half first) for w < D / 2 (D even), 0 for the lanes [rows, 64); rows of
/// \p q are \p ldq elements apart.
void packQueryPairs(const uint16_t *q, int64_t rows, int64_t D, int64_t ldq,
                    uint32_t *qt);

/// bf16: vp[t * Dv + e] = the pair (v[2t][e], v[2t+1][e]) of the Lk rows of
/// \p v (\p ldv elements apart), with 0 for the missing row 2t + 1 = Lk.
void packValuePairs(const uint16_t *v, int64_t Lk, int64_t Dv, int64_t ldv,
                    uint32_t *vp);

/// bf16 scoreTile: st = scale * (the pairs of qt . the rows of \p k), f32,
/// then the bias and the band. k is the first of the n keys (j0 even), its
/// rows \p ldk elements apart (even).
void scoreTileBf16(const uint32_t *qt, int64_t vecs, int64_t D,
                   const uint16_t *k, int64_t ldk, int64_t n, int64_t j0,
                   float scale, const float *bias, const int32_t *lo,
                   const int32_t *hi, float *st, float *tileMax);

/// softmaxTile that writes P as bf16 pairs of consecutive keys,
/// pt[t * kLaneRows + i] = (P[2t][i], P[2t+1][i]) (0 past n), instead of
/// back into st; l sums the f32 values before rounding.
void softmaxTilePairs(float *st, int64_t n, int64_t vecs, const float *tileMax,
                      float *m, float *l, float *alpha, uint32_t *pt);

/// bf16 accumulateTile: ot = alpha * ot + the pairs of pt (n keys) times the
/// value pairs \p vp (of the tile's first key, which is even).
void accumulateTileBf16(const uint32_t *pt, int64_t n, int64_t vecs,
                        const uint32_t *vp, int64_t Dv, const float *alpha,
                        float *ot);

/// o[i * Dv + e] = ot[e * kLaneRows + i] for i < rows, e < Dv.
void unpackRows(const float *ot, int64_t rows, int64_t Dv, float *o);

} // namespace heed::rt::lanetiles

#endif // HEED_RUNTIME_KERNELS_LANETILES_H
