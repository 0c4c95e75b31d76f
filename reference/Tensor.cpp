//===- Tensor.cpp - The reference interpreter's tensor --------------------===//

#include "Tensor.h"

#include "heed/io/HostTensor.h"

#include <cmath>

namespace heed::ref {

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Shape rowMajorStrides(const Shape &shape) {
  Shape strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::string shapeToString(const Shape &shape) {
  return io::shapeToString(shape);
}

/// The integral \p v wrapped into a two's-complement integer of \p bits bits
/// (exact: fmodl does not round).
static Scalar wrapToBits(Scalar v, int bits) {
  const Scalar modulus = std::ldexp((Scalar)1, bits);
  Scalar r = std::fmod(v, modulus); // in (-modulus, modulus)
  if (r >= modulus / 2)
    r -= modulus;
  else if (r < -modulus / 2)
    r += modulus;
  return r;
}

Scalar roundToDType(Scalar v, DType t) {
  switch (t) {
  case DType::F32:
    return (double)(float)v;
  case DType::F16:
    return (double)halfToFloat(floatToHalf((float)v));
  case DType::BF16:
    return (double)bf16ToFloat(floatToBf16((float)v));
  case DType::I64:
    return std::isfinite(v) ? wrapToBits(std::trunc(v), 64) : 0;
  case DType::I32:
    return std::isfinite(v) ? wrapToBits(std::trunc(v), 32) : 0;
  case DType::I1:
    return v != 0 ? 1 : 0;
  }
  return v;
}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype(dtype), shape(std::move(shape)),
      data((size_t)numElements(this->shape), 0.0) {}

Tensor::Tensor(DType dtype, Shape shape, std::vector<Scalar> data)
    : dtype(dtype), shape(std::move(shape)), data(std::move(data)) {
  roundInPlace();
}

static int64_t linearIndex(const Shape &shape,
                           const std::vector<int64_t> &index) {
  int64_t offset = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    offset = offset * shape[i] + index[i];
  return offset;
}

Scalar Tensor::at(const std::vector<int64_t> &index) const {
  return data[(size_t)linearIndex(shape, index)];
}

Scalar &Tensor::at(const std::vector<int64_t> &index) {
  return data[(size_t)linearIndex(shape, index)];
}

void Tensor::roundInPlace() {
  if (dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16 ||
      dtype == DType::I1 || dtype == DType::I32 || dtype == DType::I64)
    for (Scalar &v : data)
      v = roundToDType(v, dtype);
}

} // namespace heed::ref
