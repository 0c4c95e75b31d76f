//===- Frontend.h - From .heed source to heed/attn MLIR ---------*- C++ -*-===//

#ifndef HEED_FRONTEND_FRONTEND_H
#define HEED_FRONTEND_FRONTEND_H

#include "heed/HeedDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "heed/io/HostTensor.h"

#include "llvm/ADT/StringMap.h"

#include <map>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace heed {

/// Choices that come from the command line rather than the file.
struct FrontendOptions {
  /// `--dim NAME=VALUE`: overrides (or supplies) a dimension's value.
  std::map<std::string, int64_t> dims;
  /// `--entry NAME`: the graph to compile when the file declares several.
  std::string entry;
  /// `--max-ops=N`: the most ops a model may expand into (subgraphs are
  /// inlined at every call, so nested calls multiply).
  int64_t maxOps = 1000000;
  /// `--input-shape NAME=1x3x48x320` (ONNX models): every dimension of an
  /// input at once.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// `--const NAME=V[,V...]` (ONNX models): an input bound to a constant at
  /// compile time, so that what depends on it folds.
  std::map<std::string, std::vector<double>> constInputs;
};

/// Parses the .heed file in buffer \p bufferId of \p sourceMgr and emits one
/// `func.func` per `graph` (subgraphs are inlined at their calls). Every op
/// is located at its source: NameLoc(value name, file:line:col), with a
/// CallSiteLoc for ops that come from an inlined subgraph. Errors are
/// reported through the context's diagnostic engine; returns null then. The
/// module is verified before it is returned.
mlir::OwningOpRef<mlir::ModuleOp>
emitHeedModule(llvm::SourceMgr &sourceMgr, unsigned bufferId,
               mlir::MLIRContext &context, const FrontendOptions &options);

/// Reads \p path into \p sourceMgr and emits it with emitHeedModule. A file
/// that cannot be read is reported as `<path>: error: ...`.
mlir::OwningOpRef<mlir::ModuleOp> loadHeedFile(llvm::StringRef path,
                                               llvm::SourceMgr &sourceMgr,
                                               mlir::MLIRContext &context,
                                               const FrontendOptions &options);

/// Reads the model at \p path: an ONNX model (`.onnx`, by the ONNX
/// importer; the values of its parameters go to \p embeddedWeights) or a
/// .heed file (loadHeedFile).
mlir::OwningOpRef<mlir::ModuleOp>
loadModelFile(llvm::StringRef path, llvm::SourceMgr &sourceMgr,
              mlir::MLIRContext &context, const FrontendOptions &options,
              llvm::StringMap<io::HostTensor> &embeddedWeights);

/// Parses `--input-shape NAME=AxBxC` and `--const NAME=V[,V...]` flags.
mlir::LogicalResult
parseInputShapeFlags(llvm::ArrayRef<std::string> flags,
                     std::map<std::string, std::vector<int64_t>> &shapes,
                     mlir::MLIRContext &context);
mlir::LogicalResult
parseConstFlags(llvm::ArrayRef<std::string> flags,
                std::map<std::string, std::vector<double>> &values,
                mlir::MLIRContext &context);

/// Parses `--dim NAME=VALUE` flags into \p dims; reports malformed ones.
/// With \p ranges, `--dim NAME=LO..HI` is accepted too: \p dims gets HI
/// (the model is compiled at the bound) and \p ranges the range, unless it
/// holds one value.
mlir::LogicalResult parseDimFlags(
    llvm::ArrayRef<std::string> flags, std::map<std::string, int64_t> &dims,
    mlir::MLIRContext &context,
    std::map<std::string, std::pair<int64_t, int64_t>> *ranges = nullptr);

} // namespace heed

#endif // HEED_FRONTEND_FRONTEND_H
