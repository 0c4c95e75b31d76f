//===- Model.cpp - Finalizing a plan into a model, and running it ---------===//

#include "Error.h"
#include "Executor.h"
#include "Plan.h"
#include "Tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace heed::rt;

namespace {

constexpr size_t kAlignment = 64;

size_t alignUp(size_t n) {
  return (n + kAlignment - 1) / kAlignment * kAlignment;
}

/// A byte range of the arena touched by a node.
struct Access {
  size_t begin, end;
  bool write;
};

bool overlaps(const Access &a, const Access &b) {
  return a.begin < b.end && b.begin < a.end;
}

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

  // Place buffers: explicit offsets are checked, automatic ones appended.
  size_t end = 0;
  for (const PlanBuffer &b : model->buffers)
    if (!b.constant && b.offset != HEED_AUTO_OFFSET)
      end = std::max(end, (size_t)b.offset + b.desc.nbytes());
  end = alignUp(end);
  for (PlanBuffer &b : model->buffers)
    if (b.viewOf >= 0) // views come after their source: it is placed
      b.offset = model->buffers[b.viewOf].offset;
    else if (!b.constant && b.offset == HEED_AUTO_OFFSET) {
      b.offset = (int64_t)end;
      end = alignUp(end + b.desc.nbytes());
    }
  model->arenaBytes = end;
  if (end) {
    void *mem = std::aligned_alloc(kAlignment, alignUp(end));
    if (!mem)
      fail(HEED_ERROR_OUT_OF_MEMORY,
           "cannot allocate an arena of " + std::to_string(end) + " bytes");
    std::memset(mem, 0, alignUp(end));
    model->arena = std::unique_ptr<uint8_t, void (*)(void *)>(
        static_cast<uint8_t *>(mem), std::free);
  }

  for (const PlanPort &p : plan.inputs)
    if (model->buffers[p.buffer].constant)
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "input '" + p.name + "' is a constant buffer");

  // Kernels, with their buffer pointers resolved once.
  for (const PlanNode &n : plan.nodes) {
    std::vector<TensorDesc> in, out;
    for (int32_t b : n.inputs)
      in.push_back(model->buffers[b].desc);
    for (int32_t b : n.outputs) {
      if (model->buffers[b].constant)
        fail(HEED_ERROR_INVALID_ARGUMENT, n.kernel + ": output buffer " +
                                              std::to_string(b) +
                                              " is a constant");
      out.push_back(model->buffers[b].desc);
    }
    Attrs attrs = n.attrs;
    attrs.kernel = n.kernel;
    KernelSignature sig{n.kernel, std::move(in), std::move(out), attrs, {}};
    for (int32_t b : n.inputs)
      sig.constants.push_back(model->buffers[b].constant);
    heed_model::Node node;
    node.kernel = createKernel(sig);
    for (int32_t b : n.inputs)
      node.inputs.push_back(model->bufferData(b));
    for (int32_t b : n.outputs)
      node.outputs.push_back(model->bufferData(b));
    model->nodes.push_back(std::move(node));
  }

  // Dependencies: node j follows an earlier node i when they touch
  // overlapping arena bytes and at least one of them writes (buffers may
  // share bytes under the compiler's liveness plan). Constants are never
  // written, so reads of them impose no order.
  std::vector<std::vector<Access>> accesses(plan.nodes.size());
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    auto add = [&](int32_t id, bool write) {
      const PlanBuffer &b = model->buffers[id];
      if (b.constant)
        return;
      accesses[i].push_back(
          {(size_t)b.offset, (size_t)b.offset + b.desc.nbytes(), write});
    };
    for (int32_t b : plan.nodes[i].inputs)
      add(b, false);
    for (int32_t b : plan.nodes[i].outputs)
      add(b, true);
  }
  for (size_t j = 0; j < plan.nodes.size(); ++j)
    for (size_t i = 0; i < j; ++i) {
      bool depends = false;
      for (const Access &a : accesses[i])
        for (const Access &b : accesses[j])
          depends |= (a.write || b.write) && overlaps(a, b);
      if (depends) {
        model->nodes[i].successors.push_back((int32_t)j);
        ++model->nodes[j].numPredecessors;
      }
    }
  model->threads = resolveThreadCount(0);
  return model;
}

/// Fails unless \p t has the dtype and shape of buffer \p p.
static void checkPort(heed_model &model, const PlanPort &p,
                      const heed_tensor *t, const char *what) {
  const TensorDesc &want = model.buffers[p.buffer].desc;
  if (!t)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         std::string(what) + " '" + p.name + "' is null");
  if (t->dtype != want.dtype || t->shape != want.shape)
    fail(t->dtype != want.dtype ? HEED_ERROR_DTYPE : HEED_ERROR_SHAPE,
         std::string(what) + " '" + p.name + "' is " +
             describe(t->dtype, t->shape.data(), (int32_t)t->shape.size()) +
             ", the model needs " + want.str());
}

void runModel(heed_model &model, heed_tensor *const *inputs, int32_t numInputs,
              heed_tensor *const *outputs, int32_t numOutputs) {
  if (numInputs != (int32_t)model.inputs.size() ||
      numOutputs != (int32_t)model.outputs.size())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "the model has " + std::to_string(model.inputs.size()) +
             " inputs and " + std::to_string(model.outputs.size()) +
             " outputs, got " + std::to_string(numInputs) + " and " +
             std::to_string(numOutputs));
  if ((numInputs && !inputs) || (numOutputs && !outputs))
    fail(HEED_ERROR_INVALID_ARGUMENT, "null tensor array");
  for (int32_t i = 0; i < numInputs; ++i)
    checkPort(model, model.inputs[i], inputs[i], "input");
  for (int32_t i = 0; i < numOutputs; ++i)
    checkPort(model, model.outputs[i], outputs[i], "output");

  std::lock_guard<std::mutex> lock(model.runMutex);
  if (!model.executor)
    model.executor = std::make_unique<Executor>(model, model.threads);
  for (int32_t i = 0; i < numInputs; ++i)
    if (size_t bytes = inputs[i]->nbytes())
      std::memcpy(model.bufferData(model.inputs[i].buffer), inputs[i]->data,
                  bytes);
  model.executor->run();
  for (int32_t i = 0; i < numOutputs; ++i)
    if (size_t bytes = outputs[i]->nbytes())
      std::memcpy(outputs[i]->data, model.bufferData(model.outputs[i].buffer),
                  bytes);
}

} // namespace heed::rt
