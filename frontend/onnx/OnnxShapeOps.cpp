//===- OnnxShapeOps.cpp - ONNX constants, shapes and data movement --------===//
//
// Constant, ConstantOfShape, Shape, Size, Range and the shape arithmetic
// around them fold at import (their operands are constants once dimensions
// are bound). Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand,
// Concat, Split, Slice, Gather, GatherElements, ScatterElements, Trilu, Pad,
// TopK and ArgMax/ArgMin map to heed's data-movement ops.
//
//===----------------------------------------------------------------------===//

#include "Compose.h"
#include "OnnxNode.h"
#include "OnnxTensors.h"

#include "heed/ShapeUtils.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

LogicalResult constantOp(OnnxNode &n) {
  io::HostTensor t;
  std::string error;
  if (const auto *a = n.attr("value")) {
    error = n.readTensor(a->t(), t);
  } else if (const auto *a = n.attr("value_float")) {
    t.dtype = DType::F32;
    t.data.resize(4);
    io::storeElement(t, 0, a->f());
  } else if (const auto *a = n.attr("value_int")) {
    t.dtype = DType::I64;
    t.data.resize(8);
    io::storeElement(t, 0, (double)a->i());
  } else if (const auto *a = n.attr("value_floats")) {
    t.dtype = DType::F32;
    t.shape = {(int64_t)a->floats_size()};
    t.data.resize(t.nbytes());
    for (int i = 0; i < a->floats_size(); ++i)
      io::storeElement(t, i, a->floats(i));
  } else if (const auto *a = n.attr("value_ints")) {
    t.dtype = DType::I64;
    t.shape = {(int64_t)a->ints_size()};
    t.data.resize(t.nbytes());
    for (int i = 0; i < a->ints_size(); ++i)
      std::memcpy(t.data.data() + 8 * i, &a->ints().data()[i], 8);
  } else {
    return n.unsupported("a Constant without value, value_float(s) or "
                         "value_int(s) (sparse or string values)");
  }
  if (!error.empty())
    return n.error() << "Constant: " << error;
  if (!n.hasOutput(0))
    return n.error() << "Constant has no output";
  n.setOutput(0, n.tensorValue(t, n.proto().output(0)));
  return success();
}

LogicalResult constantOfShape(OnnxNode &n) {
  auto shape = n.constInts(0, "shape");
  if (failed(shape))
    return failure();
  io::HostTensor value;
  value.dtype = DType::F32;
  value.data.assign(4, 0);
  if (const auto *a = n.attr("value")) {
    std::string error = n.readTensor(a->t(), value);
    if (!error.empty())
      return n.error() << "ConstantOfShape: " << error;
  }
  if (value.numel() != 1)
    return n.error() << "ConstantOfShape: the value must hold one element";
  for (int64_t d : *shape)
    if (d < 1)
      return n.unsupported("a shape with extent " + std::to_string(d) +
                           " (Heed tensors are not empty)");
  auto type =
      RankedTensorType::get(*shape, toElementType(value.dtype, n.context()));
  n.setOutput(0, n.splat(io::loadElement(value, 0), type.getElementType(),
                         type.getShape()));
  return success();
}

LogicalResult shapeOp(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(*x);
  int64_t rank = shape.size();
  int64_t start = n.getInt("start", 0), end = n.getInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  n.setOutput(0, n.i64s(shape.slice(start, end - start)));
  return success();
}

LogicalResult sizeOp(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  n.setOutput(
      0, n.splat((double)cast<RankedTensorType>(x->getType()).getNumElements(),
                 n.builder().getI64Type()));
  return success();
}

LogicalResult rangeOp(OnnxNode &n) {
  auto start = n.constDouble(0, "start"), limit = n.constDouble(1, "limit"),
       delta = n.constDouble(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  double s = *start, l = *limit, d = *delta;
  if (d == 0)
    return n.error() << "Range: delta is 0";
  double steps = std::ceil((l - s) / d);
  if (!(steps <= (double)kMaxImportTable))
    return n.unsupported("a range of more than " +
                         std::to_string(kMaxImportTable) + " elements");
  int64_t count = std::max<int64_t>((int64_t)steps, 0);
  if (count == 0)
    return n.unsupported("an empty range (Heed tensors are not empty)");
  SmallVector<double> values;
  for (int64_t i = 0; i < count; ++i)
    values.push_back(s + (double)i * d);
  n.setOutput(
      0, n.constant(RankedTensorType::get({count}, elementTypeOf(n.input(0))),
                    values));
  return success();
}

LogicalResult reshapeOp(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> shape;
  if (n.opset() < 5) {
    shape = n.getInts("shape");
  } else {
    auto s = n.constInts(1, "shape");
    if (failed(s))
      return failure();
    shape = *s;
  }
  ArrayRef<int64_t> in = shapeOf(*x);
  bool allowZero = n.getInt("allowzero", 0);
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return n.error() << "Reshape: 0 at position " << i
                         << " copies a dimension the input (rank " << in.size()
                         << ") does not have";
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return n.error() << "Reshape: more than one -1 in the shape";
      inferred = i;
      continue;
    }
    if (d < 1)
      return n.unsupported("a target extent of " + std::to_string(d));
    known *= d;
  }
  int64_t numel = cast<RankedTensorType>(x->getType()).getNumElements();
  if (inferred >= 0) {
    if (known == 0 || numel % known)
      return n.error() << "Reshape: cannot infer -1 reshaping "
                       << formatShape(in) << " to " << formatShape(shape);
    shape[inferred] = numel / known;
  }
  return n.result(n.reshape(*x, shape));
}

LogicalResult flatten(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  int64_t axis = n.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return n.error() << "Flatten: axis " << n.getInt("axis", 1)
                     << " is out of range for rank " << rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= in[i];
  return n.result(n.reshape(*x, {outer, inner}));
}

/// The axes of Squeeze/Unsqueeze/Reduce*: an attribute before \p inputSince,
/// input 1 from then on; empty when absent.
FailureOr<SmallVector<int64_t>> axesOf(OnnxNode &n, int64_t inputSince) {
  if (n.opset() < inputSince)
    return n.getInts("axes");
  if (!n.hasInput(1))
    return SmallVector<int64_t>();
  return n.constInts(1, "axes");
}

LogicalResult squeeze(OnnxNode &n) {
  auto x = n.requiredInput(0);
  auto axes = axesOf(n, 13);
  if (failed(x) || failed(axes))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  SmallVector<bool> drop(in.size(), false);
  if (axes->empty())
    for (auto [i, d] : llvm::enumerate(in))
      drop[i] = d == 1;
  for (int64_t a : *axes) {
    auto axis = normalizeAxis(n, a, in.size());
    if (failed(axis))
      return failure();
    if (in[*axis] != 1)
      return n.error() << "Squeeze: dimension " << *axis << " has extent "
                       << in[*axis] << ", not 1";
    drop[*axis] = true;
  }
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(in))
    if (!drop[i])
      shape.push_back(d);
  return n.result(n.reshape(*x, shape));
}

LogicalResult unsqueeze(OnnxNode &n) {
  auto x = n.requiredInput(0);
  auto axes = axesOf(n, 13);
  if (failed(x) || failed(axes))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    auto axis = normalizeAxis(n, a, rank);
    if (failed(axis))
      return failure();
    if (inserted[*axis])
      return n.error() << "Unsqueeze: axis " << a << " is given twice";
    inserted[*axis] = true;
  }
  SmallVector<int64_t> shape;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(inserted[i] ? 1 : in[next++]);
  return n.result(n.reshape(*x, shape));
}

LogicalResult transposeOp(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = shapeOf(*x).size();
  SmallVector<int64_t> perm = n.getInts("perm");
  if (perm.empty())
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  for (int64_t &p : perm)
    if (p < 0)
      p += rank;
  return n.result(n.transpose(*x, perm));
}

LogicalResult expand(OnnxNode &n) {
  auto x = n.requiredInput(0);
  auto shape = n.constInts(1, "shape");
  if (failed(x) || failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 1)
      return n.unsupported("a target extent of " + std::to_string(d));
  auto out = broadcastShapes(shapeOf(*x), *shape);
  if (failed(out))
    return n.error() << "Expand: " << formatShape(shapeOf(*x))
                     << " does not broadcast to " << formatShape(*shape);
  if (*out == shapeOf(*x)) {
    n.setOutput(0, *x);
    return success();
  }
  return n.result(n.value<BroadcastToOp>(
      *x, {n.builder().getNamedAttr("shape",
                                    n.builder().getDenseI64ArrayAttr(*out))}));
}

LogicalResult concat(OnnxNode &n) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      inputs.push_back(n.input(i));
  if (inputs.empty())
    return n.error() << "Concat has no inputs";
  auto axis = normalizeAxis(n, n.getInt("axis", 0), shapeOf(inputs[0]).size());
  if (failed(axis))
    return failure();
  if (inputs.size() == 1) {
    n.setOutput(0, inputs[0]);
    return success();
  }
  return n.result(n.value<ConcatOp>(inputs, {n.i64Attr("axis", *axis)}));
}

LogicalResult split(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  auto axis = normalizeAxis(n, n.getInt("axis", 0), in.size());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> sizes;
  if (n.opset() < 13) {
    sizes = n.getInts("split");
  } else if (n.hasInput(1)) {
    auto s = n.constInts(1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  }
  int64_t extent = in[*axis];
  if (sizes.empty()) {
    int64_t parts =
        n.hasAttr("num_outputs") ? n.getInt("num_outputs", 1) : n.numOutputs();
    if (parts < 1 || parts > extent)
      return n.error() << "Split: " << parts << " parts of an extent of "
                       << extent;
    int64_t each = (extent + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::min(each, extent - i * each));
  }
  if ((int64_t)sizes.size() != n.numOutputs())
    return n.error() << "Split: " << sizes.size() << " parts for "
                     << n.numOutputs() << " outputs";
  for (int64_t s : sizes)
    if (s < 1)
      return n.unsupported("a part of extent " + std::to_string(s));
  if (sizes.size() == 1) {
    n.setOutput(0, *x);
    return success();
  }
  auto op = n.create<SplitOp>(
      *x, {n.builder().getNamedAttr("sizes",
                                    n.builder().getDenseI64ArrayAttr(sizes)),
           n.i64Attr("axis", *axis)});
  if (failed(op))
    return failure();
  for (unsigned i = 0; i < sizes.size(); ++i)
    n.setOutput(i, (*op)->getResult(i));
  return success();
}

/// Gathers the constant \p indices of \p x along \p axis.
FailureOr<Value> gatherConst(OnnxNode &n, Value x, ArrayRef<int64_t> indices,
                             int64_t axis) {
  return n.value<GatherOp>(ValueRange{x, n.i64s(indices)},
                           {n.i64Attr("axis", axis)});
}

LogicalResult slice(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (n.opset() < 10) {
    starts = n.getInts("starts");
    ends = n.getInts("ends");
    axes = n.getInts("axes");
  } else {
    auto s = n.constInts(1, "starts"), e = n.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (n.hasInput(3)) {
      auto a = n.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (n.hasInput(4)) {
      auto st = n.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return n.error() << "Slice: starts, ends, axes and steps differ in length";
  Value v = *x;
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = normalizeAxis(n, axes[i], rank);
    if (failed(axis))
      return failure();
    int64_t dim = in[*axis], step = steps[i];
    if (step == 0)
      return n.error() << "Slice: a step of 0";
    int64_t start = starts[i], end = ends[i];
    // ONNX clamps: INT64_MAX/MIN stand for "to the end".
    auto norm = [&](int64_t p) {
      return p < 0 ? std::max<int64_t>(p, -dim - 1) + dim
                   : std::min<int64_t>(p, dim + 1);
    };
    start = norm(start);
    end = norm(end);
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    SmallVector<int64_t> picked;
    for (int64_t p = start; step > 0 ? p < end : p > end; p += step)
      picked.push_back(p);
    if (picked.empty())
      return n.unsupported("an empty slice (Heed tensors are not empty)");
    if (step > 0 && picked.size() == (size_t)dim)
      continue;
    FailureOr<Value> sliced =
        step > 0 ? n.value<SliceOp>(
                       v, {n.i64Attr("axis", *axis), n.i64Attr("start", start),
                           n.i64Attr("end", end), n.i64Attr("step", step)})
                 : gatherConst(n, v, picked, *axis);
    if (failed(sliced))
      return failure();
    v = *sliced;
  }
  n.setOutput(0, v);
  return success();
}

LogicalResult gather(OnnxNode &n) {
  auto x = n.requiredInput(0), idx = n.requiredInput(1);
  if (failed(x) || failed(idx))
    return failure();
  auto axis = normalizeAxis(n, n.getInt("axis", 0), shapeOf(*x).size());
  if (failed(axis))
    return failure();
  auto indices = n.cast(*idx, n.builder().getI64Type());
  if (failed(indices))
    return failure();
  return n.result(
      n.value<GatherOp>(ValueRange{*x, *indices}, {n.i64Attr("axis", *axis)}));
}

/// \p idx as i64 with negative indices counted from the end of an axis of
/// \p extent (GatherElements, ScatterElements).
FailureOr<Value> indicesFromEnd(OnnxNode &n, Value idx, int64_t extent) {
  Type i64 = n.builder().getI64Type();
  auto indices = n.cast(idx, i64);
  if (failed(indices))
    return failure();
  auto negative = n.value<LtOp>(ValueRange{*indices, n.splat(0, i64)});
  auto wrapped =
      n.value<AddOp>(ValueRange{*indices, n.splat((double)extent, i64)});
  if (failed(negative) || failed(wrapped))
    return failure();
  return n.value<WhereOp>(ValueRange{*negative, *wrapped, *indices});
}

/// GatherElements as one gather from the flattened input: the flat index of
/// out[i] is idx[i] * stride[axis] + sum over the other d of i_d * stride[d].
LogicalResult gatherElements(OnnxNode &n) {
  auto x = n.requiredInput(0), idx = n.requiredInput(1);
  if (failed(x) || failed(idx))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x), out = shapeOf(*idx);
  int64_t rank = in.size();
  if ((int64_t)out.size() != rank)
    return n.error() << "GatherElements: indices of rank " << out.size()
                     << " for data of rank " << rank;
  auto axis = normalizeAxis(n, n.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  Type i64 = n.builder().getI64Type();
  auto fixed = indicesFromEnd(n, *idx, in[*axis]);
  if (failed(fixed))
    return failure();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * in[d + 1];
  auto flat =
      n.value<MulOp>(ValueRange{*fixed, n.splat((double)strides[*axis], i64)});
  if (failed(flat))
    return failure();
  Value linear = *flat;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == *axis || out[d] == 1)
      continue;
    auto iota = n.value<IotaOp>(
        {}, {n.builder().getNamedAttr("shape",
                                      n.builder().getDenseI64ArrayAttr(out)),
             n.i64Attr("axis", d),
             n.builder().getNamedAttr("dtype", TypeAttr::get(i64))});
    if (failed(iota))
      return failure();
    auto scaled =
        n.value<MulOp>(ValueRange{*iota, n.splat((double)strides[d], i64)});
    if (failed(scaled))
      return failure();
    auto sum = n.value<AddOp>(ValueRange{linear, *scaled});
    if (failed(sum))
      return failure();
    linear = *sum;
  }
  int64_t numel = cast<RankedTensorType>(x->getType()).getNumElements();
  auto flatX = n.reshape(*x, {numel});
  if (failed(flatX))
    return failure();
  return n.result(
      n.value<GatherOp>(ValueRange{*flatX, linear}, {n.i64Attr("axis", 0)}));
}

/// ScatterElements with reduction "none" as heed.scatter; negative indices
/// count from the end of the axis.
LogicalResult scatterElements(OnnxNode &n) {
  auto x = n.requiredInput(0), idx = n.requiredInput(1),
       updates = n.requiredInput(2);
  if (failed(x) || failed(idx) || failed(updates))
    return failure();
  std::string reduction = n.getString("reduction", "none");
  if (reduction != "none")
    return n.unsupported("reduction = '" + reduction + "'");
  ArrayRef<int64_t> in = shapeOf(*x);
  auto axis = normalizeAxis(n, n.getInt("axis", 0), in.size());
  if (failed(axis))
    return failure();
  auto fixed = indicesFromEnd(n, *idx, in[*axis]);
  if (failed(fixed))
    return failure();
  return n.result(n.value<ScatterOp>(ValueRange{*x, *fixed, *updates},
                                     {n.i64Attr("axis", *axis)}));
}

LogicalResult trilu(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t k = 0;
  if (n.hasInput(1)) {
    auto kv = n.constInt(1, "k");
    if (failed(kv))
      return failure();
    k = *kv;
  }
  NamedAttribute kAttr = n.i64Attr("k", k);
  return n.result(n.getInt("upper", 1) ? n.value<TriuOp>(*x, {kAttr})
                                       : n.value<TrilOp>(*x, {kAttr}));
}

LogicalResult pad(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  SmallVector<int64_t> pads;
  double value = 0;
  if (n.opset() < 11) {
    pads = n.getInts("pads");
    value = n.getFloat("value", 0);
  } else {
    auto p = n.constInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (n.hasInput(2)) {
      auto c = n.constDouble(2, "constant_value");
      if (failed(c))
        return failure();
      value = *c;
    }
  }
  SmallVector<int64_t> axes;
  if (n.hasInput(3)) {
    auto a = n.constInts(3, "axes");
    if (failed(a))
      return failure();
    for (int64_t ax : *a) {
      auto axis = normalizeAxis(n, ax, rank);
      if (failed(axis))
        return failure();
      axes.push_back(*axis);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size())
    return n.error() << "Pad: " << pads.size() << " pads for " << axes.size()
                     << " axes";
  for (int64_t p : pads)
    if (p > kMaxImportTable || p < -kMaxImportTable)
      return n.unsupported("pads of " + std::to_string(p));
  std::string mode = n.getString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return n.unsupported("mode = '" + mode + "'");
  compose::PadMode padMode = mode == "reflect" ? compose::PadMode::Reflect
                             : mode == "edge"  ? compose::PadMode::Edge
                                               : compose::PadMode::Constant;
  Value v = *x;
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = axes[i], before = pads[i], after = pads[i + axes.size()];
    // Negative pads crop (before anything is added).
    int64_t dim = shapeOf(v)[axis] - std::max<int64_t>(-before, 0) -
                  std::max<int64_t>(-after, 0);
    if (dim < 1)
      return n.unsupported("pads that crop everything");
    if (mode == "reflect" && (before >= dim || after >= dim))
      return n.unsupported("reflect pads as large as the dimension");
    auto padded = compose::padAxis(n.builder(), n.loc(), v, axis, before, after,
                                   padMode, value);
    if (failed(padded))
      return failure();
    v = *padded;
  }
  n.setOutput(0, v);
  return success();
}

/// TopK of \p x along \p axis; smallest first when !largest.
FailureOr<TopKOp> topK(OnnxNode &n, Value x, int64_t k, int64_t axis,
                       bool largest) {
  Value in = x;
  if (!largest) {
    auto neg = n.value<NegOp>(x);
    if (failed(neg))
      return failure();
    in = *neg;
  }
  return n.create<TopKOp>(in, {n.i64Attr("k", k), n.i64Attr("axis", axis)});
}

LogicalResult topKOp(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t k;
  if (n.opset() < 10) {
    k = n.getInt("k", 1);
  } else {
    auto kv = n.constInt(1, "K");
    if (failed(kv))
      return failure();
    k = *kv;
  }
  auto axis = normalizeAxis(n, n.getInt("axis", -1), shapeOf(*x).size());
  if (failed(axis))
    return failure();
  bool largest = n.getInt("largest", 1);
  auto op = topK(n, *x, k, *axis, largest);
  if (failed(op))
    return failure();
  Value values = op->getValues();
  if (!largest) {
    auto pos = n.value<NegOp>(values);
    if (failed(pos))
      return failure();
    values = *pos;
  }
  n.setOutput(0, values);
  n.setOutput(1, op->getIndices());
  return success();
}

LogicalResult argExtreme(OnnxNode &n, bool max) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (elementTypeOf(*x).isInteger(1))
    return n.error() << n.opType() << ": input 0 must be a number tensor, got "
                     << formatType(x->getType());
  auto axis = normalizeAxis(n, n.getInt("axis", 0), shapeOf(*x).size());
  if (failed(axis))
    return failure();
  return n.result(compose::argExtreme(n.builder(), n.loc(), *x, *axis, max,
                                      n.getInt("keepdims", 1),
                                      n.getInt("select_last_index", 0)));
}

} // namespace

void onnx_import::addShapeOps(llvm::StringMap<OpConverter> &t) {
  t["Constant"] = constantOp;
  t["ConstantOfShape"] = constantOfShape;
  t["Shape"] = shapeOp;
  t["Size"] = sizeOp;
  t["Range"] = rangeOp;
  t["Reshape"] = reshapeOp;
  t["Flatten"] = flatten;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Transpose"] = transposeOp;
  t["Expand"] = expand;
  t["Concat"] = concat;
  t["Split"] = split;
  t["Slice"] = slice;
  t["Gather"] = gather;
  t["GatherElements"] = gatherElements;
  t["ScatterElements"] = scatterElements;
  t["Trilu"] = trilu;
  t["Pad"] = pad;
  t["TopK"] = topKOp;
  t["ArgMax"] = [](OnnxNode &n) { return argExtreme(n, true); };
  t["ArgMin"] = [](OnnxNode &n) { return argExtreme(n, false); };
}
