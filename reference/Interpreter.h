//===- Interpreter.h - Evaluate a heed/attn graph ---------------*- C++ -*-===//
//
// The reference interpreter: walks a `func.func` of heed and attn ops in
// order and evaluates each with the reference kernels (Kernels.h). It is the
// executable meaning of the language, against which every compiled pipeline
// is tested.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_REFERENCE_INTERPRETER_H
#define HEED_REFERENCE_INTERPRETER_H

#include "HostConversion.h"
#include "Tensor.h"

#include "heed/io/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

namespace heed::ref {

/// Evaluates \p graph on \p inputs (one per argument, in order) with the
/// parameter values \p params (by heed.param name). An op that fails at run
/// time (an index out of range) is reported as an error at its location.
mlir::FailureOr<std::vector<Tensor>>
interpret(mlir::func::FuncOp graph, llvm::ArrayRef<Tensor> inputs,
          const llvm::StringMap<io::HostTensor> &params);

/// Evaluates the single op \p op on \p operands (one per operand, in order)
/// and returns its results: how importers fold ops whose operands are all
/// constants with exactly the semantics of the interpreter. An op that fails
/// (an index out of range) is reported as an error at its location.
mlir::FailureOr<std::vector<Tensor>>
evaluateOp(mlir::Operation *op, llvm::ArrayRef<Tensor> operands);

} // namespace heed::ref

#endif // HEED_REFERENCE_INTERPRETER_H
