//===- ApplyPatterns.h - How the tensor-level passes rewrite ----*- C++ -*-===//
//
// heed-canonicalize, attn-fuse and attn-sparsify are rewrite patterns that
// run the same way: under MLIR's greedy driver, on the ops of the graph that
// are live when the pass starts (an op that was dead before the pass stays:
// what a model reads does not depend on -O), the near misses their patterns
// report (notifyMatchFailure) emitted as remarks when asked, and the ops the
// rewrites left dead erased afterwards.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_TENSOR_APPLYPATTERNS_H
#define HEED_PASSES_TENSOR_APPLYPATTERNS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace heed {

/// Applies \p patterns to the live ops of \p graph for which \p isRoot
/// holds, in program order (the driver takes the last first) and, with
/// ExistingAndNewOps strictness, to the ops the patterns create. Emits the
/// near misses as remarks when \p remarks.
void applyTensorPatterns(mlir::func::FuncOp graph,
                         llvm::function_ref<bool(mlir::Operation *)> isRoot,
                         const mlir::FrozenRewritePatternSet &patterns,
                         bool remarks,
                         mlir::GreedyRewriteStrictness strictness =
                             mlir::GreedyRewriteStrictness::ExistingAndNewOps);

} // namespace heed

#endif // HEED_PASSES_TENSOR_APPLYPATTERNS_H
