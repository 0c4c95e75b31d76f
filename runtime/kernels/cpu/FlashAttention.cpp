//===- FlashAttention.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerAttentionKernels() {}

} // namespace heed::rt
