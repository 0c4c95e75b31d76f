//===- HostTensor.cpp - Element access for raw tensors --------------------===//

#include "heed/io/HostTensor.h"

#include <cstring>

namespace heed::io {

double loadElement(const HostTensor &t, int64_t i) {
  const uint8_t *p = t.data.data() + i * dtypeSize(t.dtype);
  switch (t.dtype) {
  case DType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case DType::F16: {
    uint16_t b;
    std::memcpy(&b, p, 2);
    return halfToFloat(b);
  }
  case DType::BF16: {
    uint16_t b;
    std::memcpy(&b, p, 2);
    return bf16ToFloat(b);
  }
  case DType::I64: {
    int64_t x;
    std::memcpy(&x, p, 8);
    return (double)x;
  }
  case DType::I32: {
    int32_t x;
    std::memcpy(&x, p, 4);
    return x;
  }
  case DType::I1:
    return *p ? 1 : 0;
  }
  return 0;
}

void storeElement(HostTensor &t, int64_t i, double value) {
  uint8_t *p = t.data.data() + i * dtypeSize(t.dtype);
  switch (t.dtype) {
  case DType::F32: {
    float f = (float)value;
    std::memcpy(p, &f, 4);
    break;
  }
  case DType::F16: {
    uint16_t h = floatToHalf((float)value);
    std::memcpy(p, &h, 2);
    break;
  }
  case DType::BF16: {
    uint16_t h = floatToBf16((float)value);
    std::memcpy(p, &h, 2);
    break;
  }
  case DType::I64: {
    int64_t v = floatToIntegerSaturating<int64_t>(value);
    std::memcpy(p, &v, 8);
    break;
  }
  case DType::I32: {
    int32_t v = floatToIntegerSaturating<int32_t>(value);
    std::memcpy(p, &v, 4);
    break;
  }
  case DType::I1:
    *p = value != 0;
    break;
  }
}

} // namespace heed::io
