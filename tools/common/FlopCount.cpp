//===- FlopCount.cpp - Floating-point work of a tensor-level graph --------===//

#include "FlopCount.h"

#include "attn/TensorOpVisitor.h"

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

FlopCount attentionFlops(attn::AttentionOpInterface op) {
  ArrayRef<int64_t> q = shapeOf(op.getQuery());
  ArrayRef<int64_t> k = shapeOf(op.getKey());
  ArrayRef<int64_t> v = shapeOf(op.getValue());
  double batch = 1; // every leading dimension of the query: B * Hq
  for (int64_t d : q.drop_back(2))
    batch *= (double)d;
  int64_t lq = q[q.size() - 2], lk = k[k.size() - 2];
  double headDim = (double)q.back(), valueDim = (double)v.back();
  VisiblePairs visible =
      countVisiblePairs(op.getSparsity(), lq, lk, op.getTopkRatio());
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

FlopCount same(double flops) { return {flops, flops}; }

/// The FLOP formula of every op (FlopCount.h); dense and effective differ
/// only for attention.
struct FlopCounter : TensorOpVisitor<FlopCounter, FlopCount> {
  template <typename OpTy>
  std::enable_if_t<hasTrait<OpTy, heed::OpTrait::ElementwiseMap>(), FlopCount>
  visit(OpTy op) {
    return same(elements(op->getResult(0).getType()));
  }
  template <typename OpTy>
  std::enable_if_t<hasTrait<OpTy, heed::OpTrait::MovesData>(), FlopCount>
  visit(OpTy) {
    return {};
  }

  // exp(x - max), max, sum, divide, subtract.
  FlopCount visit(SoftmaxOp op) { return perElement(op, 5); }
  FlopCount visit(LogSoftmaxOp op) { return perElement(op, 5); }
  // mean, variance (2), subtract, divide (rsqrt), scale, shift, ...
  FlopCount visit(LayerNormOp op) { return perElement(op, 8); }
  FlopCount visit(RmsNormOp op) { return perElement(op, 8); }
  FlopCount visit(BatchNormOp op) { return perElement(op, 4); }

  // Reductions: one per input element.
  FlopCount visit(ReduceSumOp op) { return perInput(op); }
  FlopCount visit(ReduceMeanOp op) { return perInput(op); }
  FlopCount visit(ReduceMaxOp op) { return perInput(op); }
  FlopCount visit(ReduceMinOp op) { return perInput(op); }
  FlopCount visit(TopKOp op) { return perInput(op); }
  FlopCount visit(CumsumOp op) { return perInput(op); }
  FlopCount visit(GlobalAvgPoolOp op) { return perInput(op); }

  FlopCount visit(MatmulOp op) {
    return same(2 * elements(op.getType()) *
                (double)shapeOf(op.getLhs()).back());
  }
  FlopCount visit(LinearOp op) {
    double out = elements(op.getType());
    return same(2 * out * (double)shapeOf(op.getInput()).back() +
                (op.getBias() ? out : 0));
  }
  FlopCount visit(Conv2dOp op) {
    ArrayRef<int64_t> w = shapeOf(op.getWeight()); // [O, C/g, kh, kw]
    double out = elements(op.getType());
    return same(2 * out * (double)(w[1] * w[2] * w[3]) +
                (op.getBias() ? out : 0));
  }
  FlopCount visit(MaxPool2dOp op) { return pool(op); }
  FlopCount visit(AvgPool2dOp op) { return pool(op); }
  FlopCount visit(LstmOp op) { return same(recurrentFlops(op, 4)); }
  FlopCount visit(GruOp op) { return same(recurrentFlops(op, 3)); }

  FlopCount visit(attn::AttentionOp op) { return attentionFlops(op); }
  FlopCount visit(attn::GatedAttentionOp op) {
    FlopCount f = attentionFlops(op);
    double gate = 2 * elements(op.getOutput().getType()); // sigmoid, mul
    return {f.dense + gate, f.effective + gate};
  }
  FlopCount visit(attn::AdditiveAttentionOp op) {
    ArrayRef<int64_t> s = shapeOf(op.getStates()); // [B, T, D]
    double b = (double)s[0], t = (double)s[1], d = (double)s[2];
    // score_t = w . [h; s_t] (+ bias), softmax over t, h + sum_t a_t s_t.
    double score = 4 * b * t * d + (op.getBias() ? b * t : 0);
    return same(score + 5 * b * t + 2 * b * t * d + b * d);
  }

  /// func.return and the like.
  FlopCount visitUnknown(Operation *) { return {}; }

private:
  static FlopCount perElement(Operation *op, double flops) {
    return same(flops * elements(op->getResult(0).getType()));
  }
  static FlopCount perInput(Operation *op) {
    return same(elements(op->getOperand(0).getType()));
  }
  template <typename PoolOp> static FlopCount pool(PoolOp op) {
    ArrayRef<int64_t> kernel = op.getKernel();
    return same(elements(op.getType()) * (double)(kernel[0] * kernel[1]));
  }
};

} // namespace

VisiblePairs countVisiblePairs(const AttentionSparsity &sparsity, int64_t lq,
                               int64_t lk, std::optional<double> topkRatio) {
  int64_t keep = lk;
  if (topkRatio)
    keep = std::min<int64_t>(lk, (int64_t)std::ceil(*topkRatio * (double)lk));
  VisiblePairs pairs;
  for (int64_t i = 0; i < lq; ++i) {
    int64_t row = sparsity.visibleKeys(i, lq, lk);
    pairs.scored += (double)row;
    pairs.weighted += (double)std::min(row, keep);
  }
  return pairs;
}

FlopCount countFlops(func::FuncOp graph) {
  FlopCount total;
  FlopCounter counter;
  graph.walk([&](Operation *op) {
    FlopCount f = counter.dispatch(op);
    total.dense += f.dense;
    total.effective += f.effective;
  });
  return total;
}

} // namespace heed::bench
