//===- HeedToHeedrt.cpp - Lower a tensor graph to a heedrt plan -----------===//
//
// Walks the entry graph in order and gives every tensor a buffer: an arena
// heedrt.buffer for computed values and inputs, heedrt.weight for
// parameters, heedrt.constant for literals, heedrt.view for reshapes. Each
// other op becomes one heedrt.kernel. Most heed ops share their kernel's
// name and attributes (docs/runtime.md); the attention ops, linear and conv
// map theirs explicitly. Operands of a dtype a kernel cannot compute in
// (f16 and bf16; i1 for arithmetic) are cast to f32 around it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "attn/AttnOps.h"
#include "heed/HeedDialect.h"
#include "heed/HeedOps.h"
#include "heedrt/KernelNames.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

namespace heed {
#define GEN_PASS_DEF_HEEDTOHEEDRT
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;
using namespace heed::heedrt;

namespace {

/// Splat constants with more elements than this are filled by a kernel
/// instead of being embedded.
constexpr int64_t kMaxEmbeddedSplat = 64;

MemRefType bufferType(Type tensorType) {
  auto t = cast<ShapedType>(tensorType);
  return MemRefType::get(t.getShape(), t.getElementType());
}

bool isNarrowFloat(Type element) { return element.isF16() || element.isBF16(); }

/// Builds the plan of one graph.
class PlanBuilder {
public:
  PlanBuilder(PlanOp plan) : builder(plan.getBody()), ctx(plan.getContext()) {
    builder.setInsertionPointToEnd(&plan.getBody().front());
  }

  LogicalResult lowerGraph(func::FuncOp graph);

private:
  OpBuilder builder;
  MLIRContext *ctx;
  /// The buffer of each tensor value.
  DenseMap<Value, Value> buffers;
  /// Arena buffers that are model inputs.
  DenseSet<Operation *> inputRoots;

  Value buffer(Location loc, Type type) {
    return builder.create<BufferOp>(loc, type, IntegerAttr());
  }
  Value viewAs(Location loc, Value source, ArrayRef<int64_t> shape) {
    auto type = cast<MemRefType>(source.getType());
    if (type.getShape() == shape)
      return source;
    return builder.create<ViewOp>(
        loc, MemRefType::get(shape, type.getElementType()), source);
  }
  void kernel(Location loc, StringRef name, ValueRange ins, ValueRange outs,
              DictionaryAttr params = {}) {
    builder.create<KernelOp>(loc, builder.getStringAttr(name), ins, outs,
                             params && !params.empty() ? params
                                                       : DictionaryAttr());
  }
  Value castTo(Location loc, Value source, Type element) {
    auto type = cast<MemRefType>(source.getType());
    Value out = buffer(loc, MemRefType::get(type.getShape(), element));
    kernel(loc, "cast", source, out);
    return out;
  }

  LogicalResult lowerOp(Operation *op);
  SmallVector<Value> emitKernel(Operation *op, StringRef name,
                                SmallVector<Value> ins, TypeRange results,
                                NamedAttrList params);
  FailureOr<NamedAttrList> kernelParams(Operation *op);
  void lowerConstant(heed::ConstantOp op);
  SmallVector<Value> lowerAttention(Operation *op, Value q, Value k, Value v,
                                    Value mask, Value gate, double scale,
                                    Attribute structure, Attribute topk,
                                    bool returnProbs, DenseI64ArrayAttr tile);
};

//===----------------------------------------------------------------------===//
// Kernels and their dtypes
//===----------------------------------------------------------------------===//

/// Emits kernel \p name of \p op on \p ins, creating the result buffers.
/// Operands and results of a dtype the kernel cannot compute in (f16, bf16;
/// i1 for arithmetic) go through f32.
SmallVector<Value> PlanBuilder::emitKernel(Operation *op, StringRef name,
                                           SmallVector<Value> ins,
                                           TypeRange results,
                                           NamedAttrList params) {
  Location loc = op->getLoc();
  const heed::KernelSpec *info = heed::lookupKernelSpec(name);
  assert(info && "lowering names a kernel the table does not know");
  Type f32 = builder.getF32Type();
  // Native bf16 kernels take bf16 for their main operands (q, k, v or the
  // two matmul factors); biases, masks, residuals are f32.
  unsigned bf16Operands = name == "attention" ? 3 : 2;
  auto needsF32 = [&](Type element, unsigned index) {
    switch (info->dtypes) {
    case KernelDTypes::Any:
      return false;
    case KernelDTypes::Numeric:
      return isNarrowFloat(element) || element.isInteger(1);
    case KernelDTypes::F32:
      return isNarrowFloat(element);
    case KernelDTypes::F32OrBF16:
      return element.isF16() || (element.isBF16() && index >= bf16Operands);
    }
    llvm_unreachable("unknown KernelDTypes");
  };
  for (auto [i, in] : llvm::enumerate(ins)) {
    Type element = cast<MemRefType>(in.getType()).getElementType();
    if (needsF32(element, i))
      in = castTo(loc, in, f32);
  }
  SmallVector<Value> finals, outs;
  for (Type result : results) {
    Value final = buffer(loc, bufferType(result));
    finals.push_back(final);
    Type element = cast<ShapedType>(result).getElementType();
    if (needsF32(element, 0))
      outs.push_back(buffer(
          loc, MemRefType::get(cast<ShapedType>(result).getShape(), f32)));
    else
      outs.push_back(final);
  }
  kernel(loc, name, ins, outs, params.getDictionary(ctx));
  for (auto [out, final] : llvm::zip(outs, finals))
    if (out != final)
      kernel(loc, "cast", out, final);
  return finals;
}

/// The op's attributes as kernel params, for ops whose kernel has the op's
/// name and attributes. Attributes that only shape the result are dropped.
FailureOr<NamedAttrList> PlanBuilder::kernelParams(Operation *op) {
  static const llvm::StringLiteral kShapeOnly[] = {"end", "sizes", "shape",
                                                   "dtype"};
  NamedAttrList params;
  for (NamedAttribute attr : op->getAttrs()) {
    StringRef name = attr.getName().getValue();
    if (llvm::is_contained(kShapeOnly, name))
      continue;
    Attribute value = attr.getValue();
    if (auto b = dyn_cast<BoolAttr>(value))
      params.append(name, builder.getI64IntegerAttr(b.getValue()));
    else if (auto i = dyn_cast<IntegerAttr>(value))
      params.append(name, builder.getI64IntegerAttr(i.getInt()));
    else if (auto f = dyn_cast<FloatAttr>(value))
      params.append(name, builder.getF64FloatAttr(f.getValueAsDouble()));
    else if (isa<DenseI64ArrayAttr>(value))
      params.append(name, value);
    else
      return op->emitError("cannot pass attribute '")
             << name << "' of " << op->getName() << " to its kernel";
  }
  return params;
}

//===----------------------------------------------------------------------===//
// Ops with their own mapping
//===----------------------------------------------------------------------===//

void PlanBuilder::lowerConstant(heed::ConstantOp op) {
  Location loc = op.getLoc();
  auto type = bufferType(op.getType());
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (dense && dense.isSplat() && type.getNumElements() > kMaxEmbeddedSplat) {
    Attribute element = dense.getSplatValue<Attribute>();
    double value = 0;
    if (auto f = dyn_cast<FloatAttr>(element))
      value = f.getValueAsDouble();
    else
      value = (double)cast<IntegerAttr>(element).getValue().getSExtValue();
    if (type.getElementType().isInteger(1))
      value = cast<IntegerAttr>(element).getValue().getBoolValue();
    Value out = buffer(loc, type);
    kernel(loc, "fill", {}, out,
           builder.getDictionaryAttr(
               builder.getNamedAttr("value", builder.getF64FloatAttr(value))));
    buffers[op.getResult()] = out;
    return;
  }
  buffers[op.getResult()] =
      builder.create<heedrt::ConstantOp>(loc, type, op.getValue());
}

/// attn.attention and attn.gated_attention ([B, H, L, D] operands, like the
/// kernel's).
SmallVector<Value> PlanBuilder::lowerAttention(Operation *op, Value q, Value k,
                                               Value v, Value mask, Value gate,
                                               double scale,
                                               Attribute structure,
                                               Attribute topk, bool returnProbs,
                                               DenseI64ArrayAttr tile) {
  SmallVector<Value> ins = {q, k, v};
  if (mask)
    ins.push_back(mask);
  if (gate)
    ins.push_back(gate);

  NamedAttrList params;
  params.append("scale", builder.getF64FloatAttr(scale));
  params.append("has_mask", builder.getI64IntegerAttr(mask != nullptr));
  params.append("has_gate", builder.getI64IntegerAttr(gate != nullptr));
  if (isa_and_nonnull<attn::CausalAttr>(structure)) {
    params.append("structure", builder.getI64IntegerAttr(1));
  } else if (auto w = dyn_cast_or_null<attn::WindowAttr>(structure)) {
    params.append("structure", builder.getI64IntegerAttr(2));
    params.append("window",
                  builder.getDenseI64ArrayAttr({w.getLeft(), w.getRight()}));
  } else if (auto b = dyn_cast_or_null<attn::BlocksAttr>(structure)) {
    params.append("structure", builder.getI64IntegerAttr(3));
    params.append("q_block", builder.getI64IntegerAttr(b.getQBlock()));
    params.append("k_block", builder.getI64IntegerAttr(b.getKBlock()));
    SmallVector<int64_t> visit;
    for (Attribute row : b.getVisit()) {
      ArrayRef<int64_t> tiles = cast<DenseI64ArrayAttr>(row).asArrayRef();
      visit.push_back(tiles.size());
      visit.append(tiles.begin(), tiles.end());
    }
    params.append("block_visit", builder.getDenseI64ArrayAttr(visit));
  }
  if (auto t = dyn_cast_or_null<attn::TopKAttr>(topk))
    params.append("topk_ratio",
                  builder.getF64FloatAttr(t.getRatio().convertToDouble()));
  if (returnProbs)
    params.append("return_probs", builder.getI64IntegerAttr(1));
  if (tile) {
    params.append("q_block", builder.getI64IntegerAttr(tile[0]));
    params.append("k_block", builder.getI64IntegerAttr(tile[1]));
  }

  return emitKernel(op, "attention", ins, op->getResultTypes(), params);
}

LogicalResult PlanBuilder::lowerOp(Operation *op) {
  Location loc = op->getLoc();
  SmallVector<Value> ins;
  for (Value operand : op->getOperands())
    ins.push_back(buffers.lookup(operand));
  auto bind = [&](ArrayRef<Value> results) {
    for (auto [result, buf] : llvm::zip(op->getResults(), results))
      buffers[result] = buf;
    return success();
  };
  auto withParams = [&](StringRef kernelName,
                        NamedAttrList extra = {}) -> LogicalResult {
    FailureOr<NamedAttrList> params = kernelParams(op);
    if (failed(params))
      return failure();
    for (NamedAttribute a : extra)
      params->set(a.getName(), a.getValue());
    return bind(emitKernel(op, kernelName, ins, op->getResultTypes(), *params));
  };
  auto flag = [&](StringRef name, bool value) {
    NamedAttrList l;
    l.append(name, builder.getI64IntegerAttr(value));
    return l;
  };

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ParamOp p) {
        buffers[p.getResult()] = builder.create<WeightOp>(
            loc, bufferType(p.getType()), p.getNameAttr());
        return success();
      })
      .Case([&](heed::ConstantOp c) {
        lowerConstant(c);
        return success();
      })
      .Case([&](ReshapeOp r) {
        buffers[r.getResult()] =
            viewAs(loc, ins[0], cast<ShapedType>(r.getType()).getShape());
        return success();
      })
      .Case([&](LinearOp l) {
        return withParams("linear", flag("has_bias", l.getBias() != nullptr));
      })
      .Case([&](Conv2dOp c) {
        return withParams("conv2d", flag("has_bias", c.getBias() != nullptr));
      })
      .Case([&](attn::AttentionOp a) {
        ValueRange qkv = ins;
        return bind(lowerAttention(
            op, qkv[0], qkv[1], qkv[2], buffers.lookup(a.getMask()), Value(),
            a.getScale().convertToDouble(), a.getStructureAttr(),
            a.getTopkAttr(), a.getReturnProbs(), a.getTileAttr()));
      })
      .Case([&](attn::GatedAttentionOp a) {
        ValueRange qkv = ins;
        return bind(lowerAttention(
            op, qkv[0], qkv[1], qkv[2], buffers.lookup(a.getMask()),
            buffers.lookup(a.getGate()), a.getScale().convertToDouble(),
            a.getStructureAttr(), a.getTopkAttr(), false, a.getTileAttr()));
      })
      .Case([&](attn::AdditiveAttentionOp a) {
        return withParams("additive_attention",
                          flag("has_bias", a.getBias() != nullptr));
      })
      .Default([&](Operation *) -> LogicalResult {
        if (op->getDialect() != ctx->getLoadedDialect<HeedDialect>() ||
            !heed::lookupKernelSpec(op->getName().stripDialect()))
          return op->emitError("no runtime kernel implements '")
                 << op->getName() << "'";
        return withParams(op->getName().stripDialect());
      });
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

LogicalResult PlanBuilder::lowerGraph(func::FuncOp graph) {
  Block &body = graph.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    auto name =
        graph.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttrName);
    Location loc = graph.getLoc();
    Value buf = buffer(loc, bufferType(arg.getType()));
    auto input = builder.create<InputOp>(
        loc,
        name ? name
             : builder.getStringAttr("input" + Twine(arg.getArgNumber())),
        buf, IntegerAttr());
    Type element = cast<ShapedType>(arg.getType()).getElementType();
    if (element.isInteger(64) || element.isInteger(32))
      input.setRandomBoundAttr(
          builder.getI64IntegerAttr(randomInputBound(arg)));
    inputRoots.insert(buf.getDefiningOp());
    buffers[arg] = buf;
  }
  for (Operation &op : body.without_terminator())
    if (failed(lowerOp(&op)))
      return failure();

  // Outputs are arena buffers of their own: a weight, a constant, an input
  // or a value returned twice is copied first.
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  DenseSet<Operation *> outputRoots;
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    Location loc =
        value.getDefiningOp() ? value.getDefiningOp()->getLoc() : ret.getLoc();
    Value buf = buffers.lookup(value);
    BufferOp root = getArenaBuffer(buf);
    if (!root || inputRoots.contains(root) ||
        !outputRoots.insert(root).second) {
      Value copy = buffer(loc, buf.getType());
      kernel(loc, "copy", buf, copy);
      buf = copy;
      outputRoots.insert(copy.getDefiningOp());
    }
    auto name = graph.getResultAttrOfType<StringAttr>(i, kNameAttrName);
    builder.create<OutputOp>(
        loc, name ? name : builder.getStringAttr("output" + Twine(i)), buf);
  }
  return success();
}

struct HeedToHeedrtPass : heed::impl::HeedToHeedrtBase<HeedToHeedrtPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp graph = getEntryGraph(module);
    if (!graph) {
      module.emitError("heed-to-heedrt: the module has no entry graph (a "
                       "func.func named by `heed.entry`, or a single one)");
      return signalPassFailure();
    }
    OpBuilder builder(module.getBodyRegion());
    builder.setInsertionPointToEnd(module.getBody());
    auto plan = builder.create<PlanOp>(graph.getLoc(), graph.getSymName());
    if (failed(PlanBuilder(plan).lowerGraph(graph)))
      return signalPassFailure();
    // The plan replaces every graph (subgraphs were inlined by the
    // frontend).
    for (func::FuncOp f :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      f.erase();
    module->removeAttr(kEntryAttrName);
  }
};

} // namespace
