//===- Api.cpp - The C entry points of libheedrt --------------------------===//
//
// Each function validates its arguments, then runs its body under guard(),
// so no exception crosses the C API and every failure leaves a message.
//
//===----------------------------------------------------------------------===//

#include "AttentionCapture.h"
#include "Error.h"
#include "Executor.h"
#include "Plan.h"
#include "Tensor.h"

#include <cstring>
#include <limits>

using namespace heed::rt;

namespace heed::rt {
std::unique_ptr<heed_model> finalizePlan(const heed_plan &plan);
void runModelAlloc(heed_model &model, heed_tensor *const *inputs,
                   int32_t numInputs, heed_tensor **outputs,
                   int32_t numOutputs);
void runModel(heed_model &model, heed_tensor *const *inputs, int32_t numInputs,
              heed_tensor *const *outputs, int32_t numOutputs);
} // namespace heed::rt

namespace {

thread_local std::string lastError;

void require(bool ok, const char *message) {
  if (!ok)
    fail(HEED_ERROR_INVALID_ARGUMENT, message);
}

} // namespace

TensorDesc heed::rt::makeDesc(heed_dtype dtype, int32_t rank,
                              const int64_t *shape) {
  require((unsigned)dtype <= HEED_I1, "unknown dtype");
  require(rank >= 0 && rank <= 16, "rank must be in [0, 16]");
  require(rank == 0 || shape, "shape is null");
  TensorDesc d;
  d.dtype = dtype;
  uint64_t n = dtypeBytes(dtype);
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      fail(HEED_ERROR_SHAPE,
           "negative extent in " + describe(dtype, shape, rank));
    if (shape[i] &&
        n > (uint64_t)std::numeric_limits<int64_t>::max() / (uint64_t)shape[i])
      fail(HEED_ERROR_SHAPE,
           "tensor " + describe(dtype, shape, rank) + " is too large");
    n *= shape[i];
    d.shape.push_back(shape[i]);
  }
  return d;
}

std::string heed::rt::quoted(const char *s) {
  return s ? "\"" + std::string(s) + "\"" : std::string("NULL");
}

namespace {

void checkBuffer(const heed_plan *plan, int32_t id) {
  if (id < 0 || id >= (int32_t)plan->buffers.size())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "buffer " + std::to_string(id) + " does not exist");
}

heed::rt::PlanNode &node(heed_plan *plan, int32_t id, const char *name) {
  require(plan && name, "null argument");
  if (id < 0 || id >= (int32_t)plan->nodes.size())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "node " + std::to_string(id) + " does not exist");
  return plan->nodes[id];
}

/// The name of an attribute setter call for messages.
auto setterCall(const char *function, int32_t nodeId, const char *name) {
  return [=] {
    return std::string(function) + "(node " + std::to_string(nodeId) + ", " +
           quoted(name) + ")";
  };
}

} // namespace

void heed::rt::setLastError(std::string message) {
  lastError = std::move(message);
}

void heed::rt::recordPlanFailure(heed_plan *plan, heed_status status,
                                 const std::string &prefix) noexcept {
  try {
    if (!prefix.empty())
      lastError = prefix + ": " + lastError;
    if (plan && plan->firstStatus == HEED_OK) {
      plan->firstError = lastError;
      plan->firstStatus = status;
    }
  } catch (...) { // out of memory: keep the unprefixed message
    if (plan && plan->firstStatus == HEED_OK)
      plan->firstStatus = status;
  }
}

extern "C" {

uint32_t heed_abi_version(void) { return HEED_RUNTIME_ABI_VERSION; }

heed_status heed_check_abi(uint32_t compiled_version) {
  return guard([&] {
    if (compiled_version != HEED_RUNTIME_ABI_VERSION)
      fail(HEED_ERROR_ABI,
           "the model was compiled against runtime ABI version " +
               std::to_string(compiled_version) + " but this libheedrt is " +
               std::to_string(HEED_RUNTIME_ABI_VERSION) +
               "; recompile the model with the matching heedc");
  });
}

const char *heed_last_error(void) { return lastError.c_str(); }

const char *heed_status_name(heed_status status) {
  switch (status) {
  case HEED_OK:
    return "HEED_OK";
  case HEED_ERROR_INVALID_ARGUMENT:
    return "HEED_ERROR_INVALID_ARGUMENT";
  case HEED_ERROR_SHAPE:
    return "HEED_ERROR_SHAPE";
  case HEED_ERROR_DTYPE:
    return "HEED_ERROR_DTYPE";
  case HEED_ERROR_ABI:
    return "HEED_ERROR_ABI";
  case HEED_ERROR_OUT_OF_MEMORY:
    return "HEED_ERROR_OUT_OF_MEMORY";
  case HEED_ERROR_UNKNOWN_KERNEL:
    return "HEED_ERROR_UNKNOWN_KERNEL";
  case HEED_ERROR_STATE:
    return "HEED_ERROR_STATE";
  case HEED_ERROR_INTERNAL:
    return "HEED_ERROR_INTERNAL";
  }
  return "HEED_ERROR_UNKNOWN";
}

//===--- Tensors ----------------------------------------------------------===//

heed_status heed_tensor_create(heed_dtype dtype, int32_t rank,
                               const int64_t *shape, heed_tensor **out) {
  return guard([&] {
    require(out, "out is null");
    *out = nullptr;
    auto t = std::make_unique<heed_tensor>();
    TensorDesc d = makeDesc(dtype, rank, shape);
    t->dtype = dtype;
    t->shape = d.shape;
    size_t bytes = (t->nbytes() + 63) / 64 * 64;
    t->data = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!t->data)
      fail(HEED_ERROR_OUT_OF_MEMORY,
           "cannot allocate " + std::to_string(bytes) + " bytes");
    std::memset(t->data, 0, bytes);
    t->owned = true;
    *out = t.release();
  });
}

heed_status heed_tensor_wrap(heed_dtype dtype, int32_t rank,
                             const int64_t *shape, void *data,
                             heed_tensor **out) {
  return guard([&] {
    require(out, "out is null");
    *out = nullptr;
    TensorDesc d = makeDesc(dtype, rank, shape);
    require(data || d.nbytes() == 0, "data is null");
    auto t = std::make_unique<heed_tensor>();
    t->dtype = dtype;
    t->shape = d.shape;
    t->data = data;
    *out = t.release();
  });
}

void heed_tensor_free(heed_tensor *tensor) { delete tensor; }
heed_dtype heed_tensor_dtype(const heed_tensor *t) {
  return t ? t->dtype : HEED_F32;
}
int32_t heed_tensor_rank(const heed_tensor *t) {
  return t ? (int32_t)t->shape.size() : 0;
}
const int64_t *heed_tensor_shape(const heed_tensor *t) {
  return t ? t->shape.data() : nullptr;
}
void *heed_tensor_data(heed_tensor *t) { return t ? t->data : nullptr; }
size_t heed_tensor_nbytes(const heed_tensor *t) { return t ? t->nbytes() : 0; }

//===--- Plans ------------------------------------------------------------===//

heed_status heed_plan_create(heed_plan **out) {
  return guard([&] {
    require(out, "out is null");
    *out = new heed_plan();
  });
}

void heed_plan_free(heed_plan *plan) { delete plan; }

heed_status heed_plan_add_buffer(heed_plan *plan, heed_dtype dtype,
                                 int32_t rank, const int64_t *shape,
                                 int64_t offset, int32_t *buffer_id) {
  auto call = [] { return std::string("heed_plan_add_buffer"); };
  return guardPlan(plan, call, [&] {
    require(plan, "plan is null");
    PlanBuffer b;
    b.desc = makeDesc(dtype, rank, shape);
    if (offset != HEED_AUTO_OFFSET && (offset < 0 || offset % 64))
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "buffer offset " + std::to_string(offset) +
               " must be a non-negative multiple of 64");
    b.offset = offset;
    plan->buffers.push_back(std::move(b));
    if (buffer_id)
      *buffer_id = (int32_t)plan->buffers.size() - 1;
  });
}

heed_status heed_plan_add_constant(heed_plan *plan, heed_dtype dtype,
                                   int32_t rank, const int64_t *shape,
                                   const void *data, int32_t *buffer_id) {
  auto call = [] { return std::string("heed_plan_add_constant"); };
  return guardPlan(plan, call, [&] {
    require(plan, "plan is null");
    PlanBuffer b;
    b.desc = makeDesc(dtype, rank, shape);
    require(data || b.desc.nbytes() == 0, "constant data is null");
    static const uint8_t kEmpty[64] = {};
    b.constant = data ? data : kEmpty; // marks the buffer as constant
    plan->buffers.push_back(std::move(b));
    if (buffer_id)
      *buffer_id = (int32_t)plan->buffers.size() - 1;
  });
}

heed_status heed_plan_add_view(heed_plan *plan, int32_t source, int32_t rank,
                               const int64_t *shape, int32_t *buffer_id) {
  auto call = [] { return std::string("heed_plan_add_view"); };
  return guardPlan(plan, call, [&] {
    require(plan, "plan is null");
    checkBuffer(plan, source);
    PlanBuffer b = plan->buffers[source];
    TensorDesc from = b.desc;
    b.desc = makeDesc(from.dtype, rank, shape);
    if (b.desc.numel() != from.numel())
      fail(HEED_ERROR_SHAPE, "a view of " + from.str() + " as " + b.desc.str() +
                                 " must keep the number of elements");
    b.viewOf = source;
    b.bounded.clear(); // the view's own axes are bound on their own
    plan->buffers.push_back(std::move(b));
    if (buffer_id)
      *buffer_id = (int32_t)plan->buffers.size() - 1;
  });
}

static heed_status addPort(heed_plan *plan, const char *name, int32_t id,
                           bool input) {
  auto call = [&] {
    return std::string(input ? "heed_plan_add_input("
                             : "heed_plan_add_output(") +
           quoted(name) + ")";
  };
  return guardPlan(plan, call, [&] {
    require(plan && name, "null argument");
    checkBuffer(plan, id);
    auto &ports = input ? plan->inputs : plan->outputs;
    for (const PlanPort &p : ports)
      if (p.name == name)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             std::string(input ? "input" : "output") + " '" + name +
                 "' is declared twice");
    ports.push_back({name, id});
  });
}

heed_status heed_plan_add_input(heed_plan *plan, const char *name,
                                int32_t buffer_id) {
  return addPort(plan, name, buffer_id, true);
}

heed_status heed_plan_add_output(heed_plan *plan, const char *name,
                                 int32_t buffer_id) {
  return addPort(plan, name, buffer_id, false);
}

heed_status heed_plan_add_state(heed_plan *plan, const char *name,
                                int32_t buffer_id) {
  auto call = [&] { return "heed_plan_add_state(" + quoted(name) + ")"; };
  return guardPlan(plan, call, [&] {
    require(plan && name, "null argument");
    checkBuffer(plan, buffer_id);
    for (const PlanState &s : plan->states)
      if (s.name == name)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "state '" + std::string(name) + "' is declared twice");
    plan->states.push_back({name, buffer_id});
  });
}

heed_status heed_plan_set_state_next(heed_plan *plan, const char *name,
                                     int32_t buffer_id) {
  auto call = [&] { return "heed_plan_set_state_next(" + quoted(name) + ")"; };
  return guardPlan(plan, call, [&] {
    require(plan && name, "null argument");
    checkBuffer(plan, buffer_id);
    for (PlanState &s : plan->states)
      if (s.name == name) {
        if (s.next >= 0)
          fail(HEED_ERROR_INVALID_ARGUMENT,
               "state '" + std::string(name) + "' has a next value already");
        const TensorDesc &a = plan->buffers[buffer_id].desc,
                         &b = plan->buffers[s.read].desc;
        if (a.dtype != b.dtype || a.shape != b.shape)
          fail(HEED_ERROR_SHAPE, "state '" + std::string(name) +
                                     "': the next value's buffer differs "
                                     "from the state's in dtype or shape");
        s.next = buffer_id;
        return;
      }
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "state '" + std::string(name) + "' is not declared");
  });
}

heed_status heed_plan_add_node(heed_plan *plan, const char *kernel,
                               const int32_t *inputs, int32_t num_inputs,
                               const int32_t *outputs, int32_t num_outputs,
                               int32_t *node_id) {
  auto call = [&] { return "heed_plan_add_node(" + quoted(kernel) + ")"; };
  return guardPlan(plan, call, [&] {
    require(plan && kernel, "null argument");
    require(num_inputs >= 0 && num_outputs >= 0, "negative count");
    require(!num_inputs || inputs, "inputs is null");
    require(!num_outputs || outputs, "outputs is null");
    PlanNode n;
    n.kernel = kernel;
    for (int32_t i = 0; i < num_inputs; ++i) {
      checkBuffer(plan, inputs[i]);
      n.inputs.push_back(inputs[i]);
    }
    for (int32_t i = 0; i < num_outputs; ++i) {
      checkBuffer(plan, outputs[i]);
      n.outputs.push_back(outputs[i]);
    }
    plan->nodes.push_back(std::move(n));
    if (node_id)
      *node_id = (int32_t)plan->nodes.size() - 1;
  });
}

heed_status heed_plan_set_int(heed_plan *plan, int32_t node_id,
                              const char *name, int64_t value) {
  return guardPlan(plan, setterCall("heed_plan_set_int", node_id, name), [&] {
    node(plan, node_id, name).attrs.setInt(name, value);
  });
}

heed_status heed_plan_set_ints(heed_plan *plan, int32_t node_id,
                               const char *name, const int64_t *values,
                               int32_t count) {
  return guardPlan(plan, setterCall("heed_plan_set_ints", node_id, name), [&] {
    PlanNode &n = node(plan, node_id, name);
    require(count >= 0 && (!count || values), "bad value array");
    n.attrs.setInts(name, std::vector<int64_t>(values, values + count));
  });
}

heed_status heed_plan_set_float(heed_plan *plan, int32_t node_id,
                                const char *name, double value) {
  return guardPlan(plan, setterCall("heed_plan_set_float", node_id, name), [&] {
    node(plan, node_id, name).attrs.setFloat(name, value);
  });
}

heed_status heed_plan_name_attention(heed_plan *plan, int32_t node_id,
                                     const char *name, int32_t one_query) {
  return guardPlan(
      plan,
      [=] {
        return "heed_plan_name_attention(node " + std::to_string(node_id) +
               ", " + quoted(name) + ")";
      },
      [&] {
        PlanNode &n = node(plan, node_id, name);
        require(*name, "empty attention map name");
        checkAttentionMapKernel(n.kernel);
        require(one_query == 0 || one_query == 1, "one_query must be 0 or 1");
        if (one_query && n.kernel != "softmax")
          fail(HEED_ERROR_INVALID_ARGUMENT,
               "one_query is for softmax nodes, not '" + n.kernel + "'");
        if (!n.attentionName.empty())
          fail(HEED_ERROR_INVALID_ARGUMENT,
               "the node is attention map '" + n.attentionName + "' already");
        n.attentionName = name;
        n.attentionOneQuery = one_query == 1;
      });
}

heed_status heed_plan_add_dim(heed_plan *plan, const char *name, int64_t lo,
                              int64_t hi, int32_t *dim_id) {
  auto call = [&] { return "heed_plan_add_dim(" + quoted(name) + ")"; };
  return guardPlan(plan, call, [&] {
    require(plan && name && *name, "null or empty argument");
    if (lo < 1 || hi < lo)
      fail(HEED_ERROR_INVALID_ARGUMENT, "the range " + std::to_string(lo) +
                                            ".." + std::to_string(hi) +
                                            " must have 1 <= lo <= hi");
    for (const PlanDim &d : plan->dims)
      if (d.name == name)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "dimension '" + std::string(name) + "' is declared twice");
    plan->dims.push_back({name, lo, hi});
    if (dim_id)
      *dim_id = (int32_t)plan->dims.size() - 1;
  });
}

/// Fails unless \p dim is a dimension of \p plan and \p coeff positive.
static void checkTerm(const heed_plan *plan, int32_t dim, int64_t coeff) {
  if (dim < 0 || dim >= (int32_t)plan->dims.size())
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "dimension " + std::to_string(dim) + " does not exist");
  if (coeff < 1)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "coefficient " + std::to_string(coeff) + " must be positive");
}

heed_status heed_plan_bind_dim(heed_plan *plan, int32_t buffer_id, int32_t axis,
                               int32_t dim_id, int64_t coeff) {
  auto call = [&] {
    return "heed_plan_bind_dim(buffer " + std::to_string(buffer_id) + ")";
  };
  return guardPlan(plan, call, [&] {
    require(plan, "plan is null");
    checkBuffer(plan, buffer_id);
    checkTerm(plan, dim_id, coeff);
    PlanBuffer &b = plan->buffers[buffer_id];
    if (axis < 0 || axis >= (int32_t)b.desc.shape.size())
      fail(HEED_ERROR_INVALID_ARGUMENT, "axis " + std::to_string(axis) +
                                            " is not an axis of " +
                                            b.desc.str());
    for (const auto &[bound, term] : b.bounded)
      if (bound == axis)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "axis " + std::to_string(axis) + " is bound twice");
    b.bounded.push_back({axis, DimTerm{dim_id, coeff}});
  });
}

heed_status heed_plan_bind_int(heed_plan *plan, int32_t node_id,
                               const char *name, int32_t index, int32_t dim_id,
                               int64_t coeff) {
  return guardPlan(plan, setterCall("heed_plan_bind_int", node_id, name), [&] {
    PlanNode &n = node(plan, node_id, name);
    checkTerm(plan, dim_id, coeff);
    if (!n.attrs.has(name))
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "set the attribute before binding it to a dimension");
    std::vector<int64_t> values = n.attrs.getInts(name);
    if (index < 0 || index >= (int32_t)values.size())
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "index " + std::to_string(index) + " is past the attribute's " +
               std::to_string(values.size()) + " values");
    for (const BoundedParam &p : n.bounded)
      if (p.name == name && p.index == index)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "element " + std::to_string(index) + " is bound twice");
    n.bounded.push_back({name, index, DimTerm{dim_id, coeff}});
  });
}

heed_status heed_plan_finalize(const heed_plan *plan, heed_model **out) {
  return guard([&] {
    require(plan && out, "null argument");
    *out = nullptr;
    if (plan->firstStatus != HEED_OK)
      throw Error(plan->firstStatus, plan->firstError);
    *out = finalizePlan(*plan).release();
  });
}

//===--- Models -----------------------------------------------------------===//

void heed_model_free(heed_model *model) { delete model; }

heed_status heed_model_set_threads(heed_model *model, int32_t n) {
  return guard([&] {
    require(model, "model is null");
    require(n >= 0, "thread count must be >= 0");
    std::lock_guard<std::mutex> lock(model->runMutex);
    int threads = resolveThreadCount(n);
    if (threads != model->threads) {
      model->threads = threads;
      model->executor.reset(); // rebuilt for the new arena on the next run
    }
  });
}

heed_status heed_model_reset_state(heed_model *model) {
  return guard([&] {
    require(model, "model is null");
    std::lock_guard<std::mutex> lock(model->runMutex);
    for (const PlanState &s : model->states)
      std::memset(model->bufferData(s.read), 0,
                  model->buffers[s.read].desc.nbytes());
  });
}

int32_t heed_model_num_dims(const heed_model *model) {
  return model ? (int32_t)model->dims.size() : 0;
}

heed_status heed_model_dim(const heed_model *model, int32_t index,
                           const char **name, int64_t *lo, int64_t *hi) {
  return guard([&] {
    require(model, "model is null");
    if (index < 0 || index >= (int32_t)model->dims.size())
      fail(HEED_ERROR_INVALID_ARGUMENT,
           "dimension index " + std::to_string(index) + " is out of range");
    const PlanDim &d = model->dims[index];
    if (name)
      *name = d.name.c_str();
    if (lo)
      *lo = d.lo;
    if (hi)
      *hi = d.hi;
  });
}

int32_t heed_model_num_attention(const heed_model *model) {
  return model ? (int32_t)model->attentionNodes.size() : 0;
}

const char *heed_model_attention_name(const heed_model *model, int32_t index) {
  if (!model || index < 0 || index >= (int32_t)model->attentionNodes.size())
    return nullptr;
  return model->nodeSpecs[model->attentionNodes[index]].attentionName.c_str();
}

const char *heed_model_attention_kernel(const heed_model *model,
                                        int32_t index) {
  if (!model || index < 0 || index >= (int32_t)model->attentionNodes.size())
    return nullptr;
  return model->nodeSpecs[model->attentionNodes[index]].kernel.c_str();
}

heed_status heed_model_capture_attention(heed_model *model, int32_t enable) {
  return guard([&] {
    require(model, "model is null");
    require(enable == 0 || enable == 1, "enable must be 0 or 1");
    setAttentionCapture(*model, enable == 1);
  });
}

heed_status heed_model_attention_probs(heed_model *model, int32_t index,
                                       heed_tensor **probs,
                                       heed_tensor **skipped) {
  if (probs)
    *probs = nullptr;
  if (skipped)
    *skipped = nullptr;
  return guard([&] {
    require(model && probs, "null argument");
    capturedAttention(*model, index, probs, skipped);
  });
}

int32_t heed_model_num_inputs(const heed_model *model) {
  return model ? (int32_t)model->inputs.size() : 0;
}

int32_t heed_model_num_outputs(const heed_model *model) {
  return model ? (int32_t)model->outputs.size() : 0;
}

static heed_status describePort(const heed_model *model, int32_t index,
                                bool input, const char **name,
                                heed_dtype *dtype, int32_t *rank,
                                const int64_t **shape) {
  return guard([&] {
    require(model, "model is null");
    const auto &ports = input ? model->inputs : model->outputs;
    if (index < 0 || index >= (int32_t)ports.size())
      fail(HEED_ERROR_INVALID_ARGUMENT,
           std::string(input ? "input" : "output") + " index " +
               std::to_string(index) + " is out of range");
    const PlanPort &p = ports[index];
    const TensorDesc &d = model->buffers[p.buffer].desc;
    if (name)
      *name = p.name.c_str();
    if (dtype)
      *dtype = d.dtype;
    if (rank)
      *rank = (int32_t)d.shape.size();
    if (shape)
      *shape = d.shape.data();
  });
}

heed_status heed_model_input(const heed_model *model, int32_t index,
                             const char **name, heed_dtype *dtype,
                             int32_t *rank, const int64_t **shape) {
  return describePort(model, index, true, name, dtype, rank, shape);
}

heed_status heed_model_output(const heed_model *model, int32_t index,
                              const char **name, heed_dtype *dtype,
                              int32_t *rank, const int64_t **shape) {
  return describePort(model, index, false, name, dtype, rank, shape);
}

size_t heed_model_memory_bytes(const heed_model *model) {
  if (!model)
    return 0;
  size_t bytes = model->arenaBytes;
  for (const auto &n : model->nodes)
    bytes += n.kernel->scratchBytes();
  return bytes;
}

heed_status heed_model_run(heed_model *model, heed_tensor *const *inputs,
                           int32_t num_inputs, heed_tensor *const *outputs,
                           int32_t num_outputs) {
  return guard([&] {
    require(model, "model is null");
    runModel(*model, inputs, num_inputs, outputs, num_outputs);
  });
}

heed_status heed_model_run_alloc(heed_model *model, heed_tensor *const *inputs,
                                 int32_t num_inputs, heed_tensor **outputs,
                                 int32_t num_outputs) {
  return guard([&] {
    require(model, "model is null");
    runModelAlloc(*model, inputs, num_inputs, outputs, num_outputs);
  });
}

} // extern "C"
