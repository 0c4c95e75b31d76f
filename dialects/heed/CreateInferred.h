//===- CreateInferred.h - Typed op creation with inferred types -*- C++ -*-===//
//
// Every heed and attn op infers its result types (InferTypeOpAdaptor), and
// its inference is also its shape checker. The frontend and the passes
// create ops through createInferred<OpTy>, one way for both: the op's own
// inference gives the result types, and a failure is a located error (the
// frontend) or a quiet "cannot build" (a pass that then leaves the IR
// alone), never an assertion.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DIALECTS_HEED_CREATEINFERRED_H
#define HEED_DIALECTS_HEED_CREATEINFERRED_H

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <optional>

namespace heed {

/// Creates an \p OpTy on \p operands with \p attrs at \p loc, its result
/// types inferred. When inference fails nothing is created; the op's
/// diagnostic is emitted at \p loc when \p diagnose, and dropped otherwise.
template <typename OpTy>
mlir::FailureOr<OpTy> createInferred(
    mlir::OpBuilder &builder, mlir::Location loc, mlir::ValueRange operands,
    llvm::ArrayRef<mlir::NamedAttribute> attrs = {}, bool diagnose = false) {
  llvm::SmallVector<mlir::Type> types;
  mlir::DictionaryAttr dict = builder.getDictionaryAttr(attrs);
  if (failed(OpTy::inferReturnTypes(
          builder.getContext(),
          diagnose ? std::optional<mlir::Location>(loc) : std::nullopt,
          operands, dict, mlir::OpaqueProperties(nullptr), mlir::RegionRange(),
          types)))
    return mlir::failure();
  return builder.create<OpTy>(loc, types, operands, attrs);
}

} // namespace heed

#endif // HEED_DIALECTS_HEED_CREATEINFERRED_H
