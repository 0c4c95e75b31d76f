//===- HostConversion.cpp - Tensor <-> io::HostTensor ---------------------===//

#include "HostConversion.h"

using namespace heed;
using namespace heed::ref;

Tensor heed::ref::fromHost(const io::HostTensor &h) {
  Tensor t(h.dtype, h.shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data[i] = io::loadElement(h, i);
  return t;
}

io::HostTensor heed::ref::toHost(const Tensor &t) {
  io::HostTensor h;
  h.dtype = t.dtype;
  h.shape = t.shape;
  h.data.resize(t.numel() * dtypeSize(t.dtype));
  for (int64_t i = 0; i < t.numel(); ++i)
    io::storeElement(h, i, t.data[i]);
  return h;
}
