//===- Load.cpp - Reading .heed files and command-line dimensions ---------===//

#include "Frontend.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace heed;

OwningOpRef<ModuleOp> heed::loadHeedFile(StringRef path,
                                         llvm::SourceMgr &sourceMgr,
                                         MLIRContext &context,
                                         const FrontendOptions &options) {
  if (llvm::sys::fs::is_directory(path)) {
    emitError(UnknownLoc::get(&context)) << path << ": is a directory";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/
                                                   false);
  if (std::error_code ec = buffer.getError()) {
    emitError(UnknownLoc::get(&context))
        << "cannot read " << path << ": " << ec.message();
    return nullptr;
  }
  unsigned id = sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  return emitHeedModule(sourceMgr, id, context, options);
}

LogicalResult heed::parseDimFlags(ArrayRef<std::string> flags,
                                  std::map<std::string, int64_t> &dims,
                                  MLIRContext &context) {
  for (StringRef flag : flags) {
    auto [name, value] = flag.split('=');
    int64_t v;
    if (name.empty() || value.empty() || value.getAsInteger(10, v) || v < 1)
      return emitError(UnknownLoc::get(&context))
             << "--dim " << flag
             << ": expected NAME=VALUE with a positive integer VALUE";
    if (dims.count(name.str()))
      return emitError(UnknownLoc::get(&context))
             << "--dim " << name << " is given twice";
    dims[name.str()] = v;
  }
  return success();
}
