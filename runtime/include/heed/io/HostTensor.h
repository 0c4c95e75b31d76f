//===- HostTensor.h - A tensor held in host memory --------------*- C++ -*-===//
//
// The in-memory form of a tensor read from or written to a .npy or
// .safetensors file: an element type, a shape and the raw bytes.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_HOSTTENSOR_H
#define HEED_IO_HOSTTENSOR_H

#include "heed/DType.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace heed {
namespace io {

/// A dense tensor in host memory.
struct HostTensor {
  /// The element type.
  DType dtype = DType::F32;
  /// The extent of each dimension; empty for a scalar.
  std::vector<int64_t> shape;
  /// The elements as raw little-endian bytes in row-major (C) order; holds
  /// exactly numel() * dtypeSize(dtype) bytes. An i1 element is one byte
  /// holding 0 or 1.
  std::vector<uint8_t> data;

  /// The number of elements: the product of the shape, 1 for a scalar.
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }

  /// The number of bytes the elements take: numel() * dtypeSize(dtype).
  size_t nbytes() const { return (size_t)numel() * dtypeSize(dtype); }
};

/// Computes the number of bytes of a tensor of \p shape whose elements are
/// \p itemSize bytes each, without overflow. Returns std::nullopt when a
/// dimension is negative or the product does not fit in an int64_t.
inline std::optional<uint64_t>
checkedByteSize(const std::vector<int64_t> &shape, uint64_t itemSize) {
  const uint64_t limit = (uint64_t)std::numeric_limits<int64_t>::max();
  uint64_t bytes = itemSize;
  if (bytes > limit)
    return std::nullopt;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    if (d != 0 && bytes > limit / (uint64_t)d)
      return std::nullopt;
    bytes *= (uint64_t)d;
  }
  return bytes;
}

/// Element \p i of \p t as a double (exact for every dtype but i64 beyond
/// 2^53).
double loadElement(const HostTensor &t, int64_t i);

/// Stores \p value as element \p i of \p t, rounding to the dtype: f16 and
/// bf16 to nearest even (via f32), integers as `cast` converts
/// (floatToIntegerSaturating), i1 as value != 0.
void storeElement(HostTensor &t, int64_t i, double value);

/// Formats \p shape as "[2, 3]" (or "[]" for a scalar) for error messages.
inline std::string shapeToString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

} // namespace io
} // namespace heed

#endif // HEED_IO_HOSTTENSOR_H
