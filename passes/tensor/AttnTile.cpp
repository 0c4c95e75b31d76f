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
    AttentionTileTarget target = AttentionTileTarget::host();
    if (l2Bytes > 0)
      target.l2Bytes = l2Bytes;
    if (cores > 0)
      target.cores = cores;
    target.tileNs = tileNs;
    target.elementNsPerFlop = elementNsPerFlop;
    getOperation()->walk(
        [&](attn::AttentionOpInterface op) { tile(op, target); });
  }

  void tile(attn::AttentionOpInterface op, const AttentionTileTarget &target) {
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
    OpBuilder b(op);
    if (qBlock > 0 && kBlock > 0) { // forced by the pass options
      if (lq && lk)
        op.setTileAttr(b.getDenseI64ArrayAttr({qBlock, kBlock}));
      return;
    }
    auto [bestQ, bestK] =
        chooseAttentionTile(sparsity.band(lq, lk), heads, d, dv, target);
    if (bestQ)
      op.setTileAttr(b.getDenseI64ArrayAttr({bestQ, bestK}));
  }
};

} // namespace
