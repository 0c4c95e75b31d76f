//===- Interpreter.cpp - Evaluate a heed/attn graph with plain loops ------===//

#include "Interpreter.h"
#include "Kernels.h"

#include "attn/TensorOpVisitor.h"
#include "heed/ShapeUtils.h"

#include <cstring>

using namespace mlir;
using namespace heed;
using namespace heed::ref;

namespace {

/// Values of the SSA values evaluated so far.
class Frame {
public:
  const Tensor &get(Value v) const { return values.find(v)->second; }
  const Tensor *getOrNull(Value v) const {
    return v ? &values.find(v)->second : nullptr;
  }
  void set(Value v, Tensor t) { values[v] = std::move(t); }

private:
  llvm::DenseMap<Value, Tensor> values;
};

Tensor constantTensor(ConstantOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  auto attr = cast<DenseElementsAttr>(op.getValue());
  Tensor t(*toDType(type.getElementType()),
           Shape(type.getShape().begin(), type.getShape().end()));
  Type et = type.getElementType();
  int64_t n = t.numel();
  if (isa<FloatType>(et)) {
    auto values = attr.getValues<APFloat>();
    for (int64_t i = 0; i < n; ++i) {
      APFloat f = attr.isSplat() ? values[0] : values[i];
      bool lost;
      f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      t.data[i] = f.convertToDouble();
    }
  } else {
    auto values = attr.getValues<APInt>();
    for (int64_t i = 0; i < n; ++i) {
      APInt v = attr.isSplat() ? values[0] : values[i];
      t.data[i] = et.isInteger(1) ? (v.getBoolValue() ? 1 : 0)
                                  : (Scalar)v.getSExtValue();
    }
  }
  return t;
}

/// The options of the attention kernels from an attention op.
AttentionOptions attentionOptions(attn::AttentionOpInterface op,
                                  const Tensor *mask) {
  AttentionOptions o;
  o.scale = op.getScaleFactor();
  o.mask = mask;
  o.structure = op.getSparsity();
  o.topkRatio = op.getTopkRatio();
  return o;
}

Window2d window(ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation = {}) {
  Window2d w;
  for (int i = 0; i < 2; ++i) {
    w.kernel[i] = kernel.empty() ? 1 : kernel[i];
    w.stride[i] = stride[i];
    w.padding[i] = padding[i];
    w.dilation[i] = dilation.empty() ? 1 : dilation[i];
  }
  return w;
}

std::vector<RnnWeights> rnnWeights(const Frame &frame, ValueRange weights,
                                   bool hasBias) {
  std::vector<RnnWeights> out;
  size_t per = hasBias ? 4 : 2;
  for (size_t i = 0; i < weights.size(); i += per) {
    RnnWeights w;
    w.wIh = frame.get(weights[i]);
    w.wHh = frame.get(weights[i + 1]);
    if (hasBias) {
      w.bIh = frame.get(weights[i + 2]);
      w.bHh = frame.get(weights[i + 3]);
    }
    out.push_back(std::move(w));
  }
  return out;
}

/// Evaluates ops with the reference kernels: one `visit` per op class of
/// the heed and attn dialects (TensorOpVisitor), each storing the op's
/// results in the frame.
class Evaluator : public TensorOpVisitor<Evaluator, LogicalResult> {
public:
  Evaluator(Frame &frame, const llvm::StringMap<io::HostTensor> &params)
      : frame(frame), params(params) {}

  // Elementwise: the unary ops by their definition, the others by kind.
  template <typename OpTy>
  std::enable_if_t<hasTrait<OpTy, heed::OpTrait::UnaryMap>(), LogicalResult>
  visit(OpTy op) {
    return out(op, map(in(op, 0), OpTy::evaluate));
  }
  LogicalResult visit(AddOp op) { return binaryOp(op, BinaryKind::Add); }
  LogicalResult visit(SubOp op) { return binaryOp(op, BinaryKind::Sub); }
  LogicalResult visit(MulOp op) { return binaryOp(op, BinaryKind::Mul); }
  LogicalResult visit(DivOp op) { return binaryOp(op, BinaryKind::Div); }
  LogicalResult visit(MaximumOp op) { return binaryOp(op, BinaryKind::Max); }
  LogicalResult visit(MinimumOp op) { return binaryOp(op, BinaryKind::Min); }
  LogicalResult visit(PowOp op) { return binaryOp(op, BinaryKind::Pow); }
  LogicalResult visit(AndOp op) { return binaryOp(op, BinaryKind::And); }
  LogicalResult visit(OrOp op) { return binaryOp(op, BinaryKind::Or); }
  LogicalResult visit(EqOp op) { return compareOp(op, CompareKind::Eq); }
  LogicalResult visit(NeOp op) { return compareOp(op, CompareKind::Ne); }
  LogicalResult visit(LtOp op) { return compareOp(op, CompareKind::Lt); }
  LogicalResult visit(LeOp op) { return compareOp(op, CompareKind::Le); }
  LogicalResult visit(GtOp op) { return compareOp(op, CompareKind::Gt); }
  LogicalResult visit(GeOp op) { return compareOp(op, CompareKind::Ge); }
  LogicalResult visit(WhereOp op) {
    return out(op, where(in(op, 0), in(op, 1), in(op, 2)));
  }
  LogicalResult visit(CastOp op) {
    return out(op, cast(in(op, 0), *toDType(op.getDtype())));
  }

  // Sources.
  LogicalResult visit(ParamOp op) {
    return out(op, fromHost(params.find(op.getName())->second));
  }
  LogicalResult visit(ConstantOp op) { return out(op, constantTensor(op)); }
  LogicalResult visit(IotaOp op) {
    return out(op, iota(Shape(op.getShape().begin(), op.getShape().end()),
                        (int64_t)op.getAxis(), *toDType(op.getDtype())));
  }

  // Shapes and data movement.
  LogicalResult visit(TransposeOp op) {
    return out(op,
               transpose(in(op, 0), std::vector<int64_t>(op.getPerm().begin(),
                                                         op.getPerm().end())));
  }
  LogicalResult visit(ReshapeOp op) {
    return out(op, reshape(in(op, 0),
                           Shape(op.getShape().begin(), op.getShape().end())));
  }
  LogicalResult visit(BroadcastToOp op) {
    return out(op, broadcastTo(in(op, 0), Shape(op.getShape().begin(),
                                                op.getShape().end())));
  }
  LogicalResult visit(ConcatOp op) {
    std::vector<Tensor> xs;
    for (Value v : op.getInputs())
      xs.push_back(frame.get(v));
    return out(op, concat(xs, (int64_t)op.getAxis()));
  }
  LogicalResult visit(SplitOp op) {
    std::vector<Tensor> parts =
        split(in(op, 0),
              std::vector<int64_t>(op.getSizes().begin(), op.getSizes().end()),
              (int64_t)op.getAxis());
    for (size_t i = 0; i < parts.size(); ++i)
      frame.set(op->getResult(i), std::move(parts[i]));
    return success();
  }
  LogicalResult visit(SliceOp op) {
    return out(op,
               slice(in(op, 0), (int64_t)op.getAxis(), (int64_t)op.getStart(),
                     (int64_t)op.getEnd(), (int64_t)op.getStep()));
  }
  LogicalResult visit(GatherOp op) {
    return out(op, gather(in(op, 0), in(op, 1), (int64_t)op.getAxis()));
  }
  LogicalResult visit(ScatterOp op) {
    return out(op,
               scatter(in(op, 0), (int64_t)op.getAxis(), in(op, 1), in(op, 2)));
  }
  LogicalResult visit(DynamicUpdateSliceOp op) {
    return out(op, dynamicUpdateSlice(in(op, 0), in(op, 1), in(op, 2)));
  }
  LogicalResult visit(EmbeddingOp op) {
    return out(op, embedding(in(op, 0), in(op, 1)));
  }
  LogicalResult visit(TrilOp op) {
    return out(op, tril(in(op, 0), (int64_t)op.getK()));
  }
  LogicalResult visit(TriuOp op) {
    return out(op, triu(in(op, 0), (int64_t)op.getK()));
  }

  // Linear algebra, normalisation, reductions.
  LogicalResult visit(MatmulOp op) {
    return out(op, matmul(in(op, 0), in(op, 1)));
  }
  LogicalResult visit(LinearOp op) {
    return out(op, linear(in(op, 0), in(op, 1), frame.getOrNull(op.getBias())));
  }
  LogicalResult visit(SoftmaxOp op) {
    return out(op, softmax(in(op, 0), (int64_t)op.getAxis()));
  }
  LogicalResult visit(LogSoftmaxOp op) {
    return out(op, logSoftmax(in(op, 0), (int64_t)op.getAxis()));
  }
  LogicalResult visit(LayerNormOp op) {
    return out(op, layerNorm(in(op, 0), &in(op, 1), &in(op, 2),
                             op.getEps().convertToDouble()));
  }
  LogicalResult visit(RmsNormOp op) {
    return out(op,
               rmsNorm(in(op, 0), &in(op, 1), op.getEps().convertToDouble()));
  }
  LogicalResult visit(BatchNormOp op) {
    return out(op, batchNorm(in(op, 0), in(op, 1), in(op, 2), in(op, 3),
                             in(op, 4), op.getEps().convertToDouble()));
  }
  LogicalResult visit(ReduceSumOp op) { return reduceOp(op, ReduceKind::Sum); }
  LogicalResult visit(ReduceMeanOp op) {
    return reduceOp(op, ReduceKind::Mean);
  }
  LogicalResult visit(ReduceMaxOp op) { return reduceOp(op, ReduceKind::Max); }
  LogicalResult visit(ReduceMinOp op) { return reduceOp(op, ReduceKind::Min); }
  LogicalResult visit(CumsumOp op) {
    return out(op, cumsum(in(op, 0), (int64_t)op.getAxis()));
  }
  LogicalResult visit(TopKOp op) {
    auto [values, indices] =
        topK(in(op, 0), (int64_t)op.getK(), (int64_t)op.getAxis());
    frame.set(op.getValues(), std::move(values));
    frame.set(op.getIndices(), std::move(indices));
    return success();
  }

  // Recurrent layers, convolution and pooling.
  LogicalResult visit(LstmOp op) {
    RnnResult r = lstm(in(op, 0), &in(op, 1), &in(op, 2),
                       rnnWeights(frame, op.getWeights(), op.getHasBias()),
                       (int64_t)op.getNumLayers(), op.getBidirectional(),
                       frame.getOrNull(op.getLengths()));
    frame.set(op.getSequence(), std::move(r.sequence));
    frame.set(op.getHN(), std::move(r.hidden));
    frame.set(op.getCN(), std::move(r.cell));
    return success();
  }
  LogicalResult visit(GruOp op) {
    RnnResult r = gru(in(op, 0), &in(op, 1),
                      rnnWeights(frame, op.getWeights(), op.getHasBias()),
                      (int64_t)op.getNumLayers(), op.getBidirectional(),
                      frame.getOrNull(op.getLengths()));
    frame.set(op.getSequence(), std::move(r.sequence));
    frame.set(op.getHN(), std::move(r.hidden));
    return success();
  }
  LogicalResult visit(Conv2dOp op) {
    return out(op, conv2d(in(op, 0), in(op, 1), frame.getOrNull(op.getBias()),
                          window({}, op.getStride(), op.getPadding(),
                                 op.getDilation()),
                          (int64_t)op.getGroups()));
  }
  LogicalResult visit(MaxPool2dOp op) {
    return out(op, maxPool2d(in(op, 0), window(op.getKernel(), op.getStride(),
                                               op.getPadding())));
  }
  LogicalResult visit(AvgPool2dOp op) {
    return out(op, avgPool2d(in(op, 0), window(op.getKernel(), op.getStride(),
                                               op.getPadding())));
  }
  LogicalResult visit(GlobalAvgPoolOp op) {
    return out(op, globalAvgPool(in(op, 0)));
  }

  // Attention.
  LogicalResult visit(attn::AttentionOp op) {
    AttentionResult r =
        attention(in(op, 0), in(op, 1), in(op, 2),
                  attentionOptions(op, frame.getOrNull(op.getMask())));
    frame.set(op.getOutput(), std::move(r.out));
    if (op.getReturnProbs())
      frame.set(op.getProbs(), std::move(r.probs));
    return success();
  }
  LogicalResult visit(attn::GatedAttentionOp op) {
    return out(op, gatedAttention(
                       in(op, 0), in(op, 1), in(op, 2), in(op, 3),
                       attentionOptions(op, frame.getOrNull(op.getMask()))));
  }
  LogicalResult visit(attn::AdditiveAttentionOp op) {
    AdditiveAttentionResult r = additiveAttention(
        in(op, 0), in(op, 1), in(op, 2), frame.getOrNull(op.getBias()));
    frame.set(op.getOutput(), std::move(r.out));
    frame.set(op.getAlpha(), std::move(r.alpha));
    return success();
  }

  LogicalResult visitUnknown(Operation *op) {
    return op->emitError("the reference interpreter does not know ")
           << op->getName();
  }

private:
  Frame &frame;
  const llvm::StringMap<io::HostTensor> &params;

  const Tensor &in(Operation *op, unsigned i) const {
    return frame.get(op->getOperand(i));
  }
  LogicalResult out(Operation *op, Tensor t) {
    frame.set(op->getResult(0), std::move(t));
    return success();
  }
  LogicalResult binaryOp(Operation *op, BinaryKind k) {
    return out(op, binary(k, in(op, 0), in(op, 1)));
  }
  LogicalResult compareOp(Operation *op, CompareKind k) {
    return out(op, compare(k, in(op, 0), in(op, 1)));
  }
  template <typename ReduceOp>
  LogicalResult reduceOp(ReduceOp op, ReduceKind k) {
    ArrayRef<int64_t> axes = op.getAxes();
    return out(op, reduce(k, in(op, 0),
                          std::vector<int64_t>(axes.begin(), axes.end()),
                          op.getKeepdim()));
  }
};

} // namespace

/// Dispatches \p op with the kernels' exceptions turned into located errors.
static LogicalResult evaluate(Evaluator &evaluator, Operation &op) {
  try {
    return evaluator.dispatch(&op);
  } catch (const KernelError &e) {
    return op.emitError(e.what());
  } catch (const std::exception &e) {
    return op.emitError("reference kernel failed: ") << e.what();
  }
}

FailureOr<std::vector<Tensor>>
heed::ref::evaluateOp(Operation *op, ArrayRef<Tensor> operands) {
  Frame frame;
  llvm::StringMap<io::HostTensor> noParams;
  Evaluator evaluator(frame, noParams);
  if (isa<ParamOp>(op))
    return op->emitError("a parameter has no value at compile time");
  for (auto [operand, value] : llvm::zip(op->getOperands(), operands))
    frame.set(operand, value);
  if (failed(evaluate(evaluator, *op)))
    return failure();
  std::vector<Tensor> results;
  for (Value v : op->getResults())
    results.push_back(frame.get(v));
  return results;
}

FailureOr<std::vector<Tensor>>
heed::ref::interpret(func::FuncOp graph, ArrayRef<Tensor> inputs,
                     const llvm::StringMap<io::HostTensor> &params) {
  Frame frame;
  Evaluator evaluator(frame, params);
  Block &body = graph.getBody().front();
  for (auto [arg, value] : llvm::zip(body.getArguments(), inputs))
    frame.set(arg, value);
  for (Operation &op : body) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<Tensor> results;
      for (Value v : ret.getOperands())
        results.push_back(frame.get(v));
      return results;
    }
    if (auto param = dyn_cast<ParamOp>(op))
      if (!params.count(param.getName()))
        return op.emitError("parameter '")
               << param.getName() << "' has no value";
    if (failed(evaluate(evaluator, op)))
      return failure();
  }
  return graph.emitError("graph has no return");
}
