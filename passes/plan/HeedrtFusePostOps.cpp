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
// residual, as the kernel applies them in that order.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "heedrt/KernelNames.h"

#include "mlir/IR/Builders.h"

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

void setParam(KernelOp k, StringRef name, int64_t value) {
  NamedAttrList params(k.getParams().value_or(DictionaryAttr()));
  params.set(name,
             IntegerAttr::get(IntegerType::get(k.getContext(), 64), value));
  k.setParamsAttr(params.getDictionary(k.getContext()));
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
void absorb(KernelOp producer, KernelOp consumer, Value intermediate) {
  Value out = consumer.getOuts()[0];
  producer.getOutsMutable().assign(out);
  // The consumer's output buffer may be defined after the producer.
  if (Operation *def = out.getDefiningOp();
      def && producer->isBeforeInBlock(def))
    def->moveBefore(producer);
  consumer.erase();
  if (intermediate.use_empty())
    intermediate.getDefiningOp()->erase();
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

/// matmul/linear followed by an activation or a residual add.
bool fuseIntoMatmul(KernelOp k) {
  if (k.getKernel() != HEED_KERNEL("matmul") &&
      k.getKernel() != HEED_KERNEL("linear"))
    return false;
  Value y = k.getOuts()[0];
  KernelOp next = soleConsumer(y, k);
  if (!next || next.getOuts().size() != 1)
    return false;
  // matmul and linear share these attributes (EpilogueAttrs).
  bool hasResidual = param(k, HEED_KERNEL_ATTR("matmul", "has_residual"), 0);
  if (int64_t code = activationCode(next.getKernel())) {
    if (hasResidual || param(k, HEED_KERNEL_ATTR("matmul", "activation"), 0) ||
        next.getOuts()[0].getType() != y.getType())
      return false;
    setParam(k, HEED_KERNEL_ATTR("matmul", "activation"), code);
    absorb(k, next, y);
    return true;
  }
  if (next.getKernel() == HEED_KERNEL("add") && !hasResidual &&
      next.getOuts()[0].getType() == y.getType()) {
    Value residual =
        next.getIns()[0] == y ? next.getIns()[1] : next.getIns()[0];
    if (residual == y || writtenAfter(residual, k))
      return false;
    // matmul's has_bias defaults from the input count: pin it.
    setParam(k, HEED_KERNEL_ATTR("matmul", "has_bias"),
             param(k, HEED_KERNEL_ATTR("matmul", "has_bias"), 0));
    setParam(k, HEED_KERNEL_ATTR("matmul", "has_residual"), 1);
    k.getInsMutable().append(residual);
    absorb(k, next, y);
    return true;
  }
  return false;
}

/// add(x, r) followed by layer_norm/rms_norm on the sum.
bool fuseIntoNorm(KernelOp add) {
  if (add.getKernel() != HEED_KERNEL("add") || add.getIns().size() != 2)
    return false;
  Value sum = add.getOuts()[0];
  Value x = add.getIns()[0], r = add.getIns()[1];
  if (x.getType() != sum.getType() || r.getType() != sum.getType())
    return false;
  auto sumDef = sum.getDefiningOp<BufferOp>();
  if (!sumDef)
    return false;
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
    return false;
  // norm(x, w, b) with residual r: s = x + r, in the norm's order.
  SmallVector<Value> ins(norm.getIns());
  ins[0] = x;
  ins.push_back(r);
  norm.getInsMutable().assign(ins);
  // layer_norm and rms_norm share these attributes (NormAttrs).
  setParam(norm, HEED_KERNEL_ATTR("layer_norm", "has_residual"), 1);
  if (usedElsewhere) {
    setParam(norm, HEED_KERNEL_ATTR("layer_norm", "emit_sum"), 1);
    norm.getOutsMutable().append(sum);
    if (norm->isBeforeInBlock(sumDef))
      sumDef->moveBefore(norm);
  }
  // x and r must not be overwritten between the add and the norm: the plan
  // is not planned yet, so every value has its own buffer.
  add.erase();
  if (sum.use_empty())
    sumDef.erase();
  return true;
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
    SmallVector<KernelOp> kernels(plan.getBody().front().getOps<KernelOp>());
    DenseSet<Operation *> erased;
    // Repeat on a kernel while it absorbs (activation, then residual).
    for (KernelOp k : kernels) {
      if (erased.contains(k))
        continue;
      while (true) {
        KernelOp next = soleConsumer(k.getOuts()[0], k);
        if (!fuseIntoMatmul(k))
          break;
        erased.insert(next);
      }
    }
    SmallVector<KernelOp> adds;
    for (KernelOp k : plan.getBody().front().getOps<KernelOp>())
      if (k.getKernel() == HEED_KERNEL("add"))
        adds.push_back(k);
    for (KernelOp add : adds)
      fuseIntoNorm(add);
  }
};

} // namespace
