//===- Executor.h - Running a model's nodes on TBB --------------*- C++ -*-===//
//
// One TBB flow graph per model, built once in the model's task_arena: a
// continue_node per kernel node, edges from the dependency analysis of
// Model.cpp. Independent nodes run concurrently; inside a node, kernels split
// work with tbb::parallel_for over a fixed grid. oneDNN (built with OpenMP on
// Debian) runs single-threaded inside every task: each thread sets its
// OpenMP team size to 1 before it runs a node or a chunk of a kernel's
// parallel loop, so the only parallelism is TBB's and the cores are never
// oversubscribed.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_EXECUTOR_H
#define HEED_RUNTIME_EXECUTOR_H

#include "Plan.h"

#include <exception>
#include <memory>

namespace heed::rt {

class Executor {
public:
  /// Builds the arena of \p threads workers and the graph over
  /// \p model.nodes.
  Executor(heed_model &model, int threads);
  ~Executor();
  /// Runs every node once; rethrows the first kernel failure.
  void run();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

/// The thread count for \p requested (0: $HEED_NUM_THREADS or all cores).
int resolveThreadCount(int requested);

/// Makes the calling thread's oneDNN/OpenMP calls single-threaded.
void pinOneDnnToOneThread();

} // namespace heed::rt

#endif // HEED_RUNTIME_EXECUTOR_H
