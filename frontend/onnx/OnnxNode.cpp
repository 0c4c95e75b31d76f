//===- OnnxNode.cpp - What an op converter sees of one ONNX node ----------===//

#include "OnnxNode.h"
#include "Compose.h"
#include "GraphImporter.h"
#include "OnnxTensors.h"

#include "heed/ShapeUtils.h"

using namespace mlir;
using namespace heed;
using namespace heed::onnx_import;

OnnxNode::OnnxNode(GraphImporter &graph, const onnx::NodeProto &proto,
                   Location loc, int64_t opset)
    : graph(graph), node(proto), location(loc), opsetVersion(opset) {}

OpBuilder &OnnxNode::builder() { return graph.builder(); }

bool OnnxNode::hasInput(unsigned i) const {
  return i < numInputs() && !node.input(i).empty();
}

Value OnnxNode::input(unsigned i) const {
  return hasInput(i) ? graph.lookup(node.input(i)) : Value();
}

FailureOr<Value> OnnxNode::requiredInput(unsigned i) {
  if (!hasInput(i))
    return error() << opType() << " needs input " << i;
  return input(i);
}

RankedTensorType OnnxNode::inputType(unsigned i) const {
  return mlir::cast<RankedTensorType>(input(i).getType());
}

DenseElementsAttr OnnxNode::constValue(unsigned i) const {
  if (!hasInput(i))
    return nullptr;
  Value v = input(i);
  if (auto c = v.getDefiningOp<ConstantOp>())
    return mlir::cast<DenseElementsAttr>(c.getValue());
  // An initializer read where Heed needs a value at compile time (Resize's
  // scales, a Pad's pads): the model's own value.
  if (auto p = v.getDefiningOp<ParamOp>())
    if (const io::HostTensor *t = graph.paramValue(p.getName()))
      return toAttr(*t, v.getContext());
  return nullptr;
}

bool OnnxNode::isConstInput(unsigned i) const { return (bool)constValue(i); }

FailureOr<SmallVector<int64_t>> OnnxNode::constInts(unsigned i,
                                                    StringRef what) {
  if (!hasInput(i))
    return error() << opType() << " needs its " << what << " (input " << i
                   << ")";
  DenseElementsAttr attr = constValue(i);
  if (!attr)
    return error() << "the " << what << " of " << opType() << " (input '"
                   << node.input(i)
                   << "') is not known at compile time; Heed needs static "
                      "shapes (bind symbolic dimensions with --dim, inputs "
                      "with --const)";
  if (isa<FloatType>(attr.getElementType()))
    return error() << "the " << what << " of " << opType()
                   << " must be integers";
  return intValues(attr);
}

FailureOr<SmallVector<double>> OnnxNode::constDoubles(unsigned i,
                                                      StringRef what) {
  if (!hasInput(i))
    return error() << opType() << " needs its " << what << " (input " << i
                   << ")";
  DenseElementsAttr attr = constValue(i);
  if (!attr)
    return error() << "the " << what << " of " << opType() << " (input '"
                   << node.input(i) << "') is not known at compile time";
  return doubleValues(attr);
}

/// The one value of \p values, or an error at \p n saying that its \p what
/// must be one value.
template <typename T>
static FailureOr<T> oneValue(OnnxNode &n, FailureOr<SmallVector<T>> values,
                             StringRef what) {
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return n.error() << "the " << what << " of " << n.opType()
                     << " must be one value, got " << values->size();
  return values->front();
}

FailureOr<int64_t> OnnxNode::constInt(unsigned i, StringRef what) {
  return oneValue(*this, constInts(i, what), what);
}

FailureOr<double> OnnxNode::constDouble(unsigned i, StringRef what) {
  return oneValue(*this, constDoubles(i, what), what);
}

const onnx::AttributeProto *OnnxNode::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t OnnxNode::getInt(StringRef name, int64_t dflt) const {
  const auto *a = attr(name);
  return a ? a->i() : dflt;
}

float OnnxNode::getFloat(StringRef name, float dflt) const {
  const auto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string OnnxNode::getString(StringRef name, StringRef dflt) const {
  const auto *a = attr(name);
  return a ? a->s() : dflt.str();
}

SmallVector<int64_t> OnnxNode::getInts(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return {};
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

SmallVector<float> OnnxNode::getFloats(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return {};
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

bool OnnxNode::hasOutput(unsigned i) const {
  return i < numOutputs() && !node.output(i).empty();
}

void OnnxNode::setOutput(unsigned i, Value v) {
  if (hasOutput(i))
    graph.bind(node.output(i), v);
}

Value OnnxNode::constant(RankedTensorType type, ArrayRef<double> values) {
  io::HostTensor t;
  t.dtype = *toDType(type.getElementType());
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  t.data.resize(t.nbytes());
  for (size_t i = 0; i < values.size(); ++i)
    io::storeElement(t, i, values[i]);
  auto attr = toAttr(t, context());
  return builder().create<ConstantOp>(location, attr.getType(), attr);
}

Value OnnxNode::splat(double v, Type type, ArrayRef<int64_t> shape) {
  return compose::splat(builder(), location, v, type, shape);
}

Value OnnxNode::i64s(ArrayRef<int64_t> values) {
  auto type =
      RankedTensorType::get({(int64_t)values.size()}, builder().getI64Type());
  return constant(type, SmallVector<double>(values.begin(), values.end()));
}

Value OnnxNode::tensorValue(const io::HostTensor &t, StringRef name) {
  return graph.tensorValue(t, name, location);
}

std::string OnnxNode::readTensor(const onnx::TensorProto &proto,
                                 io::HostTensor &out) {
  return onnx_import::readTensor(proto, graph.modelDir(), out);
}

FailureOr<Value> OnnxNode::reshape(Value v, ArrayRef<int64_t> shape) {
  if (mlir::cast<RankedTensorType>(v.getType()).getShape() == shape)
    return v;
  return value<ReshapeOp>(
      v,
      {builder().getNamedAttr("shape", builder().getDenseI64ArrayAttr(shape))});
}

FailureOr<Value> OnnxNode::transpose(Value v, ArrayRef<int64_t> perm) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= (int64_t)i == p;
  if (identity)
    return v;
  return value<TransposeOp>(
      v,
      {builder().getNamedAttr("perm", builder().getDenseI64ArrayAttr(perm))});
}

FailureOr<Value> OnnxNode::cast(Value v, Type elementType) {
  if (mlir::cast<RankedTensorType>(v.getType()).getElementType() == elementType)
    return v;
  return value<CastOp>(
      v, {builder().getNamedAttr("dtype", TypeAttr::get(elementType))});
}

NamedAttribute OnnxNode::i64Attr(StringRef name, int64_t v) {
  return builder().getNamedAttr(name, builder().getI64IntegerAttr(v));
}

NamedAttribute OnnxNode::arrayAttr(StringRef name, ArrayRef<int64_t> v) {
  return builder().getNamedAttr(name, builder().getDenseI64ArrayAttr(v));
}

LogicalResult OnnxNode::result(FailureOr<Value> v) {
  if (failed(v))
    return failure();
  setOutput(0, *v);
  return success();
}

LogicalResult OnnxNode::requireRank(unsigned i, int64_t lo, int64_t hi) {
  if (!hasInput(i))
    return error() << opType() << " needs input " << i;
  int64_t rank = inputType(i).getRank();
  if (rank >= lo && rank <= hi)
    return success();
  InFlightDiagnostic d = error() << opType() << ": input " << i << " ('"
                                 << node.input(i) << "') has rank " << rank
                                 << "; expected ";
  if (lo == hi)
    d << lo;
  else
    d << lo << " to " << hi;
  return d;
}

InFlightDiagnostic OnnxNode::error() { return emitError(location); }

LogicalResult OnnxNode::unsupported(const Twine &what) {
  return error() << opType() << ": " << what << " is not supported";
}

FailureOr<int64_t> onnx_import::normalizeAxis(OnnxNode &node, int64_t axis,
                                              int64_t rank) {
  if (axis < -rank || axis >= rank)
    return node.error() << node.opType() << ": axis " << axis
                        << " is out of range for rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

const llvm::StringMap<OpConverter> &onnx_import::opConverters() {
  static const llvm::StringMap<OpConverter> table = [] {
    llvm::StringMap<OpConverter> t;
    addElementwiseOps(t);
    addShapeOps(t);
    addNeuralOps(t);
    addConvOps(t);
    addAttentionOps(t);
    addRecurrentOps(t);
    addResizeOps(t);
    return t;
  }();
  return table;
}
