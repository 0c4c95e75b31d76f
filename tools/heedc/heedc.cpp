//===- heedc.cpp - The Heed compiler driver -------------------------------===//
//
// heedc M.heed --emit=mlir [-o OUT]: parses a model and prints the heed/attn
// module. The lowering to a plan and native code (heed-to-heedrt,
// heedrt-to-llvm) and the -O2 passes plug into this driver with their
// issues; until then the other --emit kinds say so and fail cleanly.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Frontend.h"
#include "ModelFlags.h"
#include "Weights.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace heed;
namespace cl = llvm::cl;

static cl::OptionCategory category("heedc options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.heed>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputFile("o",
                                       cl::desc("Output file (default: "
                                                "stdout for --emit)"),
                                       cl::value_desc("file"),
                                       cl::cat(category));
enum class EmitKind { Mlir, Heedrt, Llvm, Obj, Exe };
static cl::opt<EmitKind> emit(
    "emit", cl::desc("Stage to print or write"), cl::init(EmitKind::Exe),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir",
                          "heed/attn tensor-level MLIR"),
               clEnumValN(EmitKind::Heedrt, "heedrt", "buffer-level heedrt"),
               clEnumValN(EmitKind::Llvm, "llvm", "LLVM IR"),
               clEnumValN(EmitKind::Obj, "obj", "object file")),
    cl::cat(category));
static cl::opt<unsigned> optLevel("O", cl::Prefix, cl::init(2),
                                  cl::desc("-O0: unfused baseline, -O2: fused "
                                           "(default)"),
                                  cl::cat(category));
static cl::opt<bool> noLocations("no-locations",
                                 cl::desc("Print MLIR without source "
                                          "locations"),
                                 cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &tools::modelFlagsCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "heedc: compile .heed models\n\n"
                              "  heedc model.heed --emit=mlir [-o out.mlir]\n");
  MLIRContext context;
  // Errors point at the source line; a dump of the generic op adds nothing.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  HeedDiagnosticHandler diagnostics(sourceMgr, &context, "heedc", llvm::errs());
  if (optLevel != 0 && optLevel != 2) {
    emitError(UnknownLoc::get(&context), "-O")
        << optLevel << " is not a pipeline; use -O0 (unfused) or -O2 (fused)";
    return 1;
  }
  OwningOpRef<ModuleOp> module =
      tools::loadModel(inputFile, sourceMgr, context);
  if (!module)
    return 1;

  // Bind parameters when the user asked for it, so that weight errors are
  // compile errors.
  if (tools::weightFlagsGiven() &&
      failed(tools::bindWeightsFromFlags(getEntryGraph(*module))))
    return 1;

  if (emit != EmitKind::Mlir) {
    emitError(UnknownLoc::get(&context))
        << "this build can only print the tensor-level module "
           "(--emit=mlir); lowering to heedrt, LLVM IR, objects and "
           "executables is not implemented yet";
    return 1;
  }
  std::string error;
  auto output = mlir::openOutputFile(
      outputFile.empty() ? std::string("-") : outputFile.getValue(), &error);
  if (!output) {
    emitError(UnknownLoc::get(&context)) << error;
    return 1;
  }
  OpPrintingFlags flags;
  if (!noLocations)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}
