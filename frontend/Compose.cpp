//===- Compose.cpp - Ops built from other heed ops ------------------------===//

#include "Compose.h"

#include "heed/CreateInferred.h"
#include "heed/HeedOps.h"

#include <algorithm>

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

FailureOr<Value> compose::padAxis(OpBuilder &b, Location loc, Value x,
                                  int64_t axis, int64_t before, int64_t after,
                                  PadMode mode, double fill) {
  int64_t dim = shapeOf(x)[axis];
  if (before < 0 || after < 0) {
    // Negative counts remove elements.
    int64_t start = std::max<int64_t>(-before, 0);
    int64_t end = dim - std::max<int64_t>(-after, 0);
    auto cropped =
        value<SliceOp>(b, loc, x,
                       {i64Attr(b, "axis", axis), i64Attr(b, "start", start),
                        i64Attr(b, "end", end), i64Attr(b, "step", 1)});
    if (failed(cropped))
      return failure();
    x = *cropped;
    dim = end - start;
    before = std::max<int64_t>(before, 0);
    after = std::max<int64_t>(after, 0);
  }
  if (before == 0 && after == 0)
    return x;
  Type et = cast<RankedTensorType>(x.getType()).getElementType();
  // The part added in front (front = true) or behind.
  auto part = [&](bool front, int64_t count) -> FailureOr<Value> {
    if (mode == PadMode::Constant) {
      SmallVector<int64_t> shape(shapeOf(x));
      shape[axis] = count;
      return splat(b, loc, fill, et, shape);
    }
    // Position p of the padded axis, p < 0 in front and p >= dim behind,
    // reads x at: reflect ... 2 1 | 0 1 2 ... | n-2 n-3 ..., edge 0 0 | ...
    // | n-1 n-1.
    SmallVector<int64_t> indices;
    for (int64_t k = 0; k < count; ++k) {
      int64_t p = front ? k - count : dim + k;
      int64_t q = mode == PadMode::Edge ? std::clamp<int64_t>(p, 0, dim - 1)
                  : p < 0               ? -p
                                        : 2 * (dim - 1) - p;
      indices.push_back(q);
    }
    return gatherConst(b, loc, x, indices, axis);
  };
  SmallVector<Value> parts;
  if (before) {
    auto p = part(true, before);
    if (failed(p))
      return failure();
    parts.push_back(*p);
  }
  parts.push_back(x);
  if (after) {
    auto p = part(false, after);
    if (failed(p))
      return failure();
    parts.push_back(*p);
  }
  return value<ConcatOp>(b, loc, parts, {i64Attr(b, "axis", axis)});
}
