//===- CodeGen.cpp - From the LLVM dialect to objects and programs --------===//

#include "CodeGen.h"
#include "OutputPath.h"

#include "passes/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <cstdlib>
#include <cstring>
#include <deque>

using namespace mlir;

namespace heed::tools {

void registerLLVMTranslations(MLIRContext &context) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  context.appendDialectRegistry(registry);
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(StringRef cpu,
                                                         MLIRContext &context) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    emitError(UnknownLoc::get(&context))
        << "no target for " << triple << ": " << error;
    return nullptr;
  }
  std::string cpuName = cpu.str();
  llvm::SubtargetFeatures features;
  if (cpu == "host") {
    cpuName = llvm::sys::getHostCPUName().str();
    for (auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      features.AddFeature(name, enabled);
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpuName, features.getString(), llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Default));
  if (!machine || !machine->getMCSubtargetInfo()->isCPUStringValid(cpuName)) {
    emitError(UnknownLoc::get(&context))
        << "--target-cpu=" << cpu << " is not a CPU LLVM knows for " << triple
        << " (try 'host', 'x86-64-v3', 'skylake-avx512', ...)";
    return nullptr;
  }
  return machine;
}

std::unique_ptr<llvm::Module> translateToLLVM(ModuleOp module,
                                              llvm::LLVMContext &llvmContext,
                                              llvm::TargetMachine &machine,
                                              const WeightStore &weights) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "heed-model");
  if (!llvmModule)
    return nullptr;
  llvmModule->setDataLayout(machine.createDataLayout());
  llvmModule->setTargetTriple(machine.getTargetTriple().str());
  // Weights the plan reads as bf16 (--precision=bf16) from f32 values are
  // rounded to nearest even here; the strings outlive defineWeights, which
  // copies them into the module.
  std::deque<std::string> rounded;
  auto data = [&](StringRef name, Type type) -> std::optional<StringRef> {
    auto it = weights.find(name);
    if (it == weights.end())
      return std::nullopt;
    const io::HostTensor &t = it->second;
    if (type && type.isBF16() && t.dtype == DType::F32) {
      std::string &out = rounded.emplace_back(t.data.size() / 2, '\0');
      for (size_t i = 0; i < t.data.size() / 4; ++i) {
        float f;
        std::memcpy(&f, t.data.data() + 4 * i, 4);
        uint16_t h = floatToBf16(f);
        std::memcpy(&out[2 * i], &h, 2);
      }
      return StringRef(out);
    }
    return StringRef(reinterpret_cast<const char *>(t.data.data()),
                     t.data.size());
  };
  if (failed(defineWeights(module, *llvmModule, data)))
    return nullptr;
  return llvmModule;
}

LogicalResult writeObject(llvm::Module &module, llvm::TargetMachine &machine,
                          StringRef path, MLIRContext &context) {
  return writeOutput(
      path,
      [&](llvm::raw_pwrite_stream &os) -> LogicalResult {
        llvm::legacy::PassManager pm;
        if (machine.addPassesToEmitFile(pm, os, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
          return emitError(UnknownLoc::get(&context))
                 << "the target cannot emit object files";
        pm.run(module);
        return success();
      },
      context);
}

std::string runtimeLibraryDir(const char *argv0) {
  std::string self =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&runtimeLibraryDir);
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(dir, "..", "lib");
  llvm::sys::path::remove_dots(dir, /*remove_dot_dot=*/true);
  return dir.str().str();
}

LogicalResult linkProgram(StringRef object, StringRef output, bool shared,
                          StringRef libraryDir, MLIRContext &context) {
  auto fail = [&]() { return emitError(UnknownLoc::get(&context)); };
  llvm::SmallString<256> library(libraryDir);
  llvm::sys::path::append(library, "libheedrt.so");
  if (!llvm::sys::fs::exists(library))
    return fail() << "cannot find the runtime library " << library
                  << " (heedc looks in ../lib next to itself)";
  const char *cxxEnv = std::getenv("CXX");
  std::string driver = cxxEnv && *cxxEnv ? cxxEnv : "c++";
  auto program = llvm::sys::findProgramByName(driver);
  if (!program)
    return fail() << "cannot find the C++ compiler driver '" << driver
                  << "' to link with (set CXX)";
  // Link to a unique temporary beside the output, then rename: a failed
  // link leaves what was at the output path, and two links to one path
  // each leave a whole file.
  auto temporary = temporaryBeside(output, context);
  if (failed(temporary))
    return failure();
  std::string partial = *temporary;
  std::string rpath = ("-Wl,-rpath," + libraryDir).str();
  std::string libDirFlag = ("-L" + libraryDir).str();
  SmallVector<StringRef> args = {*program, object, "-o", partial};
  if (shared)
    args.push_back("-shared");
  // A libheedrt built with sanitizers needs their runtimes in the program.
  if (*HEED_RUNTIME_SANITIZE_FLAG)
    args.push_back(HEED_RUNTIME_SANITIZE_FLAG);
  args.append({libDirFlag, "-lheedrt", rpath});
  std::string error;
  int rc =
      llvm::sys::ExecuteAndWait(*program, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0) {
    llvm::sys::fs::remove(partial);
    return fail() << "linking " << output << " failed"
                  << (error.empty() ? "" : ": " + error) << " (" << driver
                  << " exited with " << rc << ")";
  }
  return commitOutput(partial, output, context);
}

} // namespace heed::tools
