//===- Normalization.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerNormalizationKernels() {}

} // namespace heed::rt
