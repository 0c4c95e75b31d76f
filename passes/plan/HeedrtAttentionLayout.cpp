//===- HeedrtAttentionLayout.cpp - Attention reads projections in place ---===//
//
// Works on a heedrt plan before its memory is planned. A Transformer layer
// lowers to
//
//   linear -> view [B, L, H*D] to [B, L, H, D] -> transpose (0, 2, 1, 3)
//          -> attention (q, k, v [B, H, L, D]) -> out [B, H, L, D]
//          -> transpose (0, 2, 1, 3) -> view [B, L, H*D] -> linear
//
// where the transposes only copy. The attention kernel takes its q, k, v,
// out and gate in either layout (attribute `layout`, runtime/kernels/cpu/
// FlashAttention.cpp: 0 [B, H, L, D], 1 [B, L, H, D]), so for an attention
// kernel with layout 0 whose q, k and v (and gate, when it has one) are
// each written by a `transpose` with perm (0, 2, 1, 3) that nothing else
// reads, and whose output is read only by such a transpose, this pass makes
// the kernel read the transposes' inputs and write the output transpose's
// output, with layout = 1, and erases the four (or five) transposes and
// their buffers. All or nothing per kernel: one layout attribute covers
// every operand.
//
// The transposes' inputs must keep their bytes until the attention runs
// (no kernel in between writes them), and the output transpose's
// destination must be neither read nor written between the attention and
// the transpose: before memory planning that holds for the plain buffers
// heed-to-heedrt makes, and the pass checks it rather than assume it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "heedrt/KernelNames.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace heed {
#define GEN_PASS_DEF_HEEDRTATTENTIONLAYOUT
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

namespace {

int64_t param(KernelOp k, StringRef name, int64_t otherwise) {
  if (std::optional<DictionaryAttr> params = k.getParams())
    if (auto v = params->getAs<IntegerAttr>(name))
      return v.getInt();
  return otherwise;
}

/// Whether \p k is a `transpose` of a rank-4 value with perm (0, 2, 1, 3)
/// (which swaps the heads and the rows of [B, L, H, D] / [B, H, L, D]).
bool isHeadSwap(KernelOp k) {
  if (!k || k.getKernel() != HEED_KERNEL("transpose") ||
      k.getIns().size() != 1 || k.getOuts().size() != 1)
    return false;
  std::optional<DictionaryAttr> params = k.getParams();
  if (!params)
    return false;
  auto perm =
      params->getAs<DenseI64ArrayAttr>(HEED_KERNEL_ATTR("transpose", "perm"));
  return perm && perm.asArrayRef() == ArrayRef<int64_t>{0, 2, 1, 3} &&
         cast<MemRefType>(k.getIns()[0].getType()).getRank() == 4;
}

/// Whether a kernel strictly between \p from and \p to (same block, from
/// first) reads (with \p reads) or writes the arena buffer under \p value.
bool touchedBetween(Value value, Operation *from, Operation *to, bool reads) {
  BufferOp root = getArenaBuffer(value);
  if (!root)
    return false; // a weight or a constant: never written
  for (Operation *op = from->getNextNode(); op && op != to;
       op = op->getNextNode()) {
    auto k = dyn_cast<KernelOp>(op);
    if (!k)
      continue;
    for (Value out : k.getOuts())
      if (getArenaBuffer(out) == root)
        return true;
    if (reads)
      for (Value in : k.getIns())
        if (getArenaBuffer(in) == root)
          return true;
  }
  return false;
}

/// The transpose (0, 2, 1, 3) that writes input \p operand of \p attn, when
/// its output is a plain buffer that only it writes and only \p attn reads
/// (at any of q, k, v, gate: the same transpose may feed two of them), and
/// its input keeps its bytes until \p attn runs.
KernelOp headSwapFeeding(KernelOp attn, Value operand) {
  if (!operand.getDefiningOp<BufferOp>())
    return nullptr;
  KernelOp writer;
  for (OpOperand &use : operand.getUses()) {
    auto k = dyn_cast<KernelOp>(use.getOwner());
    if (k == attn) {
      // Read as an input, not written.
      if (use.getOperandNumber() >= k.getIns().size())
        return nullptr;
      continue;
    }
    if (!k || writer || !llvm::is_contained(k.getOuts(), operand))
      return nullptr; // a view, a port, a second writer or another reader
    writer = k;
  }
  if (!isHeadSwap(writer) || writer.getOuts()[0] != operand ||
      writer->getBlock() != attn->getBlock() || !writer->isBeforeInBlock(attn))
    return nullptr;
  Value source = writer.getIns()[0];
  if (touchedBetween(source, writer, attn, /*reads=*/false))
    return nullptr;
  return writer;
}

/// The transpose (0, 2, 1, 3) that is the only reader of \p attn's output
/// \p out (a plain buffer only \p attn writes), when its destination is
/// neither read nor written between the two and can be defined before
/// \p attn.
KernelOp headSwapReading(KernelOp attn, Value out) {
  if (!out.getDefiningOp<BufferOp>())
    return nullptr;
  KernelOp reader;
  for (OpOperand &use : out.getUses()) {
    auto k = dyn_cast<KernelOp>(use.getOwner());
    if (k == attn) {
      if (use.getOperandNumber() < k.getIns().size())
        return nullptr; // attn also reads its output
      continue;
    }
    if (!k || reader)
      return nullptr;
    reader = k;
  }
  if (!isHeadSwap(reader) || reader.getIns()[0] != out ||
      llvm::is_contained(reader.getOuts(), out) ||
      reader->getBlock() != attn->getBlock() || !attn->isBeforeInBlock(reader))
    return nullptr;
  Value dest = reader.getOuts()[0];
  if (touchedBetween(dest, attn, reader, /*reads=*/true))
    return nullptr;
  // dest's definition (a buffer, or a view of a buffer defined before attn)
  // must be movable before attn.
  Operation *def = dest.getDefiningOp();
  if (!def || def->getBlock() != attn->getBlock())
    return nullptr;
  if (auto view = dyn_cast<ViewOp>(def)) {
    Operation *src = view.getSource().getDefiningOp();
    if (attn->isBeforeInBlock(def) &&
        (!src || src->getBlock() != attn->getBlock() ||
         !src->isBeforeInBlock(attn)))
      return nullptr;
  } else if (!isa<BufferOp>(def)) {
    return nullptr;
  }
  return reader;
}

/// attention (layout 0) between head-swapping transposes: reads and writes
/// [B, L, H, D] in place (layout 1).
struct AttentionInPlace : public OpRewritePattern<KernelOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KernelOp attn,
                                PatternRewriter &rewriter) const override;
};

LogicalResult
AttentionInPlace::matchAndRewrite(KernelOp attn,
                                  PatternRewriter &rewriter) const {
  if (attn.getKernel() != HEED_KERNEL("attention"))
    return failure();
  if (param(attn, HEED_KERNEL_ATTR("attention", "layout"), 0) != 0)
    return rewriter.notifyMatchFailure(attn, "already in layout 1");
  size_t nIn = attn.getIns().size();
  if (nIn < 3 || attn.getOuts().empty())
    return failure();
  // Which inputs are laid out per head: q, k, v, and the gate (the last
  // input when has_gate, which defaults to an input left after the mask).
  bool hasMask =
      param(attn, HEED_KERNEL_ATTR("attention", "has_mask"), nIn >= 4 ? 1 : 0);
  bool hasGate = param(attn, HEED_KERNEL_ATTR("attention", "has_gate"),
                       nIn > 3u + hasMask ? 1 : 0);
  SmallVector<unsigned> perHead = {0, 1, 2};
  if (hasGate) {
    if (nIn != 4u + hasMask)
      return failure(); // the verifier's business
    perHead.push_back(3 + hasMask);
  }
  SmallVector<KernelOp> feeders;
  for (unsigned i : perHead) {
    KernelOp t = headSwapFeeding(attn, attn.getIns()[i]);
    if (!t)
      return rewriter.notifyMatchFailure(
          attn, "an input is not a head swap read only here");
    feeders.push_back(t);
  }
  Value out = attn.getOuts()[0];
  KernelOp drain = headSwapReading(attn, out);
  if (!drain)
    return rewriter.notifyMatchFailure(
        attn, "the output is not read only by a head swap");

  // Inputs: each transpose's source.
  SmallVector<Value> ins(attn.getIns());
  for (auto [i, t] : llvm::zip(perHead, feeders))
    ins[i] = t.getIns()[0];
  // Output: the drain's destination, defined before attn.
  Value dest = drain.getOuts()[0];
  Operation *def = dest.getDefiningOp();
  if (attn->isBeforeInBlock(def)) // a view's source is defined before attn
    rewriter.moveOpBefore(def, attn);
  SmallVector<Value> outs(attn.getOuts());
  outs[0] = dest;
  NamedAttrList params(attn.getParams().value_or(DictionaryAttr()));
  params.set(HEED_KERNEL_ATTR("attention", "layout"),
             rewriter.getI64IntegerAttr(1));
  rewriter.modifyOpInPlace(attn, [&] {
    attn.getInsMutable().assign(ins);
    attn.getOutsMutable().assign(outs);
    attn.setParamsAttr(params.getDictionary(attn.getContext()));
  });

  // The transposes and the buffers between them and attn.
  rewriter.eraseOp(drain);
  if (out.use_empty())
    rewriter.eraseOp(out.getDefiningOp());
  SmallVector<Operation *> erased;
  for (KernelOp t : feeders) {
    if (llvm::is_contained(erased, t.getOperation()))
      continue; // one transpose fed two operands
    erased.push_back(t);
    Value buffer = t.getOuts()[0];
    rewriter.eraseOp(t);
    if (buffer.use_empty())
      rewriter.eraseOp(buffer.getDefiningOp());
  }
  return success();
}

struct HeedrtAttentionLayoutPass
    : heed::impl::HeedrtAttentionLayoutBase<HeedrtAttentionLayoutPass> {
  void runOnOperation() override {
    PlanOp plan = getOperation();
    if (plan.getArenaBytes()) {
      plan.emitError("heedrt-attention-layout runs before heedrt-plan-memory "
                     "(buffers must not share bytes yet)");
      return signalPassFailure();
    }
    SmallVector<Operation *> kernels;
    for (KernelOp k : plan.getBody().front().getOps<KernelOp>())
      if (k.getKernel() == HEED_KERNEL("attention"))
        kernels.push_back(k);
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionInPlace>(&getContext());
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingOps;
    (void)applyOpPatternsAndFold(kernels, std::move(patterns), config);
  }
};

} // namespace
