//===- AttnTile.cpp - Tile sizes of fused attention from a cost model -----===//
//
// For every attn.attention / attn.gated_attention without a block map or a
// tile, picks (q_block, k_block) from a target description and writes it
// as `tile`. The cost of one (batch, head), for the tiles the kernel visits
// (the same trimming as runtime/kernels/cpu/FlashAttention.cpp: rows and
// keys of a tile that see nothing under causal/window structure are
// skipped, the rest computed as a rectangle):
//
//   cost = tiles * tileNs + elements * elementNs(D, Dv)
//
// where `tiles` counts visited (query tile, key tile) pairs, each paying the
// fixed cost of two single-threaded GEMM calls and the softmax
// bookkeeping, and `elements` counts the score elements computed
// (2 * (D + Dv) flops each). A candidate must keep its f32 working set
// (Q tile, K and V tiles, scores, O and a spare O) within half the L2 and
// give at least two tasks per core (query tiles x batch x heads, when the
// problem has that many rows). Near-ties (within 2%) go to the smaller
// tile, which computes less of the diagonal under causal/window structure
// (the model underestimates that: docs/passes.md). The grid is a
// compile-time constant: the run-time thread count never changes it, so
// results stay bitwise identical for any thread count. docs/passes.md
// shows the measurements the constants come from.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "attn/AttnOps.h"
#include "heed/AttentionSparsity.h"

#include "mlir/IR/Builders.h"

#include <thread>
#include <unistd.h>

namespace heed {
#define GEN_PASS_DEF_ATTNTILE
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;

namespace {

struct AttnTilePass : heed::impl::AttnTileBase<AttnTilePass> {
  using AttnTileBase::AttnTileBase;

  void runOnOperation() override {
    int64_t l2 = l2Bytes;
    if (l2 <= 0) {
      long host = sysconf(_SC_LEVEL2_CACHE_SIZE);
      l2 = host > 0 ? host : 1 << 20;
    }
    int64_t nCores = cores > 0
                         ? (int64_t)cores
                         : std::max(1u, std::thread::hardware_concurrency());
    getOperation()->walk(
        [&](attn::AttentionOpInterface op) { tile(op, l2, nCores); });
  }

  void tile(attn::AttentionOpInterface op, int64_t l2, int64_t nCores) {
    AttentionSparsity sparsity = op.getSparsity();
    if (op.getTileAttr() || sparsity.structure == AttentionStructure::Blocks)
      return;
    auto q = cast<ShapedType>(op.getQuery().getType());
    auto v = cast<ShapedType>(op.getValue().getType());
    // Native bf16 GEMMs have their own measured default (FlashAttention.cpp);
    // the constants below are f32 measurements.
    if (!q.getElementType().isF32())
      return;
    int64_t heads = q.getDimSize(0) * q.getDimSize(1), lq = q.getDimSize(2),
            d = q.getDimSize(3), lk = v.getDimSize(2), dv = v.getDimSize(3);
    if (lq == 0 || lk == 0)
      return;
    AttentionBand band = sparsity.band(lq, lk);

    OpBuilder b(op);
    if (qBlock > 0 && kBlock > 0) { // forced by the pass options
      op.setTileAttr(b.getDenseI64ArrayAttr({qBlock, kBlock}));
      return;
    }
    double elementNs = elementNsPerFlop * 2.0 * (double)(d + dv);
    double best = std::numeric_limits<double>::infinity();
    int64_t bestQ = 0, bestK = 0;
    for (int64_t qb : {16, 32, 64, 128, 256}) {
      for (int64_t kb : {64, 128, 256, 512, 1024}) {
        int64_t qt = std::min(qb, lq), kt = std::min(kb, lk);
        int64_t ws = 4 * (qt * d + kt * (d + dv) + qt * kt + 2 * qt * dv);
        if (ws > l2 / 2)
          continue;
        int64_t qTiles = (lq + qt - 1) / qt;
        // Enough tasks for the target's cores, when the problem has them.
        int64_t maxTasks = heads * ((lq + 15) / 16);
        if (heads * qTiles < std::min(2 * nCores, maxTasks))
          continue;
        AttentionBand::VisitedTiles visited = band.visitedTiles(qt, kt);
        double cost = visited.tiles * tileNs + visited.scores * elementNs;
        // A larger tile must be clearly cheaper.
        if (cost < best * 0.98) {
          best = cost;
          bestQ = qt;
          bestK = kt;
        }
      }
    }
    if (bestQ)
      op.setTileAttr(b.getDenseI64ArrayAttr({bestQ, bestK}));
  }
};

} // namespace
