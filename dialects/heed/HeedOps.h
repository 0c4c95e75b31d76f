//===- HeedOps.h - Ops of the heed dialect ----------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_HEEDOPS_H
#define HEED_DIALECTS_HEEDOPS_H

#include "heed/HeedDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "heed/HeedOps.h.inc"

#endif // HEED_DIALECTS_HEEDOPS_H
