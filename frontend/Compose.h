//===- Compose.h - Ops built from other heed ops ----------------*- C++ -*-===//
//
// Internal to the frontend. Some .heed builtins and ONNX ops have no heed op
// of their own but a composition of existing ones (argmax as top_k with
// k = 1, padding as concatenations and gathers with constant indices). The
// .heed builtins (Builtins.cpp) and the ONNX importer (onnx/) build them
// here, one piece of code for both. The callers check their arguments and
// report errors in their own terms (at the argument, at the node); what is
// left to the ops' own inference is reported at the given location.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_COMPOSE_H
#define HEED_FRONTEND_COMPOSE_H

#include "mlir/IR/Builders.h"

namespace heed::compose {

/// The index of the largest (\p max) or smallest element along \p axis
/// (non-negative) of \p x, a number tensor (not i1): i64, with \p axis kept
/// as extent 1 when \p keepdim and removed otherwise. Equal values give the
/// first index, or the last with \p selectLast; NaN counts as both the
/// largest and the smallest (torch.argmax/argmin, ONNX ArgMax/ArgMin). Built
/// as top_k with k = 1 of x, of -x (floats) or of -1 - x (integers, which
/// cannot overflow), and of x reversed along the axis for \p selectLast.
mlir::FailureOr<mlir::Value> argExtreme(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::Value x, int64_t axis, bool max,
                                        bool keepdim, bool selectLast = false);

/// How padAxis() fills what it adds.
enum class PadMode {
  Constant, ///< a value
  Reflect,  ///< x mirrored at its edges, the edge not repeated: 2 1 | 0 1 2
  Edge,     ///< the edge element repeated: 0 0 | 0 1 2
};

/// \p x with \p before elements added in front of axis \p axis
/// (non-negative) and \p after behind it. A negative count removes that
/// many elements instead (in every mode, before anything is added), which
/// must leave at least one. Reflect needs both counts below the extent
/// that remains; constant mode fills with \p value (converted to x's dtype
/// like a constant). Built as concat of x with constants (constant) or with
/// gathers of x at constant indices (reflect, edge), and slice (removal).
mlir::FailureOr<mlir::Value> padAxis(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::Value x, int64_t axis,
                                     int64_t before, int64_t after,
                                     PadMode mode, double value = 0);

/// A constant of \p shape whose elements are all \p value, of element type
/// \p elementType (floats round to nearest even, integers truncate, i1 is
/// value != 0).
mlir::Value splat(mlir::OpBuilder &b, mlir::Location loc, double value,
                  mlir::Type elementType, llvm::ArrayRef<int64_t> shape = {});

} // namespace heed::compose

#endif // HEED_FRONTEND_COMPOSE_H
