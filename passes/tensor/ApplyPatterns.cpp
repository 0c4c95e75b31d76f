//===- ApplyPatterns.cpp - How the tensor-level passes rewrite ------------===//

#include "passes/tensor/ApplyPatterns.h"
#include "passes/tensor/GraphUtils.h"
#include "passes/tensor/MatchFailureRemarks.h"

using namespace mlir;

void heed::applyTensorPatterns(func::FuncOp graph,
                               function_ref<bool(Operation *)> isRoot,
                               const FrozenRewritePatternSet &patterns,
                               bool remarks,
                               GreedyRewriteStrictness strictness) {
  Block &body = graph.getBody().front();
  llvm::DenseSet<Operation *> deadBefore = deadOps(body);
  SmallVector<Operation *> roots;
  for (Operation &op : body)
    if (!deadBefore.contains(&op) && isRoot(&op))
      roots.push_back(&op);
  MatchFailureRemarks reasons;
  GreedyRewriteConfig config;
  config.strictMode = strictness;
  if (remarks)
    config.listener = &reasons;
  (void)applyOpPatternsAndFold(roots, patterns, config);
  reasons.emit();
  eraseNewlyDead(body, deadBefore);
}
