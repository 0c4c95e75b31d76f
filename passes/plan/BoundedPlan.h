//===- BoundedPlan.h - One plan for every size in a range -------*- C++ -*-===//
//
// `heedc --dim L=1..512` compiles one binary for every L in the range. The
// model is compiled to a heedrt plan at L = 512 (the bound: buffer offsets
// and the arena are planned for it) and again at a few other values; every
// integer of the plans (an extent, a kernel attribute) must then be the same
// at all of them, or a straight line in one dimension, c * L + d with
// c >= 1, which the plan records (`bounded_dims`, `bounded`,
// `bounded_params`) and the runtime evaluates at the L of each run. The
// fused attention kernels of such a plan choose their tiles at run time
// (`auto_tile`), as attn-tile would for that L. Anything else that differs
// (the plan's structure, a constant's value, a float attribute) is an error
// at the op concerned.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_PLAN_BOUNDEDPLAN_H
#define HEED_PASSES_PLAN_BOUNDEDPLAN_H

#include "heedrt/HeedrtOps.h"

#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace heed {

/// A dimension given a range, `--dim NAME=LO..HI` (LO < HI).
struct BoundedDim {
  std::string name;
  int64_t lo, hi;
};

/// The dimension values to compile a model at for \p dims: first every
/// dimension at its bound; then, for each dimension in turn, that one at
/// its bound minus one (each slope); last, when some dimension has room,
/// every dimension at the middle of its range (a check that the slopes
/// predict it).
std::vector<std::map<std::string, int64_t>>
boundedSamplePoints(llvm::ArrayRef<BoundedDim> dims);

/// Annotates \p plans[0] (compiled at the first point of
/// boundedSamplePoints(\p dims)) from the plans compiled at every point, in
/// that order. Reports the first thing that does not follow the dimensions
/// as a straight line at the op concerned (in plans[0]) and fails.
mlir::LogicalResult annotateBoundedPlan(llvm::ArrayRef<heedrt::PlanOp> plans,
                                        llvm::ArrayRef<BoundedDim> dims);

} // namespace heed

#endif // HEED_PASSES_PLAN_BOUNDEDPLAN_H
