//===- HeedWriter.cpp - A heed/attn graph written back as .heed -----------===//

#include "HeedWriter.h"
#include "Emitter.h"

#include "HostConversion.h"
#include "Interpreter.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"
#include "heed/HeedTraits.h"
#include "heed/ShapeUtils.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace heed;

namespace {

std::string list(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (auto [i, v] : llvm::enumerate(values))
    s += (i ? ", " : "") + std::to_string(v);
  return s + "]";
}

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// \p v as a .heed literal of element type \p et, if it has one.
std::optional<std::string> literal(ref::Scalar v, Type et) {
  if (et.isInteger(1))
    return std::string(v != 0 ? "true" : "false");
  if (isa<IntegerType>(et))
    return std::to_string((int64_t)v); // exact: Scalar holds every i64
  if (std::isnan(v))
    return std::nullopt;
  if (std::isinf(v))
    return std::string(v > 0 ? "inf" : "-inf");
  char buf[64];
  snprintf(buf, sizeof(buf), "%.17g", (double)v);
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos)
    s += ".0";
  return s;
}

/// A parameter path: characters outside [A-Za-z0-9_.] become '_'.
std::string pathOf(StringRef name) {
  std::string out;
  for (char c : name)
    out += (isalnum((unsigned char)c) || c == '_' || c == '.') ? c : '_';
  while (!out.empty() && out.front() == '.')
    out.erase(out.begin());
  while (!out.empty() && out.back() == '.')
    out.pop_back();
  return out.empty() ? "p" : out;
}

class Writer {
public:
  Writer(func::FuncOp graph, const WeightStore &params)
      : graph(graph), params(params) {}

  FailureOr<WrittenModel> run(StringRef origin);

private:
  func::FuncOp graph;
  const WeightStore &params;
  std::string body;
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Value, ref::Tensor> values;
  llvm::DenseSet<Value> runtime;
  llvm::StringSet<> usedNames;
  WeightStore out;
  /// Whether operands may be number literals (the elementwise builtins).
  bool scalarsAllowed = false;

  bool isRuntime(Value v) { return runtime.contains(v); }
  FailureOr<ref::Tensor> evaluate(Value v);
  /// A new value name for \p op's result: its node's name.
  std::string freshName(Operation *op);
  /// The node name of \p op as an identifier (not yet unique).
  std::string nodeBase(Operation *op);
  std::string uniqueName(std::string base);
  /// An expression for operand \p v of a runtime op.
  FailureOr<std::string> operand(Value v);
  /// Stores the weight-only \p v as the parameter \p name (false when the
  /// name holds another tensor).
  FailureOr<bool> store(const std::string &name, Value v);
  /// A prefix P under which the weight-only values \p vs are stored as
  /// P.<suffix>; \p hint is the first value's parameter name, if any.
  FailureOr<std::string> prefix(Operation *op,
                                ArrayRef<std::pair<std::string, Value>> vs);
  LogicalResult statement(Operation *op);
  /// A norm whose weights are computed from the inputs: the normalisation
  /// alone, then the weights applied with mul and add.
  LogicalResult affineNorm(Operation *op);
  void emit(Operation *op, const std::string &expr);
};

FailureOr<ref::Tensor> Writer::evaluate(Value v) {
  auto it = values.find(v);
  if (it != values.end())
    return it->second;
  Operation *op = v.getDefiningOp();
  if (!op)
    return failure();
  std::vector<ref::Tensor> results;
  if (auto param = dyn_cast<ParamOp>(op)) {
    auto p = params.find(param.getName());
    if (p == params.end())
      return op->emitError("parameter '")
             << param.getName() << "' has no value to write";
    results.push_back(ref::fromHost(p->second));
  } else {
    std::vector<ref::Tensor> operands;
    for (Value o : op->getOperands()) {
      auto t = evaluate(o);
      if (failed(t))
        return failure();
      operands.push_back(*t);
    }
    auto r = ref::evaluateOp(op, operands);
    if (failed(r))
      return failure();
    results = std::move(*r);
  }
  for (auto [result, t] : llvm::zip(op->getResults(), results))
    values[result] = t;
  return values[v];
}

/// Whether \p name is a keyword or a builtin's name, which stay free for
/// what they mean.
bool isReserved(StringRef name) {
  static const llvm::StringSet<> keywords = {
      "graph", "def",  "dim",    "return", "true", "false",
      "inf",   "none", "causal", "window", "topk", "f32",
      "bf16",  "f16",  "i64",    "i32",    "i1"};
  return keywords.contains(name) || getBuiltins().count(name);
}

std::string Writer::uniqueName(std::string base) {
  if (base.empty() || isdigit((unsigned char)base[0]))
    base = "v" + base;
  if (isReserved(base))
    base += "_";
  std::string name = base;
  for (int k = 2; !usedNames.insert(name).second; ++k)
    name = base + "_" + std::to_string(k);
  return name;
}

std::string Writer::freshName(Operation *op) {
  return uniqueName(nodeBase(op));
}

std::string Writer::nodeBase(Operation *op) {
  // "node '/encoder/layer.0/attention/self/MatMul_1' (MatMul)" ->
  // encoder_layer_0_attention_self_MatMul_1.
  std::string base;
  if (auto loc = dyn_cast<NameLoc>(op->getLoc())) {
    StringRef text = loc.getName().getValue();
    if (text.consume_front("node '"))
      text = text.take_until([](char c) { return c == '\''; });
    for (char c : text)
      base += isalnum((unsigned char)c) ? c : '_';
    while (!base.empty() && base.front() == '_')
      base.erase(base.begin());
    while (!base.empty() && base.back() == '_')
      base.pop_back();
    std::string squeezed;
    for (char c : base)
      if (c != '_' || squeezed.empty() || squeezed.back() != '_')
        squeezed += c;
    base = squeezed;
  }
  return base.empty() ? "t" : base;
}

FailureOr<bool> Writer::store(const std::string &name, Value v) {
  auto t = evaluate(v);
  if (failed(t))
    return failure();
  io::HostTensor host = ref::toHost(*t);
  auto it = out.find(name);
  if (it != out.end())
    return it->second.dtype == host.dtype && it->second.shape == host.shape &&
           it->second.data == host.data;
  out[name] = std::move(host);
  return true;
}

FailureOr<std::string> Writer::operand(Value v) {
  if (isRuntime(v))
    return names[v];
  auto type = typeOf(v);
  auto t = evaluate(v);
  if (failed(t))
    return failure();
  Type et = type.getElementType();
  // Equal bits: -0.0 is not 0.0, and NaNs are equal (a Scalar's padding
  // bytes are not compared).
  ref::Scalar first = t->numel() > 0 ? t->data[0] : 0;
  bool splat = t->numel() > 0 && llvm::all_of(t->data, [&](ref::Scalar x) {
                 return std::signbit(x) == std::signbit(first) &&
                        (x == first || (std::isnan(x) && std::isnan(first)));
               });
  if (splat) {
    if (auto lit = literal(t->data[0], et)) {
      if (type.getRank() == 0 && scalarsAllowed)
        return *lit;
      if (type.getRank() == 0 && !et.isInteger(1))
        return "full([], " + *lit + ", dtype=" + formatElementType(et) + ")";
      if (et.isInteger(1))
        return std::string(t->data[0] != 0 ? "ones(" : "zeros(") +
               list(type.getShape()) + ", dtype=i1)";
      return "full(" + list(type.getShape()) + ", " + *lit +
             ", dtype=" + formatElementType(et) + ")";
    }
  }
  // A named parameter: the model's own name when it is one.
  auto it = names.find(v);
  if (it != names.end())
    return it->second;
  std::string path;
  if (auto param = v.getDefiningOp<ParamOp>())
    path = pathOf(param.getName());
  else
    path = "const." + nodeBase(v.getDefiningOp());
  std::string name = path;
  for (int k = 2;; ++k) {
    auto stored = store(name, v);
    if (failed(stored))
      return failure();
    if (*stored)
      break;
    name = path + "_" + std::to_string(k);
  }
  // The variable: the parameter's own name made an identifier.
  std::string var;
  for (char c : name)
    var += isalnum((unsigned char)c) ? c : '_';
  var = uniqueName(var);
  body += "  " + var + " = parameter[" + name + "](" + list(type.getShape()) +
          ", dtype=" + formatElementType(et) + ")\n";
  names[v] = var;
  return var;
}

FailureOr<std::string>
Writer::prefix(Operation *op, ArrayRef<std::pair<std::string, Value>> vs) {
  for (auto &[suffix, v] : vs)
    if (isRuntime(v))
      return op->emitError("heed-import: the ")
             << suffix << " of " << op->getName()
             << " is computed from the graph's inputs; the .heed op takes it "
                "as a parameter";
  std::string base;
  if (auto param = vs.front().second.getDefiningOp<ParamOp>()) {
    StringRef name = param.getName();
    std::string suffix = "." + vs.front().first;
    if (name.ends_with(suffix))
      base = pathOf(name.drop_back(suffix.size()));
  }
  if (base.empty())
    base = nodeBase(op);
  std::string p = base;
  for (int k = 2;; ++k) {
    bool fits = true;
    for (auto &[suffix, v] : vs) {
      auto it = out.find(p + "." + suffix);
      if (it == out.end())
        continue;
      auto t = evaluate(v);
      if (failed(t))
        return failure();
      io::HostTensor host = ref::toHost(*t);
      fits &= it->second.shape == host.shape && it->second.data == host.data &&
              it->second.dtype == host.dtype;
    }
    if (fits)
      break;
    p = base + "_" + std::to_string(k);
  }
  for (auto &[suffix, v] : vs)
    if (failed(store(p + "." + suffix, v)))
      return failure();
  return p;
}

void Writer::emit(Operation *op, const std::string &expr) {
  std::string lhs;
  for (Value r : op->getResults()) {
    std::string name = freshName(op);
    names[r] = name;
    lhs += (lhs.empty() ? "" : ", ") + name;
  }
  body += "  " + lhs + " = " + expr + "\n";
}

LogicalResult Writer::statement(Operation *op) {
  // Operands first: their parameter statements come before the op.
  SmallVector<std::string> ops;
  auto args = [&](ArrayRef<Value> vs) -> LogicalResult {
    ops.clear();
    for (Value v : vs) {
      auto e = operand(v);
      if (failed(e))
        return failure();
      ops.push_back(*e);
    }
    return success();
  };
  auto call = [&](StringRef fn, ArrayRef<std::string> extra = {}) {
    std::string s = fn.str() + "(";
    bool first = true;
    for (const std::string &a : ops) {
      s += (first ? "" : ", ") + a;
      first = false;
    }
    for (const std::string &a : extra) {
      s += (first ? "" : ", ") + a;
      first = false;
    }
    return s + ")";
  };
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  auto all = SmallVector<Value>(op->getOperands());
  StringRef mnemonic = op->getName().stripDialect();
  // The usual statement: every operand, then `fn(operands, extra...)`.
  auto simpleCall = [&](StringRef fn,
                        ArrayRef<std::string> extra = {}) -> LogicalResult {
    if (failed(args(all)))
      return failure();
    emit(op, call(fn, extra));
    return success();
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case<TransposeOp>([&](TransposeOp o) -> LogicalResult {
        return simpleCall("permute", {list(o.getPerm())});
      })
      .Case<ReshapeOp, BroadcastToOp>([&](Operation *o) -> LogicalResult {
        if (failed(args(all)))
          return failure();
        auto shape = o->getAttrOfType<DenseI64ArrayAttr>("shape");
        emit(op, call(mnemonic, {list(shape.asArrayRef())}));
        return success();
      })
      .Case<ConcatOp>([&](ConcatOp o) -> LogicalResult {
        return simpleCall("concat", {"axis=" + std::to_string(o.getAxis())});
      })
      .Case<SplitOp>([&](SplitOp o) -> LogicalResult {
        return simpleCall("split", {list(o.getSizes()),
                                    "axis=" + std::to_string(o.getAxis())});
      })
      .Case<SliceOp>([&](SliceOp o) -> LogicalResult {
        return simpleCall("slice", {std::to_string(o.getAxis()),
                                    "start=" + std::to_string(o.getStart()),
                                    "end=" + std::to_string(o.getEnd()),
                                    "step=" + std::to_string(o.getStep())});
      })
      .Case<GatherOp>([&](GatherOp o) -> LogicalResult {
        return simpleCall("gather", {"axis=" + std::to_string(o.getAxis())});
      })
      .Case<ScatterOp>([&](ScatterOp o) -> LogicalResult {
        if (failed(args(all)))
          return failure();
        emit(op, "scatter(" + ops[0] + ", " + std::to_string(o.getAxis()) +
                     ", " + ops[1] + ", " + ops[2] + ")");
        return success();
      })
      .Case<EmbeddingOp>([&](EmbeddingOp o) -> LogicalResult {
        if (failed(args({o.getWeight(), o.getIds()})))
          return failure();
        emit(op, call("gather", {"axis=0"}));
        return success();
      })
      .Case<TrilOp, TriuOp>([&](Operation *o) -> LogicalResult {
        if (failed(args(all)))
          return failure();
        emit(op,
             call(mnemonic,
                  {"k=" + std::to_string(
                              o->getAttrOfType<IntegerAttr>("k").getInt())}));
        return success();
      })
      .Case<CastOp>([&](CastOp o) -> LogicalResult {
        return simpleCall("cast", {formatElementType(o.getDtype())});
      })
      .Case<SoftmaxOp, LogSoftmaxOp>([&](Operation *o) -> LogicalResult {
        return simpleCall(
            mnemonic,
            {"axis=" +
             std::to_string(o->getAttrOfType<IntegerAttr>("axis").getInt())});
      })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp>(
          [&](Operation *o) {
            if (failed(args(all)))
              return failure();
            auto axes = o->getAttrOfType<DenseI64ArrayAttr>("axes");
            auto keep = o->getAttrOfType<BoolAttr>("keepdim");
            emit(op, call(mnemonic, {"axis=" + list(axes.asArrayRef()),
                                     "keepdim=" + b(keep && keep.getValue())}));
            return success();
          })
      .Case<CumsumOp>([&](CumsumOp o) -> LogicalResult {
        return simpleCall("cumsum", {"axis=" + std::to_string(o.getAxis())});
      })
      .Case<TopKOp>([&](TopKOp o) -> LogicalResult {
        return simpleCall("top_k", {std::to_string(o.getK()),
                                    "axis=" + std::to_string(o.getAxis())});
      })
      .Case<IotaOp>([&](IotaOp o) -> LogicalResult {
        ops.clear();
        emit(op, call("iota", {list(o.getShape()),
                               "axis=" + std::to_string(o.getAxis()),
                               "dtype=" + formatElementType(o.getDtype())}));
        return success();
      })
      .Case<LinearOp>([&](LinearOp o) -> LogicalResult {
        if (isRuntime(o.getWeight()) ||
            (o.getBias() && isRuntime(o.getBias()))) {
          // x . w^T (+ b) with a computed weight.
          auto x = operand(o.getInput()), w = operand(o.getWeight());
          if (failed(x) || failed(w))
            return failure();
          std::string e = "matmul(" + *x + ", transpose(" + *w + "))";
          if (o.getBias()) {
            auto bias = operand(o.getBias());
            if (failed(bias))
              return failure();
            e = "add(" + e + ", " + *bias + ")";
          }
          emit(op, e);
          return success();
        }
        SmallVector<std::pair<std::string, Value>> ps{
            {"weight", o.getWeight()}};
        if (o.getBias())
          ps.push_back({"bias", o.getBias()});
        auto p = prefix(op, ps);
        auto x = operand(o.getInput());
        if (failed(p) || failed(x))
          return failure();
        emit(op, "linear[" + *p + "](" + *x + ", out=" +
                     std::to_string(typeOf(o.getWeight()).getDimSize(0)) +
                     ", bias=" + b((bool)o.getBias()) + ")");
        return success();
      })
      .Case<LayerNormOp, RmsNormOp>([&](Operation *o) -> LogicalResult {
        if (llvm::any_of(o->getOperands().drop_front(),
                         [&](Value v) { return isRuntime(v); }))
          return affineNorm(o);
        SmallVector<std::pair<std::string, Value>> ps{
            {"weight", o->getOperand(1)}};
        if (isa<LayerNormOp>(o))
          ps.push_back({"bias", o->getOperand(2)});
        auto p = prefix(op, ps);
        auto x = operand(o->getOperand(0));
        if (failed(p) || failed(x))
          return failure();
        auto eps = o->getAttrOfType<FloatAttr>("eps").getValueAsDouble();
        emit(op, mnemonic.str() + "[" + *p + "](" + *x + ", eps=" +
                     *literal(eps, FloatType::getF64(op->getContext())) + ")");
        return success();
      })
      .Case<BatchNormOp>([&](BatchNormOp o) -> LogicalResult {
        if (llvm::any_of(o->getOperands().drop_front(),
                         [&](Value v) { return isRuntime(v); }))
          return affineNorm(o);
        auto p = prefix(op, {{"weight", o.getWeight()},
                             {"bias", o.getBias()},
                             {"running_mean", o.getRunningMean()},
                             {"running_var", o.getRunningVar()}});
        auto x = operand(o.getInput());
        if (failed(p) || failed(x))
          return failure();
        emit(op, "batch_norm[" + *p + "](" + *x + ", eps=" +
                     *literal(o.getEps().convertToDouble(),
                              FloatType::getF64(op->getContext())) +
                     ")");
        return success();
      })
      .Case<Conv2dOp>([&](Conv2dOp o) -> LogicalResult {
        SmallVector<std::pair<std::string, Value>> ps{
            {"weight", o.getWeight()}};
        if (o.getBias())
          ps.push_back({"bias", o.getBias()});
        auto p = prefix(op, ps);
        auto x = operand(o.getInput());
        if (failed(p) || failed(x))
          return failure();
        auto w = typeOf(o.getWeight()).getShape();
        emit(op, "conv2d[" + *p + "](" + *x + ", out=" + std::to_string(w[0]) +
                     ", kernel=" + list(w.drop_front(2)) + ", stride=" +
                     list(o.getStride()) + ", padding=" + list(o.getPadding()) +
                     ", dilation=" + list(o.getDilation()) +
                     ", groups=" + std::to_string(o.getGroups()) +
                     ", bias=" + b((bool)o.getBias()) + ")");
        return success();
      })
      .Case<LstmOp, GruOp>([&](Operation *o) -> LogicalResult {
        bool lstm = isa<LstmOp>(o);
        auto hidden = o->getAttrOfType<IntegerAttr>("hidden_size").getInt();
        auto layers = o->getAttrOfType<IntegerAttr>("num_layers").getInt();
        bool bidi = o->getAttrOfType<BoolAttr>("bidirectional").getValue();
        bool hasBias = o->getAttrOfType<BoolAttr>("has_bias").getValue();
        unsigned first = lstm ? 3 : 2;
        SmallVector<std::pair<std::string, Value>> ps;
        unsigned k = first;
        for (int64_t l = 0; l < layers; ++l)
          for (int d = 0; d < (bidi ? 2 : 1); ++d) {
            std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
            ps.push_back({"weight_ih" + sfx, o->getOperand(k++)});
            ps.push_back({"weight_hh" + sfx, o->getOperand(k++)});
            if (hasBias) {
              ps.push_back({"bias_ih" + sfx, o->getOperand(k++)});
              ps.push_back({"bias_hh" + sfx, o->getOperand(k++)});
            }
          }
        auto p = prefix(op, ps);
        SmallVector<Value> operands(o->getOperands().take_front(first));
        Value lengths =
            lstm ? cast<LstmOp>(o).getLengths() : cast<GruOp>(o).getLengths();
        if (lengths)
          operands.push_back(lengths);
        if (failed(p) || failed(args(operands)))
          return failure();
        emit(op, mnemonic.str() + "[" + *p + "](" + ops[0] + ", " + ops[1] +
                     (lstm ? ", " + ops[2] : "") +
                     ", hidden=" + std::to_string(hidden) +
                     ", layers=" + std::to_string(layers) +
                     ", bidirectional=" + b(bidi) + ", bias=" + b(hasBias) +
                     (lengths ? ", lengths=" + ops.back() : "") + ")");
        return success();
      })
      .Case<MaxPool2dOp, AvgPool2dOp>([&](Operation *o) -> LogicalResult {
        if (failed(args(all)))
          return failure();
        auto get = [&](StringRef n) {
          return list(o->getAttrOfType<DenseI64ArrayAttr>(n).asArrayRef());
        };
        emit(op, call(mnemonic,
                      {"kernel=" + get("kernel"), "stride=" + get("stride"),
                       "padding=" + get("padding")}));
        return success();
      })
      .Case<attn::AttentionOp>([&](attn::AttentionOp o) -> LogicalResult {
        if (failed(args({o.getQuery(), o.getKey(), o.getValue()})))
          return failure();
        SmallVector<std::string> extra{
            "scale=" + *literal(o.getScale().convertToDouble(),
                                FloatType::getF64(op->getContext()))};
        if (auto s = o.getStructureAttr()) {
          if (isa<attn::CausalAttr>(s))
            extra.push_back("mask=causal");
          else if (auto w = dyn_cast<attn::WindowAttr>(s))
            extra.push_back("mask=window(" + std::to_string(w.getLeft()) +
                            ", " + std::to_string(w.getRight()) + ")");
          else
            return op->emitError("heed-import: a block structure has no "
                                 ".heed spelling");
        }
        if (o.getMask()) {
          if (o.getStructureAttr())
            return op->emitError("heed-import: a mask tensor with a "
                                 "structure has no .heed spelling");
          auto m = operand(o.getMask());
          if (failed(m))
            return failure();
          extra.push_back("mask=" + *m);
        }
        if (o.getTopkAttr())
          return op->emitError("heed-import: top-k sparsity is not written");
        if (o.getReturnProbs())
          extra.push_back("probs=true");
        emit(op, call("attention", extra));
        return success();
      })
      .Case<ParamOp, ConstantOp>([&](Operation *) -> LogicalResult {
        return op->emitError("heed-import: internal error: a weight-only op "
                             "as a statement");
      })
      .Default([&](Operation *o) -> LogicalResult {
        // Elementwise ops and the others spelled as their own name.
        bool simple = o->hasTrait<heed::OpTrait::ElementwiseMap>() ||
                      isa<MatmulOp, WhereOp, GlobalAvgPoolOp>(o);
        if (!simple || !getBuiltins().count(mnemonic))
          return o->emitError("heed-import: ")
                 << o->getName() << " has no .heed spelling here";
        scalarsAllowed = !isa<MatmulOp, GlobalAvgPoolOp>(o);
        LogicalResult ok = args(all);
        scalarsAllowed = false;
        if (failed(ok))
          return failure();
        emit(op, call(mnemonic));
        return success();
      });
}

LogicalResult Writer::affineNorm(Operation *op) {
  auto x = operand(op->getOperand(0));
  if (failed(x))
    return failure();
  std::string eps =
      *literal(op->getAttrOfType<FloatAttr>("eps").getValueAsDouble(),
               FloatType::getF64(op->getContext()));
  auto type = typeOf(op->getOperand(0));
  std::string et = formatElementType(type.getElementType());
  SmallVector<std::string> w;
  for (Value v : op->getOperands().drop_front()) {
    auto e = operand(v);
    if (failed(e))
      return failure();
    w.push_back(*e);
  }
  std::string expr;
  if (auto bn = dyn_cast<BatchNormOp>(op)) {
    // (x - mean[c]) * rsqrt(var[c] + eps) * w[c] + b[c], per channel c of
    // [N, C, ...].
    SmallVector<int64_t> shape{type.getDimSize(1)};
    shape.append(type.getRank() - 2, 1);
    auto c = [&](const std::string &e) {
      return "reshape(" + e + ", " + list(shape) + ")";
    };
    expr = "add(mul(mul(sub(" + *x + ", " + c(w[2]) + "), rsqrt(add(" +
           c(w[3]) + ", " + eps + "))), " + c(w[0]) + "), " + c(w[1]) + ")";
  } else {
    // The norm with unit weight (and zero bias), then the weights.
    int64_t d = type.getShape().back();
    bool layer = isa<LayerNormOp>(op);
    std::string p = "unit." + nodeBase(op);
    io::HostTensor ones;
    ones.dtype = *toDType(type.getElementType());
    ones.shape = {d};
    ones.data.assign(ones.nbytes(), 0);
    io::HostTensor zeros = ones;
    for (int64_t i = 0; i < d; ++i)
      io::storeElement(ones, i, 1.0);
    out[p + ".weight"] = ones;
    if (layer)
      out[p + ".bias"] = zeros;
    std::string norm = op->getName().stripDialect().str() + "[" + p + "](" +
                       *x + ", eps=" + eps + ")";
    expr = "mul(" + norm + ", " + w[0] + ")";
    if (layer)
      expr = "add(" + expr + ", " + w[1] + ")";
    (void)et;
  }
  emit(op, expr);
  return success();
}

FailureOr<WrittenModel> Writer::run(StringRef origin) {
  Block &block = graph.getBody().front();
  std::string header;
  header += "# Imported from " + origin.str() +
            " by heed-import; the weights are in the safetensors file\n"
            "# written beside this one (heed-run M.heed --weights=M.safetensors"
            ").\n";
  // Output names are reserved: `return y = EXPR` needs y free.
  for (unsigned i = 0; i < graph.getNumResults(); ++i)
    if (auto name = graph.getResultAttrOfType<StringAttr>(i, kNameAttrName))
      usedNames.insert(name.getValue());
  // A model named after a builtin (cumsum.onnx) gets a graph name of its own.
  std::string graphName = graph.getSymName().str();
  if (isReserved(graphName))
    graphName += "_";
  std::string signature = "graph " + graphName + "(";
  for (BlockArgument arg : block.getArguments()) {
    auto name =
        graph.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttrName);
    std::string id =
        name ? name.str() : "x" + std::to_string(arg.getArgNumber());
    usedNames.insert(id);
    names[arg] = id;
    runtime.insert(arg);
    signature += (arg.getArgNumber() ? ", " : "") + id + ": " +
                 formatType(arg.getType());
  }
  signature += ") {\n";
  for (Operation &op : block) {
    if (isa<func::ReturnOp>(op))
      break;
    bool dependsOnInputs =
        isa<IotaOp>(op) ||
        llvm::any_of(op.getOperands(), [&](Value v) { return isRuntime(v); });
    // Iota is cheap to spell; everything else that reads no input is a
    // value computed once, here, and written as a weight.
    if (isa<IotaOp>(op) && op.getResult(0).use_empty())
      continue;
    if (!dependsOnInputs)
      continue;
    for (Value r : op.getResults())
      runtime.insert(r);
    if (failed(statement(&op)))
      return failure();
  }
  auto ret = cast<func::ReturnOp>(block.getTerminator());
  std::string returns;
  llvm::StringSet<> returned;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto nameAttr = graph.getResultAttrOfType<StringAttr>(i, kNameAttrName);
    std::string name = nameAttr ? nameAttr.str() : "y" + std::to_string(i);
    auto e = operand(v);
    if (failed(e))
      return failure();
    // An output is a tensor: a scalar literal is written as a rank-0 full.
    if (!isRuntime(v) && typeOf(v).getRank() == 0 && !names.count(v))
      *e = "full([], " + *e +
           ", dtype=" + formatElementType(typeOf(v).getElementType()) + ")";
    returns += (i ? ", " : "") + name;
    if (*e != name)
      returns += " = " + *e;
  }
  WrittenModel model;
  model.text = header + signature + body + "  return " + returns + "\n}\n";
  model.weights = std::move(out);
  return model;
}

} // namespace

FailureOr<WrittenModel> heed::writeHeed(func::FuncOp graph,
                                        const WeightStore &params,
                                        StringRef origin) {
  return Writer(graph, params).run(origin);
}
