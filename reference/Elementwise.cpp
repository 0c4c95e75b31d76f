//===- Elementwise.cpp - Reference unary, binary, compare, where, cast ----===//
//
// Every function computes each element in double and rounds the result to
// its dtype. Binary ops, comparisons and where broadcast their operands with
// broadcastTo first, so the loops below only see equal shapes.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <cmath>
#include <limits>

namespace heed::ref {

namespace {

bool isIntegerDType(DType t) { return t == DType::I64 || t == DType::I32; }

void checkSameDType(const char *op, const Tensor &a, const Tensor &b) {
  if (a.dtype != b.dtype)
    throw KernelError(std::string(op) + ": operand dtypes differ (" +
                      dtypeName(a.dtype) + " vs " + dtypeName(b.dtype) + ")");
}

/// NaN-propagating maximum / minimum (torch.maximum / torch.minimum).
double nanMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}
double nanMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<double>::quiet_NaN();
  return a < b ? a : b;
}

double applyBinary(BinaryKind kind, DType t, double a, double b) {
  switch (kind) {
  case BinaryKind::Add:
    return a + b;
  case BinaryKind::Sub:
    return a - b;
  case BinaryKind::Mul:
    return a * b;
  case BinaryKind::Div:
    if (isIntegerDType(t)) {
      if (b == 0.0)
        throw KernelError("integer division by zero");
      // C++ integer division truncates towards zero (x / -1 is written as
      // -x so that INT64_MIN / -1 does not overflow).
      if (b == -1.0)
        return -a;
      return (double)((int64_t)a / (int64_t)b);
    }
    return a / b;
  case BinaryKind::Max:
    return nanMax(a, b);
  case BinaryKind::Min:
    return nanMin(a, b);
  case BinaryKind::Pow:
    return std::pow(a, b);
  case BinaryKind::And:
    return (a != 0.0 && b != 0.0) ? 1.0 : 0.0;
  case BinaryKind::Or:
    return (a != 0.0 || b != 0.0) ? 1.0 : 0.0;
  }
  return 0.0;
}

bool applyCompare(CompareKind kind, double a, double b) {
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
    out.data[i] = bc.data[i] != 0.0 ? ba.data[i] : bb.data[i];
  out.roundInPlace();
  return out;
}

Tensor cast(const Tensor &x, DType to) {
  // To a float: round to nearest even; to i1: x != 0 (roundToDType). From a
  // float to an integer: heed::floatToIntegerSaturating, the rule of the
  // kernels (truncate; saturate beyond the range and at +-inf; NaN is 0).
  // Between integers, i32 keeps the low 32 bits (two's complement).
  std::vector<double> data = x.data;
  if (to == DType::I64 || to == DType::I32)
    for (double &v : data) {
      if (isFloatDType(x.dtype))
        v = to == DType::I64 ? (double)floatToIntegerSaturating<int64_t>(v)
                             : (double)floatToIntegerSaturating<int32_t>(v);
      else if (to == DType::I32)
        v = (double)(int32_t)(uint32_t)(uint64_t)(int64_t)v;
    }
  return Tensor(to, x.shape, std::move(data));
}

} // namespace heed::ref
