//===- Passes.h - Heed's passes ---------------------------------*- C++ -*-===//

#ifndef HEED_PASSES_PASSES_H
#define HEED_PASSES_PASSES_H

#include "attn/AttnDialect.h"
#include "heedrt/HeedrtOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace heed {

/// heedrt-to-llvm marks each weight's global with this attribute, holding
/// the weight's name, so defineWeights (Pipelines.h) can fill it in.
constexpr const char *kWeightGlobalAttrName = "heedrt.weight";
/// ... and with this one, holding the element type the plan reads it as.
constexpr const char *kWeightTypeAttrName = "heedrt.weight_type";

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace heed

#endif // HEED_PASSES_PASSES_H
