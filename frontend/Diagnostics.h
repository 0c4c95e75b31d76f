//===- Diagnostics.h - file:line:col diagnostics with a caret ---*- C++ -*-===//

#ifndef HEED_FRONTEND_DIAGNOSTICS_H
#define HEED_FRONTEND_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"

namespace llvm {
class SourceMgr;
class raw_ostream;
} // namespace llvm

namespace heed {

/// Prints every MLIR diagnostic as
///
///     file:line:col: error: message
///       the source line
///           ^
///
/// finding the file position inside NameLoc/CallSiteLoc/FusedLoc wrappers
/// (an inlined subgraph adds "note: called from" with the call's line).
/// Source lines longer than 160 columns are cut to a window around the caret
/// and messages longer than 1000 characters are cut in the middle, so a
/// pathological input cannot flood the terminal; control characters and
/// invalid UTF-8 print as '?'. Diagnostics without a
/// file position print as `<tool>: error: message`.
class HeedDiagnosticHandler : public mlir::ScopedDiagnosticHandler {
public:
  HeedDiagnosticHandler(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *ctx,
                        llvm::StringRef toolName, llvm::raw_ostream &os);

  /// Number of errors reported so far.
  unsigned errorCount() const { return errors; }

private:
  void emit(mlir::Diagnostic &diag);
  void print(mlir::Location loc, mlir::DiagnosticSeverity severity,
             const llvm::Twine &message);

  llvm::SourceMgr &sourceMgr;
  std::string toolName;
  llvm::raw_ostream &os;
  unsigned errors = 0;
};

} // namespace heed

#endif // HEED_FRONTEND_DIAGNOSTICS_H
