//===- Sweep.h - The points of a --sweep ------------------------*- C++ -*-===//
//
// `--sweep NAME=V1,V2,...` (repeatable) binds the dimension NAME to each
// value in turn, like `--dim NAME=V`; several --sweep flags give the
// cartesian product, the first flag varying slowest. Without --sweep there
// is one point with no dimension bound.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_SWEEP_H
#define HEED_TOOLS_HEEDBENCH_SWEEP_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace heed::bench {

/// One swept dimension and its values, in the order given.
struct SweepAxis {
  std::string name;
  std::vector<int64_t> values;
};

/// One sweep point: a value per swept dimension, in --sweep order.
using SweepPoint = std::vector<std::pair<std::string, int64_t>>;

/// Parses the --sweep flags; false with \p error ("--sweep L=512,x: 'x' is
/// not a positive integer") on bad syntax or a dimension swept twice.
bool parseSweepFlags(llvm::ArrayRef<std::string> flags,
                     std::vector<SweepAxis> &axes, std::string &error);

/// The cartesian product of \p axes (one empty point when there are none).
std::vector<SweepPoint> sweepPoints(llvm::ArrayRef<SweepAxis> axes);

/// The point as dimension bindings.
std::map<std::string, int64_t> pointDims(const SweepPoint &point);

/// "L=512 H=8" ("" for the empty point).
std::string describePoint(const SweepPoint &point);

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_SWEEP_H
