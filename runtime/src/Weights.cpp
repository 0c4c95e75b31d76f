//===- Weights.cpp - Weights tables and heed_plan_add_weight --------------===//
//
// The C entry points of heed/compiled.h that create and fill weights tables,
// and the plan call that binds one of their tensors to a constant buffer.
//
//===----------------------------------------------------------------------===//

#include "Weights.h"

#include "Error.h"
#include "Plan.h"
#include "heed/DType.h"

#include <algorithm>
#include <cstring>

using namespace heed;
using namespace heed::rt;

namespace {

void require(bool ok, const char *message) {
  if (!ok)
    fail(HEED_ERROR_INVALID_ARGUMENT, message);
}

/// Data for a constant of no elements (a constant is marked by non-null
/// data).
alignas(64) const uint8_t kEmpty[64] = {};

/// \p view's data, copied into \p table when the file does not align it for
/// its dtype.
const void *alignedData(WeightsTable &table, const io::TensorView &view) {
  size_t align = dtypeSize(view.dtype);
  if ((uintptr_t)view.data % align == 0)
    return view.data;
  void *copy = std::aligned_alloc(64, (view.nbytes + 63) / 64 * 64);
  if (!copy)
    fail(HEED_ERROR_OUT_OF_MEMORY,
         "cannot allocate " + std::to_string(view.nbytes) + " bytes");
  table.copies.emplace_back(copy, std::free);
  std::memcpy(copy, view.data, view.nbytes);
  return copy;
}

} // namespace

extern "C" {

heed_status heed_weights_open(const char *safetensors_path,
                              heed_weights **out) {
  return guard([&] {
    require(safetensors_path && out, "null argument");
    *out = nullptr;
    auto table = std::make_shared<WeightsTable>();
    std::string error;
    table->file = io::SafetensorsFile::open(safetensors_path, error);
    if (!table->file)
      fail(HEED_ERROR_INVALID_ARGUMENT, error);
    table->source = safetensors_path;
    for (const std::string &name : table->file->names()) {
      const io::TensorView &view = *table->file->find(name);
      WeightTensor t;
      t.dtype = (heed_dtype)view.dtype; // the numbering matches
      t.shape = view.shape;
      t.data = view.nbytes ? alignedData(*table, view) : nullptr;
      table->tensors.emplace(name, std::move(t));
    }
    *out = new heed_weights{std::move(table)};
  });
}

heed_status heed_weights_create(heed_weights **out) {
  return guard([&] {
    require(out, "out is null");
    *out = nullptr;
    auto table = std::make_shared<WeightsTable>();
    table->source = "the weights table";
    *out = new heed_weights{std::move(table)};
  });
}

heed_status heed_weights_add(heed_weights *weights, const char *name,
                             heed_dtype dtype, int32_t rank,
                             const int64_t *shape, const void *data) {
  return guard([&] {
    require(weights && name, "null argument");
    TensorDesc desc = makeDesc(dtype, rank, shape);
    require(data || desc.nbytes() == 0, "weight data is null");
    WeightTensor t;
    t.dtype = dtype;
    t.shape = desc.shape;
    t.data = desc.nbytes() ? data : nullptr;
    if (!weights->table->tensors.emplace(name, std::move(t)).second)
      fail(HEED_ERROR_INVALID_ARGUMENT,
           std::string("weight '") + name + "' is added twice");
  });
}

void heed_weights_free(heed_weights *weights) { delete weights; }

heed_status heed_plan_add_weight(heed_plan *plan, heed_weights *weights,
                                 const char *name, heed_dtype dtype,
                                 int32_t rank, const int64_t *shape,
                                 int32_t *buffer_id) {
  auto call = [&] { return "heed_plan_add_weight(" + quoted(name) + ")"; };
  return guardPlan(plan, call, [&] {
    require(plan, "plan is null");
    require(weights, "weights is null");
    require(name, "name is null");
    TensorDesc want = makeDesc(dtype, rank, shape);
    const WeightsTable &table = *weights->table;
    auto it = table.tensors.find(name);
    if (it == table.tensors.end())
      throw Error(HEED_ERROR_INVALID_ARGUMENT,
                  std::string("weight '") + name + "' is missing from " +
                      table.source,
                  /*namesCall=*/true);
    const WeightTensor &have = it->second;
    // A bf16 weight may come from an f32 tensor (heedc --precision=bf16
    // with the f32 weights file): finalizing rounds it to nearest even into
    // a copy the model keeps only as long as a kernel reads it.
    bool round = have.dtype == HEED_F32 && want.dtype == HEED_BF16 &&
                 have.shape == want.shape;
    if (!round && (have.dtype != want.dtype || have.shape != want.shape))
      throw Error(
          have.dtype != want.dtype ? HEED_ERROR_DTYPE : HEED_ERROR_SHAPE,
          std::string("weight '") + name + "' is " +
              describe(have.dtype, have.shape.data(),
                       (int32_t)have.shape.size()) +
              " in " + table.source + " but the model expects " + want.str(),
          /*namesCall=*/true);
    PlanBuffer b;
    b.desc = std::move(want);
    b.constant = have.data ? have.data : kEmpty;
    if (round)
      b.roundedFrom = have.data; // rounded by heed_plan_finalize
    std::shared_ptr<const void> owner = weights->table;
    bool held = std::any_of(
        plan->keepAlive.begin(), plan->keepAlive.end(),
        [&](const std::shared_ptr<const void> &p) { return p == owner; });
    if (!held)
      plan->keepAlive.push_back(std::move(owner));
    plan->buffers.push_back(std::move(b));
    if (buffer_id)
      *buffer_id = (int32_t)plan->buffers.size() - 1;
  });
}

} // extern "C"
