//===- Subscript.cpp - Evaluation of x[...] ------------------------------===//
//
// PyTorch's basic indexing on tensors: `x[i]` (an integer, negative counts
// from the end) drops the axis, `x[start:stop:step]` slices it with
// Python's clamping, `...` stands for every axis not named, `none` inserts
// an axis of 1, and one integer tensor index selects along its axis as
// `gather` (numpy.take). The result is a chain of heed.slice, at most one
// heed.gather, and one heed.reshape for the axes dropped and inserted.
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"

#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"

using namespace mlir;
using namespace heed;

namespace {

/// One subscript item after evaluation.
struct Item {
  enum class Kind { Index, Slice, NewAxis, Tensor, Ellipsis };
  Kind kind = Kind::Index;
  llvm::SMLoc loc;
  int64_t index = 0;                        ///< Index
  std::optional<int64_t> start, stop, step; ///< Slice
  Value tensor;                             ///< Tensor
};

std::string str(int64_t v) { return std::to_string(v); }

} // namespace

FailureOr<Val> Emitter::evalSubscript(const ast::Expr &e, Scope &scope) {
  auto base = eval(*e.args[0], scope);
  if (failed(base))
    return failure();
  if (base->kind == Val::Kind::Tuple)
    return error(e.loc, scope,
                 "cannot subscript " + base->describe() +
                     "; assign them to names first (a, b = ...)");
  if (base->kind != Val::Kind::Tensor)
    return error(e.loc, scope, "cannot subscript " + base->describe());
  auto type = cast<RankedTensorType>(base->tensor.getType());
  int64_t rank = type.getRank();

  // Evaluate the items; count the axes they consume.
  std::vector<Item> items;
  int64_t consumed = 0;
  std::optional<llvm::SMLoc> ellipsis, tensorIndex;
  auto integerPart =
      [&](const ast::ExprPtr &part,
          const char *what) -> FailureOr<std::optional<int64_t>> {
    if (!part)
      return std::optional<int64_t>();
    auto v = eval(*part, scope);
    if (failed(v))
      return failure();
    if (v->kind != Val::Kind::Int)
      return error(part->loc, scope,
                   std::string("a slice ") + what +
                       " must be an integer, got " + v->describe());
    return std::optional<int64_t>(v->i);
  };
  for (const ast::Subscript &s : e.subscripts) {
    Item item;
    item.loc = s.loc;
    if (s.kind == ast::Subscript::Kind::Ellipsis) {
      if (ellipsis)
        return error(s.loc, scope, "a subscript may have one '...' only");
      ellipsis = s.loc;
      item.kind = Item::Kind::Ellipsis;
    } else if (s.kind == ast::Subscript::Kind::Slice) {
      item.kind = Item::Kind::Slice;
      auto start = integerPart(s.start, "start");
      if (failed(start))
        return failure();
      auto stop = integerPart(s.stop, "stop");
      if (failed(stop))
        return failure();
      auto step = integerPart(s.step, "step");
      if (failed(step))
        return failure();
      item.start = *start;
      item.stop = *stop;
      item.step = *step;
      if (item.step && *item.step <= 0)
        return error(s.step->loc, scope,
                     "a slice step must be positive, got " + str(*item.step) +
                         " (as in PyTorch)");
      ++consumed;
    } else {
      auto v = eval(*s.index, scope);
      if (failed(v))
        return failure();
      if (v->kind == Val::Kind::Symbol && v->s == "none") {
        item.kind = Item::Kind::NewAxis;
      } else if (v->kind == Val::Kind::Int) {
        item.index = v->i;
        ++consumed;
      } else if (v->kind == Val::Kind::Tensor &&
                 isa<IntegerType>(getElementTypeOrSelf(v->tensor)) &&
                 !getElementTypeOrSelf(v->tensor).isInteger(1)) {
        if (tensorIndex)
          return error(s.loc, scope,
                       "one tensor index per subscript; gather along one axis "
                       "at a time");
        tensorIndex = s.loc;
        item.kind = Item::Kind::Tensor;
        item.tensor = v->tensor;
        ++consumed;
      } else if (v->kind == Val::Kind::Tensor) {
        return error(s.loc, scope,
                     "a tensor index must be of an integer dtype, got " +
                         v->describe() +
                         (getElementTypeOrSelf(v->tensor).isInteger(1)
                              ? "; a boolean mask selects a data-dependent "
                                "number of elements: use where(mask, x, 0)"
                              : ""));
      } else {
        return error(s.loc, scope,
                     "an index must be an integer, a slice start:stop:step, "
                     "'...', none or an integer tensor, got " +
                         v->describe());
      }
    }
    items.push_back(std::move(item));
  }
  if (consumed > rank)
    return error(e.loc, scope,
                 "too many indices: " + str(consumed) + " for " +
                     base->describe() + " of rank " + str(rank));

  // Walk the axes: slice where needed, and compute the final shape.
  Location loc = opLoc(e.loc, scope);
  Value x = base->tensor;
  SmallVector<int64_t> shape;
  int64_t axis = 0;
  std::optional<std::pair<int64_t, Value>> gather; // (axis, indices)
  auto sliceAxis = [&](int64_t start, int64_t end,
                       int64_t step) -> LogicalResult {
    auto t = cast<RankedTensorType>(x.getType());
    if (start == 0 && end == t.getDimSize(axis) && step == 1)
      return success();
    auto i64 = [&](int64_t v) { return builder.getI64IntegerAttr(v); };
    auto r = createValue<SliceOp>(loc, {x},
                                  {builder.getNamedAttr("axis", i64(axis)),
                                   builder.getNamedAttr("start", i64(start)),
                                   builder.getNamedAttr("end", i64(end)),
                                   builder.getNamedAttr("step", i64(step))});
    if (failed(r))
      return failure();
    x = *r;
    return success();
  };
  for (const Item &item : items) {
    int64_t extent = axis < rank ? type.getDimSize(axis) : 0;
    switch (item.kind) {
    case Item::Kind::Ellipsis:
      for (int64_t n = rank - consumed; n > 0; --n, ++axis)
        shape.push_back(type.getDimSize(axis));
      break;
    case Item::Kind::NewAxis:
      shape.push_back(1);
      break;
    case Item::Kind::Index: {
      if (item.index < -extent || item.index >= extent)
        return error(item.loc, scope,
                     "index " + str(item.index) + " is out of range for axis " +
                         str(axis) + " of extent " + str(extent));
      int64_t i = item.index < 0 ? item.index + extent : item.index;
      if (failed(sliceAxis(i, i + 1, 1)))
        return failure();
      ++axis;
      break;
    }
    case Item::Kind::Slice: {
      // Python's rules: negative bounds count from the end, then clamp.
      auto bound = [&](std::optional<int64_t> b, int64_t dflt) {
        if (!b)
          return dflt;
        int64_t v = *b < 0 ? *b + extent : *b;
        return std::clamp<int64_t>(v, 0, extent);
      };
      int64_t start = bound(item.start, 0), stop = bound(item.stop, extent);
      int64_t step = item.step.value_or(1);
      if (stop <= start)
        return error(item.loc, scope,
                     "the slice is empty: " + str(start) + ":" + str(stop) +
                         " of axis " + str(axis) + " (extent " + str(extent) +
                         "); tensors have no empty axes");
      if (failed(sliceAxis(start, stop, step)))
        return failure();
      shape.push_back((stop - start + step - 1) / step);
      ++axis;
      break;
    }
    case Item::Kind::Tensor:
      gather = {axis, item.tensor};
      for (int64_t d : cast<RankedTensorType>(item.tensor.getType()).getShape())
        shape.push_back(d);
      ++axis;
      break;
    }
  }
  for (; axis < rank; ++axis) // axes after the last item are kept whole
    shape.push_back(type.getDimSize(axis));

  if (gather) {
    auto g = createValue<GatherOp>(
        loc, {x, gather->second},
        {builder.getNamedAttr("axis",
                              builder.getI64IntegerAttr(gather->first))});
    if (failed(g))
      return failure();
    x = *g;
  }
  if (cast<RankedTensorType>(x.getType()).getShape() != ArrayRef(shape)) {
    auto r = createValue<ReshapeOp>(
        loc, {x},
        {builder.getNamedAttr("shape", builder.getDenseI64ArrayAttr(shape))});
    if (failed(r))
      return failure();
    x = *r;
  }
  Val v;
  v.kind = Val::Kind::Tensor;
  v.loc = e.loc;
  v.tensor = x;
  return v;
}
