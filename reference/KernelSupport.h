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

} // namespace heed::ref

#endif // HEED_REFERENCE_KERNELSUPPORT_H
