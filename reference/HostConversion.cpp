//===- HostConversion.cpp - Tensor <-> io::HostTensor ---------------------===//
//
// i64 elements are copied as integers, not through io::loadElement's double,
// so that every i64 survives the round trip (Tensor.h).
//
//===----------------------------------------------------------------------===//

#include "HostConversion.h"

#include <cstring>

using namespace heed;
using namespace heed::ref;

Tensor heed::ref::fromHost(const io::HostTensor &h) {
  Tensor t(h.dtype, h.shape);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (h.dtype == DType::I64) {
      int64_t v;
      std::memcpy(&v, h.data.data() + 8 * i, 8);
      t.data[i] = (Scalar)v;
    } else {
      t.data[i] = io::loadElement(h, i);
    }
  }
  return t;
}

io::HostTensor heed::ref::toHost(const Tensor &t) {
  io::HostTensor h;
  h.dtype = t.dtype;
  h.shape = t.shape;
  h.data.resize(t.numel() * dtypeSize(t.dtype));
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (t.dtype == DType::I64) {
      // Already an integer in range (Tensor keeps values rounded).
      int64_t v = (int64_t)t.data[i];
      std::memcpy(h.data.data() + 8 * i, &v, 8);
    } else {
      io::storeElement(h, i, (double)t.data[i]);
    }
  }
  return h;
}
