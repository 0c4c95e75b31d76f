//===- OnnxConvOps.cpp - ONNX convolutions and pooling --------------------===//
//
// Conv and the pools map to heed's 2-D ops (1-D inputs as [N, C, 1, L]);
// asymmetric padding is explicit. ConvTranspose is a convolution of the
// zero-interleaved input with the flipped weight. Pools heed's ops cannot
// express (3-D, dilations, MaxPool's Indices) are unrolled over the
// kernel's offsets.
//
//===----------------------------------------------------------------------===//

#include "Compose.h"
#include "OnnxNode.h"

#include <limits>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

/// Pads axis \p axis of \p x with \p before and \p after elements of
/// \p value.
FailureOr<Value> padAxis(OnnxNode &n, Value x, int64_t axis, int64_t before,
                         int64_t after, double value) {
  return compose::padAxis(n.builder(), n.loc(), x, axis, before, after,
                          compose::PadMode::Constant, value);
}

/// Explicit padding of the last two dimensions with \p value: \p begin and
/// \p end hold (top, left) and (bottom, right).
FailureOr<Value> padSpatial(OnnxNode &n, Value x, ArrayRef<int64_t> begin,
                            ArrayRef<int64_t> end, double value) {
  int64_t rank = shapeOf(x).size();
  for (int s = 0; s < 2; ++s) {
    auto padded = padAxis(n, x, rank - 2 + s, begin[s], end[s], value);
    if (failed(padded))
      return failure();
    x = *padded;
  }
  return x;
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
          v, {n.i64Attr("axis", first + s), n.i64Attr("start", start),
              n.i64Attr("end", start + (out[s] - 1) * stride[s] + 1),
              n.i64Attr("step", stride[s])});
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
    if (total > kMaxImportTable)
      return n.unsupported("MaxPool's Indices for an input of more than " +
                           std::to_string(kMaxImportTable) + " elements");
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
  for (unsigned s = 0; s < spatial; ++s)
    if (w.kernel[s] < 1 || w.stride[s] < 1 || w.dilation[s] < 1 ||
        w.kernel[s] > kMaxImportTable || w.stride[s] > kMaxImportTable ||
        w.dilation[s] > kMaxImportTable)
      return n.error() << n.opType()
                       << ": kernel, strides and dilations must be positive";
  for (int64_t p : pads)
    if (p < 0 || p > kMaxImportTable)
      return n.unsupported("pads of " + std::to_string(p));
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

/// Conv and ConvTranspose: an input and a weight of one rank, 3 or 4 (1-D
/// or 2-D).
LogicalResult checkConvOperands(OnnxNode &n) {
  if (failed(n.requireRank(0, 3, 4)) || failed(n.requireRank(1, 3, 4)))
    return failure();
  int64_t in = n.inputType(0).getRank(), w = n.inputType(1).getRank();
  if (w != in)
    return n.error() << n.opType() << ": the weight's rank " << w
                     << " differs from the input's " << in;
  return success();
}

LogicalResult conv(OnnxNode &n) {
  if (failed(checkConvOperands(n)))
    return failure();
  Value x = n.input(0), w = n.input(1);
  ArrayRef<int64_t> in = shapeOf(x), ws = shapeOf(w);
  unsigned spatial = in.size() - 2;
  auto win = readWindow(n, in, ws.drop_front(2), spatial);
  if (failed(win))
    return failure();
  auto x2 = to2d(n, x), w2 = to2d(n, w);
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
      n.value<Conv2dOp>(operands, {n.arrayAttr("stride", win->stride),
                                   n.arrayAttr("padding", padding),
                                   n.arrayAttr("dilation", win->dilation),
                                   n.i64Attr("groups", n.getInt("group", 1))});
  if (failed(y))
    return failure();
  if (spatial == 2)
    return n.result(*y);
  ArrayRef<int64_t> ys = shapeOf(*y);
  return n.result(n.reshape(*y, {ys[0], ys[1], ys[3]}));
}

/// ConvTranspose as a convolution: the input with stride - 1 zeros between
/// its elements, padded by dilation * (kernel - 1) - pads (cropped where
/// that is negative, plus output_padding at the end), convolved with stride
/// 1 and the weight flipped spatially with its in and out channels swapped
/// per group.
LogicalResult convTranspose(OnnxNode &n) {
  if (failed(checkConvOperands(n)))
    return failure();
  Value x0 = n.input(0), w0 = n.input(1);
  ArrayRef<int64_t> in = shapeOf(x0), ws = shapeOf(w0);
  unsigned spatial = in.size() - 2;
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
  auto inRange = [](int64_t v, int64_t lo) {
    return v >= lo && v <= kMaxImportTable;
  };
  bool valid = groups >= 1 && groups <= kMaxImportTable;
  for (unsigned s = 0; s < spatial; ++s)
    valid &= inRange(kernel[s], 1) && inRange(stride[s], 1) &&
             inRange(dilation[s], 1) && inRange(outPad[s], 0) &&
             (outShape.empty() || inRange(outShape[s], 1));
  for (int64_t p : pads)
    valid &= inRange(p, 0);
  if (!valid)
    return n.error() << "ConvTranspose: group, kernel, strides, dilations, "
                        "pads, output_padding or output_shape out of range";
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
  auto x2 = to2d(n, x0), w2 = to2d(n, w0);
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
                                    {n.i64Attr("axis", axis + 1)});
    if (failed(joined))
      return failure();
    SmallVector<int64_t> merged(sh);
    merged[axis] = size * stride[s];
    auto m = n.reshape(*joined, merged);
    if (failed(m))
      return failure();
    auto cut =
        n.value<SliceOp>(*m, {n.i64Attr("axis", axis), n.i64Attr("start", 0),
                              n.i64Attr("end", (size - 1) * stride[s] + 1),
                              n.i64Attr("step", 1)});
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
          x, {n.i64Attr("axis", axis), n.i64Attr("start", cropBefore),
              n.i64Attr("end", size - cropAfter), n.i64Attr("step", 1)});
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
                               {n.i64Attr("axis", axis)});
    if (failed(f))
      return failure();
    w = *f;
  }
  SmallVector<Value> operands{x, w};
  if (n.hasInput(2))
    operands.push_back(n.input(2));
  auto y = n.value<Conv2dOp>(operands, {n.arrayAttr("stride", {1, 1}),
                                        n.arrayAttr("padding", {0, 0}),
                                        n.arrayAttr("dilation", dilation),
                                        n.i64Attr("groups", groups)});
  if (failed(y))
    return failure();
  if (spatial == 2)
    return n.result(*y);
  ArrayRef<int64_t> ys = shapeOf(*y);
  return n.result(n.reshape(*y, {ys[0], ys[1], ys[3]}));
}

LogicalResult pool(OnnxNode &n, bool max) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  bool wantIndices = max && n.hasOutput(1);
  if (failed(n.requireRank(0, 3, 5)))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  unsigned spatial = in.size() - 2;
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
  SmallVector<NamedAttribute> attrs{n.arrayAttr("kernel", win->kernel),
                                    n.arrayAttr("stride", win->stride)};
  Value y;
  if (max && symmetric) {
    attrs.push_back(n.arrayAttr("padding", win->padBegin));
    auto r = n.value<MaxPool2dOp>(*x2, attrs);
    if (failed(r))
      return failure();
    y = *r;
  } else if (!max &&
             ((!anyPad && !extra[0] && !extra[1]) || (symmetric && countPad))) {
    attrs.push_back(n.arrayAttr("padding", win->padBegin));
    auto r = n.value<AvgPool2dOp>(*x2, attrs);
    if (failed(r))
      return failure();
    y = *r;
  } else {
    attrs.push_back(n.arrayAttr("padding", {0, 0}));
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
    return n.result(y);
  ArrayRef<int64_t> ys = shapeOf(y);
  return n.result(n.reshape(y, {ys[0], ys[1], ys[3]}));
}

template <typename OpTy> LogicalResult globalPool(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < (int64_t)shapeOf(*x).size(); ++i)
    axes.push_back(i);
  return n.result(n.value<OpTy>(
      *x,
      {n.arrayAttr("axes", axes),
       n.builder().getNamedAttr("keepdim", n.builder().getBoolAttr(true))}));
}

} // namespace

void onnx_import::addConvOps(llvm::StringMap<OpConverter> &t) {
  t["Conv"] = conv;
  t["ConvTranspose"] = convTranspose;
  t["MaxPool"] = [](OnnxNode &n) { return pool(n, true); };
  t["AveragePool"] = [](OnnxNode &n) { return pool(n, false); };
  t["GlobalAveragePool"] = globalPool<ReduceMeanOp>;
  t["GlobalMaxPool"] = globalPool<ReduceMaxOp>;
}
