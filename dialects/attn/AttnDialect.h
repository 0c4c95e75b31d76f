//===- AttnDialect.h - The attn dialect -------------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_ATTNDIALECT_H
#define HEED_DIALECTS_ATTNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "attn/AttnDialect.h.inc"

#endif // HEED_DIALECTS_ATTNDIALECT_H
