//===- Tensor.h - The object behind heed_tensor -----------------*- C++ -*-===//

#ifndef HEED_RUNTIME_TENSOR_H
#define HEED_RUNTIME_TENSOR_H

#include "Kernel.h"

#include <cstdlib>
#include <vector>

struct heed_tensor {
  heed_dtype dtype = HEED_F32;
  std::vector<int64_t> shape;
  void *data = nullptr;
  bool owned = false;

  size_t nbytes() const {
    size_t n = heed::rt::dtypeBytes(dtype);
    for (int64_t d : shape)
      n *= (size_t)d;
    return n;
  }
  ~heed_tensor() {
    if (owned)
      std::free(data);
  }
};

#endif // HEED_RUNTIME_TENSOR_H
