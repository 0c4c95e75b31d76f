//===- AttnDialect.cpp - The attn dialect ---------------------------------===//

#include "attn/AttnDialect.h"
#include "attn/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace heed::attn;

#include "attn/AttnDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/AttnAttrs.cpp.inc"

void AttnDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/AttnAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "attn/AttnOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Attribute verifiers
//===----------------------------------------------------------------------===//

LogicalResult WindowAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t left, int64_t right) {
  if (left < 0 || right < 0)
    return emitError() << "window sizes must be non-negative, got <" << left
                       << ", " << right << ">";
  return success();
}

LogicalResult BlocksAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t qBlock, int64_t kBlock,
                                 ArrayAttr visit) {
  if (qBlock < 1 || kBlock < 1)
    return emitError() << "block sizes must be positive, got q_block = "
                       << qBlock << ", k_block = " << kBlock;
  for (Attribute row : visit) {
    auto tiles = llvm::dyn_cast<DenseI64ArrayAttr>(row);
    if (!tiles)
      return emitError() << "each visit entry must be an array<i64: ...> of "
                            "key tile indices";
    for (int64_t t : tiles.asArrayRef())
      if (t < 0)
        return emitError() << "key tile indices must be non-negative";
  }
  return success();
}

LogicalResult TopKAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat ratio) {
  double r = ratio.convertToDouble();
  if (!(r > 0.0 && r <= 1.0))
    return emitError() << "top-k ratio must be in (0, 1], got " << r;
  return success();
}

Attribute TopKAttr::parse(AsmParser &parser, Type) {
  double ratio;
  if (parser.parseLess() || parser.parseFloat(ratio) || parser.parseGreater())
    return {};
  return parser.getChecked<TopKAttr>(parser.getContext(), APFloat(ratio));
}

void TopKAttr::print(AsmPrinter &printer) const {
  printer << "<" << getRatio().convertToDouble() << ">";
}
