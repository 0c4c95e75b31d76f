//===- HeedDialect.h - The heed dialect -------------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_HEEDDIALECT_H
#define HEED_DIALECTS_HEEDDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

#include "heed/HeedDialect.h.inc"

#endif // HEED_DIALECTS_HEEDDIALECT_H
