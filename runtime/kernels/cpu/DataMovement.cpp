//===- DataMovement.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerDataMovementKernels() {}

} // namespace heed::rt
