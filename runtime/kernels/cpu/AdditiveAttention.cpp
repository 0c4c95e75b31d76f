//===- AdditiveAttention.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerAdditiveAttentionKernels() {}

} // namespace heed::rt
