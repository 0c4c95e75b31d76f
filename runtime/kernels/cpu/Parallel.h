//===- Parallel.h - Deterministic parallel loops for kernels ----*- C++ -*-===//

#ifndef HEED_RUNTIME_KERNELS_PARALLEL_H
#define HEED_RUNTIME_KERNELS_PARALLEL_H

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>

#include <algorithm>
#include <cstdint>

namespace heed::rt {

/// Makes the calling thread's oneDNN/OpenMP calls single-threaded (defined in
/// src/Executor.cpp; a thread-local flag makes repeated calls free).
void pinOneDnnToOneThread();

/// Calls \p body(begin, end) on consecutive chunks of [0, n) of \p grain
/// items each. The chunks depend only on n and grain, never on the thread
/// count, and each element is computed by exactly one chunk, so results are
/// bitwise identical for any number of threads. Every thread that runs a
/// chunk is pinned to single-threaded oneDNN first (a TBB worker may help
/// here without having run a node).
template <typename Body>
void parallelChunks(int64_t n, int64_t grain, const Body &body) {
  if (n <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks == 1) {
    body(int64_t(0), n);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<int64_t> &r) {
        pinOneDnnToOneThread();
        for (int64_t c = r.begin(); c != r.end(); ++c)
          body(c * grain, std::min(n, (c + 1) * grain));
      },
      tbb::simple_partitioner());
}

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_PARALLEL_H
