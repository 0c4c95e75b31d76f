//===- Model.cpp - Finalizing a plan into a model, and running it ---------===//

#include "BoundedDims.h"
#include "Error.h"
#include "Executor.h"
#include "Plan.h"
#include "Tensor.h"

#include "heed/DType.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>

#include <sys/mman.h>
#include <unistd.h>

using namespace heed::rt;

namespace {

/// Asks the OS to reclaim the whole pages inside [data, data + bytes): the
/// data stays valid (a file mapping reads it back, anonymous memory is kept
/// or swapped), so this is only a hint that nothing will read it soon.
void releasePages(const void *data, size_t bytes) {
#ifdef MADV_PAGEOUT
  static const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t begin = ((uintptr_t)data + page - 1) / page * page;
  uintptr_t end = ((uintptr_t)data + bytes) / page * page;
  if (end > begin)
    madvise(reinterpret_cast<void *>(begin), end - begin, MADV_PAGEOUT);
#else
  (void)data;
  (void)bytes;
#endif
}

constexpr size_t kAlignment = 64;

/// The largest arena a plan may ask for: 2^62 bytes, as in the compiler's
/// memory plan. Every sum below stays far from size_t's limit.
constexpr size_t kMaxArenaBytes = size_t(1) << 62;

/// \p offset + \p bytes rounded up to kAlignment, or a failure naming
/// \p what when that passes kMaxArenaBytes.
size_t checkedEnd(size_t offset, size_t bytes, const std::string &what) {
  if (offset > kMaxArenaBytes || bytes > kMaxArenaBytes - offset)
    fail(HEED_ERROR_OUT_OF_MEMORY,
         what + " would end past byte 2^62 of the arena");
  return (offset + bytes + kAlignment - 1) / kAlignment * kAlignment;
}

/// A byte range of the arena touched by a node.
struct Access {
  size_t begin, end;
  bool write;
};

/// Who last touched a run of arena bytes, for ordering the nodes that
/// follow: the last node that wrote them and the nodes that read them since.
struct ByteRun {
  size_t end;
  int32_t writer = -1;
  std::vector<int32_t> readers;
};

/// The dependencies of nodes visited in plan order. A node must follow the
/// last writer of every byte it touches and, when it writes, every reader of
/// those bytes since that writer; nothing else is needed, since those nodes
/// are ordered after the earlier ones in turn. Runs of bytes split where
/// accesses begin and end, and a write merges the runs it covers into one,
/// so the work is about linear in the number of accesses.
class DependencyTracker {
public:
  /// The nodes that node \p node must follow, for its \p accesses; then
  /// records them.
  std::vector<int32_t> visit(int32_t node,
                             const std::vector<Access> &accesses) {
    std::vector<int32_t> deps;
    for (const Access &a : accesses) {
      if (a.begin == a.end)
        continue;
      auto it = split(a.begin), last = split(a.end);
      for (; it != last; ++it) {
        if (it->second.writer >= 0)
          deps.push_back(it->second.writer);
        if (a.write)
          deps.insert(deps.end(), it->second.readers.begin(),
                      it->second.readers.end());
      }
    }
    for (const Access &a : accesses) // reads first: a write clears them
      if (!a.write && a.begin != a.end)
        for (auto it = split(a.begin), last = split(a.end); it != last; ++it)
          if (it->second.readers.empty() || it->second.readers.back() != node)
            it->second.readers.push_back(node);
    for (const Access &a : accesses)
      if (a.write && a.begin != a.end) {
        auto first = split(a.begin), last = split(a.end);
        runs.erase(first, last);
        runs[a.begin] = ByteRun{a.end, node, {}};
      }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    deps.erase(std::remove(deps.begin(), deps.end(), node), deps.end());
    return deps;
  }

private:
  /// Runs keyed by their first byte; they never overlap. Bytes no node has
  /// touched have no run.
  std::map<size_t, ByteRun> runs;

  /// Makes \p at the start of a run, splitting the run that holds it or
  /// creating one over untouched bytes up to the next run; returns the run
  /// that starts at \p at (or the end when nothing follows).
  std::map<size_t, ByteRun>::iterator split(size_t at) {
    auto next = runs.lower_bound(at);
    if (next != runs.end() && next->first == at)
      return next;
    if (next != runs.begin()) {
      auto prev = std::prev(next);
      if (prev->second.end > at) { // inside prev: split it
        ByteRun tail = prev->second;
        prev->second.end = at;
        return runs.emplace_hint(next, at, std::move(tail));
      }
    }
    // In a gap: an untouched run up to the next one (or to the end of the
    // address space; split(end) trims it).
    size_t gapEnd = next == runs.end() ? SIZE_MAX : next->first;
    return runs.emplace_hint(next, at, ByteRun{gapEnd, -1, {}});
  }
};

} // namespace

void *heed_model::bufferData(int32_t id) {
  const PlanBuffer &b = buffers[id];
  if (b.constant)
    return const_cast<void *>(b.constant);
  return arena.get() + b.offset;
}

heed_model::~heed_model() = default;

namespace heed::rt {

/// Checks \p plan and builds the model (see heed_plan_finalize).
std::unique_ptr<heed_model> finalizePlan(const heed_plan &plan) {
  auto model = std::make_unique<heed_model>();
  model->keepAlive = plan.keepAlive;
  model->buffers = plan.buffers;
  model->inputs = plan.inputs;
  model->outputs = plan.outputs;
  model->states = plan.states;
  checkBoundedDims(plan);
  model->dims = plan.dims;
  for (const PlanDim &d : plan.dims)
    model->dimValues.push_back(d.hi);
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (!plan.nodes[i].attentionName.empty())
      model->attentionNodes.push_back((int32_t)i);
  // To create kernels again at other sizes, or to capture attention maps.
  if (!plan.dims.empty() || !model->attentionNodes.empty())
    model->nodeSpecs = plan.nodes;

  // Place buffers: explicit offsets are checked, automatic ones appended.
  auto bufferName = [](size_t id) { return "buffer " + std::to_string(id); };
  size_t end = 0;
  for (size_t id = 0; id < model->buffers.size(); ++id) {
    const PlanBuffer &b = model->buffers[id];
    if (!b.constant && b.viewOf < 0 && b.offset != HEED_AUTO_OFFSET)
      end = std::max(
          end, checkedEnd((size_t)b.offset, b.desc.nbytes(), bufferName(id)));
  }
  for (size_t id = 0; id < model->buffers.size(); ++id) {
    PlanBuffer &b = model->buffers[id];
    if (b.viewOf >= 0) // views come after their source: it is placed
      b.offset = model->buffers[b.viewOf].offset;
    else if (!b.constant && b.offset == HEED_AUTO_OFFSET) {
      size_t next = checkedEnd(end, b.desc.nbytes(), bufferName(id));
      b.offset = (int64_t)end;
      end = next;
    }
  }
  model->arenaBytes = end;
  if (end) {
    void *mem = std::aligned_alloc(kAlignment, end);
    if (!mem)
      fail(HEED_ERROR_OUT_OF_MEMORY,
           "cannot allocate an arena of " + std::to_string(end) + " bytes");
    std::memset(mem, 0, end);
    model->arena = std::unique_ptr<uint8_t, void (*)(void *)>(
        static_cast<uint8_t *>(mem), std::free);
  }

  for (const PlanPort &p : plan.inputs)
    if (model->buffers[p.buffer].constant)
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "input '" + p.name + "' is a constant buffer");
  // States start as zeros: the arena is zeroed above.
  for (const PlanState &s : plan.states)
    for (int32_t id : {s.read, s.next})
      if (id >= 0 && model->buffers[id].constant)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "state '" + s.name + "' is in a constant buffer");

  // Constants whose every reader keeps its own copy (packed weights) are
  // released as soon as the last reader is created, so that finalizing
  // holds at most one original beside the copies. Not those that a port
  // or a view exposes. With bounded dimensions, which may create the
  // readers again, only their pages are released (the data stays valid).
  std::vector<int32_t> readersLeft(model->buffers.size(), 0);
  std::vector<bool> copiedByAll(model->buffers.size(), true);
  for (const PlanNode &n : plan.nodes)
    for (int32_t b : n.inputs)
      ++readersLeft[b];
  for (const PlanBuffer &b : model->buffers)
    if (b.viewOf >= 0)
      copiedByAll[b.viewOf] = false;
  for (const PlanPort &p : plan.outputs)
    copiedByAll[p.buffer] = false;

  // bf16 constants bound to f32 weights are rounded just before their first
  // reader is created (those a view or port exposes: now), and the f32
  // original's pages are released.
  auto roundWeight = [&](int32_t id) {
    PlanBuffer &b = model->buffers[id];
    if (!b.roundedFrom)
      return;
    std::vector<uint16_t> &copy = model->roundedCopies[id];
    copy.resize(b.desc.numel());
    const float *from = static_cast<const float *>(b.roundedFrom);
    for (size_t i = 0; i < copy.size(); ++i)
      copy[i] = floatToBf16(from[i]);
    releasePages(b.roundedFrom, copy.size() * sizeof(float));
    b.constant = copy.data();
    b.roundedFrom = nullptr;
  };
  for (size_t id = 0; id < model->buffers.size(); ++id)
    if (!copiedByAll[id] || readersLeft[id] == 0)
      roundWeight((int32_t)id);

  // Kernels, with their buffer pointers resolved once.
  for (const PlanNode &n : plan.nodes) {
    for (int32_t b : n.inputs)
      roundWeight(b);
    heed_model::Node node;
    node.kernel = createNodeKernel(*model, n, model->dimValues, nullptr);
    for (int32_t b : n.inputs)
      node.inputs.push_back(model->bufferData(b));
    for (int32_t b : n.outputs)
      node.outputs.push_back(model->bufferData(b));
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      int32_t b = n.inputs[i];
      copiedByAll[b] = copiedByAll[b] && node.kernel->copiedConstant(i);
      const PlanBuffer &buffer = model->buffers[b];
      if (--readersLeft[b] == 0 && copiedByAll[b] && buffer.constant) {
        auto copy = model->roundedCopies.find(b);
        if (copy != model->roundedCopies.end() && plan.dims.empty())
          std::vector<uint16_t>().swap(copy->second); // no reader left
        else
          releasePages(buffer.constant, buffer.desc.nbytes());
      }
    }
    model->nodes.push_back(std::move(node));
  }

  // Dependencies: a node follows the earlier nodes that touch the same
  // arena bytes when either writes (buffers may share bytes under the
  // compiler's liveness plan). Constants are never written, so reads of them
  // impose no order.
  DependencyTracker tracker;
  std::vector<Access> accesses;
  for (size_t j = 0; j < plan.nodes.size(); ++j) {
    accesses.clear();
    auto add = [&](int32_t id, bool write) {
      const PlanBuffer &b = model->buffers[id];
      if (!b.constant)
        accesses.push_back(
            {(size_t)b.offset, (size_t)b.offset + b.desc.nbytes(), write});
    };
    for (int32_t b : plan.nodes[j].inputs)
      add(b, false);
    for (int32_t b : plan.nodes[j].outputs)
      add(b, true);
    for (int32_t i : tracker.visit((int32_t)j, accesses)) {
      model->nodes[i].successors.push_back((int32_t)j);
      ++model->nodes[j].numPredecessors;
    }
  }
  model->threads = resolveThreadCount(0);
  return model;
}

/// Fails unless output \p t has the dtype and shape of buffer \p p at
/// dimension values \p values.
static void checkOutput(heed_model &model, const PlanPort &p,
                        const heed_tensor *t,
                        const std::vector<int64_t> &values) {
  if (!t)
    fail(HEED_ERROR_INVALID_ARGUMENT, "output '" + p.name + "' is null");
  TensorDesc want = descAt(model.buffers[p.buffer], model.dims, values);
  if (t->dtype != want.dtype || t->shape != want.shape)
    fail(t->dtype != want.dtype ? HEED_ERROR_DTYPE : HEED_ERROR_SHAPE,
         "output '" + p.name + "' is " +
             describe(t->dtype, t->shape.data(), (int32_t)t->shape.size()) +
             ", the model needs " + want.str() +
             (model.dims.empty() ? "" : " for these inputs"));
}

/// Copies each input port's data (inputData(i), the whole buffer at
/// dimension values \p values) into the arena, runs the model and copies
/// each output port's buffer to outputData(i). One run at a time per model;
/// allocates nothing once the executor exists, unless the bounded
/// dimensions change (specializeKernels).
template <typename InputData, typename OutputData>
void runPorts(heed_model &model, const std::vector<int64_t> &values,
              const InputData &inputData, const OutputData &outputData) {
  std::lock_guard<std::mutex> lock(model.runMutex);
  specializeKernels(model, values);
  if (!model.executor)
    model.executor = std::make_unique<Executor>(model, model.threads);
  for (int32_t i = 0; i < (int32_t)model.inputs.size(); ++i) {
    size_t bytes =
        bytesAt(model.buffers[model.inputs[i].buffer], model.dims, values);
    if (bytes)
      std::memcpy(model.bufferData(model.inputs[i].buffer), inputData(i),
                  bytes);
  }
  model.captured = false; // until this run completes
  model.executor->run();
  model.captured = model.capturing;
  for (int32_t i = 0; i < (int32_t)model.outputs.size(); ++i) {
    size_t bytes =
        bytesAt(model.buffers[model.outputs[i].buffer], model.dims, values);
    if (bytes)
      std::memcpy(outputData(i), model.bufferData(model.outputs[i].buffer),
                  bytes);
  }
  // States computed out of place move into their buffers for the next run
  // (after the outputs: an output may share the next value's bytes).
  for (const PlanState &s : model.states)
    if (s.next >= 0 && model.bufferData(s.next) != model.bufferData(s.read))
      std::memmove(model.bufferData(s.read), model.bufferData(s.next),
                   model.buffers[s.read].desc.nbytes());
}

/// Checks the counts and inputs of a run and returns the dimension values
/// the inputs give.
static std::vector<int64_t> checkInputs(heed_model &model,
                                        heed_tensor *const *inputs,
                                        int32_t numInputs, int32_t numOutputs) {
  if (numInputs != (int32_t)model.inputs.size() ||
      numOutputs != (int32_t)model.outputs.size())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "the model has " + std::to_string(model.inputs.size()) +
             " inputs and " + std::to_string(model.outputs.size()) +
             " outputs, got " + std::to_string(numInputs) + " and " +
             std::to_string(numOutputs));
  if (numInputs && !inputs)
    fail(HEED_ERROR_INVALID_ARGUMENT, "null tensor array");
  std::vector<heed_dtype> dtypes;
  std::vector<const std::vector<int64_t> *> shapes;
  for (int32_t i = 0; i < numInputs; ++i) {
    if (!inputs[i])
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "input '" + model.inputs[i].name + "' is null");
    dtypes.push_back(inputs[i]->dtype);
    shapes.push_back(&inputs[i]->shape);
  }
  return solveDims(model, dtypes, shapes);
}

void runModel(heed_model &model, heed_tensor *const *inputs, int32_t numInputs,
              heed_tensor *const *outputs, int32_t numOutputs) {
  std::vector<int64_t> values =
      checkInputs(model, inputs, numInputs, numOutputs);
  if (numOutputs && !outputs)
    fail(HEED_ERROR_INVALID_ARGUMENT, "null tensor array");
  for (int32_t i = 0; i < numOutputs; ++i)
    checkOutput(model, model.outputs[i], outputs[i], values);

  runPorts(
      model, values, [&](int32_t i) -> const void * { return inputs[i]->data; },
      [&](int32_t i) { return outputs[i]->data; });
}

void runModelAlloc(heed_model &model, heed_tensor *const *inputs,
                   int32_t numInputs, heed_tensor **outputs,
                   int32_t numOutputs) {
  if (numOutputs && !outputs)
    fail(HEED_ERROR_INVALID_ARGUMENT, "null tensor array");
  for (int32_t i = 0; i < numOutputs; ++i)
    outputs[i] = nullptr;
  std::vector<int64_t> values =
      checkInputs(model, inputs, numInputs, numOutputs);
  std::vector<std::unique_ptr<heed_tensor>> made;
  for (int32_t i = 0; i < numOutputs; ++i) {
    TensorDesc d =
        descAt(model.buffers[model.outputs[i].buffer], model.dims, values);
    auto t = std::make_unique<heed_tensor>();
    t->dtype = d.dtype;
    t->shape = d.shape;
    size_t bytes = (d.nbytes() + 63) / 64 * 64;
    t->data = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!t->data)
      fail(HEED_ERROR_OUT_OF_MEMORY,
           "cannot allocate " + std::to_string(bytes) + " bytes");
    t->owned = true;
    made.push_back(std::move(t));
  }
  runPorts(
      model, values, [&](int32_t i) -> const void * { return inputs[i]->data; },
      [&](int32_t i) { return made[i]->data; });
  for (int32_t i = 0; i < numOutputs; ++i)
    outputs[i] = made[i].release();
}

void runModelData(heed_model &model, const void *const *inputs,
                  void *const *outputs) {
  if ((!inputs && !model.inputs.empty()) ||
      (!outputs && !model.outputs.empty()))
    fail(HEED_ERROR_INVALID_ARGUMENT, "null data array");
  auto nonNull = [&](const PlanPort &p, const void *data, const char *what) {
    if (!data && model.buffers[p.buffer].desc.nbytes())
      fail(HEED_ERROR_INVALID_ARGUMENT,
           std::string(what) + " '" + p.name + "' is null");
  };
  for (size_t i = 0; i < model.inputs.size(); ++i)
    nonNull(model.inputs[i], inputs[i], "input");
  for (size_t i = 0; i < model.outputs.size(); ++i)
    nonNull(model.outputs[i], outputs[i], "output");
  std::vector<int64_t> bounds;
  for (const PlanDim &d : model.dims)
    bounds.push_back(d.hi);
  runPorts(
      model, bounds, [&](int32_t i) { return inputs[i]; },
      [&](int32_t i) { return outputs[i]; });
}

} // namespace heed::rt
