//===- Compose.cpp - Ops built from other heed ops ------------------------===//

#include "Compose.h"

#include "heed/CreateInferred.h"
#include "heed/HeedOps.h"

using namespace mlir;
using namespace heed;

namespace {

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// An \p OpTy on \p operands with inferred result types; an inference error
/// is reported at \p loc.
template <typename OpTy>
FailureOr<OpTy> create(OpBuilder &b, Location loc, ValueRange operands,
                       ArrayRef<NamedAttribute> attrs = {}) {
  return createInferred<OpTy>(b, loc, operands, attrs, /*diagnose=*/true);
}

template <typename OpTy>
FailureOr<Value> value(OpBuilder &b, Location loc, ValueRange operands,
                       ArrayRef<NamedAttribute> attrs = {}) {
  auto op = create<OpTy>(b, loc, operands, attrs);
  if (failed(op))
    return failure();
  return (*op)->getResult(0);
}

NamedAttribute i64Attr(OpBuilder &b, StringRef name, int64_t v) {
  return b.getNamedAttr(name, b.getI64IntegerAttr(v));
}

/// The elements of \p x at the constant \p indices along \p axis.
FailureOr<Value> gatherConst(OpBuilder &b, Location loc, Value x,
                             ArrayRef<int64_t> indices, int64_t axis) {
  auto type = RankedTensorType::get({(int64_t)indices.size()}, b.getI64Type());
  auto attr = DenseElementsAttr::get(type, indices);
  Value idx = b.create<ConstantOp>(loc, type, attr);
  return value<GatherOp>(b, loc, ValueRange{x, idx},
                         {i64Attr(b, "axis", axis)});
}

} // namespace

Value compose::splat(OpBuilder &b, Location loc, double v, Type elementType,
                     ArrayRef<int64_t> shape) {
  // One value, whatever the shape: a splat attribute, never an array.
  auto type = RankedTensorType::get(shape, elementType);
  DenseElementsAttr attr;
  if (elementType.isInteger(1)) {
    attr = DenseElementsAttr::get(type, v != 0);
  } else if (auto ft = dyn_cast<FloatType>(elementType)) {
    APFloat f(v);
    bool lost;
    f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    attr = DenseElementsAttr::get(type, f);
  } else {
    attr = DenseElementsAttr::get(
        type, APInt(elementType.getIntOrFloatBitWidth(), (int64_t)v,
                    /*isSigned=*/true));
  }
  return b.create<ConstantOp>(loc, type, attr);
}

FailureOr<Value> compose::argExtreme(OpBuilder &b, Location loc, Value x,
                                     int64_t axis, bool max, bool keepdim,
                                     bool selectLast) {
  SmallVector<int64_t> shape(shapeOf(x));
  int64_t dim = shape[axis];
  Type et = cast<RankedTensorType>(x.getType()).getElementType();
  Value v = x;
  if (selectLast) {
    // Reversed along the axis, the first of equal values is the last one.
    SmallVector<int64_t> reversed;
    for (int64_t i = dim - 1; i >= 0; --i)
      reversed.push_back(i);
    auto r = gatherConst(b, loc, v, reversed, axis);
    if (failed(r))
      return failure();
    v = *r;
  }
  if (!max) {
    // The smallest is the largest of an order-reversing map: -x for floats
    // (NaN stays NaN, which top_k ranks first), -1 - x for integers (-x
    // would wrap the most negative one onto itself).
    auto flipped =
        isa<FloatType>(et)
            ? value<NegOp>(b, loc, v)
            : value<SubOp>(b, loc, ValueRange{splat(b, loc, -1, et), v});
    if (failed(flipped))
      return failure();
    v = *flipped;
  }
  auto top =
      create<TopKOp>(b, loc, v, {i64Attr(b, "k", 1), i64Attr(b, "axis", axis)});
  if (failed(top))
    return failure();
  Value idx = top->getIndices();
  if (selectLast) {
    auto back = value<SubOp>(
        b, loc, ValueRange{splat(b, loc, dim - 1, b.getI64Type()), idx});
    if (failed(back))
      return failure();
    idx = *back;
  }
  if (keepdim)
    return idx;
  shape.erase(shape.begin() + axis);
  return value<ReshapeOp>(
      b, loc, idx, {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape))});
}
