//===- AttnOps.h - Ops and attributes of the attn dialect -------*- C++ -*-===//

#ifndef HEED_DIALECTS_ATTNOPS_H
#define HEED_DIALECTS_ATTNOPS_H

#include "attn/AttnDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_ATTRDEF_CLASSES
#include "attn/AttnAttrs.h.inc"

#define GET_OP_CLASSES
#include "attn/AttnOps.h.inc"

#endif // HEED_DIALECTS_ATTNOPS_H
