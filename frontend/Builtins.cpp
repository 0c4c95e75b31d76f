//===- Builtins.cpp - The builtin ops of the .heed language ---------------===//
//
// One entry per op of docs/language.md: its parameter names in positional
// order and the code that builds heed/attn ops for it. Shape and dtype
// checking is left to the ops' own type inference wherever possible. The
// elementwise ops of one or two operands (the UnaryMap and ElementwiseMap
// categories of HeedTraits.h) are builtins of their own name without an
// entry here.
//
//===----------------------------------------------------------------------===//

#include "Compose.h"
#include "Emitter.h"

#include "attn/TensorOpVisitor.h"
#include "heed/ShapeUtils.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace heed;

using Results = FailureOr<SmallVector<Value>>;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

NamedAttribute attr(Call &c, StringRef name, Attribute value) {
  return NamedAttribute(StringAttr::get(&c.em.ctx, name), value);
}
NamedAttribute i64Attr(Call &c, StringRef name, int64_t v) {
  return attr(c, name, c.em.builder.getI64IntegerAttr(v));
}
NamedAttribute arrayAttr(Call &c, StringRef name, ArrayRef<int64_t> v) {
  return attr(c, name, c.em.builder.getDenseI64ArrayAttr(v));
}

Results single(FailureOr<Value> v) {
  if (failed(v))
    return failure();
  return SmallVector<Value>{*v};
}

/// Tensor argument, or a number converted to a constant like \p like.
FailureOr<Value> tensorOrScalar(Call &c, StringRef param, Type like) {
  return c.em.asTensor(c.arg(param), like, c.scope);
}

//===--- Elementwise ------------------------------------------------------===//

template <typename OpTy> Builtin unary() {
  Builtin b{{"x"},
            [](Call &c) -> Results {
              auto x = c.tensor("x");
              if (failed(x))
                return failure();
              return single(c.create1<OpTy>({*x}));
            },
            "elementwise " + std::string(opMnemonic<OpTy>())};
  // `not` is logical: no number has a value under it.
  if constexpr (!std::is_same_v<OpTy, NotOp>)
    b.evaluateNumber = &OpTy::evaluate;
  return b;
}

/// gelu(x, approximate="none"): PyTorch's GELU; approximate="tanh" is its
/// tanh approximation (heed.gelu_tanh).
Results buildGelu(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  std::string approximate = "none";
  if (c.has("approximate")) {
    const Val &v = c.arg("approximate");
    if (v.kind != Val::Kind::String || (v.s != "none" && v.s != "tanh"))
      return c.errorAt(v, "argument 'approximate' must be \"none\" or "
                          "\"tanh\" (as in torch.nn.functional.gelu)");
    approximate = v.s;
  }
  if (approximate == "tanh")
    return single(c.create1<GeluTanhOp>({*x}));
  return single(c.create1<GeluOp>({*x}));
}

/// Arguments "a" and "b" as tensors of one dtype: a number becomes a
/// constant of the other argument's dtype (f32 when both are numbers).
FailureOr<std::pair<Value, Value>> operandPair(Call &c) {
  const Val &a = c.arg("a"), &b = c.arg("b");
  Type like = a.kind == Val::Kind::Tensor   ? a.tensor.getType()
              : b.kind == Val::Kind::Tensor ? b.tensor.getType()
                                            : Type();
  auto lhs = tensorOrScalar(c, "a", like);
  if (failed(lhs))
    return failure();
  auto rhs = tensorOrScalar(c, "b", like);
  if (failed(rhs))
    return failure();
  return std::make_pair(*lhs, *rhs);
}

template <typename OpTy> Builtin binary() {
  return {{"a", "b"},
          [](Call &c) -> Results {
            auto operands = operandPair(c);
            if (failed(operands))
              return failure();
            return single(c.create1<OpTy>({operands->first, operands->second}));
          },
          "broadcasting " + std::string(opMnemonic<OpTy>())};
}

Results buildWhere(Call &c) {
  auto cond = c.em.asTensor(c.arg("cond"), Type(), c.scope);
  if (failed(cond))
    return failure();
  auto operands = operandPair(c);
  if (failed(operands))
    return failure();
  return single(c.create1<WhereOp>({*cond, operands->first, operands->second}));
}

Results buildCast(Call &c) {
  auto x = c.tensor("x");
  auto dtype = c.dtype("dtype", std::nullopt);
  if (failed(x) || failed(dtype))
    return failure();
  return single(
      c.create1<CastOp>({*x}, {attr(c, "dtype", TypeAttr::get(*dtype))}));
}

Results buildIdentity(Call &c) {
  auto x = c.tensor("x");
  auto p = c.number("p", 0.5);
  if (failed(x) || failed(p))
    return failure();
  if (*p < 0 || *p >= 1)
    return c.error("p must be in [0, 1)");
  return SmallVector<Value>{*x};
}

//===--- Constants --------------------------------------------------------===//

/// The `shape` argument: a list of positive extents whose element count an
/// int64 can hold.
FailureOr<SmallVector<int64_t>> positiveShape(Call &c) {
  auto shape = c.intList("shape");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 1)
      return c.errorAt(c.arg("shape"), "extents must be positive");
  if (!hasCountableElements(*shape))
    return c.errorAt(c.arg("shape"), formatShape(*shape) +
                                         " has more elements than a 64-bit "
                                         "integer can count");
  return shape;
}

Results buildFull(Call &c, std::optional<double> fixed) {
  auto shape = positiveShape(c);
  auto dtype = c.dtype("dtype", StringRef("f32"));
  if (failed(shape) || failed(dtype))
    return failure();
  double value = 0;
  if (fixed) {
    value = *fixed;
  } else {
    auto v = c.number("value");
    if (failed(v))
      return failure();
    value = *v;
    if (!isa<FloatType>(*dtype) &&
        (!std::isfinite(value) || value != std::trunc(value)))
      return c.errorAt(c.arg("value"),
                       c.arg("value").describe() +
                           " is not a whole number but dtype is " +
                           formatElementType(*dtype));
  }
  return SmallVector<Value>{c.em.constant(value, *dtype, c.loc(), *shape)};
}

/// `w = parameter([out, in], dtype=f32)`: a tensor parameter on its own,
/// named by the prefix itself (`parameter[cls_token]([1, 1, D])` is the
/// parameter `cls_token`, as PyTorch names an `nn.Parameter`).
Results buildParameter(Call &c) {
  auto shape = positiveShape(c);
  auto dtype = c.dtype("dtype", StringRef("f32"));
  if (failed(shape) || failed(dtype))
    return failure();
  int64_t fanIn = shape->empty() ? 1 : shape->back();
  return single(c.param("", *shape, *dtype, fanIn));
}

Results buildIota(Call &c) {
  auto shape = c.intList("shape");
  auto dtype = c.dtype("dtype", StringRef("i64"));
  if (failed(shape) || failed(dtype))
    return failure();
  auto axis = c.axis("axis", shape->size(), 0);
  if (failed(axis))
    return failure();
  return single(c.create1<IotaOp>(
      {}, {arrayAttr(c, "shape", *shape), i64Attr(c, "axis", *axis),
           attr(c, "dtype", TypeAttr::get(*dtype))}));
}

template <typename OpTy> Results buildTriangle(Call &c) {
  auto x = c.tensor("x");
  auto k = c.integer("k", 0);
  if (failed(x) || failed(k))
    return failure();
  return single(c.create1<OpTy>({*x}, {i64Attr(c, "k", *k)}));
}

//===--- Shapes -----------------------------------------------------------===//

FailureOr<Value> transposeValue(Call &c, Value x, ArrayRef<int64_t> perm) {
  return c.create1<TransposeOp>({x}, {arrayAttr(c, "perm", perm)});
}

FailureOr<Value> reshapeValue(Call &c, Value x, ArrayRef<int64_t> shape) {
  return c.create1<ReshapeOp>({x}, {arrayAttr(c, "shape", shape)});
}

Results buildTranspose(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  if (rank < 2)
    return c.error("needs a tensor of rank >= 2");
  auto a = c.axis("dim0", rank, -2);
  auto b = c.axis("dim1", rank, -1);
  if (failed(a) || failed(b))
    return failure();
  SmallVector<int64_t> perm(rank);
  for (int64_t i = 0; i < rank; ++i)
    perm[i] = i;
  std::swap(perm[*a], perm[*b]);
  return single(transposeValue(c, *x, perm));
}

Results buildPermute(Call &c) {
  auto x = c.tensor("x");
  auto perm = c.intList("perm");
  if (failed(x) || failed(perm))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  for (int64_t &p : *perm)
    if (p < 0)
      p += rank;
  return single(transposeValue(c, *x, *perm));
}

Results buildReshape(Call &c) {
  auto x = c.tensor("x");
  auto shape = c.intList("shape");
  if (failed(x) || failed(shape))
    return failure();
  int64_t known = 1, inferred = -1;
  bool knownOverflows = false;
  for (size_t i = 0; i < shape->size(); ++i) {
    if ((*shape)[i] == -1) {
      if (inferred >= 0)
        return c.errorAt(c.arg("shape"), "only one extent may be -1");
      inferred = i;
    } else if ((*shape)[i] < 1) {
      return c.errorAt(c.arg("shape"), "extents must be positive or -1, got " +
                                           formatShape(*shape));
    } else {
      knownOverflows |= llvm::MulOverflow(known, (*shape)[i], known);
    }
  }
  int64_t n = typeOf(*x).getNumElements();
  if (inferred >= 0 && knownOverflows)
    return c.errorAt(c.arg("shape"),
                     "cannot infer the -1 extent: the others multiply past "
                     "2^63 - 1, got " +
                         formatShape(*shape));
  if (inferred >= 0) {
    if (n % known)
      return c.error("cannot reshape " + formatType(typeOf(*x)) + " to " +
                     formatShape(*shape) + ": " + Twine(n) +
                     " elements do not divide by " + Twine(known));
    (*shape)[inferred] = n / known;
  }
  return single(reshapeValue(c, *x, *shape));
}

Results buildFlatten(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  int64_t rank = std::max<int64_t>(t.getRank(), 1);
  auto start = c.axis("start", rank, 1);
  auto end = c.axis("end", rank, -1);
  if (failed(start) || failed(end))
    return failure();
  if (*start > *end)
    return c.error("start must not come after end");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (i > *start && i <= *end) {
      if (llvm::MulOverflow(shape.back(), t.getDimSize(i), shape.back()))
        return c.error("cannot flatten " + formatType(t) +
                       ": the merged extent passes 2^63 - 1");
    } else {
      shape.push_back(t.getDimSize(i));
    }
  }
  return single(reshapeValue(c, *x, shape));
}

Results buildUnsqueeze(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  auto axis = c.axis("axis", t.getRank() + 1);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + *axis, 1);
  return single(reshapeValue(c, *x, shape));
}

Results buildSqueeze(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  auto axis = c.axis("axis", t.getRank());
  if (failed(axis))
    return failure();
  if (t.getDimSize(*axis) != 1)
    return c.error("axis " + Twine(*axis) + " of " + formatType(t) +
                   " has extent " + Twine(t.getDimSize(*axis)) + ", not 1");
  SmallVector<int64_t> shape(t.getShape());
  shape.erase(shape.begin() + *axis);
  return single(reshapeValue(c, *x, shape));
}

/// [B, L, H*D] -> [B, H, L, D].
FailureOr<Value> splitHeads(Call &c, Value x, int64_t heads) {
  RankedTensorType t = typeOf(x);
  if (t.getRank() != 3)
    return c.error("expected [batch, length, heads * head_dim], got " +
                   formatType(t));
  int64_t e = t.getDimSize(2);
  if (heads < 1 || e % heads)
    return c.error(Twine(heads) + " heads do not divide the feature size " +
                   Twine(e) + " of " + formatType(t));
  auto r =
      reshapeValue(c, x, {t.getDimSize(0), t.getDimSize(1), heads, e / heads});
  if (failed(r))
    return failure();
  return transposeValue(c, *r, {0, 2, 1, 3});
}

/// [B, H, L, D] -> [B, L, H*D].
FailureOr<Value> mergeHeads(Call &c, Value x) {
  RankedTensorType t = typeOf(x);
  if (t.getRank() != 4)
    return c.error("expected [batch, heads, length, head_dim], got " +
                   formatType(t));
  auto tr = transposeValue(c, x, {0, 2, 1, 3});
  if (failed(tr))
    return failure();
  return reshapeValue(
      c, *tr,
      {t.getDimSize(0), t.getDimSize(2), t.getDimSize(1) * t.getDimSize(3)});
}

Results buildSplitHeads(Call &c) {
  auto x = c.tensor("x");
  auto heads = c.integer("heads");
  if (failed(x) || failed(heads))
    return failure();
  return single(splitHeads(c, *x, *heads));
}

Results buildMergeHeads(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  return single(mergeHeads(c, *x));
}

Results buildBroadcastTo(Call &c) {
  auto x = c.tensor("x");
  auto shape = c.intList("shape");
  if (failed(x) || failed(shape))
    return failure();
  return single(
      c.create1<BroadcastToOp>({*x}, {arrayAttr(c, "shape", *shape)}));
}

Results buildConcat(Call &c) {
  SmallVector<Value> inputs;
  for (const Val &v : c.variadic) {
    if (v.kind != Val::Kind::Tensor)
      return c.errorAt(v, "inputs must be tensors, got " + v.describe());
    inputs.push_back(v.tensor);
  }
  auto axis = c.axis("axis", typeOf(inputs[0]).getRank(), -1);
  if (failed(axis))
    return failure();
  return single(c.create1<ConcatOp>(inputs, {i64Attr(c, "axis", *axis)}));
}

Results buildSplit(Call &c) {
  auto x = c.tensor("x");
  auto sizes = c.intList("sizes");
  if (failed(x) || failed(sizes))
    return failure();
  auto axis = c.axis("axis", typeOf(*x).getRank(), -1);
  if (failed(axis))
    return failure();
  return c.create<SplitOp>(
      {*x}, {arrayAttr(c, "sizes", *sizes), i64Attr(c, "axis", *axis)});
}

Results buildSlice(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  auto axis = c.axis("axis", t.getRank());
  if (failed(axis))
    return failure();
  int64_t extent = t.getDimSize(*axis);
  auto start = c.integer("start", 0);
  auto end = c.integer("end", extent);
  auto step = c.integer("step", 1);
  if (failed(start) || failed(end) || failed(step))
    return failure();
  // Python-style negative bounds count from the end.
  int64_t s = *start < 0 ? *start + extent : *start;
  int64_t e = *end < 0 ? *end + extent : *end;
  return single(c.create1<SliceOp>(
      {*x}, {i64Attr(c, "axis", *axis), i64Attr(c, "start", s),
             i64Attr(c, "end", e), i64Attr(c, "step", *step)}));
}

Results buildGather(Call &c) {
  auto x = c.tensor("x");
  auto idx = c.tensor("indices");
  if (failed(x) || failed(idx))
    return failure();
  auto axis = c.axis("axis", typeOf(*x).getRank(), 0);
  if (failed(axis))
    return failure();
  return single(c.create1<GatherOp>({*x, *idx}, {i64Attr(c, "axis", *axis)}));
}

/// scatter(x, axis, index, src): torch.Tensor.scatter(axis, index, src)
/// without a reduction; src may be a number (torch's `value` form).
Results buildScatter(Call &c) {
  auto x = c.tensor("x");
  auto index = c.tensor("index");
  if (failed(x) || failed(index))
    return failure();
  RankedTensorType t = typeOf(*x), it = typeOf(*index);
  auto axis = c.axis("axis", t.getRank());
  if (failed(axis))
    return failure();
  const Val &indexArg = c.arg("index");
  if (!it.getElementType().isInteger(64))
    return c.errorAt(indexArg, "index must be i64, got " + formatType(it));
  if (it.getRank() != t.getRank())
    return c.errorAt(indexArg, "index " + formatType(it) +
                                   " must have the rank of x " + formatType(t));
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != *axis && it.getDimSize(d) > t.getDimSize(d))
      return c.errorAt(indexArg, "index " + formatType(it) +
                                     " is larger than x " + formatType(t) +
                                     " along axis " + Twine(d));
  const Val &srcArg = c.arg("src");
  Value src;
  if (srcArg.isNumber()) {
    Type et = t.getElementType();
    double v = srcArg.number();
    if (!isa<FloatType>(et) && (!std::isfinite(v) || v != std::trunc(v)))
      return c.errorAt(srcArg, srcArg.describe() +
                                   " is not a whole number but x is " +
                                   formatType(t));
    src = c.em.constant(v, et, c.loc(), it.getShape());
  } else {
    auto s = c.tensor("src");
    if (failed(s))
      return failure();
    src = *s;
    RankedTensorType st = typeOf(src);
    if (st.getElementType() != t.getElementType() ||
        st.getRank() != t.getRank())
      return c.errorAt(srcArg, "src " + formatType(st) +
                                   " must have the dtype and rank of x " +
                                   formatType(t));
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (it.getDimSize(d) > st.getDimSize(d))
        return c.errorAt(srcArg,
                         "src " + formatType(st) + " is smaller than index " +
                             formatType(it) + " along axis " + Twine(d));
  }
  return single(
      c.create1<ScatterOp>({*x, *index, src}, {i64Attr(c, "axis", *axis)}));
}

/// dynamic_update_slice(x, update, starts): StableHLO's; `starts` is an
/// i64 tensor [rank] read at run time, or a list of integers.
Results buildDynamicUpdateSlice(Call &c) {
  auto x = c.tensor("x");
  auto update = c.tensor("update");
  if (failed(x) || failed(update))
    return failure();
  RankedTensorType t = typeOf(*x), ut = typeOf(*update);
  if (t.getRank() < 1)
    return c.errorAt(c.arg("x"),
                     "input must have rank >= 1, got " + formatType(t));
  const Val &updateArg = c.arg("update");
  if (ut.getElementType() != t.getElementType() || ut.getRank() != t.getRank())
    return c.errorAt(updateArg, "update " + formatType(ut) +
                                    " must have the dtype and rank of x " +
                                    formatType(t));
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (ut.getDimSize(d) > t.getDimSize(d))
      return c.errorAt(updateArg, "update " + formatType(ut) +
                                      " is larger than x " + formatType(t) +
                                      " along axis " + Twine(d));
  const Val &startsArg = c.arg("starts");
  Value starts;
  if (startsArg.kind == Val::Kind::Tensor) {
    starts = startsArg.tensor;
    RankedTensorType st = typeOf(starts);
    if (!st.getElementType().isInteger(64) || st.getRank() != 1 ||
        st.getDimSize(0) != t.getRank())
      return c.errorAt(startsArg, "starts must be i64[" + Twine(t.getRank()) +
                                      "] (one per axis of x), got " +
                                      formatType(st));
  } else {
    auto list = c.intList("starts");
    if (failed(list))
      return failure();
    if ((int64_t)list->size() != t.getRank())
      return c.errorAt(startsArg,
                       "starts has " + Twine(list->size()) +
                           (list->size() == 1 ? " entry" : " entries") +
                           " for an x of rank " + Twine(t.getRank()) + " (" +
                           formatType(t) + ")");
    auto type = RankedTensorType::get({t.getRank()}, c.em.builder.getI64Type());
    starts = c.em.builder.create<ConstantOp>(
        c.loc(), type, DenseElementsAttr::get(type, ArrayRef<int64_t>(*list)));
  }
  return single(c.create1<DynamicUpdateSliceOp>({*x, *update, starts}));
}

/// pad(x, pads, mode="constant", value=0.0): torch.nn.functional.pad.
/// `pads` holds (left, right) pairs from the last axis backwards; negative
/// counts remove elements (constant mode).
Results buildPad(Call &c) {
  auto x = c.tensor("x");
  auto pads = c.intList("pads");
  if (failed(x) || failed(pads))
    return failure();
  RankedTensorType t = typeOf(*x);
  const Val &padsArg = c.arg("pads");
  if (pads->size() % 2)
    return c.errorAt(padsArg, "pads must hold (left, right) pairs, got " +
                                  Twine(pads->size()) + " integers");
  int64_t pairs = pads->size() / 2;
  if (pairs > t.getRank())
    return c.errorAt(padsArg, "pads has " + Twine(pairs) +
                                  " (left, right) pairs for an input of "
                                  "rank " +
                                  Twine(t.getRank()) + " (" + formatType(t) +
                                  ")");
  compose::PadMode mode = compose::PadMode::Constant;
  if (c.has("mode")) {
    const Val &m = c.arg("mode");
    if (m.kind != Val::Kind::String || (m.s != "constant" && m.s != "reflect"))
      return c.errorAt(m, "argument 'mode' must be \"constant\" or "
                          "\"reflect\", got " +
                              m.describe());
    if (m.s == "reflect")
      mode = compose::PadMode::Reflect;
  }
  auto value = c.number("value", 0.0);
  if (failed(value))
    return failure();
  if (c.has("value")) {
    const Val &v = c.arg("value");
    if (mode != compose::PadMode::Constant)
      return c.errorAt(v, "argument 'value' is only used with "
                          "mode=\"constant\"");
    Type et = t.getElementType();
    if (!isa<FloatType>(et) &&
        (!std::isfinite(*value) || *value != std::trunc(*value)))
      return c.errorAt(v, v.describe() +
                              " is not a whole number but the "
                              "input is " +
                              formatType(t));
  }
  // The checks first, so that no op is built for a call in error.
  for (int64_t i = 0; i < pairs; ++i) {
    int64_t axis = t.getRank() - 1 - i;
    int64_t before = (*pads)[2 * i], after = (*pads)[2 * i + 1];
    int64_t extent = t.getDimSize(axis);
    if (mode == compose::PadMode::Reflect) {
      if (before < 0 || after < 0 || before >= extent || after >= extent)
        return c.errorAt(
            padsArg, "reflect padding (" + Twine(before) + ", " + Twine(after) +
                         ") of axis " + Twine(axis) + " must be in [0, " +
                         Twine(extent) + "), below the axis' extent");
    } else if (extent + std::min<int64_t>(before, 0) +
                   std::min<int64_t>(after, 0) <
               1) {
      return c.errorAt(padsArg, "padding (" + Twine(before) + ", " +
                                    Twine(after) + ") removes all " +
                                    Twine(extent) + " elements of axis " +
                                    Twine(axis));
    }
  }
  Value v = *x;
  for (int64_t i = 0; i < pairs; ++i) {
    auto padded =
        compose::padAxis(c.em.builder, c.loc(), v, t.getRank() - 1 - i,
                         (*pads)[2 * i], (*pads)[2 * i + 1], mode, *value);
    if (failed(padded))
      return failure();
    v = *padded;
  }
  return SmallVector<Value>{v};
}

//===--- Linear algebra and parametric layers -----------------------------===//

Results buildMatmul(Call &c) {
  auto a = c.tensor("a");
  auto b = c.tensor("b");
  if (failed(a) || failed(b))
    return failure();
  return single(c.create1<MatmulOp>({*a, *b}));
}

FailureOr<Value> linearValue(Call &c, Value x, int64_t out, bool bias,
                             StringRef prefix = "") {
  RankedTensorType t = typeOf(x);
  if (t.getRank() < 1)
    return c.error("input must have rank >= 1");
  if (out < 1)
    return c.error("out must be positive");
  int64_t in = t.getDimSize(t.getRank() - 1);
  std::string p = prefix.empty() ? "" : (prefix + ".").str();
  auto w = c.param(p + "weight", {out, in}, t.getElementType(), in);
  if (failed(w))
    return failure();
  SmallVector<Value> operands = {x, *w};
  if (bias) {
    auto b = c.param(p + "bias", {out}, t.getElementType(), in);
    if (failed(b))
      return failure();
    operands.push_back(*b);
  }
  return c.create1<LinearOp>(operands);
}

Results buildLinear(Call &c) {
  auto x = c.tensor("x");
  auto out = c.integer("out");
  auto bias = c.boolean("bias", true);
  if (failed(x) || failed(out) || failed(bias))
    return failure();
  return single(linearValue(c, *x, *out, *bias));
}

Results buildEmbedding(Call &c) {
  auto ids = c.tensor("ids");
  auto num = c.integer("num");
  auto dim = c.integer("dim");
  if (failed(ids) || failed(num) || failed(dim))
    return failure();
  if (*num < 1 || *dim < 1)
    return c.error("num and dim must be positive");
  auto dtype = c.dtype("dtype", StringRef("f32"));
  if (failed(dtype))
    return failure();
  if (!isa<FloatType>(*dtype))
    return c.errorAt(c.arg("dtype"), "the table must be f32, bf16 or f16");
  auto w = c.param("weight", {*num, *dim}, *dtype, 1);
  if (failed(w))
    return failure();
  return single(c.create1<EmbeddingOp>({*ids, *w}));
}

template <typename OpTy> Results buildSoftmax(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  auto axis = c.axis("axis", typeOf(*x).getRank(), -1);
  if (failed(axis))
    return failure();
  return single(c.create1<OpTy>({*x}, {i64Attr(c, "axis", *axis)}));
}

/// Per-feature parameters for norms over the feature size \p features.
FailureOr<SmallVector<Value>> normParams(Call &c, Value x, int64_t features,
                                         ArrayRef<StringRef> names,
                                         ArrayRef<StringRef> inits) {
  SmallVector<Value> out;
  for (size_t i = 0; i < names.size(); ++i) {
    auto p = c.param(names[i], {features}, typeOf(x).getElementType(), features,
                     inits[i]);
    if (failed(p))
      return failure();
    out.push_back(*p);
  }
  return out;
}

/// layer_norm and rms_norm. As in PyTorch, elementwise_affine=false learns
/// no parameters (weight 1, bias 0) and bias=false (layer_norm) learns only
/// the weight; what is not learned is a constant.
template <typename OpTy>
Results buildLastDimNorm(Call &c, double defaultEps, ArrayRef<StringRef> names,
                         ArrayRef<StringRef> inits) {
  auto x = c.tensor("x");
  auto eps = c.number("eps", defaultEps);
  auto affine = c.boolean("elementwise_affine", true);
  auto withBias = c.boolean("bias", true);
  if (failed(x) || failed(eps) || failed(affine) || failed(withBias))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getRank() < 1)
    return c.error("input must have rank >= 1");
  int64_t features = t.getDimSize(t.getRank() - 1);
  SmallVector<Value> operands = {*x};
  for (size_t i = 0; i < names.size(); ++i) {
    bool isBias = names[i] == "bias";
    if (*affine && (!isBias || *withBias)) {
      auto p = normParams(c, *x, features, names[i], inits[i]);
      if (failed(p))
        return failure();
      operands.push_back(p->front());
    } else {
      operands.push_back(c.em.constant(isBias ? 0.0 : 1.0, t.getElementType(),
                                       c.loc(), {features}));
    }
  }
  return single(c.create1<OpTy>(
      operands, {attr(c, "eps", c.em.builder.getF64FloatAttr(*eps))}));
}

Results buildBatchNorm(Call &c) {
  auto x = c.tensor("x");
  auto eps = c.number("eps", 1e-5);
  if (failed(x) || failed(eps))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getRank() < 2)
    return c.error("input must be [N, C, ...], got " + formatType(t));
  auto params = normParams(c, *x, t.getDimSize(1),
                           {"weight", "bias", "running_mean", "running_var"},
                           {"one_plus", "uniform", "uniform", "one_plus"});
  if (failed(params))
    return failure();
  SmallVector<Value> operands = {*x};
  operands.append(params->begin(), params->end());
  return single(c.create1<BatchNormOp>(
      operands, {attr(c, "eps", c.em.builder.getF64FloatAttr(*eps))}));
}

template <typename OpTy> Results buildReduce(Call &c) {
  auto x = c.tensor("x");
  auto keep = c.boolean("keepdim", false);
  if (failed(x) || failed(keep))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  SmallVector<int64_t> axes;
  if (c.has("axis")) {
    auto list = c.intList("axis");
    if (failed(list))
      return failure();
    for (int64_t a : *list) {
      if (a < -rank || a >= rank)
        return c.errorAt(c.arg("axis"), "axis " + Twine(a) +
                                            " is out of range for rank " +
                                            Twine(rank));
      axes.push_back(a < 0 ? a + rank : a);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  return single(c.create1<OpTy>(
      {*x}, {arrayAttr(c, "axes", axes),
             attr(c, "keepdim", c.em.builder.getBoolAttr(*keep))}));
}

Results buildTopK(Call &c) {
  auto x = c.tensor("x");
  auto k = c.integer("k");
  if (failed(x) || failed(k))
    return failure();
  auto axis = c.axis("axis", typeOf(*x).getRank(), -1);
  if (failed(axis))
    return failure();
  return c.create<TopKOp>({*x},
                          {i64Attr(c, "k", *k), i64Attr(c, "axis", *axis)});
}

/// cumsum(x, axis): torch.cumsum along an axis, of x's dtype.
Results buildCumsum(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getElementType().isInteger(1))
    return c.errorAt(c.arg("x"), "input must be a number tensor (f32, bf16, "
                                 "f16, i64, i32), got " +
                                     formatType(t) +
                                     "; cast it first (cast(x, i64))");
  auto axis = c.axis("axis", t.getRank());
  if (failed(axis))
    return failure();
  return single(c.create1<CumsumOp>({*x}, {i64Attr(c, "axis", *axis)}));
}

/// argmax(x, axis, keepdim=false) and argmin: torch.argmax/argmin along a
/// given axis (the first index of equal values; i64).
Results buildArgExtreme(Call &c, bool max) {
  auto x = c.tensor("x");
  auto keep = c.boolean("keepdim", false);
  if (failed(x) || failed(keep))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getElementType().isInteger(1))
    return c.errorAt(c.arg("x"), "input must be a number tensor (f32, bf16, "
                                 "f16, i64, i32), got " +
                                     formatType(t));
  if (t.getRank() < 1)
    return c.errorAt(c.arg("x"),
                     "input must have rank >= 1, got " + formatType(t));
  auto axis = c.axis("axis", t.getRank());
  if (failed(axis))
    return failure();
  return single(
      compose::argExtreme(c.em.builder, c.loc(), *x, *axis, max, *keep));
}

//===--- Recurrent layers -------------------------------------------------===//

template <typename OpTy> Results buildRecurrent(Call &c) {
  constexpr bool isLstm = std::is_same_v<OpTy, LstmOp>;
  auto x = c.tensor("x");
  auto h0 = c.optionalTensor("h0");
  auto hidden = c.integer("hidden");
  auto layers = c.integer("layers", 1);
  auto bidirectional = c.boolean("bidirectional", false);
  auto bias = c.boolean("bias", true);
  if (failed(x) || failed(h0) || failed(hidden) || failed(layers) ||
      failed(bidirectional) || failed(bias))
    return failure();
  FailureOr<Value> c0 = Value();
  if (isLstm)
    c0 = c.optionalTensor("c0");
  if (failed(c0))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getRank() != 3)
    return c.error("input must be [batch, time, features], got " +
                   formatType(t));
  if (*hidden < 1 || *layers < 1)
    return c.error("hidden and layers must be positive");
  int64_t dirs = *bidirectional ? 2 : 1, gates = isLstm ? 4 : 3;
  Type et = t.getElementType();
  SmallVector<int64_t> stateShape = {*layers * dirs, t.getDimSize(0), *hidden};
  SmallVector<Value> operands = {*x};
  Value h = *h0 ? *h0 : c.em.constant(0, et, c.loc(), stateShape);
  operands.push_back(h);
  if (isLstm)
    operands.push_back(*c0 ? *c0 : c.em.constant(0, et, c.loc(), stateShape));
  for (int64_t l = 0; l < *layers; ++l) {
    int64_t in = l == 0 ? t.getDimSize(2) : dirs * *hidden;
    for (int64_t d = 0; d < dirs; ++d) {
      std::string suffix = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      SmallVector<std::pair<std::string, SmallVector<int64_t>>> ws = {
          {"weight_ih" + suffix, {gates * *hidden, in}},
          {"weight_hh" + suffix, {gates * *hidden, *hidden}}};
      if (*bias) {
        ws.push_back({"bias_ih" + suffix, {gates * *hidden}});
        ws.push_back({"bias_hh" + suffix, {gates * *hidden}});
      }
      for (auto &[name, shape] : ws) {
        auto p = c.param(name, shape, et, *hidden);
        if (failed(p))
          return failure();
        operands.push_back(*p);
      }
    }
  }
  int32_t weights = (int32_t)operands.size() - (isLstm ? 3 : 2);
  auto lengths = c.optionalTensor("lengths");
  if (failed(lengths))
    return failure();
  if (*lengths) {
    RankedTensorType lt = typeOf(*lengths);
    if (!lt.getElementType().isInteger(64) ||
        lt.getShape() != ArrayRef<int64_t>{t.getDimSize(0)})
      return c.errorAt(c.arg("lengths"),
                       "lengths must be i64[" + Twine(t.getDimSize(0)) +
                           "] (one per batch row), got " + formatType(lt));
    operands.push_back(*lengths);
  }
  return c.create<OpTy>(
      operands,
      {i64Attr(c, "hidden_size", *hidden), i64Attr(c, "num_layers", *layers),
       attr(c, "bidirectional", c.em.builder.getBoolAttr(*bidirectional)),
       attr(c, "has_bias", c.em.builder.getBoolAttr(*bias)),
       recurrentOperandSegments(c.em.builder, isLstm, weights,
                                (bool)*lengths)});
}

//===--- Convolution and pooling ------------------------------------------===//

/// Whether \p groups fails to divide the input channels or \p out.
bool badGroups(int64_t groups, int64_t channels, int64_t out) {
  return groups < 1 || channels % groups || out % groups;
}

std::string groupsError(int64_t groups, int64_t channels, int64_t out) {
  return ("groups = " + Twine(groups) + " must divide the input channels " +
          Twine(channels) + " and out = " + Twine(out))
      .str();
}

/// heed.conv2d's operands: \p x, the weight \p w and, with \p bias, the
/// parameter bias [out] (initialised for \p fanIn inputs per output).
FailureOr<SmallVector<Value>> convOperands(Call &c, Value x, Value w, bool bias,
                                           int64_t out, int64_t fanIn) {
  SmallVector<Value> operands = {x, w};
  if (bias) {
    auto b = c.param("bias", {out}, typeOf(x).getElementType(), fanIn);
    if (failed(b))
      return failure();
    operands.push_back(*b);
  }
  return operands;
}

Results buildConv2d(Call &c) {
  auto x = c.tensor("x");
  auto out = c.integer("out");
  auto kernel = c.pair("kernel", std::nullopt);
  auto stride = c.pair("stride", 1);
  auto padding = c.pair("padding", 0);
  auto dilation = c.pair("dilation", 1);
  auto groups = c.integer("groups", 1);
  auto bias = c.boolean("bias", true);
  if (failed(x) || failed(out) || failed(kernel) || failed(stride) ||
      failed(padding) || failed(dilation) || failed(groups) || failed(bias))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getRank() != 4)
    return c.error("input must be [N, C, H, W], got " + formatType(t));
  if (badGroups(*groups, t.getDimSize(1), *out))
    return c.error(groupsError(*groups, t.getDimSize(1), *out));
  if ((*kernel)[0] < 1 || (*kernel)[1] < 1 || *out < 1)
    return c.error("kernel and out must be positive");
  int64_t cin = t.getDimSize(1) / *groups;
  int64_t fanIn = cin * (*kernel)[0] * (*kernel)[1];
  auto w = c.param("weight", {*out, cin, (*kernel)[0], (*kernel)[1]},
                   t.getElementType(), fanIn);
  if (failed(w))
    return failure();
  auto operands = convOperands(c, *x, *w, *bias, *out, fanIn);
  if (failed(operands))
    return failure();
  return single(c.create1<Conv2dOp>(
      *operands,
      {arrayAttr(c, "stride", *stride), arrayAttr(c, "padding", *padding),
       arrayAttr(c, "dilation", *dilation), i64Attr(c, "groups", *groups)}));
}

/// conv1d(x, out, kernel, ...): nn.Conv1d on [N, C, L], as conv2d on
/// [N, C, 1, L]; the parameters keep PyTorch's shapes (weight [O, C/groups,
/// k]) and are reshaped in the graph.
Results buildConv1d(Call &c) {
  auto x = c.tensor("x");
  auto out = c.integer("out");
  auto kernel = c.integer("kernel");
  auto stride = c.integer("stride", 1);
  auto padding = c.integer("padding", 0);
  auto dilation = c.integer("dilation", 1);
  auto groups = c.integer("groups", 1);
  auto bias = c.boolean("bias", true);
  if (failed(x) || failed(out) || failed(kernel) || failed(stride) ||
      failed(padding) || failed(dilation) || failed(groups) || failed(bias))
    return failure();
  RankedTensorType t = typeOf(*x);
  if (t.getRank() != 3)
    return c.errorAt(c.arg("x"),
                     "input must be [N, C, L], got " + formatType(t));
  if (!isa<FloatType>(t.getElementType()))
    return c.errorAt(c.arg("x"),
                     "input must be f32, bf16 or f16, got " + formatType(t));
  // A positive integer argument, or an error at it.
  auto atLeast = [&](StringRef param, int64_t v, int64_t lo) {
    if (v >= lo)
      return success();
    return c.errorAt(c.arg(param), "argument '" + param + "' must be " +
                                       (lo ? "positive" : "non-negative") +
                                       ", got " + Twine(v));
  };
  if (failed(atLeast("out", *out, 1)) || failed(atLeast("kernel", *kernel, 1)))
    return failure();
  if (c.has("stride") && failed(atLeast("stride", *stride, 1)))
    return failure();
  if (c.has("padding") && failed(atLeast("padding", *padding, 0)))
    return failure();
  if (c.has("dilation") && failed(atLeast("dilation", *dilation, 1)))
    return failure();
  int64_t n = t.getDimSize(0), channels = t.getDimSize(1),
          length = t.getDimSize(2);
  if (badGroups(*groups, channels, *out))
    return c.errorAt(c.arg("groups"), groupsError(*groups, channels, *out));
  int64_t window = *dilation * (*kernel - 1) + 1;
  if (window > length + 2 * *padding)
    return c.errorAt(c.arg("kernel"),
                     "a window of " + Twine(window) + " (kernel " +
                         Twine(*kernel) + ", dilation " + Twine(*dilation) +
                         ") does not fit the input length " + Twine(length) +
                         " with padding " + Twine(*padding));
  int64_t cin = channels / *groups;
  Type et = t.getElementType();
  auto w = c.param("weight", {*out, cin, *kernel}, et, cin * *kernel);
  if (failed(w))
    return failure();
  auto x4 = reshapeValue(c, *x, {n, channels, 1, length});
  auto w4 = reshapeValue(c, *w, {*out, cin, 1, *kernel});
  if (failed(x4) || failed(w4))
    return failure();
  auto operands = convOperands(c, *x4, *w4, *bias, *out, cin * *kernel);
  if (failed(operands))
    return failure();
  auto y =
      c.create1<Conv2dOp>(*operands, {arrayAttr(c, "stride", {1, *stride}),
                                      arrayAttr(c, "padding", {0, *padding}),
                                      arrayAttr(c, "dilation", {1, *dilation}),
                                      i64Attr(c, "groups", *groups)});
  if (failed(y))
    return failure();
  ArrayRef<int64_t> ys = typeOf(*y).getShape();
  return single(reshapeValue(c, *y, {ys[0], ys[1], ys[3]}));
}

template <typename OpTy> Results buildPool(Call &c) {
  auto x = c.tensor("x");
  auto kernel = c.pair("kernel", std::nullopt);
  if (failed(x) || failed(kernel))
    return failure();
  auto stride = c.has("stride") ? c.pair("stride", std::nullopt)
                                : FailureOr<SmallVector<int64_t>>(*kernel);
  auto padding = c.pair("padding", 0);
  if (failed(stride) || failed(padding))
    return failure();
  return single(c.create1<OpTy>({*x}, {arrayAttr(c, "kernel", *kernel),
                                       arrayAttr(c, "stride", *stride),
                                       arrayAttr(c, "padding", *padding)}));
}

//===--- Attention --------------------------------------------------------===//

/// Reads `mask=` and `sparsity=` into the attention op's operands/attributes.
LogicalResult attentionOptions(Call &c, Value &mask,
                               SmallVectorImpl<NamedAttribute> &attrs) {
  MLIRContext *ctx = &c.em.ctx;
  if (c.has("mask")) {
    const Val &m = c.arg("mask");
    if (m.kind == Val::Kind::Tensor) {
      mask = m.tensor;
    } else if (m.kind == Val::Kind::Symbol && m.s == "causal") {
      attrs.push_back(attr(c, "structure", attn::CausalAttr::get(ctx)));
    } else if (m.kind == Val::Kind::Struct && m.s == "window") {
      if (m.items.size() != 2 || m.items[0].kind != Val::Kind::Int ||
          m.items[1].kind != Val::Kind::Int || m.items[0].i < 0 ||
          m.items[1].i < 0)
        return c.errorAt(m, "window(left, right) takes two non-negative "
                            "integers");
      attrs.push_back(
          attr(c, "structure",
               attn::WindowAttr::get(ctx, m.items[0].i, m.items[1].i)));
    } else if (!(m.kind == Val::Kind::Symbol && m.s == "none")) {
      return c.errorAt(m, "mask must be none, causal, window(left, right) or "
                          "a tensor, got " +
                              m.describe());
    }
  }
  if (c.has("sparsity")) {
    const Val &s = c.arg("sparsity");
    if (s.kind == Val::Kind::Struct && s.s == "topk") {
      if (s.items.size() != 1 || !s.items[0].isNumber() ||
          !(s.items[0].number() > 0 && s.items[0].number() <= 1))
        return c.errorAt(s, "topk(ratio) takes one number in (0, 1]");
      attrs.push_back(attr(
          c, "topk", attn::TopKAttr::get(ctx, APFloat(s.items[0].number()))));
    } else if (!(s.kind == Val::Kind::Symbol && s.s == "none")) {
      return c.errorAt(s, "sparsity must be none or topk(ratio), got " +
                              s.describe());
    }
  }
  return success();
}

/// Shared by attention and gated_attention: brings q, k, v to [B, H, L, D]
/// (splitting heads of 3-D inputs), builds the op, merges heads back.
template <typename OpTy> Results buildAttentionCommon(Call &c) {
  constexpr bool gated = std::is_same_v<OpTy, attn::GatedAttentionOp>;
  auto q = c.tensor("q");
  auto k = c.tensor("k");
  auto v = c.tensor("v");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  int64_t rank = typeOf(*q).getRank();
  if (rank != 3 && rank != 4)
    return c.error("q must be [B, L, heads * D] or [B, heads, L, D], got " +
                   formatType(typeOf(*q)));
  if (typeOf(*k).getRank() != rank || typeOf(*v).getRank() != rank)
    return c.error("q, k and v must have the same rank");
  Value qh = *q, kh = *k, vh = *v;
  if (rank == 3) {
    auto heads = c.integer("heads", 1);
    if (failed(heads))
      return failure();
    auto kvHeads = c.integer("kv_heads", *heads);
    if (failed(kvHeads))
      return failure();
    auto qs = splitHeads(c, *q, *heads);
    if (failed(qs))
      return failure();
    auto ks = splitHeads(c, *k, *kvHeads);
    if (failed(ks))
      return failure();
    auto vs = splitHeads(c, *v, *kvHeads);
    if (failed(vs))
      return failure();
    qh = *qs, kh = *ks, vh = *vs;
  } else {
    for (auto [param, value] :
         {std::pair<StringRef, Value>{"heads", *q}, {"kv_heads", *k}}) {
      if (!c.has(param))
        continue;
      auto n = c.integer(param);
      if (failed(n))
        return failure();
      if (*n != typeOf(value).getDimSize(1))
        return c.errorAt(c.arg(param),
                         param + " = " + Twine(*n) + " but the tensor " +
                             formatType(typeOf(value)) + " has " +
                             Twine(typeOf(value).getDimSize(1)) + " heads");
    }
  }
  int64_t headDim = typeOf(qh).getDimSize(3);
  auto scale = c.number("scale", 1.0 / std::sqrt((double)headDim));
  auto probs = gated ? FailureOr<bool>(false) : c.boolean("probs", false);
  if (failed(scale) || failed(probs))
    return failure();
  Value mask;
  SmallVector<NamedAttribute> attrs = {
      attr(c, "scale", c.em.builder.getF64FloatAttr(*scale))};
  if (failed(attentionOptions(c, mask, attrs)))
    return failure();
  SmallVector<Value> operands = {qh, kh, vh};
  if (gated) {
    auto x = c.tensor("x");
    if (failed(x))
      return failure();
    int64_t hq = typeOf(qh).getDimSize(1), dv = typeOf(vh).getDimSize(3);
    auto gate = linearValue(c, *x, hq * dv, /*bias=*/true, "gate");
    if (failed(gate))
      return failure();
    auto gateHeads = splitHeads(c, *gate, hq);
    if (failed(gateHeads))
      return failure();
    operands.push_back(*gateHeads);
  }
  if (mask)
    operands.push_back(mask);
  if (*probs)
    attrs.push_back(attr(c, "return_probs", UnitAttr::get(&c.em.ctx)));
  auto results = c.create<OpTy>(operands, attrs);
  if (failed(results))
    return failure();
  if (rank == 3) {
    auto merged = mergeHeads(c, (*results)[0]);
    if (failed(merged))
      return failure();
    (*results)[0] = *merged;
  }
  return results;
}

Results buildAdditiveAttention(Call &c) {
  auto h = c.tensor("hidden");
  auto s = c.tensor("states");
  auto bias = c.boolean("bias", true);
  if (failed(h) || failed(s) || failed(bias))
    return failure();
  RankedTensorType ht = typeOf(*h);
  if (ht.getRank() != 2)
    return c.error("hidden must be [batch, features], got " + formatType(ht));
  int64_t d = ht.getDimSize(1);
  auto w = c.param("weight", {1, 2 * d}, ht.getElementType(), 2 * d);
  if (failed(w))
    return failure();
  SmallVector<Value> operands = {*h, *s, *w};
  if (*bias) {
    auto b = c.param("bias", {1}, ht.getElementType(), 2 * d);
    if (failed(b))
      return failure();
    operands.push_back(*b);
  }
  return c.create<attn::AdditiveAttentionOp>(operands);
}

/// Bahdanau attention as the PyTorch seq2seq tutorial writes it:
///   scores  = Va(tanh(Wa(query) + Ua(keys)))      [B, T, 1]
///   weights = softmax(scores over T)               [B, 1, T]
///   context = bmm(weights, keys)                   [B, 1, Dk]
/// with query [B, 1, Dq] (or [B, Dq]: context [B, Dk], weights [B, T]) and
/// keys [B, T, Dk]; `mask` (i1 [B, T], true = attend) sets the scores of
/// padding to -inf. Parameters `P.Wa`, `P.Ua` (nn.Linear(D, units)) and
/// `P.Va` (nn.Linear(units, 1)). Built from linear, tanh, softmax and
/// matmul: no op of its own.
Results buildBahdanauAttention(Call &c) {
  auto query = c.tensor("query");
  auto keys = c.tensor("keys");
  auto mask = c.optionalTensor("mask");
  if (failed(query) || failed(keys) || failed(mask))
    return failure();
  RankedTensorType qt = typeOf(*query), kt = typeOf(*keys);
  if (kt.getRank() != 3)
    return c.errorAt(c.arg("keys"),
                     "keys must be [batch, time, features], got " +
                         formatType(kt));
  int64_t b = kt.getDimSize(0), t = kt.getDimSize(1), dk = kt.getDimSize(2);
  bool flat = qt.getRank() == 2;
  if (!(flat || qt.getRank() == 3) || qt.getDimSize(0) != b ||
      (!flat && qt.getDimSize(1) != 1))
    return c.errorAt(c.arg("query"),
                     "query must be [" + Twine(b) + ", 1, features] or [" +
                         Twine(b) + ", features] for keys " + formatType(kt) +
                         ", got " + formatType(qt));
  auto units = c.integer("units", dk);
  if (failed(units))
    return failure();
  Value q3 = *query;
  if (flat) {
    auto r = reshapeValue(c, q3, {b, 1, qt.getDimSize(1)});
    if (failed(r))
      return failure();
    q3 = *r;
  }
  auto wq = linearValue(c, q3, *units, /*bias=*/true, "Wa");
  auto uk = linearValue(c, *keys, *units, /*bias=*/true, "Ua");
  if (failed(wq) || failed(uk))
    return failure();
  auto sum = c.create1<AddOp>({*wq, *uk});
  if (failed(sum))
    return failure();
  auto act = c.create1<TanhOp>({*sum});
  if (failed(act))
    return failure();
  auto scores = linearValue(c, *act, 1, /*bias=*/true, "Va");
  if (failed(scores))
    return failure();
  auto row = reshapeValue(c, *scores, {b, 1, t});
  if (failed(row))
    return failure();
  Value logits = *row;
  if (*mask) {
    RankedTensorType mt = typeOf(*mask);
    if (!mt.getElementType().isInteger(1) ||
        mt.getShape() != ArrayRef<int64_t>{b, t})
      return c.errorAt(c.arg("mask"), "mask must be i1[" + Twine(b) + ", " +
                                          Twine(t) + "] (true = attend), got " +
                                          formatType(mt));
    auto m3 = reshapeValue(c, *mask, {b, 1, t});
    if (failed(m3))
      return failure();
    Value minusInf = c.em.constant(-INFINITY, kt.getElementType(), c.loc());
    auto masked = c.create1<WhereOp>({*m3, logits, minusInf});
    if (failed(masked))
      return failure();
    logits = *masked;
  }
  auto weights = c.create1<SoftmaxOp>({logits}, {i64Attr(c, "axis", 2)});
  if (failed(weights))
    return failure();
  auto context = c.create1<MatmulOp>({*weights, *keys});
  if (failed(context))
    return failure();
  if (!flat)
    return SmallVector<Value>{*context, *weights};
  auto c2 = reshapeValue(c, *context, {b, dk});
  auto w2 = reshapeValue(c, *weights, {b, t});
  if (failed(c2) || failed(w2))
    return failure();
  return SmallVector<Value>{*c2, *w2};
}

Results buildSubgraphLikeGlobalPool(Call &c) {
  auto x = c.tensor("x");
  if (failed(x))
    return failure();
  return single(c.create1<GlobalAvgPoolOp>({*x}));
}

llvm::StringMap<Builtin> makeBuiltins() {
  llvm::StringMap<Builtin> b;
  // Elementwise: every op of one operand (UnaryMap) or two (ElementwiseMap
  // with two operands) under its own name.
  TensorOpClasses::forEach([&](auto op) {
    using OpTy = decltype(op);
    constexpr std::string_view name = opMnemonic<OpTy>();
    if constexpr (hasTrait<OpTy, heed::OpTrait::UnaryMap>())
      b[StringRef(name.data(), name.size())] = unary<OpTy>();
    else if constexpr (hasTrait<OpTy, heed::OpTrait::ElementwiseMap>() &&
                       OpTy::template hasTrait<
                           mlir::OpTrait::NOperands<2>::Impl>())
      b[StringRef(name.data(), name.size())] = binary<OpTy>();
  });
  b["gelu"] = {{"x", "approximate?"},
               buildGelu,
               "GELU (approximate=\"tanh\": the tanh form)"};
  b["where"] = {{"cond", "a", "b"}, buildWhere, "cond ? a : b"};
  b["cast"] = {{"x", "dtype"}, buildCast, "dtype conversion"};
  b["dropout"] = {{"x", "p?"}, buildIdentity, "identity at inference"};
  // Constants.
  b["full"] = {{"shape", "value", "dtype?"},
               [](Call &c) { return buildFull(c, std::nullopt); },
               "constant tensor"};
  b["zeros"] = {
      {"shape", "dtype?"}, [](Call &c) { return buildFull(c, 0.0); }, "zeros"};
  b["ones"] = {
      {"shape", "dtype?"}, [](Call &c) { return buildFull(c, 1.0); }, "ones"};
  b["iota"] = {{"shape", "axis?", "dtype?"}, buildIota, "indices along axis"};
  b["parameter"] = {
      {"shape", "dtype?"}, buildParameter, "a named tensor parameter"};
  b["tril"] = {{"x", "k?"},
               [](Call &c) { return buildTriangle<TrilOp>(c); },
               "lower triangle"};
  b["triu"] = {{"x", "k?"},
               [](Call &c) { return buildTriangle<TriuOp>(c); },
               "upper triangle"};
  // Shapes.
  b["transpose"] = {{"x", "dim0?", "dim1?"}, buildTranspose, "swap two axes"};
  b["permute"] = {{"x", "perm"}, buildPermute, "permute axes"};
  b["reshape"] = {{"x", "shape"}, buildReshape, "new shape, one -1 allowed"};
  b["flatten"] = {{"x", "start?", "end?"}, buildFlatten, "merge axes"};
  b["unsqueeze"] = {{"x", "axis"}, buildUnsqueeze, "insert an axis of 1"};
  b["squeeze"] = {{"x", "axis"}, buildSqueeze, "drop an axis of 1"};
  b["split_heads"] = {{"x", "heads"}, buildSplitHeads, "[B,L,H*D]->[B,H,L,D]"};
  b["merge_heads"] = {{"x"}, buildMergeHeads, "[B,H,L,D]->[B,L,H*D]"};
  b["broadcast_to"] = {{"x", "shape"}, buildBroadcastTo, "explicit broadcast"};
  b["concat"] = {{"inputs...", "axis?"}, buildConcat, "join along axis"};
  b["split"] = {{"x", "sizes", "axis?"}, buildSplit, "split along axis"};
  b["slice"] = {
      {"x", "axis", "start?", "end?", "step?"}, buildSlice, "strided slice"};
  b["gather"] = {{"x", "indices", "axis?"}, buildGather, "numpy.take"};
  b["scatter"] = {
      {"x", "axis", "index", "src"}, buildScatter, "torch.Tensor.scatter"};
  b["dynamic_update_slice"] = {{"x", "update", "starts"},
                               buildDynamicUpdateSlice,
                               "x with update written at run-time starts"};
  b["pad"] = {
      {"x", "pads", "mode?", "value?"}, buildPad, "F.pad: constant or reflect"};
  // Linear algebra and layers.
  b["matmul"] = {{"a", "b"}, buildMatmul, "batched matrix product"};
  b["linear"] = {{"x", "out", "bias?"}, buildLinear, "nn.Linear"};
  b["embedding"] = {
      {"ids", "num", "dim", "dtype?"}, buildEmbedding, "nn.Embedding"};
  b["softmax"] = {{"x", "axis?"},
                  [](Call &c) { return buildSoftmax<SoftmaxOp>(c); },
                  "softmax"};
  b["log_softmax"] = {{"x", "axis?"},
                      [](Call &c) { return buildSoftmax<LogSoftmaxOp>(c); },
                      "log softmax"};
  b["layer_norm"] = {{"x", "eps?", "elementwise_affine?", "bias?"},
                     [](Call &c) {
                       return buildLastDimNorm<LayerNormOp>(
                           c, 1e-5, {"weight", "bias"},
                           {"one_plus", "uniform"});
                     },
                     "nn.LayerNorm over the last axis"};
  b["rms_norm"] = {{"x", "eps?", "elementwise_affine?"},
                   [](Call &c) {
                     return buildLastDimNorm<RmsNormOp>(c, 1e-6, {"weight"},
                                                        {"one_plus"});
                   },
                   "RMSNorm over the last axis"};
  b["batch_norm"] = {{"x", "eps?"}, buildBatchNorm, "nn.BatchNorm (eval)"};
  b["reduce_sum"] = {
      {"x", "axis?", "keepdim?"}, buildReduce<ReduceSumOp>, "reduce_sum"};
  b["reduce_mean"] = {
      {"x", "axis?", "keepdim?"}, buildReduce<ReduceMeanOp>, "reduce_mean"};
  b["reduce_max"] = {
      {"x", "axis?", "keepdim?"}, buildReduce<ReduceMaxOp>, "reduce_max"};
  b["reduce_min"] = {
      {"x", "axis?", "keepdim?"}, buildReduce<ReduceMinOp>, "reduce_min"};
  b["top_k"] = {{"x", "k", "axis?"}, buildTopK, "k largest values, indices"};
  b["cumsum"] = {{"x", "axis"}, buildCumsum, "cumulative sum along axis"};
  b["argmax"] = {{"x", "axis", "keepdim?"},
                 [](Call &c) { return buildArgExtreme(c, true); },
                 "index of the largest along axis"};
  b["argmin"] = {{"x", "axis", "keepdim?"},
                 [](Call &c) { return buildArgExtreme(c, false); },
                 "index of the smallest along axis"};
  b["lstm"] = {{"x", "h0?", "c0?", "hidden", "layers?", "bidirectional?",
                "bias?", "lengths?"},
               [](Call &c) { return buildRecurrent<LstmOp>(c); },
               "nn.LSTM(batch_first=True)"};
  b["gru"] = {
      {"x", "h0?", "hidden", "layers?", "bidirectional?", "bias?", "lengths?"},
      [](Call &c) { return buildRecurrent<GruOp>(c); },
      "nn.GRU(batch_first=True)"};
  b["conv2d"] = {{"x", "out", "kernel", "stride?", "padding?", "dilation?",
                  "groups?", "bias?"},
                 buildConv2d,
                 "nn.Conv2d"};
  b["conv1d"] = {{"x", "out", "kernel", "stride?", "padding?", "dilation?",
                  "groups?", "bias?"},
                 buildConv1d,
                 "nn.Conv1d"};
  b["max_pool2d"] = {{"x", "kernel", "stride?", "padding?"},
                     [](Call &c) { return buildPool<MaxPool2dOp>(c); },
                     "max pooling"};
  b["avg_pool2d"] = {{"x", "kernel", "stride?", "padding?"},
                     [](Call &c) { return buildPool<AvgPool2dOp>(c); },
                     "average pooling"};
  b["global_avg_pool"] = {
      {"x"}, buildSubgraphLikeGlobalPool, "[N,C,H,W] -> [N,C,1,1]"};
  // Attention.
  b["attention"] = {
      {"q", "k", "v", "heads?", "kv_heads?", "scale?", "mask?", "sparsity?",
       "probs?"},
      [](Call &c) { return buildAttentionCommon<attn::AttentionOp>(c); },
      "scaled dot-product attention"};
  b["gated_attention"] = {
      {"q", "k", "v", "x", "heads?", "kv_heads?", "scale?", "mask?",
       "sparsity?"},
      [](Call &c) { return buildAttentionCommon<attn::GatedAttentionOp>(c); },
      "attention * sigmoid(gate(x))"};
  b["additive_attention"] = {{"hidden", "states", "bias?"},
                             buildAdditiveAttention,
                             "the seed's additive attention (section 1)"};
  b["bahdanau_attention"] = {{"query", "keys", "units?", "mask?"},
                             buildBahdanauAttention,
                             "v . tanh(W q + U k), PyTorch's tutorial form"};
  return b;
}

} // namespace

const llvm::StringMap<Builtin> &heed::getBuiltins() {
  static const llvm::StringMap<Builtin> builtins = makeBuiltins();
  return builtins;
}
