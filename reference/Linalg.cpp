//===- Linalg.cpp - Reference matmul and linear ---------------------------===//
//
// Dot products accumulate in double in the natural order k = 0, 1, ...; the
// result is rounded to the dtype of the first operand.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <string>

namespace heed::ref {

Tensor matmul(const Tensor &a, const Tensor &b) {
  if (a.rank() < 2 || b.rank() < 2)
    throw KernelError("matmul: operands must have rank >= 2, got " +
                      shapeToString(a.shape) + " and " +
                      shapeToString(b.shape));
  int64_t m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
  if (b.dim(-2) != k)
    throw KernelError("matmul: contraction dimensions differ in " +
                      shapeToString(a.shape) + " x " + shapeToString(b.shape));

  // Broadcast the leading (batch) dimensions, then materialise both operands
  // at the full batch shape so that batch index t addresses both.
  Shape batch = broadcastShapes(Shape(a.shape.begin(), a.shape.end() - 2),
                                Shape(b.shape.begin(), b.shape.end() - 2));
  Shape aShape = batch, bShape = batch, outShape = batch;
  aShape.insert(aShape.end(), {m, k});
  bShape.insert(bShape.end(), {k, n});
  outShape.insert(outShape.end(), {m, n});
  Tensor ba = broadcastTo(a, aShape);
  Tensor bb = broadcastTo(b, bShape);

  Tensor out(a.dtype, outShape);
  int64_t batches = numElements(batch);
  for (int64_t t = 0; t < batches; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p)
          acc += ba.data[(size_t)((t * m + i) * k + p)] *
                 bb.data[(size_t)((t * k + p) * n + j)];
        out.data[(size_t)((t * m + i) * n + j)] = acc;
      }
  out.roundInPlace();
  return out;
}

Tensor linear(const Tensor &x, const Tensor &weight, const Tensor *bias) {
  if (x.rank() < 1 || weight.rank() != 2 || weight.dim(1) != x.dim(-1))
    throw KernelError("linear: cannot apply weight " +
                      shapeToString(weight.shape) + " to input " +
                      shapeToString(x.shape));
  int64_t in = weight.dim(1), outFeatures = weight.dim(0);
  if (bias && bias->numel() != outFeatures)
    throw KernelError("linear: bias " + shapeToString(bias->shape) +
                      " does not match " + std::to_string(outFeatures) +
                      " output features");

  Shape outShape = x.shape;
  outShape.back() = outFeatures;
  Tensor out(x.dtype, outShape);
  int64_t rows = numElements(Shape(x.shape.begin(), x.shape.end() - 1));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < outFeatures; ++o) {
      double acc = 0.0;
      for (int64_t i = 0; i < in; ++i)
        acc += x.data[(size_t)(r * in + i)] * weight.data[(size_t)(o * in + i)];
      if (bias)
        acc += bias->data[(size_t)o];
      out.data[(size_t)(r * outFeatures + o)] = acc;
    }
  out.roundInPlace();
  return out;
}

} // namespace heed::ref
