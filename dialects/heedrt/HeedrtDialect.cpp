//===- HeedrtDialect.cpp - The heedrt dialect -----------------------------===//

#include "heedrt/HeedrtDialect.h"
#include "heedrt/HeedrtOps.h"

using namespace mlir;
using namespace heed::heedrt;

#include "heedrt/HeedrtDialect.cpp.inc"

void HeedrtDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "heedrt/HeedrtOps.cpp.inc"
      >();
}
