//===- Recurrent.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerRecurrentKernels() {}

} // namespace heed::rt
