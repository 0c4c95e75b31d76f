//===- KernelSupport.h - Helpers shared by the reference kernels *- C++ -*-===//

#ifndef HEED_REFERENCE_KERNELSUPPORT_H
#define HEED_REFERENCE_KERNELSUPPORT_H

#include "Kernels.h"

#include <string>

namespace heed::ref {

/// Resolves a possibly negative axis against \p rank; throws KernelError
/// naming \p op if it is out of range.
inline int64_t normalizeAxis(const char *op, int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw KernelError(std::string(op) + ": axis " + std::to_string(axis) +
                      " is out of range for rank " + std::to_string(rank));
  return a;
}

/// Product of shape[begin, end).
inline int64_t product(const Shape &shape, int64_t begin, int64_t end) {
  int64_t n = 1;
  for (int64_t i = begin; i < end; ++i)
    n *= shape[(size_t)i];
  return n;
}

/// True for the integer dtypes whose arithmetic wraps (i64, i32).
inline bool isIntegerDType(DType t) {
  return t == DType::I64 || t == DType::I32;
}

/// a + b of two integers, exact and wrapping as the kernels' two's-complement
/// arithmetic does (computed in uint64_t, where wrapping is defined;
/// roundToDType wraps an i32 result into 32 bits). Scalar alone would round
/// a sum beyond 2^64.
inline Scalar addIntegers(Scalar a, Scalar b) {
  return (Scalar)(int64_t)((uint64_t)(int64_t)a + (uint64_t)(int64_t)b);
}

} // namespace heed::ref

#endif // HEED_REFERENCE_KERNELSUPPORT_H
