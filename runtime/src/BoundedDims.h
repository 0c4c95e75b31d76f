//===- BoundedDims.h - Dimensions known only at run time --------*- C++ -*-===//
//
// A plan may declare bounded dimensions (heed_plan_add_dim, `heedc --dim
// L=1..512`): it is written, and its arena planned, with every one at its
// largest value, and the extents and integer attributes that follow one
// say so (heed_plan_bind_dim, heed_plan_bind_int) as declared + coeff *
// (value - hi). A run finds the values from its inputs' shapes and, when
// they differ from the last run's, creates the kernels that depend on them
// again for the new sizes: kernels always see the actual shapes, and the
// buffers keep their offsets (each is at most as large as at the bound).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_BOUNDEDDIMS_H
#define HEED_RUNTIME_BOUNDEDDIMS_H

#include "Plan.h"

#include <cstdint>
#include <vector>

namespace heed::rt {

/// Buffer \p b's dtype and shape at dimension values \p values.
TensorDesc descAt(const PlanBuffer &b, const std::vector<PlanDim> &dims,
                  const std::vector<int64_t> &values);

/// Buffer \p b's size in bytes at \p values (allocates nothing).
size_t bytesAt(const PlanBuffer &b, const std::vector<PlanDim> &dims,
               const std::vector<int64_t> &values);

/// Buffer \p b's type with its bounded extents named, e.g.
/// "i64[1, L] with L in 1..512" ("f32[2, 3]" without bounded extents).
std::string symbolicDesc(const PlanBuffer &b, const std::vector<PlanDim> &dims);

/// Node \p n's attributes at \p values.
Attrs attrsAt(const PlanNode &n, const std::vector<PlanDim> &dims,
              const std::vector<int64_t> &values);

/// Checks a plan's bounded dimensions when it is finalized: each is given
/// by some input's extent, no state follows one, and every extent and
/// attribute stays non-negative down to the smallest values. (A constant
/// that follows one is its leading elements at smaller sizes.)
void checkBoundedDims(const heed_plan &plan);

/// The dimension values that inputs of shapes \p shapes (in input order)
/// give, after checking each input's dtype \p dtypes and shape: a message
/// names the input, its type and what the model accepts, or the two inputs
/// that disagree on a dimension.
std::vector<int64_t>
solveDims(const heed_model &model, const std::vector<heed_dtype> &dtypes,
          const std::vector<const std::vector<int64_t> *> &shapes);

/// Creates the kernels that depend on a bounded dimension again for
/// \p values (nothing when they are the current ones), one at a time, each
/// sharing what its predecessor prepared from constants. On failure the
/// next run creates them all again.
void specializeKernels(heed_model &model, const std::vector<int64_t> &values);

/// The kernel of node \p n of \p model at dimension values \p values,
/// replacing \p previous (KernelSignature::previous; may be null).
std::unique_ptr<Kernel> createNodeKernel(const heed_model &model,
                                         const PlanNode &n,
                                         const std::vector<int64_t> &values,
                                         const Kernel *previous);

} // namespace heed::rt

#endif // HEED_RUNTIME_BOUNDEDDIMS_H
