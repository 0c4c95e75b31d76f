//===- OnnxAttentionOps.cpp - ONNX Attention and RotaryEmbedding ----------===//
//
// Attention (opset 23+) becomes one attn.attention when only its output is
// asked for: causal and window structure become the op's structure where
// ONNX's alignment (offset = the past length) is heed's bottom-right one,
// and otherwise compile-time bias constants, so attn-sparsify still sees
// them. Softcap or the qk_matmul_output output spell the attention out
// with heed ops, exactly in the order of the ONNX reference.
//
//===----------------------------------------------------------------------===//

#include "OnnxNode.h"

#include "attn/AttnOps.h"
#include "heed/ShapeUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// [B, L, H * D] as [B, H, L, D].
FailureOr<Value> splitHeads(OnnxNode &n, Value x, int64_t heads) {
  ArrayRef<int64_t> s = shapeOf(x);
  if (heads < 1 || s[2] % heads)
    return n.error() << n.opType() << ": hidden size " << s[2]
                     << " is not a multiple of " << heads << " heads";
  auto r = n.reshape(x, {s[0], s[1], heads, s[2] / heads});
  if (failed(r))
    return failure();
  return n.transpose(*r, {0, 2, 1, 3});
}

FailureOr<Value> binary(OnnxNode &n, StringRef kind, Value a, Value b) {
  if (kind == "add")
    return n.value<AddOp>(ValueRange{a, b});
  if (kind == "mul")
    return n.value<MulOp>(ValueRange{a, b});
  return n.value<DivOp>(ValueRange{a, b});
}

/// Adds \p extra to the optional bias \p bias.
FailureOr<Value> addBias(OnnxNode &n, Value bias, Value extra) {
  if (!bias)
    return extra;
  return n.value<AddOp>(ValueRange{bias, extra});
}

/// The constant [Lq, Lk] bias that is 0 where query i may see key j and
/// -inf elsewhere.
Value bandBias(OnnxNode &n, Type et, int64_t lq, int64_t lk, int64_t offset,
               int64_t left, int64_t right, bool causal) {
  SmallVector<double> values;
  for (int64_t i = 0; i < lq; ++i)
    for (int64_t j = 0; j < lk; ++j) {
      int64_t diff = i + offset - j;
      bool ok = true;
      if (causal)
        ok &= diff >= 0;
      if (left >= 0)
        ok &= diff <= left;
      if (right >= 0)
        ok &= -diff <= right;
      values.push_back(ok ? 0.0 : kNegInf);
    }
  return n.constant(RankedTensorType::get({lq, lk}, et), values);
}

LogicalResult attention(OnnxNode &n) {
  auto q0 = n.requiredInput(0), k0 = n.requiredInput(1),
       v0 = n.requiredInput(2);
  if (failed(q0) || failed(k0) || failed(v0))
    return failure();
  // Shapes are indexed by axis below: the ranks first. Q, K and V are all
  // 3-D or all 4-D, the cache is 4-D, a mask has 1 to 4 axes.
  if (failed(n.requireRank(0, 3, 4)))
    return failure();
  int64_t rank = shapeOf(*q0).size();
  if (failed(n.requireRank(1, rank, rank)) ||
      failed(n.requireRank(2, rank, rank)))
    return failure();
  for (unsigned cache : {4u, 5u})
    if (n.hasInput(cache) && failed(n.requireRank(cache, 4, 4)))
      return failure();
  if (n.hasInput(3) && failed(n.requireRank(3, 1, 4)))
    return failure();
  Value q = *q0, k = *k0, v = *v0;
  Type et = elementTypeOf(q);
  bool threeD = rank == 3;
  if (threeD) {
    auto qh = splitHeads(n, q, n.getInt("q_num_heads", 0));
    if (failed(qh))
      return failure();
    auto kh = splitHeads(n, k, n.getInt("kv_num_heads", 0));
    if (failed(kh))
      return failure();
    auto vh = splitHeads(n, v, n.getInt("kv_num_heads", 0));
    if (failed(vh))
      return failure();
    q = *qh;
    k = *kh;
    v = *vh;
  }
  // The key/value cache.
  Value pastKey = n.input(4), pastValue = n.input(5);
  if ((bool)pastKey != (bool)pastValue)
    return n.error() << "Attention: past_key and past_value go together";
  int64_t past = pastKey ? shapeOf(pastKey)[2] : 0;
  if (pastKey) {
    NamedAttribute axis = n.i64Attr("axis", 2);
    auto pk = n.value<ConcatOp>(ValueRange{pastKey, k}, {axis});
    auto pv = n.value<ConcatOp>(ValueRange{pastValue, v}, {axis});
    if (failed(pk) || failed(pv))
      return failure();
    k = *pk;
    v = *pv;
  }
  n.setOutput(1, k);
  n.setOutput(2, v);
  int64_t b = shapeOf(q)[0], hq = shapeOf(q)[1], lq = shapeOf(q)[2],
          d = shapeOf(q)[3], hkv = shapeOf(k)[1], lk = shapeOf(k)[2];
  double scale =
      n.hasAttr("scale") ? n.getFloat("scale", 1) : 1.0 / std::sqrt((double)d);
  double softcap = n.getFloat("softcap", 0);
  bool causal = n.getInt("is_causal", 0);
  int64_t left = n.getInt("left_window_size", -1),
          right = n.getInt("right_window_size", -1);
  bool window = left >= 0 || right >= 0;
  Value nonpad = n.input(6);
  if (nonpad && pastKey)
    return n.error() << "Attention: nonpad_kv_seqlen and a past cache do not "
                        "go together";

  // The user's mask: padded to the key length (False / -inf), as a bias.
  Value mask = n.input(3), bias;
  bool boolMask = mask && elementTypeOf(mask).isInteger(1);
  if (mask) {
    SmallVector<int64_t> ms(shapeOf(mask));
    if (ms.back() < lk) {
      SmallVector<int64_t> padShape = ms;
      padShape.back() = lk - ms.back();
      Value fill = boolMask ? n.splat(0, elementTypeOf(mask), padShape)
                            : n.splat(kNegInf, elementTypeOf(mask), padShape);
      auto padded = n.value<ConcatOp>(
          ValueRange{mask, fill}, {n.i64Attr("axis", (int64_t)ms.size() - 1)});
      if (failed(padded))
        return failure();
      mask = *padded;
    }
  }
  bool qkOut = n.hasOutput(3);
  // attn.attention's structure is bottom-right aligned: ONNX's frontier is
  // the past length, which is the same when past + Lq = Lk.
  bool aligned = past == lk - lq && !nonpad;
  std::optional<Attribute> structure;
  bool biasFromStructure = (causal || window);
  if (!qkOut && softcap == 0 && aligned) {
    if (causal && !window) {
      structure = attn::CausalAttr::get(n.context());
      biasFromStructure = false;
    } else if (window && !causal && left >= 0 && right >= 0) {
      structure = attn::WindowAttr::get(n.context(), left, right);
      biasFromStructure = false;
    }
  }
  auto maskAsBias = [&]() -> FailureOr<Value> {
    if (!mask)
      return Value();
    if (!boolMask)
      return mask;
    SmallVector<int64_t> ms(shapeOf(mask));
    return n.value<WhereOp>(
        ValueRange{mask, n.splat(0, et, ms), n.splat(kNegInf, et, ms)});
  };
  if (biasFromStructure || nonpad || qkOut || softcap != 0) {
    auto mb = maskAsBias();
    if (failed(mb))
      return failure();
    bias = *mb;
    if (biasFromStructure && !nonpad && lq * lk > kMaxImportTable)
      return n.unsupported("is_causal or a window with a " +
                           std::to_string(lq) + " x " + std::to_string(lk) +
                           " score matrix whose frontier is not the last "
                           "query's (a past length other than Lk - Lq)");
    if (biasFromStructure && !nonpad) {
      auto withBand = addBias(n, bias,
                              bandBias(n, et, lq, lk, past, window ? left : -1,
                                       window ? right : -1, causal));
      if (failed(withBand))
        return failure();
      bias = *withBand;
    }
    if (nonpad) {
      // Keys at or past nonpad_kv_seqlen[b] are padding; the causal and
      // window frontiers sit at nonpad_kv_seqlen[b] - Lq.
      Type i64 = n.builder().getI64Type();
      auto lens = n.cast(nonpad, i64);
      if (failed(lens))
        return failure();
      auto lens4 = n.reshape(*lens, {b, 1, 1, 1});
      auto iotaAttrs = [&](int64_t axis) {
        return SmallVector<NamedAttribute>{
            n.builder().getNamedAttr(
                "shape", n.builder().getDenseI64ArrayAttr({1, 1, lq, lk})),
            n.i64Attr("axis", axis),
            n.builder().getNamedAttr("dtype", TypeAttr::get(i64))};
      };
      auto qi = n.value<IotaOp>({}, iotaAttrs(2));
      auto kj = n.value<IotaOp>({}, iotaAttrs(3));
      if (failed(lens4) || failed(qi) || failed(kj))
        return failure();
      auto keep = n.value<LtOp>(ValueRange{*kj, *lens4});
      if (failed(keep))
        return failure();
      Value allowed = *keep;
      if (causal || window) {
        // diff = i + (len - Lq) - j
        auto frontier =
            n.value<SubOp>(ValueRange{*lens4, n.splat((double)lq, i64)});
        if (failed(frontier))
          return failure();
        auto pos = n.value<AddOp>(ValueRange{*qi, *frontier});
        if (failed(pos))
          return failure();
        auto diff = n.value<SubOp>(ValueRange{*pos, *kj});
        if (failed(diff))
          return failure();
        auto both = [&](FailureOr<Value> c) -> LogicalResult {
          if (failed(c))
            return failure();
          auto a = n.value<AndOp>(ValueRange{allowed, *c});
          if (failed(a))
            return failure();
          allowed = *a;
          return success();
        };
        if (causal &&
            failed(both(n.value<GeOp>(ValueRange{*diff, n.splat(0, i64)}))))
          return failure();
        if (window && left >= 0 &&
            failed(both(
                n.value<LeOp>(ValueRange{*diff, n.splat((double)left, i64)}))))
          return failure();
        if (window && right >= 0 &&
            failed(both(n.value<GeOp>(
                ValueRange{*diff, n.splat((double)-right, i64)}))))
          return failure();
      }
      auto padBias = n.value<WhereOp>(
          ValueRange{allowed, n.splat(0, et), n.splat(kNegInf, et)});
      if (failed(padBias))
        return failure();
      auto withPad = addBias(n, bias, *padBias);
      if (failed(withPad))
        return failure();
      bias = *withPad;
    }
  }

  Value y;
  if (!qkOut && softcap == 0) {
    Value m = bias ? bias : mask;
    SmallVector<Value> operands{q, k, v};
    if (m)
      operands.push_back(m);
    SmallVector<NamedAttribute> attrs{
        n.builder().getNamedAttr("scale", n.builder().getF64FloatAttr(scale))};
    if (structure)
      attrs.push_back(n.builder().getNamedAttr("structure", *structure));
    auto op = n.create<attn::AttentionOp>(operands, attrs);
    if (failed(op))
      return failure();
    y = op->getOutput();
  } else {
    // Spelled out, in the order of the ONNX reference: scores, softcap,
    // bias, softmax, the fully-masked-row guard, the product with V.
    if (hq != hkv) {
      if (hq % hkv)
        return n.error() << "Attention: " << hq << " query heads for " << hkv
                         << " key/value heads";
      SmallVector<int64_t> heads;
      for (int64_t h = 0; h < hq; ++h)
        heads.push_back(h / (hq / hkv));
      auto idx = n.i64s(heads);
      auto kr = n.value<GatherOp>(ValueRange{k, idx}, {n.i64Attr("axis", 1)});
      auto vr = n.value<GatherOp>(ValueRange{v, idx}, {n.i64Attr("axis", 1)});
      if (failed(kr) || failed(vr))
        return failure();
      k = *kr;
      v = *vr;
    }
    auto kt = n.transpose(k, {0, 1, 3, 2});
    if (failed(kt))
      return failure();
    auto qk = n.value<MatmulOp>(ValueRange{q, *kt});
    if (failed(qk))
      return failure();
    auto s = binary(n, "mul", *qk, n.splat(scale, et));
    if (failed(s))
      return failure();
    Value scores = *s;
    if (softcap != 0) {
      auto x = binary(n, "div", scores, n.splat(softcap, et));
      if (failed(x))
        return failure();
      auto t = n.value<TanhOp>(*x);
      if (failed(t))
        return failure();
      auto c = binary(n, "mul", *t, n.splat(softcap, et));
      if (failed(c))
        return failure();
      scores = *c;
    }
    Value qkValue = scores;
    Value biased = scores;
    if (bias) {
      auto sb = n.value<AddOp>(ValueRange{scores, bias});
      if (failed(sb))
        return failure();
      biased = *sb;
    }
    int64_t mode = n.getInt("qk_matmul_output_mode", 0);
    if (mode == 2)
      qkValue = biased;
    auto p = n.value<SoftmaxOp>(biased, {n.i64Attr("axis", 3)});
    if (failed(p))
      return failure();
    Value probs = *p;
    if (bias) {
      auto rowMax = n.value<ReduceMaxOp>(
          bias,
          {n.builder().getNamedAttr("axes",
                                    n.builder().getDenseI64ArrayAttr(
                                        {(int64_t)shapeOf(bias).size() - 1})),
           n.builder().getNamedAttr("keepdim", n.builder().getBoolAttr(true))});
      if (failed(rowMax))
        return failure();
      auto masked = n.value<EqOp>(ValueRange{*rowMax, n.splat(kNegInf, et)});
      if (failed(masked))
        return failure();
      auto guarded =
          n.value<WhereOp>(ValueRange{*masked, n.splat(0, et), probs});
      if (failed(guarded))
        return failure();
      probs = *guarded;
    }
    if (mode == 3)
      qkValue = probs;
    if (mode < 0 || mode > 3)
      return n.unsupported("qk_matmul_output_mode = " + std::to_string(mode));
    auto out = n.value<MatmulOp>(ValueRange{probs, v});
    if (failed(out))
      return failure();
    y = *out;
    if (shapeOf(qkValue) != ArrayRef<int64_t>{b, hq, lq, lk}) {
      auto full = n.value<BroadcastToOp>(
          qkValue,
          {n.builder().getNamedAttr(
              "shape", n.builder().getDenseI64ArrayAttr({b, hq, lq, lk}))});
      if (failed(full))
        return failure();
      qkValue = *full;
    }
    n.setOutput(3, qkValue);
  }
  if (threeD) {
    auto t = n.transpose(y, {0, 2, 1, 3});
    if (failed(t))
      return failure();
    ArrayRef<int64_t> ts = shapeOf(*t);
    auto r = n.reshape(*t, {ts[0], ts[1], ts[2] * ts[3]});
    if (failed(r))
      return failure();
    y = *r;
  }
  n.setOutput(0, y);
  return success();
}

/// x[..., start::step] along the last axis.
FailureOr<Value> lastAxisSlice(OnnxNode &n, Value x, int64_t start, int64_t end,
                               int64_t step) {
  return n.value<SliceOp>(x, {n.i64Attr("axis", (int64_t)shapeOf(x).size() - 1),
                              n.i64Attr("start", start), n.i64Attr("end", end),
                              n.i64Attr("step", step)});
}

LogicalResult rotaryEmbedding(OnnxNode &n) {
  auto x0 = n.requiredInput(0), cos0 = n.requiredInput(1),
       sin0 = n.requiredInput(2);
  if (failed(x0) || failed(cos0) || failed(sin0))
    return failure();
  Value x = *x0, cosC = *cos0, sinC = *sin0;
  SmallVector<int64_t> original(shapeOf(x));
  // To [B, L, H, D].
  if (original.size() == 4) {
    auto t = n.transpose(x, {0, 2, 1, 3});
    if (failed(t))
      return failure();
    x = *t;
  } else if (original.size() == 3) {
    int64_t heads = n.getInt("num_heads", 0);
    if (heads < 1 || original[2] % heads)
      return n.error() << "RotaryEmbedding: 3-D input needs num_heads "
                          "dividing the hidden size";
    auto r =
        n.reshape(x, {original[0], original[1], heads, original[2] / heads});
    if (failed(r))
      return failure();
    x = *r;
  } else {
    return n.error() << "RotaryEmbedding: input must be 3-D or 4-D";
  }
  ArrayRef<int64_t> s = shapeOf(x);
  int64_t bsz = s[0], len = s[1], heads = s[2], d = s[3];
  int64_t rot = n.getInt("rotary_embedding_dim", 0);
  if (rot == 0)
    rot = d;
  int64_t half = rot / 2;
  if (Value pos = n.input(3)) {
    auto idx = n.cast(pos, n.builder().getI64Type());
    if (failed(idx))
      return failure();
    auto c = n.value<GatherOp>(ValueRange{cosC, *idx}, {n.i64Attr("axis", 0)});
    auto sn = n.value<GatherOp>(ValueRange{sinC, *idx}, {n.i64Attr("axis", 0)});
    if (failed(c) || failed(sn))
      return failure();
    cosC = *c;
    sinC = *sn;
  }
  if (shapeOf(cosC).back() != half)
    return n.error() << "RotaryEmbedding: the caches' last dimension is "
                     << shapeOf(cosC).back()
                     << ", not rotary_embedding_dim/2 = " << half;
  // [.., L, half] -> [B or 1, L, 1, half].
  auto expand = [&](Value c) -> FailureOr<Value> {
    ArrayRef<int64_t> cs = shapeOf(c);
    int64_t lead = cs.size() == 3 ? cs[0] : 1;
    return n.reshape(c, {lead, cs[cs.size() - 2], 1, half});
  };
  auto c4 = expand(cosC), s4 = expand(sinC);
  if (failed(c4) || failed(s4))
    return failure();
  bool interleaved = n.getInt("interleaved", 0);
  Value rotate = x, keep;
  if (rot < d) {
    auto r = lastAxisSlice(n, x, 0, rot, 1);
    auto k = lastAxisSlice(n, x, rot, d, 1);
    if (failed(r) || failed(k))
      return failure();
    rotate = *r;
    keep = *k;
  }
  auto x1 = interleaved ? lastAxisSlice(n, rotate, 0, rot, 2)
                        : lastAxisSlice(n, rotate, 0, half, 1);
  auto x2 = interleaved ? lastAxisSlice(n, rotate, 1, rot, 2)
                        : lastAxisSlice(n, rotate, half, rot, 1);
  if (failed(x1) || failed(x2))
    return failure();
  auto cx1 = binary(n, "mul", *c4, *x1), sx2 = binary(n, "mul", *s4, *x2),
       sx1 = binary(n, "mul", *s4, *x1), cx2 = binary(n, "mul", *c4, *x2);
  if (failed(cx1) || failed(sx2) || failed(sx1) || failed(cx2))
    return failure();
  auto real = n.value<SubOp>(ValueRange{*cx1, *sx2});
  auto imag = n.value<AddOp>(ValueRange{*sx1, *cx2});
  if (failed(real) || failed(imag))
    return failure();
  FailureOr<Value> rotated = failure();
  if (interleaved) {
    auto r5 = n.reshape(*real, {bsz, len, heads, half, 1});
    auto i5 = n.reshape(*imag, {bsz, len, heads, half, 1});
    if (failed(r5) || failed(i5))
      return failure();
    auto pairs =
        n.value<ConcatOp>(ValueRange{*r5, *i5}, {n.i64Attr("axis", 4)});
    if (failed(pairs))
      return failure();
    rotated = n.reshape(*pairs, {bsz, len, heads, rot});
  } else {
    rotated =
        n.value<ConcatOp>(ValueRange{*real, *imag}, {n.i64Attr("axis", 3)});
  }
  if (failed(rotated))
    return failure();
  Value out = *rotated;
  if (keep) {
    auto joined =
        n.value<ConcatOp>(ValueRange{out, keep}, {n.i64Attr("axis", 3)});
    if (failed(joined))
      return failure();
    out = *joined;
  }
  FailureOr<Value> y = original.size() == 3 ? n.reshape(out, original)
                                            : n.transpose(out, {0, 2, 1, 3});
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  return success();
}

} // namespace

void onnx_import::addAttentionOps(llvm::StringMap<OpConverter> &t) {
  t["Attention"] = attention;
  t["RotaryEmbedding"] = rotaryEmbedding;
}
