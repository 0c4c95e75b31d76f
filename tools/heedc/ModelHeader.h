//===- ModelHeader.h - The C header of a compiled model ---------*- C++ -*-===//

#ifndef HEED_TOOLS_HEEDC_MODELHEADER_H
#define HEED_TOOLS_HEEDC_MODELHEADER_H

#include "heedrt/HeedrtOps.h"

#include "llvm/Support/raw_ostream.h"

namespace heed::tools {

/// Writes the C header that declares the API of the model compiled from
/// \p plan (`<model>_load`, `<model>_run`, `<model>_free`) and describes its
/// inputs and outputs. \p source names the .heed file in the comment.
void writeModelHeader(heedrt::PlanOp plan, llvm::StringRef source,
                      bool externalWeights, llvm::raw_ostream &os);

} // namespace heed::tools

#endif // HEED_TOOLS_HEEDC_MODELHEADER_H
