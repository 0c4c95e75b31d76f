//===- Plan.h - The plan and model objects behind the C handles -*- C++ -*-===//

#ifndef HEED_RUNTIME_PLAN_H
#define HEED_RUNTIME_PLAN_H

#include "Error.h"
#include "Kernel.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace heed::rt {

/// A dimension of the plan known only at run time (heed_plan_add_dim): the
/// plan is declared at its largest value `hi`, and runs take any value in
/// [lo, hi].
struct PlanDim {
  std::string name;
  int64_t lo, hi;
};

/// How a bounded dimension moves an integer of the plan (heed_plan_bind_dim,
/// heed_plan_bind_int): at dimension values v, the declared value plus
/// coeff * (v[dim] - hi).
struct DimTerm {
  int32_t dim;
  int64_t coeff;
};

struct PlanBuffer {
  TensorDesc desc; ///< with every bounded dimension at its largest value
  /// Axes whose extent follows a bounded dimension: (axis, term).
  std::vector<std::pair<int32_t, DimTerm>> bounded;
  int64_t offset = HEED_AUTO_OFFSET; ///< bytes into the arena
  const void *constant = nullptr;    ///< borrowed data of a constant
  int32_t viewOf = -1; ///< the buffer whose bytes this one views, or -1
  /// A bf16 constant bound to f32 weights: the data it is rounded from when
  /// the plan is finalized (then `constant` is the model's rounded copy).
  const void *roundedFrom = nullptr;
};

/// An integer attribute element that follows a bounded dimension.
struct BoundedParam {
  std::string name;
  int32_t index; ///< element of the attribute's list (0 for an integer)
  DimTerm term;
};

struct PlanNode {
  std::string kernel;
  std::vector<int32_t> inputs, outputs;
  Attrs attrs; ///< with every bounded dimension at its largest value
  std::vector<BoundedParam> bounded;
  /// The attention map this node computes (heed_plan_name_attention), or
  /// empty.
  std::string attentionName;
  /// A softmax whose rows are each one query's (heed_plan_name_attention).
  bool attentionOneQuery = false;
};

struct PlanPort {
  std::string name;
  int32_t buffer;
};

/// A state (heed_plan_add_state): kept in buffer `read` between runs; after
/// a run, buffer `next` (when set and another buffer) is copied into it.
struct PlanState {
  std::string name;
  int32_t read;
  int32_t next = -1;
};

class Executor;

} // namespace heed::rt

/// What heed_plan_* calls build.
struct heed_plan {
  std::vector<heed::rt::PlanBuffer> buffers;
  std::vector<heed::rt::PlanNode> nodes;
  std::vector<heed::rt::PlanPort> inputs, outputs;
  std::vector<heed::rt::PlanState> states;
  std::vector<heed::rt::PlanDim> dims;
  /// Objects the constants' data lives in (weights tables); the finalized
  /// model shares them, so they outlive it.
  std::vector<std::shared_ptr<const void>> keepAlive;
  /// The first failure of a heed_plan_* call on this plan, which
  /// heed_plan_finalize returns (errors are sticky).
  heed_status firstStatus = HEED_OK;
  std::string firstError;
};

/// A finalized plan: resolved buffers, kernels, arena and executor.
struct heed_model {
  /// Shared with the plan (first, so it is destroyed last: kernels and the
  /// buffers point into it).
  std::vector<std::shared_ptr<const void>> keepAlive;
  std::vector<heed::rt::PlanBuffer> buffers; ///< offsets resolved
  std::vector<heed::rt::PlanPort> inputs, outputs;
  std::vector<heed::rt::PlanState> states;
  /// Bounded dimensions (BoundedDims.h): the values the kernels are created
  /// for now (every `hi` at first), and the plan's nodes to create them
  /// again for other values (empty without bounded dimensions).
  std::vector<heed::rt::PlanDim> dims;
  std::vector<int64_t> dimValues;
  std::vector<heed::rt::PlanNode> nodeSpecs;
  /// Attention maps (AttentionCapture.h): the node of each, in plan order
  /// (nodeSpecs holds the plan's nodes when there is any); whether runs
  /// capture them, and whether one has since capturing began.
  std::vector<int32_t> attentionNodes;
  bool capturing = false, captured = false;
  struct Node {
    std::unique_ptr<heed::rt::Kernel> kernel;
    std::vector<const void *> inputs;
    std::vector<void *> outputs;
    std::vector<int32_t> successors;
    int32_t numPredecessors = 0;
  };
  std::vector<Node> nodes;
  /// The rounded copies of bf16 constants bound to f32 weights, by buffer;
  /// freed once every reader holds its own packed copy.
  std::map<int32_t, std::vector<uint16_t>> roundedCopies;
  size_t arenaBytes = 0;
  std::unique_ptr<uint8_t, void (*)(void *)> arena{nullptr, nullptr};
  int32_t threads = 0;
  std::unique_ptr<heed::rt::Executor> executor;
  std::mutex runMutex; ///< one run at a time per model

  void *bufferData(int32_t id);
  ~heed_model();
};

namespace heed::rt {

/// The dtype and shape of a new buffer or tensor, checked: a known dtype,
/// rank in [0, 16], non-negative extents, a size that fits in int64_t.
TensorDesc makeDesc(heed_dtype dtype, int32_t rank, const int64_t *shape);

/// `"s"` with the quotes, or `NULL`, for messages naming a call.
std::string quoted(const char *s);

/// Records the failure that just happened on this thread (status \p status,
/// message heed_last_error()) as a failure of \p plan: the message becomes
/// "<prefix>: <message>" unless \p prefix is empty, and the plan keeps it
/// when it is its first failure.
void recordPlanFailure(heed_plan *plan, heed_status status,
                       const std::string &prefix) noexcept;

/// Runs \p body like guard() for a call on \p plan (which may be null).
/// On failure the message is prefixed with \p call() (the function, e.g.
/// `heed_plan_add_node("matmul")`) unless the Error says it names what
/// failed already, and recorded in the plan (see heed_plan_finalize).
template <typename Call, typename Body>
heed_status guardPlan(heed_plan *plan, Call &&call, Body &&body) noexcept {
  bool namesCall = false;
  heed_status status = guard([&] {
    try {
      body();
    } catch (const Error &e) {
      namesCall = e.namesCall;
      throw;
    }
  });
  if (status != HEED_OK) {
    std::string prefix;
    if (!namesCall) {
      try {
        prefix = call();
      } catch (...) {
      }
    }
    recordPlanFailure(plan, status, prefix);
  }
  return status;
}

} // namespace heed::rt

#endif // HEED_RUNTIME_PLAN_H
