//===- HeedDialect.cpp - The heed dialect ---------------------------------===//

#include "heed/HeedDialect.h"
#include "heed/HeedOps.h"

using namespace mlir;
using namespace heed;

#include "heed/HeedDialect.cpp.inc"

void HeedDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "heed/HeedOps.cpp.inc"
      >();
}
