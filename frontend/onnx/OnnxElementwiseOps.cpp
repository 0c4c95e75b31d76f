//===- OnnxElementwiseOps.cpp - ONNX elementwise ops ----------------------===//
//
// Arithmetic, comparisons, logic, activations, Where and Cast. Activations
// Heed has no op for (LeakyRelu, HardSigmoid, HardSwish, Clip, tanh GELU)
// are spelled with the ops it has, exactly as the ONNX definition reads.
//
//===----------------------------------------------------------------------===//

#include "OnnxNode.h"
#include "OnnxTensors.h"

#include "heed/ShapeUtils.h"

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

/// A rank-0 constant of \p v's element type.
Value scalarLike(OnnxNode &n, Value v, double value) {
  return n.splat(value, elementTypeOf(v));
}

template <typename OpTy> LogicalResult unary(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto y = n.value<OpTy>(*x);
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

template <typename OpTy> LogicalResult binary(OnnxNode &n) {
  auto a = n.requiredInput(0), b = n.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  Value rhs = *b;
  // Pow's exponent may have another type than its base.
  if (std::is_same_v<OpTy, PowOp> && elementTypeOf(*a) != elementTypeOf(*b)) {
    auto c = n.cast(*b, elementTypeOf(*a));
    if (failed(c))
      return failure();
    rhs = *c;
  }
  auto y = n.value<OpTy>(ValueRange{*a, rhs});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

/// Max, Min, Sum, Mean: a left fold of the binary op over 1..N inputs.
template <typename OpTy> LogicalResult variadic(OnnxNode &n, bool mean) {
  auto acc = n.requiredInput(0);
  if (failed(acc))
    return failure();
  Value v = *acc;
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    auto next = n.value<OpTy>(ValueRange{v, n.input(i)});
    if (failed(next))
      return failure();
    v = *next;
  }
  if (mean) {
    auto y = n.value<DivOp>(ValueRange{v, scalarLike(n, v, n.numInputs())});
    if (failed(y))
      return failure();
    v = *y;
  }
  n.setOutput(0, v);
  return success();
}

/// max(lo, min(hi, x)) with optional bounds.
FailureOr<Value> clamp(OnnxNode &n, Value x, Value lo, Value hi) {
  if (lo) {
    auto y = n.value<MaximumOp>(ValueRange{x, lo});
    if (failed(y))
      return failure();
    x = *y;
  }
  if (hi) {
    auto y = n.value<MinimumOp>(ValueRange{x, hi});
    if (failed(y))
      return failure();
    x = *y;
  }
  return x;
}

LogicalResult clip(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  Value lo, hi;
  if (n.opset() < 11) {
    if (n.hasAttr("min"))
      lo = scalarLike(n, *x, n.getFloat("min", 0));
    if (n.hasAttr("max"))
      hi = scalarLike(n, *x, n.getFloat("max", 0));
  } else {
    lo = n.input(1);
    hi = n.input(2);
  }
  auto y = clamp(n, *x, lo, hi);
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

/// alpha * x + beta, clamped to [0, 1].
FailureOr<Value> hardSigmoid(OnnxNode &n, Value x, double alpha, double beta) {
  auto ax = n.value<MulOp>(ValueRange{x, scalarLike(n, x, alpha)});
  if (failed(ax))
    return failure();
  auto axb = n.value<AddOp>(ValueRange{*ax, scalarLike(n, x, beta)});
  if (failed(axb))
    return failure();
  return clamp(n, *axb, scalarLike(n, x, 0), scalarLike(n, x, 1));
}

LogicalResult hardSigmoidOp(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto y =
      hardSigmoid(n, *x, n.getFloat("alpha", 0.2f), n.getFloat("beta", 0.5f));
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult hardSwish(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto gate = hardSigmoid(n, *x, 1.0 / 6.0, 0.5);
  if (failed(gate))
    return failure();
  auto y = n.value<MulOp>(ValueRange{*x, *gate});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult leakyRelu(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto neg = n.value<LtOp>(ValueRange{*x, scalarLike(n, *x, 0)});
  auto scaled = n.value<MulOp>(
      ValueRange{*x, scalarLike(n, *x, n.getFloat("alpha", 0.01f))});
  if (failed(neg) || failed(scaled))
    return failure();
  auto y = n.value<WhereOp>(ValueRange{*neg, *scaled, *x});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult gelu(OnnxNode &n) {
  std::string approximate = n.getString("approximate", "none");
  if (approximate == "none")
    return unary<GeluOp>(n);
  if (approximate ==
      "tanh") // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    return unary<GeluTanhOp>(n);
  return n.unsupported("approximate = '" + approximate + "'");
}

LogicalResult reciprocal(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto y = n.value<DivOp>(ValueRange{scalarLike(n, *x, 1.0), *x});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult isNaN(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto y = n.value<NeOp>(ValueRange{*x, *x});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult where(OnnxNode &n) {
  auto c = n.requiredInput(0), a = n.requiredInput(1), b = n.requiredInput(2);
  if (failed(c) || failed(a) || failed(b))
    return failure();
  auto y = n.value<WhereOp>(ValueRange{*c, *a, *b});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult castTo(OnnxNode &n, Type to) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto y = n.cast(*x, to);
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

LogicalResult castOp(OnnxNode &n) {
  int64_t to = n.getInt("to", 0);
  std::optional<DType> dtype = heedDType(to);
  if (!dtype)
    return n.unsupported("to = " + onnxTypeName(to));
  return castTo(n, toElementType(*dtype, n.context()));
}

LogicalResult castLike(OnnxNode &n) {
  if (!n.hasInput(1))
    return n.error() << "CastLike needs input 1";
  return castTo(n, n.inputType(1).getElementType());
}

LogicalResult identity(OnnxNode &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  n.setOutput(0, *x);
  return success();
}

LogicalResult dropout(OnnxNode &n) {
  // Inference: the identity, and a mask of all true when asked for.
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (n.hasInput(2)) {
    auto training = n.constInt(2, "training_mode");
    if (failed(training))
      return failure();
    // Training with a ratio of 0 keeps everything; otherwise it draws.
    double ratio = 0.5;
    if (n.hasInput(1)) {
      auto r = n.constDouble(1, "ratio");
      if (failed(r))
        return failure();
      ratio = *r;
    }
    if (*training && ratio != 0)
      return n.unsupported("training_mode = true with a ratio above 0 "
                           "(random)");
  }
  n.setOutput(0, *x);
  if (n.hasOutput(1))
    n.setOutput(1,
                n.splat(1, n.builder().getI1Type(), n.inputType(0).getShape()));
  return success();
}

} // namespace

void onnx_import::addElementwiseOps(llvm::StringMap<OpConverter> &t) {
  t["Add"] = binary<AddOp>;
  t["Sub"] = binary<SubOp>;
  t["Mul"] = binary<MulOp>;
  t["Div"] = binary<DivOp>;
  t["Pow"] = binary<PowOp>;
  t["And"] = binary<AndOp>;
  t["Or"] = binary<OrOp>;
  t["Equal"] = binary<EqOp>;
  t["Less"] = binary<LtOp>;
  t["LessOrEqual"] = binary<LeOp>;
  t["Greater"] = binary<GtOp>;
  t["GreaterOrEqual"] = binary<GeOp>;
  t["Max"] = [](OnnxNode &n) { return variadic<MaximumOp>(n, false); };
  t["Min"] = [](OnnxNode &n) { return variadic<MinimumOp>(n, false); };
  t["Sum"] = [](OnnxNode &n) { return variadic<AddOp>(n, false); };
  t["Mean"] = [](OnnxNode &n) { return variadic<AddOp>(n, true); };
  t["Sqrt"] = unary<SqrtOp>;
  t["Neg"] = unary<NegOp>;
  t["Abs"] = unary<AbsOp>;
  t["Exp"] = unary<ExpOp>;
  t["Log"] = unary<LogOp>;
  t["Erf"] = unary<ErfOp>;
  t["Tanh"] = unary<TanhOp>;
  t["Sin"] = unary<SinOp>;
  t["Cos"] = unary<CosOp>;
  t["Sigmoid"] = unary<SigmoidOp>;
  t["Relu"] = unary<ReluOp>;
  t["Not"] = unary<NotOp>;
  t["Reciprocal"] = reciprocal;
  t["IsNaN"] = isNaN;
  t["LeakyRelu"] = leakyRelu;
  t["HardSigmoid"] = hardSigmoidOp;
  t["HardSwish"] = hardSwish;
  t["Clip"] = clip;
  t["Gelu"] = gelu;
  t["Where"] = where;
  t["Cast"] = castOp;
  t["CastLike"] = castLike;
  t["Identity"] = identity;
  t["Dropout"] = dropout;
}
