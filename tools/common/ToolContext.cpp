//===- ToolContext.cpp - The MLIR context of the Heed tools ---------------===//

#include "ToolContext.h"
#include "CodeGen.h"

#include "heed/Registration.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>

using namespace mlir;

namespace heed::tools {

static DialectRegistry toolRegistry() {
  DialectRegistry registry;
  registerHeedDialects(registry);
  registry.insert<LLVM::LLVMDialect>();
  return registry;
}

ToolContext::ToolContext(llvm::StringRef toolName)
    : context(toolRegistry()),
      diagnostics(sourceMgr, &context, toolName, llvm::errs()) {
  registerLLVMTranslations(context);
  // Errors point at the source line; a dump of the generic op adds nothing.
  context.printOpOnDiagnostic(false);
  // A write past the file size limit (ulimit -f) fails with EFBIG and is
  // reported like a full disk, instead of killing the tool (and printing
  // LLVM's crash dump) half way through a temporary file.
  std::signal(SIGXFSZ, SIG_IGN);
}

} // namespace heed::tools

int heed::tools::ToolContext::exitStatus(int status) {
  llvm::outs().flush();
  if (!llvm::outs().has_error())
    return status;
  llvm::outs().clear_error();
  mlir::emitError(mlir::UnknownLoc::get(&context))
      << "cannot write to standard output";
  return 1;
}
