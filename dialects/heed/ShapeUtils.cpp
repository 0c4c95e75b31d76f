//===- ShapeUtils.cpp - Shape helpers for result type inference -----------===//

#include "heed/ShapeUtils.h"

#include "mlir/IR/Builders.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace heed {

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

std::string formatElementType(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isInteger(64))
    return "i64";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(1))
    return "i1";
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

std::optional<DType> toDType(Type t) {
  if (t.isF32())
    return DType::F32;
  if (t.isF16())
    return DType::F16;
  if (t.isBF16())
    return DType::BF16;
  if (t.isInteger(64))
    return DType::I64;
  if (t.isInteger(32))
    return DType::I32;
  if (t.isInteger(1))
    return DType::I1;
  return std::nullopt;
}

std::string formatType(Type type) {
  if (auto t = dyn_cast<RankedTensorType>(type))
    return formatElementType(t.getElementType()) + formatShape(t.getShape());
  return formatElementType(type);
}

FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = da == 1 ? db : da;
  }
  return out;
}

LogicalResult ShapeChecker::fail(const Twine &message) const {
  return emitOptionalError(loc, opName, ": ", message);
}

LogicalResult ShapeChecker::requireFloat(Value v, StringRef what) const {
  Type et = tensorType(v).getElementType();
  if (isa<FloatType>(et))
    return success();
  return fail(Twine(what) + " must be a float tensor (f32, f16 or bf16), got " +
              formatType(v.getType()));
}

LogicalResult ShapeChecker::requireRank(Value v, int64_t rank,
                                        StringRef what) const {
  if (tensorType(v).getRank() == rank)
    return success();
  return fail(Twine(what) + " must have rank " + Twine(rank) + ", got " +
              formatType(v.getType()));
}

LogicalResult ShapeChecker::requireSameElementType(Value a, Value b,
                                                   StringRef whatA,
                                                   StringRef whatB) const {
  if (tensorType(a).getElementType() == tensorType(b).getElementType())
    return success();
  return fail(Twine(whatA) + " and " + whatB +
              " must have the same dtype, got " + formatType(a.getType()) +
              " and " + formatType(b.getType()));
}

LogicalResult ShapeChecker::requireShape(Value v, ArrayRef<int64_t> shape,
                                         StringRef what) const {
  if (tensorType(v).getShape() == shape)
    return success();
  return fail(Twine(what) + " must have shape " + formatShape(shape) +
              ", got " + formatType(v.getType()));
}

LogicalResult ShapeChecker::requireAxis(int64_t axis, int64_t rank) const {
  if (axis >= 0 && axis < rank)
    return success();
  return fail("axis " + Twine(axis) + " is out of range for rank " +
              Twine(rank));
}

} // namespace heed

Type heed::toElementType(DType dtype, MLIRContext *ctx) {
  Builder b(ctx);
  switch (dtype) {
  case DType::F32:
    return b.getF32Type();
  case DType::F16:
    return b.getF16Type();
  case DType::BF16:
    return b.getBF16Type();
  case DType::I64:
    return b.getI64Type();
  case DType::I32:
    return b.getI32Type();
  case DType::I1:
    return b.getI1Type();
  }
  return b.getF32Type();
}
