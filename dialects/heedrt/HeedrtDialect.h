//===- HeedrtDialect.h - The heedrt dialect ---------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_HEEDRTDIALECT_H
#define HEED_DIALECTS_HEEDRTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "heedrt/HeedrtDialect.h.inc"

#endif // HEED_DIALECTS_HEEDRTDIALECT_H
