//===- Tensor.h - The reference interpreter's tensor ------------*- C++ -*-===//
//
// A dense, row-major tensor whose elements are held as Scalar (long double)
// whatever the dtype. Every reference kernel computes in double or wider and
// rounds its results to the tensor's dtype (see roundToDType), so the
// reference is at least as accurate as any compiled pipeline it is compared
// with. Scalar's 64-bit significand holds every i64 exactly (2^53 + 1 stays
// 2^53 + 1, as it would not in a double), and integer arithmetic wraps as the
// kernels' two's-complement arithmetic does.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_REFERENCE_TENSOR_H
#define HEED_REFERENCE_TENSOR_H

#include "heed/DType.h"

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace heed::ref {

using Shape = std::vector<int64_t>;

/// The type every element is held in: wide enough for any f32, f16, bf16
/// value and any i64 (x86-64's 80-bit long double).
using Scalar = long double;
static_assert(std::numeric_limits<Scalar>::digits >= 64,
              "the reference interpreter needs a 64-bit significand to hold "
              "every i64 exactly");

/// Number of elements of a tensor of shape \p shape (1 for a scalar).
int64_t numElements(const Shape &shape);

/// Row-major strides of \p shape, in elements.
Shape rowMajorStrides(const Shape &shape);

/// "[2, 3, 4]".
std::string shapeToString(const Shape &shape);

/// Rounds \p v to the nearest value representable in \p t: float32, half and
/// bfloat16 rounding to nearest even, integers truncated towards zero and
/// wrapped into their range (two's complement; non-finite values give 0), i1
/// to 0 or 1 (any non-zero value is 1).
Scalar roundToDType(Scalar v, DType t);

/// A dense row-major tensor; see the file comment.
struct Tensor {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<Scalar> data;

  Tensor() = default;
  /// A zero-filled tensor.
  Tensor(DType dtype, Shape shape);
  /// A tensor with the given elements; \p data.size() must equal the element
  /// count of \p shape. Values are rounded to \p dtype.
  Tensor(DType dtype, Shape shape, std::vector<Scalar> data);
  /// The same from values of another arithmetic type (double, int64_t...).
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T> &&
                                                    !std::is_same_v<T, Scalar>>>
  Tensor(DType dtype, Shape shape, const std::vector<T> &data)
      : Tensor(dtype, std::move(shape),
               std::vector<Scalar>(data.begin(), data.end())) {}

  int64_t rank() const { return (int64_t)shape.size(); }
  int64_t numel() const { return (int64_t)data.size(); }
  /// Extent of dimension \p d; negative \p d counts from the end.
  int64_t dim(int64_t d) const { return shape[d < 0 ? d + rank() : d]; }

  /// Element at a multi-index (checked only by assertion-free bounds logic of
  /// the caller).
  Scalar at(const std::vector<int64_t> &index) const;
  Scalar &at(const std::vector<int64_t> &index);

  /// Rounds every element to the dtype; kernels call this on their results.
  void roundInPlace();
};

} // namespace heed::ref

#endif // HEED_REFERENCE_TENSOR_H
