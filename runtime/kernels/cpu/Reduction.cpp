//===- Reduction.cpp - reduce_sum/mean/max/min, top_k and cumsum ---------===//
//
// Kernels (inputs -> outputs; attributes with defaults):
//   reduce_sum, reduce_mean, reduce_max, reduce_min : x -> y  (f32, i64, i32)
//     axes (int list, required; non-negative, distinct, possibly empty),
//     keepdim (0/1, 0): y has x's shape without the reduced axes, or with
//     them as extent 1 when keepdim = 1; y has x's dtype.
//     f32 sums and means accumulate in double; integer sums wrap around in
//     64 bits before being cast to the dtype, and an integer mean is that
//     sum divided by the count, truncated towards zero. max/min propagate
//     NaN. An empty reduction gives 0 (sum), NaN (mean; 0 for integers),
//     -inf/+inf or the integer limits (max/min).
//   top_k : x -> values, indices  (x f32, i64 or i32; indices i64)
//     k (int, required, 1 <= k <= extent), axis (int, required): the k
//     largest elements along axis, sorted descending; ties keep the lower
//     index first; NaN counts as larger than every number (torch.topk).
//   cumsum : x -> y  (f32, i64, i32)
//     axis (int, required): y[..., i, ...] = x[..., 0, ...] + ... +
//     x[..., i, ...] along axis, y of x's shape and dtype. f32 sums
//     accumulate in double and each output is rounded once (so equal to the
//     reference interpreter's, bit for bit); integer sums wrap around in 64
//     bits before being cast to the dtype. Each element of x is read before
//     the same element of y is written, so y may be x (in place).
//
// Work is split over output elements only: each output element is reduced
// sequentially by one chunk, in the row-major order of the input, so results
// are bitwise identical for any thread count (and, for f32 sums, to the
// reference interpreter's double accumulation). cumsum splits over the
// positions across its axis; each runs along the axis in order.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Kernel.h"
#include "KernelAttrs.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

namespace heed::rt {
namespace {

/// Input elements per chunk of parallel work.
constexpr int64_t kGrain = 16384;

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Output elements per chunk when each costs \p work input elements.
int64_t grainFor(int64_t work) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(work, 1));
}

//===----------------------------------------------------------------------===//
// reduce_*
//===----------------------------------------------------------------------===//

enum class Reduce { Sum, Mean, Max, Min };

/// How the kernel walks x. Dimensions of extent 1 are dropped and adjacent
/// dimensions that are both kept or both reduced are merged. The output
/// elements are then [outer, inner], where inner is the trailing kept run
/// (1 when the last run is reduced); each output row starts at an offset
/// given by the outer kept dimensions, and its reduced positions are walked
/// with an odometer over the reduced runs, the last run (when it is the
/// innermost dimension) being a contiguous loop of lastLen elements.
struct ReduceLayout {
  std::vector<int64_t> outerShape, outerStrides; ///< kept runs but inner
  std::vector<int64_t> redShape, redStrides;     ///< reduced runs but last
  int64_t inner = 1, lastLen = 1;
  int64_t outerCount = 1, redCount = 1, count = 1;

  ReduceLayout(const std::vector<int64_t> &shape,
               const std::vector<bool> &reduced) {
    std::vector<int64_t> runs;
    std::vector<bool> runReduced;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1)
        continue;
      if (!runs.empty() && runReduced.back() == reduced[d])
        runs.back() *= shape[d];
      else {
        runs.push_back(shape[d]);
        runReduced.push_back(reduced[d]);
      }
    }
    std::vector<int64_t> strides(runs.size());
    int64_t stride = 1;
    for (size_t r = runs.size(); r-- > 0;) {
      strides[r] = stride;
      stride *= runs[r];
    }
    size_t end = runs.size();
    if (end > 0) {
      if (runReduced.back())
        lastLen = runs.back();
      else
        inner = runs.back();
      --end;
    }
    for (size_t r = 0; r < end; ++r) {
      (runReduced[r] ? redShape : outerShape).push_back(runs[r]);
      (runReduced[r] ? redStrides : outerStrides).push_back(strides[r]);
    }
    outerCount = product(outerShape);
    redCount = product(redShape);
    count = redCount * lastLen;
  }
};

/// Accumulator and arithmetic of one reduction over elements of type T.
template <typename T, Reduce Op> struct Reducer {
  static constexpr bool kFloat = std::is_floating_point_v<T>;
  using Acc =
      std::conditional_t<Op == Reduce::Sum || Op == Reduce::Mean,
                         std::conditional_t<kFloat, double, uint64_t>, T>;

  static Acc init() {
    if constexpr (Op == Reduce::Max && kFloat)
      return -std::numeric_limits<T>::infinity();
    else if constexpr (Op == Reduce::Max)
      return std::numeric_limits<T>::lowest();
    else if constexpr (Op == Reduce::Min && kFloat)
      return std::numeric_limits<T>::infinity();
    else if constexpr (Op == Reduce::Min)
      return std::numeric_limits<T>::max();
    else
      return 0;
  }

  static Acc combine(Acc a, T v) {
    if constexpr (Op == Reduce::Sum || Op == Reduce::Mean) {
      if constexpr (kFloat)
        return a + (double)v;
      else // unsigned: wraps around instead of overflowing
        return a + (uint64_t)(int64_t)v;
    } else if constexpr (Op == Reduce::Max) {
      if constexpr (kFloat)
        return std::isnan(v) || v > a ? v : a; // once NaN, a stays NaN
      else
        return v > a ? v : a;
    } else {
      if constexpr (kFloat)
        return std::isnan(v) || v < a ? v : a;
      else
        return v < a ? v : a;
    }
  }

  static T finish(Acc a, int64_t count) {
    if constexpr (Op == Reduce::Mean && kFloat)
      return (T)(a / (double)count);
    else if constexpr (Op == Reduce::Mean) // truncates towards zero
      return count == 0 ? T(0) : (T)((int64_t)a / count);
    else if constexpr (!kFloat && Op == Reduce::Sum)
      return (T)(int64_t)a;
    else
      return (T)a;
  }
};

template <typename T, Reduce Op> class ReduceKernel : public Kernel {
  using R = Reducer<T, Op>;
  using Acc = typename R::Acc;

public:
  explicit ReduceKernel(ReduceLayout layout) : l(std::move(layout)) {}

  void run(const void *const *in, void *const *out) override {
    const T *x = static_cast<const T *>(in[0]);
    T *y = static_cast<T *>(out[0]);
    if (l.inner == 0)
      return;
    parallelChunks(l.outerCount, grainFor(l.count * l.inner),
                   [&](int64_t b, int64_t e) {
                     std::vector<Acc> acc(l.inner);
                     std::vector<int64_t> index(l.redShape.size());
                     for (int64_t o = b; o < e; ++o)
                       reduceRow(x + outerOffset(o), y + o * l.inner,
                                 acc.data(), index.data());
                   });
  }

private:
  int64_t outerOffset(int64_t o) const {
    int64_t offset = 0;
    for (size_t d = l.outerShape.size(); d-- > 0;) {
      offset += (o % l.outerShape[d]) * l.outerStrides[d];
      o /= l.outerShape[d];
    }
    return offset;
  }

  /// The inner output elements of one outer index; x points at its first
  /// input element.
  void reduceRow(const T *x, T *y, Acc *acc, int64_t *index) const {
    std::fill(acc, acc + l.inner, R::init());
    std::fill(index, index + l.redShape.size(), 0);
    int64_t offset = 0;
    for (int64_t p = 0; p < l.redCount; ++p) {
      const T *src = x + offset;
      if (l.inner == 1) {
        Acc a = acc[0];
        for (int64_t i = 0; i < l.lastLen; ++i)
          a = R::combine(a, src[i]);
        acc[0] = a;
      } else {
        for (int64_t n = 0; n < l.inner; ++n)
          acc[n] = R::combine(acc[n], src[n]);
      }
      // Next reduced position, last run fastest (row-major order).
      for (size_t d = l.redShape.size(); d-- > 0;) {
        offset += l.redStrides[d];
        if (++index[d] < l.redShape[d])
          break;
        offset -= l.redStrides[d] * l.redShape[d];
        index[d] = 0;
      }
    }
    for (int64_t n = 0; n < l.inner; ++n)
      y[n] = R::finish(acc[n], l.count);
  }

  ReduceLayout l;
};

/// The kernel for dtype \p t (already checked to be supported by Op).
template <Reduce Op>
std::unique_ptr<Kernel> makeReduceFor(heed_dtype t, ReduceLayout layout) {
  if (t == HEED_I64)
    return std::make_unique<ReduceKernel<int64_t, Op>>(std::move(layout));
  if (t == HEED_I32)
    return std::make_unique<ReduceKernel<int32_t, Op>>(std::move(layout));
  return std::make_unique<ReduceKernel<float, Op>>(std::move(layout));
}

template <Reduce Op> void registerReduce(const std::string &name) {
  registerKernel(
      name, [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
        sig.expectArity(1, 1);
        const TensorDesc &x = sig.inputs[0];
        bool integer = x.dtype == HEED_I64 || x.dtype == HEED_I32;
        if (x.dtype != HEED_F32 && !integer)
          fail(HEED_ERROR_DTYPE, name + ": unsupported dtype " + x.str());
        const ReduceAttrs attrs = ReduceAttrs::read(sig.attrs);
        std::vector<bool> reduced(x.shape.size(), false);
        for (int64_t axis : attrs.axes) {
          if (axis < 0 || axis >= x.rank())
            sig.shapeError("axis " + std::to_string(axis) +
                           " is out of range for x " + x.str());
          if (reduced[axis])
            sig.shapeError("axis " + std::to_string(axis) + " is listed twice");
          reduced[axis] = true;
        }
        bool keepdim = attrs.keepdim;
        TensorDesc expected{x.dtype, {}};
        for (size_t d = 0; d < x.shape.size(); ++d)
          if (!reduced[d])
            expected.shape.push_back(x.shape[d]);
          else if (keepdim)
            expected.shape.push_back(1);
        sig.expectOutputDType(0, x.dtype);
        if (sig.outputs[0].shape != expected.shape)
          sig.shapeError("output " + sig.outputs[0].str() + " must be " +
                         expected.str());
        return makeReduceFor<Op>(x.dtype, ReduceLayout(x.shape, reduced));
      });
}

//===----------------------------------------------------------------------===//
// top_k
//===----------------------------------------------------------------------===//

/// "a > b" for top-k: NaN counts as larger than every number.
template <typename T> bool topKGreater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a))
      return !std::isnan(b);
    if (std::isnan(b))
      return false;
  }
  return a > b;
}

/// x viewed as [outer, extent, inner]; each (outer, inner) row is selected
/// on its own.
template <typename T> class TopKKernel : public Kernel {
public:
  TopKKernel(int64_t outer, int64_t extent, int64_t inner, int64_t k)
      : outer(outer), extent(extent), inner(inner), k(k) {}

  void run(const void *const *in, void *const *out) override {
    const T *x = static_cast<const T *>(in[0]);
    T *values = static_cast<T *>(out[0]);
    int64_t *indices = static_cast<int64_t *>(out[1]);
    parallelChunks(outer * inner, grainFor(extent), [&](int64_t b, int64_t e) {
      std::vector<T> row(extent);
      std::vector<int64_t> order(extent);
      // Descending by value, then ascending by index: a strict total order,
      // so the selection is unique whatever partial_sort does internally.
      auto before = [&](int64_t a, int64_t c) {
        if (topKGreater(row[a], row[c]))
          return true;
        if (topKGreater(row[c], row[a]))
          return false;
        return a < c;
      };
      for (int64_t r = b; r < e; ++r) {
        int64_t o = r / inner, n = r % inner;
        const T *src = x + o * extent * inner + n;
        for (int64_t i = 0; i < extent; ++i)
          row[i] = src[i * inner];
        std::iota(order.begin(), order.end(), int64_t(0));
        std::partial_sort(order.begin(), order.begin() + k, order.end(),
                          before);
        int64_t dst = o * k * inner + n;
        for (int64_t j = 0; j < k; ++j) {
          values[dst + j * inner] = row[order[j]];
          indices[dst + j * inner] = order[j];
        }
      }
    });
  }

private:
  int64_t outer, extent, inner, k;
};

std::unique_ptr<Kernel> makeTopK(const KernelSignature &sig) {
  sig.expectArity(1, 2);
  const TensorDesc &x = sig.inputs[0];
  if (x.dtype != HEED_F32 && x.dtype != HEED_I64 && x.dtype != HEED_I32)
    fail(HEED_ERROR_DTYPE, "top_k: unsupported dtype " + x.str());
  const TopKAttrs attrs = TopKAttrs::read(sig.attrs);
  int64_t axis = attrs.axis, k = attrs.k;
  if (axis < 0 || axis >= x.rank())
    sig.shapeError("axis " + std::to_string(axis) + " is out of range for x " +
                   x.str());
  int64_t extent = x.shape[axis];
  if (k < 1 || k > extent)
    sig.shapeError("k = " + std::to_string(k) + " must be in [1, " +
                   std::to_string(extent) + "], the extent of axis " +
                   std::to_string(axis) + " of x " + x.str());
  sig.expectOutputDType(0, x.dtype);
  sig.expectOutputDType(1, HEED_I64);
  std::vector<int64_t> shape = x.shape;
  shape[axis] = k;
  for (size_t i = 0; i < 2; ++i)
    if (sig.outputs[i].shape != shape)
      sig.shapeError("output " + std::to_string(i) + " " +
                     sig.outputs[i].str() + " must be " +
                     TensorDesc{sig.outputs[i].dtype, shape}.str());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d)
    inner *= x.shape[d];
  switch (x.dtype) {
  case HEED_F32:
    return std::make_unique<TopKKernel<float>>(outer, extent, inner, k);
  case HEED_I64:
    return std::make_unique<TopKKernel<int64_t>>(outer, extent, inner, k);
  case HEED_I32:
    return std::make_unique<TopKKernel<int32_t>>(outer, extent, inner, k);
  default:
    return std::make_unique<TopKKernel<float>>(outer, extent, inner, k);
  }
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

/// x viewed as [outer, extent, inner]: y[o, i, n] = sum over j <= i of
/// x[o, j, n]. A unit of work is one o and a block of up to kColumns
/// consecutive n, whose running sums (double for f32, wrapping uint64 for
/// integers) live on the stack while the unit walks the axis in order.
template <typename T> class CumsumKernel : public Kernel {
  static constexpr int64_t kColumns = 256;
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

public:
  CumsumKernel(int64_t outer, int64_t extent, int64_t inner)
      : outer(outer), extent(extent), inner(inner) {}

  void run(const void *const *in, void *const *out) override {
    const T *x = static_cast<const T *>(in[0]);
    T *y = static_cast<T *>(out[0]);
    int64_t width = std::min(inner, kColumns);
    if (width == 0 || extent == 0)
      return;
    int64_t blocks = (inner + width - 1) / width;
    parallelChunks(
        outer * blocks, grainFor(extent * width), [&](int64_t b, int64_t e) {
          Acc acc[kColumns];
          for (int64_t u = b; u < e; ++u) {
            int64_t o = u / blocks, c0 = (u % blocks) * width;
            int64_t c1 = std::min(inner, c0 + width);
            std::fill(acc, acc + (c1 - c0), Acc(0));
            int64_t base = o * extent * inner;
            for (int64_t i = 0; i < extent; ++i) {
              const T *src = x + base + i * inner;
              T *dst = y + base + i * inner;
              for (int64_t n = c0; n < c1; ++n) {
                Acc &a = acc[n - c0];
                if constexpr (std::is_floating_point_v<T>) {
                  a += (double)src[n];
                  dst[n] = (T)a;
                } else { // unsigned: wraps around instead of overflowing
                  a += (uint64_t)(int64_t)src[n];
                  dst[n] = (T)(int64_t)a;
                }
              }
            }
          }
        });
  }

private:
  int64_t outer, extent, inner;
};

std::unique_ptr<Kernel> makeCumsum(const KernelSignature &sig) {
  sig.expectArity(1, 1);
  const TensorDesc &x = sig.inputs[0];
  if (x.dtype != HEED_F32 && x.dtype != HEED_I64 && x.dtype != HEED_I32)
    fail(HEED_ERROR_DTYPE, "cumsum: unsupported dtype " + x.str());
  int64_t axis = CumsumAttrs::read(sig.attrs).axis;
  if (axis < 0 || axis >= x.rank())
    sig.shapeError("axis " + std::to_string(axis) + " is out of range for x " +
                   x.str());
  sig.expectOutputDType(0, x.dtype);
  if (sig.outputs[0].shape != x.shape)
    sig.shapeError("output " + sig.outputs[0].str() + " must be " + x.str());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d)
    inner *= x.shape[d];
  int64_t extent = x.shape[axis];
  switch (x.dtype) {
  case HEED_I64:
    return std::make_unique<CumsumKernel<int64_t>>(outer, extent, inner);
  case HEED_I32:
    return std::make_unique<CumsumKernel<int32_t>>(outer, extent, inner);
  default:
    return std::make_unique<CumsumKernel<float>>(outer, extent, inner);
  }
}

} // namespace

void registerReductionKernels() {
  registerReduce<Reduce::Sum>("reduce_sum");
  registerReduce<Reduce::Mean>("reduce_mean");
  registerReduce<Reduce::Max>("reduce_max");
  registerReduce<Reduce::Min>("reduce_min");
  registerKernel("top_k", makeTopK);
  registerKernel("cumsum", makeCumsum);
}

} // namespace heed::rt
