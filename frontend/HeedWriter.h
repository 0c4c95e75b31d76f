//===- HeedWriter.h - A heed/attn graph written back as .heed ---*- C++ -*-===//
//
// heed-import writes an imported model (ONNX) as a readable .heed file and
// a safetensors file: every op that depends on the graph's inputs becomes
// one statement named after its source node; whatever depends only on
// weights and constants is evaluated (reference interpreter) and becomes a
// literal, a `full(...)`, a named `parameter[...]` or the named parameters
// of a parametric op (`linear[P]` reads P.weight and P.bias).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FRONTEND_HEEDWRITER_H
#define HEED_FRONTEND_HEEDWRITER_H

#include "Weights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace heed {

/// A model as .heed text and the weights it names.
struct WrittenModel {
  std::string text;
  WeightStore weights;
};

/// Writes \p graph (its parameters' values in \p params) as .heed; \p origin
/// (the source file) goes into the header comment. An op the language cannot
/// express is an error at its location.
mlir::FailureOr<WrittenModel> writeHeed(mlir::func::FuncOp graph,
                                        const WeightStore &params,
                                        llvm::StringRef origin);

} // namespace heed

#endif // HEED_FRONTEND_HEEDWRITER_H
