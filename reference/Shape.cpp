//===- Shape.cpp - Reference shape and data-movement kernels --------------===//
//
// Ops that act along one axis view their operand as [outer, extent, inner]:
// outer is the product of the dimensions before the axis and inner the
// product of those after it, so element (o, i, n) sits at
// (o * extent + i) * inner + n in row-major order.
//
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "Kernels.h"

#include <algorithm>
#include <string>

namespace heed::ref {

namespace {

int64_t outerSize(const Shape &shape, int64_t axis) {
  return product(shape, 0, axis);
}
int64_t innerSize(const Shape &shape, int64_t axis) {
  return product(shape, axis + 1, (int64_t)shape.size());
}

/// Resolves an index read from an index tensor, counting negative values from
/// the end when \p allowNegative; throws if it is outside [0, extent).
int64_t checkedIndex(const char *op, double value, int64_t extent,
                     bool allowNegative) {
  int64_t index = (int64_t)value;
  int64_t resolved = (allowNegative && index < 0) ? index + extent : index;
  if (resolved < 0 || resolved >= extent)
    throw KernelError(std::string(op) + ": index " + std::to_string(index) +
                      " is out of range for extent " + std::to_string(extent));
  return resolved;
}

/// tril (\p lower) or triu over the last two dimensions.
Tensor triangle(const char *op, const Tensor &x, int64_t k, bool lower) {
  if (x.rank() < 2)
    throw KernelError(std::string(op) + ": operand must have rank >= 2, got " +
                      shapeToString(x.shape));
  int64_t rows = x.dim(-2), cols = x.dim(-1);
  Tensor out(x.dtype, x.shape);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t col = flat % cols;
    int64_t row = (flat / cols) % rows;
    bool keep = lower ? col - row <= k : col - row >= k;
    out.data[(size_t)flat] = keep ? x.data[(size_t)flat] : 0.0;
  }
  return out;
}

} // namespace

Tensor transpose(const Tensor &x, const std::vector<int64_t> &perm) {
  int64_t rank = x.rank();
  if ((int64_t)perm.size() != rank)
    throw KernelError("transpose: permutation has " +
                      std::to_string(perm.size()) + " entries for rank " +
                      std::to_string(rank));
  std::vector<int64_t> p(perm.size());
  std::vector<bool> seen((size_t)rank, false);
  for (size_t i = 0; i < perm.size(); ++i) {
    p[i] = normalizeAxis("transpose", perm[i], rank);
    if (seen[(size_t)p[i]])
      throw KernelError("transpose: axis " + std::to_string(p[i]) +
                        " appears twice in the permutation");
    seen[(size_t)p[i]] = true;
  }

  Shape outShape((size_t)rank);
  for (int64_t i = 0; i < rank; ++i)
    outShape[(size_t)i] = x.shape[(size_t)p[(size_t)i]];
  Tensor out(x.dtype, outShape);
  Shape inStrides = rowMajorStrides(x.shape);
  for (int64_t flat = 0; flat < out.numel(); ++flat) {
    // Output index (i0, ..., in) reads input index j with j[p[d]] = i_d.
    int64_t rest = flat, src = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t id = rest % outShape[(size_t)d];
      rest /= outShape[(size_t)d];
      src += id * inStrides[(size_t)p[(size_t)d]];
    }
    out.data[(size_t)flat] = x.data[(size_t)src];
  }
  return out;
}

Tensor reshape(const Tensor &x, const Shape &shape) {
  if (numElements(shape) != x.numel())
    throw KernelError("reshape: cannot reshape " + shapeToString(x.shape) +
                      " to " + shapeToString(shape));
  return Tensor(x.dtype, shape, x.data);
}

Tensor concat(const std::vector<Tensor> &xs, int64_t axis) {
  if (xs.empty())
    throw KernelError("concat: no operands");
  const Tensor &first = xs.front();
  int64_t ax = normalizeAxis("concat", axis, first.rank());
  Shape outShape = first.shape;
  outShape[(size_t)ax] = 0;
  for (const Tensor &x : xs) {
    bool ok = x.rank() == first.rank();
    for (int64_t d = 0; ok && d < first.rank(); ++d)
      ok = d == ax || x.shape[(size_t)d] == first.shape[(size_t)d];
    if (!ok)
      throw KernelError(
          "concat: cannot concatenate " + shapeToString(first.shape) + " and " +
          shapeToString(x.shape) + " along axis " + std::to_string(ax));
    outShape[(size_t)ax] += x.shape[(size_t)ax];
  }

  Tensor out(first.dtype, outShape);
  int64_t outer = outerSize(outShape, ax), inner = innerSize(outShape, ax);
  int64_t outExtent = outShape[(size_t)ax];
  for (int64_t o = 0; o < outer; ++o) {
    int64_t offset = 0; // position along the axis where this operand starts
    for (const Tensor &x : xs) {
      int64_t extent = x.shape[(size_t)ax];
      for (int64_t i = 0; i < extent; ++i)
        for (int64_t n = 0; n < inner; ++n)
          out.data[(size_t)((o * outExtent + offset + i) * inner + n)] =
              x.data[(size_t)((o * extent + i) * inner + n)];
      offset += extent;
    }
  }
  out.roundInPlace();
  return out;
}

std::vector<Tensor> split(const Tensor &x, const std::vector<int64_t> &sizes,
                          int64_t axis) {
  int64_t ax = normalizeAxis("split", axis, x.rank());
  int64_t extent = x.shape[(size_t)ax];
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0)
      throw KernelError("split: negative piece size " + std::to_string(s));
    total += s;
  }
  if (total != extent)
    throw KernelError("split: piece sizes sum to " + std::to_string(total) +
                      " but axis " + std::to_string(ax) + " has extent " +
                      std::to_string(extent));

  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t s : sizes) {
    pieces.push_back(slice(x, ax, start, start + s, 1));
    start += s;
  }
  return pieces;
}

Tensor slice(const Tensor &x, int64_t axis, int64_t start, int64_t end,
             int64_t step) {
  int64_t ax = normalizeAxis("slice", axis, x.rank());
  int64_t extent = x.shape[(size_t)ax];
  if (start < 0 || start > end || end > extent || step < 1)
    throw KernelError("slice: invalid range " + std::to_string(start) + ":" +
                      std::to_string(end) + ":" + std::to_string(step) +
                      " for extent " + std::to_string(extent));
  int64_t count = (end - start + step - 1) / step; // ceil((end - start) / step)
  Shape outShape = x.shape;
  outShape[(size_t)ax] = count;
  Tensor out(x.dtype, outShape);
  int64_t outer = outerSize(x.shape, ax), inner = innerSize(x.shape, ax);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < count; ++i)
      for (int64_t n = 0; n < inner; ++n)
        out.data[(size_t)((o * count + i) * inner + n)] =
            x.data[(size_t)((o * extent + start + i * step) * inner + n)];
  return out;
}

Tensor gather(const Tensor &x, const Tensor &indices, int64_t axis) {
  int64_t ax = normalizeAxis("gather", axis, x.rank());
  int64_t extent = x.shape[(size_t)ax];
  Shape outShape(x.shape.begin(), x.shape.begin() + ax);
  outShape.insert(outShape.end(), indices.shape.begin(), indices.shape.end());
  outShape.insert(outShape.end(), x.shape.begin() + ax + 1, x.shape.end());

  Tensor out(x.dtype, outShape);
  int64_t outer = outerSize(x.shape, ax), inner = innerSize(x.shape, ax);
  int64_t count = indices.numel();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      int64_t i = checkedIndex("gather", indices.data[(size_t)j], extent, true);
      for (int64_t n = 0; n < inner; ++n)
        out.data[(size_t)((o * count + j) * inner + n)] =
            x.data[(size_t)((o * extent + i) * inner + n)];
    }
  return out;
}

Tensor scatter(const Tensor &x, int64_t axis, const Tensor &index,
               const Tensor &src) {
  int64_t ax = normalizeAxis("scatter", axis, x.rank());
  if (index.rank() != x.rank() || src.rank() != x.rank())
    throw KernelError("scatter: index " + shapeToString(index.shape) +
                      " and src " + shapeToString(src.shape) +
                      " must have the rank of x " + shapeToString(x.shape));
  Shape xStrides = rowMajorStrides(x.shape);
  Shape srcStrides = rowMajorStrides(src.shape);
  Tensor out = x;
  // Positions of index in row-major order: where one repeats, the last
  // write stays.
  for (int64_t flat = 0; flat < index.numel(); ++flat) {
    int64_t rest = flat, to = 0, from = 0;
    for (int64_t d = index.rank() - 1; d >= 0; --d) {
      int64_t p = rest % index.shape[(size_t)d];
      rest /= index.shape[(size_t)d];
      if (d != ax && p >= x.shape[(size_t)d])
        throw KernelError("scatter: index " + shapeToString(index.shape) +
                          " is larger than x " + shapeToString(x.shape));
      if (p >= src.shape[(size_t)d])
        throw KernelError("scatter: index " + shapeToString(index.shape) +
                          " is larger than src " + shapeToString(src.shape));
      from += p * srcStrides[(size_t)d];
      if (d == ax)
        p = checkedIndex("scatter", index.data[(size_t)flat],
                         x.shape[(size_t)ax], false);
      to += p * xStrides[(size_t)d];
    }
    out.data[(size_t)to] = src.data[(size_t)from];
  }
  return out;
}

Tensor dynamicUpdateSlice(const Tensor &x, const Tensor &update,
                          const Tensor &starts) {
  if (update.rank() != x.rank() || starts.rank() != 1 ||
      starts.numel() != x.rank())
    throw KernelError("dynamic_update_slice: update " +
                      shapeToString(update.shape) + " and starts " +
                      shapeToString(starts.shape) + " do not fit x " +
                      shapeToString(x.shape));
  Shape offset((size_t)x.rank());
  for (int64_t d = 0; d < x.rank(); ++d) {
    int64_t room = x.shape[(size_t)d] - update.shape[(size_t)d];
    if (room < 0)
      throw KernelError("dynamic_update_slice: update " +
                        shapeToString(update.shape) + " is larger than x " +
                        shapeToString(x.shape));
    // Clamped, so that the update fits whatever the start says.
    offset[(size_t)d] =
        std::clamp<int64_t>((int64_t)starts.data[(size_t)d], 0, room);
  }
  Shape strides = rowMajorStrides(x.shape);
  Tensor out = x;
  for (int64_t flat = 0; flat < update.numel(); ++flat) {
    int64_t rest = flat, to = 0;
    for (int64_t d = x.rank() - 1; d >= 0; --d) {
      int64_t p = rest % update.shape[(size_t)d];
      rest /= update.shape[(size_t)d];
      to += (offset[(size_t)d] + p) * strides[(size_t)d];
    }
    out.data[(size_t)to] = update.data[(size_t)flat];
  }
  return out;
}

Tensor embedding(const Tensor &ids, const Tensor &weight) {
  if (weight.rank() != 2)
    throw KernelError("embedding: weight must have rank 2, got " +
                      shapeToString(weight.shape));
  int64_t rows = weight.shape[0], dim = weight.shape[1];
  Shape outShape = ids.shape;
  outShape.push_back(dim);
  Tensor out(weight.dtype, outShape);
  for (int64_t j = 0; j < ids.numel(); ++j) {
    int64_t row = checkedIndex("embedding", ids.data[(size_t)j], rows, false);
    for (int64_t d = 0; d < dim; ++d)
      out.data[(size_t)(j * dim + d)] = weight.data[(size_t)(row * dim + d)];
  }
  return out;
}

Tensor iota(const Shape &shape, int64_t axis, DType dtype) {
  int64_t ax = normalizeAxis("iota", axis, (int64_t)shape.size());
  int64_t extent = shape[(size_t)ax], inner = innerSize(shape, ax);
  Tensor out(dtype, shape);
  for (int64_t flat = 0; flat < out.numel(); ++flat)
    out.data[(size_t)flat] = (double)((flat / inner) % extent);
  out.roundInPlace();
  return out;
}

Tensor tril(const Tensor &x, int64_t k) { return triangle("tril", x, k, true); }

Tensor triu(const Tensor &x, int64_t k) {
  return triangle("triu", x, k, false);
}

} // namespace heed::ref
