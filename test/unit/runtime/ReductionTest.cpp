//===- ReductionTest.cpp - libheedrt reductions, top_k and cumsum ---------===//
//
// Expected values come from the reference kernels (reference/Kernels.h:
// ref::reduce, ref::topK, ref::cumsum), themselves checked by hand in
// test/unit/reference, plus a few hand calculations written out below. The
// runtime accumulates f32 sums in double in the same (row-major) order as the
// reference, so reductions must match it exactly, not just closely.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <cstdint>
#include <cstring>

using namespace heed;
using namespace heed::test;

namespace {

struct ReduceOp {
  const char *kernel;
  ref::ReduceKind kind;
};
const ReduceOp kReduceOps[] = {{"reduce_sum", ref::ReduceKind::Sum},
                               {"reduce_mean", ref::ReduceKind::Mean},
                               {"reduce_max", ref::ReduceKind::Max},
                               {"reduce_min", ref::ReduceKind::Min}};

AttrSetter reduceAttrs(std::vector<int64_t> axes, std::optional<int64_t> keep) {
  return [=](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_ints(plan, node, "axes", axes.data(),
                                 (int32_t)axes.size()),
              HEED_OK);
    if (keep) {
      ASSERT_EQ(heed_plan_set_int(plan, node, "keepdim", *keep), HEED_OK);
    }
  };
}

AttrSetter axisAttr(int64_t axis) {
  return [=](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_int(plan, node, "axis", axis), HEED_OK);
  };
}

AttrSetter topKAttrs(int64_t k, int64_t axis) {
  return [=](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_int(plan, node, "k", k), HEED_OK);
    ASSERT_EQ(heed_plan_set_int(plan, node, "axis", axis), HEED_OK);
  };
}

/// A tensor of \p dtype with integer values in [-50, 50], many repeated.
ref::Tensor integers(DType dtype, const ref::Shape &shape, uint64_t seed) {
  ref::Tensor r = randomTensor(DType::F32, shape, seed);
  for (auto &v : r.data)
    v = std::round(v * 50);
  return ref::Tensor(dtype, shape, r.data);
}

/// Runs \p op on \p x and compares with ref::reduce exactly.
void checkReduce(const ReduceOp &op, const ref::Tensor &x,
                 const std::vector<int64_t> &axes, bool keepdim,
                 bool setKeepdim = true) {
  ref::Tensor expected = ref::reduce(op.kind, x, axes, keepdim);
  auto y =
      runKernel(op.kernel, {x}, {{x.dtype, expected.shape}},
                reduceAttrs(axes, setKeepdim ? std::optional<int64_t>(keepdim)
                                             : std::nullopt));
  ASSERT_EQ(y.size(), 1u);
  EXPECT_TENSOR_NEAR(y[0], expected, 0.0);
}

std::string describeAxes(const std::vector<int64_t> &axes, bool keepdim) {
  std::string s = "axes [";
  for (size_t i = 0; i < axes.size(); ++i)
    s += (i ? ", " : "") + std::to_string(axes[i]);
  return s + "] keepdim " + std::to_string(keepdim);
}

//===----------------------------------------------------------------------===//
// reduce_*
//===----------------------------------------------------------------------===//

TEST(RuntimeReductionTest, AxesAndKeepdimMatchReference) {
  ref::Tensor x = randomTensor(DType::F32, {3, 7, 33}, 1);
  std::vector<std::vector<int64_t>> axesCases = {
      {2}, {1}, {0}, {0, 2}, {2, 0}, {1, 2}, {0, 1}, {0, 1, 2}, {}};
  for (const ReduceOp &op : kReduceOps)
    for (const auto &axes : axesCases)
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(std::string(op.kernel) + " " +
                     describeAxes(axes, keepdim));
        checkReduce(op, x, axes, keepdim);
      }
}

TEST(RuntimeReductionTest, AwkwardExtentsMatchReference) {
  // Contiguous rows of 1, 7, 33, 129 and 4097 elements, the same extents
  // reduced with a contiguous inner part, and extent-1 dimensions in
  // between (dropped by the kernel's layout).
  for (int64_t n : {1, 7, 33, 129, 4097}) {
    ref::Tensor rows = randomTensor(DType::F32, {5, n}, 10 + n);
    ref::Tensor cols = randomTensor(DType::F32, {n, 1, 3}, 20 + n);
    ref::Tensor mixed = randomTensor(DType::F32, {2, 1, n, 3, 1}, 30 + n);
    for (const ReduceOp &op : kReduceOps) {
      SCOPED_TRACE(std::string(op.kernel) + " n = " + std::to_string(n));
      checkReduce(op, rows, {1}, false);
      checkReduce(op, cols, {0}, true);
      checkReduce(op, mixed, {0, 2}, false);
      checkReduce(op, mixed, {1, 3}, true);
      checkReduce(op, mixed, {0, 1, 2, 3, 4}, false);
    }
  }
}

TEST(RuntimeReductionTest, KeepdimDefaultsToZero) {
  ref::Tensor x = randomTensor(DType::F32, {4, 5}, 2);
  for (const ReduceOp &op : kReduceOps) {
    SCOPED_TRACE(op.kernel);
    checkReduce(op, x, {1}, false, /*setKeepdim=*/false);
  }
}

TEST(RuntimeReductionTest, IntegerDtypes) {
  // Means included: the reference truncates the exact mean towards zero
  // (negative and positive means both occur in [-50, 50]).
  for (DType dtype : {DType::I64, DType::I32}) {
    ref::Tensor x = integers(dtype, {7, 33, 3}, 3);
    for (const ReduceOp &op : kReduceOps) {
      for (const std::vector<int64_t> &axes :
           {std::vector<int64_t>{1}, {2}, {0, 2}, {0, 1, 2}}) {
        SCOPED_TRACE(std::string(op.kernel) + " " + describeAxes(axes, 0) +
                     (dtype == DType::I64 ? " i64" : " i32"));
        checkReduce(op, x, axes, false);
      }
    }
  }
}

TEST(RuntimeReductionTest, ByHand) {
  // [[1, 2, 3], [4, 5, 6]]: sums over axis 0 [5, 7, 9], over axis 1 [6, 15];
  // means over axis 1 [2, 5]; max over both 6, min over axis 0 [1, 2, 3].
  ref::Tensor x(DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  auto run = [&](const char *kernel, std::vector<int64_t> axes,
                 ref::Shape shape) {
    auto y =
        runKernel(kernel, {x}, {{DType::F32, shape}}, reduceAttrs(axes, 1));
    return y.empty() ? std::vector<ref::Scalar>{} : y[0].data;
  };
  EXPECT_EQ(run("reduce_sum", {0}, {1, 3}),
            (std::vector<heed::ref::Scalar>{5, 7, 9}));
  EXPECT_EQ(run("reduce_sum", {1}, {2, 1}),
            (std::vector<heed::ref::Scalar>{6, 15}));
  EXPECT_EQ(run("reduce_mean", {1}, {2, 1}),
            (std::vector<heed::ref::Scalar>{2, 5}));
  EXPECT_EQ(run("reduce_max", {0, 1}, {1, 1}),
            (std::vector<heed::ref::Scalar>{6}));
  EXPECT_EQ(run("reduce_min", {0}, {1, 3}),
            (std::vector<heed::ref::Scalar>{1, 2, 3}));
}

TEST(RuntimeReductionTest, IntegerMeanTruncatesTowardsZero) {
  // [[-7, 2], [7, 0], [-1, -2]]: sums over axis 1 are [-5, 7, -3], so the
  // means -2.5, 3.5, -1.5 truncate to [-2, 3, -1] (not floor: -3, 3, -2).
  for (DType dtype : {DType::I64, DType::I32}) {
    SCOPED_TRACE(dtype == DType::I64 ? "i64" : "i32");
    ref::Tensor x(dtype, {3, 2}, {-7, 2, 7, 0, -1, -2});
    auto y = runKernel("reduce_mean", {x}, {{dtype, {3}}}, reduceAttrs({1}, 0));
    ASSERT_EQ(y.size(), 1u);
    EXPECT_EQ(y[0].data, (std::vector<heed::ref::Scalar>{-2, 3, -1}));
  }
}

TEST(RuntimeReductionTest, MaxAndMinPropagateNaN) {
  // Row 0 holds a NaN after its maximum; row 1 is ordinary.
  ref::Tensor x(DType::F32, {2, 3}, {5, NAN, 1, -2, 7, 3});
  for (const ReduceOp &op : kReduceOps) {
    SCOPED_TRACE(op.kernel);
    auto y =
        runKernel(op.kernel, {x}, {{DType::F32, {2}}}, reduceAttrs({1}, 0));
    ASSERT_EQ(y.size(), 1u);
    EXPECT_TRUE(std::isnan(y[0].data[0]));
    EXPECT_TENSOR_NEAR(y[0], ref::reduce(op.kind, x, {1}, false), 0.0);
  }
}

//===----------------------------------------------------------------------===//
// top_k
//===----------------------------------------------------------------------===//

TEST(RuntimeReductionTest, TopKMatchesReference) {
  struct Case {
    ref::Shape shape;
    int64_t k, axis;
  } cases[] = {{{3, 129}, 5, 1}, {{33, 7}, 33, 0},  {{2, 33, 7}, 1, 1},
               {{4, 1}, 1, 1},   {{5, 4097}, 7, 1}, {{7, 33, 3}, 33, 1},
               {{2, 7, 5}, 7, 1}};
  for (const Case &c : cases) {
    SCOPED_TRACE(ref::shapeToString(c.shape) + " k " + std::to_string(c.k) +
                 " axis " + std::to_string(c.axis));
    ref::Tensor x = randomTensor(DType::F32, c.shape, 40 + c.k);
    auto [values, indices] = ref::topK(x, c.k, c.axis);
    auto out = runKernel(
        "top_k", {x}, {{DType::F32, values.shape}, {DType::I64, values.shape}},
        topKAttrs(c.k, c.axis));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_TENSOR_NEAR(out[0], values, 0.0);
    EXPECT_TENSOR_NEAR(out[1], indices, 0.0);
  }
}

TEST(RuntimeReductionTest, TopKTiesKeepTheLowerIndexFirst) {
  // By hand: [1, 3, 3, 2, 3, 1] -> the three 3s in index order, then 2.
  ref::Tensor x(DType::F32, {1, 6}, {1, 3, 3, 2, 3, 1});
  auto out =
      runKernel("top_k", {x}, {{DType::F32, {1, 4}}, {DType::I64, {1, 4}}},
                topKAttrs(4, 1));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, (std::vector<heed::ref::Scalar>{3, 3, 3, 2}));
  EXPECT_EQ(out[1].data, (std::vector<heed::ref::Scalar>{1, 2, 4, 3}));

  // Many ties (integer values), in f32 and both integer dtypes, along a
  // non-last axis.
  for (DType dtype : {DType::F32, DType::I64, DType::I32}) {
    SCOPED_TRACE((int)dtype);
    ref::Tensor t = integers(dtype, {3, 129, 5}, 50);
    for (auto &v : t.data)
      v = std::round(v / 10); // values in [-5, 5]
    auto [values, indices] = ref::topK(t, 40, 1);
    auto got = runKernel("top_k", {t},
                         {{dtype, values.shape}, {DType::I64, values.shape}},
                         topKAttrs(40, 1));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_TENSOR_NEAR(got[0], values, 0.0);
    EXPECT_TENSOR_NEAR(got[1], indices, 0.0);
  }
}

TEST(RuntimeReductionTest, TopKPutsNaNFirst) {
  ref::Tensor x(DType::F32, {5}, {1, NAN, 4, NAN, 2});
  auto out = runKernel("top_k", {x}, {{DType::F32, {3}}, {DType::I64, {3}}},
                       topKAttrs(3, 0));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(std::isnan(out[0].data[0]) && std::isnan(out[0].data[1]));
  EXPECT_EQ(out[0].data[2], 4);
  EXPECT_EQ(out[1].data, (std::vector<heed::ref::Scalar>{1, 3, 2}));
}

//===----------------------------------------------------------------------===//
// Determinism
//===----------------------------------------------------------------------===//

TEST(RuntimeReductionTest, BitwiseIdenticalForAnyThreadCount) {
  ref::Tensor x = randomTensor(DType::F32, {64, 128, 96}, 60);
  struct Case {
    const char *kernel;
    std::vector<int64_t> axes;
    ref::Shape out;
  } cases[] = {{"reduce_sum", {2}, {64, 128}},
               {"reduce_mean", {1}, {64, 96}},
               {"reduce_sum", {0, 2}, {128}},
               {"reduce_max", {0}, {128, 96}}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.kernel);
    auto run = [&](int threads) {
      return runKernel(c.kernel, {x}, {{DType::F32, c.out}},
                       reduceAttrs(c.axes, 0), threads);
    };
    auto one = run(1), three = run(3);
    ASSERT_EQ(one.size(), 1u);
    ASSERT_EQ(three.size(), 1u);
    EXPECT_EQ(one[0].data, three[0].data);
  }
  auto topK = [&](int threads) {
    return runKernel("top_k", {x},
                     {{DType::F32, {64, 16, 96}}, {DType::I64, {64, 16, 96}}},
                     topKAttrs(16, 1), threads);
  };
  auto one = topK(1), three = topK(3);
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(three.size(), 2u);
  EXPECT_EQ(one[0].data, three[0].data);
  EXPECT_EQ(one[1].data, three[1].data);
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

TEST(RuntimeReductionTest, CumsumMatchesReferenceExactly) {
  // f32 sums in double like the reference, so the match is exact; the
  // inner extent 300 spans two column blocks of the kernel.
  struct Case {
    ref::Shape shape;
    int64_t axis;
  } cases[] = {{{3, 7, 33}, 0},  {{3, 7, 33}, 1}, {{3, 7, 33}, 2},
               {{2, 9, 300}, 1}, {{1000}, 0},     {{1, 1, 5}, 1}};
  for (const Case &c : cases) {
    for (DType dtype : {DType::F32, DType::I64, DType::I32}) {
      SCOPED_TRACE(ref::shapeToString(c.shape) + " axis " +
                   std::to_string(c.axis) + " dtype " +
                   std::to_string((int)dtype));
      ref::Tensor x = dtype == DType::F32 ? randomTensor(dtype, c.shape, 5)
                                          : integers(dtype, c.shape, 5);
      ref::Tensor expected = ref::cumsum(x, c.axis);
      auto y = runKernel("cumsum", {x}, {{dtype, c.shape}}, axisAttr(c.axis));
      ASSERT_EQ(y.size(), 1u);
      EXPECT_TENSOR_NEAR(y[0], expected, 0.0);
      // In place (the output over its input), as the memory planner allows.
      EXPECT_TENSOR_NEAR(runKernelInPlace("cumsum", {x}, axisAttr(c.axis)),
                         expected, 0.0);
    }
  }
}

TEST(RuntimeReductionTest, CumsumByHand) {
  // {1e8, 3, 3, 3}: double sums rounded once give {1e8, 1e8, 100000008,
  // 100000008} (f32 spacing 8 at 1e8); i64 wraps around:
  // INT64_MAX + 1 = INT64_MIN (exact in the runtime, not in the reference's
  // doubles).
  auto y = runKernel("cumsum", {ref::Tensor(DType::F32, {4}, {1e8, 3, 3, 3})},
                     {{DType::F32, {4}}}, axisAttr(0));
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].data,
            (std::vector<heed::ref::Scalar>{1e8, 1e8, 100000008, 100000008}));
  io::HostTensor big;
  big.dtype = DType::I64;
  big.shape = {2};
  int64_t values[2] = {INT64_MAX, 1};
  big.data.assign((const uint8_t *)values, (const uint8_t *)(values + 2));
  auto w = runKernel("cumsum", {ref::fromHost(big)}, {{DType::I64, {2}}},
                     axisAttr(0));
  ASSERT_EQ(w.size(), 1u);
  io::HostTensor out = ref::toHost(w[0]);
  int64_t got[2];
  std::memcpy(got, out.data.data(), sizeof got);
  EXPECT_EQ(got[1], INT64_MIN);
}

TEST(RuntimeReductionTest, CumsumBitwiseIdenticalForAnyThreadCount) {
  ref::Tensor x = randomTensor(DType::F32, {64, 128, 96}, 61);
  for (int64_t axis : {0, 1, 2}) {
    SCOPED_TRACE(axis);
    auto one =
        runKernel("cumsum", {x}, {{DType::F32, x.shape}}, axisAttr(axis), 1);
    auto three =
        runKernel("cumsum", {x}, {{DType::F32, x.shape}}, axisAttr(axis), 3);
    ASSERT_EQ(one.size(), 1u);
    ASSERT_EQ(three.size(), 1u);
    EXPECT_EQ(one[0].data, three[0].data);
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(RuntimeReductionTest, ReduceErrors) {
  OutputSpec x = {DType::F32, {2, 3}};
  expectFinalizeError("reduce_sum", {x}, {{DType::F32, {2}}},
                      reduceAttrs({3}, 0), HEED_ERROR_SHAPE,
                      "reduce_sum: axis 3 is out of range for x f32[2, 3]");
  expectFinalizeError("reduce_max", {x}, {{DType::F32, {2}}},
                      reduceAttrs({-1}, 0), HEED_ERROR_SHAPE,
                      "reduce_max: axis -1 is out of range for x f32[2, 3]");
  expectFinalizeError("reduce_min", {x}, {{DType::F32, {}}},
                      reduceAttrs({1, 1}, 0), HEED_ERROR_SHAPE,
                      "reduce_min: axis 1 is listed twice");
  expectFinalizeError("reduce_sum", {x}, {{DType::F32, {3}}},
                      reduceAttrs({1}, 0), HEED_ERROR_SHAPE,
                      "reduce_sum: output f32[3] must be f32[2]");
  expectFinalizeError("reduce_sum", {x}, {{DType::F32, {2}}},
                      reduceAttrs({1}, 1), HEED_ERROR_SHAPE,
                      "reduce_sum: output f32[2] must be f32[2, 1]");
  expectFinalizeError("reduce_sum", {x}, {{DType::F32, {2}}},
                      reduceAttrs({1}, 2), HEED_ERROR_INVALID_ARGUMENT,
                      "reduce_sum: keepdim must be 0 or 1, got 2");
  expectFinalizeError("reduce_mean", {{DType::I1, {2, 3}}}, {{DType::I1, {2}}},
                      reduceAttrs({1}, 0), HEED_ERROR_DTYPE,
                      "reduce_mean: unsupported dtype i1[2, 3]");
  expectFinalizeError("reduce_sum", {{DType::F16, {2, 3}}}, {{DType::F16, {2}}},
                      reduceAttrs({1}, 0), HEED_ERROR_DTYPE,
                      "reduce_sum: unsupported dtype f16[2, 3]");
  expectFinalizeError("reduce_sum", {x}, {{DType::I64, {2}}},
                      reduceAttrs({1}, 0), HEED_ERROR_DTYPE,
                      "reduce_sum: output 0 must be f32, got i64[2]");
  expectFinalizeError("reduce_sum", {x}, {{DType::F32, {2}}}, {},
                      HEED_ERROR_INVALID_ARGUMENT,
                      "reduce_sum: missing attribute 'axes'");
}

TEST(RuntimeReductionTest, TopKErrors) {
  OutputSpec x = {DType::F32, {2, 4}};
  OutputSpec v = {DType::F32, {2, 5}}, i = {DType::I64, {2, 5}};
  expectFinalizeError(
      "top_k", {x}, {v, i}, topKAttrs(5, 1), HEED_ERROR_SHAPE,
      "top_k: k = 5 must be in [1, 4], the extent of axis 1 of x "
      "f32[2, 4]");
  expectFinalizeError(
      "top_k", {x}, {{DType::F32, {2, 0}}, {DType::I64, {2, 0}}},
      topKAttrs(0, 1), HEED_ERROR_SHAPE,
      "top_k: k = 0 must be in [1, 4], the extent of axis 1 of x "
      "f32[2, 4]");
  expectFinalizeError("top_k", {x}, {v, i}, topKAttrs(1, 2), HEED_ERROR_SHAPE,
                      "top_k: axis 2 is out of range for x f32[2, 4]");
  expectFinalizeError("top_k", {x},
                      {{DType::F32, {2, 2}}, {DType::I32, {2, 2}}},
                      topKAttrs(2, 1), HEED_ERROR_DTYPE,
                      "top_k: output 1 must be i64, got i32[2, 2]");
  expectFinalizeError("top_k", {x},
                      {{DType::F32, {2, 2}}, {DType::I64, {2, 3}}},
                      topKAttrs(2, 1), HEED_ERROR_SHAPE,
                      "top_k: output 1 i64[2, 3] must be i64[2, 2]");
  expectFinalizeError("top_k", {{DType::I1, {2, 4}}},
                      {{DType::I1, {2, 2}}, {DType::I64, {2, 2}}},
                      topKAttrs(2, 1), HEED_ERROR_DTYPE,
                      "top_k: unsupported dtype i1[2, 4]");
  expectFinalizeError("top_k", {x}, {{DType::F32, {2, 2}}}, topKAttrs(2, 1),
                      HEED_ERROR_INVALID_ARGUMENT,
                      "top_k: expected 1 inputs and 2 outputs, got 1 and 1");
}

TEST(RuntimeReductionTest, CumsumErrors) {
  OutputSpec x = {DType::F32, {2, 3}};
  expectFinalizeError("cumsum", {x}, {x}, axisAttr(2), HEED_ERROR_SHAPE,
                      "cumsum: axis 2 is out of range for x f32[2, 3]");
  expectFinalizeError("cumsum", {x}, {{DType::F32, {3, 2}}}, axisAttr(1),
                      HEED_ERROR_SHAPE,
                      "cumsum: output f32[3, 2] must be f32[2, 3]");
  expectFinalizeError("cumsum", {x}, {{DType::I64, {2, 3}}}, axisAttr(1),
                      HEED_ERROR_DTYPE,
                      "cumsum: output 0 must be f32, got i64[2, 3]");
  expectFinalizeError("cumsum", {{DType::I1, {2, 3}}}, {{DType::I1, {2, 3}}},
                      axisAttr(1), HEED_ERROR_DTYPE,
                      "cumsum: unsupported dtype i1[2, 3]");
  expectFinalizeError("cumsum", {{DType::BF16, {2, 3}}},
                      {{DType::BF16, {2, 3}}}, axisAttr(1), HEED_ERROR_DTYPE,
                      "cumsum: unsupported dtype bf16[2, 3]");
  expectFinalizeError("cumsum", {x}, {x}, {}, HEED_ERROR_INVALID_ARGUMENT,
                      "cumsum: missing integer attribute 'axis'");
}

} // namespace
