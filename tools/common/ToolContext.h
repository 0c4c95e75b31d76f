//===- ToolContext.h - The MLIR context of the Heed tools -------*- C++ -*-===//
//
// heedc, heed-run and heed-bench compile in the same setting: the Heed
// dialects and the LLVM dialect with its translation to LLVM IR, and
// diagnostics printed as `file:line:col: error: ...` with the source line
// and a caret, prefixed by the tool's name when they have no location.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_TOOLCONTEXT_H
#define HEED_TOOLS_TOOLCONTEXT_H

#include "Diagnostics.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

namespace heed::tools {

/// An MLIR context with everything a Heed tool compiles with, and the
/// source manager and diagnostic handler its errors go through.
class ToolContext {
public:
  explicit ToolContext(llvm::StringRef toolName);

  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  HeedDiagnosticHandler diagnostics;

  /// The tool's exit status: \p status, or 1 with an error when what it
  /// printed did not reach standard output (a full disk, a closed pipe).
  int exitStatus(int status);
};

} // namespace heed::tools

#endif // HEED_TOOLS_TOOLCONTEXT_H
