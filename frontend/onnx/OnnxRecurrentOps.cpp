//===- OnnxRecurrentOps.cpp - ONNX LSTM and GRU ---------------------------===//
//
// An ONNX LSTM or GRU whose semantics are PyTorch's (LSTM without peepholes,
// clip or coupled gates; GRU with linear_before_reset; default activations;
// every sequence full length) becomes one heed.lstm / heed.gru, its gate
// blocks reordered (ONNX i o f c -> PyTorch i f g o; z r h -> r z n).
// Otherwise the recurrence is unrolled over time with heed ops, exactly as
// the ONNX definition reads (up to kMaxUnrolledSteps steps).
//
//===----------------------------------------------------------------------===//

#include "OnnxNode.h"

#include "heed/ShapeUtils.h"

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

namespace {

constexpr int64_t kMaxUnrolledSteps = 1024;

/// Builds a chain of heed ops, stopping at the first failure.
class Emit {
public:
  explicit Emit(OnnxNode &n) : n(n) {}
  bool ok = true;

  template <typename OpTy>
  Value op(ValueRange operands, ArrayRef<NamedAttribute> attrs = {}) {
    if (!ok)
      return Value();
    for (Value v : operands)
      if (!v)
        return ok = false, Value();
    auto r = n.value<OpTy>(operands, attrs);
    if (failed(r))
      return ok = false, Value();
    return *r;
  }
  Value add(Value a, Value b) { return op<AddOp>({a, b}); }
  Value sub(Value a, Value b) { return op<SubOp>({a, b}); }
  Value mul(Value a, Value b) { return op<MulOp>({a, b}); }
  Value slice(Value x, int64_t axis, int64_t start, int64_t end) {
    return op<SliceOp>(x, {n.i64Attr("axis", axis), n.i64Attr("start", start),
                           n.i64Attr("end", end), n.i64Attr("step", 1)});
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (!ok || !x)
      return ok = false, Value();
    auto r = n.reshape(x, shape);
    return failed(r) ? (ok = false, Value()) : *r;
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    if (!ok || !x)
      return ok = false, Value();
    auto r = n.transpose(x, perm);
    return failed(r) ? (ok = false, Value()) : *r;
  }
  /// Rows of a [G*H, ...] weight regrouped: block i of the result is block
  /// order[i] of \p w (along axis 0).
  Value regroup(Value w, ArrayRef<int64_t> order, int64_t hidden) {
    SmallVector<int64_t> rows;
    for (int64_t g : order)
      for (int64_t r = 0; r < hidden; ++r)
        rows.push_back(g * hidden + r);
    return op<GatherOp>({w, n.i64s(rows)}, {n.i64Attr("axis", 0)});
  }
  Value activation(StringRef name, Value x, double alpha, double beta) {
    if (name == "Sigmoid")
      return op<SigmoidOp>(x);
    if (name == "Tanh")
      return op<TanhOp>(x);
    if (name == "Relu")
      return op<ReluOp>(x);
    (void)alpha;
    (void)beta;
    ok = false;
    n.error() << n.opType() << ": activation " << name << " is not supported";
    return Value();
  }

private:
  OnnxNode &n;
};

struct RnnSpec {
  bool lstm;
  int64_t gates;                // 4 (LSTM) or 3 (GRU)
  SmallVector<int64_t> toTorch; // ONNX gate blocks in PyTorch's order
};

LogicalResult recurrent(OnnxNode &n, const RnnSpec &spec) {
  auto x0 = n.requiredInput(0), w0 = n.requiredInput(1),
       r0 = n.requiredInput(2);
  if (failed(x0) || failed(w0) || failed(r0))
    return failure();
  if (failed(n.requireRank(0, 3, 3)) || failed(n.requireRank(1, 3, 3)) ||
      failed(n.requireRank(2, 3, 3)))
    return failure();
  Emit e(n);
  int64_t hidden = n.getInt("hidden_size", 0);
  std::string direction = n.getString("direction", "forward");
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (direction != "forward" && direction != "reverse" &&
      direction != "bidirectional")
    return n.unsupported("direction = '" + direction + "'");
  bool batchFirst = n.getInt("layout", 0);
  Value x = *x0, w = *w0, r = *r0, bias = n.input(3), lens = n.input(4),
        h0 = n.input(5), c0 = spec.lstm ? n.input(6) : Value(),
        peep = spec.lstm ? n.input(7) : Value();
  if (hidden < 1)
    hidden = shapeOf(r)[2];
  if (hidden != shapeOf(r)[2] || shapeOf(r)[1] != spec.gates * hidden)
    return n.error() << n.opType() << ": R is " << formatShape(shapeOf(r))
                     << " for hidden_size " << hidden;
  // To [T, B, I]; initial states to [dirs, B, H].
  if (batchFirst) {
    x = e.transpose(x, {1, 0, 2});
    if (h0)
      h0 = e.transpose(h0, {1, 0, 2});
    if (c0)
      c0 = e.transpose(c0, {1, 0, 2});
  }
  if (!e.ok)
    return failure();
  int64_t steps = shapeOf(x)[0], batch = shapeOf(x)[1],
          inputSize = shapeOf(x)[2];
  Type et = elementTypeOf(x);
  // Sequence lengths: equal to T everywhere is no length at all. Constant
  // ones are also known here (for the unrolled form); heed.lstm / heed.gru
  // take them as a tensor, constant or not.
  SmallVector<int64_t> lengths;
  bool lengthsGiven = (bool)lens;
  if (DenseElementsAttr c = lens ? n.constValue(4) : nullptr) {
    for (const APInt &v : c.getValues<APInt>())
      lengths.push_back(v.getSExtValue());
    if (llvm::all_of(lengths, [&](int64_t v) { return v == steps; })) {
      lengths.clear();
      lengthsGiven = false;
    }
  }
  SmallVector<std::string> acts;
  if (const auto *a = n.attr("activations"))
    for (const auto &s : a->strings())
      acts.push_back(s);
  SmallVector<std::string> dflt =
      spec.lstm ? SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                : SmallVector<std::string>{"Sigmoid", "Tanh"};
  if (acts.empty())
    for (int64_t d = 0; d < dirs; ++d)
      acts.append(dflt.begin(), dflt.end());
  if (acts.size() != dflt.size() * dirs)
    return n.error() << n.opType() << ": " << acts.size() << " activations for "
                     << dirs << " directions";
  bool defaultActs = true;
  for (size_t i = 0; i < acts.size(); ++i)
    defaultActs &= acts[i] == dflt[i % dflt.size()];
  float clip = n.getFloat("clip", 0);
  bool coupled = n.getInt("input_forget", 0);
  bool lbr = n.getInt("linear_before_reset", 0);
  bool hasPeep = false;
  if (peep) {
    // Peepholes of zeros (as exporters write an absent P) are none.
    DenseElementsAttr c = n.constValue(7);
    hasPeep = !c || llvm::any_of(c.getValues<APFloat>(),
                                 [](const APFloat &f) { return !f.isZero(); });
  }
  Value zeros = n.splat(0, et, {dirs, batch, hidden});
  if (!h0)
    h0 = zeros;
  if (spec.lstm && !c0)
    c0 = zeros;

  // Per direction: [G*H, I], [G*H, H] and the two [G*H] biases (ONNX order).
  struct Dir {
    Value w, r, wb, rb;
  };
  SmallVector<Dir> perDir;
  for (int64_t d = 0; d < dirs; ++d) {
    Dir dir;
    int64_t gh = spec.gates * hidden;
    dir.w = e.reshape(e.slice(w, 0, d, d + 1), {gh, inputSize});
    dir.r = e.reshape(e.slice(r, 0, d, d + 1), {gh, hidden});
    if (bias) {
      Value b = e.reshape(e.slice(bias, 0, d, d + 1), {2 * gh});
      dir.wb = e.slice(b, 0, 0, gh);
      dir.rb = e.slice(b, 0, gh, 2 * gh);
    }
    perDir.push_back(dir);
  }
  if (!e.ok)
    return failure();

  bool torchSemantics =
      defaultActs && clip == 0 && !coupled && !hasPeep && (spec.lstm || lbr);
  Value y, yh, yc;
  if (torchSemantics && direction != "reverse") {
    SmallVector<Value> weights;
    for (const Dir &dir : perDir) {
      weights.push_back(e.regroup(dir.w, spec.toTorch, hidden));
      weights.push_back(e.regroup(dir.r, spec.toTorch, hidden));
      if (bias) {
        weights.push_back(e.regroup(dir.wb, spec.toTorch, hidden));
        weights.push_back(e.regroup(dir.rb, spec.toTorch, hidden));
      }
    }
    Value input = e.transpose(x, {1, 0, 2});
    SmallVector<Value> operands{input, h0};
    if (spec.lstm)
      operands.push_back(c0);
    operands.append(weights);
    if (lengthsGiven) {
      auto l64 = n.cast(lens, n.builder().getI64Type());
      if (failed(l64))
        return failure();
      operands.push_back(*l64);
    }
    if (!e.ok)
      return failure();
    SmallVector<NamedAttribute> attrs{
        n.i64Attr("hidden_size", hidden), n.i64Attr("num_layers", 1),
        n.builder().getNamedAttr("bidirectional",
                                 n.builder().getBoolAttr(dirs == 2)),
        n.builder().getNamedAttr("has_bias",
                                 n.builder().getBoolAttr((bool)bias)),
        recurrentOperandSegments(n.builder(), spec.lstm,
                                 (int32_t)weights.size(), lengthsGiven)};
    Operation *op;
    if (spec.lstm) {
      auto l = n.create<LstmOp>(operands, attrs);
      if (failed(l))
        return failure();
      op = *l;
      yc = l->getCN();
    } else {
      auto g = n.create<GruOp>(operands, attrs);
      if (failed(g))
        return failure();
      op = *g;
    }
    // [B, T, dirs * H] -> [T, dirs, B, H].
    y = e.transpose(e.reshape(op->getResult(0), {batch, steps, dirs, hidden}),
                    {1, 2, 0, 3});
    yh = op->getResult(1);
  } else {
    if (steps > kMaxUnrolledSteps)
      return n.unsupported(
          "this configuration over " + std::to_string(steps) +
          " steps (Heed unrolls LSTMs and GRUs that differ from PyTorch's up "
          "to " +
          std::to_string(kMaxUnrolledSteps) + " steps)");
    if (lengthsGiven && lengths.empty())
      return n.unsupported("sequence_lens that is not a constant, with "
                           "this configuration (PyTorch's takes any)");
    if (!lengths.empty() && direction != "forward")
      return n.unsupported("sequence_lens with a reverse direction");
    auto scalar = [&](double v) { return n.splat(v, et); };
    SmallVector<Value> outs, lastH, lastC;
    for (int64_t d = 0; d < dirs; ++d) {
      const Dir &dir = perDir[d];
      bool backward = direction == "reverse" || d == 1;
      ArrayRef<std::string> fns(acts.data() + d * dflt.size(), dflt.size());
      Value h = e.reshape(e.slice(h0, 0, d, d + 1), {batch, hidden});
      Value c = spec.lstm ? e.reshape(e.slice(c0, 0, d, d + 1), {batch, hidden})
                          : Value();
      Value pI, pO, pF;
      if (hasPeep) {
        Value p = e.reshape(e.slice(peep, 0, d, d + 1), {3 * hidden});
        pI = e.slice(p, 0, 0, hidden);
        pO = e.slice(p, 0, hidden, 2 * hidden);
        pF = e.slice(p, 0, 2 * hidden, 3 * hidden);
      }
      SmallVector<Value> ys(steps);
      auto gateOf = [&](Value g, int64_t k) {
        return e.slice(g, 1, k * hidden, (k + 1) * hidden);
      };
      auto clipped = [&](Value v) {
        if (clip <= 0)
          return v;
        return e.op<MinimumOp>(
            {e.op<MaximumOp>({v, scalar(-clip)}), scalar(clip)});
      };
      for (int64_t s = 0; s < steps; ++s) {
        int64_t t = backward ? steps - 1 - s : s;
        Value xt = e.reshape(e.slice(x, 0, t, t + 1), {batch, inputSize});
        SmallVector<Value> xOperands{xt, dir.w}, hOperands{h, dir.r};
        if (bias) {
          xOperands.push_back(dir.wb);
          hOperands.push_back(dir.rb);
        }
        Value gx = e.op<LinearOp>(xOperands);
        Value hNew, cNew;
        if (spec.lstm) {
          Value g = e.add(gx, e.op<LinearOp>(hOperands));
          Value gi = gateOf(g, 0), go = gateOf(g, 1), gf = gateOf(g, 2),
                gc = gateOf(g, 3);
          if (hasPeep) {
            gi = e.add(gi, e.mul(pI, c));
            gf = e.add(gf, e.mul(pF, c));
          }
          Value i = e.activation(fns[0], clipped(gi), 0, 0);
          Value f = coupled ? e.sub(scalar(1), i)
                            : e.activation(fns[0], clipped(gf), 0, 0);
          Value cand = e.activation(fns[1], clipped(gc), 0, 0);
          cNew = e.add(e.mul(f, c), e.mul(i, cand));
          if (hasPeep)
            go = e.add(go, e.mul(pO, cNew));
          Value o = e.activation(fns[0], clipped(go), 0, 0);
          hNew = e.mul(o, e.activation(fns[2], cNew, 0, 0));
        } else {
          Value gxz = gateOf(gx, 0), gxr = gateOf(gx, 1), gxh = gateOf(gx, 2);
          Value rz = e.slice(dir.r, 0, 0, hidden),
                rr = e.slice(dir.r, 0, hidden, 2 * hidden),
                rh = e.slice(dir.r, 0, 2 * hidden, 3 * hidden);
          auto hPart = [&](Value in, Value rw, int64_t k) {
            SmallVector<Value> ops{in, rw};
            if (bias)
              ops.push_back(e.slice(dir.rb, 0, k * hidden, (k + 1) * hidden));
            return e.op<LinearOp>(ops);
          };
          Value z =
              e.activation(fns[0], clipped(e.add(gxz, hPart(h, rz, 0))), 0, 0);
          Value rg =
              e.activation(fns[0], clipped(e.add(gxr, hPart(h, rr, 1))), 0, 0);
          Value hh =
              lbr ? e.mul(rg, hPart(h, rh, 2)) : hPart(e.mul(rg, h), rh, 2);
          Value cand = e.activation(fns[1], clipped(e.add(gxh, hh)), 0, 0);
          hNew = e.add(e.mul(e.sub(scalar(1), z), cand), e.mul(z, h));
        }
        if (!lengths.empty()) {
          SmallVector<double> live;
          for (int64_t b = 0; b < batch; ++b)
            live.push_back(t < lengths[b] ? 1.0 : 0.0);
          Value m = n.constant(
              RankedTensorType::get({batch, 1}, n.builder().getI1Type()), live);
          ys[t] = e.op<WhereOp>({m, hNew, n.splat(0, et, {batch, hidden})});
          hNew = e.op<WhereOp>({m, hNew, h});
          if (spec.lstm)
            cNew = e.op<WhereOp>({m, cNew, c});
        } else {
          ys[t] = hNew;
        }
        h = hNew;
        c = cNew;
        if (!e.ok)
          return failure();
      }
      SmallVector<Value> ys4;
      for (Value v : ys)
        ys4.push_back(e.reshape(v, {1, 1, batch, hidden}));
      outs.push_back(steps == 1 ? ys4[0]
                                : e.op<ConcatOp>(ys4, {n.i64Attr("axis", 0)}));
      lastH.push_back(e.reshape(h, {1, batch, hidden}));
      if (spec.lstm)
        lastC.push_back(e.reshape(c, {1, batch, hidden}));
    }
    auto join = [&](ArrayRef<Value> parts, int64_t axis) {
      return parts.size() == 1
                 ? parts[0]
                 : e.op<ConcatOp>(parts, {n.i64Attr("axis", axis)});
    };
    y = join(outs, 1);
    yh = join(lastH, 0);
    if (spec.lstm)
      yc = join(lastC, 0);
  }
  if (batchFirst) {
    y = e.transpose(y, {2, 0, 1, 3});
    yh = e.transpose(yh, {1, 0, 2});
    if (yc)
      yc = e.transpose(yc, {1, 0, 2});
  }
  if (!e.ok)
    return failure();
  n.setOutput(0, y);
  n.setOutput(1, yh);
  if (spec.lstm)
    n.setOutput(2, yc);
  return success();
}

} // namespace

void onnx_import::addRecurrentOps(llvm::StringMap<OpConverter> &t) {
  t["LSTM"] = [](OnnxNode &n) {
    return recurrent(n, RnnSpec{true, 4, {0, 2, 3, 1}});
  };
  t["GRU"] = [](OnnxNode &n) {
    return recurrent(n, RnnSpec{false, 3, {1, 0, 2}});
  };
}
