//===- OnnxResizeOps.cpp - ONNX Resize and GatherND -----------------------===//
//
// Shapes are static, so Resize is a fixed linear map per axis: each output
// position reads a few input positions (taps) with fixed weights. Axis by
// axis (in the order of the ONNX reference), the importer computes the taps
// of every output position exactly as the ONNX definition does (coordinate
// transformation, nearest rounding, linear and cubic coefficients, edge
// padding, exclude_outside, tf_crop_and_resize's extrapolation value) and
// emits one gather per tap, multiplied by its weights and summed. Nearest
// is one gather.
//
// GatherND gathers from the data flattened over its first K dimensions at
// the flat index sum(indices[..., i] * stride_i).
//
//===----------------------------------------------------------------------===//

#include "OnnxNode.h"

#include "heed/ShapeUtils.h"

#include <cmath>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

/// How one Resize reads one axis.
struct AxisResize {
  std::string coordinates, mode, nearest;
  double cubicA = -0.75;
  bool excludeOutside = false, antialias = false;
  double extrapolation = 0;
  double roiStart = 0, roiEnd = 1;
};

/// The taps of one output position: input indices (clamped into range, as
/// ONNX's edge padding reads them) and their weights; `outside` when
/// tf_crop_and_resize puts the position outside the input.
struct Taps {
  SmallVector<int64_t, 4> index;
  SmallVector<double, 4> weight;
  bool outside = false;
};

FailureOr<Taps> tapsOf(OnnxNode &n, const AxisResize &r, int64_t in,
                       double scale, int64_t outInt, int64_t x) {
  double outWidth = scale * (double)in;
  double xo = 0;
  const std::string &c = r.coordinates;
  if (c == "align_corners") {
    xo = outWidth == 1 ? 0 : x * (double)(in - 1) / (outWidth - 1);
  } else if (c == "asymmetric") {
    xo = x / scale;
  } else if (c == "tf_crop_and_resize") {
    xo = outWidth == 1
             ? (r.roiEnd - r.roiStart) * (in - 1) / 2
             : x * (r.roiEnd - r.roiStart) * (in - 1) / (outWidth - 1);
    xo += r.roiStart * (in - 1);
    if (xo < 0 || xo > in - 1) {
      Taps t;
      t.outside = true;
      return t;
    }
  } else if (c == "pytorch_half_pixel") {
    xo = outWidth == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  } else if (c == "half_pixel") {
    xo = (x + 0.5) / scale - 0.5;
  } else if (c == "half_pixel_symmetric") {
    double adjustment = outInt / outWidth;
    double center = in / 2.0;
    xo = center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  } else {
    return n.unsupported("coordinate_transformation_mode = '" + c + "'");
  }
  // The neighbours prefer the left pixel: ratio in (0, 1].
  double floorX = std::floor(xo);
  double ratio = xo == floorX ? 1.0 : xo - floorX;
  int64_t left = (int64_t)std::ceil(xo) - 1; // the tap at ratio's left
  SmallVector<double, 4> coeffs;
  int64_t first;
  if (r.mode == "nearest") {
    bool right;
    if (xo == floorX)
      right = true;
    else if (r.nearest == "round_prefer_floor")
      right = ratio > 0.5;
    else if (r.nearest == "round_prefer_ceil")
      right = ratio >= 0.5;
    else if (r.nearest == "floor")
      right = false;
    else if (r.nearest == "ceil")
      right = true;
    else
      return n.unsupported("nearest_mode = '" + r.nearest + "'");
    coeffs = {right ? 0.0 : 1.0, right ? 1.0 : 0.0};
    first = left;
  } else if (r.antialias && (r.mode == "linear" || r.mode == "cubic")) {
    // Downsampling widens the kernel by 1 / scale (normalised taps).
    double s = std::min(scale, 1.0), A = r.cubicA, sum = 0;
    bool linear = r.mode == "linear";
    int64_t start = (int64_t)std::floor((linear ? -1 : -2) / s) + 1;
    int64_t end = linear ? start + 2 - 2 * start : 2 - start;
    for (int64_t i = start; i < end; ++i) {
      double a = std::abs(s * ((double)i - ratio)), w;
      if (linear)
        w = std::clamp(1 - a, 0.0, 1.0);
      else if (a <= 1)
        w = (A + 2) * a * a * a - (A + 3) * a * a + 1;
      else if (a < 2)
        w = A * a * a * a - 5 * A * a * a + 8 * A * a - 4 * A;
      else
        w = 0;
      coeffs.push_back(w);
      sum += w;
    }
    for (double &w : coeffs)
      w /= sum;
    first = left - ((int64_t)coeffs.size() / 2 - 1);
  } else if (r.mode == "linear") {
    coeffs = {1 - ratio, ratio};
    first = left;
  } else if (r.mode == "cubic") {
    double A = r.cubicA, s = ratio + 1, t = 1 - ratio, u = t + 1;
    coeffs = {((A * s - 5 * A) * s + 8 * A) * s - 4 * A,
              ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
              ((A + 2) * t - (A + 3)) * t * t + 1,
              ((A * u - 5 * A) * u + 8 * A) * u - 4 * A};
    first = left - 1;
  } else {
    return n.unsupported("mode = '" + r.mode + "'");
  }
  Taps taps;
  double sum = 0;
  for (auto [k, w] : llvm::enumerate(coeffs)) {
    int64_t idx = first + (int64_t)k;
    if (r.excludeOutside && (idx < 0 || idx >= in))
      w = 0;
    sum += w;
    taps.index.push_back(std::clamp<int64_t>(idx, 0, in - 1));
    taps.weight.push_back(w);
  }
  if (r.excludeOutside && sum != 0)
    for (double &w : taps.weight)
      w /= sum;
  return taps;
}

/// Resizes \p x along \p axis to \p out positions.
FailureOr<Value> resizeAxis(OnnxNode &n, Value x, int64_t axis, int64_t out,
                            double scale, const AxisResize &r) {
  int64_t in = shapeOf(x)[axis];
  SmallVector<Taps> all;
  size_t width = 0;
  for (int64_t o = 0; o < out; ++o) {
    auto t = tapsOf(n, r, in, scale, out, o);
    if (failed(t))
      return failure();
    width = std::max(width, t->index.size());
    all.push_back(*t);
  }
  Type et = elementTypeOf(x);
  SmallVector<int64_t> wShape(shapeOf(x).size(), 1);
  wShape[axis] = out;
  auto weightType = RankedTensorType::get(wShape, et);
  Value sum;
  for (size_t k = 0; k < width; ++k) {
    SmallVector<int64_t> idx;
    SmallVector<double> w;
    bool used = false, ones = true;
    for (const Taps &t : all) {
      idx.push_back(t.outside ? 0 : t.index[k]);
      double wk = t.outside ? 0 : t.weight[k];
      w.push_back(wk);
      used |= wk != 0;
      ones &= wk == 1;
    }
    if (!used)
      continue;
    auto g = n.value<GatherOp>(ValueRange{x, n.i64s(idx)},
                               {n.i64Attr("axis", axis)});
    if (failed(g))
      return failure();
    Value term = *g;
    if (!ones) {
      auto m = n.value<MulOp>(ValueRange{term, n.constant(weightType, w)});
      if (failed(m))
        return failure();
      term = *m;
    }
    if (!sum) {
      sum = term;
      continue;
    }
    auto a = n.value<AddOp>(ValueRange{sum, term});
    if (failed(a))
      return failure();
    sum = *a;
  }
  SmallVector<double> extra;
  bool anyOutside = false;
  for (const Taps &t : all) {
    extra.push_back(t.outside ? r.extrapolation : 0.0);
    anyOutside |= t.outside;
  }
  SmallVector<int64_t> outShape(shapeOf(x));
  outShape[axis] = out;
  if (!sum)
    sum = n.splat(0, et, outShape);
  if (anyOutside) {
    auto a = n.value<AddOp>(ValueRange{sum, n.constant(weightType, extra)});
    if (failed(a))
      return failure();
    sum = *a;
  }
  return sum;
}

LogicalResult resize(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size();
  AxisResize r;
  r.antialias = n.getInt("antialias", 0);
  r.mode = n.getString("mode", "nearest");
  r.coordinates = n.getString("coordinate_transformation_mode",
                              n.opset() < 11 ? "asymmetric" : "half_pixel");
  r.nearest = n.getString("nearest_mode",
                          n.opset() < 11 ? "floor" : "round_prefer_floor");
  r.cubicA = n.getFloat("cubic_coeff_a", -0.75f);
  r.excludeOutside = n.getInt("exclude_outside", 0);
  r.extrapolation = n.getFloat("extrapolation_value", 0);
  std::string policy = n.getString("keep_aspect_ratio_policy", "stretch");
  SmallVector<int64_t> axes = n.getInts("axes");
  for (int64_t &a : axes) {
    auto axis = normalizeAxis(n, a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
  }
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  // Inputs: opset 10 has (X, scales); later (X, roi, scales, sizes).
  unsigned roiIn = n.opset() < 11 ? ~0u : 1, scalesIn = n.opset() < 11 ? 1 : 2,
           sizesIn = 3;
  SmallVector<double> roi, scales;
  SmallVector<int64_t> sizes;
  auto nonEmpty = [&](unsigned i) {
    return n.hasInput(i) &&
           mlir::cast<RankedTensorType>(n.input(i).getType()).getNumElements() >
               0;
  };
  if (roiIn != ~0u && nonEmpty(roiIn)) {
    auto v = n.constDoubles(roiIn, "roi");
    if (failed(v))
      return failure();
    roi = *v;
  }
  if (nonEmpty(scalesIn)) {
    auto v = n.constDoubles(scalesIn, "scales");
    if (failed(v))
      return failure();
    scales = *v;
  }
  if (nonEmpty(sizesIn)) {
    auto v = n.constInts(sizesIn, "sizes");
    if (failed(v))
      return failure();
    sizes = *v;
  }
  size_t na = axes.size();
  if ((!scales.empty() && scales.size() != na) ||
      (!sizes.empty() && sizes.size() != na) ||
      (!roi.empty() && roi.size() != 2 * na) ||
      (scales.empty() == sizes.empty()))
    return n.error() << "Resize: give scales or sizes, one value per axis";
  SmallVector<double> scale(rank, 1.0);
  SmallVector<int64_t> out(in);
  if (!scales.empty()) {
    for (size_t i = 0; i < na; ++i) {
      double extent = scales[i] * (double)in[axes[i]];
      if (!(extent >= 1 && extent <= (double)kMaxImportTable))
        return n.unsupported("a scale of " + std::to_string(scales[i]) +
                             " (output extents from 1 to " +
                             std::to_string(kMaxImportTable) + ")");
      scale[axes[i]] = scales[i];
      out[axes[i]] = (int64_t)extent;
    }
  } else {
    for (size_t i = 0; i < na; ++i) {
      scale[axes[i]] = (double)sizes[i] / (double)in[axes[i]];
      out[axes[i]] = sizes[i];
    }
    if (policy != "stretch") {
      double s = policy == "not_larger" ? 1e300 : -1e300;
      for (int64_t a : axes)
        s = policy == "not_larger" ? std::min(s, scale[a])
                                   : std::max(s, scale[a]);
      if (policy != "not_larger" && policy != "not_smaller")
        return n.unsupported("keep_aspect_ratio_policy = '" + policy + "'");
      for (int64_t a : axes) {
        scale[a] = s;
        out[a] = (int64_t)(s * (double)in[a] + 0.5);
      }
    }
  }
  Value v = *x;
  for (size_t i = 0; i < na; ++i) {
    int64_t a = axes[i];
    AxisResize axisR = r;
    if (!roi.empty()) {
      axisR.roiStart = roi[i];
      axisR.roiEnd = roi[na + i];
    }
    bool identity = out[a] == in[a] && std::abs(scale[a] - 1.0) < 1e-9 &&
                    std::abs(axisR.roiStart) < 1e-9 &&
                    std::abs(axisR.roiEnd - 1.0) < 1e-9;
    if (identity)
      continue;
    if (out[a] > kMaxImportTable)
      return n.unsupported("an output extent of " + std::to_string(out[a]));
    if (out[a] < 1)
      return n.unsupported("an output extent of " + std::to_string(out[a]));
    auto resized = resizeAxis(n, v, a, out[a], scale[a], axisR);
    if (failed(resized))
      return failure();
    v = *resized;
  }
  n.setOutput(0, v);
  return success();
}

LogicalResult gatherND(OnnxNode &n) {
  auto x = n.requiredInput(0), idx = n.requiredInput(1);
  if (failed(x) || failed(idx))
    return failure();
  if (n.getInt("batch_dims", 0))
    return n.unsupported("batch_dims other than 0");
  ArrayRef<int64_t> data = shapeOf(*x), ids = shapeOf(*idx);
  if (ids.empty())
    return n.error() << "GatherND: indices must have rank >= 1";
  int64_t k = ids.back();
  if (k < 1 || k > (int64_t)data.size())
    return n.error() << "GatherND: the last extent of indices (" << k
                     << ") must be in [1, " << data.size() << "]";
  Type i64 = n.builder().getI64Type();
  auto indices = n.cast(*idx, i64);
  if (failed(indices))
    return failure();
  // Flat index over the first k dimensions (negative indices count from the
  // end of their dimension).
  SmallVector<int64_t> lead(ids.drop_back());
  Value flat;
  int64_t stride = 1;
  for (int64_t i = k - 1; i >= 0; --i) {
    auto part = n.value<SliceOp>(
        *indices,
        {n.i64Attr("axis", (int64_t)ids.size() - 1), n.i64Attr("start", i),
         n.i64Attr("end", i + 1), n.i64Attr("step", 1)});
    if (failed(part))
      return failure();
    auto p = n.reshape(*part, lead);
    if (failed(p))
      return failure();
    auto negative = n.value<LtOp>(ValueRange{*p, n.splat(0, i64)});
    auto wrapped =
        n.value<AddOp>(ValueRange{*p, n.splat((double)data[i], i64)});
    if (failed(negative) || failed(wrapped))
      return failure();
    auto fixed = n.value<WhereOp>(ValueRange{*negative, *wrapped, *p});
    if (failed(fixed))
      return failure();
    Value term = *fixed;
    if (stride != 1) {
      auto m = n.value<MulOp>(ValueRange{term, n.splat((double)stride, i64)});
      if (failed(m))
        return failure();
      term = *m;
    }
    if (flat) {
      auto a = n.value<AddOp>(ValueRange{flat, term});
      if (failed(a))
        return failure();
      flat = *a;
    } else {
      flat = term;
    }
    stride *= data[i];
  }
  SmallVector<int64_t> flatShape{stride};
  flatShape.append(data.begin() + k, data.end());
  auto flatX = n.reshape(*x, flatShape);
  if (failed(flatX))
    return failure();
  auto g = n.value<GatherOp>(ValueRange{*flatX, flat}, {n.i64Attr("axis", 0)});
  if (failed(g))
    return failure();
  n.setOutput(0, *g);
  return success();
}

} // namespace

void onnx_import::addResizeOps(llvm::StringMap<OpConverter> &t) {
  t["Resize"] = resize;
  t["GatherND"] = gatherND;
}
