//===- HeedrtBf16.cpp - GEMMs and attention in bf16 -----------------------===//
//
// heedc --precision=bf16. Works on a heedrt plan before its memory is
// planned (buffer sizes change), in three steps:
//
//   1. weights: a weight read only as a GEMM weight (input 1 of `linear`,
//      input 1 of `matmul`) becomes bf16. The runtime rounds it from the f32
//      file when it binds it (heed_plan_add_weight), heedc when it embeds it.
//   2. attention: f32 q, k and v get a `cast` to bf16 in front of the
//      kernel, which then runs its bf16 micro-kernels; its output stays f32.
//   3. FoldCastIntoGemm: a cast to bf16 whose input is written, through
//      `transpose`/`copy` kernels and views that nothing else reads, by a
//      GEMM with bf16 weights, disappears: the GEMM writes bf16 (rounding
//      its f32 accumulator once, exactly what the cast did) and the data
//      movement in between moves bf16. This is what removes the casts of
//      step 2 in a Transformer, where q, k and v are head splits of
//      projections.
//
// Everything else (softmax, norms, residual sums, activations between
// kernels, inputs and outputs) stays f32.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace heed {
#define GEN_PASS_DEF_HEEDRTBF16
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

namespace {

bool isGemm(KernelOp k) {
  return k.getKernel() == "linear" || k.getKernel() == "matmul";
}

MemRefType withElement(Value v, Type element) {
  auto type = cast<MemRefType>(v.getType());
  return MemRefType::get(type.getShape(), element);
}

bool hasElement(Value v, Type element) {
  return cast<MemRefType>(v.getType()).getElementType() == element;
}

/// Whether every use of \p weight is as the weight (input 1) of a GEMM.
bool onlyGemmWeight(WeightOp weight) {
  Value v = weight.getResult();
  if (v.use_empty())
    return false;
  for (OpOperand &use : v.getUses()) {
    auto k = dyn_cast<KernelOp>(use.getOwner());
    if (!k || !isGemm(k) || use.getOperandNumber() != 1 ||
        k.getIns().size() < 2 || k.getIns()[1] != v)
      return false;
  }
  return true;
}

/// The kernel that writes \p v (has it among its outs), when \p v has
/// exactly two uses: that writer and one reader (so no port, view or other
/// reader sees it).
KernelOp soleWriter(Value v) {
  if (!v.getDefiningOp<BufferOp>())
    return nullptr;
  KernelOp writer;
  int uses = 0;
  for (OpOperand &use : v.getUses()) {
    ++uses;
    auto k = dyn_cast<KernelOp>(use.getOwner());
    if (k && llvm::is_contained(k.getOuts(), v))
      writer = writer ? KernelOp() : k;
  }
  return uses == 2 ? writer : nullptr;
}

/// cast(f32 -> bf16) of a value that a GEMM with bf16 weights writes, via
/// single-use views, transposes and copies: the GEMM writes bf16 instead.
struct FoldCastIntoGemm : OpRewritePattern<KernelOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(KernelOp cast,
                                PatternRewriter &rewriter) const override {
    if (cast.getKernel() != "cast" || cast.getIns().size() != 1 ||
        cast.getOuts().size() != 1)
      return failure();
    Type f32 = rewriter.getF32Type(), bf16 = rewriter.getBF16Type();
    Value in = cast.getIns()[0], out = cast.getOuts()[0];
    if (!hasElement(in, f32) || !hasElement(out, bf16) ||
        !out.getDefiningOp<BufferOp>())
      return rewriter.notifyMatchFailure(cast, "not a cast from f32 to bf16");

    // The values from the cast's input back to the GEMM's output.
    SmallVector<Value> chain;
    Value v = in;
    while (true) {
      chain.push_back(v);
      // A view must be read only by the next step; its source is checked
      // as the next value.
      if (auto view = v.getDefiningOp<ViewOp>()) {
        if (!v.hasOneUse())
          return rewriter.notifyMatchFailure(cast, "a view read elsewhere");
        v = view.getSource();
        continue;
      }
      KernelOp writer = soleWriter(v);
      if (!writer || writer.getOuts().size() != 1)
        return rewriter.notifyMatchFailure(cast, "a value read elsewhere");
      if (isGemm(writer)) {
        if (writer.getIns().size() < 2 || !hasElement(writer.getIns()[1], bf16))
          return rewriter.notifyMatchFailure(cast, "GEMM without bf16 weight");
        break;
      }
      if ((writer.getKernel() != "transpose" && writer.getKernel() != "copy") ||
          writer.getIns().size() != 1)
        return rewriter.notifyMatchFailure(cast, "not data movement");
      v = writer.getIns()[0];
    }

    for (Value c : chain)
      rewriter.modifyOpInPlace(c.getDefiningOp(),
                               [&] { c.setType(withElement(c, bf16)); });
    Operation *outBuffer = out.getDefiningOp();
    rewriter.replaceAllUsesExcept(out, in, cast);
    rewriter.eraseOp(cast);
    if (outBuffer->use_empty())
      rewriter.eraseOp(outBuffer);
    return success();
  }
};

struct HeedrtBf16 : heed::impl::HeedrtBf16Base<HeedrtBf16> {
  void runOnOperation() override {
    PlanOp plan = getOperation();
    OpBuilder builder(plan.getContext());
    Type f32 = builder.getF32Type(), bf16 = builder.getBF16Type();

    // 1. GEMM weights.
    plan.walk([&](WeightOp weight) {
      if (hasElement(weight.getResult(), f32) && onlyGemmWeight(weight))
        weight.getResult().setType(withElement(weight.getResult(), bf16));
    });

    // 2. attention's q, k and v.
    plan.walk([&](KernelOp k) {
      if (k.getKernel() != "attention" || k.getIns().size() < 3)
        return;
      Value q = k.getIns()[0], key = k.getIns()[1], v = k.getIns()[2];
      if (!hasElement(q, f32) || !hasElement(key, f32) || !hasElement(v, f32))
        return;
      builder.setInsertionPoint(k);
      DenseMap<Value, Value> casts;
      for (unsigned i = 0; i < 3; ++i) {
        Value x = k.getIns()[i];
        Value &y = casts[x];
        if (!y) {
          y = builder.create<BufferOp>(k.getLoc(), withElement(x, bf16),
                                       IntegerAttr(), DenseI64ArrayAttr());
          builder.create<KernelOp>(k.getLoc(), builder.getStringAttr("cast"),
                                   ValueRange{x}, ValueRange{y},
                                   DictionaryAttr(), DictionaryAttr(),
                                   StringAttr(), UnitAttr());
        }
        k.getInsMutable()[i].set(y);
      }
    });

    // 3. Casts into the GEMMs that produce their inputs.
    RewritePatternSet patterns(plan.getContext());
    patterns.add<FoldCastIntoGemm>(plan.getContext());
    if (failed(applyPatternsAndFoldGreedily(plan, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
