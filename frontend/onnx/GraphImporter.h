//===- GraphImporter.h - One ONNX graph into one func.func ------*- C++ -*-===//

#ifndef HEED_FRONTEND_ONNX_GRAPHIMPORTER_H
#define HEED_FRONTEND_ONNX_GRAPHIMPORTER_H

#include "Frontend.h"
#include "Weights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

namespace heed::onnx_import {

/// Converts the nodes of an ONNX graph, in order, into heed/attn ops at the
/// builder's insertion point, folding every op whose operands are all
/// constants (with the reference interpreter's semantics).
class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext &ctx, llvm::StringRef path,
                const FrontendOptions &options, WeightStore &weights,
                int64_t opset);

  /// Emits the func.func of \p graph into \p module.
  mlir::LogicalResult importMainGraph(const onnx::GraphProto &graph,
                                      mlir::ModuleOp module);

  mlir::OpBuilder &builder() { return b; }
  /// The value named \p name, or null.
  mlir::Value lookup(llvm::StringRef name) const;
  void bind(llvm::StringRef name, mlir::Value v) { values[name] = v; }
  /// See OnnxNode::tensorValue; an initializer is a parameter unless it
  /// is a scalar or not a float.
  mlir::Value tensorValue(const io::HostTensor &t, llvm::StringRef name,
                          mlir::Location loc, bool initializer = false);
  const std::string &modelDir() const { return dir; }
  /// The model's own value of the parameter \p name, if it has one.
  const io::HostTensor *paramValue(llvm::StringRef name) const {
    auto it = weights.find(name);
    return it == weights.end() ? nullptr : &it->second;
  }

private:
  mlir::LogicalResult importInitializers(const onnx::GraphProto &graph);
  mlir::LogicalResult importNodes(const onnx::GraphProto &graph);
  mlir::LogicalResult importNode(const onnx::NodeProto &node, unsigned index);
  mlir::LogicalResult importIf(const onnx::NodeProto &node, mlir::Location loc);
  /// Replaces the ops after \p before (or all of the block when null) whose
  /// operands are all constants by constants.
  mlir::LogicalResult foldNewOps(mlir::Block *block, mlir::Operation *before);
  mlir::Location nodeLoc(const onnx::NodeProto &node, unsigned index);
  mlir::FailureOr<mlir::RankedTensorType>
  inputType(const onnx::ValueInfoProto &input);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder b;
  std::string file, dir;
  const FrontendOptions &options;
  WeightStore &weights;
  int64_t opset;
  llvm::StringMap<mlir::Value> values;
  /// Names already used for heed.param (an ONNX name may be reused only by
  /// the same tensor).
  llvm::StringMap<unsigned> paramNames;
};

} // namespace heed::onnx_import

#endif // HEED_FRONTEND_ONNX_GRAPHIMPORTER_H
