//===- Tensor.h - The reference interpreter's tensor ------------*- C++ -*-===//
//
// A dense, row-major tensor whose elements are held as doubles whatever the
// dtype. Every reference kernel computes in double and rounds its results to
// the tensor's dtype (see roundToDType), so the reference is at least as
// accurate as any compiled pipeline it is compared with. Integer values are
// exact up to 2^53, far beyond any index or size a model uses.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_REFERENCE_TENSOR_H
#define HEED_REFERENCE_TENSOR_H

#include "heed/DType.h"

#include <cstdint>
#include <string>
#include <vector>

namespace heed::ref {

using Shape = std::vector<int64_t>;

/// Number of elements of a tensor of shape \p shape (1 for a scalar).
int64_t numElements(const Shape &shape);

/// Row-major strides of \p shape, in elements.
Shape rowMajorStrides(const Shape &shape);

/// "[2, 3, 4]".
std::string shapeToString(const Shape &shape);

/// Rounds \p v to the nearest value representable in \p t: float32, half and
/// bfloat16 rounding to nearest even, integers truncated towards zero, i1 to
/// 0 or 1 (any non-zero value is 1).
double roundToDType(double v, DType t);

/// A dense row-major tensor; see the file comment.
struct Tensor {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<double> data;

  Tensor() = default;
  /// A zero-filled tensor.
  Tensor(DType dtype, Shape shape);
  /// A tensor with the given elements; \p data.size() must equal the element
  /// count of \p shape. Values are rounded to \p dtype.
  Tensor(DType dtype, Shape shape, std::vector<double> data);

  int64_t rank() const { return (int64_t)shape.size(); }
  int64_t numel() const { return (int64_t)data.size(); }
  /// Extent of dimension \p d; negative \p d counts from the end.
  int64_t dim(int64_t d) const { return shape[d < 0 ? d + rank() : d]; }

  /// Element at a multi-index (checked only by assertion-free bounds logic of
  /// the caller).
  double at(const std::vector<int64_t> &index) const;
  double &at(const std::vector<int64_t> &index);

  /// Rounds every element to the dtype; kernels call this on their results.
  void roundInPlace();
};

} // namespace heed::ref

#endif // HEED_REFERENCE_TENSOR_H
