//===- Elementwise.cpp - Reference unary, binary, compare, where, cast ----===//
//
// Every function computes each element in double (floats) or exactly
// (integers, in two's complement) and rounds the result to its dtype. Binary
// ops, comparisons and where broadcast their operands with broadcastTo first,
// so the loops below only see equal shapes.
//
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "Kernels.h"

#include <cmath>
#include <limits>

namespace heed::ref {

namespace {

void checkSameDType(const char *op, const Tensor &a, const Tensor &b) {
  if (a.dtype != b.dtype)
    throw KernelError(std::string(op) + ": operand dtypes differ (" +
                      dtypeName(a.dtype) + " vs " + dtypeName(b.dtype) + ")");
}

/// NaN-propagating maximum / minimum (torch.maximum / torch.minimum).
Scalar nanMax(Scalar a, Scalar b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<Scalar>::quiet_NaN();
  return a > b ? a : b;
}
Scalar nanMin(Scalar a, Scalar b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<Scalar>::quiet_NaN();
  return a < b ? a : b;
}

/// a op b for Sub and Mul of integers, as addIntegers does for Add.
Scalar applyIntegerRing(BinaryKind kind, Scalar a, Scalar b) {
  if (kind == BinaryKind::Add)
    return addIntegers(a, b);
  uint64_t x = (uint64_t)(int64_t)a, y = (uint64_t)(int64_t)b;
  return (Scalar)(int64_t)(kind == BinaryKind::Sub ? x - y : x * y);
}

Scalar applyBinary(BinaryKind kind, DType t, Scalar a, Scalar b) {
  if (isIntegerDType(t) && (kind == BinaryKind::Add ||
                            kind == BinaryKind::Sub || kind == BinaryKind::Mul))
    return applyIntegerRing(kind, a, b);
  switch (kind) {
  case BinaryKind::Add:
    return a + b;
  case BinaryKind::Sub:
    return a - b;
  case BinaryKind::Mul:
    return a * b;
  case BinaryKind::Div:
    if (isIntegerDType(t)) {
      if (b == 0)
        throw KernelError("integer division by zero");
      // C++ integer division truncates towards zero (x / -1 is written as
      // -x, which roundToDType wraps, so that INT64_MIN / -1 does not
      // overflow).
      if (b == -1)
        return -a;
      return (Scalar)((int64_t)a / (int64_t)b);
    }
    return a / b;
  case BinaryKind::Max:
    return nanMax(a, b);
  case BinaryKind::Min:
    return nanMin(a, b);
  case BinaryKind::Pow: {
    double p = std::pow((double)a, (double)b);
    if (!isIntegerDType(t))
      return p;
    // As the kernels: truncated, 0 where infinite (0 to a negative power),
    // saturated beyond the dtype's range.
    if (!std::isfinite(p))
      return 0;
    return t == DType::I64 ? (Scalar)floatToIntegerSaturating<int64_t>(p)
                           : (Scalar)floatToIntegerSaturating<int32_t>(p);
  }
  case BinaryKind::And:
    return (a != 0 && b != 0) ? 1 : 0;
  case BinaryKind::Or:
    return (a != 0 || b != 0) ? 1 : 0;
  }
  return 0;
}

bool applyCompare(CompareKind kind, Scalar a, Scalar b) {
  switch (kind) {
  case CompareKind::Eq:
    return a == b;
  case CompareKind::Ne:
    return a != b;
  case CompareKind::Lt:
    return a < b;
  case CompareKind::Le:
    return a <= b;
  case CompareKind::Gt:
    return a > b;
  case CompareKind::Ge:
    return a >= b;
  }
  return false;
}

} // namespace

Tensor map(const Tensor &x, double (*fn)(double)) {
  Tensor out(x.dtype, x.shape);
  for (size_t i = 0; i < x.data.size(); ++i)
    out.data[i] = fn(x.data[i]);
  out.roundInPlace();
  return out;
}

Tensor binary(BinaryKind kind, const Tensor &a, const Tensor &b) {
  checkSameDType("binary", a, b);
  Shape shape = broadcastShapes(a.shape, b.shape);
  Tensor ba = broadcastTo(a, shape);
  Tensor bb = broadcastTo(b, shape);
  Tensor out(a.dtype, shape);
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = applyBinary(kind, a.dtype, ba.data[i], bb.data[i]);
  out.roundInPlace();
  return out;
}

Tensor compare(CompareKind kind, const Tensor &a, const Tensor &b) {
  checkSameDType("compare", a, b);
  Shape shape = broadcastShapes(a.shape, b.shape);
  Tensor ba = broadcastTo(a, shape);
  Tensor bb = broadcastTo(b, shape);
  Tensor out(DType::I1, shape);
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = applyCompare(kind, ba.data[i], bb.data[i]) ? 1.0 : 0.0;
  return out;
}

Tensor where(const Tensor &cond, const Tensor &a, const Tensor &b) {
  checkSameDType("where", a, b);
  Shape shape = broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape));
  Tensor bc = broadcastTo(cond, shape);
  Tensor ba = broadcastTo(a, shape);
  Tensor bb = broadcastTo(b, shape);
  Tensor out(a.dtype, shape);
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = bc.data[i] != 0 ? ba.data[i] : bb.data[i];
  out.roundInPlace();
  return out;
}

Tensor cast(const Tensor &x, DType to) {
  // To a float: round to nearest even; to i1: x != 0 (roundToDType). From a
  // float to an integer: heed::floatToIntegerSaturating, the rule of the
  // kernels (truncate; saturate beyond the range and at +-inf; NaN is 0).
  // Between integers, i32 keeps the low 32 bits (two's complement).
  // (Floats are held exactly in a double, so going through one loses
  // nothing; integers are never converted through a double.)
  std::vector<Scalar> data = x.data;
  if (to == DType::I64 || to == DType::I32)
    for (Scalar &v : data) {
      if (isFloatDType(x.dtype))
        v = to == DType::I64
                ? (Scalar)floatToIntegerSaturating<int64_t>((double)v)
                : (Scalar)floatToIntegerSaturating<int32_t>((double)v);
      else if (to == DType::I32)
        v = (Scalar)(int32_t)(uint32_t)(uint64_t)(int64_t)v;
    }
  return Tensor(to, x.shape, std::move(data));
}

} // namespace heed::ref
