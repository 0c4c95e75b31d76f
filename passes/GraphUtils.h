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

} // namespace heed

#endif // HEED_PASSES_GRAPHUTILS_H
