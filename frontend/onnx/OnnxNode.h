//===- OnnxNode.h - What an op converter sees of one ONNX node --*- C++ -*-===//
//
// Each ONNX op type has a converter, `LogicalResult(OnnxNode &)`, that reads
// the node's inputs and attributes here and emits heed/attn ops for its
// outputs. Converters live in files by op family (OnnxElementwiseOps.cpp,
// OnnxShapeOps.cpp, ...) and register themselves in the OpConverters table.
// Errors go through OnnxNode::error(), located at the node.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_ONNX_ONNXNODE_H
#define HEED_FRONTEND_ONNX_ONNXNODE_H

#include "heed/CreateInferred.h"
#include "heed/HeedOps.h"
#include "heed/io/HostTensor.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <optional>
#include <string>

namespace heed::onnx_import {

class GraphImporter;

/// One ONNX node being converted.
class OnnxNode {
public:
  OnnxNode(GraphImporter &graph, const onnx::NodeProto &proto,
           mlir::Location loc, int64_t opset);

  const onnx::NodeProto &proto() const { return node; }
  llvm::StringRef opType() const { return node.op_type(); }
  /// The opset version of the default domain the model imports.
  int64_t opset() const { return opsetVersion; }
  mlir::Location loc() const { return location; }
  mlir::OpBuilder &builder();
  mlir::MLIRContext *context() { return builder().getContext(); }

  // Inputs. An input given as "" (skipped optional input) is absent.
  unsigned numInputs() const { return node.input_size(); }
  bool hasInput(unsigned i) const;
  /// Input \p i; null when absent.
  mlir::Value input(unsigned i) const;
  /// Input \p i, or an error naming it when absent.
  mlir::FailureOr<mlir::Value> requiredInput(unsigned i);
  /// The static type of input \p i (it must be present).
  mlir::RankedTensorType inputType(unsigned i) const;
  /// The values of constant input \p i (integers or booleans), or an error
  /// saying that \p what must be known at compile time.
  mlir::FailureOr<llvm::SmallVector<int64_t>> constInts(unsigned i,
                                                        llvm::StringRef what);
  /// The values of constant input \p i as doubles.
  mlir::FailureOr<llvm::SmallVector<double>> constDoubles(unsigned i,
                                                          llvm::StringRef what);
  /// The one value of constant input \p i (a scalar or a tensor of one
  /// element), or an error saying what it must be.
  mlir::FailureOr<int64_t> constInt(unsigned i, llvm::StringRef what);
  mlir::FailureOr<double> constDouble(unsigned i, llvm::StringRef what);
  /// Whether input \p i is present and a compile-time constant.
  bool isConstInput(unsigned i) const;
  /// The value of input \p i when known at compile time: a constant, or an
  /// initializer (a parameter), whose value is the model's own.
  mlir::DenseElementsAttr constValue(unsigned i) const;

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t getInt(llvm::StringRef name, int64_t dflt) const;
  float getFloat(llvm::StringRef name, float dflt) const;
  std::string getString(llvm::StringRef name, llvm::StringRef dflt) const;
  llvm::SmallVector<int64_t> getInts(llvm::StringRef name) const;
  llvm::SmallVector<float> getFloats(llvm::StringRef name) const;

  // Outputs.
  unsigned numOutputs() const { return node.output_size(); }
  /// Whether output \p i is requested (present and non-empty).
  bool hasOutput(unsigned i) const;
  /// Binds output \p i (ignored when the node does not request it).
  void setOutput(unsigned i, mlir::Value v);

  // Building.
  /// Creates an \p OpTy with inferred result types; a shape error is
  /// reported at the node.
  template <typename OpTy>
  mlir::FailureOr<OpTy>
  create(mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return createInferred<OpTy>(builder(), location, operands, attrs,
                                /*diagnose=*/true);
  }
  /// As create, returning the first result.
  template <typename OpTy>
  mlir::FailureOr<mlir::Value>
  value(mlir::ValueRange operands,
        llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    auto op = create<OpTy>(operands, attrs);
    if (mlir::failed(op))
      return mlir::failure();
    return op->getOperation()->getResult(0);
  }
  /// A constant of \p shape filled with \p v, of element type \p type.
  mlir::Value splat(double v, mlir::Type type,
                    llvm::ArrayRef<int64_t> shape = {});
  /// A rank-1 i64 constant.
  mlir::Value i64s(llvm::ArrayRef<int64_t> values);
  /// A constant of the given type and values.
  mlir::Value constant(mlir::RankedTensorType type,
                       llvm::ArrayRef<double> values);
  /// \p t (a Constant node's value) as a value: a heed.constant when small
  /// (or not a float), otherwise a heed.param named \p name whose value
  /// joins the model's weights.
  mlir::Value tensorValue(const io::HostTensor &t, llvm::StringRef name);
  /// Reads an ONNX tensor (inline or external data) of this model.
  std::string readTensor(const onnx::TensorProto &proto, io::HostTensor &out);
  /// An integer attribute, or an array of integers, for create.
  mlir::NamedAttribute i64Attr(llvm::StringRef name, int64_t v);
  mlir::NamedAttribute arrayAttr(llvm::StringRef name,
                                 llvm::ArrayRef<int64_t> v);
  /// Binds output 0 to \p v (the converters' usual last step).
  mlir::LogicalResult result(mlir::FailureOr<mlir::Value> v);
  /// heed.reshape of \p v to \p shape.
  mlir::FailureOr<mlir::Value> reshape(mlir::Value v,
                                       llvm::ArrayRef<int64_t> shape);
  /// heed.transpose of \p v by \p perm.
  mlir::FailureOr<mlir::Value> transpose(mlir::Value v,
                                         llvm::ArrayRef<int64_t> perm);
  /// heed.cast of \p v to \p type (v itself when it has that type).
  mlir::FailureOr<mlir::Value> cast(mlir::Value v, mlir::Type elementType);

  /// Fails with an error naming input \p i unless its rank is in
  /// [\p lo, \p hi].
  mlir::LogicalResult requireRank(unsigned i, int64_t lo, int64_t hi);
  /// An error at the node: "<what>" is appended to the node's location.
  mlir::InFlightDiagnostic error();
  /// "OpType: attribute 'name' = value is not supported" and failure.
  mlir::LogicalResult unsupported(const llvm::Twine &what);

private:
  GraphImporter &graph;
  const onnx::NodeProto &node;
  mlir::Location location;
  int64_t opsetVersion;
};

/// The most elements a table the importer computes itself may have (Range
/// values, gather indices, resize taps, attention bias, pooling indices):
/// a model asking for more is refused with an error, not allowed to
/// exhaust memory.
constexpr int64_t kMaxImportTable = (int64_t)1 << 24;

/// The static shape and element type of a value (every value of the
/// importer has a ranked tensor type).
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType()).getShape();
}
inline mlir::Type elementTypeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType()).getElementType();
}

/// \p axis (possibly negative) normalised for rank \p rank, or an error.
mlir::FailureOr<int64_t> normalizeAxis(OnnxNode &node, int64_t axis,
                                       int64_t rank);

/// Converts one node; reports its own errors.
using OpConverter = std::function<mlir::LogicalResult(OnnxNode &)>;

/// The converters by ONNX op type (default domain).
const llvm::StringMap<OpConverter> &opConverters();

// Each op family's file adds its converters.
void addElementwiseOps(llvm::StringMap<OpConverter> &table);
void addShapeOps(llvm::StringMap<OpConverter> &table);
void addNeuralOps(llvm::StringMap<OpConverter> &table);
void addConvOps(llvm::StringMap<OpConverter> &table);
void addAttentionOps(llvm::StringMap<OpConverter> &table);
void addRecurrentOps(llvm::StringMap<OpConverter> &table);
void addResizeOps(llvm::StringMap<OpConverter> &table);

} // namespace heed::onnx_import

#endif // HEED_FRONTEND_ONNX_ONNXNODE_H
