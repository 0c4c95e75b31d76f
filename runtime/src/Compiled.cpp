//===- Compiled.cpp - Loading and running compiled models -----------------===//
//
// heed_compiled_load and heed_model_run_data: the two calls of
// heed/compiled.h that the code heedc generates builds everything else on.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Plan.h"
#include "Tensor.h"
#include "Weights.h"

#include <memory>

using namespace heed::rt;

namespace heed::rt {
void runModelData(heed_model &model, const void *const *inputs,
                  void *const *outputs);
} // namespace heed::rt

namespace {

/// Turns a failed C call into an Error with its status and message.
void check(heed_status status) {
  if (status != HEED_OK)
    throw Error(status, heed_last_error());
}

} // namespace

extern "C" {

heed_status heed_compiled_load(heed_build_fn build, const char *weights_file,
                               heed_weights *weights, heed_model **out) {
  return guard([&] {
    if (!build || !out)
      fail(HEED_ERROR_INVALID_ARGUMENT, "null argument");
    *out = nullptr;
    std::unique_ptr<heed_weights, void (*)(heed_weights *)> opened(
        nullptr, heed_weights_free);
    if (!weights && weights_file) {
      heed_weights *w = nullptr;
      check(heed_weights_open(weights_file, &w));
      opened.reset(w);
      weights = w;
    }
    std::unique_ptr<heed_plan, void (*)(heed_plan *)> plan(nullptr,
                                                           heed_plan_free);
    heed_plan *p = nullptr;
    check(heed_plan_create(&p));
    plan.reset(p);
    build(p, weights);
    check(heed_plan_finalize(p, out)); // the model keeps the weights alive
  });
}

heed_status heed_model_run_data(heed_model *model, const void *const *inputs,
                                void *const *outputs) {
  return guard([&] {
    if (!model)
      fail(HEED_ERROR_INVALID_ARGUMENT, "model is null");
    runModelData(*model, inputs, outputs);
  });
}

} // extern "C"
