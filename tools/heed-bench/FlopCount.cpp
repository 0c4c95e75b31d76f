//===- FlopCount.cpp - Floating-point work of a tensor-level graph --------===//

#include "FlopCount.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace heed::bench {

namespace {

double elements(Type type) {
  auto shaped = dyn_cast<RankedTensorType>(type);
  if (!shaped)
    return 0;
  double n = 1;
  for (int64_t d : shaped.getShape())
    n *= (double)d;
  return n;
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// What an op costs per element of its first result, for the ops whose
/// formula is that simple; nullopt for the others.
std::optional<double> perResultElement(StringRef name) {
  return llvm::StringSwitch<std::optional<double>>(name)
      // Data movement and sources: no arithmetic.
      .Cases("heed.param", "heed.constant", "heed.iota", "heed.transpose",
             "heed.reshape", "heed.broadcast_to", "heed.concat", "heed.split",
             "heed.slice", 0.0)
      .Cases("heed.gather", "heed.embedding", "heed.tril", "heed.triu",
             "heed.cast", 0.0)
      // exp(x - max), max, sum, divide, subtract.
      .Cases("heed.softmax", "heed.log_softmax", 5.0)
      // mean, variance (2), subtract, divide (rsqrt), scale, shift, ...
      .Cases("heed.layer_norm", "heed.rms_norm", 8.0)
      .Case("heed.batch_norm", 4.0)
      .Default(std::nullopt);
}

/// Reductions cost one operation per input element.
bool isReduction(StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases("heed.reduce_sum", "heed.reduce_mean", "heed.reduce_max",
             "heed.reduce_min", "heed.top_k", "heed.global_avg_pool", true)
      .Default(false);
}

template <typename AttentionLike> FlopCount attentionFlops(AttentionLike op) {
  ArrayRef<int64_t> q = shapeOf(op.getQuery());
  ArrayRef<int64_t> k = shapeOf(op.getKey());
  ArrayRef<int64_t> v = shapeOf(op.getValue());
  double batch = 1; // every leading dimension of the query: B * Hq
  for (int64_t d : q.drop_back(2))
    batch *= (double)d;
  int64_t lq = q[q.size() - 2], lk = k[k.size() - 2];
  double headDim = (double)q.back(), valueDim = (double)v.back();
  std::optional<double> topk;
  if (auto attr = op.getTopkAttr())
    topk = attr.getRatio().convertToDouble();
  VisiblePairs visible = countVisiblePairs(op.getStructureAttr(), lq, lk, topk);
  FlopCount flops;
  flops.dense = 2 * batch * (double)lq * (double)lk * (headDim + valueDim);
  flops.effective =
      2 * batch * (visible.scored * headDim + visible.weighted * valueDim);
  return flops;
}

/// Per timestep, batch row, layer and direction of an LSTM (gates = 4) or
/// GRU (gates = 3) with hidden size \p h and layer input size \p in.
double recurrentStepFlops(int64_t gates, double in, double h, bool bias) {
  double matvec = 2 * (double)gates * h * (in + h);
  double biases = bias ? 2 * (double)gates * h : 0;
  // Gate activations (one per gate element) and the state update: LSTM
  // c' = f c + i g (3), h' = o tanh(c') (2); GRU n = tanh(x + r h) (2),
  // h' = (1 - z) n + z h (3)... 5 per hidden element either way.
  double pointwise = (double)gates * h + 5 * h;
  return matvec + biases + pointwise;
}

template <typename RecurrentOp>
double recurrentFlops(RecurrentOp op, int64_t gates) {
  ArrayRef<int64_t> x = shapeOf(op.getInput()); // [B, T, I]
  double h = (double)op.getHiddenSize();
  double dirs = op.getBidirectional() ? 2 : 1;
  double total = 0;
  for (int64_t layer = 0; layer < (int64_t)op.getNumLayers(); ++layer) {
    double in = layer == 0 ? (double)x[2] : dirs * h;
    total += dirs * (double)x[0] * (double)x[1] *
             recurrentStepFlops(gates, in, h, op.getHasBias());
  }
  return total;
}

/// The FLOPs of one op; dense and effective differ only for attention.
FlopCount opFlops(Operation *op) {
  StringRef name = op->getName().getStringRef();
  auto same = [](double f) { return FlopCount{f, f}; };
  if (auto attention = dyn_cast<attn::AttentionOp>(op))
    return attentionFlops(attention);
  if (auto gated = dyn_cast<attn::GatedAttentionOp>(op)) {
    FlopCount f = attentionFlops(gated);
    double gate = 2 * elements(gated.getOutput().getType()); // sigmoid, mul
    return {f.dense + gate, f.effective + gate};
  }
  if (auto additive = dyn_cast<attn::AdditiveAttentionOp>(op)) {
    ArrayRef<int64_t> s = shapeOf(additive.getStates()); // [B, T, D]
    double b = (double)s[0], t = (double)s[1], d = (double)s[2];
    // score_t = w . [h; s_t] (+ bias), softmax over t, h + sum_t a_t s_t.
    double score = 4 * b * t * d + (additive.getBias() ? b * t : 0);
    return same(score + 5 * b * t + 2 * b * t * d + b * d);
  }
  if (auto matmul = dyn_cast<MatmulOp>(op))
    return same(2 * elements(matmul.getType()) *
                (double)shapeOf(matmul.getLhs()).back());
  if (auto linear = dyn_cast<LinearOp>(op)) {
    double out = elements(linear.getType());
    return same(2 * out * (double)shapeOf(linear.getInput()).back() +
                (linear.getBias() ? out : 0));
  }
  if (auto conv = dyn_cast<Conv2dOp>(op)) {
    ArrayRef<int64_t> w = shapeOf(conv.getWeight()); // [O, C/g, kh, kw]
    double out = elements(conv.getType());
    return same(2 * out * (double)(w[1] * w[2] * w[3]) +
                (conv.getBias() ? out : 0));
  }
  if (isa<MaxPool2dOp, AvgPool2dOp>(op)) {
    auto kernel = op->getAttrOfType<DenseI64ArrayAttr>("kernel").asArrayRef();
    return same(elements(op->getResult(0).getType()) *
                (double)(kernel[0] * kernel[1]));
  }
  if (auto lstm = dyn_cast<LstmOp>(op))
    return same(recurrentFlops(lstm, 4));
  if (auto gru = dyn_cast<GruOp>(op))
    return same(recurrentFlops(gru, 3));
  if (isReduction(name))
    return same(elements(op->getOperand(0).getType()));
  if (op->getNumResults() == 0 || !name.starts_with("heed."))
    return {};
  if (std::optional<double> per = perResultElement(name))
    return same(*per * elements(op->getResult(0).getType()));
  // Elementwise arithmetic (unary, binary, compare, where): one per element.
  return same(elements(op->getResult(0).getType()));
}

} // namespace

VisiblePairs countVisiblePairs(Attribute structure, int64_t lq, int64_t lk,
                               std::optional<double> topkRatio) {
  int64_t keep = lk;
  if (topkRatio)
    keep = std::min<int64_t>(lk, (int64_t)std::ceil(*topkRatio * (double)lk));
  auto blocks = dyn_cast_or_null<attn::BlocksAttr>(structure);
  VisiblePairs pairs;
  for (int64_t i = 0; i < lq; ++i) {
    int64_t row = 0;
    int64_t p = i + lk - lq; // the key position of query i
    if (!structure) {
      row = lk;
    } else if (isa<attn::CausalAttr>(structure)) {
      row = std::clamp<int64_t>(p + 1, 0, lk);
    } else if (auto window = dyn_cast<attn::WindowAttr>(structure)) {
      int64_t lo = std::max<int64_t>(0, p - window.getLeft());
      int64_t hi = std::min<int64_t>(lk - 1, p + window.getRight());
      row = std::max<int64_t>(0, hi - lo + 1);
    } else if (blocks) {
      int64_t tile = i / blocks.getQBlock();
      if (tile < (int64_t)blocks.getVisit().getValue().size())
        for (int64_t kt :
             cast<DenseI64ArrayAttr>(blocks.getVisit()[tile]).asArrayRef()) {
          int64_t begin = kt * blocks.getKBlock();
          row += std::max<int64_t>(0, std::min(lk, begin + blocks.getKBlock()) -
                                          begin);
        }
    } else {
      row = lk; // an unknown structure: assume dense
    }
    pairs.scored += (double)row;
    pairs.weighted += (double)std::min(row, keep);
  }
  return pairs;
}

FlopCount countFlops(func::FuncOp graph) {
  FlopCount total;
  graph.walk([&](Operation *op) {
    FlopCount f = opFlops(op);
    total.dense += f.dense;
    total.effective += f.effective;
  });
  return total;
}

} // namespace heed::bench
