//===- ShapeUtils.h - Shape helpers for result type inference ---*- C++ -*-===//
//
// Small helpers shared by the heed and attn dialects' inferReturnTypes
// implementations. Messages use the .heed spelling of types (`f32[2, 3]`) and
// start with the op's .heed name, so the frontend can show them as they are.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DIALECTS_SHAPEUTILS_H
#define HEED_DIALECTS_SHAPEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

#include "heed/DType.h"

#include <optional>
#include <string>

namespace heed {

/// "[2, 3]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// The .heed spelling of a tensor type, "f32[2, 3]" (or of a scalar type).
std::string formatType(mlir::Type type);

/// The .heed name of an element type: "f32", "i64", ...
std::string formatElementType(mlir::Type type);

/// The DType of an element type (f32, f16, bf16, i64, i32, i1), or none.
std::optional<DType> toDType(mlir::Type elementType);

/// The element type of \p dtype (the inverse of toDType).
mlir::Type toElementType(DType dtype, mlir::MLIRContext *ctx);

/// NumPy broadcast of two shapes, or failure if an extent pair is neither
/// equal nor 1.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Reports type-inference errors for one op. Inference may run without a
/// location (when merely querying); then nothing is printed.
class ShapeChecker {
public:
  ShapeChecker(std::optional<mlir::Location> loc, llvm::StringRef opName)
      : loc(loc), opName(opName) {}

  /// Emits "<op>: <message>" at the location (if any) and returns failure.
  mlir::LogicalResult fail(const llvm::Twine &message) const;

  /// The operand's ranked tensor type (all heed values are ranked tensors).
  static mlir::RankedTensorType tensorType(mlir::Value v) {
    return mlir::cast<mlir::RankedTensorType>(v.getType());
  }

  /// Fails unless \p v has a float element type.
  mlir::LogicalResult requireFloat(mlir::Value v, llvm::StringRef what) const;
  /// Fails unless \p v has rank \p rank.
  mlir::LogicalResult requireRank(mlir::Value v, int64_t rank,
                                  llvm::StringRef what) const;
  /// Fails unless \p a and \p b have the same element type.
  mlir::LogicalResult requireSameElementType(mlir::Value a, mlir::Value b,
                                             llvm::StringRef whatA,
                                             llvm::StringRef whatB) const;
  /// Fails unless \p v has exactly the shape \p shape.
  mlir::LogicalResult requireShape(mlir::Value v, llvm::ArrayRef<int64_t> shape,
                                   llvm::StringRef what) const;
  /// Fails unless 0 <= axis < rank.
  mlir::LogicalResult requireAxis(int64_t axis, int64_t rank) const;

private:
  std::optional<mlir::Location> loc;
  llvm::StringRef opName;
};

} // namespace heed

#endif // HEED_DIALECTS_SHAPEUTILS_H
