//===- main.cpp - A program linked against an installed Heed -------------===//
//
// Runs add_model (add_model.heed: c = a + b on f32[4]), compiled by heedc, on
// known inputs and checks c against values computed by hand. Exits with 0 on
// success and 1 on any failure, with a message on stderr.
//
//===----------------------------------------------------------------------===//

#include <heed/runtime.h>

#include <cstdio>

// What heedc exports for a model named add_model.
extern "C" {
heed_model *add_model_load(void);
heed_status add_model_run(heed_model *m, const void *const *inputs,
                          void *const *outputs);
void add_model_free(heed_model *m);
}

int main() {
  if (heed_check_abi(HEED_RUNTIME_ABI_VERSION) != HEED_OK) {
    std::fprintf(stderr, "error: %s\n", heed_last_error());
    return 1;
  }
  heed_model *model = add_model_load();
  if (!model) {
    std::fprintf(stderr, "error: add_model_load: %s\n", heed_last_error());
    return 1;
  }

  const float a[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  const float b[4] = {10.0f, 20.0f, 30.0f, 40.5f};
  const float expected[4] = {11.0f, 22.0f, 33.0f, 44.5f};
  float c[4] = {-1.0f, -1.0f, -1.0f, -1.0f};
  const void *inputs[2] = {a, b};
  void *outputs[1] = {c};

  int failures = 0;
  // Twice: a loaded model may be run any number of times.
  for (int run = 0; run < 2 && failures == 0; ++run) {
    heed_status status = add_model_run(model, inputs, outputs);
    if (status != HEED_OK) {
      std::fprintf(stderr, "error: add_model_run: %s: %s\n",
                   heed_status_name(status), heed_last_error());
      ++failures;
      break;
    }
    for (int i = 0; i < 4; ++i) {
      if (c[i] != expected[i]) {
        std::fprintf(stderr, "error: c[%d] = %g, expected %g\n", i, c[i],
                     expected[i]);
        ++failures;
      }
    }
    c[0] = c[1] = c[2] = c[3] = -1.0f;
  }
  add_model_free(model);
  if (failures)
    return 1;
  std::printf("add_model: c = [11, 22, 33, 44.5] as expected\n");
  return 0;
}
