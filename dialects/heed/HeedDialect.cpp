//===- HeedDialect.cpp - The heed dialect ---------------------------------===//

#include "heed/HeedDialect.h"
#include "heed/HeedOps.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace heed;

#include "heed/HeedDialect.cpp.inc"

void HeedDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "heed/HeedOps.cpp.inc"
      >();
}

func::FuncOp heed::getEntryGraph(ModuleOp module) {
  if (auto entry = module->getAttrOfType<StringAttr>(kEntryAttrName))
    return module.lookupSymbol<func::FuncOp>(entry);
  auto funcs = module.getOps<func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) == 1)
    return *funcs.begin();
  return nullptr;
}
