//===- ExecutorTest.cpp - Scheduling, determinism and concurrency ---------===//

#include "heed/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/// A plan with independent branches that meet again, and buffers that share
/// arena bytes: x -> (exp, tanh, sigmoid, ...) on 8 branches of 6 nodes,
/// summed pairwise into y. Nodes reuse two scratch offsets per branch, so the
/// result is only right if the executor honours write-after-read order.
struct BranchyModel {
  static constexpr int64_t kN = 4099; // not a multiple of any grain
  heed_model *model = nullptr;

  BranchyModel() {
    heed_plan *plan = nullptr;
    EXPECT_EQ(heed_plan_create(&plan), HEED_OK);
    int64_t shape[] = {kN};
    size_t bytes = (kN * 4 + 63) / 64 * 64;
    auto buffer = [&](int64_t offset) {
      int32_t id;
      EXPECT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, shape, offset, &id),
                HEED_OK);
      return id;
    };
    auto node = [&](const char *k, std::vector<int32_t> in, int32_t out) {
      int32_t id;
      EXPECT_EQ(heed_plan_add_node(plan, k, in.data(), (int32_t)in.size(), &out,
                                   1, &id),
                HEED_OK);
    };
    int64_t next = 0;
    int32_t x = buffer(next);
    next += bytes;
    EXPECT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
    const char *ops[] = {"tanh", "sigmoid", "exp", "silu", "gelu", "neg"};
    std::vector<int32_t> ends;
    for (int b = 0; b < 8; ++b) {
      // Two offsets reused in turn along the branch (ping-pong).
      int64_t pingOffset = next, pongOffset = next + bytes;
      next += 2 * bytes;
      int32_t cur = x;
      for (int i = 0; i < 6; ++i) {
        int32_t out = buffer(i % 2 ? pongOffset : pingOffset);
        node(ops[(b + i) % 6], {cur}, out);
        cur = out;
      }
      ends.push_back(cur);
    }
    while (ends.size() > 1) {
      std::vector<int32_t> next2;
      for (size_t i = 0; i + 1 < ends.size(); i += 2) {
        int32_t out = buffer(HEED_AUTO_OFFSET);
        node("add", {ends[i], ends[i + 1]}, out);
        next2.push_back(out);
      }
      ends = next2;
    }
    EXPECT_EQ(heed_plan_add_output(plan, "y", ends[0]), HEED_OK);
    EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
    heed_plan_free(plan);
  }
  ~BranchyModel() { heed_model_free(model); }

  std::vector<float> run(int threads, const std::vector<float> &input) {
    EXPECT_EQ(heed_model_set_threads(model, threads), HEED_OK);
    int64_t shape[] = {kN};
    heed_tensor *x = nullptr, *y = nullptr;
    std::vector<float> in = input, out(kN);
    EXPECT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, in.data(), &x), HEED_OK);
    EXPECT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, out.data(), &y), HEED_OK);
    EXPECT_EQ(heed_model_run(model, &x, 1, &y, 1), HEED_OK)
        << heed_last_error();
    heed_tensor_free(x);
    heed_tensor_free(y);
    return out;
  }
};

std::vector<float> testInput() {
  std::vector<float> x(BranchyModel::kN);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(0.37f * (float)i);
  return x;
}

/// The same computation in plain sequential code (independent of the
/// runtime's scheduling and buffer reuse).
std::vector<float> expected(const std::vector<float> &x) {
  auto apply = [](int op, float v) {
    switch (op) {
    case 0:
      return std::tanh(v);
    case 1:
      return 1.0f / (1.0f + std::exp(-v));
    case 2:
      return std::exp(v);
    case 3:
      return v / (1.0f + std::exp(-v));
    case 4:
      return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f));
    default:
      return -v;
    }
  };
  std::vector<std::vector<float>> ends;
  for (int b = 0; b < 8; ++b) {
    std::vector<float> cur = x;
    for (int i = 0; i < 6; ++i)
      for (float &v : cur)
        v = apply((b + i) % 6, v);
    ends.push_back(cur);
  }
  while (ends.size() > 1) {
    std::vector<std::vector<float>> next;
    for (size_t i = 0; i + 1 < ends.size(); i += 2) {
      std::vector<float> s(x.size());
      for (size_t k = 0; k < s.size(); ++k)
        s[k] = ends[i][k] + ends[i + 1][k];
      next.push_back(s);
    }
    ends = next;
  }
  return ends[0];
}

TEST(RuntimeExecutorTest, BitwiseIdenticalForAnyThreadCount) {
  BranchyModel m;
  std::vector<float> x = testInput();
  std::vector<float> one = m.run(1, x);
  std::vector<float> want = expected(x);
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(one[i], want[i], 1e-5f * std::max(1.0f, std::fabs(want[i])))
        << "at " << i;
  for (int threads : {2, 3, 8}) {
    std::vector<float> other = m.run(threads, x);
    EXPECT_EQ(std::memcmp(one.data(), other.data(), one.size() * 4), 0)
        << threads << " threads";
  }
  // Repeated runs of one model give the same bits too.
  EXPECT_EQ(m.run(3, x), one);
}

TEST(RuntimeExecutorTest, DistinctModelsRunConcurrently) {
  BranchyModel a, b;
  std::vector<float> x = testInput();
  std::vector<float> want = a.run(1, x);
  std::vector<float> ra, rb;
  std::thread ta([&] { ra = a.run(2, x); });
  std::thread tb([&] { rb = b.run(2, x); });
  ta.join();
  tb.join();
  EXPECT_EQ(ra, want);
  EXPECT_EQ(rb, want);
}

/// The resident set of this process in KiB (Linux), or -1.
long residentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

/// A service that loads, runs and frees models keeps a flat footprint
/// (issue 15, item 14): oneTBB keeps about 7 KB for each task arena that ran
/// a flow graph, which made 20,000 cycles grow from 6.6 MB to 154 MB.
TEST(RuntimeExecutorTest, LoadRunFreeCyclesKeepMemoryFlat) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's quarantine holds freed memory, so the "
                  "resident set measures nothing here";
#endif
  // The smallest model that runs a flow graph: y = tanh(exp(x)) over 16
  // floats, two nodes.
  auto cycle = [] {
    heed_plan *plan = nullptr;
    ASSERT_EQ(heed_plan_create(&plan), HEED_OK);
    int64_t n = 16;
    int32_t x, t, y;
    ASSERT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, &n, HEED_AUTO_OFFSET, &x),
              HEED_OK);
    ASSERT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, &n, HEED_AUTO_OFFSET, &t),
              HEED_OK);
    ASSERT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, &n, HEED_AUTO_OFFSET, &y),
              HEED_OK);
    ASSERT_EQ(heed_plan_add_node(plan, "exp", &x, 1, &t, 1, nullptr), HEED_OK);
    ASSERT_EQ(heed_plan_add_node(plan, "tanh", &t, 1, &y, 1, nullptr), HEED_OK);
    ASSERT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
    ASSERT_EQ(heed_plan_add_output(plan, "y", y), HEED_OK);
    heed_model *model = nullptr;
    ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK);
    heed_plan_free(plan);
    std::vector<float> in(16, 0.0f), out(16);
    heed_tensor *xt = nullptr, *yt = nullptr;
    ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, &n, in.data(), &xt), HEED_OK);
    ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, &n, out.data(), &yt), HEED_OK);
    ASSERT_EQ(heed_model_run(model, &xt, 1, &yt, 1), HEED_OK);
    ASSERT_NEAR(out[3], std::tanh(1.0f), 1e-6f); // tanh(exp(0))
    heed_tensor_free(xt);
    heed_tensor_free(yt);
    heed_model_free(model);
  };
  for (int i = 0; i < 200; ++i) // reach the steady state first
    cycle();
  long before = residentKiB();
  ASSERT_GT(before, 0);
  for (int i = 0; i < 20000; ++i)
    cycle();
  long grownKiB = residentKiB() - before;
  EXPECT_LT(grownKiB, 16 * 1024)
      << "20,000 load-run-free cycles grew the resident set by " << grownKiB
      << " KiB";
}

} // namespace
