//===- GraphUtils.cpp - Small queries and builders on heed graphs ---------===//

#include "passes/GraphUtils.h"

#include "heed/HeedOps.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

std::optional<double> heed::getSplatFloat(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!dense || !dense.isSplat() || !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

Operation *heed::buildInferred(OpBuilder &builder, Location loc, StringRef name,
                               ValueRange operands,
                               ArrayRef<NamedAttribute> attrs) {
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addAttributes(attrs);
  auto info = state.name.getRegisteredInfo();
  auto infer = info ? info->getInterface<InferTypeOpInterface>() : nullptr;
  if (!infer)
    return nullptr;
  SmallVector<Type> types;
  if (failed(infer->inferReturnTypes(
          builder.getContext(), std::nullopt, state.operands,
          state.attributes.getDictionary(builder.getContext()),
          state.getRawProperties(), state.regions, types)))
    return nullptr;
  state.addTypes(types);
  return builder.create(state);
}

Value heed::reshapeTo(OpBuilder &builder, Location loc, Value value,
                      ArrayRef<int64_t> shape) {
  if (cast<ShapedType>(value.getType()).getShape() == shape)
    return value;
  Operation *op = buildInferred(
      builder, loc, ReshapeOp::getOperationName(), value,
      builder.getNamedAttr("shape", builder.getDenseI64ArrayAttr(shape)));
  return op->getResult(0);
}

llvm::DenseSet<Operation *> heed::deadOps(Block &block) {
  llvm::DenseSet<Operation *> dead;
  for (Operation &op : block)
    if (isOpTriviallyDead(&op))
      dead.insert(&op);
  return dead;
}

void heed::eraseNewlyDead(Block &block,
                          const llvm::DenseSet<Operation *> &deadBefore) {
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (!isa<ParamOp>(op) && !deadBefore.contains(&op) &&
        isOpTriviallyDead(&op))
      op.erase();
}
