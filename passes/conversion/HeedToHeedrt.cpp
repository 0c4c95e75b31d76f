//===- HeedToHeedrt.cpp - Lower a tensor graph to a heedrt plan -----------===//
//
// Walks the entry graph in order and gives every tensor a buffer: an arena
// heedrt.buffer for computed values and inputs, heedrt.weight for
// parameters, heedrt.constant for literals, heedrt.view for reshapes. Each
// other op becomes one heedrt.kernel. Most heed ops share their kernel's
// name and attributes (runtime/kernels/Kernels.td; the build fails when
// such an op has no kernel of its name); the attention ops, linear and conv
// map theirs explicitly. Every op has its case (TensorOpVisitor). Operands
// of a dtype a kernel cannot compute in (f16 and bf16; i1 for arithmetic)
// are cast to f32 around it (the kernel's dtypes in the table).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/tensor/AttentionChain.h"

#include "attn/TensorOpVisitor.h"
#include "heed/HeedDialect.h"
#include "heedrt/KernelNames.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

#include <string_view>

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

/// Builds the plan of one graph; lowers each op through its `visit`.
class PlanBuilder : public TensorOpVisitor<PlanBuilder, LogicalResult> {
public:
  PlanBuilder(PlanOp plan) : builder(plan.getBody()), ctx(plan.getContext()) {
    builder.setInsertionPointToEnd(&plan.getBody().front());
  }

  LogicalResult lowerGraph(func::FuncOp graph);

  /// Ops whose kernel has the op's name and takes the op's attributes.
  template <typename OpTy> LogicalResult visit(OpTy op) {
    static_assert(lookupKernelSpec(opMnemonic<OpTy>()) != nullptr,
                  "an op lowered to the kernel of its name needs that kernel "
                  "in runtime/kernels/Kernels.td, or a visit overload of its "
                  "own in HeedToHeedrt.cpp");
    constexpr std::string_view name = opMnemonic<OpTy>();
    return withParams(op, StringRef(name.data(), name.size()));
  }
  LogicalResult visit(ParamOp op);
  LogicalResult visit(heed::ConstantOp op);
  LogicalResult visit(ReshapeOp op);
  LogicalResult visit(LinearOp op) {
    return withParams(
        op, HEED_KERNEL("linear"),
        flag(HEED_KERNEL_ATTR("linear", "has_bias"), op.getBias() != nullptr));
  }
  LogicalResult visit(Conv2dOp op) {
    return withParams(
        op, HEED_KERNEL("conv2d"),
        flag(HEED_KERNEL_ATTR("conv2d", "has_bias"), op.getBias() != nullptr));
  }
  LogicalResult visit(attn::AttentionOp op) { return lowerAttention(op); }
  LogicalResult visit(attn::GatedAttentionOp op) { return lowerAttention(op); }
  LogicalResult visit(attn::AdditiveAttentionOp op) {
    return withParams(op, HEED_KERNEL("additive_attention"),
                      flag(HEED_KERNEL_ATTR("additive_attention", "has_bias"),
                           op.getBias() != nullptr));
  }
  LogicalResult visitUnknown(Operation *op) {
    return op->emitError("no runtime kernel implements '")
           << op->getName() << "'";
  }

private:
  OpBuilder builder;
  MLIRContext *ctx;
  /// The buffer of each tensor value.
  DenseMap<Value, Value> buffers;
  /// Arena buffers that are model inputs.
  DenseSet<Operation *> inputRoots;

  /// Names the attention map \p name (made unique among \p names with a
  /// suffix _2, _3, ...) on the first kernel from \p first on that computes
  /// one: the kernels an attention or softmax op became (\p oneQuery: see
  /// isOneQueryAttention).
  void nameAttentionMap(Operation *first, StringRef name, bool oneQuery,
                        llvm::StringSet<> &names) {
    std::string unique = name.str();
    for (int n = 2; names.contains(unique); ++n)
      unique = (name + "_" + Twine(n)).str();
    for (Operation *op = first; op; op = op->getNextNode())
      if (auto k = dyn_cast<KernelOp>(op))
        if (computesAttentionMap(k.getKernel())) {
          k.setAttentionMapAttr(builder.getStringAttr(unique));
          k.setAttentionMapOneQuery(oneQuery);
          names.insert(unique);
          return;
        }
  }

  Value buffer(Location loc, Type type) {
    return builder.create<BufferOp>(loc, type, IntegerAttr(),
                                    DenseI64ArrayAttr());
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
                                                       : DictionaryAttr(),
                             DictionaryAttr(), StringAttr(), UnitAttr());
  }
  Value castTo(Location loc, Value source, Type element) {
    auto type = cast<MemRefType>(source.getType());
    Value out = buffer(loc, MemRefType::get(type.getShape(), element));
    kernel(loc, HEED_KERNEL("cast"), source, out);
    return out;
  }
  /// The buffers of \p op's operands.
  SmallVector<Value> operandBuffers(Operation *op) {
    SmallVector<Value> ins;
    for (Value operand : op->getOperands())
      ins.push_back(buffers.lookup(operand));
    return ins;
  }
  LogicalResult bind(Operation *op, ArrayRef<Value> results) {
    for (auto [result, buf] : llvm::zip(op->getResults(), results))
      buffers[result] = buf;
    return success();
  }
  /// One integer param.
  NamedAttrList flag(StringRef name, bool value) {
    NamedAttrList l;
    l.append(name, builder.getI64IntegerAttr(value));
    return l;
  }
  /// Kernel \p kernelName on \p op's operands, with the op's attributes
  /// (kernelParams) and \p extra as params.
  LogicalResult withParams(Operation *op, StringRef kernelName,
                           NamedAttrList extra = {});

  SmallVector<Value> emitKernel(Operation *op, StringRef name,
                                SmallVector<Value> ins, TypeRange results,
                                NamedAttrList params);
  FailureOr<NamedAttrList> kernelParams(Operation *op);
  LogicalResult lowerAttention(attn::AttentionOpInterface op);
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
  unsigned bf16Operands = name == HEED_KERNEL("attention") ? 3 : 2;
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
      kernel(loc, HEED_KERNEL("cast"), out, final);
  return finals;
}

/// The op's attributes as kernel params, for ops whose kernel has the op's
/// name and attributes. Attributes that only shape the result, or the op's
/// operand list (operandSegmentSizes: the kernel counts its inputs), are
/// dropped, and so is the attention map's name (the kernel op's
/// attention_map, set by nameAttentionMap).
FailureOr<NamedAttrList> PlanBuilder::kernelParams(Operation *op) {
  static const llvm::StringLiteral kShapeOnly[] = {
      "end", "sizes", "shape", "dtype", "operandSegmentSizes"};
  NamedAttrList params;
  for (NamedAttribute attr : op->getAttrs()) {
    StringRef name = attr.getName().getValue();
    if (llvm::is_contained(kShapeOnly, name) || name == kAttentionMapAttrName)
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

LogicalResult PlanBuilder::withParams(Operation *op, StringRef kernelName,
                                      NamedAttrList extra) {
  FailureOr<NamedAttrList> params = kernelParams(op);
  if (failed(params))
    return failure();
  for (NamedAttribute a : extra)
    params->set(a.getName(), a.getValue());
  return bind(op, emitKernel(op, kernelName, operandBuffers(op),
                             op->getResultTypes(), *params));
}

LogicalResult PlanBuilder::visit(ParamOp op) {
  buffers[op.getResult()] = builder.create<WeightOp>(
      op.getLoc(), bufferType(op.getType()), op.getNameAttr());
  return success();
}

LogicalResult PlanBuilder::visit(ReshapeOp op) {
  buffers[op.getResult()] = viewAs(op.getLoc(), buffers.lookup(op.getInput()),
                                   cast<ShapedType>(op.getType()).getShape());
  return success();
}

LogicalResult PlanBuilder::visit(heed::ConstantOp op) {
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
    kernel(loc, HEED_KERNEL("fill"), {}, out,
           builder.getDictionaryAttr(
               builder.getNamedAttr(HEED_KERNEL_ATTR("fill", "value"),
                                    builder.getF64FloatAttr(value))));
    buffers[op.getResult()] = out;
    return success();
  }
  buffers[op.getResult()] = builder.create<heedrt::ConstantOp>(
      loc, type, op.getValue(), DenseI64ArrayAttr());
  return success();
}

/// attn.attention and attn.gated_attention ([B, H, L, D] operands, like the
/// kernel's).
LogicalResult PlanBuilder::lowerAttention(attn::AttentionOpInterface op) {
  SmallVector<Value> ins = {buffers.lookup(op.getQuery()),
                            buffers.lookup(op.getKey()),
                            buffers.lookup(op.getValue())};
  Value mask = buffers.lookup(op.getMask());
  Value gate = buffers.lookup(op.getGate());
  if (mask)
    ins.push_back(mask);
  if (gate)
    ins.push_back(gate);

#define ATTR(name) HEED_KERNEL_ATTR("attention", name)
  NamedAttrList params;
  params.append(ATTR("scale"), builder.getF64FloatAttr(op.getScaleFactor()));
  params.append(ATTR("has_mask"), builder.getI64IntegerAttr(mask != nullptr));
  params.append(ATTR("has_gate"), builder.getI64IntegerAttr(gate != nullptr));
  AttentionStructureAttributes structure =
      op.getSparsity().toKernelAttributes();
  if (structure.structure != AttentionStructure::None)
    params.append(ATTR("structure"),
                  builder.getI64IntegerAttr((int64_t)structure.structure));
  if (structure.window)
    params.append(ATTR("window"),
                  builder.getDenseI64ArrayAttr(*structure.window));
  if (structure.blockVisit)
    params.append(ATTR("block_visit"),
                  builder.getDenseI64ArrayAttr(*structure.blockVisit));
  // A block map's tiles, or the tile attn-tile chose.
  std::optional<int64_t> qBlock = structure.qBlock, kBlock = structure.kBlock;
  if (DenseI64ArrayAttr tile = op.getTileAttr(); tile && !qBlock) {
    qBlock = tile[0];
    kBlock = tile[1];
  }
  if (qBlock)
    params.append(ATTR("q_block"), builder.getI64IntegerAttr(*qBlock));
  if (kBlock)
    params.append(ATTR("k_block"), builder.getI64IntegerAttr(*kBlock));
  if (std::optional<double> ratio = op.getTopkRatio())
    params.append(ATTR("topk_ratio"), builder.getF64FloatAttr(*ratio));
  if (op.getProbs())
    params.append(ATTR("return_probs"), builder.getI64IntegerAttr(1));
#undef ATTR

  return bind(op, emitKernel(op, HEED_KERNEL("attention"), ins,
                             op->getResultTypes(), params));
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

LogicalResult PlanBuilder::lowerGraph(func::FuncOp graph) {
  Block &body = graph.getBody().front();
  llvm::DenseMap<Operation *, StringAttr> stateRoots; // by buffer
  for (BlockArgument arg : body.getArguments()) {
    auto name =
        graph.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttrName);
    Location loc = graph.getLoc();
    Value buf = buffer(loc, bufferType(arg.getType()));
    buffers[arg] = buf;
    if (graph.getArgAttr(arg.getArgNumber(), kStateAttrName)) {
      // A state: the runtime's, neither fed nor copied; its read and write
      // are paired by name.
      if (!name)
        return graph.emitError("state argument #")
               << arg.getArgNumber() << " has no `" << kNameAttrName
               << "` attribute";
      builder.create<StateReadOp>(loc, name, buf);
      stateRoots[buf.getDefiningOp()] = name;
      continue;
    }
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
  }
  llvm::StringSet<> mapNames;
  Block &planBody = *builder.getInsertionBlock();
  for (Operation &op : body.without_terminator()) {
    Operation *last = planBody.empty() ? nullptr : &planBody.back();
    if (failed(dispatch(&op)))
      return failure();
    if (std::optional<std::string> map = attentionMapName(&op)) {
      auto softmax = dyn_cast<SoftmaxOp>(op);
      nameAttentionMap(last ? last->getNextNode() : &planBody.front(), *map,
                       softmax && isOneQueryAttention(softmax), mapNames);
    }
  }

  // Outputs are arena buffers of their own: a weight, a constant, an input
  // or a value returned twice is copied first.
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  DenseSet<Operation *> outputRoots;
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    Location loc =
        value.getDefiningOp() ? value.getDefiningOp()->getLoc() : ret.getLoc();
    Value buf = buffers.lookup(value);
    BufferOp root = getArenaBuffer(buf);
    auto name = graph.getResultAttrOfType<StringAttr>(i, kNameAttrName);
    bool state = (bool)graph.getResultAttr(i, kStateAttrName);
    // A state's next value may be (a view of) its own buffer or of any
    // buffer but a constant or another state's: the runtime copies it
    // across after the run, when another state's buffer may already hold
    // that state's next value (a = b, b = b + 1), so that one is copied
    // first, here.
    auto other = root ? stateRoots.find(root) : stateRoots.end();
    if (state && root && (other == stateRoots.end() || other->second == name)) {
      builder.create<StateWriteOp>(loc, name, buf);
      continue;
    }
    if (!root || inputRoots.contains(root) || state ||
        !outputRoots.insert(root).second) {
      Value copy = buffer(loc, buf.getType());
      kernel(loc, HEED_KERNEL("copy"), buf, copy);
      buf = copy;
      outputRoots.insert(copy.getDefiningOp());
    }
    if (state) {
      builder.create<StateWriteOp>(loc, name, buf);
      continue;
    }
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
