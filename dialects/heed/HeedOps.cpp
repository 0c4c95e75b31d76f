//===- HeedOps.cpp - Result type inference of the heed dialect ------------===//
//
// Each op's inferReturnTypes is both the frontend's shape inference and, via
// InferTypeOpInterface, the op's verifier: an op whose declared result types
// differ from the inferred ones does not verify.
//
//===----------------------------------------------------------------------===//

#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringExtras.h"

#include <numeric>

using namespace mlir;
using namespace heed;

using Types = SmallVectorImpl<Type>;
using Loc = std::optional<Location>;

static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

static RankedTensorType typeOf(Value v) { return ShapeChecker::tensorType(v); }

//===----------------------------------------------------------------------===//
// Shared inference rules
//===----------------------------------------------------------------------===//

/// Result = operand type.
static LogicalResult inferSameType(Value input, Types &results) {
  results.push_back(input.getType());
  return success();
}

/// Broadcast of two operands of one dtype; \p resultElement overrides the
/// result dtype (comparisons give i1).
static LogicalResult inferBroadcast(const ShapeChecker &check, Value lhs,
                                    Value rhs, Type resultElement,
                                    Types &results) {
  if (failed(check.requireSameElementType(lhs, rhs, "lhs", "rhs")))
    return failure();
  auto shape = broadcastShapes(typeOf(lhs).getShape(), typeOf(rhs).getShape());
  if (failed(shape))
    return check.fail("cannot broadcast " + formatType(lhs.getType()) +
                      " with " + formatType(rhs.getType()));
  results.push_back(tensorOf(
      *shape, resultElement ? resultElement : typeOf(lhs).getElementType()));
  return success();
}

static LogicalResult inferReduce(const ShapeChecker &check, Value input,
                                 ArrayRef<int64_t> axes, bool keepdim,
                                 Types &results) {
  RankedTensorType type = typeOf(input);
  SmallVector<bool> reduced(type.getRank(), false);
  for (int64_t axis : axes) {
    if (failed(check.requireAxis(axis, type.getRank())))
      return failure();
    if (reduced[axis])
      return check.fail("axis " + Twine(axis) + " is listed twice");
    reduced[axis] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!reduced[i])
      shape.push_back(type.getDimSize(i));
    else if (keepdim)
      shape.push_back(1);
  }
  results.push_back(tensorOf(shape, type.getElementType()));
  return success();
}

static LogicalResult
inferPool(const ShapeChecker &check, Value input, ArrayRef<int64_t> kernel,
          ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
          ArrayRef<int64_t> dilation, Types &results, int64_t channels) {
  if (failed(check.requireRank(input, 4, "input")))
    return failure();
  if (kernel.size() != 2 || stride.size() != 2 || padding.size() != 2 ||
      dilation.size() != 2)
    return check.fail("kernel, stride, padding and dilation need two entries "
                      "(height, width)");
  RankedTensorType type = typeOf(input);
  SmallVector<int64_t> shape = {type.getDimSize(0), channels, 0, 0};
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] < 1 || stride[i] < 1 || padding[i] < 0 || dilation[i] < 1)
      return check.fail("kernel, stride and dilation must be >= 1 and padding "
                        ">= 0");
    int64_t window = dilation[i] * (kernel[i] - 1) + 1;
    int64_t extent = type.getDimSize(2 + i) + 2 * padding[i] - window;
    if (extent < 0)
      return check.fail("window of " + Twine(window) +
                        " does not fit the input extent " +
                        Twine(type.getDimSize(2 + i)) + " (padding " +
                        Twine(padding[i]) + ")");
    shape[2 + i] = extent / stride[i] + 1;
  }
  results.push_back(tensorOf(shape, type.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Sources
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  if (getInit() != "uniform" && getInit() != "one_plus")
    return emitOpError("init must be \"uniform\" or \"one_plus\", got \"")
           << getInit() << "\"";
  if ((int64_t)getFanIn() < 1)
    return emitOpError("fan_in must be at least 1");
  if (getName().empty())
    return emitOpError("parameter name must not be empty");
  return success();
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, Loc loc,
                                           Adaptor adaptor, Types &results) {
  auto type = dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type)
    return emitOptionalError(loc, "constant: value must be a ranked tensor");
  results.push_back(type);
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult IotaOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                       Types &results) {
  ShapeChecker check(loc, "iota");
  ArrayRef<int64_t> shape = adaptor.getShape();
  if (failed(check.requireAxis((int64_t)adaptor.getAxis(), shape.size())))
    return failure();
  for (int64_t d : shape)
    if (d < 1)
      return check.fail("extents must be positive, got " + formatShape(shape));
  Type dtype = adaptor.getDtype();
  if (!dtype.isInteger(64) && !dtype.isInteger(32) && !dtype.isF32() &&
      !dtype.isF16() && !dtype.isBF16())
    return check.fail("dtype must be i64, i32, f32, f16 or bf16, got " +
                      formatElementType(dtype));
  results.push_back(tensorOf(shape, dtype));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult heed::inferUnary(Loc loc, StringRef name, UnaryDomain domain,
                               Value input, Types &results) {
  ShapeChecker check(loc, name);
  Type et = typeOf(input).getElementType();
  switch (domain) {
  case UnaryDomain::Float:
    if (failed(check.requireFloat(input, "input")))
      return failure();
    break;
  case UnaryDomain::Numeric:
    if (et.isInteger(1))
      return check.fail("input must be a number tensor, got " +
                        formatType(input.getType()));
    break;
  case UnaryDomain::Bool:
    if (!et.isInteger(1))
      return check.fail("input must be an i1 tensor, got " +
                        formatType(input.getType()));
    break;
  }
  return inferSameType(input, results);
}

#define HEED_BINARY(OP, NAME, RESULT)                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx, Loc loc,                \
                                     Adaptor adaptor, Types &results) {        \
    (void)ctx;                                                                 \
    return inferBroadcast(ShapeChecker(loc, NAME), adaptor.getLhs(),           \
                          adaptor.getRhs(), RESULT, results);                  \
  }
HEED_BINARY(AddOp, "add", Type())
HEED_BINARY(SubOp, "sub", Type())
HEED_BINARY(MulOp, "mul", Type())
HEED_BINARY(DivOp, "div", Type())
HEED_BINARY(MaximumOp, "maximum", Type())
HEED_BINARY(MinimumOp, "minimum", Type())
HEED_BINARY(PowOp, "pow", Type())
HEED_BINARY(EqOp, "eq", IntegerType::get(ctx, 1))
HEED_BINARY(NeOp, "ne", IntegerType::get(ctx, 1))
HEED_BINARY(LtOp, "lt", IntegerType::get(ctx, 1))
HEED_BINARY(LeOp, "le", IntegerType::get(ctx, 1))
HEED_BINARY(GtOp, "gt", IntegerType::get(ctx, 1))
HEED_BINARY(GeOp, "ge", IntegerType::get(ctx, 1))
#undef HEED_BINARY

/// `and` and `or` take i1 operands only.
static LogicalResult inferLogical(const ShapeChecker &check, Value lhs,
                                  Value rhs, Types &results) {
  if (!typeOf(lhs).getElementType().isInteger(1) ||
      !typeOf(rhs).getElementType().isInteger(1))
    return check.fail("operands must be i1 tensors, got " +
                      formatType(lhs.getType()) + " and " +
                      formatType(rhs.getType()));
  return inferBroadcast(check, lhs, rhs, Type(), results);
}

LogicalResult AndOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                      Types &results) {
  return inferLogical(ShapeChecker(loc, "and"), adaptor.getLhs(),
                      adaptor.getRhs(), results);
}

LogicalResult OrOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                     Types &results) {
  return inferLogical(ShapeChecker(loc, "or"), adaptor.getLhs(),
                      adaptor.getRhs(), results);
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                        Types &results) {
  ShapeChecker check(loc, "where");
  if (!typeOf(adaptor.getCond()).getElementType().isInteger(1))
    return check.fail("condition must be an i1 tensor, got " +
                      formatType(adaptor.getCond().getType()));
  SmallVector<Type> valueType;
  if (failed(inferBroadcast(check, adaptor.getLhs(), adaptor.getRhs(), Type(),
                            valueType)))
    return failure();
  auto shape = broadcastShapes(typeOf(adaptor.getCond()).getShape(),
                               cast<RankedTensorType>(valueType[0]).getShape());
  if (failed(shape))
    return check.fail("cannot broadcast condition " +
                      formatType(adaptor.getCond().getType()) + " with " +
                      formatType(valueType[0]));
  results.push_back(
      tensorOf(*shape, typeOf(adaptor.getLhs()).getElementType()));
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                       Types &results) {
  Type dtype = adaptor.getDtype();
  if (!dtype.isF32() && !dtype.isF16() && !dtype.isBF16() &&
      !dtype.isInteger(64) && !dtype.isInteger(32) && !dtype.isInteger(1))
    return ShapeChecker(loc, "cast")
        .fail("unsupported dtype " + formatElementType(dtype));
  results.push_back(tensorOf(typeOf(adaptor.getInput()).getShape(), dtype));
  return success();
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "transpose");
  RankedTensorType type = typeOf(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != type.getRank())
    return check.fail("permutation " + formatShape(perm) + " has " +
                      Twine(perm.size()) + " entries but the input " +
                      formatType(type) + " has rank " + Twine(type.getRank()));
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= type.getRank() || seen[p])
      return check.fail(formatShape(perm) + " is not a permutation of [0, " +
                        Twine(type.getRank()) + ")");
    seen[p] = true;
    shape.push_back(type.getDimSize(p));
  }
  results.push_back(tensorOf(shape, type.getElementType()));
  return success();
}

/// The number of elements of \p shape, exact however large the extents:
/// in \p bits bits, 64 per axis of the larger shape compared, plus 64.
static APInt exactElementCount(ArrayRef<int64_t> shape, unsigned bits) {
  APInt n(bits, 1);
  for (int64_t d : shape)
    n *= APInt(bits, (uint64_t)d);
  return n;
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, Loc loc,
                                          Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "reshape");
  RankedTensorType type = typeOf(adaptor.getInput());
  ArrayRef<int64_t> shape = adaptor.getShape();
  for (int64_t d : shape)
    if (d < 1)
      return check.fail("extents must be positive, got " + formatShape(shape));
  // Exact counts: extents whose product passes 2^63 (a --dim that large)
  // must neither overflow nor compare equal by wrapping.
  unsigned bits = 64 * (std::max<size_t>(shape.size(), type.getRank()) + 1);
  APInt n = exactElementCount(shape, bits);
  APInt have = exactElementCount(type.getShape(), bits);
  if (n != have)
    return check.fail("cannot reshape " + formatType(type) + " (" +
                      llvm::toString(have, 10, false) + " elements) to " +
                      formatShape(shape) + " (" + llvm::toString(n, 10, false) +
                      " elements)");
  results.push_back(tensorOf(shape, type.getElementType()));
  return success();
}

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *, Loc loc,
                                              Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "broadcast_to");
  RankedTensorType type = typeOf(adaptor.getInput());
  for (int64_t d : adaptor.getShape())
    if (d < 1)
      return check.fail("extents must be positive, got " +
                        formatShape(adaptor.getShape()));
  auto shape = broadcastShapes(type.getShape(), adaptor.getShape());
  if (failed(shape) || ArrayRef<int64_t>(*shape) != adaptor.getShape())
    return check.fail("cannot broadcast " + formatType(type) + " to " +
                      formatShape(adaptor.getShape()));
  results.push_back(tensorOf(*shape, type.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "concat");
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return check.fail("needs at least one input");
  RankedTensorType first = typeOf(inputs[0]);
  int64_t axis = (int64_t)adaptor.getAxis();
  if (failed(check.requireAxis(axis, first.getRank())))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (Value v : inputs.drop_front()) {
    RankedTensorType t = typeOf(v);
    if (t.getElementType() != first.getElementType() ||
        t.getRank() != first.getRank())
      return check.fail("inputs " + formatType(first) + " and " +
                        formatType(t) + " differ in dtype or rank");
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != axis && t.getDimSize(i) != first.getDimSize(i))
        return check.fail("inputs " + formatType(first) + " and " +
                          formatType(t) + " differ outside axis " +
                          Twine(axis));
    shape[axis] += t.getDimSize(axis);
  }
  results.push_back(tensorOf(shape, first.getElementType()));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                        Types &results) {
  ShapeChecker check(loc, "split");
  RankedTensorType type = typeOf(adaptor.getInput());
  int64_t axis = (int64_t)adaptor.getAxis();
  if (failed(check.requireAxis(axis, type.getRank())))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 1)
      return check.fail("sizes must be positive, got " + formatShape(sizes));
    total += s;
  }
  if (sizes.empty() || total != type.getDimSize(axis))
    return check.fail("sizes " + formatShape(sizes) + " sum to " +
                      Twine(total) + " but axis " + Twine(axis) + " of " +
                      formatType(type) + " has extent " +
                      Twine(type.getDimSize(axis)));
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = s;
    results.push_back(tensorOf(shape, type.getElementType()));
  }
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                        Types &results) {
  ShapeChecker check(loc, "slice");
  RankedTensorType type = typeOf(adaptor.getInput());
  int64_t axis = (int64_t)adaptor.getAxis();
  if (failed(check.requireAxis(axis, type.getRank())))
    return failure();
  int64_t start = (int64_t)adaptor.getStart(), end = (int64_t)adaptor.getEnd(),
          step = (int64_t)adaptor.getStep();
  int64_t extent = type.getDimSize(axis);
  if (start < 0 || start > end || end > extent || step < 1)
    return check.fail("needs 0 <= start <= end <= " + Twine(extent) +
                      " and step >= 1, got start " + Twine(start) + ", end " +
                      Twine(end) + ", step " + Twine(step));
  if (start == end)
    return check.fail("slice [" + Twine(start) + ", " + Twine(end) +
                      ") is empty");
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = (end - start + step - 1) / step;
  results.push_back(tensorOf(shape, type.getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "gather");
  RankedTensorType type = typeOf(adaptor.getInput());
  RankedTensorType indices = typeOf(adaptor.getIndices());
  int64_t axis = (int64_t)adaptor.getAxis();
  if (failed(check.requireAxis(axis, type.getRank())))
    return failure();
  if (!indices.getElementType().isInteger(64) &&
      !indices.getElementType().isInteger(32))
    return check.fail("indices must be i64 or i32, got " + formatType(indices));
  SmallVector<int64_t> shape(type.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, type.getShape().drop_front(axis + 1));
  results.push_back(tensorOf(shape, type.getElementType()));
  return success();
}

LogicalResult ScatterOp::inferReturnTypes(MLIRContext *, Loc loc,
                                          Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "scatter");
  RankedTensorType x = typeOf(adaptor.getInput());
  RankedTensorType index = typeOf(adaptor.getIndex());
  RankedTensorType src = typeOf(adaptor.getSrc());
  int64_t axis = (int64_t)adaptor.getAxis();
  if (failed(check.requireAxis(axis, x.getRank())))
    return failure();
  if (!index.getElementType().isInteger(64))
    return check.fail("index must be i64, got " + formatType(index));
  if (failed(check.requireSameElementType(adaptor.getInput(), adaptor.getSrc(),
                                          "input", "src")))
    return failure();
  if (index.getRank() != x.getRank() || src.getRank() != x.getRank())
    return check.fail("index " + formatType(index) + " and src " +
                      formatType(src) + " must have the rank of the input " +
                      formatType(x));
  for (int64_t d = 0; d < x.getRank(); ++d) {
    if (index.getDimSize(d) > src.getDimSize(d))
      return check.fail("index " + formatType(index) + " is larger than src " +
                        formatType(src) + " along axis " + Twine(d));
    if (d != axis && index.getDimSize(d) > x.getDimSize(d))
      return check.fail("index " + formatType(index) +
                        " is larger than the input " + formatType(x) +
                        " along axis " + Twine(d));
  }
  return inferSameType(adaptor.getInput(), results);
}

LogicalResult DynamicUpdateSliceOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                     Adaptor adaptor,
                                                     Types &results) {
  ShapeChecker check(loc, "dynamic_update_slice");
  RankedTensorType x = typeOf(adaptor.getInput());
  RankedTensorType update = typeOf(adaptor.getUpdate());
  RankedTensorType starts = typeOf(adaptor.getStarts());
  if (x.getRank() < 1)
    return check.fail("input must have rank >= 1, got " + formatType(x));
  if (failed(check.requireSameElementType(
          adaptor.getInput(), adaptor.getUpdate(), "input", "update")))
    return failure();
  if (update.getRank() != x.getRank())
    return check.fail("update " + formatType(update) +
                      " must have the rank of the input " + formatType(x));
  for (int64_t d = 0; d < x.getRank(); ++d)
    if (update.getDimSize(d) > x.getDimSize(d))
      return check.fail("update " + formatType(update) +
                        " is larger than the input " + formatType(x) +
                        " along axis " + Twine(d));
  if (!starts.getElementType().isInteger(64) || starts.getRank() != 1 ||
      starts.getDimSize(0) != x.getRank())
    return check.fail("starts must be i64[" + Twine(x.getRank()) +
                      "] (one per axis of the input), got " +
                      formatType(starts));
  return inferSameType(adaptor.getInput(), results);
}

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "embedding");
  RankedTensorType ids = typeOf(adaptor.getIds());
  if (!ids.getElementType().isInteger(64) &&
      !ids.getElementType().isInteger(32))
    return check.fail("ids must be i64 or i32, got " + formatType(ids));
  if (failed(check.requireRank(adaptor.getWeight(), 2, "weight")))
    return failure();
  RankedTensorType weight = typeOf(adaptor.getWeight());
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(weight.getDimSize(1));
  results.push_back(tensorOf(shape, weight.getElementType()));
  return success();
}

static LogicalResult inferTriangle(Loc loc, StringRef name, Value input,
                                   Types &results) {
  if (typeOf(input).getRank() < 2)
    return ShapeChecker(loc, name).fail("input must have rank >= 2, got " +
                                        formatType(input.getType()));
  return inferSameType(input, results);
}

LogicalResult TrilOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                       Types &results) {
  return inferTriangle(loc, "tril", adaptor.getInput(), results);
}

LogicalResult TriuOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                       Types &results) {
  return inferTriangle(loc, "triu", adaptor.getInput(), results);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "matmul");
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  if (failed(check.requireFloat(lhs, "lhs")) ||
      failed(check.requireSameElementType(lhs, rhs, "lhs", "rhs")))
    return failure();
  RankedTensorType a = typeOf(lhs), b = typeOf(rhs);
  if (a.getRank() < 2 || b.getRank() < 2)
    return check.fail("operands must have rank >= 2, got " + formatType(a) +
                      " and " + formatType(b));
  int64_t m = a.getDimSize(a.getRank() - 2), k = a.getDimSize(a.getRank() - 1);
  int64_t k2 = b.getDimSize(b.getRank() - 2), n = b.getDimSize(b.getRank() - 1);
  if (k != k2)
    return check.fail("inner dimensions differ: " + formatType(a) + " x " +
                      formatType(b) + " (" + Twine(k) + " vs " + Twine(k2) +
                      ")");
  auto batch =
      broadcastShapes(a.getShape().drop_back(2), b.getShape().drop_back(2));
  if (failed(batch))
    return check.fail("cannot broadcast the batch dimensions of " +
                      formatType(a) + " and " + formatType(b));
  SmallVector<int64_t> shape = *batch;
  shape.push_back(m);
  shape.push_back(n);
  results.push_back(tensorOf(shape, a.getElementType()));
  return success();
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "linear");
  Value input = adaptor.getInput(), weight = adaptor.getWeight();
  if (failed(check.requireFloat(input, "input")) ||
      failed(check.requireSameElementType(input, weight, "input", "weight")))
    return failure();
  RankedTensorType x = typeOf(input), w = typeOf(weight);
  if (x.getRank() < 1)
    return check.fail("input must have rank >= 1");
  if (w.getRank() != 2 || w.getDimSize(1) != x.getDimSize(x.getRank() - 1))
    return check.fail("weight must be [out, " +
                      Twine(x.getDimSize(x.getRank() - 1)) + "] for input " +
                      formatType(x) + ", got " + formatType(w));
  if (Value bias = adaptor.getBias())
    if (failed(check.requireSameElementType(input, bias, "input", "bias")) ||
        failed(check.requireShape(bias, {w.getDimSize(0)}, "bias")))
      return failure();
  SmallVector<int64_t> shape(x.getShape());
  shape.back() = w.getDimSize(0);
  results.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation, softmax, reductions
//===----------------------------------------------------------------------===//

static LogicalResult inferSoftmax(Loc loc, StringRef name, Value input,
                                  int64_t axis, Types &results) {
  ShapeChecker check(loc, name);
  if (failed(check.requireFloat(input, "input")) ||
      failed(check.requireAxis(axis, typeOf(input).getRank())))
    return failure();
  return inferSameType(input, results);
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, Loc loc,
                                          Adaptor adaptor, Types &results) {
  return inferSoftmax(loc, "softmax", adaptor.getInput(), adaptor.getAxis(),
                      results);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *, Loc loc,
                                             Adaptor adaptor, Types &results) {
  return inferSoftmax(loc, "log_softmax", adaptor.getInput(), adaptor.getAxis(),
                      results);
}

/// Checks per-feature parameters \p params against extent \p features.
static LogicalResult checkFeatureParams(const ShapeChecker &check, Value input,
                                        ArrayRef<Value> params,
                                        ArrayRef<StringRef> names,
                                        int64_t features) {
  for (size_t i = 0; i < params.size(); ++i)
    if (failed(check.requireSameElementType(input, params[i], "input",
                                            names[i])) ||
        failed(check.requireShape(params[i], {features}, names[i])))
      return failure();
  return success();
}

static LogicalResult inferLastDimNorm(Loc loc, StringRef name, Value input,
                                      ArrayRef<Value> params,
                                      ArrayRef<StringRef> names, double eps,
                                      Types &results) {
  ShapeChecker check(loc, name);
  if (failed(check.requireFloat(input, "input")))
    return failure();
  RankedTensorType type = typeOf(input);
  if (type.getRank() < 1)
    return check.fail("input must have rank >= 1");
  if (!(eps >= 0))
    return check.fail("eps must be non-negative");
  if (failed(checkFeatureParams(check, input, params, names,
                                type.getDimSize(type.getRank() - 1))))
    return failure();
  return inferSameType(input, results);
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  return inferLastDimNorm(loc, "layer_norm", adaptor.getInput(),
                          {adaptor.getWeight(), adaptor.getBias()},
                          {"weight", "bias"},
                          adaptor.getEps().convertToDouble(), results);
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *, Loc loc,
                                          Adaptor adaptor, Types &results) {
  return inferLastDimNorm(loc, "rms_norm", adaptor.getInput(),
                          {adaptor.getWeight()}, {"weight"},
                          adaptor.getEps().convertToDouble(), results);
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "batch_norm");
  Value input = adaptor.getInput();
  if (failed(check.requireFloat(input, "input")))
    return failure();
  if (typeOf(input).getRank() < 2)
    return check.fail("input must be [N, C, ...], got " +
                      formatType(input.getType()));
  if (failed(checkFeatureParams(
          check, input,
          {adaptor.getWeight(), adaptor.getBias(), adaptor.getRunningMean(),
           adaptor.getRunningVar()},
          {"weight", "bias", "running_mean", "running_var"},
          typeOf(input).getDimSize(1))))
    return failure();
  return inferSameType(input, results);
}

#define HEED_REDUCE(OP, NAME)                                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,  \
                                     Types &results) {                         \
    return inferReduce(ShapeChecker(loc, NAME), adaptor.getInput(),            \
                       adaptor.getAxes(), adaptor.getKeepdim(), results);      \
  }
HEED_REDUCE(ReduceSumOp, "reduce_sum")
HEED_REDUCE(ReduceMeanOp, "reduce_mean")
HEED_REDUCE(ReduceMaxOp, "reduce_max")
HEED_REDUCE(ReduceMinOp, "reduce_min")
#undef HEED_REDUCE

LogicalResult CumsumOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "cumsum");
  RankedTensorType type = typeOf(adaptor.getInput());
  if (type.getElementType().isInteger(1))
    return check.fail("input must be a number tensor, got " + formatType(type));
  if (failed(check.requireAxis((int64_t)adaptor.getAxis(), type.getRank())))
    return failure();
  return inferSameType(adaptor.getInput(), results);
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx, Loc loc,
                                       Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "top_k");
  RankedTensorType type = typeOf(adaptor.getInput());
  int64_t axis = (int64_t)adaptor.getAxis(), k = (int64_t)adaptor.getK();
  if (failed(check.requireAxis(axis, type.getRank())))
    return failure();
  if (k < 1 || k > type.getDimSize(axis))
    return check.fail("k = " + Twine(k) + " must be in [1, " +
                      Twine(type.getDimSize(axis)) + "]");
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = k;
  results.push_back(tensorOf(shape, type.getElementType()));
  results.push_back(tensorOf(shape, IntegerType::get(ctx, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// Recurrent layers
//===----------------------------------------------------------------------===//

/// Shared by LSTM (4 gates) and GRU (3 gates): checks the input, the initial
/// states and the per-(layer, direction) weights; pushes the result types.
static LogicalResult inferRecurrent(const ShapeChecker &check, int64_t gates,
                                    Value input, ValueRange states,
                                    ValueRange weights, Value lengths,
                                    int64_t hidden, int64_t layers,
                                    bool bidirectional, bool hasBias,
                                    Types &results) {
  if (failed(check.requireFloat(input, "input")) ||
      failed(check.requireRank(input, 3, "input [batch, time, features]")))
    return failure();
  if (hidden < 1 || layers < 1)
    return check.fail("hidden size and layer count must be positive");
  RankedTensorType x = typeOf(input);
  int64_t batch = x.getDimSize(0), time = x.getDimSize(1);
  int64_t dirs = bidirectional ? 2 : 1;
  for (Value state : states)
    if (failed(check.requireSameElementType(input, state, "input",
                                            "initial state")) ||
        failed(check.requireShape(state, {layers * dirs, batch, hidden},
                                  "initial state")))
      return failure();
  if (lengths && failed(check.requireShape(lengths, {batch}, "lengths")))
    return failure();
  int64_t perDirection = hasBias ? 4 : 2;
  if ((int64_t)weights.size() != layers * dirs * perDirection)
    return check.fail("expected " + Twine(layers * dirs * perDirection) +
                      " weight tensors, got " + Twine(weights.size()));
  static const char *names[] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  for (int64_t l = 0; l < layers; ++l) {
    int64_t in = l == 0 ? x.getDimSize(2) : dirs * hidden;
    for (int64_t d = 0; d < dirs; ++d) {
      ValueRange w = weights.slice((l * dirs + d) * perDirection, perDirection);
      SmallVector<SmallVector<int64_t>> shapes = {{gates * hidden, in},
                                                  {gates * hidden, hidden},
                                                  {gates * hidden},
                                                  {gates * hidden}};
      for (int64_t i = 0; i < perDirection; ++i) {
        std::string what = std::string(names[i]) + "_l" + std::to_string(l) +
                           (d ? "_reverse" : "");
        if (failed(check.requireSameElementType(input, w[i], "input", what)) ||
            failed(check.requireShape(w[i], shapes[i], what)))
          return failure();
      }
    }
  }
  Type et = x.getElementType();
  results.push_back(tensorOf({batch, time, dirs * hidden}, et));
  for (size_t i = 0; i < states.size(); ++i)
    results.push_back(tensorOf({layers * dirs, batch, hidden}, et));
  return success();
}

LogicalResult LstmOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                       Types &results) {
  return inferRecurrent(
      ShapeChecker(loc, "lstm"), 4, adaptor.getInput(),
      {adaptor.getH0(), adaptor.getC0()}, adaptor.getWeights(),
      adaptor.getLengths(), adaptor.getHiddenSize(), adaptor.getNumLayers(),
      adaptor.getBidirectional(), adaptor.getHasBias(), results);
}

NamedAttribute heed::recurrentOperandSegments(Builder &builder, bool lstm,
                                              int32_t weights, bool lengths) {
  SmallVector<int32_t> sizes = {1, 1};
  if (lstm)
    sizes.push_back(1);
  sizes.push_back(weights);
  sizes.push_back(lengths ? 1 : 0);
  return builder.getNamedAttr("operandSegmentSizes",
                              builder.getDenseI32ArrayAttr(sizes));
}

LogicalResult GruOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor adaptor,
                                      Types &results) {
  return inferRecurrent(ShapeChecker(loc, "gru"), 3, adaptor.getInput(),
                        {adaptor.getH0()}, adaptor.getWeights(),
                        adaptor.getLengths(), adaptor.getHiddenSize(),
                        adaptor.getNumLayers(), adaptor.getBidirectional(),
                        adaptor.getHasBias(), results);
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

LogicalResult Conv2dOp::inferReturnTypes(MLIRContext *, Loc loc,
                                         Adaptor adaptor, Types &results) {
  ShapeChecker check(loc, "conv2d");
  Value input = adaptor.getInput(), weight = adaptor.getWeight();
  if (failed(check.requireFloat(input, "input")) ||
      failed(check.requireRank(input, 4, "input [N, C, H, W]")) ||
      failed(check.requireRank(weight, 4, "weight [O, C/groups, kh, kw]")) ||
      failed(check.requireSameElementType(input, weight, "input", "weight")))
    return failure();
  RankedTensorType x = typeOf(input), w = typeOf(weight);
  int64_t groups = (int64_t)adaptor.getGroups();
  int64_t channels = x.getDimSize(1), out = w.getDimSize(0);
  if (groups < 1 || channels % groups || out % groups)
    return check.fail("groups = " + Twine(groups) +
                      " must divide the input channels " + Twine(channels) +
                      " and the output channels " + Twine(out));
  if (w.getDimSize(1) != channels / groups)
    return check.fail("weight " + formatType(w) + " expects " +
                      Twine(w.getDimSize(1) * groups) +
                      " input channels, input " + formatType(x) + " has " +
                      Twine(channels));
  if (Value bias = adaptor.getBias())
    if (failed(check.requireSameElementType(input, bias, "input", "bias")) ||
        failed(check.requireShape(bias, {out}, "bias")))
      return failure();
  int64_t kernel[2] = {w.getDimSize(2), w.getDimSize(3)};
  return inferPool(check, input, kernel, adaptor.getStride(),
                   adaptor.getPadding(), adaptor.getDilation(), results, out);
}

static LogicalResult inferPool2d(Loc loc, StringRef name, Value input,
                                 ArrayRef<int64_t> kernel,
                                 ArrayRef<int64_t> stride,
                                 ArrayRef<int64_t> padding, Types &results) {
  ShapeChecker check(loc, name);
  if (failed(check.requireRank(input, 4, "input [N, C, H, W]")))
    return failure();
  for (size_t i = 0; i < kernel.size() && i < padding.size(); ++i)
    if (padding[i] * 2 > kernel[i])
      return check.fail("padding must be at most half the kernel size");
  int64_t dilation[2] = {1, 1};
  return inferPool(check, input, kernel, stride, padding, dilation, results,
                   typeOf(input).getDimSize(1));
}

LogicalResult MaxPool2dOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  return inferPool2d(loc, "max_pool2d", adaptor.getInput(), adaptor.getKernel(),
                     adaptor.getStride(), adaptor.getPadding(), results);
}

LogicalResult AvgPool2dOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  return inferPool2d(loc, "avg_pool2d", adaptor.getInput(), adaptor.getKernel(),
                     adaptor.getStride(), adaptor.getPadding(), results);
}

LogicalResult GlobalAvgPoolOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                Adaptor adaptor,
                                                Types &results) {
  ShapeChecker check(loc, "global_avg_pool");
  if (failed(check.requireRank(adaptor.getInput(), 4, "input [N, C, H, W]")))
    return failure();
  RankedTensorType x = typeOf(adaptor.getInput());
  results.push_back(
      tensorOf({x.getDimSize(0), x.getDimSize(1), 1, 1}, x.getElementType()));
  return success();
}

#define GET_OP_CLASSES
#include "heed/HeedOps.cpp.inc"

int64_t heed::randomInputBound(Value input) {
  int64_t bound = std::numeric_limits<int64_t>::max();
  for (Operation *user : input.getUsers()) {
    if (auto e = dyn_cast<EmbeddingOp>(user))
      bound = std::min(
          bound, cast<RankedTensorType>(e.getWeight().getType()).getDimSize(0));
    if (auto g = dyn_cast<GatherOp>(user))
      if (g.getIndices() == input)
        bound = std::min(bound, cast<RankedTensorType>(g.getInput().getType())
                                    .getDimSize(g.getAxis()));
    // Sequence lengths of a recurrence lie in [0, T].
    for (Value lengths :
         {isa<LstmOp>(user) ? cast<LstmOp>(user).getLengths() : Value(),
          isa<GruOp>(user) ? cast<GruOp>(user).getLengths() : Value()})
      if (lengths == input)
        bound = std::min(bound,
                         cast<RankedTensorType>(user->getOperand(0).getType())
                                 .getDimSize(1) +
                             1);
    if (auto sc = dyn_cast<ScatterOp>(user))
      if (sc.getIndex() == input)
        bound = std::min(bound, cast<RankedTensorType>(sc.getInput().getType())
                                    .getDimSize(sc.getAxis()));
  }
  return bound == std::numeric_limits<int64_t>::max() ? 2 : bound;
}
