//===- Registry.cpp - Every kernel family of libheedrt --------------------===//
//
// Explicit registration (rather than static initialisers) so that linking
// libheedrt statically never drops a kernel.
//
//===----------------------------------------------------------------------===//

#include "Kernel.h"

namespace heed::rt {

void registerAdditiveAttentionKernels();
void registerAttentionKernels();
void registerConvKernels();
void registerDataMovementKernels();
void registerElementwiseKernels();
void registerMatmulKernels();
void registerNormalizationKernels();
void registerRecurrentKernels();
void registerReductionKernels();

void registerAllKernels() {
  registerAdditiveAttentionKernels();
  registerAttentionKernels();
  registerConvKernels();
  registerDataMovementKernels();
  registerElementwiseKernels();
  registerMatmulKernels();
  registerNormalizationKernels();
  registerRecurrentKernels();
  registerReductionKernels();
}

} // namespace heed::rt
