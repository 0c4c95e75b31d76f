//===- GraphUtils.cpp - Small queries and builders on heed graphs ---------===//

#include "passes/tensor/GraphUtils.h"

#include "heed/CreateInferred.h"
#include "heed/HeedOps.h"

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

Value heed::reshapeTo(OpBuilder &builder, Location loc, Value value,
                      ArrayRef<int64_t> shape) {
  if (cast<ShapedType>(value.getType()).getShape() == shape)
    return value;
  // A reshape to a shape of the same element count always infers.
  return (*createInferred<ReshapeOp>(
              builder, loc, value,
              builder.getNamedAttr("shape",
                                   builder.getDenseI64ArrayAttr(shape))))
      .getResult();
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
