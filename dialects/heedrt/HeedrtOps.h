//===- HeedrtOps.h - Ops of the heedrt dialect ------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_HEEDRTOPS_H
#define HEED_DIALECTS_HEEDRTOPS_H

#include "heedrt/HeedrtDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

#define GET_OP_CLASSES
#include "heedrt/HeedrtOps.h.inc"

namespace heed::heedrt {

/// Bytes of a buffer of type \p type (i1 takes one byte per element).
int64_t bufferBytes(mlir::MemRefType type);

/// The bytes of a buffer of \p type, or none when the element count or the
/// byte count overflows 2^62 (a model asking for that is an error, not an
/// arena of wrapped sizes).
std::optional<int64_t> checkedBufferBytes(mlir::MemRefType type);

/// The arena buffer \p value lives in (through views), or null when it is a
/// weight or a constant.
BufferOp getArenaBuffer(mlir::Value value);

/// Whether kernel \p kernel computes an attention's probabilities, so that
/// a heedrt.kernel of it may name an `attention_map`: attention,
/// additive_attention or softmax (as the runtime's
/// heed_plan_name_attention accepts).
bool computesAttentionMap(llvm::StringRef kernel);

} // namespace heed::heedrt

#endif // HEED_DIALECTS_HEEDRTOPS_H
