//===- HeedDialect.h - The heed dialect -------------------------*- C++ -*-===//

#ifndef HEED_DIALECTS_HEEDDIALECT_H
#define HEED_DIALECTS_HEEDDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

#include "heed/HeedDialect.h.inc"

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace heed {

/// Name of the module attribute holding the entry graph's symbol name.
constexpr const char *kEntryAttrName = "heed.entry";
/// Name of the argument/result attribute holding an input's/output's name.
constexpr const char *kNameAttrName = "heed.name";
/// Unit argument/result attribute of a state (`state NAME: TYPE`): the
/// argument is the state's value at the start of a run, the result (of the
/// same `heed.name`) its value for the next run.
constexpr const char *kStateAttrName = "heed.state";

/// The graph a module compiles to a model: the `func.func` named by the
/// module's `heed.entry` attribute, else the module's only function; null
/// when there is none.
mlir::func::FuncOp getEntryGraph(mlir::ModuleOp module);

} // namespace heed

#endif // HEED_DIALECTS_HEEDDIALECT_H
