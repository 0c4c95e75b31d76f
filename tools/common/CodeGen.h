//===- CodeGen.h - From the LLVM dialect to objects and programs -*- C++
//-*-===//
//
// The back end heedc and heed-run share: translating a lowered module to
// LLVM IR with its weights, making a TargetMachine for the host or a named
// CPU, writing object files, and linking executables and shared libraries
// against libheedrt through the system C++ compiler driver.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_CODEGEN_H
#define HEED_TOOLS_CODEGEN_H

#include "Weights.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace heed::tools {

/// Registers the LLVM IR translations of the builtin and LLVM dialects.
void registerLLVMTranslations(mlir::MLIRContext &context);

/// A TargetMachine for this machine's triple and \p cpu ("host" picks the
/// host CPU and its features); errors (an unknown CPU) go to \p context's
/// diagnostics.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(llvm::StringRef cpu, mlir::MLIRContext &context);

/// Translates \p module (LLVM dialect, from heedrt-to-llvm) to LLVM IR for
/// \p machine, defining the embedded weights from \p weights.
std::unique_ptr<llvm::Module> translateToLLVM(mlir::ModuleOp module,
                                              llvm::LLVMContext &llvmContext,
                                              llvm::TargetMachine &machine,
                                              const WeightStore &weights);

/// Writes \p module as an object file to \p path.
mlir::LogicalResult writeObject(llvm::Module &module,
                                llvm::TargetMachine &machine,
                                llvm::StringRef path,
                                mlir::MLIRContext &context);

/// The directory holding libheedrt: `../lib` next to the running tool
/// (build tree and install prefix alike). \p argv0 locates the tool.
std::string runtimeLibraryDir(const char *argv0);

/// Links \p object with libheedrt into an executable, or a shared library
/// when \p shared, at \p output, through $CXX or `c++`. The result appears
/// at \p output only when linking succeeds.
mlir::LogicalResult linkProgram(llvm::StringRef object, llvm::StringRef output,
                                bool shared, llvm::StringRef libraryDir,
                                mlir::MLIRContext &context);

} // namespace heed::tools

#endif // HEED_TOOLS_CODEGEN_H
