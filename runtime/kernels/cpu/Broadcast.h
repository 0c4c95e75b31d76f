//===- Broadcast.h - NumPy broadcasting for elementwise kernels -*- C++ -*-===//

#ifndef HEED_RUNTIME_KERNELS_BROADCAST_H
#define HEED_RUNTIME_KERNELS_BROADCAST_H

#include "Kernel.h"

#include <vector>

namespace heed::rt {

/// Element strides of \p in read as if broadcast to \p out (0 along
/// broadcast dimensions), aligned to out's rank. Fails with a shape error
/// naming \p sig's kernel if \p in does not broadcast to \p out.
std::vector<int64_t> broadcastStrides(const KernelSignature &sig,
                                      const TensorDesc &in,
                                      const TensorDesc &out);

/// Walks the elements of an output of shape \p shape in row-major order from
/// \p begin to \p end, keeping the offsets of up to three broadcast operands.
class BroadcastCursor {
public:
  BroadcastCursor(const std::vector<int64_t> &shape,
                  std::vector<std::vector<int64_t>> strides, int64_t begin);
  /// Offset of operand \p k at the current element.
  int64_t offset(size_t k) const { return offsets[k]; }
  void next();

private:
  const std::vector<int64_t> &shape;
  std::vector<std::vector<int64_t>> strides;
  std::vector<int64_t> index;
  std::vector<int64_t> offsets;
};

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_BROADCAST_H
