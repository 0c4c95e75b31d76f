//===- OnnxNeuralOps.cpp - ONNX matmuls, norms, reductions, conv, pool ----===//

#include "OnnxNode.h"
#include "OnnxTensors.h"

#include "heed/ShapeUtils.h"

#include "llvm/ADT/StringExtras.h"

#include <limits>
#include <map>
#include <numeric>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

NamedAttribute i64Attr(OnnxNode &n, StringRef name, int64_t v) {
  return n.builder().getNamedAttr(name, n.builder().getI64IntegerAttr(v));
}

NamedAttribute arrayAttr(OnnxNode &n, StringRef name, ArrayRef<int64_t> v) {
  return n.builder().getNamedAttr(name, n.builder().getDenseI64ArrayAttr(v));
}

NamedAttribute epsAttr(OnnxNode &n, double eps) {
  return n.builder().getNamedAttr("eps", n.builder().getF64FloatAttr(eps));
}

LogicalResult result(OnnxNode &n, FailureOr<Value> v) {
  if (failed(v))
    return failure();
  n.setOutput(0, *v);
  return success();
}

/// torch.matmul / numpy.matmul semantics, 1-D operands included.
FailureOr<Value> matmul(OnnxNode &n, Value a, Value b) {
  ArrayRef<int64_t> as = shapeOf(a), bs = shapeOf(b);
  bool vecA = as.size() == 1, vecB = bs.size() == 1;
  if (vecA) {
    auto r = n.reshape(a, {1, as[0]});
    if (failed(r))
      return failure();
    a = *r;
  }
  if (vecB) {
    auto r = n.reshape(b, {bs[0], 1});
    if (failed(r))
      return failure();
    b = *r;
  }
  auto y = n.value<MatmulOp>(ValueRange{a, b});
  if (failed(y) || (!vecA && !vecB))
    return y;
  SmallVector<int64_t> shape(shapeOf(*y));
  if (vecB)
    shape.pop_back();
  if (vecA)
    shape.erase(shape.end() - (vecB ? 1 : 2));
  return n.reshape(*y, shape);
}

LogicalResult matmulOp(OnnxNode &n) {
  auto a = n.requiredInput(0), b = n.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  return result(n, matmul(n, *a, *b));
}

LogicalResult gemm(OnnxNode &n) {
  auto a = n.requiredInput(0), b = n.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  double alpha = n.getFloat("alpha", 1), beta = n.getFloat("beta", 1);
  bool transA = n.getInt("transA", 0), transB = n.getInt("transB", 0);
  Value c = n.input(2);
  Value x = *a;
  if (transA) {
    auto t = n.transpose(x, {1, 0});
    if (failed(t))
      return failure();
    x = *t;
  }
  // x [M, K] . B^T + C with B [N, K]: PyTorch's nn.Linear, one kernel.
  int64_t outDim = shapeOf(*b)[transB ? 0 : 1];
  bool linearBias =
      !c || (beta == 1 && shapeOf(c).size() == 1 && shapeOf(c)[0] == outDim);
  if (transB && alpha == 1 && linearBias) {
    SmallVector<Value> operands{x, *b};
    if (c)
      operands.push_back(c);
    return result(n, n.value<LinearOp>(operands));
  }
  Value w = *b;
  if (transB) {
    auto t = n.transpose(w, {1, 0});
    if (failed(t))
      return failure();
    w = *t;
  }
  auto y = n.value<MatmulOp>(ValueRange{x, w});
  if (failed(y))
    return failure();
  Value v = *y;
  if (alpha != 1) {
    auto s = n.value<MulOp>(ValueRange{v, n.splat(alpha, elementTypeOf(v))});
    if (failed(s))
      return failure();
    v = *s;
  }
  if (c) {
    Value bias = c;
    if (beta != 1) {
      auto s = n.value<MulOp>(ValueRange{c, n.splat(beta, elementTypeOf(c))});
      if (failed(s))
        return failure();
      bias = *s;
    }
    auto s = n.value<AddOp>(ValueRange{v, bias});
    if (failed(s))
      return failure();
    v = *s;
  }
  n.setOutput(0, v);
  return success();
}

template <typename OpTy> LogicalResult softmaxLike(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  bool coerce2d = n.opset() < 13;
  auto axis = normalizeAxis(n, n.getInt("axis", coerce2d ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  if (!coerce2d || *axis == rank - 1)
    return result(n, n.value<OpTy>(*x, {i64Attr(n, "axis", *axis)}));
  // Before opset 13 the input is seen as [prod(:axis), prod(axis:)].
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= in[i];
  auto flat = n.reshape(*x, {outer, inner});
  if (failed(flat))
    return failure();
  auto y = n.value<OpTy>(*flat, {i64Attr(n, "axis", 1)});
  if (failed(y))
    return failure();
  return result(n, n.reshape(*y, in));
}

/// Mean and 1/sqrt(var + eps) over the axes from \p axis on (keepdims).
LogicalResult normStatistics(OnnxNode &n, Value x, int64_t axis, double eps,
                             unsigned meanOut, unsigned invStdOut) {
  if (!n.hasOutput(meanOut) && !n.hasOutput(invStdOut))
    return success();
  int64_t rank = shapeOf(x).size();
  SmallVector<int64_t> axes;
  for (int64_t i = axis; i < rank; ++i)
    axes.push_back(i);
  NamedAttribute axesAttr = arrayAttr(n, "axes", axes);
  NamedAttribute keep =
      n.builder().getNamedAttr("keepdim", n.builder().getBoolAttr(true));
  auto mean = n.value<ReduceMeanOp>(x, {axesAttr, keep});
  if (failed(mean))
    return failure();
  auto centered = n.value<SubOp>(ValueRange{x, *mean});
  if (failed(centered))
    return failure();
  auto sq = n.value<MulOp>(ValueRange{*centered, *centered});
  if (failed(sq))
    return failure();
  auto var = n.value<ReduceMeanOp>(*sq, {axesAttr, keep});
  if (failed(var))
    return failure();
  auto plus = n.value<AddOp>(ValueRange{*var, n.splat(eps, elementTypeOf(x))});
  if (failed(plus))
    return failure();
  auto inv = n.value<RsqrtOp>(*plus);
  if (failed(inv))
    return failure();
  n.setOutput(meanOut, *mean);
  n.setOutput(invStdOut, *inv);
  return success();
}

/// \p p broadcast to \p shape and flattened to [prod(shape)].
FailureOr<Value> flatParam(OnnxNode &n, Value p, ArrayRef<int64_t> shape) {
  if (shapeOf(p) != shape) {
    auto b = n.value<BroadcastToOp>(p, {arrayAttr(n, "shape", shape)});
    if (failed(b))
      return failure();
    p = *b;
  }
  int64_t size = std::accumulate(shape.begin(), shape.end(), (int64_t)1,
                                 std::multiplies<int64_t>());
  return n.reshape(p, {size});
}

/// LayerNormalization and RMSNormalization: normalise over the axes from
/// `axis` on, by flattening them into one last dimension.
LogicalResult normalization(OnnxNode &n, bool rms) {
  auto x = n.requiredInput(0), scale = n.requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  auto axis = normalizeAxis(n, n.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  double eps = n.getFloat("epsilon", 1e-5f);
  SmallVector<int64_t> normShape(in.begin() + *axis, in.end());
  SmallVector<int64_t> flatShape(in.begin(), in.begin() + *axis);
  int64_t size = std::accumulate(normShape.begin(), normShape.end(), (int64_t)1,
                                 std::multiplies<int64_t>());
  flatShape.push_back(size);
  auto flatX = n.reshape(*x, flatShape);
  auto w = flatParam(n, *scale, normShape);
  if (failed(flatX) || failed(w))
    return failure();
  FailureOr<Value> y = failure();
  if (rms) {
    y = n.value<RmsNormOp>(ValueRange{*flatX, *w}, {epsAttr(n, eps)});
  } else {
    Value bias = n.input(2);
    FailureOr<Value> b =
        bias ? flatParam(n, bias, normShape)
             : FailureOr<Value>(n.splat(0, elementTypeOf(*x), {size}));
    if (failed(b))
      return failure();
    y = n.value<LayerNormOp>(ValueRange{*flatX, *w, *b}, {epsAttr(n, eps)});
  }
  if (failed(y))
    return failure();
  auto out = n.reshape(*y, in);
  if (failed(out))
    return failure();
  n.setOutput(0, *out);
  if (rms)
    return success();
  return normStatistics(n, *x, *axis, eps, 1, 2);
}

LogicalResult batchNorm(OnnxNode &n) {
  SmallVector<Value> operands;
  for (unsigned i = 0; i < 5; ++i) {
    auto v = n.requiredInput(i);
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  NamedAttribute eps = epsAttr(n, n.getFloat("epsilon", 1e-5f));
  if (!n.getInt("training_mode", 0))
    return result(n, n.value<BatchNormOp>(operands, {eps}));
  // Training: normalise with the batch's statistics (biased variance) and
  // return the running statistics updated with momentum.
  Value x = operands[0];
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < (int64_t)shapeOf(x).size(); ++i)
    if (i != 1)
      axes.push_back(i);
  NamedAttribute axesAttr = arrayAttr(n, "axes", axes);
  auto stat = [&](Value v, bool keep) {
    return n.value<ReduceMeanOp>(
        v, {axesAttr, n.builder().getNamedAttr("keepdim",
                                               n.builder().getBoolAttr(keep))});
  };
  auto meanKeep = stat(x, true), mean = stat(x, false);
  if (failed(meanKeep) || failed(mean))
    return failure();
  auto centered = n.value<SubOp>(ValueRange{x, *meanKeep});
  if (failed(centered))
    return failure();
  auto sq = n.value<MulOp>(ValueRange{*centered, *centered});
  if (failed(sq))
    return failure();
  auto var = stat(*sq, false);
  if (failed(var))
    return failure();
  auto y = n.value<BatchNormOp>(
      ValueRange{x, operands[1], operands[2], *mean, *var}, {eps});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  double momentum = n.getFloat("momentum", 0.9f);
  Type et = elementTypeOf(x);
  for (unsigned i = 0; i < 2; ++i) {
    Value running = operands[3 + i], current = i ? *var : *mean;
    auto a = n.value<MulOp>(ValueRange{running, n.splat(momentum, et)});
    auto b = n.value<MulOp>(ValueRange{current, n.splat(1 - momentum, et)});
    if (failed(a) || failed(b))
      return failure();
    auto updated = n.value<AddOp>(ValueRange{*a, *b});
    if (failed(updated))
      return failure();
    n.setOutput(1 + i, *updated);
  }
  return success();
}

template <typename OpTy>
LogicalResult reduce(OnnxNode &n, int64_t axesInputSince) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = shapeOf(*x).size();
  SmallVector<int64_t> axes;
  if (n.opset() < axesInputSince) {
    axes = n.getInts("axes");
  } else if (n.hasInput(1)) {
    auto a = n.constInts(1, "axes");
    if (failed(a))
      return failure();
    axes = *a;
  }
  if (axes.empty()) {
    if (n.getInt("noop_with_empty_axes", 0)) {
      n.setOutput(0, *x);
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  for (int64_t &a : axes) {
    auto axis = normalizeAxis(n, a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  bool keep = n.getInt("keepdims", 1);
  return result(
      n, n.value<OpTy>(*x, {arrayAttr(n, "axes", axes),
                            n.builder().getNamedAttr(
                                "keepdim", n.builder().getBoolAttr(keep))}));
}

/// Explicit padding of the last two dimensions: [top, left, bottom, right].
FailureOr<Value> padSpatial(OnnxNode &n, Value x, ArrayRef<int64_t> begin,
                            ArrayRef<int64_t> end, double value) {
  int64_t rank = shapeOf(x).size();
  for (int s = 0; s < 2; ++s) {
    int64_t axis = rank - 2 + s;
    SmallVector<Value> parts;
    SmallVector<int64_t> shape(shapeOf(x));
    Type et = elementTypeOf(x);
    if (begin[s]) {
      shape[axis] = begin[s];
      parts.push_back(n.splat(value, et, shape));
    }
    parts.push_back(x);
    if (end[s]) {
      shape[axis] = end[s];
      parts.push_back(n.splat(value, et, shape));
    }
    if (parts.size() == 1)
      continue;
    auto joined = n.value<ConcatOp>(parts, {i64Attr(n, "axis", axis)});
    if (failed(joined))
      return failure();
    x = *joined;
  }
  return x;
}

/// Pads axis \p axis of \p x with \p before and \p after elements of
/// \p value.
FailureOr<Value> padAxis(OnnxNode &n, Value x, int64_t axis, int64_t before,
                         int64_t after, double value) {
  SmallVector<Value> parts;
  SmallVector<int64_t> shape(shapeOf(x));
  Type et = elementTypeOf(x);
  if (before) {
    shape[axis] = before;
    parts.push_back(n.splat(value, et, shape));
  }
  parts.push_back(x);
  if (after) {
    shape[axis] = after;
    parts.push_back(n.splat(value, et, shape));
  }
  if (parts.size() == 1)
    return x;
  return n.value<ConcatOp>(parts, {i64Attr(n, "axis", axis)});
}

/// Pooling of any spatial rank, dilation and padding, unrolled over the
/// kernel's offsets: one strided slice per offset, combined with maximum or
/// a sum divided by the count of what counts (which folds at import).
FailureOr<Value> unrolledPool(OnnxNode &n, Value x, ArrayRef<int64_t> kernel,
                              ArrayRef<int64_t> stride,
                              ArrayRef<int64_t> dilation,
                              ArrayRef<int64_t> padBegin,
                              ArrayRef<int64_t> padEnd, bool ceil, bool max,
                              bool countPad, Value *indicesOut = nullptr,
                              bool columnMajor = false) {
  size_t spatial = kernel.size();
  int64_t first = shapeOf(x).size() - spatial;
  int64_t offsets = 1;
  for (int64_t k : kernel)
    offsets *= k;
  if (offsets > 4096)
    return n.unsupported("a pooling window of " + std::to_string(offsets) +
                         " elements with dilations or 3 spatial dimensions");
  SmallVector<int64_t> out(spatial), extra(spatial);
  for (size_t s = 0; s < spatial; ++s) {
    int64_t size = shapeOf(x)[first + s];
    int64_t padded = size + padBegin[s] + padEnd[s];
    int64_t span = (kernel[s] - 1) * dilation[s] + 1;
    if (padded < span)
      return n.error() << n.opType()
                       << ": the window is larger than the "
                          "padded input";
    int64_t o = ceil ? (padded - span + stride[s] - 1) / stride[s] + 1
                     : (padded - span) / stride[s] + 1;
    if (ceil && (o - 1) * stride[s] >= size + padBegin[s])
      --o;
    out[s] = o;
    extra[s] = std::max<int64_t>((o - 1) * stride[s] + span - padded, 0);
  }
  double fill = max ? -std::numeric_limits<double>::infinity() : 0.0;
  Type et = elementTypeOf(x);
  Value xp = x, mask = n.splat(1, et, shapeOf(x));
  for (size_t s = 0; s < spatial; ++s) {
    auto p = padAxis(n, xp, first + s, padBegin[s], padEnd[s] + extra[s], fill);
    if (failed(p))
      return failure();
    xp = *p;
    if (!max) {
      auto m = padAxis(n, mask, first + s, padBegin[s], padEnd[s],
                       countPad ? 1.0 : 0.0);
      if (failed(m))
        return failure();
      auto me = padAxis(n, *m, first + s, 0, extra[s], 0.0);
      if (failed(me))
        return failure();
      mask = *me;
    }
  }
  auto windowAt = [&](Value v, ArrayRef<int64_t> offset) -> FailureOr<Value> {
    for (size_t s = 0; s < spatial; ++s) {
      int64_t start = offset[s] * dilation[s];
      auto sl = n.value<SliceOp>(
          v, {i64Attr(n, "axis", first + s), i64Attr(n, "start", start),
              i64Attr(n, "end", start + (out[s] - 1) * stride[s] + 1),
              i64Attr(n, "step", stride[s])});
      if (failed(sl))
        return failure();
      v = *sl;
    }
    return v;
  };
  // MaxPool's Indices: the flat (row-major) index into x of each padded
  // position, -1 in the padding, windowed like the values.
  Value flatIndex;
  if (indicesOut) {
    ArrayRef<int64_t> xs = shapeOf(x), ps = shapeOf(xp);
    int64_t total = cast<RankedTensorType>(xp.getType()).getNumElements();
    SmallVector<double> index(total);
    SmallVector<int64_t> pos(ps.size(), 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t flat = 0;
      bool inside = true;
      // Row-major over all dims; storage_order 1 reverses the spatial ones.
      for (size_t d = 0; d < (size_t)first; ++d)
        flat = flat * xs[d] + pos[d];
      for (size_t j = 0; j < spatial; ++j) {
        size_t d = columnMajor ? first + spatial - 1 - j : first + j;
        int64_t p = pos[d] - padBegin[d - first];
        inside &= p >= 0 && p < xs[d];
        flat = flat * xs[d] + p;
      }
      index[e] = inside ? (double)flat : -1.0;
      for (int64_t d = ps.size() - 1; d >= 0 && ++pos[d] == ps[d]; --d)
        pos[d] = 0;
    }
    flatIndex =
        n.constant(RankedTensorType::get(ps, n.builder().getI64Type()), index);
  }
  Value acc, count, best;
  SmallVector<int64_t> offset(spatial, 0);
  for (int64_t i = 0; i < offsets; ++i) {
    int64_t rest = i;
    for (int64_t s = spatial - 1; s >= 0; --s) {
      offset[s] = rest % kernel[s];
      rest /= kernel[s];
    }
    auto w = windowAt(xp, offset);
    if (failed(w))
      return failure();
    if (indicesOut) {
      // The first of equal maxima: replace only where strictly greater.
      auto wi = windowAt(flatIndex, offset);
      if (failed(wi))
        return failure();
      if (!acc) {
        acc = *w;
        best = *wi;
      } else {
        auto greater = n.value<GtOp>(ValueRange{*w, acc});
        if (failed(greater))
          return failure();
        auto a = n.value<WhereOp>(ValueRange{*greater, *w, acc});
        auto b = n.value<WhereOp>(ValueRange{*greater, *wi, best});
        if (failed(a) || failed(b))
          return failure();
        acc = *a;
        best = *b;
      }
    } else if (!acc) {
      acc = *w;
    } else {
      auto c = max ? n.value<MaximumOp>(ValueRange{acc, *w})
                   : n.value<AddOp>(ValueRange{acc, *w});
      if (failed(c))
        return failure();
      acc = *c;
    }
    if (!max) {
      auto m = windowAt(mask, offset);
      if (failed(m))
        return failure();
      if (!count) {
        count = *m;
      } else {
        auto c = n.value<AddOp>(ValueRange{count, *m});
        if (failed(c))
          return failure();
        count = *c;
      }
    }
  }
  if (indicesOut)
    *indicesOut = best;
  if (max)
    return acc;
  return n.value<DivOp>(ValueRange{acc, count});
}

/// The spatial window of a Conv or pool node, in two dimensions.
struct Window {
  SmallVector<int64_t> kernel, stride, dilation, padBegin, padEnd;
};

/// Reads kernel_shape (or \p kernelFromWeight), strides, dilations, pads
/// and auto_pad for \p spatial spatial dims of \p in, extended to 2-D.
FailureOr<Window> readWindow(OnnxNode &n, ArrayRef<int64_t> in,
                             ArrayRef<int64_t> kernelFromWeight,
                             unsigned spatial) {
  Window w;
  w.kernel = n.getInts("kernel_shape");
  if (w.kernel.empty())
    w.kernel.assign(kernelFromWeight.begin(), kernelFromWeight.end());
  w.stride = n.getInts("strides");
  w.dilation = n.getInts("dilations");
  SmallVector<int64_t> pads = n.getInts("pads");
  if (w.kernel.size() != spatial)
    return n.error() << n.opType() << ": kernel_shape has " << w.kernel.size()
                     << " entries for " << spatial << " spatial dimensions";
  if (w.stride.empty())
    w.stride.assign(spatial, 1);
  if (w.dilation.empty())
    w.dilation.assign(spatial, 1);
  if (pads.empty())
    pads.assign(2 * spatial, 0);
  if (w.stride.size() != spatial || w.dilation.size() != spatial ||
      pads.size() != 2 * spatial)
    return n.error() << n.opType()
                     << ": strides, dilations or pads do not match the "
                        "spatial rank";
  w.padBegin.assign(pads.begin(), pads.begin() + spatial);
  w.padEnd.assign(pads.begin() + spatial, pads.end());
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    w.padBegin.assign(spatial, 0);
    w.padEnd.assign(spatial, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (unsigned s = 0; s < spatial; ++s) {
      int64_t size = in[in.size() - spatial + s];
      int64_t out = (size + w.stride[s] - 1) / w.stride[s];
      int64_t span = (w.kernel[s] - 1) * w.dilation[s] + 1;
      int64_t total =
          std::max<int64_t>((out - 1) * w.stride[s] + span - size, 0);
      int64_t small = total / 2, large = total - small;
      w.padBegin[s] = autoPad == "SAME_UPPER" ? small : large;
      w.padEnd[s] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "NOTSET") {
    return n.unsupported("auto_pad = '" + autoPad + "'");
  }
  // 1-D windows run as 2-D with a height of 1.
  if (spatial == 1) {
    for (auto *v : {&w.kernel, &w.stride, &w.dilation})
      v->insert(v->begin(), 1);
    w.padBegin.insert(w.padBegin.begin(), 0);
    w.padEnd.insert(w.padEnd.begin(), 0);
  }
  return w;
}

/// [N, C, L] as [N, C, 1, L]; 2-D inputs unchanged.
FailureOr<Value> to2d(OnnxNode &n, Value x) {
  ArrayRef<int64_t> s = shapeOf(x);
  if (s.size() != 3)
    return x;
  return n.reshape(x, {s[0], s[1], 1, s[2]});
}

LogicalResult conv(OnnxNode &n) {
  auto x = n.requiredInput(0), w = n.requiredInput(1);
  if (failed(x) || failed(w))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x), ws = shapeOf(*w);
  unsigned spatial = in.size() - 2;
  if (spatial != 1 && spatial != 2)
    return n.unsupported(std::to_string(spatial) +
                         "-D convolution (Heed has 1-D and 2-D)");
  auto win = readWindow(n, in, ws.drop_front(2), spatial);
  if (failed(win))
    return failure();
  auto x2 = to2d(n, *x), w2 = to2d(n, *w);
  if (failed(x2) || failed(w2))
    return failure();
  Value input = *x2;
  SmallVector<int64_t> padding(2, 0);
  for (int s = 0; s < 2; ++s)
    padding[s] = win->padBegin[s];
  if (win->padBegin != win->padEnd) {
    auto p = padSpatial(n, input, win->padBegin, win->padEnd, 0);
    if (failed(p))
      return failure();
    input = *p;
    padding.assign(2, 0);
  }
  SmallVector<Value> operands{input, *w2};
  if (n.hasInput(2))
    operands.push_back(n.input(2));
  auto y =
      n.value<Conv2dOp>(operands, {arrayAttr(n, "stride", win->stride),
                                   arrayAttr(n, "padding", padding),
                                   arrayAttr(n, "dilation", win->dilation),
                                   i64Attr(n, "groups", n.getInt("group", 1))});
  if (failed(y))
    return failure();
  if (spatial == 2)
    return result(n, *y);
  ArrayRef<int64_t> ys = shapeOf(*y);
  return result(n, n.reshape(*y, {ys[0], ys[1], ys[3]}));
}

/// ConvTranspose as a convolution: the input with stride - 1 zeros between
/// its elements, padded by dilation * (kernel - 1) - pads (cropped where
/// that is negative, plus output_padding at the end), convolved with stride
/// 1 and the weight flipped spatially with its in and out channels swapped
/// per group.
LogicalResult convTranspose(OnnxNode &n) {
  auto x0 = n.requiredInput(0), w0 = n.requiredInput(1);
  if (failed(x0) || failed(w0))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x0), ws = shapeOf(*w0);
  unsigned spatial = in.size() - 2;
  if (spatial != 1 && spatial != 2)
    return n.unsupported(std::to_string(spatial) +
                         "-D transposed convolution (Heed has 1-D and 2-D)");
  int64_t groups = n.getInt("group", 1);
  SmallVector<int64_t> kernel = n.getInts("kernel_shape");
  if (kernel.empty())
    kernel.assign(ws.begin() + 2, ws.end());
  SmallVector<int64_t> stride = n.getInts("strides"),
                       dilation = n.getInts("dilations"),
                       pads = n.getInts("pads"),
                       outPad = n.getInts("output_padding"),
                       outShape = n.getInts("output_shape");
  if (stride.empty())
    stride.assign(spatial, 1);
  if (dilation.empty())
    dilation.assign(spatial, 1);
  if (outPad.empty())
    outPad.assign(spatial, 0);
  if (pads.empty())
    pads.assign(2 * spatial, 0);
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  if (outShape.size() > spatial)
    outShape.erase(outShape.begin(), outShape.end() - spatial);
  if (kernel.size() != spatial || stride.size() != spatial ||
      dilation.size() != spatial || outPad.size() != spatial ||
      pads.size() != 2 * spatial ||
      (!outShape.empty() && outShape.size() != spatial))
    return n.error() << "ConvTranspose: the attributes do not match the "
                        "spatial rank";
  if (!outShape.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (unsigned s = 0; s < spatial; ++s) {
      int64_t size = in[2 + s];
      int64_t target = !outShape.empty() ? outShape[s] : size * stride[s];
      int64_t total = stride[s] * (size - 1) + outPad[s] +
                      (kernel[s] - 1) * dilation[s] + 1 - target;
      bool lower = autoPad == "SAME_LOWER";
      pads[s] = lower ? total - total / 2 : total / 2;
      pads[spatial + s] = lower ? total / 2 : total - total / 2;
    }
  } else if (autoPad == "VALID") {
    pads.assign(2 * spatial, 0);
  } else if (autoPad != "NOTSET") {
    return n.unsupported("auto_pad = '" + autoPad + "'");
  }
  auto x2 = to2d(n, *x0), w2 = to2d(n, *w0);
  if (failed(x2) || failed(w2))
    return failure();
  if (spatial == 1) {
    for (auto *v : {&kernel, &stride, &dilation})
      v->insert(v->begin(), 1);
    outPad.insert(outPad.begin(), 0);
    pads = {0, pads[0], 0, pads[1]};
  }
  Value x = *x2;
  Type et = elementTypeOf(x);
  // Zeros between the elements along each spatial axis.
  for (int s = 0; s < 2; ++s) {
    if (stride[s] == 1)
      continue;
    int64_t axis = 2 + s;
    SmallVector<int64_t> sh(shapeOf(x));
    int64_t size = sh[axis];
    SmallVector<int64_t> expanded(sh);
    expanded.insert(expanded.begin() + axis + 1, 1);
    auto e = n.reshape(x, expanded);
    if (failed(e))
      return failure();
    SmallVector<int64_t> zeroShape(expanded);
    zeroShape[axis + 1] = stride[s] - 1;
    auto joined = n.value<ConcatOp>(ValueRange{*e, n.splat(0, et, zeroShape)},
                                    {i64Attr(n, "axis", axis + 1)});
    if (failed(joined))
      return failure();
    SmallVector<int64_t> merged(sh);
    merged[axis] = size * stride[s];
    auto m = n.reshape(*joined, merged);
    if (failed(m))
      return failure();
    auto cut =
        n.value<SliceOp>(*m, {i64Attr(n, "axis", axis), i64Attr(n, "start", 0),
                              i64Attr(n, "end", (size - 1) * stride[s] + 1),
                              i64Attr(n, "step", 1)});
    if (failed(cut))
      return failure();
    x = *cut;
  }
  // Padding (or cropping) so that a stride-1 convolution gives the output.
  for (int s = 0; s < 2; ++s) {
    int64_t axis = 2 + s, span = dilation[s] * (kernel[s] - 1);
    int64_t before = span - pads[s], after = span - pads[2 + s] + outPad[s];
    int64_t size = shapeOf(x)[axis];
    int64_t cropBefore = std::max<int64_t>(-before, 0),
            cropAfter = std::max<int64_t>(-after, 0);
    if (cropBefore || cropAfter) {
      if (cropBefore + cropAfter >= size)
        return n.unsupported("pads that crop the whole input");
      auto c = n.value<SliceOp>(
          x, {i64Attr(n, "axis", axis), i64Attr(n, "start", cropBefore),
              i64Attr(n, "end", size - cropAfter), i64Attr(n, "step", 1)});
      if (failed(c))
        return failure();
      x = *c;
    }
    auto p = padAxis(n, x, axis, std::max<int64_t>(before, 0),
                     std::max<int64_t>(after, 0), 0.0);
    if (failed(p))
      return failure();
    x = *p;
  }
  // The weight: [Cin, Cout/g, kh, kw] -> [Cout, Cin/g, kh, kw], flipped.
  ArrayRef<int64_t> w2s = shapeOf(*w2);
  int64_t cin = w2s[0], coutG = w2s[1], kh = w2s[2], kw = w2s[3];
  if (cin % groups)
    return n.error() << "ConvTranspose: " << cin
                     << " input channels for group = " << groups;
  int64_t cinG = cin / groups;
  auto wg = n.reshape(*w2, {groups, cinG, coutG, kh, kw});
  if (failed(wg))
    return failure();
  auto wt = n.transpose(*wg, {0, 2, 1, 3, 4});
  if (failed(wt))
    return failure();
  auto wr = n.reshape(*wt, {groups * coutG, cinG, kh, kw});
  if (failed(wr))
    return failure();
  Value w = *wr;
  for (int axis = 2; axis < 4; ++axis) {
    int64_t k = shapeOf(w)[axis];
    if (k == 1)
      continue;
    SmallVector<int64_t> reversed;
    for (int64_t i = k - 1; i >= 0; --i)
      reversed.push_back(i);
    auto f = n.value<GatherOp>(ValueRange{w, n.i64s(reversed)},
                               {i64Attr(n, "axis", axis)});
    if (failed(f))
      return failure();
    w = *f;
  }
  SmallVector<Value> operands{x, w};
  if (n.hasInput(2))
    operands.push_back(n.input(2));
  auto y = n.value<Conv2dOp>(operands, {arrayAttr(n, "stride", {1, 1}),
                                        arrayAttr(n, "padding", {0, 0}),
                                        arrayAttr(n, "dilation", dilation),
                                        i64Attr(n, "groups", groups)});
  if (failed(y))
    return failure();
  if (spatial == 2)
    return result(n, *y);
  ArrayRef<int64_t> ys = shapeOf(*y);
  return result(n, n.reshape(*y, {ys[0], ys[1], ys[3]}));
}

LogicalResult pool(OnnxNode &n, bool max) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  bool wantIndices = max && n.hasOutput(1);
  ArrayRef<int64_t> in = shapeOf(*x);
  unsigned spatial = in.size() - 2;
  if (spatial < 1 || spatial > 3)
    return n.unsupported(std::to_string(spatial) + "-D pooling");
  auto win = readWindow(n, in, {}, spatial);
  if (failed(win))
    return failure();
  bool dilated = llvm::any_of(win->dilation, [](int64_t d) { return d != 1; });
  if (spatial == 3 || dilated || wantIndices) {
    auto x2 = spatial == 1 ? to2d(n, *x) : FailureOr<Value>(*x);
    if (failed(x2))
      return failure();
    Value indices;
    auto y = unrolledPool(n, *x2, win->kernel, win->stride, win->dilation,
                          win->padBegin, win->padEnd, n.getInt("ceil_mode", 0),
                          max, n.getInt("count_include_pad", 0),
                          wantIndices ? &indices : nullptr,
                          n.getInt("storage_order", 0) == 1);
    if (failed(y))
      return failure();
    Value values = *y;
    if (spatial == 1) {
      ArrayRef<int64_t> ys = shapeOf(values);
      SmallVector<int64_t> s1{ys[0], ys[1], ys[3]};
      auto r = n.reshape(values, s1);
      if (failed(r))
        return failure();
      values = *r;
      if (indices) {
        auto ri = n.reshape(indices, s1);
        if (failed(ri))
          return failure();
        indices = *ri;
      }
    }
    n.setOutput(0, values);
    if (indices)
      n.setOutput(1, indices);
    return success();
  }
  auto x2 = to2d(n, *x);
  if (failed(x2))
    return failure();
  ArrayRef<int64_t> s2 = shapeOf(*x2);
  // ceil_mode: extra padding at the end so that the last partial window
  // counts; it never counts towards an average's divisor.
  SmallVector<int64_t> extra(2, 0);
  if (n.getInt("ceil_mode", 0))
    for (int s = 0; s < 2; ++s) {
      int64_t size = s2[2 + s] + win->padBegin[s] + win->padEnd[s];
      int64_t k = win->kernel[s], st = win->stride[s];
      int64_t out = (size - k + st - 1) / st + 1;
      // The last window must start inside the input or the begin padding.
      if ((out - 1) * st >= s2[2 + s] + win->padBegin[s])
        --out;
      extra[s] = std::max<int64_t>((out - 1) * st + k - size, 0);
    }
  // heed's pools pad symmetrically, by at most half the kernel.
  bool symmetric = win->padBegin == win->padEnd && extra[0] == 0 &&
                   extra[1] == 0 && 2 * win->padBegin[0] <= win->kernel[0] &&
                   2 * win->padBegin[1] <= win->kernel[1];
  bool countPad = n.getInt("count_include_pad", 0);
  bool anyPad = llvm::any_of(win->padBegin, [](int64_t p) { return p; }) ||
                llvm::any_of(win->padEnd, [](int64_t p) { return p; });
  SmallVector<NamedAttribute> attrs{arrayAttr(n, "kernel", win->kernel),
                                    arrayAttr(n, "stride", win->stride)};
  Value y;
  if (max && symmetric) {
    attrs.push_back(arrayAttr(n, "padding", win->padBegin));
    auto r = n.value<MaxPool2dOp>(*x2, attrs);
    if (failed(r))
      return failure();
    y = *r;
  } else if (!max &&
             ((!anyPad && !extra[0] && !extra[1]) || (symmetric && countPad))) {
    attrs.push_back(arrayAttr(n, "padding", win->padBegin));
    auto r = n.value<AvgPool2dOp>(*x2, attrs);
    if (failed(r))
      return failure();
    y = *r;
  } else {
    attrs.push_back(arrayAttr(n, "padding", {0, 0}));
    SmallVector<int64_t> end{win->padEnd[0] + extra[0],
                             win->padEnd[1] + extra[1]};
    double fill = max ? -std::numeric_limits<double>::infinity() : 0.0;
    auto padded = padSpatial(n, *x2, win->padBegin, end, fill);
    if (failed(padded))
      return failure();
    if (max) {
      auto r = n.value<MaxPool2dOp>(*padded, attrs);
      if (failed(r))
        return failure();
      y = *r;
    } else {
      // sum / count: the average over a mask of what counts (the input,
      // and the pads when count_include_pad) folds at import.
      Type et = elementTypeOf(*x2);
      Value ones = n.splat(1, et, s2);
      auto mask =
          padSpatial(n, ones, win->padBegin, win->padEnd, countPad ? 1.0 : 0.0);
      if (failed(mask))
        return failure();
      auto maskFull = padSpatial(n, *mask, {0, 0}, extra, 0);
      auto sum = n.value<AvgPool2dOp>(*padded, attrs);
      if (failed(maskFull) || failed(sum))
        return failure();
      auto count = n.value<AvgPool2dOp>(*maskFull, attrs);
      if (failed(count))
        return failure();
      auto r = n.value<DivOp>(ValueRange{*sum, *count});
      if (failed(r))
        return failure();
      y = *r;
    }
  }
  if (spatial == 2)
    return result(n, y);
  ArrayRef<int64_t> ys = shapeOf(y);
  return result(n, n.reshape(y, {ys[0], ys[1], ys[3]}));
}

template <typename OpTy> LogicalResult globalPool(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < (int64_t)shapeOf(*x).size(); ++i)
    axes.push_back(i);
  return result(
      n, n.value<OpTy>(*x, {arrayAttr(n, "axes", axes),
                            n.builder().getNamedAttr(
                                "keepdim", n.builder().getBoolAttr(true))}));
}

/// Einsum of one or two operands without repeated indices within a term:
/// transposes and sums for one operand; for two, each operand's own indices
/// summed away, then one batched matmul over [batch, free, contracted].
LogicalResult einsum(OnnxNode &n) {
  std::string eq;
  for (char c : n.getString("equation", ""))
    if (c != ' ')
      eq += c;
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  SmallVector<std::string> terms;
  for (StringRef t : llvm::split(StringRef(lhs), ','))
    terms.push_back(t.str());
  if (terms.size() != n.numInputs() || terms.size() > 2)
    return n.unsupported("the equation '" + eq +
                         "' (Heed imports one or two "
                         "operands)");
  SmallVector<Value> xs;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    auto v = n.requiredInput(i);
    if (failed(v))
      return failure();
    xs.push_back(*v);
  }
  // "..." stands for the leading dimensions not named: give them letters.
  size_t maxEllipsis = 0;
  for (auto [t, x] : llvm::zip(terms, xs)) {
    size_t named = t.size() - (t.find("...") != std::string::npos ? 3 : 0);
    if (t.find("...") != std::string::npos)
      maxEllipsis = std::max(maxEllipsis, shapeOf(x).size() - named);
  }
  std::string ellipsis;
  for (size_t i = 0; i < maxEllipsis; ++i)
    ellipsis += (char)('A' + i);
  for (auto [t, x] : llvm::zip(terms, xs)) {
    size_t pos = t.find("...");
    if (pos == std::string::npos)
      continue;
    size_t count = shapeOf(x).size() - (t.size() - 3);
    t = t.substr(0, pos) + ellipsis.substr(maxEllipsis - count) +
        t.substr(pos + 3);
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = eq.substr(arrow + 2);
    size_t pos = out.find("...");
    if (pos != std::string::npos)
      out = out.substr(0, pos) + ellipsis + out.substr(pos + 3);
  } else {
    // Implicit output: the ellipsis, then the letters that occur once.
    std::map<char, int> count;
    for (const std::string &t : terms)
      for (char c : t)
        ++count[c];
    out = ellipsis;
    for (auto [c, k] : count)
      if (k == 1 && !isupper((unsigned char)c))
        out += c;
  }
  std::map<char, int64_t> extent;
  for (auto [t, x] : llvm::zip(terms, xs)) {
    if (t.size() != shapeOf(x).size())
      return n.error() << "Einsum: term '" << t << "' for an operand of rank "
                       << shapeOf(x).size();
    for (auto [i, c] : llvm::enumerate(t)) {
      if (llvm::count(t, c) > 1)
        return n.unsupported("a repeated index in '" + t + "' (diagonals)");
      int64_t d = shapeOf(x)[i];
      auto [it, fresh] = extent.emplace(c, d);
      if (!fresh && it->second != d)
        return n.unsupported("index '" + std::string(1, c) + "' with extents " +
                             std::to_string(it->second) + " and " +
                             std::to_string(d) + " (broadcasting)");
    }
  }
  auto in = [](const std::string &s, char c) {
    return s.find(c) != std::string::npos;
  };
  // Sums an operand over the indices no other term or the output has.
  auto sumOwn = [&](Value x, std::string &t,
                    const std::string &other) -> FailureOr<Value> {
    SmallVector<int64_t> axes;
    std::string kept;
    for (auto [i, c] : llvm::enumerate(t)) {
      if (!in(out, c) && !in(other, c))
        axes.push_back(i);
      else
        kept += c;
    }
    if (axes.empty())
      return x;
    t = kept;
    return n.value<ReduceSumOp>(
        x,
        {arrayAttr(n, "axes", axes),
         n.builder().getNamedAttr("keepdim", n.builder().getBoolAttr(false))});
  };
  auto permuteTo = [&](Value x, const std::string &from,
                       const std::string &to) -> FailureOr<Value> {
    SmallVector<int64_t> perm;
    for (char c : to)
      perm.push_back(from.find(c));
    return n.transpose(x, perm);
  };
  auto product = [&](const std::string &letters) {
    int64_t p = 1;
    for (char c : letters)
      p *= extent[c];
    return p;
  };
  auto dims = [&](const std::string &letters) {
    SmallVector<int64_t> d;
    for (char c : letters)
      d.push_back(extent[c]);
    return d;
  };
  if (terms.size() == 1) {
    auto summed = sumOwn(xs[0], terms[0], "");
    if (failed(summed))
      return failure();
    return result(n, permuteTo(*summed, terms[0], out));
  }
  std::string a = terms[0], b = terms[1];
  auto sa = sumOwn(xs[0], a, terms[1]);
  auto sb = sumOwn(xs[1], b, terms[0]);
  if (failed(sa) || failed(sb))
    return failure();
  std::string batch, contracted, aFree, bFree;
  for (char c : a) {
    if (in(b, c))
      (in(out, c) ? batch : contracted) += c;
    else
      aFree += c;
  }
  for (char c : b)
    if (!in(a, c))
      bFree += c;
  auto pa = permuteTo(*sa, a, batch + aFree + contracted);
  auto pb = permuteTo(*sb, b, batch + contracted + bFree);
  if (failed(pa) || failed(pb))
    return failure();
  int64_t bt = product(batch), m = product(aFree), k = product(contracted),
          nn = product(bFree);
  auto ra = n.reshape(*pa, {bt, m, k});
  auto rb = n.reshape(*pb, {bt, k, nn});
  if (failed(ra) || failed(rb))
    return failure();
  auto mm = n.value<MatmulOp>(ValueRange{*ra, *rb});
  if (failed(mm))
    return failure();
  std::string have = batch + aFree + bFree;
  auto shaped = n.reshape(*mm, dims(have));
  if (failed(shaped))
    return failure();
  return result(n, permuteTo(*shaped, have, out));
}

} // namespace

void onnx_import::addNeuralOps(llvm::StringMap<OpConverter> &t) {
  t["MatMul"] = matmulOp;
  t["Einsum"] = einsum;
  t["Gemm"] = gemm;
  t["Softmax"] = softmaxLike<SoftmaxOp>;
  t["LogSoftmax"] = softmaxLike<LogSoftmaxOp>;
  t["LayerNormalization"] = [](OnnxNode &n) { return normalization(n, false); };
  t["RMSNormalization"] = [](OnnxNode &n) { return normalization(n, true); };
  t["BatchNormalization"] = batchNorm;
  t["ReduceSum"] = [](OnnxNode &n) { return reduce<ReduceSumOp>(n, 13); };
  t["ReduceMean"] = [](OnnxNode &n) { return reduce<ReduceMeanOp>(n, 18); };
  t["ReduceMax"] = [](OnnxNode &n) { return reduce<ReduceMaxOp>(n, 18); };
  t["ReduceMin"] = [](OnnxNode &n) { return reduce<ReduceMinOp>(n, 18); };
  t["Conv"] = conv;
  t["ConvTranspose"] = convTranspose;
  t["MaxPool"] = [](OnnxNode &n) { return pool(n, true); };
  t["AveragePool"] = [](OnnxNode &n) { return pool(n, false); };
  t["GlobalAveragePool"] = globalPool<ReduceMeanOp>;
  t["GlobalMaxPool"] = globalPool<ReduceMaxOp>;
}
