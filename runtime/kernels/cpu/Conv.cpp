//===- Conv.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerConvKernels() {}

} // namespace heed::rt
