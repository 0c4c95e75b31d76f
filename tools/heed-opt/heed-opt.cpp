//===- heed-opt.cpp - MLIR optimizer driver with Heed registered ----------===//
//
// mlir-opt with the heed, attn and heedrt dialects, every Heed pass and the
// heed-lower-O0/-O2 pipelines registered, plus the upstream passes the
// pipelines use (canonicalize, cse, ...) and the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "heed/Registration.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  heed::registerHeedPasses();
  heed::registerHeedPipelines();
  mlir::DialectRegistry registry;
  heed::registerHeedDialects(registry);
  registry.insert<mlir::LLVM::LLVMDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Heed optimizer driver\n", registry));
}
