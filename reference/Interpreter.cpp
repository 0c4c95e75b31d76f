//===- Interpreter.cpp - Evaluate a heed/attn graph with plain loops ------===//

#include "Interpreter.h"
#include "Kernels.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"
#include "heed/ShapeUtils.h"

#include "llvm/ADT/TypeSwitch.h"

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
                                  : (double)v.getSExtValue();
    }
  }
  return t;
}

AttentionOptions attentionOptions(Attribute structure, Attribute topk,
                                  double scale, const Tensor *mask) {
  AttentionOptions o;
  o.scale = scale;
  o.mask = mask;
  if (isa_and_nonnull<attn::CausalAttr>(structure)) {
    o.structure.kind = AttentionStructure::Kind::Causal;
  } else if (auto w = dyn_cast_or_null<attn::WindowAttr>(structure)) {
    o.structure.kind = AttentionStructure::Kind::Window;
    o.structure.left = w.getLeft();
    o.structure.right = w.getRight();
  } else if (auto b = dyn_cast_or_null<attn::BlocksAttr>(structure)) {
    o.structure.kind = AttentionStructure::Kind::Blocks;
    o.structure.qBlock = b.getQBlock();
    o.structure.kBlock = b.getKBlock();
    for (Attribute row : b.getVisit()) {
      ArrayRef<int64_t> tiles = cast<DenseI64ArrayAttr>(row).asArrayRef();
      o.structure.visit.emplace_back(tiles.begin(), tiles.end());
    }
  }
  if (auto t = dyn_cast_or_null<attn::TopKAttr>(topk))
    o.topkRatio = t.getRatio().convertToDouble();
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

/// Evaluates one op, storing its results in \p frame. Returns false (after
/// reporting) for an op the interpreter does not know.
LogicalResult evalOp(Operation *op, Frame &frame,
                     const llvm::StringMap<io::HostTensor> &params) {
  auto in = [&](unsigned i) -> const Tensor & {
    return frame.get(op->getOperand(i));
  };
  auto out = [&](Tensor t, unsigned i = 0) {
    frame.set(op->getResult(i), std::move(t));
  };
  auto unaryOp = [&](UnaryKind k) { out(unary(k, in(0))); };
  auto binaryOp = [&](BinaryKind k) { out(binary(k, in(0), in(1))); };
  auto compareOp = [&](CompareKind k) { out(compare(k, in(0), in(1))); };
  auto reduceOp = [&](ReduceKind k, ArrayRef<int64_t> axes, bool keep) {
    out(reduce(k, in(0), std::vector<int64_t>(axes.begin(), axes.end()), keep));
  };
  bool known = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](ParamOp p) { out(fromHost(params.find(p.getName())->second)); })
      .Case([&](ConstantOp c) { out(constantTensor(c)); })
      .Case([&](IotaOp o) {
        out(iota(Shape(o.getShape().begin(), o.getShape().end()),
                 (int64_t)o.getAxis(), *toDType(o.getDtype())));
      })
      .Case([&](ExpOp) { unaryOp(UnaryKind::Exp); })
      .Case([&](LogOp) { unaryOp(UnaryKind::Log); })
      .Case([&](SqrtOp) { unaryOp(UnaryKind::Sqrt); })
      .Case([&](RsqrtOp) { unaryOp(UnaryKind::Rsqrt); })
      .Case([&](NegOp) { unaryOp(UnaryKind::Neg); })
      .Case([&](AbsOp) { unaryOp(UnaryKind::Abs); })
      .Case([&](TanhOp) { unaryOp(UnaryKind::Tanh); })
      .Case([&](SigmoidOp) { unaryOp(UnaryKind::Sigmoid); })
      .Case([&](ReluOp) { unaryOp(UnaryKind::Relu); })
      .Case([&](GeluOp) { unaryOp(UnaryKind::Gelu); })
      .Case([&](SiluOp) { unaryOp(UnaryKind::Silu); })
      .Case([&](NotOp) { unaryOp(UnaryKind::Not); })
      .Case([&](AddOp) { binaryOp(BinaryKind::Add); })
      .Case([&](SubOp) { binaryOp(BinaryKind::Sub); })
      .Case([&](MulOp) { binaryOp(BinaryKind::Mul); })
      .Case([&](DivOp) { binaryOp(BinaryKind::Div); })
      .Case([&](MaximumOp) { binaryOp(BinaryKind::Max); })
      .Case([&](MinimumOp) { binaryOp(BinaryKind::Min); })
      .Case([&](PowOp) { binaryOp(BinaryKind::Pow); })
      .Case([&](AndOp) { binaryOp(BinaryKind::And); })
      .Case([&](OrOp) { binaryOp(BinaryKind::Or); })
      .Case([&](EqOp) { compareOp(CompareKind::Eq); })
      .Case([&](NeOp) { compareOp(CompareKind::Ne); })
      .Case([&](LtOp) { compareOp(CompareKind::Lt); })
      .Case([&](LeOp) { compareOp(CompareKind::Le); })
      .Case([&](GtOp) { compareOp(CompareKind::Gt); })
      .Case([&](GeOp) { compareOp(CompareKind::Ge); })
      .Case([&](WhereOp) { out(where(in(0), in(1), in(2))); })
      .Case([&](CastOp o) { out(cast(in(0), *toDType(o.getDtype()))); })
      .Case([&](TransposeOp o) {
        out(transpose(in(0), std::vector<int64_t>(o.getPerm().begin(),
                                                  o.getPerm().end())));
      })
      .Case([&](ReshapeOp o) {
        out(reshape(in(0), Shape(o.getShape().begin(), o.getShape().end())));
      })
      .Case([&](BroadcastToOp o) {
        out(broadcastTo(in(0),
                        Shape(o.getShape().begin(), o.getShape().end())));
      })
      .Case([&](ConcatOp o) {
        std::vector<Tensor> xs;
        for (Value v : o.getInputs())
          xs.push_back(frame.get(v));
        out(concat(xs, (int64_t)o.getAxis()));
      })
      .Case([&](SplitOp o) {
        std::vector<Tensor> parts = split(
            in(0),
            std::vector<int64_t>(o.getSizes().begin(), o.getSizes().end()),
            (int64_t)o.getAxis());
        for (size_t i = 0; i < parts.size(); ++i)
          out(std::move(parts[i]), i);
      })
      .Case([&](SliceOp o) {
        out(slice(in(0), (int64_t)o.getAxis(), (int64_t)o.getStart(),
                  (int64_t)o.getEnd(), (int64_t)o.getStep()));
      })
      .Case(
          [&](GatherOp o) { out(gather(in(0), in(1), (int64_t)o.getAxis())); })
      .Case([&](EmbeddingOp) { out(embedding(in(0), in(1))); })
      .Case([&](TrilOp o) { out(tril(in(0), (int64_t)o.getK())); })
      .Case([&](TriuOp o) { out(triu(in(0), (int64_t)o.getK())); })
      .Case([&](MatmulOp) { out(matmul(in(0), in(1))); })
      .Case([&](LinearOp o) {
        out(linear(in(0), in(1), frame.getOrNull(o.getBias())));
      })
      .Case([&](SoftmaxOp o) { out(softmax(in(0), (int64_t)o.getAxis())); })
      .Case(
          [&](LogSoftmaxOp o) { out(logSoftmax(in(0), (int64_t)o.getAxis())); })
      .Case([&](LayerNormOp o) {
        out(layerNorm(in(0), &in(1), &in(2), o.getEps().convertToDouble()));
      })
      .Case([&](RmsNormOp o) {
        out(rmsNorm(in(0), &in(1), o.getEps().convertToDouble()));
      })
      .Case([&](BatchNormOp o) {
        out(batchNorm(in(0), in(1), in(2), in(3), in(4),
                      o.getEps().convertToDouble()));
      })
      .Case([&](ReduceSumOp o) {
        reduceOp(ReduceKind::Sum, o.getAxes(), o.getKeepdim());
      })
      .Case([&](ReduceMeanOp o) {
        reduceOp(ReduceKind::Mean, o.getAxes(), o.getKeepdim());
      })
      .Case([&](ReduceMaxOp o) {
        reduceOp(ReduceKind::Max, o.getAxes(), o.getKeepdim());
      })
      .Case([&](ReduceMinOp o) {
        reduceOp(ReduceKind::Min, o.getAxes(), o.getKeepdim());
      })
      .Case([&](TopKOp o) {
        auto [values, indices] =
            topK(in(0), (int64_t)o.getK(), (int64_t)o.getAxis());
        out(std::move(values), 0);
        out(std::move(indices), 1);
      })
      .Case([&](LstmOp o) {
        RnnResult r = lstm(in(0), &in(1), &in(2),
                           rnnWeights(frame, o.getWeights(), o.getHasBias()),
                           (int64_t)o.getNumLayers(), o.getBidirectional());
        out(std::move(r.sequence), 0);
        out(std::move(r.hidden), 1);
        out(std::move(r.cell), 2);
      })
      .Case([&](GruOp o) {
        RnnResult r = gru(in(0), &in(1),
                          rnnWeights(frame, o.getWeights(), o.getHasBias()),
                          (int64_t)o.getNumLayers(), o.getBidirectional());
        out(std::move(r.sequence), 0);
        out(std::move(r.hidden), 1);
      })
      .Case([&](Conv2dOp o) {
        out(conv2d(in(0), in(1), frame.getOrNull(o.getBias()),
                   window({}, o.getStride(), o.getPadding(), o.getDilation()),
                   (int64_t)o.getGroups()));
      })
      .Case([&](MaxPool2dOp o) {
        out(maxPool2d(in(0),
                      window(o.getKernel(), o.getStride(), o.getPadding())));
      })
      .Case([&](AvgPool2dOp o) {
        out(avgPool2d(in(0),
                      window(o.getKernel(), o.getStride(), o.getPadding())));
      })
      .Case([&](GlobalAvgPoolOp) { out(globalAvgPool(in(0))); })
      .Case([&](attn::AttentionOp o) {
        AttentionResult r =
            attention(in(0), in(1), in(2),
                      attentionOptions(o.getStructureAttr(), o.getTopkAttr(),
                                       o.getScale().convertToDouble(),
                                       frame.getOrNull(o.getMask())));
        out(std::move(r.out), 0);
        if (o.getReturnProbs())
          out(std::move(r.probs), 1);
      })
      .Case([&](attn::GatedAttentionOp o) {
        out(gatedAttention(in(0), in(1), in(2), in(3),
                           attentionOptions(o.getStructureAttr(),
                                            o.getTopkAttr(),
                                            o.getScale().convertToDouble(),
                                            frame.getOrNull(o.getMask()))));
      })
      .Case([&](attn::AdditiveAttentionOp o) {
        AdditiveAttentionResult r = additiveAttention(
            in(0), in(1), in(2), frame.getOrNull(o.getBias()));
        out(std::move(r.out), 0);
        out(std::move(r.alpha), 1);
      })
      .Default([&](Operation *) { known = false; });
  if (!known)
    return op->emitError("the reference interpreter does not know ")
           << op->getName();
  return success();
}

} // namespace

FailureOr<std::vector<Tensor>>
heed::ref::interpret(func::FuncOp graph, ArrayRef<Tensor> inputs,
                     const llvm::StringMap<io::HostTensor> &params) {
  Frame frame;
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
    try {
      if (failed(evalOp(&op, frame, params)))
        return failure();
    } catch (const KernelError &e) {
      return op.emitError(e.what());
    } catch (const std::exception &e) {
      return op.emitError("reference kernel failed: ") << e.what();
    }
  }
  return graph.emitError("graph has no return");
}
