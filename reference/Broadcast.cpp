//===- Broadcast.cpp - NumPy broadcasting for the reference kernels -------===//
//
// Shapes are aligned on their trailing dimensions; two extents are compatible
// when they are equal or one of them is 1, and the result takes the larger.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <algorithm>

namespace heed::ref {

Shape broadcastShapes(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Dimension i counted from the end; a missing dimension acts as 1.
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t d;
    if (da == db || db == 1)
      d = da;
    else if (da == 1)
      d = db;
    else
      throw KernelError("cannot broadcast " + shapeToString(a) + " with " +
                        shapeToString(b));
    out[rank - 1 - i] = d;
  }
  return out;
}

Tensor broadcastTo(const Tensor &x, const Shape &shape) {
  const Shape &in = x.shape;
  bool ok = in.size() <= shape.size();
  size_t lead = ok ? shape.size() - in.size() : 0;
  for (size_t i = 0; ok && i < in.size(); ++i)
    ok = in[i] == 1 || in[i] == shape[lead + i];
  if (!ok)
    throw KernelError("cannot broadcast " + shapeToString(in) + " to " +
                      shapeToString(shape));

  Tensor out(x.dtype, shape);
  Shape inStrides = rowMajorStrides(in);
  int64_t n = out.numel();
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    // Unravel the output position, then read the input with every broadcast
    // dimension (extent 1) pinned to 0.
    int64_t rest = flat;
    for (size_t d = shape.size(); d-- > 0;) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    int64_t src = 0;
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i] != 1)
        src += index[lead + i] * inStrides[i];
    out.data[(size_t)flat] = x.data[(size_t)src];
  }
  return out;
}

} // namespace heed::ref
