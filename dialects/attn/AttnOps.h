//===- AttnOps.h - Ops and attributes of the attn dialect -------*- C++ -*-===//

#ifndef HEED_DIALECTS_ATTNOPS_H
#define HEED_DIALECTS_ATTNOPS_H

#include "attn/AttnDialect.h"
#include "heed/AttentionSparsity.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_ATTRDEF_CLASSES
#include "attn/AttnAttrs.h.inc"

namespace heed::attn {

/// The AttentionSparsity of a structure attribute (#attn.causal,
/// #attn.window, #attn.blocks; none when null): the one place that decodes
/// it.
AttentionSparsity sparsityOf(mlir::Attribute structure);

/// The structure attribute of \p sparsity (null for none): sparsityOf's
/// inverse.
mlir::Attribute structureAttrOf(mlir::MLIRContext *ctx,
                                const AttentionSparsity &sparsity);

} // namespace heed::attn

#include "attn/AttnInterfaces.h.inc"

#define GET_OP_CLASSES
#include "attn/AttnOps.h.inc"

#endif // HEED_DIALECTS_ATTNOPS_H
