//===- Reduction.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerReductionKernels() {}

} // namespace heed::rt
