//===- Broadcast.cpp - NumPy broadcasting for elementwise kernels ---------===//

#include "Broadcast.h"

namespace heed::rt {

std::vector<int64_t> broadcastStrides(const KernelSignature &sig,
                                      const TensorDesc &in,
                                      const TensorDesc &out) {
  int64_t rank = out.rank(), shift = rank - in.rank();
  if (shift < 0)
    sig.shapeError(in.str() + " has a higher rank than the output " +
                   out.str());
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t d = in.rank() - 1; d >= 0; --d) {
    int64_t extent = in.shape[d];
    if (extent != out.shape[d + shift] && extent != 1)
      sig.shapeError("cannot broadcast " + in.str() + " to " + out.str());
    strides[d + shift] = extent == 1 ? 0 : stride;
    stride *= extent;
  }
  return strides;
}

BroadcastCursor::BroadcastCursor(const std::vector<int64_t> &shape,
                                 std::vector<std::vector<int64_t>> strides,
                                 int64_t begin)
    : shape(shape), strides(std::move(strides)), index(shape.size(), 0),
      offsets(this->strides.size(), 0) {
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    index[d] = shape[d] ? begin % shape[d] : 0;
    begin = shape[d] ? begin / shape[d] : 0;
  }
  for (size_t k = 0; k < offsets.size(); ++k)
    for (size_t d = 0; d < shape.size(); ++d)
      offsets[k] += index[d] * this->strides[k][d];
}

void BroadcastCursor::next() {
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    ++index[d];
    for (size_t k = 0; k < offsets.size(); ++k)
      offsets[k] += strides[k][d];
    if (index[d] < shape[d])
      return;
    for (size_t k = 0; k < offsets.size(); ++k)
      offsets[k] -= strides[k][d] * shape[d];
    index[d] = 0;
  }
}

} // namespace heed::rt
