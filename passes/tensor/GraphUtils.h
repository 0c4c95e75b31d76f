//===- GraphUtils.h - Small queries and builders on heed graphs -*- C++ -*-===//
//
// Shared by the tensor-level passes (heed-canonicalize, attn-fuse,
// attn-sparsify): reading scalar constants, reshaping, and erasing what a
// rewrite left dead (ops are created with heed/CreateInferred.h).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_GRAPHUTILS_H
#define HEED_PASSES_GRAPHUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>

namespace heed {

/// The value of \p value when it is a splat float constant (any shape).
std::optional<double> getSplatFloat(mlir::Value value);

/// A reshape of \p value to \p shape (the value itself when it has it).
mlir::Value reshapeTo(mlir::OpBuilder &builder, mlir::Location loc,
                      mlir::Value value, llvm::ArrayRef<int64_t> shape);

/// The ops of \p block that are dead now, for eraseNewlyDead.
llvm::DenseSet<mlir::Operation *> deadOps(mlir::Block &block);

/// Erases the ops of \p block that became dead since \p deadBefore was taken
/// (never parameters). Ops that were dead before stay, so what a model reads
/// (its parameters, and the gathers and embeddings that set an integer
/// input's --random-inputs bound) does not depend on -O.
void eraseNewlyDead(mlir::Block &block,
                    const llvm::DenseSet<mlir::Operation *> &deadBefore);

} // namespace heed

#endif // HEED_PASSES_GRAPHUTILS_H
