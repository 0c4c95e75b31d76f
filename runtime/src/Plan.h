//===- Plan.h - The plan and model objects behind the C handles -*- C++ -*-===//

#ifndef HEED_RUNTIME_PLAN_H
#define HEED_RUNTIME_PLAN_H

#include "Kernel.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace heed::rt {

struct PlanBuffer {
  TensorDesc desc;
  int64_t offset = HEED_AUTO_OFFSET; ///< bytes into the arena
  const void *constant = nullptr;    ///< borrowed data of a constant
};

struct PlanNode {
  std::string kernel;
  std::vector<int32_t> inputs, outputs;
  Attrs attrs;
};

struct PlanPort {
  std::string name;
  int32_t buffer;
};

class Executor;

} // namespace heed::rt

/// What heed_plan_* calls build.
struct heed_plan {
  std::vector<heed::rt::PlanBuffer> buffers;
  std::vector<heed::rt::PlanNode> nodes;
  std::vector<heed::rt::PlanPort> inputs, outputs;
};

/// A finalized plan: resolved buffers, kernels, arena and executor.
struct heed_model {
  std::vector<heed::rt::PlanBuffer> buffers; ///< offsets resolved
  std::vector<heed::rt::PlanPort> inputs, outputs;
  struct Node {
    std::unique_ptr<heed::rt::Kernel> kernel;
    std::vector<const void *> inputs;
    std::vector<void *> outputs;
    std::vector<int32_t> successors;
    int32_t numPredecessors = 0;
  };
  std::vector<Node> nodes;
  size_t arenaBytes = 0;
  std::unique_ptr<uint8_t, void (*)(void *)> arena{nullptr, nullptr};
  int32_t threads = 0;
  std::unique_ptr<heed::rt::Executor> executor;
  std::mutex runMutex; ///< one run at a time per model

  void *bufferData(int32_t id);
  ~heed_model();
};

#endif // HEED_RUNTIME_PLAN_H
