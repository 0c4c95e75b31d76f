//===- SchedulingBench.cpp - Executor overhead per node -------------------===//
//
// A plan of 100 trivial nodes (relu on one float): the run time divided by
// 100 is the executor's scheduling overhead per node. Two shapes: a chain
// (every node depends on the previous one) and a fan (100 independent
// nodes). Target (issue 4): under 5 us per node.
//
//   build/bin/heed-bench-scheduling --benchmark_repetitions=10
//       --benchmark_report_aggregates_only=true
//
//===----------------------------------------------------------------------===//

#include "heed/runtime.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

constexpr int kNodes = 100;

heed_model *buildPlan(bool chain) {
  heed_plan *plan = nullptr;
  heed_plan_create(&plan);
  int64_t shape[] = {1};
  int32_t x, node;
  heed_plan_add_buffer(plan, HEED_F32, 1, shape, HEED_AUTO_OFFSET, &x);
  heed_plan_add_input(plan, "x", x);
  int32_t prev = x, last = x;
  for (int i = 0; i < kNodes; ++i) {
    int32_t out;
    heed_plan_add_buffer(plan, HEED_F32, 1, shape, HEED_AUTO_OFFSET, &out);
    int32_t in = chain ? prev : x;
    heed_plan_add_node(plan, "relu", &in, 1, &out, 1, &node);
    prev = last = out;
  }
  heed_plan_add_output(plan, "y", last);
  heed_model *model = nullptr;
  heed_plan_finalize(plan, &model);
  heed_plan_free(plan);
  return model;
}

void run(benchmark::State &state, bool chain) {
  heed_model *model = buildPlan(chain);
  heed_model_set_threads(model, (int32_t)state.range(0));
  int64_t shape[] = {1};
  float in = 1.0f, out = 0.0f;
  heed_tensor *x, *y;
  heed_tensor_wrap(HEED_F32, 1, shape, &in, &x);
  heed_tensor_wrap(HEED_F32, 1, shape, &out, &y);
  for (auto _ : state) {
    if (heed_model_run(model, &x, 1, &y, 1) != HEED_OK)
      state.SkipWithError(heed_last_error());
    benchmark::DoNotOptimize(out);
  }
  state.counters["time_per_node"] = benchmark::Counter(
      (double)kNodes * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
      benchmark::Counter::kIs1000);
  heed_tensor_free(x);
  heed_tensor_free(y);
  heed_model_free(model);
}

void BM_Chain100(benchmark::State &state) { run(state, true); }
void BM_Fan100(benchmark::State &state) { run(state, false); }

BENCHMARK(BM_Chain100)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_Fan100)->Arg(1)->Arg(2)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
