//===- GraphUtils.h - Small queries and builders on heed graphs -*- C++ -*-===//
//
// Shared by the tensor-level passes (attn-fuse, attn-sparsify): reading
// scalar constants and building ops whose result types are inferred.
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

/// Builds op \p name on \p operands with \p attrs, asking the op for its
/// result types (every heed and attn op infers them). Returns null, after
/// nothing was created, when inference fails.
mlir::Operation *buildInferred(mlir::OpBuilder &builder, mlir::Location loc,
                               llvm::StringRef name, mlir::ValueRange operands,
                               llvm::ArrayRef<mlir::NamedAttribute> attrs = {});

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
