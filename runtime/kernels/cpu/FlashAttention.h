//===- FlashAttention.h - The attention kernel's pieces ---------*- C++ -*-===//
//
// Internal to the `attention` kernel, whose contract FlashAttention.cpp
// states. The kernel is split by concern:
//   FlashAttention.cpp             contract, configuration, tasks
//   FlashAttentionOneDnn.cpp       the flash path on oneDNN GEMMs, and the
//                                  tile steps (scores, P V) it shares with
//                                  the materialising path
//   FlashAttentionLanes.cpp        the flash path on the AVX-512
//                                  micro-kernels of LaneTiles.h
//   FlashAttentionMaterialise.cpp  the materialising path (probs, top-k)
//   FlashAttentionNonFinite.cpp    NaN and Inf in the value rows of hidden
//                                  keys, for every path's P V
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_CPU_FLASHATTENTION_H
#define HEED_RUNTIME_KERNELS_CPU_FLASHATTENTION_H

#include "Kernel.h"
#include "LaneTiles.h"
#include "OneDnn.h"

#include "heed/AttentionSparsity.h"
#include "heed/DType.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace heed::rt::attention {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// 1 / l for a row's softmax sum l: 0 for a row that sees no key (l = 0),
/// NaN for a row that sees a NaN score (l = NaN).
inline float inverseSum(float l) {
  return l > 0.0f ? 1.0f / l : l == 0.0f ? 0.0f : l;
}

//===----------------------------------------------------------------------===//
// Configuration (checked at finalization)
//===----------------------------------------------------------------------===//

struct Config {
  int64_t B = 0, Hq = 0, Hkv = 1, group = 1, Lq = 0, Lk = 0, D = 0, Dv = 0;
  int64_t qBlock = 1, kBlock = 1, qTiles = 0, kTiles = 0;
  float scale = 1.0f;
  /// The structure; a block map's key tile lists are sorted and distinct.
  AttentionSparsity sparsity;
  /// The keys each row sees under causal/window structure (dense for none
  /// and blocks).
  AttentionBand band;
  bool topk = false;
  int64_t keep = 0; ///< top-k: scores kept per row
  bool hasMask = false, hasGate = false, returnProbs = false, returnLse = false;
  bool bf16 = false;      ///< q, k, v are bf16
  bool widenBf16 = false; ///< ... and run through f32 copies
  heed_dtype outType = HEED_F32, gateType = HEED_F32, probsType = HEED_F32,
             maskType = HEED_F32;
  /// Element strides of the mask over [B, Hq, Lq, Lk] (0 where broadcast).
  int64_t maskStrides[4] = {0, 0, 0, 0};
  /// The mask depends only on (batch, key): the same for every query head
  /// and row (a key-padding mask), which the micro-kernels take (KeyMask).
  bool keyMask = false;
  /// Rows and columns of a task's score tile: the tile sizes, at most Lq
  /// and Lk (scratch stays small whatever q_block and k_block say).
  int64_t tileRows = 1, tileCols = 1;
  /// Materialising path: rows per chunk.
  int64_t rowChunk = 1;
  /// layout = 1 (AttentionLayout::Blhd): q, k, v, out and gate are stored
  /// [B, L, H, D], so a head's rows are H * D elements apart instead of D.
  bool blhd = false;
  /// Elements between consecutive rows of one head of q, k, v, and of out
  /// and gate (D, D, Dv, Dv for [B, H, L, D]; times the heads for blhd).
  int64_t qLd = 0, kLd = 0, vLd = 0, outLd = 0;
  /// The element offset of row 0 of head \p h (of \p heads heads of \p rows
  /// rows, row stride \p ld) of batch row \p b, for either layout.
  int64_t headOffset(int64_t b, int64_t h, int64_t heads, int64_t rows,
                     int64_t ld) const {
    return blhd ? b * rows * ld + h * (ld / heads)
                : (b * heads + h) * rows * ld;
  }
  /// The flash path runs on the lane-major micro-kernels of LaneTiles.h
  /// instead of oneDNN GEMMs ...
  bool laneTiles = false;
  /// ... their bf16 variant (q, k, v bf16, not widened).
  bool laneBf16 = false;
  bool materialise() const { return topk || returnProbs; }
  bool blocks() const {
    return sparsity.structure == AttentionStructure::Blocks;
  }
  /// Causal or window: a band around the diagonal.
  bool banded() const {
    return sparsity.structure == AttentionStructure::Causal ||
           sparsity.structure == AttentionStructure::Window;
  }
};

/// Whether the products read bf16 operands (else f32, possibly widened).
inline bool bf16Products(const Config &cfg) {
  return cfg.bf16 && !cfg.widenBf16;
}

/// Checks a node's operands and attributes and works out how it runs.
Config readConfig(const KernelSignature &sig);

//===----------------------------------------------------------------------===//
// Hidden keys with NaN or Inf values (FlashAttentionNonFinite.cpp)
//===----------------------------------------------------------------------===//

// A key that a row does not see (the structure, the mask or top-k hides it)
// has weight exactly 0 in that row, but a product over the tile still adds
// 0 * v, which is NaN where v is NaN or +-Inf. Where a tile hides some key
// from some row, each path asks NonFiniteValues whether the tile's value
// rows may hold such a value; only then does the product read a copy with
// those elements 0 (finiteCopy), after which addNonFiniteProducts adds what
// those elements give to the rows that do see their key (p * NaN, p * Inf:
// IEEE). The product over the copy is the same product, in the same order,
// as over the original, so a row that sees no such key gets exactly what
// finite values in those rows would have given it.

/// Whether one of the \p n values at \p x (f32, or bf16 with \p bf16) is
/// NaN or +-Inf.
bool anyNonFinite(const void *x, int64_t n, bool bf16);

/// Which value rows of a run's key/value heads may hold NaN or +-Inf, found
/// out in blocks of kBlockKeys keys the first time a task asks and kept for
/// the rest of the run: V is read for it at most once per run, and a tile's
/// question costs the other tasks a few flag reads. Thread-safe (tasks that
/// ask at once each check the block and store the same answer).
class NonFiniteValues {
public:
  static constexpr int64_t kBlockKeys = 64;

  /// \p heads key/value heads of \p lk rows of \p dv values, \p ld
  /// elements apart (f32, or bf16 with \p bf16).
  NonFiniteValues(int64_t heads, int64_t lk, int64_t dv, int64_t ld, bool bf16);

  /// Whether rows [ca, cb) of key/value head \p head, whose row 0 is at
  /// \p v, may hold NaN or +-Inf: true when a block they overlap does.
  bool mayHold(int64_t head, const void *v, int64_t ca, int64_t cb) const;

  /// Forgets what earlier runs found (a new run's V), without allocating.
  void reset();

private:
  int64_t heads, lk, dv, ld, blocks;
  bool bf16;
  /// Per (head, block): 0 not checked yet, 1 finite, 2 not.
  std::unique_ptr<std::atomic<uint8_t>[]> state;
};

/// The \p rows rows of \p cols values at \p x, \p ld elements apart (f32,
/// or bf16 with \p bf16), with NaN and +-Inf replaced by +0, in \p copy
/// (rows of \p cols values, contiguous); returns its data.
const void *finiteCopy(const void *x, int64_t rows, int64_t cols, int64_t ld,
                       bool bf16, std::vector<uint32_t> &copy);

/// For each non-finite element e of value row j < \p n (rows of \p dv values
/// at \p v, \p ld elements apart, f32 or bf16) and each row r < \p rows
/// with sees(r, j): add(r, e, weight(r, j) * v[j][e]).
template <typename Sees, typename Weight, typename Add>
void addNonFiniteProducts(const void *v, int64_t n, int64_t dv, int64_t ld,
                          bool bf16, int64_t rows, const Sees &sees,
                          const Weight &weight, const Add &add) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t e = 0; e < dv; ++e) {
      float x = bf16 ? bf16ToFloat(static_cast<const uint16_t *>(v)[j * ld + e])
                     : static_cast<const float *>(v)[j * ld + e];
      if (std::isfinite(x))
        continue;
      for (int64_t r = 0; r < rows; ++r)
        if (sees(r, j))
          add(r, e, weight(r, j) * x);
    }
}

//===----------------------------------------------------------------------===//
// Key masks on the micro-kernels (FlashAttentionLanes.cpp)
//===----------------------------------------------------------------------===//

/// A mask that depends only on (batch, key) (Config::keyMask), summarised
/// once per run for the micro-kernel path: per mask batch row (B rows, or
/// one where the mask broadcasts over the batch) and key j,
///   bias[j]     what the scores of key j get: -inf where the mask hides it
///               (i1 false, f32 -inf), else the f32 value (0 for i1);
/// and prefix counts and neighbours over j in [0, Lk], which answer for any
/// key range [a, b) in O(1)
///   next[a]     the first visible key >= a (Lk when none),
///   end[b]      1 + the last visible key < b (0 when none),
///   hidden[b]   keys < b the mask hides,
///   work[b]     keys < b whose scores the mask changes (hidden, or a
///               non-zero f32 value, NaN included).
/// A tile's keys are trimmed to [next[ca], end[cb]) (nothing left: the tile
/// is skipped, its K and V never read), and the mask is applied to what is
/// left only where work says it changes something: a prefix-length mask
/// costs nothing but the trim.
class KeyMask {
public:
  struct Row {
    const float *bias = nullptr;
    const int32_t *next = nullptr, *end = nullptr, *hidden = nullptr,
                  *work = nullptr;
  };

  /// Storage for the summaries of cfg's mask (allocated here, once).
  explicit KeyMask(const Config &cfg);

  /// Summarises \p mask (cfg.maskType, strides cfg.maskStrides), the same
  /// cfg as the constructor's, without allocating.
  void summarise(const Config &cfg, const void *mask);

  /// Batch row \p b's summary.
  Row row(int64_t b) const {
    int64_t r = rows == 1 ? 0 : b;
    int64_t n = lk + 1;
    return {bias.data() + r * lk, next.data() + r * n, end.data() + r * n,
            hidden.data() + r * n, work.data() + r * n};
  }

private:
  int64_t lk = 0, rows = 1;
  std::vector<float> bias;
  std::vector<int32_t> next, end, hidden, work;
};

//===----------------------------------------------------------------------===//
// Tiles, tasks and scratch
//===----------------------------------------------------------------------===//

/// The rectangle of a (query rows x key tile) block that is computed, and
/// whether the structure hides some of its entries.
struct Box {
  int64_t ra = 0, rb = 0, ca = 0, cb = 0;
  bool partial = false;
};

/// Whether query row i sees key j (the keys of one computed box).
using KeyFilter = std::function<bool(int64_t i, int64_t j)>;

/// Per-task pointers: the head's slices of every operand.
struct Head {
  int64_t b = 0, h = 0;
  int64_t kv = 0; ///< the key/value head: b * Hkv + h / group
  /// Row 0 of the head (rows cfg.qLd, kLd, vLd elements apart).
  const void *q = nullptr, *k = nullptr, *v = nullptr;
  const uint32_t *vPairs = nullptr; ///< bf16 micro-kernels: V's key pairs
  const char *mask = nullptr;       ///< element (b, h, 0, 0), strides in cfg
  /// Micro-kernels with a key mask: batch row b's summary (bias null
  /// otherwise).
  KeyMask::Row keys;
  const void *gate = nullptr; ///< row 0 of the head, rows cfg.outLd apart
  void *out = nullptr;        ///< row 0 of the head, rows cfg.outLd apart
  void *probs = nullptr;
  float *lse = nullptr;
  /// Where a tile may hide a key from a row: what V's rows hold.
  const NonFiniteValues *values = nullptr;

  /// Whether V rows [ca, cb) may hold NaN or +-Inf (asked only of tiles that
  /// hide some key, which have values).
  bool nonFiniteValues(int64_t ca, int64_t cb) const {
    return values->mayHold(kv, v, ca, cb);
  }
};

/// Carves 64-byte-aligned pieces out of a buffer; with a null base it only
/// measures.
struct Carver {
  char *base;
  size_t at = 0;

  template <typename T> T *take(int64_t count) {
    char *p = base ? base + at : nullptr;
    at += (sizeof(T) * (size_t)count + 63) / 64 * 64;
    return reinterpret_cast<T *>(p);
  }
};

/// The per-worker scratch buffer of the GEMM paths.
struct Scratch {
  float *s = nullptr;               ///< scores / P: rows x ld
  uint16_t *p16 = nullptr;          ///< bf16 P: rows x ld
  float *o = nullptr;               ///< accumulator: rows x Dv
  float *tmp = nullptr;             ///< bf16 P V product: rows x Dv
  float *m = nullptr, *l = nullptr; ///< running max and sum: rows
  float *sel = nullptr;             ///< top-k selection: Lk

  /// Lays the buffers out from \p base (null: just measures); returns bytes.
  size_t layout(char *base, int64_t rows, int64_t ld, int64_t dv, bool bf16,
                int64_t selLen) {
    Carver c{base};
    s = c.take<float>(rows * ld);
    p16 = bf16 ? c.take<uint16_t>(rows * ld) : nullptr;
    o = c.take<float>(rows * dv);
    tmp = bf16 ? c.take<float>(rows * dv) : nullptr;
    m = c.take<float>(rows);
    l = c.take<float>(rows);
    sel = c.take<float>(selLen);
    return c.at;
  }
};

/// The per-worker scratch buffer of the micro-kernel path (LaneTiles.h):
/// lane-major tiles of kLaneRows query rows.
struct LaneScratch {
  void *qt = nullptr;     ///< Q^T: D x 64 f32 (scaled), or D/2 x 64 bf16 pairs
  float *st = nullptr;    ///< scores (f32: then P): (cols + 2) x 64
  uint32_t *pt = nullptr; ///< bf16: P as pairs of keys: (cols / 2 + 2) x 64
  float *ot = nullptr;    ///< accumulator O^T: Dv x 64
  float *o = nullptr;     ///< the accumulator row-major: 64 x Dv
  float *m = nullptr, *l = nullptr, *alpha = nullptr, *tileMax = nullptr;
  int32_t *lo = nullptr, *hi = nullptr; ///< causal/window keys per lane

  /// \p cols: keys per tile; bf16 tiles may grow by one key at each end to
  /// start and end at even keys.
  size_t layout(char *base, int64_t d, int64_t cols, int64_t dv, bool bf16) {
    constexpr int64_t R = lanetiles::kLaneRows;
    Carver c{base};
    qt = c.take<float>(d * R);
    st = c.take<float>((cols + 2) * R);
    pt = bf16 ? c.take<uint32_t>((cols / 2 + 2) * R) : nullptr;
    ot = c.take<float>(dv * R);
    o = c.take<float>(R * dv);
    m = c.take<float>(R);
    l = c.take<float>(R);
    alpha = c.take<float>(R);
    tileMax = c.take<float>(R);
    lo = c.take<int32_t>(R);
    hi = c.take<int32_t>(R);
    return c.at;
  }
};

/// C[m x n] (f32) = alpha * A[m x k] * op(B) with bf16 A and B: one cached
/// oneDNN matmul whose sizes and leading dimensions are given at run time
/// (oneDNN's bf16 GEMM, f32 accumulation). FlashAttentionOneDnn.cpp.
class Bf16Gemm {
public:
  Bf16Gemm() = default;
  Bf16Gemm(bool transB, float alpha);
  /// True when oneDNN has a bf16 GEMM on this CPU.
  static bool available();
  void operator()(int64_t m, int64_t n, int64_t k, const uint16_t *a,
                  int64_t lda, const uint16_t *b, int64_t ldb, float *c,
                  int64_t ldc) const;
  size_t scratchpadBytes() const { return scratchpad.get_size(); }

private:
  dnnl::primitive primitive;
  dnnl::memory::desc scratchpad;
  bool transB = false;
};

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

class AttentionKernel : public Kernel {
public:
  explicit AttentionKernel(Config config);
  void run(const void *const *in, void *const *out) override;
  size_t scratchBytes() const override;
  std::array<size_t, kThreadScratchSlots> threadScratchBytes() const override;
  std::vector<uint8_t> skippedPairs() const override;

private:
  struct Operands {
    const void *q, *k, *v, *mask, *gate;
    void *out, *probs;
    float *lse;
    const uint32_t *vPairs = nullptr; ///< bf16 micro-kernels: packed V
    const NonFiniteValues *values = nullptr;
    const KeyMask *keyMask = nullptr; ///< micro-kernels with a key mask
  };

  /// Words of a key/value head's packed V (bf16 micro-kernels).
  int64_t valuePairsPerHead() const { return (cfg.Lk + 1) / 2 * cfg.Dv; }

  /// Lays out a task's scratch from \p base (null: only measures); returns
  /// its size in bytes.
  size_t layoutScratch(char *base, Scratch &sc) const;

  /// Whether the GEMMs read bf16 operands (else f32, possibly widened).
  bool gemmBf16() const { return bf16Products(cfg); }
  size_t inBytes() const { return gemmBf16() ? 2 : 4; }

  //===--- Structure ------------------------------------------------------===//

  /// Keys [lo, hi] visible from query row \p i under causal or window (lo >
  /// hi when none); every key otherwise.
  std::pair<int64_t, int64_t> rowRange(int64_t i) const {
    return cfg.band.rowRange(i);
  }

  /// Calls \p fn(kt) for the key tiles that query rows [r0, r1) of query
  /// tile \p qt visit, in increasing order.
  template <typename Fn>
  void forEachTile(int64_t qt, int64_t r0, int64_t r1, const Fn &fn) const {
    if (cfg.blocks()) {
      for (int64_t kt : cfg.sparsity.visit[(size_t)qt])
        fn(kt);
      return;
    }
    int64_t first = cfg.kTiles, last = -1;
    if (!cfg.banded()) {
      first = 0;
      last = cfg.kTiles - 1;
    } else {
      // lo and hi never decrease with the row: the union of the rows'
      // ranges spans from the first non-empty row's lo to the last one's hi.
      for (int64_t i = r0; i < r1; ++i) {
        auto [lo, hi] = rowRange(i);
        if (lo <= hi) {
          first = std::min(first, lo / cfg.kBlock);
          last = std::max(last, hi / cfg.kBlock);
        }
      }
    }
    for (int64_t kt = first; kt <= last; ++kt)
      fn(kt);
  }

  /// Whether query row \p i sees key \p j under the causal / window band and
  /// the mask (top-k aside); for keys of the tiles the row visits.
  bool sees(const Head &hd, int64_t i, int64_t j) const;

  /// The computed rectangle of query rows [r0, r1) x key tile \p kt; false
  /// when the structure hides all of it.
  bool tileBox(int64_t r0, int64_t r1, int64_t kt, Box &box) const {
    int64_t c0 = kt * cfg.kBlock, c1 = std::min(cfg.Lk, c0 + cfg.kBlock);
    if (!cfg.banded()) {
      box = {r0, r1, c0, c1, false};
      return r0 < r1 && c0 < c1;
    }
    box.partial = false;
    if (!cfg.band.visibleBox(r0, r1, c0, c1, box.ra, box.rb, box.ca, box.cb))
      return false;
    for (int64_t i = box.ra; i < box.rb && !box.partial; ++i) {
      auto [lo, hi] = rowRange(i);
      box.partial = lo > box.ca || hi < box.cb - 1;
    }
    return true;
  }

  //===--- Tile steps (FlashAttentionOneDnn.cpp) --------------------------===//

  /// Scores of \p box: s[(i - r0) * ld + (j - colBase)] for i in [ra, rb),
  /// j in [ca, cb): GEMM, then the structure's and the mask's -inf / bias.
  void scores(const Head &hd, const Box &box, int64_t r0, float *s, int64_t ld,
              int64_t colBase) const;
  /// o[(i - r0) * Dv + e] += P V over \p box, P read like scores() writes.
  /// \p sees (query row i, key j) is given where the box may hide a key
  /// from a row: those keys then add nothing, even a NaN (see
  /// FlashAttentionNonFinite.cpp); null: every row sees every key.
  void addPV(const Head &hd, const Box &box, int64_t r0, const float *p,
             uint16_t *p16, int64_t ld, int64_t colBase, float *o, float *tmp,
             const KeyFilter *sees) const;
  /// Online-softmax step for one row of scores x[0, n): updates the running
  /// max \p m and sum \p l, turns x into exp(x - m'), and returns the factor
  /// e^(m - m') by which the row's accumulator must be scaled.
  static float softmaxStep(float *x, int64_t n, float &m, float &l);
  /// Writes out (and lse) for query rows [r0, r1) from the accumulator.
  void finishRows(const Head &hd, int64_t r0, int64_t r1, const float *o,
                  const float *m, const float *l) const;

  //===--- Tasks and paths ------------------------------------------------===//

  void runTask(int64_t t, const Operands &ops) const;
  /// The flash path for query rows [r0, r1) of query tile \p qt
  /// (FlashAttentionOneDnn.cpp).
  void flashRows(const Head &hd, int64_t qt, int64_t r0, int64_t r1,
                 const Scratch &sc) const;
  /// The flash path on the micro-kernels of LaneTiles.h for query rows
  /// [r0, r1) (at most kLaneRows) of query tile \p qt
  /// (FlashAttentionLanes.cpp).
  void laneRows(const Head &hd, int64_t qt, int64_t r0, int64_t r1,
                const LaneScratch &sc) const;
  /// The materialising path (probs or top-k) for query rows [r0, r1)
  /// (FlashAttentionMaterialise.cpp).
  void materialisedRows(const Head &hd, int64_t qt, int64_t r0, int64_t r1,
                        const Scratch &sc) const;
  /// Keeps the cfg.keep largest entries (> -inf) of row[0, n), ties to the
  /// lower index, as the reference's stable sort does; the rest become -inf.
  void keepTopK(float *row, int64_t n, float *sel) const;

  Config cfg;
  Bf16Gemm qk, pv;
  size_t scratch = 0; ///< bytes of the per-worker thread buffer
  /// Per-run state, allocated with the kernel so that a run allocates
  /// nothing (runs of a model never overlap): the f32 copies of q, k and v
  /// (cfg.widenBf16), V's key pairs (cfg.laneBf16), what V holds (banded,
  /// masked or top-k attention) and the key mask's summary (a mask on the
  /// micro-kernels).
  std::vector<float> wide[3];
  std::vector<uint32_t> vPairs;
  std::optional<NonFiniteValues> values;
  std::optional<KeyMask> keyMask;
};

} // namespace heed::rt::attention

#endif // HEED_RUNTIME_KERNELS_CPU_FLASHATTENTION_H
