//===- Diagnostics.cpp - file:line:col diagnostics with a caret -----------===//

#include "Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace heed;

HeedDiagnosticHandler::HeedDiagnosticHandler(llvm::SourceMgr &sourceMgr,
                                             MLIRContext *ctx,
                                             llvm::StringRef toolName,
                                             llvm::raw_ostream &os)
    : ScopedDiagnosticHandler(ctx), sourceMgr(sourceMgr),
      toolName(toolName.str()), os(os) {
  setHandler([this](Diagnostic &diag) {
    emit(diag);
    return success();
  });
}

/// The innermost file position of \p loc and, for an inlined call, the
/// positions of the calls it came through (innermost first).
static std::optional<FileLineColLoc>
findFileLoc(Location loc, SmallVectorImpl<FileLineColLoc> &callers) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return file;
  if (auto name = dyn_cast<NameLoc>(loc))
    return findFileLoc(name.getChildLoc(), callers);
  if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    SmallVector<FileLineColLoc> outer;
    std::optional<FileLineColLoc> callee =
        findFileLoc(call.getCallee(), callers);
    if (auto caller = findFileLoc(call.getCaller(), outer))
      callers.push_back(*caller);
    callers.append(outer.begin(), outer.end());
    return callee;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto file = findFileLoc(inner, callers))
        return file;
  return std::nullopt;
}

static const char *severityName(DiagnosticSeverity s) {
  switch (s) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

/// The text of line \p line of the buffer holding \p file, if loaded.
static std::optional<StringRef> sourceLine(llvm::SourceMgr &sm,
                                           StringRef file, unsigned line) {
  for (unsigned id = 1; id <= sm.getNumBuffers(); ++id) {
    const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(id);
    if (buf->getBufferIdentifier() != file)
      continue;
    if (line == 0)
      return std::nullopt;
    const char *ptr = sm.FindLocForLineAndColumn(id, line, 1).getPointer();
    if (!ptr)
      return std::nullopt;
    StringRef rest(ptr, buf->getBufferEnd() - ptr);
    return rest.take_until([](char c) { return c == '\n' || c == '\r'; });
  }
  return std::nullopt;
}

void HeedDiagnosticHandler::print(Location loc, DiagnosticSeverity severity,
                                  const Twine &message) {
  SmallVector<FileLineColLoc> callers;
  std::optional<FileLineColLoc> file = findFileLoc(loc, callers);
  if (!file) {
    os << toolName << ": " << severityName(severity) << ": " << message
       << "\n";
    return;
  }
  os << file->getFilename().getValue() << ":" << file->getLine() << ":"
     << file->getColumn() << ": " << severityName(severity) << ": " << message
     << "\n";
  if (auto line = sourceLine(sourceMgr, file->getFilename(), file->getLine())) {
    // Show at most 160 columns around the caret; tabs print as one space.
    size_t col = file->getColumn() ? file->getColumn() - 1 : 0;
    size_t begin = col > 80 ? col - 80 : 0;
    StringRef shown = line->substr(begin, 160);
    std::string text = shown.str();
    for (char &c : text)
      if (c == '\t')
        c = ' ';
    os << "  " << (begin ? "..." : "") << text
       << (begin + 160 < line->size() ? "..." : "") << "\n";
    os << "  " << (begin ? "   " : "") << std::string(col - begin, ' ')
       << "^\n";
  }
  for (FileLineColLoc caller : callers)
    print(caller, DiagnosticSeverity::Note, "called from here");
}

void HeedDiagnosticHandler::emit(Diagnostic &diag) {
  if (diag.getSeverity() == DiagnosticSeverity::Error)
    ++errors;
  print(diag.getLocation(), diag.getSeverity(), diag.str());
  for (Diagnostic &note : diag.getNotes())
    print(note.getLocation(), note.getSeverity(), note.str());
}
