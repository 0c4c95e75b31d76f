//===- Registry.cpp - Every kernel family of libheedrt --------------------===//
//
// Explicit registration (rather than static initialisers) so that linking
// libheedrt statically never drops a kernel.
//
//===----------------------------------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerElementwiseKernels();

void registerAllKernels() { registerElementwiseKernels(); }

} // namespace heed::rt
