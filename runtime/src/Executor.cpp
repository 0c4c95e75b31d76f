//===- Executor.cpp - Running a model's nodes on TBB ----------------------===//

#include "Executor.h"
#include "Error.h"
#include "OneDnn.h"

#include <omp.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

namespace heed::rt {

void pinOneDnnToOneThread() {
  static thread_local bool pinned = false;
  if (!pinned) {
    omp_set_num_threads(1);
    pinned = true;
  }
}

int resolveThreadCount(int requested) {
  if (requested > 0)
    return requested;
  if (const char *env = std::getenv("HEED_NUM_THREADS")) {
    char *end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end && *end == '\0' && n > 0 && n <= 4096)
      return (int)n;
  }
  return tbb::info::default_concurrency();
}

using tbb::flow::continue_msg;
using FlowNode = tbb::flow::continue_node<continue_msg>;

namespace {

/// Task arenas kept for reuse, by thread count. oneTBB 2021.8 keeps about
/// 7 KB for every task_arena that ran a flow graph, even after both are
/// destroyed, so a service that loads and frees models would grow without
/// bound. Each executor takes an arena of its own from here (concurrent
/// models never share one, as before) and gives it back when it is
/// destroyed; the pool holds as many arenas as models were ever alive at
/// once.
class ArenaPool {
public:
  static ArenaPool &get() {
    // Never destroyed: a model freed during static destruction still
    // returns its arena safely.
    static ArenaPool *pool = new ArenaPool;
    return *pool;
  }

  std::unique_ptr<tbb::task_arena> acquire(int threads) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto &idle = idleByThreads[threads];
      if (!idle.empty()) {
        std::unique_ptr<tbb::task_arena> arena = std::move(idle.back());
        idle.pop_back();
        return arena;
      }
    }
    return std::make_unique<tbb::task_arena>(threads);
  }

  void release(int threads, std::unique_ptr<tbb::task_arena> arena) {
    std::lock_guard<std::mutex> lock(mutex);
    idleByThreads[threads].push_back(std::move(arena));
  }

private:
  std::mutex mutex;
  std::map<int, std::vector<std::unique_ptr<tbb::task_arena>>> idleByThreads;
};

/// Reserves \p bytes of each per-thread scratch slot on every thread of the
/// current arena (up to \p threads), so that the runs that follow allocate
/// nothing there; the threads also join the arena and pin OpenMP now rather
/// than in some later run (oneTBB and libgomp allocate for a thread's first
/// task and first omp_set_num_threads). One
/// task per thread: each waits until all have started, for at most 100 ms,
/// so a worker busy elsewhere delays loading but never blocks it (it then
/// reserves in its first run instead).
void reserveOnEveryThread(
    int threads, const std::array<size_t, kThreadScratchSlots> &bytes) {
  std::atomic<int> started{0};
  tbb::parallel_for(
      tbb::blocked_range<int>(0, threads, 1),
      [&](const tbb::blocked_range<int> &) {
        pinOneDnnToOneThread(); // OpenMP allocates on a thread's first call
        for (unsigned slot = 0; slot < kThreadScratchSlots; ++slot)
          if (bytes[slot])
            threadScratch(slot, bytes[slot]);
        started.fetch_add(1);
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
        while (started.load() < threads &&
               std::chrono::steady_clock::now() < deadline)
          std::this_thread::yield();
      },
      tbb::simple_partitioner());
}

} // namespace

struct Executor::Impl {
  heed_model &model;
  int threads;
  std::unique_ptr<tbb::task_arena> arena; ///< from ArenaPool
  /// Created inside arena.execute(): a flow graph attaches to the arena it
  /// is constructed in, and its tasks run there.
  std::unique_ptr<tbb::flow::graph> graph;
  std::vector<std::unique_ptr<FlowNode>> nodes;
  std::vector<FlowNode *> roots;
  std::mutex errorMutex;
  std::exception_ptr error;

  Impl(heed_model &model, int threads)
      : model(model), threads(threads),
        arena(ArenaPool::get().acquire(threads)) {}

  ~Impl() {
    // The graph and its nodes go before the arena returns to the pool.
    roots.clear();
    nodes.clear();
    graph.reset();
    ArenaPool::get().release(threads, std::move(arena));
  }

  void runNode(size_t i) {
    {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (error)
        return; // an earlier node failed; skip the rest
    }
    try {
      pinOneDnnToOneThread(); // parallelChunks pins the threads that help
      heed_model::Node &n = model.nodes[i];
      n.kernel->run(n.inputs.data(), n.outputs.data());
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!error)
        error = std::current_exception();
    }
  }
};

Executor::Executor(heed_model &model, int threads)
    : impl(std::make_unique<Impl>(
          // TBB never runs more threads than the machine has and warns on
          // stderr when asked to; the runtime must not print, so ask for no
          // more. Results do not depend on the count either way.
          model, std::min(threads, tbb::info::default_concurrency()))) {
  Impl &s = *impl;
  // Build the graph inside the arena so that its tasks run there.
  s.arena->execute([&] {
    s.graph = std::make_unique<tbb::flow::graph>();
    for (size_t i = 0; i < model.nodes.size(); ++i)
      s.nodes.push_back(std::make_unique<FlowNode>(
          *s.graph, [&s, i](const continue_msg &) { s.runNode(i); }));
    for (size_t i = 0; i < model.nodes.size(); ++i) {
      for (int32_t succ : model.nodes[i].successors)
        tbb::flow::make_edge(*s.nodes[i], *s.nodes[succ]);
      if (model.nodes[i].numPredecessors == 0)
        s.roots.push_back(s.nodes[i].get());
    }
    std::array<size_t, kThreadScratchSlots> bytes{};
    for (const auto &node : model.nodes) {
      std::array<size_t, kThreadScratchSlots> need =
          node.kernel->threadScratchBytes();
      for (unsigned slot = 0; slot < kThreadScratchSlots; ++slot)
        bytes[slot] = std::max(bytes[slot], need[slot]);
    }
    reserveOnEveryThread(s.threads, bytes);
  });
}

Executor::~Executor() = default;

void Executor::run() {
  Impl &s = *impl;
  s.error = nullptr;
  s.arena->execute([&] {
    for (FlowNode *root : s.roots)
      root->try_put(continue_msg());
    s.graph->wait_for_all();
  });
  if (s.error)
    std::rethrow_exception(s.error);
}

} // namespace heed::rt
