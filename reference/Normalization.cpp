//===- Normalization.cpp - Reference softmax, norms, reductions, scans ----===//
//
// Every sum, mean and variance accumulates in double, in index order. Ops that
// act along one axis view their operand as [outer, extent, inner] (see
// Shape.cpp): element (o, i, n) sits at (o * extent + i) * inner + n.
//
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace heed::ref {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Checks that an optional per-feature parameter holds \p n values.
void checkParam(const char *op, const char *name, const Tensor *p, int64_t n) {
  if (p && p->numel() != n)
    throw KernelError(std::string(op) + ": " + name + " " +
                      shapeToString(p->shape) + " does not hold " +
                      std::to_string(n) + " values");
}

/// Maximum of a row that propagates NaN: once a NaN is seen it stays.
double rowMax(const Tensor &x, int64_t base, int64_t extent, int64_t stride) {
  double m = -kInf;
  for (int64_t i = 0; i < extent; ++i) {
    double v = x.data[(size_t)(base + i * stride)];
    if (std::isnan(v) || v > m)
      m = v;
  }
  return m;
}

/// softmax (\p log false) or log-softmax along \p axis.
Tensor softmaxImpl(const char *op, const Tensor &x, int64_t axis, bool log) {
  int64_t ax = normalizeAxis(op, axis, x.rank());
  int64_t extent = x.shape[(size_t)ax];
  int64_t outer = product(x.shape, 0, ax);
  int64_t inner = product(x.shape, ax + 1, x.rank());
  Tensor out(x.dtype, x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t n = 0; n < inner; ++n) {
      int64_t base = o * extent * inner + n;
      double m = rowMax(x, base, extent, inner);
      if (m == -kInf) {
        // Fully masked row: softmax gives zeros (never NaN), i.e. probability
        // 0 everywhere, whose log is -inf.
        for (int64_t i = 0; i < extent; ++i)
          out.data[(size_t)(base + i * inner)] = log ? -kInf : 0.0;
        continue;
      }
      double sum = 0.0;
      for (int64_t i = 0; i < extent; ++i)
        sum += std::exp(x.data[(size_t)(base + i * inner)] - m);
      for (int64_t i = 0; i < extent; ++i) {
        double shifted = x.data[(size_t)(base + i * inner)] - m;
        out.data[(size_t)(base + i * inner)] =
            log ? shifted - std::log(sum) : std::exp(shifted) / sum;
      }
    }
  out.roundInPlace();
  return out;
}

/// "a > b" for top-k: NaN counts as larger than every number (torch.topk).
bool topKGreater(double a, double b) {
  if (std::isnan(a))
    return !std::isnan(b);
  if (std::isnan(b))
    return false;
  return a > b;
}

} // namespace

Tensor softmax(const Tensor &x, int64_t axis) {
  return softmaxImpl("softmax", x, axis, false);
}

Tensor logSoftmax(const Tensor &x, int64_t axis) {
  return softmaxImpl("logSoftmax", x, axis, true);
}

Tensor layerNorm(const Tensor &x, const Tensor *weight, const Tensor *bias,
                 double eps) {
  if (x.rank() < 1)
    throw KernelError("layerNorm: operand must have rank >= 1");
  int64_t d = x.dim(-1);
  checkParam("layerNorm", "weight", weight, d);
  checkParam("layerNorm", "bias", bias, d);
  int64_t rows = product(x.shape, 0, x.rank() - 1);
  Tensor out(x.dtype, x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const Scalar *row = &x.data[(size_t)(r * d)];
    double mean = 0.0;
    for (int64_t i = 0; i < d; ++i)
      mean += row[i];
    mean /= (double)d;
    double var = 0.0; // biased: divided by d, not d - 1
    for (int64_t i = 0; i < d; ++i)
      var += (row[i] - mean) * (row[i] - mean);
    var /= (double)d;
    double invStd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < d; ++i) {
      double v = (row[i] - mean) * invStd;
      if (weight)
        v *= weight->data[(size_t)i];
      if (bias)
        v += bias->data[(size_t)i];
      out.data[(size_t)(r * d + i)] = v;
    }
  }
  out.roundInPlace();
  return out;
}

Tensor rmsNorm(const Tensor &x, const Tensor *weight, double eps) {
  if (x.rank() < 1)
    throw KernelError("rmsNorm: operand must have rank >= 1");
  int64_t d = x.dim(-1);
  checkParam("rmsNorm", "weight", weight, d);
  int64_t rows = product(x.shape, 0, x.rank() - 1);
  Tensor out(x.dtype, x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const Scalar *row = &x.data[(size_t)(r * d)];
    double meanSquare = 0.0;
    for (int64_t i = 0; i < d; ++i)
      meanSquare += row[i] * row[i];
    meanSquare /= (double)d;
    double invRms = 1.0 / std::sqrt(meanSquare + eps);
    for (int64_t i = 0; i < d; ++i) {
      double v = row[i] * invRms;
      if (weight)
        v *= weight->data[(size_t)i];
      out.data[(size_t)(r * d + i)] = v;
    }
  }
  out.roundInPlace();
  return out;
}

Tensor batchNorm(const Tensor &x, const Tensor &weight, const Tensor &bias,
                 const Tensor &mean, const Tensor &var, double eps) {
  if (x.rank() < 2)
    throw KernelError("batchNorm: operand must be [N, C, ...], got " +
                      shapeToString(x.shape));
  int64_t channels = x.shape[1];
  checkParam("batchNorm", "weight", &weight, channels);
  checkParam("batchNorm", "bias", &bias, channels);
  checkParam("batchNorm", "mean", &mean, channels);
  checkParam("batchNorm", "var", &var, channels);
  int64_t inner = product(x.shape, 2, x.rank()); // spatial size
  Tensor out(x.dtype, x.shape);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    size_t c = (size_t)((flat / inner) % channels);
    out.data[(size_t)flat] = (x.data[(size_t)flat] - mean.data[c]) /
                                 std::sqrt(var.data[c] + eps) * weight.data[c] +
                             bias.data[c];
  }
  out.roundInPlace();
  return out;
}

Tensor reduce(ReduceKind kind, const Tensor &x,
              const std::vector<int64_t> &axes, bool keepDims) {
  int64_t rank = x.rank();
  std::vector<bool> reduced((size_t)rank, false);
  for (int64_t a : axes) {
    int64_t ax = normalizeAxis("reduce", a, rank);
    if (reduced[(size_t)ax])
      throw KernelError("reduce: axis " + std::to_string(ax) +
                        " is listed twice");
    reduced[(size_t)ax] = true;
  }

  // The result with reduced dimensions kept as 1; keepDims only decides the
  // final shape, not the element order.
  Shape keptShape = x.shape;
  int64_t count = 1; // elements folded into each result element
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[(size_t)d]) {
      count *= x.shape[(size_t)d];
      keptShape[(size_t)d] = 1;
    }
  double init = kind == ReduceKind::Max   ? -kInf
                : kind == ReduceKind::Min ? kInf
                                          : 0.0;
  std::vector<Scalar> acc((size_t)numElements(keptShape), init);
  Shape keptStrides = rowMajorStrides(keptShape);

  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    // Unravel the input position; the reduced dimensions contribute nothing
    // to the destination.
    int64_t rest = flat, dst = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t id = rest % x.shape[(size_t)d];
      rest /= x.shape[(size_t)d];
      if (!reduced[(size_t)d])
        dst += id * keptStrides[(size_t)d];
    }
    Scalar v = x.data[(size_t)flat];
    Scalar &a = acc[(size_t)dst];
    switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      a = isIntegerDType(x.dtype) ? addIntegers(a, v) : a + v;
      break;
    case ReduceKind::Max: // NaN propagates: once a is NaN it stays
      if (std::isnan(v) || v > a)
        a = v;
      break;
    case ReduceKind::Min:
      if (std::isnan(v) || v < a)
        a = v;
      break;
    }
  }
  if (kind == ReduceKind::Mean)
    for (Scalar &a : acc)
      a /= (Scalar)count;

  Shape outShape;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced[(size_t)d])
      outShape.push_back(x.shape[(size_t)d]);
    else if (keepDims)
      outShape.push_back(1);
  return Tensor(x.dtype, outShape, std::move(acc));
}

std::pair<Tensor, Tensor> topK(const Tensor &x, int64_t k, int64_t axis) {
  int64_t ax = normalizeAxis("topK", axis, x.rank());
  int64_t extent = x.shape[(size_t)ax];
  if (k < 0 || k > extent)
    throw KernelError("topK: k = " + std::to_string(k) +
                      " is out of range for extent " + std::to_string(extent));
  int64_t outer = product(x.shape, 0, ax);
  int64_t inner = product(x.shape, ax + 1, x.rank());
  Shape outShape = x.shape;
  outShape[(size_t)ax] = k;
  Tensor values(x.dtype, outShape);
  Tensor indices(DType::I64, outShape);

  std::vector<int64_t> order((size_t)extent);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t n = 0; n < inner; ++n) {
      int64_t base = o * extent * inner + n;
      auto value = [&](int64_t i) {
        return x.data[(size_t)(base + i * inner)];
      };
      std::iota(order.begin(), order.end(), 0);
      // Descending by value; equal values are ordered by index, so ties put
      // the lower index first.
      std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        if (topKGreater(value(a), value(b)))
          return true;
        if (topKGreater(value(b), value(a)))
          return false;
        return a < b;
      });
      for (int64_t j = 0; j < k; ++j) {
        size_t dst = (size_t)((o * k + j) * inner + n);
        values.data[dst] = value(order[(size_t)j]);
        indices.data[dst] = (double)order[(size_t)j];
      }
    }
  return {values, indices};
}

Tensor cumsum(const Tensor &x, int64_t axis) {
  int64_t ax = normalizeAxis("cumsum", axis, x.rank());
  int64_t extent = x.shape[(size_t)ax];
  int64_t outer = product(x.shape, 0, ax);
  int64_t inner = product(x.shape, ax + 1, x.rank());
  Tensor out(x.dtype, x.shape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t n = 0; n < inner; ++n) {
      Scalar sum = 0;
      for (int64_t i = 0; i < extent; ++i) {
        size_t at = (size_t)((o * extent + i) * inner + n);
        sum = isIntegerDType(x.dtype) ? addIntegers(sum, x.data[at])
                                      : sum + x.data[at];
        out.data[at] = sum;
      }
    }
  out.roundInPlace();
  return out;
}

} // namespace heed::ref
