//===- HostConversion.cpp - Tensor <-> io::HostTensor ---------------------===//

#include "HostConversion.h"

#include <cstring>

using namespace heed;
using namespace heed::ref;

Tensor heed::ref::fromHost(const io::HostTensor &h) {
  Tensor t(h.dtype, h.shape);
  size_t size = dtypeSize(h.dtype);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const uint8_t *p = h.data.data() + i * size;
    double v = 0;
    switch (h.dtype) {
    case DType::F32: {
      float f;
      std::memcpy(&f, p, 4);
      v = f;
      break;
    }
    case DType::F16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      v = halfToFloat(b);
      break;
    }
    case DType::BF16: {
      uint16_t b;
      std::memcpy(&b, p, 2);
      v = bf16ToFloat(b);
      break;
    }
    case DType::I64: {
      int64_t x;
      std::memcpy(&x, p, 8);
      v = (double)x;
      break;
    }
    case DType::I32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      v = x;
      break;
    }
    case DType::I1:
      v = *p ? 1 : 0;
      break;
    }
    t.data[i] = v;
  }
  return t;
}

io::HostTensor heed::ref::toHost(const Tensor &t) {
  io::HostTensor h;
  h.dtype = t.dtype;
  h.shape = t.shape;
  size_t size = dtypeSize(t.dtype);
  h.data.resize(t.numel() * size);
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint8_t *p = h.data.data() + i * size;
    double v = t.data[i];
    switch (t.dtype) {
    case DType::F32: {
      float f = (float)v;
      std::memcpy(p, &f, 4);
      break;
    }
    case DType::F16: {
      uint16_t b = floatToHalf((float)v);
      std::memcpy(p, &b, 2);
      break;
    }
    case DType::BF16: {
      uint16_t b = floatToBf16((float)v);
      std::memcpy(p, &b, 2);
      break;
    }
    case DType::I64: {
      int64_t x = (int64_t)v;
      std::memcpy(p, &x, 8);
      break;
    }
    case DType::I32: {
      int32_t x = (int32_t)v;
      std::memcpy(p, &x, 4);
      break;
    }
    case DType::I1:
      *p = v != 0;
      break;
    }
  }
  return h;
}
