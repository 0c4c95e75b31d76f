//===- HeedFrontendFuzzer.cpp - Fuzz target of the .heed frontend ---------===//
//
// The input is a .heed file. emitHeedModule (lexer, parser, evaluation into
// heed/attn MLIR, verification) must return a verified module or report at
// least one error, through the diagnostic handler heedc prints with, whose
// output must be printable: valid UTF-8 without control characters other
// than newlines. A module it returns must print, and its printed form must
// parse back and verify (heed-opt reads what heedc --emit=mlir writes).
// Each input gets a fresh MLIRContext, so a crash reproduces from its input
// alone; --max-ops is lowered to 20,000 to keep each run short.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"
#include "PrintableText.h"

#include "Diagnostics.h"
#include "Frontend.h"
#include "heed/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DialectRegistry registry;
  heed::registerHeedDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  heed::HeedDiagnosticHandler handler(sourceMgr, &context, "heedc",
                                      diagnosticStream);
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "input.heed"),
      llvm::SMLoc());
  heed::FrontendOptions options;
  options.maxOps = 20000;
  OwningOpRef<ModuleOp> module =
      heed::emitHeedModule(sourceMgr, id, context, options);
  diagnosticStream.flush();
  HEED_FUZZ_CHECK(heed::fuzz::isPrintableText(diagnostics));
  if (!module) {
    HEED_FUZZ_CHECK(handler.errorCount() > 0);
    return 0;
  }
  HEED_FUZZ_CHECK(handler.errorCount() == 0);
  HEED_FUZZ_CHECK(succeeded(verify(*module)));

  std::string printed;
  llvm::raw_string_ostream printedStream(printed);
  module->print(printedStream);
  printedStream.flush();
  OwningOpRef<ModuleOp> reparsed =
      parseSourceString<ModuleOp>(printed, ParserConfig(&context));
  HEED_FUZZ_CHECK(reparsed && succeeded(verify(*reparsed)));
  return 0;
}
