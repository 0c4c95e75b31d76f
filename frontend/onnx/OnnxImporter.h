//===- OnnxImporter.h - From an ONNX model to heed/attn MLIR ----*- C++ -*-===//
//
// The ONNX importer reads a `.onnx` file (protobuf, through Debian's ONNX
// classes) and emits the same heed/attn ops as the .heed frontend, so every
// pass, the reference interpreter and the runtime apply unchanged. Shape
// subgraphs fold at import (each op whose operands are all constants is
// evaluated by the reference interpreter), initializers and large Constant
// nodes become named parameters whose values the importer hands back.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_ONNX_ONNXIMPORTER_H
#define HEED_FRONTEND_ONNX_ONNXIMPORTER_H

#include "Frontend.h"
#include "Weights.h"

namespace heed {

/// Imports the ONNX model at \p path as one `func.func` named after the
/// graph (inputs and outputs named after the graph's, made identifiers).
/// Every op is located at `NameLoc("node 'NAME' (OpType)", path:0:0)`.
/// `options.dims` binds symbolic dimensions (`dim_param`),
/// `options.inputShapes` all dimensions of an input, `options.constInputs`
/// turns inputs into constants. The values of the model's parameters
/// (initializers, large Constant nodes) are stored in \p weights by their
/// ONNX names. Errors name the node and what is unsupported; returns null
/// then.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(llvm::StringRef path,
                                                 mlir::MLIRContext &context,
                                                 const FrontendOptions &options,
                                                 WeightStore &weights);

/// \p name made a .heed identifier: every character outside [A-Za-z0-9_]
/// becomes '_', and a leading digit (or an empty name) gets a '_' prefix.
std::string toIdentifier(llvm::StringRef name);

} // namespace heed

#endif // HEED_FRONTEND_ONNX_ONNXIMPORTER_H
