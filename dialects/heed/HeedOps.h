//===- HeedOps.h - Ops of the heed dialect ----------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_HEEDOPS_H
#define HEED_DIALECTS_HEEDOPS_H

#include "heed/HeedDialect.h"
#include "heed/HeedTraits.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>

namespace heed {

/// Which element types a unary op accepts.
enum class UnaryDomain { Float, Numeric, Bool };

/// The shape inference of every unary op (Heed_UnaryOp in HeedOps.td): the
/// operand's type, when its element type is in \p domain.
llvm::LogicalResult inferUnary(std::optional<mlir::Location> loc,
                               llvm::StringRef name, UnaryDomain domain,
                               mlir::Value input,
                               llvm::SmallVectorImpl<mlir::Type> &results);

} // namespace heed

#define GET_OP_CLASSES
#include "heed/HeedOps.h.inc"

namespace heed {

/// The integers `--random-inputs` draws for the integer graph input \p input
/// come from [0, bound): the smallest extent it indexes (embedding rows, the
/// gathered or scattered axis; T + 1 for the lengths of a recurrence over T
/// steps), or 2 when it indexes nothing.
int64_t randomInputBound(mlir::Value input);

/// The `operandSegmentSizes` of a heed.lstm (\p lstm) or heed.gru with
/// \p weights weight operands and, when \p lengths, the lengths operand:
/// what creating one from a flat operand list needs.
mlir::NamedAttribute recurrentOperandSegments(mlir::Builder &builder, bool lstm,
                                              int32_t weights, bool lengths);

} // namespace heed

#endif // HEED_DIALECTS_HEEDOPS_H
