//===- HeedrtOps.cpp - Verifiers of the heedrt ops ------------------------===//

#include "heedrt/HeedrtOps.h"
#include "heedrt/KernelTable.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace heed::heedrt;

#define GET_OP_CLASSES
#include "heedrt/HeedrtOps.cpp.inc"

int64_t heed::heedrt::bufferBytes(MemRefType type) {
  Type element = type.getElementType();
  int64_t width =
      element.isInteger(1) ? 1 : element.getIntOrFloatBitWidth() / 8;
  return type.getNumElements() * width;
}

BufferOp heed::heedrt::getArenaBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewOp>())
    value = view.getSource();
  return value.getDefiningOp<BufferOp>();
}

//===----------------------------------------------------------------------===//
// PlanOp
//===----------------------------------------------------------------------===//

void PlanOp::build(OpBuilder &builder, OperationState &state, StringRef name) {
  state.addAttribute(SymbolTable::getSymbolAttrName(),
                     builder.getStringAttr(name));
  state.addRegion()->emplaceBlock();
}

LogicalResult PlanOp::verify() {
  llvm::StringSet<> inputs, outputs;
  for (Operation &op : getBody().front()) {
    if (auto input = dyn_cast<InputOp>(op))
      if (!inputs.insert(input.getName()).second)
        return input.emitOpError("input '")
               << input.getName() << "' is declared twice";
    if (auto output = dyn_cast<OutputOp>(op))
      if (!outputs.insert(output.getName()).second)
        return output.emitOpError("output '")
               << output.getName() << "' is declared twice";
    if (auto buffer = dyn_cast<BufferOp>(op))
      if (getArenaBytes() && !buffer.getOffset())
        return buffer.emitOpError(
            "has no offset but the plan's memory is planned");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// BufferOp, ConstantOp, ViewOp
//===----------------------------------------------------------------------===//

LogicalResult BufferOp::verify() {
  if (!getOffset())
    return success();
  int64_t offset = *getOffset();
  if (offset < 0 || offset % 64)
    return emitOpError("offset ")
           << offset << " must be a non-negative multiple of 64";
  auto plan = (*this)->getParentOfType<PlanOp>();
  int64_t end = offset + bufferBytes(getType());
  if (plan && plan.getArenaBytes() && end > *plan.getArenaBytes())
    return emitOpError("ends at byte ")
           << end << ", past the arena's " << *plan.getArenaBytes() << " bytes";
  return success();
}

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  MemRefType type = getType();
  if (valueType.getShape() != type.getShape() ||
      valueType.getElementType() != type.getElementType())
    return emitOpError("value of type ")
           << valueType << " does not fit the buffer " << type;
  return success();
}

LogicalResult ViewOp::verify() {
  MemRefType from = getSource().getType(), to = getType();
  if (from.getElementType() != to.getElementType() ||
      from.getNumElements() != to.getNumElements())
    return emitOpError("cannot view ")
           << from << " as " << to
           << ": element type and count must be the same";
  return success();
}

//===----------------------------------------------------------------------===//
// Ports and kernels
//===----------------------------------------------------------------------===//

static LogicalResult verifyPort(Operation *op, Value buffer) {
  if (!getArenaBuffer(buffer))
    return op->emitOpError("needs an arena buffer (heedrt.buffer or a view "
                           "of one), not read-only data");
  return success();
}

LogicalResult InputOp::verify() { return verifyPort(*this, getBuffer()); }
LogicalResult OutputOp::verify() { return verifyPort(*this, getBuffer()); }

LogicalResult KernelOp::verify() {
  if (!lookupKernel(getKernel()))
    return emitOpError("names no runtime kernel: '") << getKernel() << "'";
  if (getOuts().empty())
    return emitOpError("needs at least one output");
  for (auto [i, out] : llvm::enumerate(getOuts()))
    if (!getArenaBuffer(out))
      return emitOpError("output #")
             << i << " must be an arena buffer, not read-only data";
  if (std::optional<DictionaryAttr> params = getParams())
    for (NamedAttribute param : *params) {
      Attribute value = param.getValue();
      auto integer = dyn_cast<IntegerAttr>(value);
      auto real = dyn_cast<FloatAttr>(value);
      bool ok = (integer && integer.getType().isInteger(64)) ||
                (real && real.getType().isF64()) ||
                isa<DenseI64ArrayAttr>(value);
      if (!ok)
        return emitOpError("param '")
               << param.getName().getValue()
               << "' must be an i64, an f64 or an array<i64>, got " << value;
    }
  return success();
}
