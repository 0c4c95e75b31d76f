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
//   the i1 mask or top-k set to -inf, and an f32 mask added. A row that sees
//   no key gives zeros in out and probs.
//
//   Attributes:
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
//       ceil(topk_ratio * Lk) largest scores (after scale, structure and
//       mask; ties keep the lower key index), the others are masked.
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
//                            (their K and V are never read); an explicit
//                            mask is read on every visited tile
//   m' = max(m, rowmax S), P = exp(S - m'), l = l e^(m - m') + rowsum P,
//   O = O e^(m - m') + P V   (GEMM with beta = 1; bf16: P rounded to bf16,
//                            product into the spare tile, then added)
// and finally out = O / l (zeros when nothing was visible), times
// sigmoid(gate), lse = m + log l. exp is the vectorised one of VectorExp.h.
//
// Without an explicit mask, probs or top-k (the common case) the same steps
// run on the kernel's own AVX-512 micro-kernels instead (LaneTiles.h), where
// the CPU has AVX-512F and BW: a task's rows are taken 64 at a time and held
// in the lanes of four vectors, so K and V are read in place (dnnl_sgemm
// repacks them on every tile call), the band of causal / window tiles is two
// integer compares in the scores' epilogue, and the softmax is per-lane
// vector code. f32: the scale is folded into the packed Q^T (scale * q
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
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "Error.h"
#include "Intrinsics.h"
#include "LaneTiles.h"
#include "OneDnn.h"
#include "Parallel.h"
#include "VectorExp.h"
#include "heed/AttentionBand.h"
#include "heed/DType.h"

#include <oneapi/dnnl/dnnl.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_map>
#include <vector>

namespace heed::rt {
namespace {

using dnnl::memory;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
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

enum Structure : int64_t { None = 0, Causal = 1, Window = 2, Blocks = 3 };

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

// Row helpers of the softmax. Each has a portable version and an AVX-512
// one (function-level target attribute, chosen at run time with VectorExp's
// path, so libheedrt still runs on any x86-64). Both compute the same
// values: max and the scaling are exact per element, the bf16 rounding is
// integer arithmetic.

/// Round-to-nearest-even conversion of \p n finite, non-negative values
/// (softmax numerators): no NaN handling needed.
void toBf16Generic(uint16_t *dst, const float *src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &src[i], 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    dst[i] = (uint16_t)(u >> 16);
  }
}

/// Maximum of x[0, n) (-inf when n == 0), four independent chains.
float rowMaxGeneric(const float *x, int64_t n) {
  float m[4] = {kNegInf, kNegInf, kNegInf, kNegInf};
  int64_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (int u = 0; u < 4; ++u)
      m[u] = m[u] < x[j + u] ? x[j + u] : m[u];
  for (; j < n; ++j)
    m[0] = m[0] < x[j] ? x[j] : m[0];
  return std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
}

void scaleGeneric(float *x, int64_t n, float a) {
  for (int64_t i = 0; i < n; ++i)
    x[i] *= a;
}

void addGeneric(float *x, const float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    x[i] += y[i];
}

#ifdef HEED_X86
__attribute__((target("avx512f"))) __mmask16 tailMask(int64_t left) {
  return (__mmask16)((1u << left) - 1u);
}

__attribute__((target("avx512f"))) float rowMaxAvx512(const float *x,
                                                      int64_t n) {
  __m512 m0 = _mm512_set1_ps(kNegInf), m1 = m0, m2 = m0, m3 = m0;
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + j));
    m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + j + 16));
    m2 = _mm512_max_ps(m2, _mm512_loadu_ps(x + j + 32));
    m3 = _mm512_max_ps(m3, _mm512_loadu_ps(x + j + 48));
  }
  for (; j + 16 <= n; j += 16)
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + j));
  if (j < n)
    m1 = _mm512_max_ps(m1, _mm512_mask_loadu_ps(_mm512_set1_ps(kNegInf),
                                                tailMask(n - j), x + j));
  return _mm512_reduce_max_ps(
      _mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

__attribute__((target("avx512f"))) void scaleAvx512(float *x, int64_t n,
                                                    float a) {
  __m512 va = _mm512_set1_ps(a);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), va));
  if (i < n) {
    __mmask16 k = tailMask(n - i);
    _mm512_mask_storeu_ps(x + i, k,
                          _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), va));
  }
}

__attribute__((target("avx512f"))) void addAvx512(float *x, const float *y,
                                                  int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(
        x + i, _mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    __mmask16 k = tailMask(n - i);
    _mm512_mask_storeu_ps(x + i, k,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(k, x + i),
                                        _mm512_maskz_loadu_ps(k, y + i)));
  }
}

__attribute__((target("avx512f"))) void
toBf16Avx512(uint16_t *dst, const float *src, int64_t n) {
  const __m512i bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : tailMask(n - i);
    __m512i u = _mm512_castps_si512(_mm512_maskz_loadu_ps(k, src + i));
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
    u = _mm512_add_epi32(u, _mm512_add_epi32(bias, lsb));
    _mm512_mask_cvtepi32_storeu_epi16(dst + i, k, _mm512_srli_epi32(u, 16));
  }
}
#endif

bool useAvx512() {
#ifdef HEED_X86
  static const bool yes = bestExpPath() == ExpPath::Avx512;
  return yes;
#else
  return false;
#endif
}

float rowMax(const float *x, int64_t n) {
#ifdef HEED_X86
  if (useAvx512())
    return rowMaxAvx512(x, n);
#endif
  return rowMaxGeneric(x, n);
}

/// x[0, n) *= a.
void scaleRow(float *x, int64_t n, float a) {
#ifdef HEED_X86
  if (useAvx512())
    return scaleAvx512(x, n, a);
#endif
  scaleGeneric(x, n, a);
}

/// x[0, n) += y[0, n).
void addRow(float *x, const float *y, int64_t n) {
#ifdef HEED_X86
  if (useAvx512())
    return addAvx512(x, y, n);
#endif
  addGeneric(x, y, n);
}

void toBf16(uint16_t *dst, const float *src, int64_t n) {
#ifdef HEED_X86
  if (useAvx512())
    return toBf16Avx512(dst, src, n);
#endif
  toBf16Generic(dst, src, n);
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Per-core L2 size in bytes (1 MiB when the system does not say).
int64_t l2CacheBytes() {
  static const int64_t bytes = [] {
    long v = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return v > 0 ? (int64_t)v : (int64_t)1 << 20;
  }();
  return bytes;
}

//===----------------------------------------------------------------------===//
// GEMMs
//===----------------------------------------------------------------------===//

/// C[m x n] = alpha * A[m x k] * op(B) + beta * C, row-major, where B is
/// stored [k x n] or, with \p transB, [n x k]. Single-threaded inside TBB
/// tasks (the executor pins oneDNN's OpenMP to one thread).
void sgemm(bool transB, int64_t m, int64_t n, int64_t k, float alpha,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
           float *c, int64_t ldc) {
  dnnl_status_t status = dnnl_sgemm('N', transB ? 'T' : 'N', m, n, k, alpha, a,
                                    lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success)
    fail(HEED_ERROR_INTERNAL, "attention: dnnl_sgemm failed (status " +
                                  std::to_string((int)status) + ")");
}

/// C[m x n] (f32) = alpha * A[m x k] * op(B) with bf16 A and B: one cached
/// oneDNN matmul whose sizes and leading dimensions are given at run time
/// (oneDNN's bf16 GEMM, f32 accumulation).
class Bf16Gemm {
public:
  Bf16Gemm() = default;
  Bf16Gemm(bool transB, float alpha) : transB(transB) {
    char alphaText[32];
    std::snprintf(alphaText, sizeof alphaText, "%a", (double)alpha);
    std::string key = std::string("attention bf16 gemm transB=") +
                      (transB ? "1" : "0") + " alpha=" + alphaText;
    primitive = cachedPrimitive(key, [&]() -> dnnl::primitive {
      const memory::dim R = DNNL_RUNTIME_DIM_VAL;
      memory::desc a({R, R}, memory::data_type::bf16, {R, 1});
      memory::desc b({R, R}, memory::data_type::bf16,
                     transB ? memory::dims{1, R} : memory::dims{R, 1});
      memory::desc c({R, R}, memory::data_type::f32, {R, 1});
      dnnl::primitive_attr attr = userScratchpadAttr();
      if (alpha != 1.0f)
        attr.set_output_scales(0, {alpha});
      return dnnl::matmul(dnnl::matmul::primitive_desc(
          dnnl::matmul::desc(a, b, c), attr, cpuEngine()));
    });
    scratchpad = scratchpadDesc(primitive);
  }

  /// True when oneDNN has a bf16 GEMM on this CPU.
  static bool available() {
    static const bool ok = [] {
      try {
        const memory::dim R = DNNL_RUNTIME_DIM_VAL;
        memory::desc a({R, R}, memory::data_type::bf16, {R, 1});
        memory::desc c({R, R}, memory::data_type::f32, {R, 1});
        dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, a, c),
                                        userScratchpadAttr(), cpuEngine(),
                                        /*allow_empty=*/true);
        return (bool)pd;
      } catch (const dnnl::error &) {
        return false;
      }
    }();
    return ok;
  }

  void operator()(int64_t m, int64_t n, int64_t k, const uint16_t *a,
                  int64_t lda, const uint16_t *b, int64_t ldb, float *c,
                  int64_t ldc) const {
    dnnl::engine &engine = cpuEngine();
    memory::desc aMd({m, k}, memory::data_type::bf16, {lda, 1});
    memory::desc bMd({k, n}, memory::data_type::bf16,
                     transB ? memory::dims{1, ldb} : memory::dims{ldb, 1});
    memory::desc cMd({m, n}, memory::data_type::f32, {ldc, 1});
    std::unordered_map<int, memory> args;
    args.emplace(DNNL_ARG_SRC, memory(aMd, engine, const_cast<uint16_t *>(a)));
    args.emplace(DNNL_ARG_WEIGHTS,
                 memory(bMd, engine, const_cast<uint16_t *>(b)));
    args.emplace(DNNL_ARG_DST, memory(cMd, engine, c));
    addScratchpad(scratchpad, args);
    dnnl::stream &stream = threadStream();
    primitive.execute(stream, args);
    stream.wait();
  }

  size_t scratchpadBytes() const { return scratchpad.get_size(); }

private:
  dnnl::primitive primitive;
  memory::desc scratchpad;
  bool transB = false;
};

//===----------------------------------------------------------------------===//
// Configuration (checked at finalization)
//===----------------------------------------------------------------------===//

struct Config {
  int64_t B = 0, Hq = 0, Hkv = 1, group = 1, Lq = 0, Lk = 0, D = 0, Dv = 0;
  int64_t qBlock = 1, kBlock = 1, qTiles = 0, kTiles = 0;
  float scale = 1.0f;
  int64_t structure = None;
  int64_t left = 0, right = 0;
  /// The keys each row sees under causal/window structure (dense for none
  /// and blocks).
  AttentionBand band;
  /// Blocks: the sorted, distinct key tiles of each query tile.
  std::vector<std::vector<int64_t>> visit;
  bool topk = false;
  int64_t keep = 0; ///< top-k: scores kept per row
  bool hasMask = false, hasGate = false, returnProbs = false, returnLse = false;
  bool bf16 = false;      ///< q, k, v are bf16
  bool widenBf16 = false; ///< ... and run through f32 copies
  heed_dtype outType = HEED_F32, gateType = HEED_F32, probsType = HEED_F32,
             maskType = HEED_F32;
  /// Element strides of the mask over [B, Hq, Lq, Lk] (0 where broadcast).
  int64_t maskStrides[4] = {0, 0, 0, 0};
  /// Rows and columns of a task's score tile: the tile sizes, at most Lq
  /// and Lk (scratch stays small whatever q_block and k_block say).
  int64_t tileRows = 1, tileCols = 1;
  /// Materialising path: rows per chunk.
  int64_t rowChunk = 1;
  /// The flash path runs on the lane-major micro-kernels of LaneTiles.h
  /// instead of oneDNN GEMMs ...
  bool laneTiles = false;
  /// ... their bf16 variant (q, k, v bf16, not widened).
  bool laneBf16 = false;
  bool materialise() const { return topk || returnProbs; }
};

/// Whether the products read bf16 operands (else f32, possibly widened).
bool bf16Products(const Config &cfg) { return cfg.bf16 && !cfg.widenBf16; }

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

/// Parses block_visit into cfg.visit.
void readBlockVisit(const KernelSignature &sig, Config &cfg) {
  std::vector<int64_t> flat = sig.attrs.getInts("block_visit");
  size_t pos = 0;
  cfg.visit.assign((size_t)cfg.qTiles, {});
  for (int64_t qt = 0; qt < cfg.qTiles; ++qt) {
    if (pos >= flat.size())
      invalid(sig, "block_visit ends before query tile " + std::to_string(qt) +
                       " (of " + std::to_string(cfg.qTiles) + ")");
    int64_t count = flat[pos++];
    int64_t rest = (int64_t)(flat.size() - pos);
    if (count < 0 || count > rest)
      invalid(sig, "block_visit: query tile " + std::to_string(qt) +
                       " has count " + std::to_string(count) + " but " +
                       std::to_string(rest) + " values follow");
    std::vector<int64_t> &tiles = cfg.visit[(size_t)qt];
    for (int64_t c = 0; c < count; ++c) {
      int64_t kt = flat[pos++];
      if (kt < 0 || kt >= cfg.kTiles)
        invalid(sig, "block_visit: query tile " + std::to_string(qt) +
                         " lists key tile " + std::to_string(kt) +
                         ", but there are " + std::to_string(cfg.kTiles) +
                         " key tiles");
      tiles.push_back(kt);
    }
    std::sort(tiles.begin(), tiles.end());
    tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
  }
  if (pos != flat.size())
    invalid(sig, "block_visit has " + std::to_string(flat.size() - pos) +
                     " values after the last query tile (" +
                     std::to_string(cfg.qTiles) + " query tiles)");
}

Config readConfig(const KernelSignature &sig) {
  Config cfg;
  const Attrs &attrs = sig.attrs;
  int64_t nIn = (int64_t)sig.inputs.size();
  cfg.hasMask = sig.attrs.getFlag("has_mask", nIn >= 4 ? 1 : 0);
  cfg.hasGate = sig.attrs.getFlag("has_gate", nIn > 3 + cfg.hasMask ? 1 : 0);
  cfg.returnProbs = sig.attrs.getFlag("return_probs", 0);
  cfg.returnLse = sig.attrs.getFlag("return_lse", 0);
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

  // Shapes.
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
    sig.shapeError("q, k and v must have rank 4, got q " + q.str() + ", k " +
                   k.str() + ", v " + v.str());
  cfg.B = q.dim(0);
  cfg.Hq = q.dim(1);
  cfg.Lq = q.dim(2);
  cfg.D = q.dim(3);
  cfg.Hkv = k.dim(1);
  cfg.Lk = k.dim(2);
  cfg.Dv = v.dim(3);
  if (k.dim(0) != cfg.B || v.dim(0) != cfg.B)
    sig.shapeError("batch sizes differ: q " + q.str() + ", k " + k.str() +
                   ", v " + v.str());
  if (v.dim(1) != cfg.Hkv || v.dim(2) != cfg.Lk)
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
  auto expectShape = [&](const TensorDesc &t, std::vector<int64_t> shape,
                         const std::string &what) {
    if (t.shape != shape) {
      TensorDesc expected{t.dtype, shape};
      sig.shapeError(what + " " + t.str() + " should be " + expected.str());
    }
  };
  expectShape(out, {cfg.B, cfg.Hq, cfg.Lq, cfg.Dv}, "output");
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
  }
  if (cfg.hasGate) {
    const TensorDesc &g = sig.inputs[3 + cfg.hasMask];
    if (g.dtype != HEED_F32 && g.dtype != q.dtype)
      fail(HEED_ERROR_DTYPE, sig.kernel +
                                 ": gate must be f32 or q's dtype, "
                                 "got " +
                                 g.str());
    cfg.gateType = g.dtype;
    expectShape(g, {cfg.B, cfg.Hq, cfg.Lq, cfg.Dv}, "gate");
  }

  // Attributes.
  cfg.scale = (float)attrs.getFloat("scale");
  cfg.structure = attrs.getInt("structure", None);
  if (cfg.structure < None || cfg.structure > Blocks)
    invalid(sig, "unknown structure " + std::to_string(cfg.structure) +
                     " (expected 0 none, 1 causal, 2 window, 3 blocks)");
  if (cfg.structure == Window) {
    std::vector<int64_t> w = attrs.getInts("window");
    if (w.size() != 2)
      invalid(sig, "window must be 2 integers (left, right), got " +
                       std::to_string(w.size()));
    // Beyond +-(Lq + Lk) a window edge changes nothing; clamping keeps the
    // position arithmetic far from overflow.
    int64_t bound = cfg.Lq + cfg.Lk + 1;
    cfg.left = std::clamp(w[0], -bound, bound);
    cfg.right = std::clamp(w[1], -bound, bound);
  }
  cfg.band.kind = cfg.structure == Causal   ? AttentionBand::Causal
                  : cfg.structure == Window ? AttentionBand::Window
                                            : AttentionBand::Dense;
  cfg.band.left = cfg.left;
  cfg.band.right = cfg.right;
  cfg.band.lq = cfg.Lq;
  cfg.band.lk = cfg.Lk;
  if (cfg.structure == Blocks &&
      (!attrs.has("q_block") || !attrs.has("k_block")))
    invalid(sig, "structure 3 (blocks) needs the q_block and k_block "
                 "attributes");
  double ratio = attrs.getFloat("topk_ratio", 0.0);
  if (!(ratio >= 0.0 && ratio <= 1.0))
    invalid(sig, "topk_ratio must be in [0, 1] (0: off), got " +
                     std::to_string(ratio));
  cfg.topk = ratio > 0.0;
  if (cfg.topk) {
    // Exactly as the reference computes it.
    int64_t keep = (int64_t)std::ceil(ratio * (double)cfg.Lk);
    cfg.keep = std::min(std::max(keep, (int64_t)0), cfg.Lk);
  }

  int64_t kBlock = attrs.getInt(
      "k_block",
      std::max<int64_t>(
          1, std::min(cfg.Lk, defaultKeyBlock(kDefaultQBlock, cfg.D, cfg.Dv))));
  if (kBlock < 1)
    invalid(sig, "k_block must be positive, got " + std::to_string(kBlock));

  // Which products run where. The micro-kernels (LaneTiles.h) take the flash
  // path (no explicit mask, probs or top-k) where the CPU has them; bf16 ones
  // also need an even D and key tiles that start at even keys.
  // microkernels = 0 keeps oneDNN's GEMMs (tests and benchmarks compare).
  bool micro = attrs.getFlag("microkernels", 1) == 1 && !cfg.hasMask &&
               !cfg.materialise() &&
               cfg.Lk < std::numeric_limits<int32_t>::max();
  bool viaF32 = attrs.getFlag("bf16_via_f32", 0) == 1;
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
  int64_t qBlock = attrs.getInt(
      "q_block", std::max<int64_t>(1, std::min(cfg.Lq, defaultQBlock)));
  if (qBlock < 1)
    invalid(sig, "q_block must be positive, got " + std::to_string(qBlock));
  cfg.qBlock = qBlock;
  cfg.kBlock = kBlock;
  cfg.qTiles = ceilDiv(cfg.Lq, qBlock);
  cfg.kTiles = ceilDiv(cfg.Lk, kBlock);
  if (cfg.structure == Blocks)
    readBlockVisit(sig, cfg);

  cfg.tileRows = std::max<int64_t>(1, std::min(cfg.qBlock, cfg.Lq));
  cfg.tileCols = std::max<int64_t>(1, std::min(cfg.kBlock, cfg.Lk));
  cfg.rowChunk = std::clamp<int64_t>(
      kRowChunkBytes / (4 * std::max<int64_t>(cfg.Lk, 1)), 1, cfg.tileRows);
  return cfg;
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

/// The rectangle of a (query rows x key tile) block that is computed, and
/// whether the structure hides some of its entries.
struct Box {
  int64_t ra = 0, rb = 0, ca = 0, cb = 0;
  bool partial = false;
};

/// Per-task pointers: the head's slices of every operand.
struct Head {
  int64_t b = 0, h = 0;
  const void *q = nullptr, *k = nullptr, *v = nullptr; ///< row 0 of the head
  const uint32_t *vPairs = nullptr; ///< bf16 micro-kernels: V's key pairs
  const char *mask = nullptr;       ///< element (b, h, 0, 0), strides in cfg
  const void *gate = nullptr;
  void *out = nullptr, *probs = nullptr;
  float *lse = nullptr;
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

class AttentionKernel : public Kernel {
public:
  explicit AttentionKernel(Config config) : cfg(std::move(config)) {
    if (bf16Products(cfg) && !cfg.laneTiles) {
      qk = Bf16Gemm(/*transB=*/true, cfg.scale);
      pv = Bf16Gemm(/*transB=*/false, 1.0f);
    }
    Scratch sc;
    scratch = layoutScratch(nullptr, sc);
  }

  void run(const void *const *in, void *const *out) override {
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
    std::vector<float> wide[3];
    if (cfg.widenBf16) {
      const void **ptrs[3] = {&ops.q, &ops.k, &ops.v};
      int64_t counts[3] = {cfg.B * cfg.Hq * cfg.Lq * cfg.D,
                           cfg.B * cfg.Hkv * cfg.Lk * cfg.D,
                           cfg.B * cfg.Hkv * cfg.Lk * cfg.Dv};
      for (int i = 0; i < 3; ++i) {
        wide[i].resize((size_t)counts[i]);
        const uint16_t *src = static_cast<const uint16_t *>(*ptrs[i]);
        float *dst = wide[i].data();
        parallelChunks(counts[i], 1 << 16, [&](int64_t b, int64_t e) {
          for (int64_t j = b; j < e; ++j)
            dst[j] = bf16ToFloat(src[j]);
        });
        *ptrs[i] = dst;
      }
    }

    // The bf16 micro-kernels read V as pairs of consecutive keys: packed
    // once per key/value head.
    std::vector<uint32_t> vPairs;
    if (cfg.laneBf16) {
      int64_t perHead = valuePairsPerHead();
      vPairs.resize((size_t)(cfg.B * cfg.Hkv * perHead));
      const uint16_t *v = static_cast<const uint16_t *>(ops.v);
      parallelChunks(cfg.B * cfg.Hkv, 1, [&](int64_t b, int64_t e) {
        for (int64_t head = b; head < e; ++head)
          lanetiles::packValuePairs(v + head * cfg.Lk * cfg.Dv, cfg.Lk, cfg.Dv,
                                    vPairs.data() + head * perHead);
      });
      ops.vPairs = vPairs.data();
    }

    parallelChunks(cfg.B * cfg.Hq * cfg.qTiles, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t)
        runTask(t, ops);
    });
  }

  size_t scratchBytes() const override {
    size_t bytes =
        scratch + std::max(qk.scratchpadBytes(), pv.scratchpadBytes());
    if (cfg.widenBf16)
      bytes += 4 * (size_t)(cfg.B * cfg.Hq * cfg.Lq * cfg.D +
                            cfg.B * cfg.Hkv * cfg.Lk * (cfg.D + cfg.Dv));
    if (cfg.laneBf16)
      bytes += 4 * (size_t)(cfg.B * cfg.Hkv * valuePairsPerHead());
    return bytes;
  }

private:
  struct Operands {
    const void *q, *k, *v, *mask, *gate;
    void *out, *probs;
    float *lse;
    const uint32_t *vPairs = nullptr; ///< bf16 micro-kernels: packed V
  };

  /// Words of a key/value head's packed V (bf16 micro-kernels).
  int64_t valuePairsPerHead() const { return (cfg.Lk + 1) / 2 * cfg.Dv; }

  /// Lays out a task's scratch from \p base (null: only measures); returns
  /// its size in bytes.
  size_t layoutScratch(char *base, Scratch &sc) const {
    if (cfg.laneTiles) {
      LaneScratch lane;
      return lane.layout(base, cfg.D, cfg.tileCols, cfg.Dv, cfg.laneBf16);
    }
    if (cfg.materialise())
      return sc.layout(base, cfg.rowChunk, std::max<int64_t>(cfg.Lk, 1), cfg.Dv,
                       gemmBf16(), cfg.topk ? cfg.Lk : 0);
    return sc.layout(base, cfg.tileRows, cfg.tileCols, cfg.Dv, gemmBf16(), 0);
  }

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
    if (cfg.structure == Blocks) {
      for (int64_t kt : cfg.visit[(size_t)qt])
        fn(kt);
      return;
    }
    int64_t first = cfg.kTiles, last = -1;
    if (cfg.structure == None) {
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

  /// The computed rectangle of query rows [r0, r1) x key tile \p kt; false
  /// when the structure hides all of it.
  bool tileBox(int64_t r0, int64_t r1, int64_t kt, Box &box) const {
    int64_t c0 = kt * cfg.kBlock, c1 = std::min(cfg.Lk, c0 + cfg.kBlock);
    if (cfg.structure == None || cfg.structure == Blocks) {
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

  //===--- Tile steps -----------------------------------------------------===//

  /// Scores of \p box: s[(i - r0) * ld + (j - colBase)] for i in [ra, rb),
  /// j in [ca, cb): GEMM, then the structure's and the mask's -inf / bias.
  void scores(const Head &hd, const Box &box, int64_t r0, float *s, int64_t ld,
              int64_t colBase) const {
    int64_t m = box.rb - box.ra, n = box.cb - box.ca;
    float *dst = s + (box.ra - r0) * ld + (box.ca - colBase);
    if (gemmBf16()) {
      const uint16_t *q = static_cast<const uint16_t *>(hd.q) + box.ra * cfg.D;
      const uint16_t *k = static_cast<const uint16_t *>(hd.k) + box.ca * cfg.D;
      qk(m, n, cfg.D, q, cfg.D, k, cfg.D, dst, ld);
    } else {
      const float *q = static_cast<const float *>(hd.q) + box.ra * cfg.D;
      const float *k = static_cast<const float *>(hd.k) + box.ca * cfg.D;
      sgemm(true, m, n, cfg.D, cfg.scale, q, cfg.D, k, cfg.D, 0.0f, dst, ld);
    }
    for (int64_t i = box.ra; i < box.rb; ++i) {
      float *row = s + (i - r0) * ld + (box.ca - colBase); // row[j - ca]
      if (box.partial) {
        auto [lo, hi] = rowRange(i);
        for (int64_t j = box.ca; j < std::min(lo, box.cb); ++j)
          row[j - box.ca] = kNegInf;
        for (int64_t j = std::max(hi + 1, box.ca); j < box.cb; ++j)
          row[j - box.ca] = kNegInf;
      }
      if (hd.mask) {
        const int64_t si = cfg.maskStrides[2], sj = cfg.maskStrides[3];
        if (cfg.maskType == HEED_F32) {
          const float *mrow =
              reinterpret_cast<const float *>(hd.mask) + i * si + box.ca * sj;
          if (sj == 0) {
            float add = mrow[0];
            for (int64_t x = 0; x < n; ++x)
              row[x] += add;
          } else { // sj == 1: the mask's last dim is Lk
            for (int64_t x = 0; x < n; ++x)
              row[x] += mrow[x];
          }
        } else {
          const uint8_t *mrow =
              reinterpret_cast<const uint8_t *>(hd.mask) + i * si + box.ca * sj;
          for (int64_t x = 0; x < n; ++x)
            if (!mrow[x * sj])
              row[x] = kNegInf;
        }
      }
    }
  }

  /// o[(i - r0) * Dv + e] += P V over \p box, P read like scores() writes.
  void addPV(const Head &hd, const Box &box, int64_t r0, const float *p,
             uint16_t *p16, int64_t ld, int64_t colBase, float *o,
             float *tmp) const {
    if (cfg.Dv == 0)
      return;
    int64_t m = box.rb - box.ra, n = box.cb - box.ca;
    int64_t off = (box.ra - r0) * ld + (box.ca - colBase);
    float *oRows = o + (box.ra - r0) * cfg.Dv;
    if (gemmBf16()) {
      for (int64_t i = 0; i < m; ++i)
        toBf16(p16 + off + i * ld, p + off + i * ld, n);
      const uint16_t *v = static_cast<const uint16_t *>(hd.v) + box.ca * cfg.Dv;
      pv(m, cfg.Dv, n, p16 + off, ld, v, cfg.Dv, tmp, cfg.Dv);
      addRow(oRows, tmp, m * cfg.Dv);
    } else {
      const float *v = static_cast<const float *>(hd.v) + box.ca * cfg.Dv;
      sgemm(false, m, cfg.Dv, n, 1.0f, p + off, ld, v, cfg.Dv, 1.0f, oRows,
            cfg.Dv);
    }
  }

  /// Online-softmax step for one row of scores x[0, n): updates the running
  /// max \p m and sum \p l, turns x into exp(x - m'), and returns the factor
  /// e^(m - m') by which the row's accumulator must be scaled.
  static float softmaxStep(float *x, int64_t n, float &m, float &l) {
    float mNew = std::max(m, rowMax(x, n));
    if (mNew == kNegInf) { // nothing visible yet: P = 0, nothing to rescale
      std::fill(x, x + n, 0.0f);
      return 1.0f;
    }
    float alpha = m == mNew ? 1.0f : expScalar(m - mNew); // exp(-inf) = 0
    float sum = expScaleShiftSum(x, n, 1.0f, mNew);
    l = l * alpha + sum;
    m = mNew;
    return alpha;
  }

  /// Keeps the cfg.keep largest entries (> -inf) of row[0, n), ties to the
  /// lower index, as the reference's stable sort does; the rest become -inf.
  void keepTopK(float *row, int64_t n, float *sel) const {
    int64_t visible = 0, candidates = 0;
    for (int64_t j = 0; j < n; ++j) {
      float x = row[j];
      if (x == kNegInf)
        continue;
      ++visible;
      if (!std::isnan(x)) // NaN would break nth_element's ordering
        sel[candidates++] = x;
    }
    if (visible <= cfg.keep)
      return;
    int64_t keep = cfg.keep;
    if (keep == 0) {
      std::fill(row, row + n, kNegInf);
      return;
    }
    if (candidates <= keep) // only with NaN scores: keep them all
      return;
    std::nth_element(sel, sel + keep - 1, sel + candidates,
                     std::greater<float>());
    float threshold = sel[keep - 1];
    int64_t above = 0;
    for (int64_t j = 0; j < n; ++j)
      above += row[j] > threshold;
    int64_t ties = keep - above; // scores equal to the threshold to keep
    for (int64_t j = 0; j < n; ++j) {
      float x = row[j];
      if (x > threshold)
        continue;
      if (x == threshold && ties > 0)
        --ties;
      else
        row[j] = kNegInf;
    }
  }

  /// Writes out (and lse) for query rows [r0, r1) from the accumulator.
  void finishRows(const Head &hd, int64_t r0, int64_t r1, const float *o,
                  const float *m, const float *l) const {
    int64_t dv = cfg.Dv;
    for (int64_t i = r0; i < r1; ++i) {
      int64_t r = i - r0;
      float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
      const float *src = o + r * dv;
      float row[512];
      for (int64_t e0 = 0; e0 < dv; e0 += 512) {
        int64_t e1 = std::min(dv, e0 + 512);
        for (int64_t e = e0; e < e1; ++e)
          row[e - e0] = src[e] * inv;
        if (hd.gate) {
          for (int64_t e = e0; e < e1; ++e) {
            float g = cfg.gateType == HEED_F32
                          ? static_cast<const float *>(hd.gate)[i * dv + e]
                          : bf16ToFloat(static_cast<const uint16_t *>(
                                hd.gate)[i * dv + e]);
            row[e - e0] *= 1.0f / (1.0f + std::exp(-g));
          }
        }
        if (cfg.outType == HEED_F32)
          std::memcpy(static_cast<float *>(hd.out) + i * dv + e0, row,
                      sizeof(float) * (e1 - e0));
        else
          for (int64_t e = e0; e < e1; ++e)
            static_cast<uint16_t *>(hd.out)[i * dv + e] =
                floatToBf16(row[e - e0]);
      }
      if (hd.lse)
        hd.lse[i] = l[r] > 0.0f ? m[r] + std::log(l[r]) : kNegInf;
    }
  }

  //===--- Tasks ----------------------------------------------------------===//

  void runTask(int64_t t, const Operands &ops) const {
    int64_t qt = t % cfg.qTiles;
    int64_t h = (t / cfg.qTiles) % cfg.Hq;
    int64_t b = t / cfg.qTiles / cfg.Hq;
    int64_t hkv = h / cfg.group;
    size_t in = inBytes();
    Head hd;
    hd.b = b;
    hd.h = h;
    hd.q = static_cast<const char *>(ops.q) +
           (b * cfg.Hq + h) * cfg.Lq * cfg.D * in;
    hd.k = static_cast<const char *>(ops.k) +
           (b * cfg.Hkv + hkv) * cfg.Lk * cfg.D * in;
    hd.v = static_cast<const char *>(ops.v) +
           (b * cfg.Hkv + hkv) * cfg.Lk * cfg.Dv * in;
    if (ops.vPairs)
      hd.vPairs = ops.vPairs + (b * cfg.Hkv + hkv) * valuePairsPerHead();
    if (ops.mask)
      hd.mask = static_cast<const char *>(ops.mask) +
                (b * cfg.maskStrides[0] + h * cfg.maskStrides[1]) *
                    (int64_t)dtypeBytes(cfg.maskType);
    int64_t rowsBefore = (b * cfg.Hq + h) * cfg.Lq; // rows of earlier heads
    if (ops.gate)
      hd.gate = static_cast<const char *>(ops.gate) +
                rowsBefore * cfg.Dv * (int64_t)dtypeBytes(cfg.gateType);
    hd.out = static_cast<char *>(ops.out) +
             rowsBefore * cfg.Dv * (int64_t)dtypeBytes(cfg.outType);
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

  /// The flash path for query rows [r0, r1) of query tile \p qt.
  void flashRows(const Head &hd, int64_t qt, int64_t r0, int64_t r1,
                 const Scratch &sc) const {
    int64_t rows = r1 - r0, ld = cfg.tileCols, dv = cfg.Dv;
    std::fill(sc.o, sc.o + rows * dv, 0.0f);
    std::fill(sc.m, sc.m + rows, kNegInf);
    std::fill(sc.l, sc.l + rows, 0.0f);
    forEachTile(qt, r0, r1, [&](int64_t kt) {
      Box box;
      if (!tileBox(r0, r1, kt, box))
        return;
      int64_t colBase = box.ca; // the tile's scores start at column 0
      scores(hd, box, r0, sc.s, ld, colBase);
      for (int64_t i = box.ra; i < box.rb; ++i) {
        int64_t r = i - r0;
        float alpha =
            softmaxStep(sc.s + r * ld, box.cb - box.ca, sc.m[r], sc.l[r]);
        if (alpha != 1.0f)
          scaleRow(sc.o + r * dv, dv, alpha);
      }
      addPV(hd, box, r0, sc.s, sc.p16, ld, colBase, sc.o, sc.tmp);
    });
    finishRows(hd, r0, r1, sc.o, sc.m, sc.l);
  }

  /// The flash path on the micro-kernels of LaneTiles.h for query rows
  /// [r0, r1) (at most kLaneRows) of query tile \p qt.
  void laneRows(const Head &hd, int64_t qt, int64_t r0, int64_t r1,
                const LaneScratch &sc) const {
    using namespace lanetiles;
    int64_t rows = r1 - r0, D = cfg.D, dv = cfg.Dv;
    const bool bf16 = cfg.laneBf16;
    float *qtF32 = static_cast<float *>(sc.qt);
    uint32_t *qtPairs = static_cast<uint32_t *>(sc.qt);
    if (bf16)
      packQueryPairs(static_cast<const uint16_t *>(hd.q) + r0 * D, rows, D,
                     qtPairs);
    else
      packQueries(static_cast<const float *>(hd.q) + r0 * D, rows, D, cfg.scale,
                  qtF32);
    std::fill(sc.ot, sc.ot + dv * kLaneRows, 0.0f);
    std::fill(sc.m, sc.m + kLaneRows, kNegInf);
    std::fill(sc.l, sc.l + kLaneRows, 0.0f);
    bool band = cfg.structure == Causal || cfg.structure == Window;
    if (band) {
      for (int64_t i = 0; i < kLaneRows; ++i) {
        // Lanes past the last row see nothing.
        auto [lo, hi] =
            i < rows ? rowRange(r0 + i) : std::pair<int64_t, int64_t>{1, 0};
        if (lo > hi) {
          lo = std::numeric_limits<int32_t>::max();
          hi = std::numeric_limits<int32_t>::min();
        }
        sc.lo[i] = (int32_t)lo; // Lk < 2^31 (readConfig)
        sc.hi[i] = (int32_t)hi;
      }
    }
    forEachTile(qt, r0, r1, [&](int64_t kt) {
      Box box;
      if (!tileBox(r0, r1, kt, box))
        return;
      // The vectors of lanes that hold the box's rows.
      int64_t first = (box.ra - r0) / kLanes;
      int64_t vecs = ceilDiv(box.rb - r0, kLanes) - first;
      int64_t lane = first * kLanes, ca = box.ca, cb = box.cb;
      if (bf16) {
        // Whole key pairs: a band tile may start or end one key early or
        // late (the band hides it); dense and block tiles start at even
        // keys (readConfig) and end at an even key or Lk.
        ca -= ca % 2;
        cb = std::min(cfg.Lk, cb + cb % 2);
      }
      // The band's compares only where some lane of the computed rectangle
      // must not see some key of it: a partial box, rows of the lanes
      // outside the box's rows, or keys added for pairs.
      int64_t laneEnd = std::min(r1, r0 + lane + vecs * kLanes);
      bool masked = band && (box.partial || box.ra > r0 + lane ||
                             box.rb < laneEnd || ca != box.ca || cb != box.cb);
      const int32_t *lo = masked ? sc.lo + lane : nullptr;
      const int32_t *hi = masked ? sc.hi + lane : nullptr;
      if (bf16) {
        int64_t n = cb - ca;
        scoreTileBf16(qtPairs + lane, vecs, D,
                      static_cast<const uint16_t *>(hd.k) + ca * D, n, ca,
                      cfg.scale, lo, hi, sc.st + lane, sc.tileMax + lane);
        softmaxTilePairs(sc.st + lane, n, vecs, sc.tileMax + lane, sc.m + lane,
                         sc.l + lane, sc.alpha + lane, sc.pt + lane);
        accumulateTileBf16(sc.pt + lane, n, vecs, hd.vPairs + ca / 2 * dv, dv,
                           sc.alpha + lane, sc.ot + lane);
        return;
      }
      int64_t n = cb - ca;
      scoreTile(qtF32 + lane, vecs, D,
                static_cast<const float *>(hd.k) + ca * D, n, ca, lo, hi,
                sc.st + lane, sc.tileMax + lane);
      softmaxTile(sc.st + lane, n, vecs, sc.tileMax + lane, sc.m + lane,
                  sc.l + lane, sc.alpha + lane);
      accumulateTile(sc.st + lane, n, vecs,
                     static_cast<const float *>(hd.v) + ca * dv, dv,
                     sc.alpha + lane, sc.ot + lane);
    });
    unpackRows(sc.ot, rows, dv, sc.o);
    finishRows(hd, r0, r1, sc.o, sc.m, sc.l);
  }

  /// The materialising path (probs or top-k) for query rows [r0, r1).
  void materialisedRows(const Head &hd, int64_t qt, int64_t r0, int64_t r1,
                        const Scratch &sc) const {
    int64_t rows = r1 - r0, ld = std::max<int64_t>(cfg.Lk, 1), dv = cfg.Dv;
    std::fill(sc.s, sc.s + rows * ld, kNegInf);
    std::fill(sc.o, sc.o + rows * dv, 0.0f);
    forEachTile(qt, r0, r1, [&](int64_t kt) {
      Box box;
      if (tileBox(r0, r1, kt, box))
        scores(hd, box, r0, sc.s, ld, 0);
    });
    for (int64_t r = 0; r < rows; ++r) {
      float *row = sc.s + r * ld;
      if (cfg.topk)
        keepTopK(row, cfg.Lk, sc.sel);
      sc.m[r] = kNegInf;
      sc.l[r] = 0.0f;
      softmaxStep(row, cfg.Lk, sc.m[r], sc.l[r]);
    }
    forEachTile(qt, r0, r1, [&](int64_t kt) {
      Box box;
      if (tileBox(r0, r1, kt, box))
        addPV(hd, box, r0, sc.s, sc.p16, ld, 0, sc.o, sc.tmp);
    });
    if (hd.probs) {
      for (int64_t r = 0; r < rows; ++r) {
        const float *row = sc.s + r * ld;
        float inv = sc.l[r] > 0.0f ? 1.0f / sc.l[r] : 0.0f;
        int64_t i = r0 + r;
        if (cfg.probsType == HEED_F32) {
          float *dst = static_cast<float *>(hd.probs) + i * cfg.Lk;
          for (int64_t j = 0; j < cfg.Lk; ++j)
            dst[j] = row[j] * inv;
        } else {
          uint16_t *dst = static_cast<uint16_t *>(hd.probs) + i * cfg.Lk;
          for (int64_t j = 0; j < cfg.Lk; ++j)
            dst[j] = floatToBf16(row[j] * inv);
        }
      }
    }
    finishRows(hd, r0, r1, sc.o, sc.m, sc.l);
  }

  Config cfg;
  Bf16Gemm qk, pv;
  size_t scratch = 0; ///< bytes of the per-worker thread buffer
};

std::unique_ptr<Kernel> makeAttention(const KernelSignature &sig) {
  size_t outputs = 1 + sig.attrs.getFlag("return_probs", 0) +
                   sig.attrs.getFlag("return_lse", 0);
  sig.expectArity(3, outputs, 5);
  return std::make_unique<AttentionKernel>(readConfig(sig));
}

} // namespace

void registerAttentionKernels() { registerKernel("attention", makeAttention); }

} // namespace heed::rt
