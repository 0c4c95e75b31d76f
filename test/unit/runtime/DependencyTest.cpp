//===- DependencyTest.cpp - The executor's node order and its size -------===//
//
// The executor orders node j after node i (i < j in plan order) when both
// touch an arena byte and one of them writes it. These tests check the edges
// that finalizing a plan builds against that rule evaluated by brute force
// over every pair of nodes (the independent expectation), and that the graph
// stays linear in size for long chains (issue 15, item 3: a 10,000-node
// chain used to get tens of millions of edges).
//
//===----------------------------------------------------------------------===//

#include "Plan.h"
#include "heed/runtime.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

struct Range {
  int64_t begin, end;
};

/// Every node reachable from node \p from along the model's edges.
std::vector<bool> reachableFrom(const heed_model &model, size_t from) {
  std::vector<bool> seen(model.nodes.size());
  std::vector<int32_t> stack = {(int32_t)from};
  while (!stack.empty()) {
    int32_t n = stack.back();
    stack.pop_back();
    for (int32_t s : model.nodes[n].successors)
      if (!seen[s]) {
        seen[s] = true;
        stack.push_back(s);
      }
  }
  return seen;
}

/// Random plans of unary and binary elementwise nodes over buffers at
/// random, partly overlapping arena offsets and sizes: every conflicting
/// pair must be ordered (j reachable from i), and every edge must join a
/// conflicting pair.
TEST(RuntimeDependencyTest, OrdersExactlyTheConflictingPairs) {
  std::mt19937 rng(15);
  for (int trial = 0; trial < 200; ++trial) {
    heed_plan *plan = nullptr;
    ASSERT_EQ(heed_plan_create(&plan), HEED_OK);
    // Buffers of 16..256 floats at 64-byte-aligned offsets in 4 KiB.
    std::vector<int32_t> ids;
    std::vector<Range> ranges;
    for (int b = 0; b < 12; ++b) {
      int64_t n = 16 * (1 + rng() % 16), offset = 64 * (rng() % 48);
      int32_t id;
      ASSERT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, &n, offset, &id),
                HEED_OK);
      ids.push_back(id);
      ranges.push_back({offset, offset + 4 * n});
    }
    struct NodeAccess {
      std::vector<int> reads, writes;
    };
    std::vector<NodeAccess> nodes;
    for (int k = 0; k < 30; ++k) {
      int out = rng() % ids.size();
      int in = rng() % ids.size();
      int32_t nodeId;
      // The kernels are never run here; "relu" accepts any f32 shape pair of
      // equal extents, so pick the input among buffers of the same size.
      for (size_t c = 0; c < ids.size(); ++c)
        if (ranges[c].end - ranges[c].begin ==
            ranges[out].end - ranges[out].begin) {
          in = (int)c;
          if (rng() % 2)
            break;
        }
      ASSERT_EQ(
          heed_plan_add_node(plan, "relu", &ids[in], 1, &ids[out], 1, &nodeId),
          HEED_OK)
          << heed_last_error();
      nodes.push_back({{in}, {out}});
    }
    heed_model *model = nullptr;
    ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
    heed_plan_free(plan);

    auto touches = [&](int buffer, int other) {
      return ranges[buffer].begin < ranges[other].end &&
             ranges[other].begin < ranges[buffer].end;
    };
    auto conflict = [&](size_t i, size_t j) {
      for (int wi : nodes[i].writes) {
        for (int x : nodes[j].reads)
          if (touches(wi, x))
            return true;
        for (int x : nodes[j].writes)
          if (touches(wi, x))
            return true;
      }
      for (int ri : nodes[i].reads)
        for (int wj : nodes[j].writes)
          if (touches(ri, wj))
            return true;
      return false;
    };
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::vector<bool> reach = reachableFrom(*model, i);
      for (int32_t s : model->nodes[i].successors) {
        EXPECT_LT((size_t)s, nodes.size());
        EXPECT_GT((size_t)s, i) << "edges go forward in plan order";
        EXPECT_TRUE(conflict(i, s))
            << "trial " << trial << ": edge " << i << " -> " << s
            << " joins nodes that touch no common written byte";
      }
      for (size_t j = i + 1; j < nodes.size(); ++j) {
        if (conflict(i, j)) {
          EXPECT_TRUE(reach[j])
              << "trial " << trial << ": node " << j << " conflicts with node "
              << i << " but is not ordered after it";
        }
      }
    }
    heed_model_free(model);
  }
}

/// A 10,000-node chain over three buffers in rotation (the liveness plan of
/// a deep model): each node needs only the writer of its input and the
/// reader of the bytes it overwrites, so the graph has under 3 edges per
/// node; it runs and gives the chain's value.
TEST(RuntimeDependencyTest, LongChainHasLinearlyManyEdges) {
  constexpr int kNodes = 10000;
  constexpr int64_t kN = 16;
  heed_plan *plan = nullptr;
  ASSERT_EQ(heed_plan_create(&plan), HEED_OK);
  int32_t buffers[3];
  for (int b = 0; b < 3; ++b)
    ASSERT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, &kN, 64 * b, &buffers[b]),
              HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "x", buffers[0]), HEED_OK);
  for (int k = 0; k < kNodes; ++k)
    ASSERT_EQ(heed_plan_add_node(plan, "neg", &buffers[k % 3], 1,
                                 &buffers[(k + 1) % 3], 1, nullptr),
              HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", buffers[kNodes % 3]), HEED_OK);
  heed_model *model = nullptr;
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  heed_plan_free(plan);

  size_t edges = 0;
  for (const auto &n : model->nodes)
    edges += n.successors.size();
  EXPECT_LT(edges, (size_t)3 * kNodes);

  std::vector<float> in(kN), out(kN);
  for (int i = 0; i < kN; ++i)
    in[i] = (float)i + 0.5f;
  heed_tensor *x = nullptr, *y = nullptr;
  ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, &kN, in.data(), &x), HEED_OK);
  ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, &kN, out.data(), &y), HEED_OK);
  ASSERT_EQ(heed_model_run(model, &x, 1, &y, 1), HEED_OK) << heed_last_error();
  for (int i = 0; i < kN; ++i) // an even number of negations
    EXPECT_EQ(out[i], in[i]);
  heed_tensor_free(x);
  heed_tensor_free(y);
  heed_model_free(model);
}

} // namespace
