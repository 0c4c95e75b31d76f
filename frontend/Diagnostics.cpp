//===- Diagnostics.cpp - file:line:col diagnostics with a caret -----------===//

#include "Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ConvertUTF.h"
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

/// The name of the outermost NameLoc of \p loc ("node 'x' (MatMul)" for an
/// op imported from ONNX), if any.
static std::optional<StringRef> findName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().getValue();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = findName(inner))
        return name;
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
static std::optional<StringRef> sourceLine(llvm::SourceMgr &sm, StringRef file,
                                           unsigned line) {
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

/// \p text made safe for a terminal: tabs become spaces, other control
/// characters '?', and when \p text is not valid UTF-8 (a bad file, or a
/// window that cuts a character) every non-ASCII byte becomes '?'.
static std::string printable(StringRef text) {
  const llvm::UTF8 *cursor = (const llvm::UTF8 *)text.begin();
  bool utf8 = llvm::isLegalUTF8String(&cursor, (const llvm::UTF8 *)text.end());
  std::string out = text.str();
  for (char &c : out) {
    unsigned char u = c;
    if (c == '\t')
      c = ' ';
    else if (u < 0x20 || u == 0x7f || (u >= 0x80 && !utf8))
      c = '?';
  }
  return out;
}

/// Columns that \p text takes on a terminal (one per UTF-8 character).
static size_t displayWidth(StringRef text) {
  return llvm::count_if(
      text, [](char c) { return ((unsigned char)c & 0xC0) != 0x80; });
}

void HeedDiagnosticHandler::print(Location loc, DiagnosticSeverity severity,
                                  const Twine &message) {
  // Messages quote names and strings from the file: keep a pathological one
  // (a 10 MB name) from flooding the terminal.
  std::string msg = message.str();
  if (msg.size() > 1000)
    msg = msg.substr(0, 600) + "...[" + std::to_string(msg.size() - 800) +
          " characters cut]..." + msg.substr(msg.size() - 200);
  msg = printable(msg);
  SmallVector<FileLineColLoc> callers;
  std::optional<FileLineColLoc> file = findFileLoc(loc, callers);
  if (!file) {
    os << toolName << ": " << severityName(severity) << ": " << msg << "\n";
    return;
  }
  // A file without lines (an ONNX model): the file and the node.
  if (file->getLine() == 0) {
    os << file->getFilename().getValue() << ": ";
    if (auto name = findName(loc))
      os << printable(*name) << ": ";
    os << severityName(severity) << ": " << msg << "\n";
    return;
  }
  os << file->getFilename().getValue() << ":" << file->getLine() << ":"
     << file->getColumn() << ": " << severityName(severity) << ": " << msg
     << "\n";
  if (auto line = sourceLine(sourceMgr, file->getFilename(), file->getLine())) {
    // Show at most 160 bytes around the caret. The caret counts characters,
    // not bytes, so it stays under its token after UTF-8 text.
    size_t col = file->getColumn() ? file->getColumn() - 1 : 0;
    size_t begin = col > 80 ? col - 80 : 0;
    std::string text = printable(line->substr(begin, 160));
    size_t before = col - begin;
    size_t pad = before <= text.size()
                     ? displayWidth(StringRef(text).take_front(before))
                     : displayWidth(text) + (before - text.size());
    os << "  " << (begin ? "..." : "") << text
       << (begin + 160 < line->size() ? "..." : "") << "\n";
    os << "  " << (begin ? "   " : "") << std::string(pad, ' ') << "^\n";
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
