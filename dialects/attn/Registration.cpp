//===- Registration.cpp - Register every Heed dialect ---------------------===//

#include "heed/Registration.h"
#include "attn/AttnDialect.h"
#include "heed/HeedDialect.h"
#include "heedrt/HeedrtDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"

void heed::registerHeedDialects(mlir::DialectRegistry &registry) {
  registry.insert<heed::HeedDialect, heed::attn::AttnDialect,
                  heed::heedrt::HeedrtDialect, mlir::func::FuncDialect>();
}
