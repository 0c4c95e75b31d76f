//===- Pipelines.h - The -O0 and -O2 pipelines ------------------*- C++ -*-===//
//
// heedc and heed-run lower a tensor-level module in three stages, each of
// which --emit can stop after:
//   tensor   -O2: heed-canonicalize and the attention passes (attn-fuse,
//            ...); -O0: nothing
//   heedrt   heed-to-heedrt, heedrt-plan-memory
//   llvm     heedrt-to-llvm
// Weight data is attached after translation to LLVM IR (defineWeights), so
// the MLIR stages never copy it.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_PIPELINES_H
#define HEED_PASSES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace heed {

/// The precision GEMMs and attention compute in (`--precision`).
enum class Precision {
  F32, ///< everything f32 (the default)
  BF16 ///< bf16 weights, GEMMs and attention, f32 accumulation (heedrt-bf16)
};

/// How a model is lowered.
struct LoweringOptions {
  /// 0: the unfused baseline; 2: the attention passes.
  unsigned optLevel = 2;
  /// Look weights up by name at load time instead of embedding them.
  bool externalWeights = false;
  /// The weights file external weights are read from by default.
  std::string weightsFile;
  /// Emit main() (executables).
  bool emitMain = false;
};

/// Which passes explain what they did not do (`heedc --remarks=...`).
struct PassRemarks {
  bool attnFuse = false;
  bool attnSparsify = false;
  /// What attn-fuse fused and the structure attn-sparsify found.
  bool fused = false;
};

/// Tensor-level passes of \p optLevel.
void buildTensorPipeline(mlir::OpPassManager &pm, unsigned optLevel,
                         const PassRemarks &remarks);
/// heed-to-heedrt, (-O2) heedrt-fuse-post-ops, (bf16) heedrt-bf16 and
/// heedrt-plan-memory.
void buildHeedrtPipeline(mlir::OpPassManager &pm, unsigned optLevel,
                         Precision precision = Precision::F32);
/// heedrt-to-llvm.
void buildLLVMPipeline(mlir::OpPassManager &pm, const LoweringOptions &options);

/// Gives each weight global left by heedrt-to-llvm in \p module (translated
/// from \p mlirModule) its data, from \p data (the bytes of the weight
/// named by the first argument, as elements of the type given second).
/// Fails, naming the weight, when \p data has none or the size differs.
mlir::LogicalResult
defineWeights(mlir::ModuleOp mlirModule, llvm::Module &module,
              llvm::function_ref<std::optional<llvm::StringRef>(llvm::StringRef,
                                                                mlir::Type)>
                  data);

/// Registers the pipelines with mlir-opt style tools: `heed-lower-O0`,
/// `heed-lower-O2` (tensor module to LLVM dialect, weights external).
void registerHeedPipelines();

} // namespace heed

#endif // HEED_PASSES_PIPELINES_H
