//===- heed-opt.cpp - MLIR optimizer driver with Heed registered ----------===//
//
// mlir-opt with the heed and attn dialects and every Heed pass registered,
// plus the upstream passes the pipelines use (canonicalize, cse, ...).
//
//===----------------------------------------------------------------------===//

#include "heed/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::DialectRegistry registry;
  heed::registerHeedDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Heed optimizer driver\n", registry));
}
