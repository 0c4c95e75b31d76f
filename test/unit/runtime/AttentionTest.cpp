//===- AttentionTest.cpp - libheedrt flash attention vs reference ---------===//
//
// Expected values come from the reference kernels (reference/Kernels.h):
// ref::attention and ref::gatedAttention, plain loops in double over one
// query row at a time. lse has no reference kernel: it is recovered in this
// file from the reference's probabilities, lse_i = s_ij - log p_ij at the
// row's largest p_ij, with s_ij = scale * q_i . k_j (+ mask) computed here
// in double (-inf for a row whose probabilities are all zero).
//
// Tolerances: f32 results must match within 1e-5 relative (max-norm), the
// project-wide bound for fused f32 kernels (the kernel accumulates in f32,
// in tiles, the reference in double). bf16: 2e-2 relative. q, k and v hold
// exact bf16 values, the GEMMs accumulate in f32, but the kernel rounds the
// softmax numerators P to bf16 before the P V GEMM (2^-9 relative per
// weight) and the output to bf16 (2^-9), and the reference rounds only the
// output, so a few 2^-9 of disagreement are expected.
//
// Where a test needs exact scores (ties for top-k, logits of 1e4) q and k
// hold small integers and the scale is a power of two, so the f32 and double
// scores are the same numbers.
//
//===----------------------------------------------------------------------===//

#include "../../../runtime/kernels/cpu/LaneTiles.h"
#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

using namespace heed;
using namespace heed::test;

namespace {

constexpr double kF32Tol = 1e-5;
constexpr double kBf16Tol = 2e-2;

/// The bf16 micro-kernels run in these tests wherever the CPU has them, also
/// where the kernel would widen bf16 to f32 instead (Bf16WidenedWhere...
/// turns this off to test that choice).
const bool kBf16LanesForced = [] {
  rt::lanetiles::setBf16LanesWherever(true);
  return true;
}();
const double kInf = std::numeric_limits<double>::infinity();

/// One attention node and its data. Unset optionals keep the kernel's
/// defaults.
struct Case {
  int64_t B = 1, Hq = 2, Hkv = 2, Lq = 8, Lk = 8, D = 16, Dv = -1;
  double scale = 0; ///< 0: 1 / sqrt(D)
  int64_t structure = 0, left = 0, right = 0;
  std::optional<int64_t> qBlock, kBlock;
  std::vector<std::vector<int64_t>> visit; ///< structure 3
  double topk = 0;
  ref::Tensor mask, gate; ///< unset (no data) when absent
  bool probs = false, lse = false, viaF32 = false;
  /// microkernels = 0: the f32 GEMMs through dnnl_sgemm instead of the
  /// kernel's AVX-512 micro-kernels (LaneTiles.h).
  bool oneDnnGemms = false;
  DType in = DType::F32, out = DType::F32, probsType = DType::F32;
  /// layout = 1: the kernel gets q, k, v, gate as [B, L, H, D] copies of
  /// the [B, H, L, D] data below and writes out as [B, Lq, Hq, Dv], which
  /// run() turns back into [B, Hq, Lq, Dv] for the comparisons.
  int64_t layout = 0;
  int threads = 1;
  uint64_t seed = 1;
  /// Data; random in [-1, 1) when unset.
  ref::Tensor q, k, v;

  static bool has(const ref::Tensor &t) { return !t.data.empty(); }
  int64_t dv() const { return Dv < 0 ? D : Dv; }
  double realScale() const {
    return scale != 0 ? scale : 1.0 / std::sqrt((double)D);
  }
  void fill() {
    if (!has(q))
      q = randomTensor(in, {B, Hq, Lq, D}, seed);
    if (!has(k))
      k = randomTensor(in, {B, Hkv, Lk, D}, seed + 1);
    if (!has(v))
      v = randomTensor(in, {B, Hkv, Lk, dv()}, seed + 2);
  }

  ref::AttentionOptions options() const {
    ref::AttentionOptions o;
    o.scale = realScale();
    o.structure.structure = (AttentionStructure)structure;
    o.structure.left = left;
    o.structure.right = right;
    if (structure == 3) {
      o.structure.qBlock = *qBlock;
      o.structure.kBlock = *kBlock;
      o.structure.visit = visit;
    }
    o.mask = has(mask) ? &mask : nullptr;
    if (topk > 0)
      o.topkRatio = topk;
    return o;
  }

  AttrSetter setter() const {
    Case self = *this;
    return [self](heed_plan *plan, int32_t node) {
      ASSERT_EQ(heed_plan_set_float(plan, node, "scale", self.realScale()),
                HEED_OK);
      auto setInt = [&](const char *name, int64_t value) {
        ASSERT_EQ(heed_plan_set_int(plan, node, name, value), HEED_OK);
      };
      if (self.structure)
        setInt("structure", self.structure);
      if (self.structure == 2) {
        int64_t w[2] = {self.left, self.right};
        ASSERT_EQ(heed_plan_set_ints(plan, node, "window", w, 2), HEED_OK);
      }
      if (self.qBlock)
        setInt("q_block", *self.qBlock);
      if (self.kBlock)
        setInt("k_block", *self.kBlock);
      if (self.structure == 3) {
        std::vector<int64_t> flat;
        for (const auto &tiles : self.visit) {
          flat.push_back((int64_t)tiles.size());
          flat.insert(flat.end(), tiles.begin(), tiles.end());
        }
        ASSERT_EQ(heed_plan_set_ints(plan, node, "block_visit", flat.data(),
                                     (int32_t)flat.size()),
                  HEED_OK);
      }
      if (self.topk > 0) {
        ASSERT_EQ(heed_plan_set_float(plan, node, "topk_ratio", self.topk),
                  HEED_OK);
      }
      setInt("has_mask", has(self.mask) ? 1 : 0);
      setInt("has_gate", has(self.gate) ? 1 : 0);
      if (self.probs)
        setInt("return_probs", 1);
      if (self.lse)
        setInt("return_lse", 1);
      if (self.viaF32)
        setInt("bf16_via_f32", 1);
      if (self.oneDnnGemms)
        setInt("microkernels", 0);
      if (self.layout)
        setInt("layout", self.layout);
    };
  }

  /// [B, H, L, D] <-> [B, L, H, D] where layout = 1.
  ref::Tensor perHead(const ref::Tensor &t) const {
    return layout ? ref::transpose(t, {0, 2, 1, 3}) : t;
  }

  std::vector<ref::Tensor> inputs() const {
    std::vector<ref::Tensor> ins = {perHead(q), perHead(k), perHead(v)};
    if (has(mask))
      ins.push_back(mask);
    if (has(gate))
      ins.push_back(perHead(gate));
    return ins;
  }

  std::vector<OutputSpec> outputs() const {
    ref::Shape outShape = {B, Hq, Lq, dv()};
    if (layout)
      std::swap(outShape[1], outShape[2]);
    std::vector<OutputSpec> outs = {{out, outShape}};
    if (probs)
      outs.push_back({probsType, {B, Hq, Lq, Lk}});
    if (lse)
      outs.push_back({DType::F32, {B, Hq, Lq}});
    return outs;
  }

  std::vector<ref::Tensor> run() const {
    std::vector<ref::Tensor> got =
        runKernel("attention", inputs(), outputs(), setter(), threads);
    if (!got.empty())
      got[0] = perHead(got[0]);
    return got;
  }
};

/// \p t with its dtype relabelled (values unchanged).
ref::Tensor as(ref::Tensor t, DType dtype) {
  t.dtype = dtype;
  return t;
}

/// Integers in [lo, hi], deterministic.
ref::Tensor intTensor(DType dtype, const ref::Shape &shape, uint64_t seed,
                      int lo, int hi) {
  ref::Tensor t = randomTensor(DType::F32, shape, seed);
  for (auto &x : t.data)
    x = lo + std::floor((x + 1) / 2 * (hi - lo + 1));
  t.dtype = dtype;
  return t;
}

/// Mask element at [b, h, i, j] with NumPy broadcasting.
double maskAt(const ref::Tensor &mask, const int64_t idx[4]) {
  int64_t offset = 0;
  for (int64_t d = 0; d < mask.rank(); ++d) {
    int64_t extent = mask.shape[(size_t)d];
    offset = offset * extent + (extent == 1 ? 0 : idx[4 - mask.rank() + d]);
  }
  return mask.data[(size_t)offset];
}

/// The expected lse (see the file comment) from the reference probabilities.
ref::Tensor expectedLse(const Case &c, const ref::Tensor &probs) {
  ref::Tensor lse(DType::F32, {c.B, c.Hq, c.Lq});
  int64_t group = c.Hq / c.Hkv;
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.Hq; ++h)
      for (int64_t i = 0; i < c.Lq; ++i) {
        int64_t row = (b * c.Hq + h) * c.Lq + i;
        int64_t best = -1;
        for (int64_t j = 0; j < c.Lk; ++j)
          if (probs.data[row * c.Lk + j] > 0 &&
              (best < 0 ||
               probs.data[row * c.Lk + j] > probs.data[row * c.Lk + best]))
            best = j;
        if (best < 0) {
          lse.data[row] = -kInf;
          continue;
        }
        double dot = 0;
        int64_t kRow = (b * c.Hkv + h / group) * c.Lk + best;
        for (int64_t d = 0; d < c.D; ++d)
          dot += c.q.data[row * c.D + d] * c.k.data[kRow * c.D + d];
        double s = c.realScale() * dot;
        if (Case::has(c.mask) && c.mask.dtype == DType::F32) {
          int64_t idx[4] = {b, h, i, best};
          s += maskAt(c.mask, idx);
        }
        lse.data[row] = s - std::log(probs.data[row * c.Lk + best]);
      }
  return lse;
}

/// Runs \p c and compares every output with the reference.
void check(Case c, double tol = kF32Tol) {
  c.fill();
  SCOPED_TRACE("Lq=" + std::to_string(c.Lq) + " Lk=" + std::to_string(c.Lk) +
               " D=" + std::to_string(c.D) + " Hq=" + std::to_string(c.Hq) +
               " Hkv=" + std::to_string(c.Hkv) +
               " structure=" + std::to_string(c.structure));
  std::vector<ref::Tensor> got = c.run();
  ASSERT_EQ(got.size(), c.outputs().size());
  ref::AttentionOptions opt = c.options();
  ref::AttentionResult expected = ref::attention(c.q, c.k, c.v, opt);
  ref::Tensor out = Case::has(c.gate)
                        ? ref::gatedAttention(c.q, c.k, c.v, c.gate, opt)
                        : expected.out;
  EXPECT_TENSOR_NEAR(got[0], as(out, c.out), tol);
  size_t next = 1;
  if (c.probs) {
    ref::Tensor probs = expected.probs;
    if (c.probsType != probs.dtype) {
      probs = as(probs, c.probsType);
      probs.roundInPlace();
    }
    EXPECT_TENSOR_NEAR(got[next++], probs, tol);
  }
  if (c.lse)
    EXPECT_TENSOR_NEAR(got[next++], expectedLse(c, expected.probs), tol);
}

//===----------------------------------------------------------------------===//
// The grid: L in {1, 2, 63, 64, 65, 257, 1000}, D in {16, 64, 80, 128}, GQA
// ratios 1, 2, 4, Lq != Lk both ways; sampled rather than the full product.
//===----------------------------------------------------------------------===//

struct Shape {
  int64_t Lq, Lk, D, Hq, Hkv;
};

const Shape kGrid[] = {
    {1, 1, 16, 2, 2},       {2, 2, 64, 2, 1},    {63, 64, 80, 4, 1},
    {64, 65, 128, 2, 2},    {65, 63, 16, 4, 2},  {257, 257, 64, 4, 1},
    {1000, 1000, 64, 2, 1}, {1, 1000, 80, 2, 2}, {1000, 2, 16, 4, 4},
    {64, 257, 128, 4, 1},   {257, 1, 64, 2, 1},  {65, 1000, 16, 1, 1},
};

/// A case of the grid's shape \p s with its own random data.
Case gridCase(const Shape &s, uint64_t seed) {
  Case c;
  c.Lq = s.Lq;
  c.Lk = s.Lk;
  c.D = s.D;
  c.Hq = s.Hq;
  c.Hkv = s.Hkv;
  c.seed = seed;
  return c;
}

TEST(RuntimeAttentionTest, DenseGrid) {
  for (const Shape &s : kGrid)
    check(gridCase(s, (uint64_t)(s.Lq * 7 + s.Lk)));
}

TEST(RuntimeAttentionTest, CausalGrid) {
  // Lq > Lk leaves the first Lq - Lk rows with no visible key (zeros).
  for (const Shape &s : kGrid) {
    Case c = gridCase(s, (uint64_t)(s.Lq * 5 + s.Lk));
    c.structure = 1;
    check(c);
  }
}

TEST(RuntimeAttentionTest, OneDnnGemmPathGrid) {
  // Where the CPU has AVX-512 the grids above run on the micro-kernels; the
  // dnnl_sgemm path (other CPUs, and masks) must give the same answers.
  for (int64_t structure : {0, 1, 2})
    for (const Shape &s : kGrid) {
      Case c = gridCase(s, (uint64_t)(s.Lq * 3 + s.Lk + structure));
      c.structure = structure;
      c.left = 40;
      c.right = 2;
      c.oneDnnGemms = true;
      check(c);
    }
}

TEST(RuntimeAttentionTest, MicroKernelBlockRemainders) {
  // The micro-kernels block 6 keys / value columns by 16-row vectors: every
  // remainder of keys (Lk, k_block) and value columns (Dv) mod 6, and 1 to 4
  // vectors of query rows, full and partial (Lq).
  uint64_t seed = 300;
  for (int64_t dv = 1; dv <= 12; ++dv)
    for (int64_t lq : {1, 17, 40, 64}) {
      Case c;
      c.Lq = lq;
      c.Lk = 7 + dv;
      c.D = 13 - dv;
      c.Dv = dv;
      c.Hq = 2;
      c.Hkv = 1;
      c.kBlock = 5 + dv % 4;
      c.structure = dv % 3; // none, causal, window
      c.left = 3;
      c.right = 1;
      c.seed = seed++;
      check(c);
    }
}

TEST(RuntimeAttentionTest, TileSizesNotDividingL) {
  // q_block / k_block of 1, 7, 33, 129 against L = 257 and 1000, with the
  // structures that trim tiles; Dv != D.
  const int64_t blocks[][2] = {{1, 7}, {7, 33}, {33, 129}, {129, 1}};
  int64_t structures[] = {0, 1, 2};
  uint64_t seed = 100;
  for (auto &blk : blocks)
    for (int64_t structure : structures) {
      Case c;
      c.Lq = blk[0] == 1 ? 65 : 257;
      c.Lk = 257;
      c.D = 16;
      c.Dv = 24;
      c.Hq = 2;
      c.Hkv = 1;
      c.qBlock = blk[0];
      c.kBlock = blk[1];
      c.structure = structure;
      c.left = 20;
      c.right = 3;
      c.seed = seed++;
      check(c);
    }
  Case c;
  c.Lq = c.Lk = 1000;
  c.D = 64;
  c.Hq = c.Hkv = 1;
  c.qBlock = 100;
  c.kBlock = 300;
  c.structure = 1;
  check(c);
}

TEST(RuntimeAttentionTest, SlidingWindow) {
  struct W {
    int64_t Lq, Lk, left, right;
  } windows[] = {{257, 257, 16, 0},    {257, 257, 0, 16},     {64, 1000, 5, 7},
                 {1000, 65, 30, 2},    {65, 65, 3, -1},       {63, 64, -2, 5},
                 {1000, 1000, 512, 0}, {2, 2, 100000, 100000}};
  uint64_t seed = 200;
  for (const W &w : windows) {
    Case c;
    c.Lq = w.Lq;
    c.Lk = w.Lk;
    c.D = 64;
    c.Hq = 4;
    c.Hkv = 2;
    c.structure = 2;
    c.left = w.left;
    c.right = w.right;
    c.seed = seed++;
    check(c);
  }
}

TEST(RuntimeAttentionTest, BlockMap) {
  // 5 query tiles of 16, 16, 16, 16, 1 rows; 4 key tiles of 30, 30, 30, 10
  // keys. Query tile 1 visits nothing (zeros); lists may be unsorted and
  // repeat a tile.
  Case c;
  c.Lq = 65;
  c.Lk = 100;
  c.D = 80;
  c.Hq = 4;
  c.Hkv = 2;
  c.structure = 3;
  c.qBlock = 16;
  c.kBlock = 30;
  c.visit = {{0}, {}, {3, 1}, {0, 1, 2, 3}, {2, 2}};
  c.probs = c.lse = true;
  check(c);
  c.probs = false;
  check(c);
  c.topk = 0.2;
  check(c);
}

TEST(RuntimeAttentionTest, UnvisitedTilesAreNeverRead) {
  // NaN in the K and V rows that no query tile visits: any read would turn
  // into NaN in the output. The reference (which reads every key) gets the
  // finite data.
  Case c;
  c.Lq = 40;
  c.Lk = 100;
  c.D = 16;
  c.structure = 3;
  c.qBlock = 16;
  c.kBlock = 25;
  c.visit = {{0, 3}, {1}, {3}}; // key tile 2 (keys 50-74) is never listed
  c.fill();
  Case poisoned = c;
  for (int64_t h = 0; h < c.Hkv; ++h)
    for (int64_t j = 50; j < 75; ++j)
      for (int64_t d = 0; d < c.D; ++d) {
        poisoned.k.data[(h * c.Lk + j) * c.D + d] = NAN;
        poisoned.v.data[(h * c.Lk + j) * c.D + d] = NAN;
      }
  ref::Tensor expected = ref::attention(c.q, c.k, c.v, c.options()).out;
  for (bool probs : {false, true}) {
    poisoned.probs = probs;
    auto got = poisoned.run();
    ASSERT_FALSE(got.empty());
    EXPECT_TENSOR_NEAR(got[0], expected, kF32Tol);
  }

  // A window: 20 query rows at the end of 200 keys see keys 170-199 only.
  Case w;
  w.Lq = 20;
  w.Lk = 200;
  w.D = 16;
  w.structure = 2;
  w.left = 10;
  w.right = 0;
  w.kBlock = 32;
  w.fill();
  Case wp = w;
  for (int64_t h = 0; h < w.Hkv; ++h)
    for (int64_t j = 0; j < 170; ++j)
      for (int64_t d = 0; d < w.D; ++d) {
        wp.k.data[(h * w.Lk + j) * w.D + d] = NAN;
        wp.v.data[(h * w.Lk + j) * w.D + d] = NAN;
      }
  auto got = wp.run();
  ASSERT_FALSE(got.empty());
  EXPECT_TENSOR_NEAR(got[0], ref::attention(w.q, w.k, w.v, w.options()).out,
                     kF32Tol);
}

//===----------------------------------------------------------------------===//
// Masks
//===----------------------------------------------------------------------===//

TEST(RuntimeAttentionTest, AdditiveMaskBroadcasts) {
  // Full, per-(query, key), per-(batch, key) and scalar masks, with -inf
  // entries (hidden keys) in the full one.
  Case base;
  base.B = 2;
  base.Hq = 4;
  base.Hkv = 2;
  base.Lq = 65;
  base.Lk = 63;
  base.D = 64;
  ref::Shape shapes[] = {{2, 4, 65, 63}, {65, 63}, {2, 1, 1, 63}, {}};
  uint64_t seed = 300;
  for (const ref::Shape &shape : shapes) {
    Case c = base;
    c.mask = randomTensor(DType::F32, shape, seed++);
    if (shape.size() == 4)
      for (size_t i = 0; i < c.mask.data.size(); i += 3)
        c.mask.data[i] = -kInf;
    c.seed = seed++;
    c.structure = shape.size() == 2 ? 1 : 0;
    check(c);
  }
}

TEST(RuntimeAttentionTest, BoolMaskAndFullyMaskedRows) {
  // An i1 mask [B, 1, Lq, Lk] hiding every key of some rows: those rows are
  // zeros in out and probs, -inf in lse; with causal on top.
  Case c;
  c.B = 2;
  c.Hq = 4;
  c.Hkv = 1;
  c.Lq = 63;
  c.Lk = 257;
  c.D = 16;
  ref::Tensor mask(DType::I1, {2, 1, 63, 257});
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 63; ++i)
      for (int64_t j = 0; j < 257; ++j)
        mask.data[(b * 63 + i) * 257 + j] =
            (i % 5 == 0) ? 0 : ((i * 7 + j * 3 + b) % 4 != 0);
  c.mask = mask;
  c.probs = c.lse = true;
  check(c);
  c.probs = false;
  check(c); // flash path
  c.structure = 1;
  check(c);
  c.lse = false;
  c.probs = true;
  c.topk = 0.1;
  check(c);

  // The output really is zero on a masked row (not just within tolerance).
  c.topk = 0;
  c.fill();
  auto got = c.run();
  ASSERT_FALSE(got.empty());
  for (int64_t e = 0; e < c.D; ++e)
    EXPECT_EQ(got[0].data[(size_t)(5 * c.D + e)], 0.0);
}

TEST(RuntimeAttentionTest, EverythingMasked) {
  // Lk = 0 would be a degenerate shape; a window that sees nothing and an
  // all-false mask give zeros everywhere.
  Case c;
  c.Lq = 9;
  c.Lk = 70;
  c.structure = 2;
  c.left = -1;
  c.right = -1; // p + 1 <= j <= p - 1: empty
  c.lse = true;
  check(c);
  Case m;
  m.Lq = 9;
  m.Lk = 70;
  m.mask = ref::Tensor(DType::I1, {70});
  m.lse = m.probs = true;
  check(m);
}

TEST(RuntimeAttentionTest, DegenerateShapes) {
  // No keys: every row is zeros, lse -inf.
  Case c;
  c.Lq = 5;
  c.Lk = 0;
  c.lse = c.probs = true;
  check(c);
  c.probs = false;
  check(c);
  // No queries, no value features, no batch.
  Case q;
  q.Lq = 0;
  q.Lk = 7;
  q.lse = true;
  check(q);
  Case v;
  v.Dv = 0;
  v.lse = true;
  check(v);
  Case b;
  b.B = 0;
  check(b);
  // Tile sizes far beyond L: one tile, scratch sized by L.
  Case t;
  t.Lq = 33;
  t.Lk = 129;
  t.qBlock = t.kBlock = (int64_t)1 << 40;
  t.structure = 1;
  check(t);
}

//===----------------------------------------------------------------------===//
// Top-k
//===----------------------------------------------------------------------===//

TEST(RuntimeAttentionTest, TopK) {
  double ratios[] = {0.01, 0.25, 0.5, 1.0};
  uint64_t seed = 400;
  for (double ratio : ratios)
    for (int64_t structure : {0, 1}) {
      Case c;
      c.Lq = 65;
      c.Lk = ratio == 0.25 ? 1000 : 257;
      c.D = 64;
      c.Hq = 4;
      c.Hkv = 2;
      c.topk = ratio;
      c.structure = structure;
      c.seed = seed++;
      c.lse = ratio == 0.5;
      check(c);
    }
  // With an additive mask, and with a key length needing several row chunks
  // per query tile (256 KiB / (4 * 3000) = 21 rows).
  Case c;
  c.Lq = 70;
  c.Lk = 3000;
  c.D = 16;
  c.Hq = c.Hkv = 1;
  c.topk = 0.3;
  c.mask = randomTensor(DType::F32, {70, 3000}, 7);
  c.probs = true;
  check(c);
}

TEST(RuntimeAttentionTest, TopKTiesKeepTheLowerIndex) {
  // Integer q and k with values in {-1, 0, 1} and D = 4: scores are small
  // integers, so many are exactly equal and the kept set is decided by the
  // tie rule (ceil(0.3 * 50) = 15 of 50 keys per row).
  Case c;
  c.Lq = 33;
  c.Lk = 50;
  c.D = 4;
  c.scale = 0.5;
  c.q = intTensor(DType::F32, {1, 2, 33, 4}, 11, -1, 1);
  c.k = intTensor(DType::F32, {1, 2, 50, 4}, 12, -1, 1);
  c.topk = 0.3;
  c.probs = true;
  check(c);
  c.structure = 1;
  check(c);
  c.structure = 2;
  c.left = 7;
  c.right = 7;
  check(c);
}

//===----------------------------------------------------------------------===//
// Numerics, outputs, gate, bf16
//===----------------------------------------------------------------------===//

TEST(RuntimeAttentionTest, HugeLogitsDoNotOverflow) {
  // Scores of +-1e4 and beyond: integer q, k in [-2, 2] with scale 256 give
  // exact scores up to +-16384; an additive mask of +-1e4 on top.
  Case c;
  c.Lq = 65;
  c.Lk = 257;
  c.D = 16;
  c.scale = 256;
  c.q = intTensor(DType::F32, {1, 2, 65, 16}, 21, -2, 2);
  c.k = intTensor(DType::F32, {1, 2, 257, 16}, 22, -2, 2);
  c.lse = true;
  check(c);
  c.scale = 1;
  ref::Tensor mask(DType::F32, {65, 257});
  for (size_t i = 0; i < mask.data.size(); ++i)
    mask.data[i] = (i % 3 == 0) ? 1e4 : -1e4;
  c.mask = mask;
  c.probs = true;
  check(c);
  c.probs = false;
  c.structure = 1;
  check(c);
}

TEST(RuntimeAttentionTest, ProbsAndLse) {
  Case c;
  c.B = 2;
  c.Lq = 64;
  c.Lk = 257;
  c.D = 128;
  c.Hq = 2;
  c.Hkv = 1;
  c.probs = c.lse = true;
  check(c);
  c.structure = 1;
  c.probs = false;
  check(c); // lse from the flash path
  c.structure = 2;
  c.left = 40;
  c.right = 40;
  c.probs = true;
  c.lse = false;
  check(c);
}

TEST(RuntimeAttentionTest, Gated) {
  Case c;
  c.B = 2;
  c.Hq = 4;
  c.Hkv = 2;
  c.Lq = 257;
  c.Lk = 65;
  c.D = 64;
  c.Dv = 80;
  c.gate = randomTensor(DType::F32, {2, 4, 257, 80}, 500);
  for (auto &g : c.gate.data)
    g *= 6;
  check(c);
  c.structure = 1; // with fully masked rows: zeros * sigmoid = zeros
  c.probs = true;
  check(c);
}

TEST(RuntimeAttentionTest, Bf16) {
  for (bool viaF32 : {false, true}) {
    SCOPED_TRACE(viaF32 ? "via f32" : "bf16 GEMMs");
    Case c;
    c.in = c.out = DType::BF16;
    c.viaF32 = viaF32;
    c.B = 1;
    c.Hq = 4;
    c.Hkv = 2;
    c.Lq = 257;
    c.Lk = 257;
    c.D = 64;
    c.structure = 1;
    check(c, kBf16Tol);
    c.structure = 0;
    c.Lq = 63;
    c.Lk = 1000;
    c.D = 80;
    c.out = DType::F32;
    c.mask = randomTensor(DType::F32, {63, 1000}, 3);
    c.gate = randomTensor(DType::BF16, {1, 4, 63, 80}, 4);
    check(c, kBf16Tol);
    c.gate = ref::Tensor();
    c.probs = true;
    c.probsType = DType::BF16;
    c.out = DType::BF16;
    c.topk = 0.5;
    check(c, kBf16Tol);
  }
}

// Where vdpbf16ps is not full rate (lanetiles::preferBf16LaneTiles), bf16
// q, k, v are widened to f32 and the f32 micro-kernels run: the output is
// bitwise the f32 kernel's on the widened inputs (the same path), which the
// bf16 micro-kernels' pairs products would not give.
TEST(RuntimeAttentionTest, Bf16WidenedWhereBf16LanesAreSlow) {
  rt::lanetiles::setBf16LanesWherever(false);
  bool preferred = rt::lanetiles::preferBf16LaneTiles();
  bool available = rt::lanetiles::bf16LaneTilesAvailable();
  if (preferred || !available) {
    rt::lanetiles::setBf16LanesWherever(kBf16LanesForced);
    GTEST_SKIP() << (available ? "the bf16 micro-kernels are preferred here"
                               : "no bf16 micro-kernels on this CPU");
  }
  Case c;
  c.in = DType::BF16;
  c.out = DType::F32;
  c.Hq = 4;
  c.Hkv = 2;
  c.Lq = 100;
  c.Lk = 257;
  c.D = 64;
  c.structure = 1;
  c.fill();
  auto widened = c.run();
  Case f = c;
  f.in = DType::F32;
  f.q = ref::cast(c.q, DType::F32);
  f.k = ref::cast(c.k, DType::F32);
  f.v = ref::cast(c.v, DType::F32);
  auto f32 = f.run();
  rt::lanetiles::setBf16LanesWherever(kBf16LanesForced);
  auto lanes = c.run();
  ASSERT_EQ(widened.size(), 1u);
  ASSERT_EQ(f32.size(), 1u);
  ASSERT_EQ(lanes.size(), 1u);
  EXPECT_EQ(widened[0].data, f32[0].data);
  EXPECT_NE(lanes[0].data, f32[0].data);
  check(c, kBf16Tol);
}

TEST(RuntimeAttentionTest, Bf16MicroKernels) {
  // The bf16 micro-kernels work on pairs of keys and of head dims: odd Lk,
  // band tiles that start or end at odd keys, value-column and key-pair
  // remainders, block maps; odd D and odd key tiles take oneDNN's GEMMs
  // (checked the same way). Each case also runs with microkernels = 0.
  struct B16 {
    int64_t Lq, Lk, D, Dv, structure, left, right, kBlock;
  } cases[] = {
      {1, 1, 2, 1, 0, 0, 0, 0},        {17, 7, 16, 5, 0, 0, 0, 0},
      {64, 257, 64, 64, 0, 0, 0, 0},   {100, 257, 64, 64, 1, 0, 0, 0},
      {257, 100, 80, 24, 1, 0, 0, 0},  {70, 301, 32, 7, 2, 13, 4, 0},
      {65, 129, 16, 3, 2, 0, 0, 0},    {64, 300, 64, 64, 1, 0, 0, 60},
      {64, 300, 64, 64, 0, 0, 0, 61},  {33, 65, 5, 9, 1, 0, 0, 0},
      {40, 90, 64, 11, 2, 20, -3, 20},
  };
  uint64_t seed = 400;
  for (const B16 &b : cases)
    for (bool oneDnn : {false, true}) {
      Case c;
      c.in = c.out = DType::BF16;
      c.Hq = 4;
      c.Hkv = 2;
      c.Lq = b.Lq;
      c.Lk = b.Lk;
      c.D = b.D;
      c.Dv = b.Dv;
      c.structure = b.structure;
      c.left = b.left;
      c.right = b.right;
      if (b.kBlock)
        c.kBlock = b.kBlock;
      c.oneDnnGemms = oneDnn;
      c.seed = seed++;
      SCOPED_TRACE(oneDnn ? "oneDNN GEMMs" : "micro-kernels");
      check(c, kBf16Tol);
    }
  // A block map over key tiles of 20 (even) and 21 keys (odd: oneDNN).
  for (int64_t kb : {20, 21}) {
    Case c;
    c.in = DType::BF16;
    c.out = DType::F32;
    c.Lq = 48;
    c.Lk = 61;
    c.D = 32;
    c.qBlock = 16;
    c.kBlock = kb;
    c.structure = 3;
    c.visit = {{0, 2}, {1}, {}};
    check(c, kBf16Tol);
  }
}

TEST(RuntimeAttentionTest, DeterministicAcrossThreadCounts) {
  // Bitwise equal outputs for 1 and 3 threads: the flash path (causal, mask,
  // gate, lse) and the materialising path (top-k, probs).
  Case c;
  c.B = 2;
  c.Hq = 4;
  c.Hkv = 2;
  c.Lq = 1000;
  c.Lk = 1000;
  c.D = 64;
  c.structure = 1;
  c.mask = randomTensor(DType::F32, {1000, 1000}, 9);
  c.gate = randomTensor(DType::F32, {2, 4, 1000, 64}, 10);
  c.lse = true;
  c.fill();
  auto one = c.run();
  c.threads = 3;
  auto three = c.run();
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(three.size(), 2u);
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_EQ(one[i].data, three[i].data);

  // The micro-kernel paths (no mask), f32 and bf16: window, gate, lse, a
  // q_block that is not a multiple of the 64 lane rows.
  for (DType type : {DType::F32, DType::BF16}) {
    Case w = c;
    w.in = w.out = type;
    w.q = w.k = w.v = ref::Tensor();
    w.fill();
    w.mask = ref::Tensor();
    w.structure = 2;
    w.left = 300;
    w.right = 7;
    w.qBlock = 100;
    w.kBlock = 128;
    w.threads = 1;
    auto wOne = w.run();
    w.threads = 3;
    auto wThree = w.run();
    ASSERT_EQ(wOne.size(), 2u);
    ASSERT_EQ(wThree.size(), 2u);
    for (size_t i = 0; i < wOne.size(); ++i)
      EXPECT_EQ(wOne[i].data, wThree[i].data);
  }

  Case t;
  t.Hq = 4;
  t.Lq = 257;
  t.Lk = 1000;
  t.D = 64;
  t.topk = 0.1;
  t.probs = true;
  t.in = t.out = t.probsType = DType::BF16;
  t.fill();
  auto a = t.run();
  t.threads = 3;
  auto b = t.run();
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].data, b[i].data);
}

//===----------------------------------------------------------------------===//
// layout = 1: q, k, v, out and gate stored [B, L, H, D]
//===----------------------------------------------------------------------===//

Case withKeys(Case c, const std::vector<int64_t> &keys, double k, double v);

/// Equal element for element, NaN equal to NaN.
bool sameValues(const ref::Tensor &a, const ref::Tensor &b) {
  if (a.shape != b.shape || a.data.size() != b.data.size())
    return false;
  for (size_t i = 0; i < a.data.size(); ++i)
    if (!(a.data[i] == b.data[i] ||
          (std::isnan(a.data[i]) && std::isnan(b.data[i]))))
      return false;
  return true;
}

/// Runs \p c with layout = 1 against the reference (Case::run transposes
/// the operands), and checks that every output equals layout 0's on the
/// same data bit for bit: the kernel computes the same operations in the
/// same order, only the addresses differ.
void checkLayout(Case c, double tol) {
  c.fill();
  c.layout = 1;
  check(c, tol);
  std::vector<ref::Tensor> blhd = c.run();
  c.layout = 0;
  std::vector<ref::Tensor> bhld = c.run();
  ASSERT_EQ(blhd.size(), bhld.size());
  for (size_t i = 0; i < blhd.size(); ++i)
    EXPECT_TRUE(sameValues(blhd[i], bhld[i])) << "output " << i;
}

TEST(RuntimeAttentionTest, BlhdLayout) {
  // Every path: the f32 and bf16 micro-kernels (dense, causal, window, key
  // masks, odd lengths, grouped-query heads), oneDNN's GEMMs (microkernels
  // = 0, a full mask, bf16 GEMMs, bf16 via f32), the materialising path
  // (probs, lse, top-k), block maps and a gate.
  struct L1 {
    const char *what;
    std::function<void(Case &)> set;
    double tol;
  };
  auto keyMask = [](Case &c, DType type) {
    c.mask = randomTensor(DType::F32, {c.B, 1, 1, c.Lk}, 77);
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t j = 0; j < c.Lk; ++j) {
        auto &m = c.mask.data[(size_t)(b * c.Lk + j)];
        bool shown = j < c.Lk - 7 * b - 3 && j != 5;
        m = type == DType::I1 ? shown : shown ? m : -kInf;
      }
    c.mask.dtype = type;
  };
  const L1 cases[] = {
      {"f32 dense GQA odd L",
       [](Case &c) {
         c.Hq = 4;
         c.Hkv = 2;
         c.Lq = 65;
         c.Lk = 63;
         c.D = 16;
       },
       kF32Tol},
      {"f32 causal",
       [](Case &c) {
         c.Lq = c.Lk = 257;
         c.structure = 1;
       },
       kF32Tol},
      {"f32 window Dv != D",
       [](Case &c) {
         c.Lq = 70;
         c.Lk = 301;
         c.D = 32;
         c.Dv = 7;
         c.structure = 2;
         c.left = 13;
         c.right = 4;
       },
       kF32Tol},
      {"f32 i1 key mask, B = 3",
       [&](Case &c) {
         c.B = 3;
         c.Hq = 4;
         c.Hkv = 1;
         c.Lq = c.Lk = 77;
         keyMask(c, DType::I1);
       },
       kF32Tol},
      {"f32 f32 key mask, causal",
       [&](Case &c) {
         c.B = 2;
         c.Lq = 33;
         c.Lk = 129;
         c.structure = 1;
         keyMask(c, DType::F32);
       },
       kF32Tol},
      {"f32 oneDNN GEMMs, gate",
       [](Case &c) {
         c.Hq = 4;
         c.Hkv = 2;
         c.Lq = 65;
         c.Lk = 130;
         c.oneDnnGemms = true;
         c.gate = randomTensor(DType::F32, {1, 4, 65, 16}, 5);
       },
       kF32Tol},
      {"f32 full mask (oneDNN), causal",
       [](Case &c) {
         c.B = 2;
         c.Lq = 40;
         c.Lk = 90;
         c.structure = 1;
         c.mask = randomTensor(DType::F32, {2, 2, 40, 90}, 6);
       },
       kF32Tol},
      {"f32 probs, lse, top-k",
       [](Case &c) {
         c.Hq = 4;
         c.Hkv = 2;
         c.Lq = 31;
         c.Lk = 67;
         c.probs = c.lse = true;
         c.topk = 0.3;
       },
       kF32Tol},
      {"f32 block map",
       [](Case &c) {
         c.Lq = 48;
         c.Lk = 61;
         c.D = 32;
         c.qBlock = 16;
         c.kBlock = 20;
         c.structure = 3;
         c.visit = {{0, 2}, {1}, {}};
       },
       kF32Tol},
      {"bf16 micro-kernels odd Lk, GQA",
       [](Case &c) {
         c.in = c.out = DType::BF16;
         c.Hq = 4;
         c.Hkv = 2;
         c.Lq = 100;
         c.Lk = 257;
         c.D = 64;
         c.structure = 1;
       },
       kBf16Tol},
      {"bf16 key mask, out f32, Dv odd",
       [&](Case &c) {
         c.in = DType::BF16;
         c.B = 3;
         c.Lq = 50;
         c.Lk = 75;
         c.D = 32;
         c.Dv = 5;
         keyMask(c, DType::I1);
       },
       kBf16Tol},
      {"bf16 oneDNN GEMMs, gate",
       [](Case &c) {
         c.in = c.out = DType::BF16;
         c.Lq = 64;
         c.Lk = 300;
         c.D = 64;
         c.oneDnnGemms = true;
         c.gate = randomTensor(DType::BF16, {1, 2, 64, 64}, 8);
       },
       kBf16Tol},
      {"bf16 via f32, window",
       [](Case &c) {
         c.in = c.out = DType::BF16;
         c.viaF32 = true;
         c.Lq = c.Lk = 99;
         c.structure = 2;
         c.left = 20;
         c.right = -3;
       },
       kBf16Tol},
      {"bf16 probs, top-k",
       [](Case &c) {
         c.in = c.out = c.probsType = DType::BF16;
         c.Lq = 63;
         c.Lk = 100;
         c.D = 80;
         c.probs = true;
         c.topk = 0.5;
       },
       kBf16Tol},
  };
  uint64_t seed = 2000;
  for (const L1 &l : cases) {
    SCOPED_TRACE(l.what);
    Case c;
    c.seed = seed++;
    l.set(c);
    checkLayout(c, l.tol);
  }
}

TEST(RuntimeAttentionTest, BlhdLayoutHiddenNonFiniteValues) {
  // NaN and Inf in the V rows of keys a key mask or the band hides: read
  // as 0 through the strided copies; bitwise layout 0's result.
  for (DType type : {DType::F32, DType::BF16})
    for (bool oneDnn : {false, true}) {
      SCOPED_TRACE(std::string(type == DType::F32 ? "f32" : "bf16") +
                   (oneDnn ? " oneDNN" : " micro-kernels"));
      Case c;
      c.in = c.out = type;
      c.B = 2;
      c.Hq = 4;
      c.Hkv = 2;
      c.Lq = 40;
      c.Lk = 97;
      c.D = 16;
      c.structure = 1;
      c.oneDnnGemms = oneDnn;
      c.mask = ref::Tensor(DType::I1, {2, 1, 1, 97});
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t j = 0; j < 97; ++j)
          c.mask.data[(size_t)(b * 97 + j)] = j != 7 && j != 50 && j < 90;
      c.fill();
      c = withKeys(c, {7, 50, 93}, 0, std::numeric_limits<double>::quiet_NaN());
      c = withKeys(c, {95}, 0, kInf);
      c.layout = 1;
      std::vector<ref::Tensor> blhd = c.run();
      c.layout = 0;
      std::vector<ref::Tensor> bhld = c.run();
      ASSERT_EQ(blhd.size(), 1u);
      for (double x : blhd[0].data)
        ASSERT_TRUE(std::isfinite(x));
      EXPECT_TRUE(sameValues(blhd[0], bhld[0]));
    }
}

TEST(RuntimeAttentionTest, BlhdLayoutDeterministicAcrossThreadCounts) {
  for (DType type : {DType::F32, DType::BF16}) {
    Case c;
    c.in = c.out = type;
    c.B = 2;
    c.Hq = 4;
    c.Hkv = 2;
    c.Lq = c.Lk = 300;
    c.D = 64;
    c.structure = 1;
    c.qBlock = 100;
    c.lse = true;
    c.layout = 1;
    c.fill();
    auto one = c.run();
    c.threads = 3;
    auto three = c.run();
    ASSERT_EQ(one.size(), 2u);
    ASSERT_EQ(three.size(), 2u);
    for (size_t i = 0; i < one.size(); ++i)
      EXPECT_EQ(one[i].data, three[i].data);
  }
}

//===----------------------------------------------------------------------===//
// Key masks (they depend only on batch and key: padding masks), which run on
// the micro-kernels where the CPU has them
//===----------------------------------------------------------------------===//

/// The keys of batch b shown by the key-mask tests, for Lk = 200 and key
/// tiles of 32 (tiles 0-31, 32-63, ..., 192-199): with \p holes, batch 0
/// sees [0, 50), [100, 130) and key 170 (tiles fully visible, partial, fully
/// hidden, one visible key in a tile), batch 1 nothing, batch 2 the prefix
/// [0, 137) (odd: bf16 key pairs straddle its end); without, batch 0 sees
/// the prefix [0, 64) (tile-aligned), batch 1 nothing, batch 2 [0, 137).
bool keyShown(bool holes, int64_t b, int64_t j) {
  if (b == 1)
    return false;
  if (b == 2)
    return j < 137;
  if (!holes)
    return j < 64;
  return j < 50 || (j >= 100 && j < 130) || j == 170;
}

/// How a key mask says so.
enum class KeyMaskStyle {
  Bool,       ///< i1: true = shown
  ZeroNegInf, ///< f32: 0 / -inf
  Valued,     ///< f32: random values in [-1, 1) / -inf
};

/// A [B, 1, 1, Lk] key mask of \p style over keyShown(\p holes).
ref::Tensor keyMask(KeyMaskStyle style, bool holes, int64_t B, int64_t lk,
                    uint64_t seed) {
  ref::Tensor m = randomTensor(DType::F32, {B, 1, 1, lk}, seed);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < lk; ++j) {
      auto &x = m.data[(size_t)(b * lk + j)];
      bool shown = keyShown(holes, b, j);
      if (style == KeyMaskStyle::Bool)
        x = shown ? 1 : 0;
      else if (!shown)
        x = -kInf;
      else if (style == KeyMaskStyle::ZeroNegInf)
        x = 0;
    }
  if (style == KeyMaskStyle::Bool)
    m.dtype = DType::I1;
  return m;
}

const char *styleName(KeyMaskStyle style) {
  return style == KeyMaskStyle::Bool         ? "i1"
         : style == KeyMaskStyle::ZeroNegInf ? "f32 0/-inf"
                                             : "f32 values/-inf";
}

TEST(RuntimeAttentionTest, KeyMasks) {
  // Every structure, f32 and bf16, micro-kernels and oneDNN's GEMMs, each
  // against the reference (tolerance); batch 1 sees no key: zeros, lse -inf.
  struct Structure {
    int64_t structure, left, right;
  } structures[] = {{0, 0, 0}, {1, 0, 0}, {2, 40, 3}, {3, 0, 0}};
  uint64_t seed = 1100;
  for (KeyMaskStyle style :
       {KeyMaskStyle::Bool, KeyMaskStyle::ZeroNegInf, KeyMaskStyle::Valued})
    for (bool holes : {false, true})
      for (const Structure &st : structures)
        for (DType in : {DType::F32, DType::BF16})
          for (bool oneDnn : {false, true}) {
            SCOPED_TRACE(std::string(styleName(style)) +
                         (holes ? ", holes" : ", prefix") + ", structure " +
                         std::to_string(st.structure) +
                         (in == DType::BF16 ? ", bf16" : ", f32") +
                         (oneDnn ? ", oneDNN GEMMs" : ", micro-kernels"));
            Case c;
            c.B = 3;
            c.Hq = 4;
            c.Hkv = 2;
            c.Lq = 90;
            c.Lk = 200;
            c.D = 32;
            c.Dv = 24;
            c.in = c.out = in;
            c.structure = st.structure;
            c.left = st.left;
            c.right = st.right;
            c.kBlock = 32;
            if (st.structure == 3) {
              c.qBlock = 32;
              c.visit = {{0, 1, 3, 5}, {2, 3, 4, 6}, {1, 5}};
            }
            c.oneDnnGemms = oneDnn;
            c.lse = true;
            c.seed = seed;
            c.mask = keyMask(style, holes, c.B, c.Lk, seed + 7);
            seed += 10;
            c.fill();
            check(c, in == DType::BF16 ? kBf16Tol : kF32Tol);
            // Batch 1 sees no key: exactly zero.
            auto got = c.run();
            ASSERT_EQ(got.size(), 2u);
            int64_t rows = c.Hq * c.Lq;
            for (int64_t r = rows; r < 2 * rows; ++r) {
              EXPECT_EQ(got[1].data[(size_t)r], -kInf) << "row " << r;
              for (int64_t e = 0; e < c.dv(); ++e)
                ASSERT_EQ(got[0].data[(size_t)(r * c.dv() + e)], 0.0)
                    << "row " << r;
            }
          }
}

TEST(RuntimeAttentionTest, KeyMaskShapesAndGate) {
  // Masks that depend only on (batch, key) in other shapes: [Lk], one
  // [1, 1, 1, Lk] shared by two batches, [B, 1, 1, 1] (a batch sees all or
  // nothing), [B, 1, Lq, Lk] with Lq = 1 (decoding); with a gate and the
  // default tiles; both paths against the reference.
  uint64_t seed = 1300;
  for (bool oneDnn : {false, true}) {
    SCOPED_TRACE(oneDnn ? "oneDNN GEMMs" : "micro-kernels");
    Case c;
    c.B = 2;
    c.Lq = 70;
    c.Lk = 300;
    c.D = 64;
    c.oneDnnGemms = oneDnn;
    c.mask = randomTensor(DType::F32, {300}, seed++);
    for (int64_t j = 0; j < 300; j += 3)
      c.mask.data[(size_t)j] = -kInf;
    c.gate = randomTensor(DType::F32, {2, 2, 70, 64}, seed++);
    check(c);
    c.gate = ref::Tensor();
    c.mask = ref::Tensor(DType::I1, {1, 1, 1, 300});
    for (int64_t j = 0; j < 300; ++j)
      c.mask.data[(size_t)j] = j < 200 || j % 7 == 0;
    check(c);
    c.mask = ref::Tensor(DType::I1, {2, 1, 1, 1});
    c.mask.data = {0, 1};
    c.lse = true;
    check(c);
    c.Lq = 1;
    c.mask = ref::Tensor(DType::I1, {2, 1, 1, 300});
    for (int64_t j = 0; j < 300; ++j) {
      c.mask.data[(size_t)j] = j < 123;
      c.mask.data[(size_t)(300 + j)] = j >= 100;
    }
    c.in = c.out = DType::BF16;
    check(c, kBf16Tol);
  }
}

/// An i1 or f32 (0 / -inf) key mask [1, 1, 1, Lk] showing the keys j with
/// shown(j).
ref::Tensor keyMaskOf(DType type, int64_t lk,
                      const std::function<bool(int64_t)> &shown) {
  ref::Tensor m(type, {1, 1, 1, lk});
  for (int64_t j = 0; j < lk; ++j)
    m.data[(size_t)j] =
        type == DType::I1 ? (shown(j) ? 1 : 0) : (shown(j) ? 0 : -kInf);
  return m;
}

/// K or V [1, 1, Lk, D] of \p t reduced to the keys \p keys, in order.
ref::Tensor keepKeys(const ref::Tensor &t, const std::vector<int64_t> &keys) {
  int64_t d = t.shape[3], n = (int64_t)keys.size();
  ref::Tensor r(t.dtype, {1, 1, n, d});
  for (int64_t x = 0; x < n; ++x)
    for (int64_t e = 0; e < d; ++e)
      r.data[(size_t)(x * d + e)] = t.data[(size_t)(keys[(size_t)x] * d + e)];
  return r;
}

TEST(RuntimeAttentionTest, KeyMasksRunOnTheMicroKernels) {
  // The micro-kernels trim a tile to the keys from its first visible one to
  // its last, and apply a mask only where it changes a score of those. So a
  // prefix mask over tiles of 32 must give bit for bit the unmasked result
  // over just the prefix's keys (the same tiles, no mask work), and a mask
  // with holes over a single tile the unmasked result over the visible keys
  // alone (f32: the hidden keys add exact zeros to the sums and products).
  // The oneDNN path (microkernels = 0) computes other bits (the scale 0.3
  // is folded into Q on the micro-kernels only), so these comparisons tell
  // the paths apart; the two still agree within tolerance.
  if (!rt::lanetiles::laneTilesAvailable())
    GTEST_SKIP() << "this CPU has no AVX-512: no micro-kernels";
  for (DType type : {DType::I1, DType::F32}) {
    SCOPED_TRACE(type == DType::I1 ? "i1" : "f32");
    Case c;
    c.B = 1;
    c.Hq = 2;
    c.Hkv = 1;
    c.Lq = 100;
    c.Lk = 200;
    c.D = 64;
    c.scale = 0.3;
    c.lse = true;
    c.seed = 1400;
    c.fill();
    struct Mask {
      const char *name;
      int64_t kBlock;
      std::function<bool(int64_t)> shown;
    } masks[] = {
        {"prefix [0, 137), tiles of 32", 32, [](int64_t j) { return j < 137; }},
        {"holes, one tile", 200, [](int64_t j) { return j % 3 != 1; }},
    };
    for (const Mask &mask : masks) {
      SCOPED_TRACE(mask.name);
      Case masked = c;
      masked.kBlock = mask.kBlock;
      masked.mask = keyMaskOf(type, c.Lk, mask.shown);
      std::vector<int64_t> keys;
      for (int64_t j = 0; j < c.Lk; ++j)
        if (mask.shown(j))
          keys.push_back(j);
      Case visible = c;
      visible.Lk = (int64_t)keys.size();
      visible.kBlock = std::min<int64_t>(mask.kBlock, visible.Lk);
      visible.k = keepKeys(c.k, keys);
      visible.v = keepKeys(c.v, keys);
      auto got = masked.run(), want = visible.run();
      ASSERT_EQ(got.size(), 2u);
      ASSERT_EQ(want.size(), 2u);
      EXPECT_EQ(got[0].data, want[0].data);
      EXPECT_EQ(got[1].data, want[1].data);
      check(masked);

      masked.oneDnnGemms = true;
      auto gemms = masked.run();
      ASSERT_EQ(gemms.size(), 2u);
      EXPECT_NE(gemms[0].data, want[0].data);
      EXPECT_TENSOR_NEAR(gemms[0], want[0], kF32Tol);
    }
  }
}

TEST(RuntimeAttentionTest, KeyMasksAllVisibleCostNothing) {
  // An all-true i1 key mask and an all-zero f32 one change no score: the
  // micro-kernels skip the mask work, so the result is the unmasked one bit
  // for bit (f32 and bf16, dense and causal, default tiles).
  if (!rt::lanetiles::laneTilesAvailable())
    GTEST_SKIP() << "this CPU has no AVX-512: no micro-kernels";
  for (DType in : {DType::F32, DType::BF16})
    for (int64_t structure : {0, 1}) {
      Case c;
      c.B = 2;
      c.Lq = 130;
      c.Lk = 700;
      c.D = 64;
      c.in = c.out = in;
      c.structure = structure;
      c.lse = true;
      c.fill();
      auto want = c.run();
      for (DType maskType : {DType::I1, DType::F32}) {
        Case m = c;
        m.mask = ref::Tensor(maskType, {2, 1, 1, 700});
        std::fill(m.mask.data.begin(), m.mask.data.end(),
                  maskType == DType::I1 ? 1.0 : 0.0);
        auto got = m.run();
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i)
          EXPECT_EQ(got[i].data, want[i].data);
      }
    }
}

TEST(RuntimeAttentionTest, KeyMasksDeterministicAcrossThreadCounts) {
  for (DType in : {DType::F32, DType::BF16}) {
    Case c;
    c.B = 3;
    c.Hq = 4;
    c.Hkv = 2;
    c.Lq = 300;
    c.Lk = 200;
    c.D = 64;
    c.in = c.out = in;
    c.structure = 1;
    c.kBlock = 32;
    c.qBlock = 100;
    c.lse = true;
    c.mask = keyMask(KeyMaskStyle::Valued, /*holes=*/true, 3, 200, 1500);
    c.fill();
    auto one = c.run();
    c.threads = 3;
    auto three = c.run();
    ASSERT_EQ(one.size(), 2u);
    ASSERT_EQ(three.size(), 2u);
    for (size_t i = 0; i < one.size(); ++i)
      EXPECT_EQ(one[i].data, three[i].data);
  }
}

//===----------------------------------------------------------------------===//
// Hidden keys with NaN and Inf (docs/language.md, "Hidden keys and
// non-finite values")
//===----------------------------------------------------------------------===//

/// What the poisoned keys' K and V rows hold.
struct Poison {
  const char *name;
  double k, v; ///< NaN: K keeps the finite garbage
};

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const Poison kNaNKeys = {"NaN in K and V", kNaN, kNaN};
const Poison kInfKeys = {"+Inf in K, -Inf in V", kInf, -kInf};
const Poison kNaNValues = {"NaN in V only", 0, kNaN};
const std::vector<Poison> kPoisons = {kNaNKeys, kInfKeys, kNaNValues};
/// The finite garbage that the poisoned keys hold in the comparison run
/// (exact in bf16).
constexpr double kGarbageK = -2.0, kGarbageV = 64.0;

/// \p c with every element of the K and V rows of \p keys (all batches and
/// heads) set to \p k and \p v; k = 0 leaves K as it is.
Case withKeys(Case c, const std::vector<int64_t> &keys, double k, double v) {
  for (int64_t bh = 0; bh < c.B * c.Hkv; ++bh)
    for (int64_t j : keys) {
      for (int64_t d = 0; d < c.D; ++d)
        if (k != 0)
          c.k.data[(size_t)((bh * c.Lk + j) * c.D + d)] = k;
      for (int64_t e = 0; e < c.dv(); ++e)
        c.v.data[(size_t)((bh * c.Lk + j) * c.dv() + e)] = v;
    }
  return c;
}

/// Rows of out (or probs, \p width = Lk) that see a poisoned key must be all
/// NaN (or, with \p anyNonFinite, all NaN or +-Inf); the others must equal
/// \p clean bit for bit (+0 == -0).
void expectRows(const ref::Tensor &got, const ref::Tensor &clean, int64_t width,
                const std::vector<char> &seesPoison, bool anyNonFinite,
                const char *what) {
  ASSERT_EQ(got.data.size(), clean.data.size());
  int64_t rows = (int64_t)seesPoison.size();
  ASSERT_EQ((int64_t)got.data.size(), rows * width);
  int64_t wrong = 0, first = -1;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t e = 0; e < width; ++e) {
      double a = got.data[(size_t)(r * width + e)];
      double b = clean.data[(size_t)(r * width + e)];
      bool ok = !seesPoison[(size_t)r]
                    ? a == b || (std::isnan(a) && std::isnan(b))
                    : (anyNonFinite ? !std::isfinite(a) : std::isnan(a));
      if (!ok && wrong++ == 0)
        first = r;
    }
  EXPECT_EQ(wrong, 0) << what << ": first wrong row " << first << " ("
                      << (first >= 0 && seesPoison[(size_t)first]
                              ? "sees a poisoned key"
                              : "sees none")
                      << ")";
}

/// Runs \p base (data set, with \p keys holding finite garbage) and, for each
/// of \p poisons, the same inputs with \p keys poisoned, through the kernel
/// and the reference: a row of out that sees none of \p keys (by
/// \p sees(i, j), the same for every batch and head) must not change, a row
/// that sees one must be NaN (non-finite for infinities); probs likewise
/// where K is NaN, unchanged where K is. \p base must match the reference.
void checkPoisonedKeys(Case base, const std::vector<int64_t> &keys,
                       const std::function<bool(int64_t, int64_t)> &sees,
                       double tol,
                       const std::vector<Poison> &poisons = kPoisons) {
  base.fill();
  Case clean = withKeys(base, keys, kGarbageK, kGarbageV);
  std::vector<char> seesPoison((size_t)(base.B * base.Hq * base.Lq));
  for (int64_t r = 0; r < (int64_t)seesPoison.size(); ++r)
    for (int64_t j : keys)
      seesPoison[(size_t)r] |= sees(r % base.Lq, j);
  std::vector<ref::Tensor> cleanGot = clean.run();
  ASSERT_FALSE(cleanGot.empty());
  ref::AttentionResult cleanRef =
      ref::attention(clean.q, clean.k, clean.v, clean.options());
  EXPECT_TENSOR_NEAR(cleanGot[0], as(cleanRef.out, clean.out), tol);
  for (const Poison &poison : poisons) {
    SCOPED_TRACE(poison.name);
    Case c = withKeys(clean, keys, poison.k, poison.v);
    bool inf = std::isinf(poison.v);
    std::vector<ref::Tensor> got = c.run();
    ASSERT_EQ(got.size(), cleanGot.size());
    expectRows(got[0], cleanGot[0], c.dv(), seesPoison, inf, "kernel out");
    ref::AttentionResult r = ref::attention(c.q, c.k, c.v, c.options());
    expectRows(r.out, cleanRef.out, c.dv(), seesPoison, inf, "reference out");
    if (inf) // an infinite score may be NaN, +inf or -inf (p = 0, not NaN)
      continue;
    std::vector<char> nanProbs = seesPoison;
    if (poison.k == 0) // K unchanged: so are the scores and probs
      std::fill(nanProbs.begin(), nanProbs.end(), 0);
    expectRows(r.probs, cleanRef.probs, c.Lk, nanProbs, false,
               "reference probs");
    if (c.probs)
      expectRows(got[1], cleanGot[1], c.Lk, nanProbs, false, "kernel probs");
  }
}

/// A kernel path of the hidden-key tests.
struct KernelPath {
  const char *name;
  DType in;
  bool oneDnnGemms, viaF32, probs;
};

const KernelPath kPaths[] = {
    {"f32 micro-kernels", DType::F32, false, false, false},
    {"f32 oneDNN GEMMs", DType::F32, true, false, false},
    {"f32 materialised (probs)", DType::F32, false, false, true},
    {"bf16 micro-kernels", DType::BF16, false, false, false},
    {"bf16 oneDNN GEMMs", DType::BF16, true, false, false},
    {"bf16 via f32", DType::BF16, false, true, false},
    {"bf16 materialised (probs)", DType::BF16, false, false, true},
};

/// (q_block, k_block): the default, and tiles that cut L in odd places.
const std::pair<int64_t, int64_t> kTiles[] = {
    {0, 0}, {16, 16}, {33, 7}, {64, 128}};

/// \p c on every kernel path and tile size.
void checkPoisonedKeysEverywhere(
    const Case &c, const std::vector<int64_t> &keys,
    const std::function<bool(int64_t, int64_t)> &sees) {
  for (const KernelPath &path : kPaths)
    for (auto [qb, kb] : kTiles) {
      SCOPED_TRACE(std::string(path.name) + ", tile " + std::to_string(qb) +
                   " x " + std::to_string(kb));
      Case p = c;
      p.in = p.out = p.probsType = path.in;
      p.oneDnnGemms = path.oneDnnGemms;
      p.viaF32 = path.viaF32;
      p.probs = path.probs;
      if (qb) {
        p.qBlock = qb;
        p.kBlock = kb;
      }
      checkPoisonedKeys(p, keys, sees,
                        path.in == DType::BF16 ? kBf16Tol : kF32Tol);
    }
}

/// Lengths that cross tile boundaries, Lq != Lk both ways.
const std::pair<int64_t, int64_t> kLengths[] = {
    {63, 63}, {65, 65}, {130, 130}, {40, 100}, {100, 70}};

Case hiddenKeyCase(int64_t lq, int64_t lk, uint64_t seed) {
  Case c;
  c.B = 1;
  c.Hq = 2;
  c.Hkv = 1;
  c.Lq = lq;
  c.Lk = lk;
  c.D = 16;
  c.Dv = 12;
  c.seed = seed;
  return c;
}

TEST(RuntimeAttentionTest, HiddenKeysOutsideTheCausalBand) {
  uint64_t seed = 900;
  for (auto [lq, lk] : kLengths) {
    Case c = hiddenKeyCase(lq, lk, seed++);
    c.structure = 1;
    int64_t cut = lk - lk / 3; // keys from here on are poisoned
    std::vector<int64_t> keys;
    for (int64_t j = cut; j < lk; ++j)
      keys.push_back(j);
    checkPoisonedKeysEverywhere(
        c, keys, [&](int64_t i, int64_t j) { return j <= i + lk - lq; });
  }
}

TEST(RuntimeAttentionTest, HiddenKeysOutsideTheWindow) {
  uint64_t seed = 920;
  for (auto [lq, lk] : kLengths) {
    Case c = hiddenKeyCase(lq, lk, seed++);
    c.structure = 2;
    c.left = 9;
    c.right = 2;
    std::vector<int64_t> keys;
    for (int64_t j = lk / 2; j < lk / 2 + 4; ++j) // a few keys in the middle
      keys.push_back(j);
    keys.push_back(0);
    checkPoisonedKeysEverywhere(c, keys, [&](int64_t i, int64_t j) {
      int64_t p = i + lk - lq;
      return p - 9 <= j && j <= p + 2;
    });
  }
}

TEST(RuntimeAttentionTest, HiddenKeysOutsideTheBlockMap) {
  // The map's tiles are the kernel's tiles: two maps over different tiles.
  // Key tile 1 is poisoned; some query tiles list it, the others do not.
  struct Map {
    int64_t qBlock, kBlock;
    std::vector<std::vector<int64_t>> visit;
  } maps[] = {{16, 20, {{0}, {1, 2}, {}, {0, 3}, {1}}},
              {32, 26, {{0, 1}, {2}, {1, 3}}}};
  uint64_t seed = 940;
  for (const Map &map : maps)
    for (DType in : {DType::F32, DType::BF16})
      for (bool oneDnn : {false, true})
        for (bool probs : {false, true}) {
          Case c = hiddenKeyCase(70, 90, seed++);
          c.in = c.out = c.probsType = in;
          c.oneDnnGemms = oneDnn;
          c.probs = probs;
          c.structure = 3;
          c.qBlock = map.qBlock;
          c.kBlock = map.kBlock;
          c.visit = map.visit;
          std::vector<int64_t> keys;
          for (int64_t j = map.kBlock; j < 2 * map.kBlock; ++j)
            keys.push_back(j);
          checkPoisonedKeys(
              c, keys,
              [&](int64_t i, int64_t j) {
                const auto &tiles = map.visit[(size_t)(i / map.qBlock)];
                return std::find(tiles.begin(), tiles.end(), j / map.kBlock) !=
                       tiles.end();
              },
              in == DType::BF16 ? kBf16Tol : kF32Tol);
        }
}

/// Whether row i sees key j under the masks of the mask tests: keys 7, Lk / 2
/// and Lk - 1 (the poisoned ones) only from rows i % 3 == 0; row 1 sees no
/// key; the others a pattern.
bool maskSees(int64_t i, int64_t j, int64_t lk) {
  if (i == 1)
    return false;
  if (j == 7 || j == lk / 2 || j == lk - 1)
    return i % 3 == 0;
  return (i + 2 * j) % 5 != 0;
}

TEST(RuntimeAttentionTest, HiddenKeysUnderMasks) {
  // An i1 mask, an additive mask with -inf where it hides (random finite
  // values elsewhere), and each with causal structure on top.
  uint64_t seed = 960;
  for (auto [lq, lk] : kLengths)
    for (DType maskType : {DType::I1, DType::F32})
      for (int64_t structure : {0, 1}) {
        Case c = hiddenKeyCase(lq, lk, seed++);
        c.structure = structure;
        c.mask = randomTensor(DType::F32, {lq, lk}, seed++);
        for (int64_t i = 0; i < lq; ++i)
          for (int64_t j = 0; j < lk; ++j) {
            auto &m = c.mask.data[(size_t)(i * lk + j)];
            bool keep = maskSees(i, j, lk);
            m = maskType == DType::I1 ? (keep ? 1 : 0) : keep ? m : -kInf;
          }
        c.mask.dtype = maskType;
        SCOPED_TRACE(std::string(maskType == DType::I1 ? "i1" : "f32") +
                     " mask, structure " + std::to_string(structure));
        checkPoisonedKeysEverywhere(
            c, {7, lk / 2, lk - 1}, [&](int64_t i, int64_t j) {
              return maskSees(i, j, lk) && (!structure || j <= i + lk - lq);
            });
      }
}

TEST(RuntimeAttentionTest, HiddenKeysUnderKeyMasks) {
  // Key masks ([B, 1, 1, Lk]: the micro-kernels trim and skip by them)
  // hiding keys 7 and Lk / 2 (inside tiles) and the last 10 keys (a tail
  // that trimming drops), i1 and f32 (-inf, finite values elsewhere), with
  // causal structure on top, where key Lk - 12 is visible and poisoned too:
  // the rows that see it (the last ones) must be NaN, the others not.
  uint64_t seed = 1600;
  for (auto [lq, lk] : kLengths)
    for (DType maskType : {DType::I1, DType::F32})
      for (int64_t structure : {0, 1}) {
        Case c = hiddenKeyCase(lq, lk, seed++);
        c.structure = structure;
        c.mask = randomTensor(DType::F32, {1, 1, 1, lk}, seed++);
        auto hidden = [lk](int64_t j) {
          return j == 7 || j == lk / 2 || j >= lk - 10;
        };
        for (int64_t j = 0; j < lk; ++j) {
          auto &m = c.mask.data[(size_t)j];
          m = maskType == DType::I1 ? !hidden(j) : hidden(j) ? -kInf : m;
        }
        c.mask.dtype = maskType;
        SCOPED_TRACE(std::string(maskType == DType::I1 ? "i1" : "f32") +
                     " key mask, structure " + std::to_string(structure));
        std::vector<int64_t> keys = {7, lk / 2, lk - 5, lk - 1};
        if (structure)
          keys.push_back(lk - 12);
        checkPoisonedKeysEverywhere(c, keys, [&](int64_t i, int64_t j) {
          return !hidden(j) && (!structure || j <= i + lk - lq);
        });
      }
}

TEST(RuntimeAttentionTest, HiddenKeysNotKeptByTopK) {
  // q > 0 and the poisoned keys' K = -2 (kGarbageK): their scores are every
  // row's lowest, so top-k never keeps them, and NaN in their V changes no
  // row. NaN (or +Inf) in their K instead gives every row a NaN (+inf)
  // score, which ranks above every number: every row is NaN.
  uint64_t seed = 980;
  for (auto [lq, lk] : kLengths)
    for (DType in : {DType::F32, DType::BF16})
      for (int64_t kb : {0, 16, 33}) {
        Case c = hiddenKeyCase(lq, lk, seed++);
        c.in = c.out = c.probsType = in;
        c.topk = 0.25;
        c.probs = kb == 16;
        if (kb)
          c.kBlock = kb;
        c.fill();
        for (auto &x : c.q.data)
          x = std::fabs(x) + 0.25;
        c.q.roundInPlace(); // to bf16: the kernel's and the reference's q
        std::vector<int64_t> keys = {3, lk / 2, lk - 2, lk - 1};
        double tol = in == DType::BF16 ? kBf16Tol : kF32Tol;
        checkPoisonedKeys(c, keys, [](int64_t, int64_t) { return false; }, tol,
                          {kNaNValues});
        checkPoisonedKeys(c, keys, [](int64_t, int64_t) { return true; }, tol,
                          {kNaNKeys, kInfKeys});
      }
}

TEST(RuntimeAttentionTest, TopKKeepsNaNScores) {
  // A NaN score ranks above every number: kept, so its rows are NaN; the
  // rows that do not see it (causal) are unchanged.
  for (DType in : {DType::F32, DType::BF16}) {
    Case c = hiddenKeyCase(65, 65, 990);
    c.in = c.out = c.probsType = in;
    c.topk = 0.1;
    c.structure = 1;
    c.probs = true;
    checkPoisonedKeys(c, {40}, [](int64_t i, int64_t j) { return j <= i; },
                      in == DType::BF16 ? kBf16Tol : kF32Tol,
                      {kNaNKeys, kInfKeys});
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// A node with q [1, 2, 4, 8], k/v [1, 1, 6, 8] unless overridden.
struct ErrorCase {
  std::vector<OutputSpec> inputs = {{DType::F32, {1, 2, 4, 8}},
                                    {DType::F32, {1, 1, 6, 8}},
                                    {DType::F32, {1, 1, 6, 8}}};
  std::vector<OutputSpec> outputs = {{DType::F32, {1, 2, 4, 8}}};
  std::function<void(heed_plan *, int32_t)> attrs;
  bool withScale = true;

  std::pair<heed_status, std::string> finalize() const {
    auto a = attrs;
    bool s = withScale;
    return finalizeKernel("attention", inputs, outputs,
                          [a, s](heed_plan *plan, int32_t node) {
                            if (s)
                              heed_plan_set_float(plan, node, "scale", 0.5);
                            if (a)
                              a(plan, node);
                          });
  }
};

AttrSetter ints(const char *name, std::vector<int64_t> values) {
  return [=](heed_plan *plan, int32_t node) {
    if (values.size() == 1)
      heed_plan_set_int(plan, node, name, values[0]);
    else
      heed_plan_set_ints(plan, node, name, values.data(),
                         (int32_t)values.size());
  };
}

AttrSetter both(AttrSetter a, AttrSetter b) {
  return [=](heed_plan *plan, int32_t node) {
    a(plan, node);
    b(plan, node);
  };
}

void expectError(const ErrorCase &e, heed_status status,
                 const std::string &message) {
  auto [got, text] = e.finalize();
  EXPECT_EQ(got, status) << text;
  EXPECT_EQ(text, message);
}

TEST(RuntimeAttentionTest, ShapeAndDTypeErrors) {
  {
    ErrorCase e;
    e.inputs.pop_back();
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: expected 3-5 inputs and 1 outputs, got 2 and 1");
  }
  {
    ErrorCase e;
    e.attrs = ints("return_lse", {1});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: expected 3-5 inputs and 2 outputs, got 3 and 1");
  }
  {
    ErrorCase e;
    e.inputs.push_back({DType::F32, {4, 6}});
    e.attrs = ints("has_gate", {1});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: has_mask = 1 and has_gate = 1 need 5 inputs, got "
                "4");
  }
  {
    ErrorCase e;
    e.inputs[1].dtype = DType::BF16;
    expectError(e, HEED_ERROR_DTYPE,
                "attention: unsupported dtypes q f32[1, 2, 4, 8], k bf16[1, 1, "
                "6, 8], v f32[1, 1, 6, 8] -> out f32[1, 2, 4, 8] (supported: "
                "f32 -> f32, bf16 -> bf16 or f32)");
  }
  {
    ErrorCase e;
    e.inputs[0].shape = {2, 4, 8};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: q, k and v must have rank 4, got q f32[2, 4, 8], "
                "k f32[1, 1, 6, 8], v f32[1, 1, 6, 8]");
  }
  {
    ErrorCase e;
    e.inputs[2].shape = {2, 1, 6, 8};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: batch sizes differ: q f32[1, 2, 4, 8], k f32[1, "
                "1, 6, 8], v f32[2, 1, 6, 8]");
  }
  {
    ErrorCase e;
    e.inputs[2].shape = {1, 1, 5, 8};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: k f32[1, 1, 6, 8] and v f32[1, 1, 5, 8] must have "
                "the same heads and length");
  }
  {
    ErrorCase e;
    e.inputs[1].shape = {1, 1, 6, 7};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: q f32[1, 2, 4, 8] and k f32[1, 1, 6, 7] have "
                "different head dims");
  }
  {
    ErrorCase e;
    e.inputs[0].shape = {1, 2, 4, 0};
    e.inputs[1].shape = e.inputs[2].shape = {1, 1, 6, 0};
    e.outputs[0].shape = {1, 2, 4, 0};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: the head dim of q f32[1, 2, 4, 0] must be "
                "positive");
  }
  {
    ErrorCase e;
    e.inputs[0].shape = {1, 3, 4, 8};
    e.inputs[1].shape = e.inputs[2].shape = {1, 2, 6, 8};
    e.outputs[0].shape = {1, 3, 4, 8};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: query heads (3) must be a multiple of key/value "
                "heads (2)");
  }
  {
    ErrorCase e;
    e.outputs[0].shape = {1, 2, 4, 6};
    expectError(e, HEED_ERROR_SHAPE,
                "attention: output f32[1, 2, 4, 6] should be f32[1, 2, 4, 8]");
  }
  {
    ErrorCase e;
    e.outputs.push_back({DType::F32, {1, 2, 4, 4}});
    e.attrs = ints("return_probs", {1});
    expectError(e, HEED_ERROR_SHAPE,
                "attention: probs f32[1, 2, 4, 4] should be f32[1, 2, 4, 6]");
  }
  {
    ErrorCase e;
    e.outputs.push_back({DType::BF16, {1, 2, 4}});
    e.attrs = ints("return_lse", {1});
    expectError(e, HEED_ERROR_DTYPE,
                "attention: lse must be f32, got bf16[1, 2, 4]");
  }
  {
    ErrorCase e;
    e.inputs.push_back({DType::I32, {4, 6}});
    expectError(e, HEED_ERROR_DTYPE,
                "attention: mask must be f32 or i1, got i32[4, 6]");
  }
  {
    ErrorCase e;
    e.inputs.push_back({DType::F32, {3, 6}});
    expectError(e, HEED_ERROR_SHAPE,
                "attention: cannot broadcast f32[3, 6] to f32[1, 2, 4, 6]");
  }
  {
    ErrorCase e;
    e.inputs.push_back({DType::I1, {1, 1, 1, 4, 6}});
    expectError(e, HEED_ERROR_SHAPE,
                "attention: mask i1[1, 1, 1, 4, 6] does not broadcast to "
                "i1[1, 2, 4, 6]");
  }
  {
    ErrorCase e;
    e.inputs.push_back({DType::F32, {1, 2, 4, 6}});
    e.attrs = both(ints("has_mask", {0}), ints("has_gate", {1}));
    expectError(e, HEED_ERROR_SHAPE,
                "attention: gate f32[1, 2, 4, 6] should be f32[1, 2, 4, 8]");
  }
}

TEST(RuntimeAttentionTest, AttributeErrors) {
  {
    ErrorCase e;
    e.withScale = false;
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: missing float attribute 'scale'");
  }
  {
    ErrorCase e;
    e.attrs = ints("structure", {4});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: unknown structure 4 (expected 0 none, 1 causal, 2 "
                "window, 3 blocks)");
  }
  {
    ErrorCase e;
    e.attrs = ints("structure", {2});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: missing attribute 'window'");
  }
  {
    ErrorCase e;
    e.attrs = both(ints("structure", {2}), ints("window", {1, 2, 3}));
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: window must be 2 integers (left, right), got 3");
  }
  {
    ErrorCase e;
    e.attrs = both(ints("structure", {3}), ints("q_block", {2}));
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: structure 3 (blocks) needs the q_block and "
                "k_block attributes");
  }
  {
    ErrorCase e;
    e.attrs = ints("q_block", {0});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: q_block must be positive, got 0");
  }
  {
    ErrorCase e;
    e.attrs = ints("k_block", {-3});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: k_block must be positive, got -3");
  }
  // Blocks: Lq = 4, q_block 2 -> 2 query tiles; Lk = 6, k_block 4 -> 2 key
  // tiles.
  auto blocks = [](std::vector<int64_t> visit) {
    return both(both(ints("structure", {3}), ints("q_block", {2})),
                both(ints("k_block", {4}), ints("block_visit", visit)));
  };
  {
    ErrorCase e;
    e.attrs = both(both(ints("structure", {3}), ints("q_block", {2})),
                   ints("k_block", {4}));
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: missing attribute 'block_visit'");
  }
  {
    ErrorCase e;
    e.attrs = blocks({1, 0, 2});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: block_visit: query tile 1 has count 2 but 0 "
                "values follow");
  }
  {
    ErrorCase e;
    e.attrs = blocks({2, 0, 1});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: block_visit ends before query tile 1 (of 2)");
  }
  {
    ErrorCase e;
    e.attrs = blocks({1, 0, 1, 2});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: block_visit: query tile 1 lists key tile 2, but "
                "there are 2 key tiles");
  }
  {
    ErrorCase e;
    e.attrs = blocks({1, 0, 1, 1, 7, 7});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: block_visit has 2 values after the last query "
                "tile (2 query tiles)");
  }
  {
    ErrorCase e;
    e.attrs = blocks({-1, 0, 0});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: block_visit: query tile 0 has count -1 but 2 "
                "values follow");
  }
  {
    ErrorCase e;
    e.attrs = [](heed_plan *plan, int32_t node) {
      heed_plan_set_float(plan, node, "topk_ratio", 1.5);
    };
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: topk_ratio must be in [0, 1] (0: off), got "
                "1.500000");
  }
  {
    ErrorCase e;
    e.attrs = ints("return_probs", {2});
    expectError(e, HEED_ERROR_INVALID_ARGUMENT,
                "attention: return_probs must be 0 or 1, got 2");
  }
}

} // namespace
