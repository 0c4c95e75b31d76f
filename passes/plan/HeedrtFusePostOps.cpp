//===- HeedrtFusePostOps.cpp - Epilogues into matmul post-ops and norms ---===//
//
// Works on a heedrt plan before its memory is planned, where "post-op" has
// its meaning: an attribute of the runtime's matmul/linear kernel, which
// oneDNN applies while the product tile is still in registers
// (runtime/kernels/cpu/Matmul.cpp: y = act(scale * a b + bias) + residual).
//
//   matmul|linear -> relu|gelu|tanh|sigmoid|silu    activation = code
//   matmul|linear -> add(y, r) | add(r, y)           has_residual, r appended
//   add(x, r) -> layer_norm|rms_norm                 has_residual (emit_sum
//                                                    when the sum is used too)
//
// A value is folded only when the producer's output buffer is read by that
// one consumer and is not a model output; an activation only before a
// residual, as the kernel applies them in that order. Two rewrite patterns
// on heedrt.kernel, under the greedy driver: the matmul epilogues first (a
// residual add goes into the matmul that feeds it rather than into a norm),
// then the norms.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "heedrt/KernelNames.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace heed {
#define GEN_PASS_DEF_HEEDRTFUSEPOSTOPS
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

namespace {

/// The matmul activation that kernel \p kernel computes (the Activation
/// enum's cases are named after the elementwise kernels), or none.
int64_t activationCode(StringRef kernel) {
  std::optional<Activation> activation =
      symbolizeActivation(std::string_view(kernel.data(), kernel.size()));
  return (int64_t)activation.value_or(Activation::None);
}

int64_t param(KernelOp k, StringRef name, int64_t otherwise) {
  if (std::optional<DictionaryAttr> params = k.getParams())
    if (auto v = params->getAs<IntegerAttr>(name))
      return v.getInt();
  return otherwise;
}

void setParam(RewriterBase &rewriter, KernelOp k, StringRef name,
              int64_t value) {
  NamedAttrList params(k.getParams().value_or(DictionaryAttr()));
  params.set(name, rewriter.getI64IntegerAttr(value));
  rewriter.modifyOpInPlace(
      k, [&] { k.setParamsAttr(params.getDictionary(k.getContext())); });
}

/// The one kernel reading \p buffer besides its writer \p producer, when
/// the buffer is an unviewed arena buffer used by nothing else.
KernelOp soleConsumer(Value buffer, KernelOp producer) {
  auto def = buffer.getDefiningOp<BufferOp>();
  if (!def)
    return nullptr;
  KernelOp consumer;
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (user == producer.getOperation())
      continue;
    auto k = dyn_cast<KernelOp>(user);
    if (!k || consumer)
      return nullptr; // a view, a port, or a second reader
    consumer = k;
  }
  return consumer;
}

/// Makes \p consumer's output the output of \p producer and erases the
/// consumer and the intermediate buffer.
void absorb(RewriterBase &rewriter, KernelOp producer, KernelOp consumer,
            Value intermediate) {
  Value out = consumer.getOuts()[0];
  rewriter.modifyOpInPlace(producer,
                           [&] { producer.getOutsMutable().assign(out); });
  // The consumer's output buffer may be defined after the producer.
  if (Operation *def = out.getDefiningOp();
      def && producer->isBeforeInBlock(def))
    rewriter.moveOpBefore(def, producer);
  rewriter.eraseOp(consumer);
  if (intermediate.use_empty())
    rewriter.eraseOp(intermediate.getDefiningOp());
}

/// Whether a kernel after \p k writes the bytes of \p value (so \p k could
/// not read it yet).
bool writtenAfter(Value value, KernelOp k) {
  BufferOp root = getArenaBuffer(value);
  if (!root)
    return false; // a weight or a constant
  for (Operation *op = k->getNextNode(); op; op = op->getNextNode())
    if (auto writer = dyn_cast<KernelOp>(op))
      for (Value out : writer.getOuts())
        if (getArenaBuffer(out) == root)
          return true;
  return false;
}

/// matmul/linear followed by an activation or a residual add; applied again
/// while the kernel absorbs (an activation, then a residual).
struct FuseIntoMatmul : public OpRewritePattern<KernelOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KernelOp k,
                                PatternRewriter &rewriter) const override;
};

LogicalResult FuseIntoMatmul::matchAndRewrite(KernelOp k,
                                              PatternRewriter &rewriter) const {
  if (k.getKernel() != HEED_KERNEL("matmul") &&
      k.getKernel() != HEED_KERNEL("linear"))
    return failure();
  Value y = k.getOuts()[0];
  KernelOp next = soleConsumer(y, k);
  if (!next || next.getOuts().size() != 1)
    return failure();
  // matmul and linear share these attributes (EpilogueAttrs).
  bool hasResidual = param(k, HEED_KERNEL_ATTR("matmul", "has_residual"), 0);
  if (int64_t code = activationCode(next.getKernel())) {
    if (hasResidual || param(k, HEED_KERNEL_ATTR("matmul", "activation"), 0) ||
        next.getOuts()[0].getType() != y.getType())
      return failure();
    setParam(rewriter, k, HEED_KERNEL_ATTR("matmul", "activation"), code);
    absorb(rewriter, k, next, y);
    return success();
  }
  if (next.getKernel() == HEED_KERNEL("add") && !hasResidual &&
      next.getOuts()[0].getType() == y.getType()) {
    Value residual =
        next.getIns()[0] == y ? next.getIns()[1] : next.getIns()[0];
    if (residual == y || writtenAfter(residual, k))
      return failure();
    // matmul's has_bias defaults from the input count: pin it.
    setParam(rewriter, k, HEED_KERNEL_ATTR("matmul", "has_bias"),
             param(k, HEED_KERNEL_ATTR("matmul", "has_bias"), 0));
    setParam(rewriter, k, HEED_KERNEL_ATTR("matmul", "has_residual"), 1);
    rewriter.modifyOpInPlace(k, [&] { k.getInsMutable().append(residual); });
    absorb(rewriter, k, next, y);
    return success();
  }
  return failure();
}

/// add(x, r) followed by layer_norm/rms_norm on the sum.
struct FuseIntoNorm : public OpRewritePattern<KernelOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KernelOp add,
                                PatternRewriter &rewriter) const override;
};

LogicalResult FuseIntoNorm::matchAndRewrite(KernelOp add,
                                            PatternRewriter &rewriter) const {
  if (add.getKernel() != HEED_KERNEL("add") || add.getIns().size() != 2)
    return failure();
  Value sum = add.getOuts()[0];
  Value x = add.getIns()[0], r = add.getIns()[1];
  if (x.getType() != sum.getType() || r.getType() != sum.getType())
    return failure();
  auto sumDef = sum.getDefiningOp<BufferOp>();
  if (!sumDef)
    return failure();
  KernelOp norm;
  bool usedElsewhere = false;
  for (Operation *user : sum.getUsers()) {
    if (user == add.getOperation())
      continue;
    auto k = dyn_cast<KernelOp>(user);
    if (k && !norm &&
        (k.getKernel() == HEED_KERNEL("layer_norm") ||
         k.getKernel() == HEED_KERNEL("rms_norm")) &&
        k.getIns()[0] == sum &&
        param(k, HEED_KERNEL_ATTR("layer_norm", "has_residual"), 0) == 0)
      norm = k;
    else
      usedElsewhere = true;
  }
  if (!norm || llvm::count(norm.getIns(), sum) != 1)
    return failure();
  // norm(x, w, b) with residual r: s = x + r, in the norm's order.
  SmallVector<Value> ins(norm.getIns());
  ins[0] = x;
  ins.push_back(r);
  rewriter.modifyOpInPlace(norm, [&] { norm.getInsMutable().assign(ins); });
  // layer_norm and rms_norm share these attributes (NormAttrs).
  setParam(rewriter, norm, HEED_KERNEL_ATTR("layer_norm", "has_residual"), 1);
  if (usedElsewhere) {
    setParam(rewriter, norm, HEED_KERNEL_ATTR("layer_norm", "emit_sum"), 1);
    rewriter.modifyOpInPlace(norm, [&] { norm.getOutsMutable().append(sum); });
    if (norm->isBeforeInBlock(sumDef))
      rewriter.moveOpBefore(sumDef, norm);
  }
  // x and r must not be overwritten between the add and the norm: the plan
  // is not planned yet, so every value has its own buffer.
  rewriter.eraseOp(add);
  if (sum.use_empty())
    rewriter.eraseOp(sumDef);
  return success();
}

struct HeedrtFusePostOpsPass
    : heed::impl::HeedrtFusePostOpsBase<HeedrtFusePostOpsPass> {
  void runOnOperation() override {
    PlanOp plan = getOperation();
    if (plan.getArenaBytes()) {
      plan.emitError("heedrt-fuse-post-ops runs before heedrt-plan-memory "
                     "(buffers must not share bytes yet)");
      return signalPassFailure();
    }
    // The matmul epilogues, then the norms.
    applyInProgramOrder<FuseIntoMatmul>(plan);
    applyInProgramOrder<FuseIntoNorm>(plan);
  }

  /// Applies \p Pattern to the plan's kernels in program order (the driver
  /// takes the last op of its list first).
  template <typename Pattern> void applyInProgramOrder(PlanOp plan) {
    SmallVector<Operation *> kernels;
    for (KernelOp k : plan.getBody().front().getOps<KernelOp>())
      kernels.push_back(k);
    std::reverse(kernels.begin(), kernels.end());
    RewritePatternSet patterns(&getContext());
    patterns.add<Pattern>(&getContext());
    GreedyRewriteConfig config;
    config.strictMode = GreedyRewriteStrictness::ExistingOps;
    (void)applyOpPatternsAndFold(kernels, std::move(patterns), config);
  }
};

} // namespace
