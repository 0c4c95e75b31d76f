//===- Variant.h - The pipelines heed-bench compares ------------*- C++ -*-===//
//
// A variant is one way of lowering the same model:
//
//   unfused      -O0: no tensor passes (the baseline)
//   fused        -O2: attn-fuse, attn-sparsify, attn-tile, then
//                heedrt-fuse-post-ops on the plan
//   fused-dense  -O2 without attn-sparsify: fused attention that visits
//                every key tile; only benchmarked when the fused module has
//                an attention with a `structure` attribute, to separate the
//                gain of fusion from the gain of skipping tiles
//   fused-bounded  -O2 compiled once for the ranges of --dim NAME=LO..HI
//                (BoundedPlan.h) and run at the sweep point's sizes: what
//                one binary for every size costs against one compiled for
//                that size
//
// A variant is compiled in memory with MLIR's ExecutionEngine (weights
// external, taken from a table built in memory) and loaded with
// heed_compiled_load, as heed-run does.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_VARIANT_H
#define HEED_TOOLS_HEEDBENCH_VARIANT_H

#include "FlopCount.h"

#include "heed/compiled.h"
#include "passes/Pipelines.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace heed::bench {

enum class VariantKind { Unfused, Fused, FusedDense, FusedBounded };

/// "unfused", "fused", "fused-dense" or "fused-bounded".
llvm::StringRef variantName(VariantKind kind);
/// The kind named \p name, if any.
std::optional<VariantKind> parseVariantName(llvm::StringRef name);

/// Runs the tensor-level passes of \p kind on \p module (a module from the
/// frontend). Fails with the passes' diagnostics.
mlir::LogicalResult runTensorPipeline(mlir::ModuleOp module, VariantKind kind,
                                      const PassRemarks &remarks);

/// Whether the entry graph of \p module (after the tensor passes) has an
/// attn.attention or attn.gated_attention with a `structure` attribute.
bool hasStructuredAttention(mlir::ModuleOp module);

/// A compiled and loaded variant. Owns its JIT and its model.
struct CompiledVariant {
  ~CompiledVariant();
  VariantKind kind = VariantKind::Unfused;
  /// The FLOPs of its tensor-level module.
  FlopCount flops;
  /// Whether that module has attention with a `structure` attribute.
  bool structuredAttention = false;
  /// A hash of the planned heedrt module: two variants with the same hash
  /// run the same kernels on the same buffers.
  size_t planHash = 0;
  /// The random bound of each integer input (heedrt.input), model order.
  std::vector<int64_t> inputBounds;
  /// The JIT holding the model's code; outlives the model.
  std::unique_ptr<mlir::ExecutionEngine> engine;
  heed_model *model = nullptr;
};

/// Lowers \p module (a frontend module; it is modified) as \p kind says,
/// compiles it in memory, loads it with \p weights and sets its thread
/// count to \p threads. \p boundPlan, when given, annotates the plan for
/// bounded dimensions (tools::boundPlan) before it is compiled. Errors go
/// to the context's diagnostics.
mlir::FailureOr<std::unique_ptr<CompiledVariant>> compileVariant(
    mlir::ModuleOp module, VariantKind kind, heed_weights *weights, int threads,
    const PassRemarks &remarks,
    llvm::function_ref<mlir::LogicalResult(mlir::ModuleOp)> boundPlan = {});

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_VARIANT_H
