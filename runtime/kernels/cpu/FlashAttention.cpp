//===- FlashAttention.cpp - Scaled dot-product (flash) attention ----------===//
//
// Kernels (inputs -> outputs; attributes with defaults; dtypes):
//
//   attention : q, k, v [, mask] [, gate] -> out [, probs] [, lse]
//     q [B, Hq, Lq, D], k [B, Hkv, Lk, D], v [B, Hkv, Lk, Dv], D > 0, Hq a
//     multiple of Hkv: query head h reads key/value head h / (Hq / Hkv)
//     (grouped-query attention, K and V are never copied).
//     mask: broadcastable (NumPy rules) to [B, Hq, Lq, Lk]; f32 is added to
//       the scaled scores, i1 keeps the positions where it is true.
//     gate [B, Hq, Lq, Dv]: out is multiplied by sigmoid(gate) (gated
//       attention).
//     out [B, Hq, Lq, Dv];
//     probs [B, Hq, Lq, Lk]: the attention weights;
//     lse [B, Hq, Lq] f32: log(sum_j exp(s_j)) over each row's final scores
//       s_j (scaled, masked, top-k applied), -inf for a row that sees no key.
//
//   out = softmax_j(s) v with s = scale * q k^T, keys hidden by the structure,
//   the i1 mask, a -inf in the f32 mask or top-k set to -inf (selected, not
//   added), and the other f32 mask values added. A row that sees no key
//   gives zeros in out and probs. A hidden key contributes nothing to a row,
//   even where its K or V row holds NaN or Inf (FlashAttentionNonFinite.cpp);
//   a NaN score of a key the row sees makes the row's out and probs NaN, and
//   a NaN or Inf in a visible key's V row reaches out as IEEE arithmetic
//   says. None of this depends on the tiles (docs/language.md, "Hidden keys
//   and non-finite values").
//
//   Attributes (AttentionAttrs in runtime/kernels/Kernels.td, which gives
//   their types and defaults; the runtime checks them before this file
//   sees them):
//     scale (float, required)
//     structure = 0 : 0 none, 1 causal, 2 window, 3 blocks. Causal and
//       window align the diagonal bottom-right when Lq != Lk: query row i
//       sits at key position p = i + Lk - Lq (as in reference/Kernels.h);
//       causal keeps the keys j <= p (so with Lq > Lk the first Lq - Lk rows
//       see no key), window keeps p - left <= j <= p + right (left and right
//       may be negative, e.g. (4, -1) excludes the diagonal).
//     window = (left, right) : two integers, required with structure 2.
//     q_block, k_block : query rows per task and keys per K/V tile. Required
//       with structure 3, where they also define the block map's tiles.
//       Default (structure 0-2): q_block = min(Lq, 64); k_block = the
//       largest of 512, 256, 128 whose f32 working set of a task,
//         4 * (q_block*D + k_block*(D + Dv) + q_block*k_block + 2*q_block*Dv)
//       bytes (Q tile, K and V tiles, scores, O and a spare O-sized tile),
//       fits in half of the per-core L2 cache (sysconf, 1 MiB if unknown),
//       else 64; then at most Lk. With 1 MiB of L2 and D = Dv = 64 that is
//       64 x 512 (432 KiB); D = Dv = 128 gives 64 x 256.
//       With oneDNN's bf16 GEMMs (bf16 q, k, v where the bf16 micro-kernels
//       do not apply, not bf16_via_f32) q_block = min(Lq, 256) instead
//       (fewer, larger oneDNN matmul calls: measured ~7% faster at L = 4096,
//       D = 64), k_block still the rule above for 64 rows (so 256 x 512 for
//       D = Dv = 64).
//     block_visit : with structure 3, for each of the ceil(Lq / q_block)
//       query tiles in order, a count n followed by n key tile indices (key
//       tile kt holds keys [kt * k_block, (kt + 1) * k_block)); a query tile
//       sees exactly its listed key tiles, the others are never read.
//     topk_ratio = 0 : when > 0 (at most 1), each row keeps its
//       ceil(topk_ratio * Lk) largest scores other than -inf (after scale,
//       structure and mask; NaN ranks above every number; ties keep the
//       lower key index), the others are masked.
//     has_mask, has_gate : 0/1; defaults: has_mask = 1 when there are 4 or
//       more inputs, has_gate = 1 when an input is left after q, k, v and
//       the mask.
//     return_probs = 0, return_lse = 0 : 0/1, add the probs and lse outputs
//       (in that order, after out).
//     bf16_via_f32 = 0 : 1 widens bf16 q, k and v to f32 and runs the f32
//       GEMMs (automatic where oneDNN has no bf16 GEMM; the attribute lets
//       tests exercise that path).
//     microkernels = 1 : 0 runs the products through oneDNN (dnnl_sgemm,
//       bf16 matmuls) also where the micro-kernels apply (see Execution;
//       tests and benchmarks compare the two).
//     layout = 0 (bhld) : 1 (blhd) stores q, k, v, out and gate (when
//       present) as [B, L, H, D] instead of [B, H, L, D] (L and H swapped in
//       each of the shapes above; D contiguous, a head's rows H * D elements
//       apart), the layout of a projection [B, L, H * D] viewed per head, so
//       the compiler's heedrt-attention-layout drops the transposes around
//       the kernel. mask, probs and lse keep their [B, Hq, Lq, ...] shapes.
//       Every path takes it (flash, micro-kernels, materialising: probs,
//       lse, top-k; bf16_via_f32 widens in place): each (batch, head, row)
//       address is computed from a row stride (D or H * D) and a head
//       offset, K and V rows are read in place with that stride, Q is packed
//       into the tile, V packed into key pairs (bf16 micro-kernels), out and
//       gate rows addressed per row; nothing else changes, so the results
//       are bitwise those of layout 0 on transposed copies (same operations
//       in the same order), and as deterministic.
//   dtypes: q, k, v all f32 -> out f32, or all bf16 -> out bf16 or f32.
//   mask f32 or i1; gate f32 or q's dtype; probs f32 or out's dtype; lse f32.
//
// Execution (FlashAttention-2). One task per (batch, query head, query
// tile), run with parallelChunks on that fixed grid, so every output element
// is computed by one task in one order whatever the thread count (bitwise
// determinism). A task keeps per-row running max m and sum l and an f32
// accumulator O [q_block, Dv], and for each visited K/V tile:
//   S = scale * Q K^T        one single-threaded GEMM (dnnl_sgemm for f32;
//                            a cached oneDNN bf16 x bf16 -> f32 matmul with
//                            run-time sizes for bf16)
//   mask                     only where needed: causal/window tiles are
//                            trimmed to the rectangle of rows and columns
//                            that see anything, and only rows that do not
//                            see the whole rectangle get -inf written; tiles
//                            entirely outside the structure are skipped
//                            (their K and V are never read); on oneDNN's
//                            GEMMs an explicit mask is read on every visited
//                            tile (key masks on the micro-kernels: below)
//   m' = max(m, rowmax S), P = exp(S - m'), l = l e^(m - m') + rowsum P,
//   O = O e^(m - m') + P V   (GEMM with beta = 1; bf16: P rounded to bf16,
//                            product into the spare tile, then added)
// and finally out = O / l (zeros when nothing was visible), times
// sigmoid(gate), lse = m + log l. exp is the vectorised one of VectorExp.h.
// Where a tile hides some key from some row (a partial band tile, any tile
// with a mask or top-k), the P V product first asks whether its V rows hold
// NaN or Inf, and reads a cleaned copy only when they do
// (FlashAttentionNonFinite.cpp: each block of 64 keys of V is checked at
// most once per run, the first time a task asks; the answers cost the other
// tasks a few flag reads).
//
// Without probs or top-k, and without an explicit mask or with a key mask
// (one that depends only on batch and key: broadcast, or of size 1, over
// query heads and rows, such as BERT's [B, 1, 1, Lk] padding mask, i1 or
// f32), with any structure (the common cases), the same steps run on the
// kernel's own AVX-512 micro-kernels instead (LaneTiles.h), where the CPU
// has AVX-512F and BW: a task's rows are taken 64 at a time and held in the
// lanes of four vectors, so K and V are read in place (dnnl_sgemm repacks
// them on every tile call), the band of causal / window tiles is two
// integer compares in the scores' epilogue, and the softmax is per-lane
// vector code. A key mask is summarised once per run (FlashAttention.h,
// KeyMask): each visited tile is trimmed to the keys from its first
// visible key to its last (a tile the mask hides entirely is skipped, its
// K and V never read), and only where the mask changes a score of what is
// left (a hidden key inside, or a non-zero f32 value) does the scores'
// epilogue select -inf or add the key's value; a prefix-length padding mask
// (keys [0, len_b) visible) needs no mask work at all. Any other mask runs
// on oneDNN's GEMMs. f32: the scale is folded into the packed Q^T (scale * q
// rounded once), so the scores may differ from the GEMM path's
// scale * (q . k) in the last bit. bf16 (CPUs with AVX512_BF16, even D, key
// tiles starting at even keys; else oneDNN's bf16 matmuls): vdpbf16ps on
// pairs of head dims (scores) and of keys (P V, with V packed into key pairs
// once per head and run, B * Hkv * ceil(Lk / 2) * Dv words), f32 softmax
// with the weights' exp of VectorExpAvx512.h (relative error 7.5e-5, below
// the bf16 rounding of P that follows).
// Per-worker scratch (a thread buffer from OneDnn.h) depends only on
// q_block, k_block (each capped at Lq and Lk) and Dv: it does not grow with
// Lk.
//
// Materialising path (return_probs or topk_ratio): a task walks its query
// tile in chunks of r = clamp(256 KiB / (4 * Lk), 1, q_block) rows, computes
// the scores of every visited tile into an r x Lk buffer (same GEMMs and
// masks), applies top-k per row, takes the softmax over the whole row, writes
// probs, and accumulates P V tile by tile (never reading unvisited tiles).
// Top-k finds each row's k-th largest score T with std::nth_element on a
// copy of the row's visible scores (O(Lk) per row, Lk floats of scratch),
// keeps scores > T and the first (lowest-index) scores equal to T up to k,
// exactly the reference's stable ordering. Scratch is O(max(256 KiB, Lk))
// per worker, still never Lq x Lk.
//
// The code is split by concern (FlashAttention.h): this file holds the
// configuration and the tasks; FlashAttentionOneDnn.cpp the GEMM flash path
// and the tile steps, FlashAttentionLanes.cpp the micro-kernel path,
// FlashAttentionMaterialise.cpp the materialising path.
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"

#include "Broadcast.h"
#include "Error.h"
#include "KernelAttrs.h"
#include "Parallel.h"
#include "heed/DType.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>

namespace heed::rt::attention {

namespace {

/// Default query rows per task (see the file comment for the rule).
constexpr int64_t kDefaultQBlock = 64;
/// ... with native bf16 GEMMs (q, k, v bf16 and not bf16_via_f32).
constexpr int64_t kDefaultQBlockBf16 = 256;
/// Key tile sizes tried for the default, largest first.
constexpr int64_t kKeyBlocks[] = {512, 256, 128};
constexpr int64_t kMinKeyBlock = 64;
/// Target size of the materialising path's per-chunk score buffer.
constexpr int64_t kRowChunkBytes = 256 << 10;
/// Scratch slot of OneDnn.h's thread buffers used by this kernel (slot 0 is
/// oneDNN's scratchpad).
constexpr unsigned kScratchSlot = 1;

/// Per-core L2 size in bytes (1 MiB when the system does not say).
int64_t l2CacheBytes() {
  static const int64_t bytes = [] {
    long v = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return v > 0 ? (int64_t)v : (int64_t)1 << 20;
  }();
  return bytes;
}

[[noreturn]] void invalid(const KernelSignature &sig, const std::string &msg) {
  fail(HEED_ERROR_INVALID_ARGUMENT, sig.kernel + ": " + msg);
}

/// The default key tile for \p qBlock query rows (see the file comment).
int64_t defaultKeyBlock(int64_t qBlock, int64_t d, int64_t dv) {
  int64_t budget = l2CacheBytes() / 2;
  for (int64_t kb : kKeyBlocks) {
    int64_t bytes =
        4 * (qBlock * d + kb * (d + dv) + qBlock * kb + 2 * qBlock * dv);
    if (bytes <= budget)
      return kb;
  }
  return kMinKeyBlock;
}

} // namespace

//===----------------------------------------------------------------------===//
// Configuration (checked at finalization)
//===----------------------------------------------------------------------===//

Config readConfig(const KernelSignature &sig) {
  Config cfg;
  const AttentionAttrs attrs = AttentionAttrs::read(sig.attrs);
  int64_t nIn = (int64_t)sig.inputs.size();
  cfg.hasMask = attrs.hasMask.value_or(nIn >= 4);
  cfg.hasGate = attrs.hasGate.value_or(nIn > 3 + cfg.hasMask);
  cfg.returnProbs = attrs.returnProbs;
  cfg.returnLse = attrs.returnLse;
  int64_t wantIn = 3 + cfg.hasMask + cfg.hasGate;
  if (nIn != wantIn)
    invalid(sig, "has_mask = " + std::to_string(cfg.hasMask) +
                     " and has_gate = " + std::to_string(cfg.hasGate) +
                     " need " + std::to_string(wantIn) + " inputs, got " +
                     std::to_string(nIn));

  // dtypes.
  const TensorDesc &q = sig.inputs[0], &k = sig.inputs[1], &v = sig.inputs[2];
  const TensorDesc &out = sig.outputs[0];
  bool allF32 = q.dtype == HEED_F32 && k.dtype == HEED_F32 &&
                v.dtype == HEED_F32 && out.dtype == HEED_F32;
  bool allBf16 = q.dtype == HEED_BF16 && k.dtype == HEED_BF16 &&
                 v.dtype == HEED_BF16 &&
                 (out.dtype == HEED_BF16 || out.dtype == HEED_F32);
  if (!allF32 && !allBf16)
    fail(HEED_ERROR_DTYPE, sig.kernel + ": unsupported dtypes q " + q.str() +
                               ", k " + k.str() + ", v " + v.str() +
                               " -> out " + out.str() +
                               " (supported: f32 -> f32, bf16 -> bf16 or "
                               "f32)");
  cfg.bf16 = allBf16;
  cfg.outType = out.dtype;

  // Shapes: [B, H, L, D], or [B, L, H, D] with layout = blhd (dims 1 and
  // 2 swapped in q, k, v, out and gate).
  cfg.blhd = attrs.layout == AttentionLayout::Blhd;
  const int hDim = cfg.blhd ? 2 : 1, lDim = cfg.blhd ? 1 : 2;
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
    sig.shapeError("q, k and v must have rank 4, got q " + q.str() + ", k " +
                   k.str() + ", v " + v.str());
  cfg.B = q.dim(0);
  cfg.Hq = q.dim(hDim);
  cfg.Lq = q.dim(lDim);
  cfg.D = q.dim(3);
  cfg.Hkv = k.dim(hDim);
  cfg.Lk = k.dim(lDim);
  cfg.Dv = v.dim(3);
  if (k.dim(0) != cfg.B || v.dim(0) != cfg.B)
    sig.shapeError("batch sizes differ: q " + q.str() + ", k " + k.str() +
                   ", v " + v.str());
  if (v.dim(hDim) != cfg.Hkv || v.dim(lDim) != cfg.Lk)
    sig.shapeError("k " + k.str() + " and v " + v.str() +
                   " must have the same heads and length");
  if (k.dim(3) != cfg.D)
    sig.shapeError("q " + q.str() + " and k " + k.str() +
                   " have different head dims");
  if (cfg.D == 0)
    sig.shapeError("the head dim of q " + q.str() + " must be positive");
  if (cfg.Hkv == 0 || cfg.Hq % cfg.Hkv != 0)
    sig.shapeError("query heads (" + std::to_string(cfg.Hq) +
                   ") must be a multiple of key/value heads (" +
                   std::to_string(cfg.Hkv) + ")");
  cfg.group = cfg.Hq / cfg.Hkv;
  cfg.qLd = cfg.blhd ? cfg.Hq * cfg.D : cfg.D;
  cfg.kLd = cfg.blhd ? cfg.Hkv * cfg.D : cfg.D;
  cfg.vLd = cfg.blhd ? cfg.Hkv * cfg.Dv : cfg.Dv;
  cfg.outLd = cfg.blhd ? cfg.Hq * cfg.Dv : cfg.Dv;
  // out and gate: [B, Hq, Lq, Dv], or [B, Lq, Hq, Dv] with blhd.
  std::vector<int64_t> perRow =
      cfg.blhd ? std::vector<int64_t>{cfg.B, cfg.Lq, cfg.Hq, cfg.Dv}
               : std::vector<int64_t>{cfg.B, cfg.Hq, cfg.Lq, cfg.Dv};
  auto expectShape = [&](const TensorDesc &t, std::vector<int64_t> shape,
                         const std::string &what) {
    if (t.shape != shape) {
      TensorDesc expected{t.dtype, shape};
      sig.shapeError(what + " " + t.str() + " should be " + expected.str());
    }
  };
  expectShape(out, perRow, "output");
  size_t nextOut = 1;
  if (cfg.returnProbs) {
    const TensorDesc &p = sig.outputs[nextOut++];
    if (p.dtype != HEED_F32 && p.dtype != out.dtype)
      fail(HEED_ERROR_DTYPE, sig.kernel +
                                 ": probs must be f32 or the "
                                 "output's dtype, got " +
                                 p.str());
    cfg.probsType = p.dtype;
    expectShape(p, {cfg.B, cfg.Hq, cfg.Lq, cfg.Lk}, "probs");
  }
  if (cfg.returnLse) {
    const TensorDesc &l = sig.outputs[nextOut++];
    if (l.dtype != HEED_F32)
      fail(HEED_ERROR_DTYPE, sig.kernel + ": lse must be f32, got " + l.str());
    expectShape(l, {cfg.B, cfg.Hq, cfg.Lq}, "lse");
  }
  if (cfg.hasMask) {
    const TensorDesc &m = sig.inputs[3];
    if (m.dtype != HEED_F32 && m.dtype != HEED_I1)
      fail(HEED_ERROR_DTYPE,
           sig.kernel + ": mask must be f32 or i1, got " + m.str());
    cfg.maskType = m.dtype;
    TensorDesc full{m.dtype, {cfg.B, cfg.Hq, cfg.Lq, cfg.Lk}};
    if (m.rank() > 4)
      sig.shapeError("mask " + m.str() + " does not broadcast to " +
                     full.str());
    std::vector<int64_t> s = broadcastStrides(sig, m, full);
    std::copy(s.begin(), s.end(), cfg.maskStrides);
    // The same for every query head and row (broadcast, or of size 1).
    cfg.keyMask = cfg.maskStrides[1] == 0 && cfg.maskStrides[2] == 0;
  }
  if (cfg.hasGate) {
    const TensorDesc &g = sig.inputs[3 + cfg.hasMask];
    if (g.dtype != HEED_F32 && g.dtype != q.dtype)
      fail(HEED_ERROR_DTYPE, sig.kernel +
                                 ": gate must be f32 or q's dtype, "
                                 "got " +
                                 g.str());
    cfg.gateType = g.dtype;
    expectShape(g, perRow, "gate");
  }

  // Attributes.
  cfg.scale = (float)attrs.scale;
  std::string error;
  std::optional<AttentionSparsity> sparsity =
      AttentionSparsity::fromKernelAttributes({attrs.structure, attrs.window,
                                               attrs.qBlock, attrs.kBlock,
                                               attrs.blockVisit},
                                              cfg.Lq, cfg.Lk, error);
  if (!sparsity)
    invalid(sig, error);
  cfg.sparsity = std::move(*sparsity);
  cfg.band = cfg.sparsity.band(cfg.Lq, cfg.Lk);
  double ratio = attrs.topkRatio;
  if (!(ratio >= 0.0 && ratio <= 1.0))
    invalid(sig, "topk_ratio must be in [0, 1] (0: off), got " +
                     std::to_string(ratio));
  cfg.topk = ratio > 0.0;
  if (cfg.topk) {
    // Exactly as the reference computes it.
    int64_t keep = (int64_t)std::ceil(ratio * (double)cfg.Lk);
    cfg.keep = std::min(std::max(keep, (int64_t)0), cfg.Lk);
  }

  // A bounded plan's tiles follow the actual sizes, chosen as attn-tile
  // chooses them at compile time.
  std::optional<int64_t> autoQ, autoK;
  if (attrs.autoTile && !cfg.bf16 &&
      cfg.sparsity.structure != AttentionStructure::Blocks) {
    auto [q, k] = chooseAttentionTile(cfg.band, cfg.B * cfg.Hq, cfg.D, cfg.Dv,
                                      AttentionTileTarget::host());
    if (q) {
      autoQ = q;
      autoK = k;
    }
  }
  int64_t kBlock =
      (autoK ? autoK : attrs.kBlock)
          .value_or(std::max<int64_t>(
              1, std::min(cfg.Lk,
                          defaultKeyBlock(kDefaultQBlock, cfg.D, cfg.Dv))));
  if (kBlock < 1)
    invalid(sig, "k_block must be positive, got " + std::to_string(kBlock));

  // Which products run where. The micro-kernels (LaneTiles.h) take the flash
  // path (no probs or top-k; no mask, or a key mask) where the CPU has them;
  // bf16 ones also need an even D and key tiles that start at even keys.
  // microkernels = 0 keeps oneDNN's GEMMs (tests and benchmarks compare).
  bool micro = attrs.microkernels && (!cfg.hasMask || cfg.keyMask) &&
               !cfg.materialise() &&
               cfg.Lk < std::numeric_limits<int32_t>::max();
  // bf16 q, k, v run on the bf16 micro-kernels only where vdpbf16ps is
  // full rate (preferBf16LaneTiles); elsewhere (Sapphire and Emerald Rapids
  // without AMX: half the throughput of f32 FMAs, measured 1.6x slower at
  // L = 4096) they are widened to f32 once per run and the f32
  // micro-kernels run, which is also more accurate.
  bool viaF32 =
      attrs.bf16ViaF32 || (micro && lanetiles::bf16LaneTilesAvailable() &&
                           !lanetiles::preferBf16LaneTiles());
  cfg.laneBf16 = micro && cfg.bf16 && !viaF32 && cfg.D % 2 == 0 &&
                 (kBlock % 2 == 0 || kBlock >= cfg.Lk) &&
                 lanetiles::bf16LaneTilesAvailable();
  cfg.widenBf16 =
      cfg.bf16 && !cfg.laneBf16 && (viaF32 || !Bf16Gemm::available());
  cfg.laneTiles = cfg.laneBf16 || (micro && (!cfg.bf16 || cfg.widenBf16) &&
                                   lanetiles::laneTilesAvailable());

  // oneDNN's bf16 GEMMs pay a fixed cost per call: taller query tiles (the
  // key tile still chosen for kDefaultQBlock rows).
  int64_t defaultQBlock =
      bf16Products(cfg) && !cfg.laneTiles ? kDefaultQBlockBf16 : kDefaultQBlock;
  int64_t qBlock =
      (autoQ ? autoQ : attrs.qBlock)
          .value_or(std::max<int64_t>(1, std::min(cfg.Lq, defaultQBlock)));
  if (qBlock < 1)
    invalid(sig, "q_block must be positive, got " + std::to_string(qBlock));
  cfg.qBlock = qBlock;
  cfg.kBlock = kBlock;
  cfg.qTiles = ceilDiv(cfg.Lq, qBlock);
  cfg.kTiles = ceilDiv(cfg.Lk, kBlock);

  cfg.tileRows = std::max<int64_t>(1, std::min(cfg.qBlock, cfg.Lq));
  cfg.tileCols = std::max<int64_t>(1, std::min(cfg.kBlock, cfg.Lk));
  cfg.rowChunk = std::clamp<int64_t>(
      kRowChunkBytes / (4 * std::max<int64_t>(cfg.Lk, 1)), 1, cfg.tileRows);
  return cfg;
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

AttentionKernel::AttentionKernel(Config config) : cfg(std::move(config)) {
  if (bf16Products(cfg) && !cfg.laneTiles) {
    qk = Bf16Gemm(/*transB=*/true, cfg.scale);
    pv = Bf16Gemm(/*transB=*/false, 1.0f);
  }
  Scratch sc;
  scratch = layoutScratch(nullptr, sc);
  if (cfg.widenBf16) {
    wide[0].resize((size_t)(cfg.B * cfg.Hq * cfg.Lq * cfg.D));
    wide[1].resize((size_t)(cfg.B * cfg.Hkv * cfg.Lk * cfg.D));
    wide[2].resize((size_t)(cfg.B * cfg.Hkv * cfg.Lk * cfg.Dv));
  }
  if (cfg.laneBf16)
    vPairs.resize((size_t)(cfg.B * cfg.Hkv * valuePairsPerHead()));
  if (cfg.banded() || cfg.hasMask || cfg.topk)
    values.emplace(cfg.B * cfg.Hkv, cfg.Lk, cfg.Dv, cfg.vLd, bf16Products(cfg));
  if (cfg.laneTiles && cfg.hasMask)
    keyMask.emplace(cfg);
}

void AttentionKernel::run(const void *const *in, void *const *out) {
  Operands ops;
  ops.q = in[0];
  ops.k = in[1];
  ops.v = in[2];
  ops.mask = cfg.hasMask ? in[3] : nullptr;
  ops.gate = cfg.hasGate ? in[3 + cfg.hasMask] : nullptr;
  ops.out = out[0];
  size_t nextOut = 1;
  ops.probs = cfg.returnProbs ? out[nextOut++] : nullptr;
  ops.lse = cfg.returnLse ? static_cast<float *>(out[nextOut++]) : nullptr;

  // Without a bf16 GEMM, q, k and v are widened to f32 copies first.
  if (cfg.widenBf16) {
    const void **ptrs[3] = {&ops.q, &ops.k, &ops.v};
    for (int i = 0; i < 3; ++i) {
      int64_t count = (int64_t)wide[i].size();
      const uint16_t *src = static_cast<const uint16_t *>(*ptrs[i]);
      float *dst = wide[i].data();
      parallelChunks(count, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j)
          dst[j] = bf16ToFloat(src[j]);
      });
      *ptrs[i] = dst;
    }
  }

  // The bf16 micro-kernels read V as pairs of consecutive keys: packed
  // once per key/value head.
  if (cfg.laneBf16) {
    int64_t perHead = valuePairsPerHead();
    const uint16_t *v = static_cast<const uint16_t *>(ops.v);
    parallelChunks(cfg.B * cfg.Hkv, 1, [&](int64_t b, int64_t e) {
      for (int64_t head = b; head < e; ++head)
        lanetiles::packValuePairs(
            v + cfg.headOffset(head / cfg.Hkv, head % cfg.Hkv, cfg.Hkv, cfg.Lk,
                               cfg.vLd),
            cfg.Lk, cfg.Dv, cfg.vLd, vPairs.data() + head * perHead);
    });
    ops.vPairs = vPairs.data();
  }

  // Where a tile may hide a key from a row: which V rows hold NaN or Inf,
  // found out as tasks ask (FlashAttentionNonFinite.cpp).
  if (values) {
    values->reset();
    ops.values = &*values;
  }

  // A key mask on the micro-kernels: summarised once (FlashAttention.h).
  if (keyMask) {
    keyMask->summarise(cfg, ops.mask);
    ops.keyMask = &*keyMask;
  }

  parallelChunks(cfg.B * cfg.Hq * cfg.qTiles, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t)
      runTask(t, ops);
  });
}

std::array<size_t, kThreadScratchSlots>
AttentionKernel::threadScratchBytes() const {
  std::array<size_t, kThreadScratchSlots> bytes{};
  bytes[0] = std::max(qk.scratchpadBytes(), pv.scratchpadBytes()); // oneDNN
  bytes[kScratchSlot] = scratch;
  return bytes;
}

size_t AttentionKernel::scratchBytes() const {
  size_t bytes = scratch + std::max(qk.scratchpadBytes(), pv.scratchpadBytes());
  if (cfg.widenBf16)
    bytes += 4 * (size_t)(cfg.B * cfg.Hq * cfg.Lq * cfg.D +
                          cfg.B * cfg.Hkv * cfg.Lk * (cfg.D + cfg.Dv));
  if (cfg.laneBf16)
    bytes += 4 * (size_t)(cfg.B * cfg.Hkv * valuePairsPerHead());
  return bytes;
}

size_t AttentionKernel::layoutScratch(char *base, Scratch &sc) const {
  if (cfg.laneTiles) {
    LaneScratch lane;
    return lane.layout(base, cfg.D, cfg.tileCols, cfg.Dv, cfg.laneBf16);
  }
  if (cfg.materialise())
    return sc.layout(base, cfg.rowChunk, std::max<int64_t>(cfg.Lk, 1), cfg.Dv,
                     gemmBf16(), cfg.topk ? cfg.Lk : 0);
  return sc.layout(base, cfg.tileRows, cfg.tileCols, cfg.Dv, gemmBf16(), 0);
}

/// Task t: query tile t % qTiles of head (t / qTiles) % Hq of batch row
/// t / qTiles / Hq.
void AttentionKernel::runTask(int64_t t, const Operands &ops) const {
  int64_t qt = t % cfg.qTiles;
  int64_t h = (t / cfg.qTiles) % cfg.Hq;
  int64_t b = t / cfg.qTiles / cfg.Hq;
  int64_t hkv = h / cfg.group;
  size_t in = inBytes();
  Head hd;
  hd.b = b;
  hd.h = h;
  hd.kv = b * cfg.Hkv + hkv;
  hd.values = ops.values;
  hd.q = static_cast<const char *>(ops.q) +
         cfg.headOffset(b, h, cfg.Hq, cfg.Lq, cfg.qLd) * in;
  hd.k = static_cast<const char *>(ops.k) +
         cfg.headOffset(b, hkv, cfg.Hkv, cfg.Lk, cfg.kLd) * in;
  hd.v = static_cast<const char *>(ops.v) +
         cfg.headOffset(b, hkv, cfg.Hkv, cfg.Lk, cfg.vLd) * in;
  if (ops.vPairs)
    hd.vPairs = ops.vPairs + (b * cfg.Hkv + hkv) * valuePairsPerHead();
  if (ops.mask)
    hd.mask = static_cast<const char *>(ops.mask) +
              (b * cfg.maskStrides[0] + h * cfg.maskStrides[1]) *
                  (int64_t)dtypeBytes(cfg.maskType);
  if (ops.keyMask)
    hd.keys = ops.keyMask->row(b);
  // out and gate in cfg's layout; probs and lse always [B, Hq, Lq, ...].
  int64_t outAt = cfg.headOffset(b, h, cfg.Hq, cfg.Lq, cfg.outLd);
  if (ops.gate)
    hd.gate = static_cast<const char *>(ops.gate) +
              outAt * (int64_t)dtypeBytes(cfg.gateType);
  hd.out =
      static_cast<char *>(ops.out) + outAt * (int64_t)dtypeBytes(cfg.outType);
  int64_t rowsBefore = (b * cfg.Hq + h) * cfg.Lq; // rows of earlier heads
  if (ops.probs)
    hd.probs = static_cast<char *>(ops.probs) +
               rowsBefore * cfg.Lk * (int64_t)dtypeBytes(cfg.probsType);
  if (ops.lse)
    hd.lse = ops.lse + rowsBefore;

  int64_t r0 = qt * cfg.qBlock, r1 = std::min(cfg.Lq, r0 + cfg.qBlock);
  char *buffer = static_cast<char *>(threadScratch(kScratchSlot, scratch));
  if (cfg.laneTiles) {
    LaneScratch lane;
    lane.layout(buffer, cfg.D, cfg.tileCols, cfg.Dv, cfg.laneBf16);
    for (int64_t c0 = r0; c0 < r1; c0 += lanetiles::kLaneRows)
      laneRows(hd, qt, c0, std::min(r1, c0 + lanetiles::kLaneRows), lane);
    return;
  }
  Scratch sc;
  layoutScratch(buffer, sc);
  if (cfg.materialise()) {
    for (int64_t c0 = r0; c0 < r1; c0 += cfg.rowChunk)
      materialisedRows(hd, qt, c0, std::min(r1, c0 + cfg.rowChunk), sc);
  } else {
    flashRows(hd, qt, r0, r1, sc);
  }
}

void AttentionKernel::finishRows(const Head &hd, int64_t r0, int64_t r1,
                                 const float *o, const float *m,
                                 const float *l) const {
  int64_t dv = cfg.Dv, ld = cfg.outLd;
  for (int64_t i = r0; i < r1; ++i) {
    int64_t r = i - r0;
    float inv = inverseSum(l[r]);
    const float *src = o + r * dv;
    float row[512];
    for (int64_t e0 = 0; e0 < dv; e0 += 512) {
      int64_t e1 = std::min(dv, e0 + 512);
      for (int64_t e = e0; e < e1; ++e)
        row[e - e0] = src[e] * inv;
      if (hd.gate) {
        for (int64_t e = e0; e < e1; ++e) {
          float g = cfg.gateType == HEED_F32
                        ? static_cast<const float *>(hd.gate)[i * ld + e]
                        : bf16ToFloat(static_cast<const uint16_t *>(
                              hd.gate)[i * ld + e]);
          row[e - e0] *= 1.0f / (1.0f + std::exp(-g));
        }
      }
      if (cfg.outType == HEED_F32)
        std::memcpy(static_cast<float *>(hd.out) + i * ld + e0, row,
                    sizeof(float) * (e1 - e0));
      else
        for (int64_t e = e0; e < e1; ++e)
          static_cast<uint16_t *>(hd.out)[i * ld + e] =
              floatToBf16(row[e - e0]);
    }
    if (hd.lse)
      hd.lse[i] = l[r] == 0.0f ? kNegInf : m[r] + std::log(l[r]);
  }
}

std::vector<uint8_t> AttentionKernel::skippedPairs() const {
  if (!cfg.blocks() && !cfg.banded())
    return {};
  // A (query tile, key tile) pair that forEachTile does not visit.
  std::vector<uint8_t> skipped((size_t)(cfg.Lq * cfg.Lk), 1);
  for (int64_t qt = 0; qt < cfg.qTiles; ++qt) {
    int64_t r0 = qt * cfg.qBlock, r1 = std::min(cfg.Lq, r0 + cfg.qBlock);
    forEachTile(qt, r0, r1, [&](int64_t kt) {
      int64_t c0 = kt * cfg.kBlock, c1 = std::min(cfg.Lk, c0 + cfg.kBlock);
      for (int64_t i = r0; i < r1; ++i)
        std::fill(skipped.begin() + i * cfg.Lk + c0,
                  skipped.begin() + i * cfg.Lk + c1, 0);
    });
  }
  return skipped;
}

namespace {

std::unique_ptr<Kernel> makeAttention(const KernelSignature &sig) {
  const AttentionAttrs attrs = AttentionAttrs::read(sig.attrs);
  size_t outputs = 1 + attrs.returnProbs + attrs.returnLse;
  sig.expectArity(3, outputs, 5);
  return std::make_unique<AttentionKernel>(readConfig(sig));
}

} // namespace
} // namespace heed::rt::attention

namespace heed::rt {

void registerAttentionKernels() {
  registerKernel("attention", attention::makeAttention);
}

} // namespace heed::rt
