//===- OnnxNeuralOps.cpp - ONNX matmuls, norms, reductions and CumSum ----===//

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

NamedAttribute epsAttr(OnnxNode &n, double eps) {
  return n.builder().getNamedAttr("eps", n.builder().getF64FloatAttr(eps));
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
  return n.result(matmul(n, *a, *b));
}

LogicalResult gemm(OnnxNode &n) {
  auto a = n.requiredInput(0), b = n.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  if (failed(n.requireRank(0, 2, 2)) || failed(n.requireRank(1, 2, 2)))
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
    return n.result(n.value<LinearOp>(operands));
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
    return n.result(n.value<OpTy>(*x, {n.i64Attr("axis", *axis)}));
  // Before opset 13 the input is seen as [prod(:axis), prod(axis:)].
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= in[i];
  auto flat = n.reshape(*x, {outer, inner});
  if (failed(flat))
    return failure();
  auto y = n.value<OpTy>(*flat, {n.i64Attr("axis", 1)});
  if (failed(y))
    return failure();
  return n.result(n.reshape(*y, in));
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
  NamedAttribute axesAttr = n.arrayAttr("axes", axes);
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
    auto b = n.value<BroadcastToOp>(p, {n.arrayAttr("shape", shape)});
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
    return n.result(n.value<BatchNormOp>(operands, {eps}));
  // Training: normalise with the batch's statistics (biased variance) and
  // return the running statistics updated with momentum.
  Value x = operands[0];
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < (int64_t)shapeOf(x).size(); ++i)
    if (i != 1)
      axes.push_back(i);
  NamedAttribute axesAttr = n.arrayAttr("axes", axes);
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
  return n.result(n.value<OpTy>(
      *x,
      {n.arrayAttr("axes", axes),
       n.builder().getNamedAttr("keepdim", n.builder().getBoolAttr(keep))}));
}

/// CumSum: heed.cumsum along the (constant) axis. `reverse` sums from the
/// end: the axis is reversed around the sum by gathers; `exclusive` leaves
/// each element out of its own sum: the sum of x shifted by one along the
/// axis (a zero first, the last element dropped). Both are exact.
LogicalResult cumSum(OnnxNode &n) {
  auto x = n.requiredInput(0);
  auto a = n.constInt(1, "axis");
  if (failed(x) || failed(a))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  auto axis = normalizeAxis(n, *a, in.size());
  if (failed(axis))
    return failure();
  int64_t dim = in[*axis];
  bool reverse = n.getInt("reverse", 0), exclusive = n.getInt("exclusive", 0);
  Type et = elementTypeOf(*x);
  if (et.isInteger(1))
    return n.error() << "CumSum: input 0 must be a number tensor, got "
                     << formatType(x->getType());
  if (exclusive && dim == 1) {
    // Nothing comes before the only element.
    n.setOutput(0, n.splat(0, et, in));
    return success();
  }
  SmallVector<int64_t> reversed;
  for (int64_t i = dim - 1; i >= 0; --i)
    reversed.push_back(i);
  auto flip = [&](Value v) -> FailureOr<Value> {
    if (!reverse || dim == 1)
      return v;
    return n.value<GatherOp>(ValueRange{v, n.i64s(reversed)},
                             {n.i64Attr("axis", *axis)});
  };
  auto v = flip(*x);
  if (failed(v))
    return failure();
  if (exclusive) {
    SmallVector<int64_t> first(in);
    first[*axis] = 1;
    auto head =
        n.value<SliceOp>(*v, {n.i64Attr("axis", *axis), n.i64Attr("start", 0),
                              n.i64Attr("end", dim - 1), n.i64Attr("step", 1)});
    if (failed(head))
      return failure();
    v = n.value<ConcatOp>(ValueRange{n.splat(0, et, first), *head},
                          {n.i64Attr("axis", *axis)});
    if (failed(v))
      return failure();
  }
  auto sum = n.value<CumsumOp>(*v, {n.i64Attr("axis", *axis)});
  if (failed(sum))
    return failure();
  return n.result(flip(*sum));
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
    if (t.find("...") == std::string::npos)
      continue;
    size_t named = t.size() - 3, rank = shapeOf(x).size();
    // More named indices than axes left a negative count of axes for the
    // ellipsis, which wrapped: an ellipsis of 2^64 letters.
    if (named > rank)
      return n.error() << "Einsum: term '" << t << "' names " << named
                       << " indices besides '...' for an operand of rank "
                       << rank;
    maxEllipsis = std::max(maxEllipsis, rank - named);
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
        {n.arrayAttr("axes", axes),
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
    return n.result(permuteTo(*summed, terms[0], out));
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
  return n.result(permuteTo(*shaped, have, out));
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
  t["CumSum"] = cumSum;
}
