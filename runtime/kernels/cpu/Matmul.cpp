//===- Matmul.cpp - (being written) ------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerMatmulKernels() {}

} // namespace heed::rt
