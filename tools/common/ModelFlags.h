//===- ModelFlags.h - Flags shared by the model tools -----------*- C++ -*-===//
//
// heedc, heed-run and heed-bench read a .heed model with the same
// flags: --dim NAME=VALUE, --entry NAME, --weights=FILE.safetensors,
// --random-weights=SEED, --save-weights=FILE.safetensors, and for ONNX
// models --input-shape NAME=AxB and --const NAME=V. They are defined once
// here.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_MODELFLAGS_H
#define HEED_TOOLS_MODELFLAGS_H

#include "Weights.h"

#include "passes/Pipelines.h"
#include "passes/plan/BoundedPlan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/CommandLine.h"

#include <map>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace heed::tools {

/// The category the shared flags are listed under in --help.
llvm::cl::OptionCategory &modelFlagsCategory();

/// Reads and emits the model at \p path (.heed, or .onnx through the ONNX
/// importer) with --dim, --entry, --input-shape and --const applied;
/// errors are reported through \p context's diagnostics.
mlir::OwningOpRef<mlir::ModuleOp> loadModel(llvm::StringRef path,
                                            llvm::SourceMgr &sourceMgr,
                                            mlir::MLIRContext &context);

/// As loadModel, with the dimensions \p extraDims bound too (heed-bench's
/// sweep points); a dimension both in --dim and in \p extraDims is an error
/// naming \p extraFlag (e.g. "--sweep"), unless --dim gave it a range that
/// holds the value.
mlir::OwningOpRef<mlir::ModuleOp>
loadModel(llvm::StringRef path, llvm::SourceMgr &sourceMgr,
          mlir::MLIRContext &context,
          const std::map<std::string, int64_t> &extraDims,
          llvm::StringRef extraFlag);

/// The dimensions the --dim flags give a range, `--dim NAME=LO..HI` with
/// LO < HI (loadModel reads the model with each at HI).
std::vector<BoundedDim> boundedDimsFromFlags();

/// When --dim gave ranges: reads the model at \p path again at the other
/// sizes of boundedSamplePoints, lowers each to a heedrt plan with
/// \p lower (the tool's pipelines), and annotates the plan of \p module
/// (loaded by loadModel and lowered the same way) for every size in the
/// ranges (annotateBoundedPlan). Those compiles report errors only. Does
/// nothing without a range. \p extraDims and \p extraFlag are as for
/// loadModel, without the bounded dimensions.
mlir::LogicalResult
boundPlan(mlir::ModuleOp module, llvm::StringRef path,
          llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
          llvm::function_ref<mlir::LogicalResult(mlir::ModuleOp)> lower,
          const std::map<std::string, int64_t> &extraDims = {},
          llvm::StringRef extraFlag = "");

/// The --dim flags as given (NAME=VALUE each).
std::vector<std::string> dimFlagValues();

/// The --weights file ("" when not given).
std::string weightsFlag();

/// `--remarks=attn-fuse,attn-sparsify`: the passes that explain, as MLIR
/// remarks at the ops concerned, what they could not do.
PassRemarks remarksFromFlags();

/// `--precision=f32|bf16` (f32 when not given).
Precision precisionFromFlags();

/// Whether --weights, --random-weights or --save-weights was given.
bool weightFlagsGiven();

/// Whether the loaded model file carries its parameters' values (an ONNX
/// model's initializers); bindWeightsFromFlags uses them unless --weights
/// has the same name.
bool modelCarriesWeights();

/// What bindWeightsFromFlags keeps of the --weights file's tensors.
enum class FileValues {
  Copy,     ///< their values, for a model that embeds them
  CheckOnly ///< nothing (heedc --weights-external): names, shapes and
            ///< values are checked, the model reads the file when it loads
};

/// Binds the parameters of \p graph as --weights/--random-weights say and
/// writes --save-weights when given (which keeps the file's values even
/// with FileValues::CheckOnly).
mlir::FailureOr<WeightStore>
bindWeightsFromFlags(mlir::func::FuncOp graph,
                     FileValues fileValues = FileValues::Copy);

/// As bindWeightsFromFlags, drawing random weights with \p defaultSeed when
/// neither --weights nor --random-weights is given (heed-bench's default).
mlir::FailureOr<WeightStore> bindWeightsFromFlags(mlir::func::FuncOp graph,
                                                  uint64_t defaultSeed);

} // namespace heed::tools

#endif // HEED_TOOLS_MODELFLAGS_H
