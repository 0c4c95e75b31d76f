//===- DataMovementTest.cpp - libheedrt data-movement kernels vs reference ===//
//
// Expected values come from the reference kernels (reference/Kernels.h:
// ref::transpose, reshape, broadcastTo, concat, split, slice, gather,
// scatter, dynamicUpdateSlice, embedding, iota, cast, tril, triu), themselves
// checked by hand in test/unit/reference; the few hand-computed values are
// written out where they are used. Data movement is exact, so every comparison
// is exact.
//
//===----------------------------------------------------------------------===//

#include "HostConversion.h"
#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>

using namespace heed;
using namespace heed::test;

namespace {

//===--- Helpers ----------------------------------------------------------===//

/// Integers in [lo, hi) of \p dtype (randomTensor gives [-1, 1), which
/// integer dtypes would truncate to almost all zeros).
ref::Tensor intTensor(DType dtype, const ref::Shape &shape, uint64_t seed,
                      int64_t lo, int64_t hi) {
  ref::Tensor r = randomTensor(DType::F32, shape, seed);
  std::vector<double> data;
  for (double v : r.data)
    data.push_back(lo + std::floor((v + 1) / 2 * (double)(hi - lo)));
  return ref::Tensor(dtype, shape, data);
}

/// A tensor of \p dtype with varied values: random in [-1, 1) for floats,
/// [-1000, 1000) for integers, 0/1 for i1.
ref::Tensor anyTensor(DType dtype, const ref::Shape &shape, uint64_t seed) {
  switch (dtype) {
  case DType::I64:
  case DType::I32:
    return intTensor(dtype, shape, seed, -1000, 1000);
  case DType::I1:
    return intTensor(dtype, shape, seed, 0, 2);
  default:
    return randomTensor(dtype, shape, seed);
  }
}

/// Index of the first element where \p a and \p e differ (NaN equals NaN,
/// 0 equals -0: the reference keeps -0 in integer tensors), or -1.
int64_t firstDifference(const ref::Tensor &a, const ref::Tensor &e) {
  for (size_t i = 0; i < e.data.size(); ++i)
    if (!(a.data[i] == e.data[i] ||
          (std::isnan(a.data[i]) && std::isnan(e.data[i]))))
      return (int64_t)i;
  return -1;
}

/// Asserts equal dtype and shape and exactly equal elements.
#define EXPECT_TENSOR_EQ(actual, expected)                                     \
  do {                                                                         \
    const auto &a_ = (actual);                                                 \
    const auto &e_ = (expected);                                               \
    ASSERT_EQ(a_.shape, e_.shape);                                             \
    ASSERT_EQ(a_.dtype, e_.dtype);                                             \
    int64_t i_ = firstDifference(a_, e_);                                      \
    EXPECT_EQ(i_, -1) << "element " << i_ << ": " << a_.data[i_] << " vs "     \
                      << e_.data[i_];                                          \
  } while (0)

/// Asserts that two runtime results hold the same bytes in their dtype
/// (compared as the runtime stores them: ref::Scalar's padding bytes are
/// not part of a value).
#define EXPECT_BITWISE_EQ(actual, expected)                                    \
  do {                                                                         \
    const auto &a_ = (actual);                                                 \
    const auto &e_ = (expected);                                               \
    ASSERT_EQ(a_.shape, e_.shape);                                             \
    ASSERT_EQ(a_.dtype, e_.dtype);                                             \
    EXPECT_TRUE(ref::toHost(a_).data == ref::toHost(e_).data);                 \
  } while (0)

/// Runs \p kernel with one output and returns it (an empty tensor if the
/// run failed, which runKernel has already reported).
ref::Tensor run1(const std::string &kernel,
                 const std::vector<ref::Tensor> &inputs, OutputSpec output,
                 const AttrSetter &attrs = {}, int threads = 1) {
  auto out = runKernel(kernel, inputs, {output}, attrs, threads);
  return out.empty() ? ref::Tensor() : out[0];
}

AttrSetter intAttrs(std::vector<std::pair<std::string, int64_t>> values) {
  return [values](heed_plan *plan, int32_t node) {
    for (const auto &[name, v] : values)
      ASSERT_EQ(heed_plan_set_int(plan, node, name.c_str(), v), HEED_OK);
  };
}

AttrSetter axisAttr(int64_t axis) { return intAttrs({{"axis", axis}}); }

AttrSetter permAttr(std::vector<int64_t> perm) {
  return [perm](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_ints(plan, node, "perm", perm.data(),
                                 (int32_t)perm.size()),
              HEED_OK);
  };
}

AttrSetter floatAttr(const char *name, double v) {
  return [name, v](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_float(plan, node, name, v), HEED_OK);
  };
}

/// Builds, finalizes and runs a one-node plan directly through the C API and
/// returns the status and message of heed_model_run (for run-time errors).
std::pair<heed_status, std::string>
runStatus(const std::string &kernel, const std::vector<ref::Tensor> &inputs,
          const OutputSpec &output, const AttrSetter &attrs) {
  heed_plan *plan = nullptr;
  EXPECT_EQ(heed_plan_create(&plan), HEED_OK);
  std::vector<int32_t> in;
  std::vector<io::HostTensor> host;
  for (size_t i = 0; i < inputs.size(); ++i) {
    host.push_back(ref::toHost(inputs[i]));
    int32_t id;
    EXPECT_EQ(heed_plan_add_buffer(
                  plan, (heed_dtype)inputs[i].dtype, (int32_t)inputs[i].rank(),
                  inputs[i].shape.data(), HEED_AUTO_OFFSET, &id),
              HEED_OK);
    EXPECT_EQ(heed_plan_add_input(plan, ("in" + std::to_string(i)).c_str(), id),
              HEED_OK);
    in.push_back(id);
  }
  int32_t out, node;
  EXPECT_EQ(heed_plan_add_buffer(plan, (heed_dtype)output.dtype,
                                 (int32_t)output.shape.size(),
                                 output.shape.data(), HEED_AUTO_OFFSET, &out),
            HEED_OK);
  EXPECT_EQ(heed_plan_add_output(plan, "out", out), HEED_OK);
  EXPECT_EQ(heed_plan_add_node(plan, kernel.c_str(), in.data(),
                               (int32_t)in.size(), &out, 1, &node),
            HEED_OK);
  attrs(plan, node);
  heed_model *model = nullptr;
  heed_status status = heed_plan_finalize(plan, &model);
  heed_plan_free(plan);
  EXPECT_EQ(status, HEED_OK) << heed_last_error();
  if (status != HEED_OK)
    return {status, "finalize failed"};

  std::vector<heed_tensor *> inTensors;
  for (io::HostTensor &h : host) {
    heed_tensor *t = nullptr;
    EXPECT_EQ(heed_tensor_wrap((heed_dtype)h.dtype, (int32_t)h.shape.size(),
                               h.shape.data(), h.data.data(), &t),
              HEED_OK);
    inTensors.push_back(t);
  }
  heed_tensor *result = nullptr;
  EXPECT_EQ(heed_tensor_create((heed_dtype)output.dtype,
                               (int32_t)output.shape.size(),
                               output.shape.data(), &result),
            HEED_OK);
  status = heed_model_run(model, inTensors.data(), (int32_t)inTensors.size(),
                          &result, 1);
  std::string message = status == HEED_OK ? "" : heed_last_error();
  // The model stays usable after a failed run.
  for (heed_tensor *t : inTensors)
    heed_tensor_free(t);
  heed_tensor_free(result);
  heed_model_free(model);
  return {status, message};
}

const DType kDTypes[] = {DType::F32, DType::I64, DType::I1, DType::BF16};

//===--- copy -------------------------------------------------------------===//

TEST(RuntimeDataMovementTest, CopyReshapes) {
  for (DType dtype : kDTypes) {
    SCOPED_TRACE(dtypeName(dtype));
    ref::Tensor x = anyTensor(dtype, {7, 33, 3}, 1);
    EXPECT_TENSOR_EQ(run1("copy", {x}, {dtype, {33, 21}}),
                     ref::reshape(x, {33, 21}));
    EXPECT_TENSOR_EQ(run1("copy", {x}, {dtype, {693}}), ref::reshape(x, {693}));
  }
  ref::Tensor one = randomTensor(DType::F32, {1}, 2);
  EXPECT_TENSOR_EQ(run1("copy", {one}, {DType::F32, {}}),
                   ref::reshape(one, {}));
}

//===--- transpose --------------------------------------------------------===//

/// Every permutation of a rank-4 tensor, on a shape with a unit dim (merged
/// away) and on one large enough for the tiled path.
TEST(RuntimeDataMovementTest, TransposeEveryPermutation) {
  for (ref::Shape shape : {ref::Shape{3, 7, 1, 33}, ref::Shape{2, 33, 7, 129}})
    for (DType dtype : kDTypes) {
      ref::Tensor x = anyTensor(dtype, shape, 3);
      std::vector<int64_t> perm = {0, 1, 2, 3};
      do {
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " " +
                     ref::shapeToString(shape) + " perm " +
                     ref::shapeToString(perm));
        ref::Tensor expected = ref::transpose(x, perm);
        EXPECT_TENSOR_EQ(
            run1("transpose", {x}, {dtype, expected.shape}, permAttr(perm)),
            expected);
      } while (std::next_permutation(perm.begin(), perm.end()));
    }
}

TEST(RuntimeDataMovementTest, TransposeOtherRanks) {
  struct Case {
    ref::Shape shape;
    std::vector<int64_t> perm;
  } cases[] = {{{129, 33}, {1, 0}},
               {{7}, {0}},
               {{}, {}},
               {{1, 1}, {1, 0}},
               {{2, 3, 5, 7, 11}, {4, 2, 0, 3, 1}},
               {{2, 3, 5, 7, 11}, {0, 1, 2, 4, 3}},
               {{5, 1, 7, 1, 33}, {4, 3, 2, 1, 0}}};
  for (const Case &c : cases) {
    SCOPED_TRACE(ref::shapeToString(c.shape) + " perm " +
                 ref::shapeToString(c.perm));
    ref::Tensor x = randomTensor(DType::F32, c.shape, 4);
    ref::Tensor expected = ref::transpose(x, c.perm);
    EXPECT_TENSOR_EQ(
        run1("transpose", {x}, {DType::F32, expected.shape}, permAttr(c.perm)),
        expected);
  }
}

/// Head split/merge and the K^T of attention, large enough for many chunks:
/// 3 threads give the same bytes as 1, and both match the reference.
TEST(RuntimeDataMovementTest, TransposeThreadsBitwiseEqual) {
  ref::Tensor x = randomTensor(DType::F32, {4, 129, 8, 64}, 5);
  for (std::vector<int64_t> perm :
       {std::vector<int64_t>{0, 2, 1, 3}, std::vector<int64_t>{0, 2, 3, 1},
        std::vector<int64_t>{3, 1, 2, 0}}) {
    SCOPED_TRACE("perm " + ref::shapeToString(perm));
    ref::Tensor expected = ref::transpose(x, perm);
    OutputSpec spec{DType::F32, expected.shape};
    ref::Tensor one = run1("transpose", {x}, spec, permAttr(perm), 1);
    ref::Tensor three = run1("transpose", {x}, spec, permAttr(perm), 3);
    EXPECT_TENSOR_EQ(one, expected);
    EXPECT_BITWISE_EQ(three, one);
  }
}

//===--- broadcast_to -----------------------------------------------------===//

TEST(RuntimeDataMovementTest, BroadcastTo) {
  struct Case {
    ref::Shape from, to;
  } cases[] = {{{7, 1, 3}, {2, 7, 33, 3}},
               {{}, {129, 7}},
               {{33, 1}, {33, 129}},
               {{1, 129}, {7, 129}},
               {{1}, {1}},
               {{7, 1, 1}, {7, 33, 5}},
               {{5}, {3, 1, 5}}};
  for (const Case &c : cases)
    for (DType dtype : kDTypes) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " " +
                   ref::shapeToString(c.from) + " -> " +
                   ref::shapeToString(c.to));
      ref::Tensor x = anyTensor(dtype, c.from, 6);
      EXPECT_TENSOR_EQ(run1("broadcast_to", {x}, {dtype, c.to}),
                       ref::broadcastTo(x, c.to));
    }
}

//===--- concat, split ----------------------------------------------------===//

TEST(RuntimeDataMovementTest, ConcatEveryAxis) {
  for (DType dtype : kDTypes)
    for (int64_t axis = 0; axis < 3; ++axis) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " axis " +
                   std::to_string(axis));
      std::vector<ref::Tensor> xs;
      int64_t sizes[] = {7, 1, 33};
      for (int i = 0; i < 3; ++i) {
        ref::Shape shape = {2, 5, 3};
        shape[axis] = sizes[i];
        xs.push_back(anyTensor(dtype, shape, 10 + i));
      }
      ref::Tensor expected = ref::concat(xs, axis);
      EXPECT_TENSOR_EQ(
          run1("concat", xs, {dtype, expected.shape}, axisAttr(axis)),
          expected);
    }
  // One input is a copy.
  ref::Tensor x = randomTensor(DType::F32, {7, 3}, 13);
  EXPECT_TENSOR_EQ(run1("concat", {x}, {DType::F32, {7, 3}}, axisAttr(1)), x);
}

TEST(RuntimeDataMovementTest, SplitEveryAxis) {
  for (DType dtype : kDTypes)
    for (int64_t axis = 0; axis < 3; ++axis) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " axis " +
                   std::to_string(axis));
      ref::Shape shape = {41, 41, 41};
      ref::Tensor x = anyTensor(dtype, shape, 20);
      std::vector<int64_t> sizes = {7, 1, 33};
      std::vector<ref::Tensor> expected = ref::split(x, sizes, axis);
      std::vector<OutputSpec> specs;
      for (const ref::Tensor &e : expected)
        specs.push_back({dtype, e.shape});
      auto out = runKernel("split", {x}, specs, axisAttr(axis));
      ASSERT_EQ(out.size(), 3u);
      for (size_t i = 0; i < 3; ++i)
        EXPECT_TENSOR_EQ(out[i], expected[i]);
    }
}

/// Concat of big pieces (rows longer than one chunk when axis = 0) and split
/// back, with 1 and 3 threads.
TEST(RuntimeDataMovementTest, ConcatSplitThreadsBitwiseEqual) {
  for (int64_t axis : {0, 1}) {
    SCOPED_TRACE("axis " + std::to_string(axis));
    ref::Shape a = {129, 1000}, b = {129, 1000};
    a[axis] = 33;
    b[axis] = 129;
    std::vector<ref::Tensor> xs = {randomTensor(DType::F32, a, 21),
                                   randomTensor(DType::F32, b, 22)};
    ref::Tensor expected = ref::concat(xs, axis);
    OutputSpec spec{DType::F32, expected.shape};
    ref::Tensor one = run1("concat", xs, spec, axisAttr(axis), 1);
    EXPECT_TENSOR_EQ(one, expected);
    EXPECT_BITWISE_EQ(run1("concat", xs, spec, axisAttr(axis), 3), one);

    std::vector<OutputSpec> pieces = {{DType::F32, a}, {DType::F32, b}};
    auto split1 = runKernel("split", {expected}, pieces, axisAttr(axis), 1);
    auto split3 = runKernel("split", {expected}, pieces, axisAttr(axis), 3);
    ASSERT_EQ(split1.size(), 2u);
    ASSERT_EQ(split3.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TENSOR_EQ(split1[i], xs[i]);
      EXPECT_BITWISE_EQ(split3[i], split1[i]);
    }
  }
}

//===--- slice ------------------------------------------------------------===//

TEST(RuntimeDataMovementTest, Slice) {
  ref::Shape shape = {7, 33, 5};
  struct Case {
    int64_t axis, start, count, step; // step 0: leave the default
  } cases[] = {{0, 0, 7, 0},  {0, 2, 3, 1},  {1, 5, 20, 0},
               {1, 0, 11, 3}, {1, 32, 1, 1}, {1, 1, 16, 2},
               {2, 4, 1, 7},  {2, 0, 3, 2},  {0, 6, 1, 5}};
  for (DType dtype : kDTypes) {
    ref::Tensor x = anyTensor(dtype, shape, 30);
    for (const Case &c : cases) {
      int64_t step = c.step ? c.step : 1;
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " axis " +
                   std::to_string(c.axis) + " start " +
                   std::to_string(c.start) + " count " +
                   std::to_string(c.count) + " step " + std::to_string(step));
      ref::Tensor expected = ref::slice(
          x, c.axis, c.start, c.start + (c.count - 1) * step + 1, step);
      std::vector<std::pair<std::string, int64_t>> attrs = {{"axis", c.axis},
                                                            {"start", c.start}};
      if (c.step)
        attrs.push_back({"step", c.step});
      EXPECT_TENSOR_EQ(
          run1("slice", {x}, {dtype, expected.shape}, intAttrs(attrs)),
          expected);
    }
  }
}

//===--- gather, embedding ------------------------------------------------===//

TEST(RuntimeDataMovementTest, GatherNumpyTake) {
  ref::Shape shape = {7, 10, 3};
  for (DType dtype : {DType::F32, DType::I64, DType::BF16})
    for (DType indexType : {DType::I64, DType::I32})
      for (int64_t axis = 0; axis < 3; ++axis) {
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " indices " +
                     dtypeName(indexType) + " axis " + std::to_string(axis));
        ref::Tensor x = anyTensor(dtype, shape, 40);
        int64_t extent = shape[axis];
        // Negative indices count from the end; repeats are allowed.
        ref::Tensor indices(
            indexType, {2, 3},
            {0, (double)(extent - 1), -1, (double)-extent, 1, 1});
        ref::Tensor expected = ref::gather(x, indices, axis);
        EXPECT_TENSOR_EQ(run1("gather", {x, indices}, {dtype, expected.shape},
                              axisAttr(axis)),
                         expected);
        // A rank-0 index drops the axis.
        ref::Tensor scalar(indexType, {}, {-2});
        expected = ref::gather(x, scalar, axis);
        EXPECT_TENSOR_EQ(run1("gather", {x, scalar}, {dtype, expected.shape},
                              axisAttr(axis)),
                         expected);
      }
}

TEST(RuntimeDataMovementTest, GatherThreadsBitwiseEqual) {
  ref::Tensor x = randomTensor(DType::F32, {33, 1000, 8}, 41);
  ref::Tensor indices = intTensor(DType::I64, {129}, 42, -1000, 1000);
  ref::Tensor expected = ref::gather(x, indices, 1);
  OutputSpec spec{DType::F32, expected.shape};
  ref::Tensor one = run1("gather", {x, indices}, spec, axisAttr(1), 1);
  EXPECT_TENSOR_EQ(one, expected);
  EXPECT_BITWISE_EQ(run1("gather", {x, indices}, spec, axisAttr(1), 3), one);
}

TEST(RuntimeDataMovementTest, GatherIndexOutOfRangeFailsTheRun) {
  ref::Tensor x = randomTensor(DType::F32, {3, 10}, 43);
  for (DType indexType : {DType::I64, DType::I32}) {
    ref::Tensor indices(indexType, {3}, {1, 12, 50});
    auto [status, message] =
        runStatus("gather", {x, indices}, {DType::F32, {3, 3}}, axisAttr(1));
    EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
    // The first bad index is named.
    EXPECT_EQ(message, "gather: index 12 is out of range for an axis of 10");
    indices = ref::Tensor(indexType, {2}, {-10, -11});
    std::tie(status, message) =
        runStatus("gather", {x, indices}, {DType::F32, {3, 2}}, axisAttr(1));
    EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(message, "gather: index -11 is out of range for an axis of 10");
  }
}

//===--- scatter ----------------------------------------------------------===//

/// Indices in [0, extent) of x's axis for an index of \p shape.
ref::Tensor scatterIndex(const ref::Shape &shape, int64_t extent,
                         uint64_t seed) {
  return intTensor(DType::I64, shape, seed, 0, extent);
}

TEST(RuntimeDataMovementTest, ScatterMatchesReference) {
  ref::Shape shape = {6, 5, 4};
  for (DType dtype : kDTypes)
    for (int64_t axis = 0; axis < 3; ++axis) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " axis " +
                   std::to_string(axis));
      // index: smaller than x off the axis, 7 long along it (more than any
      // extent, so targets repeat and the last write must win); src one
      // larger than index everywhere (its extra elements are not read).
      ref::Shape is = {3, 4, 2}, ss = {4, 5, 3};
      is[axis] = 7;
      ss[axis] = 8;
      ref::Tensor x = anyTensor(dtype, shape, 70 + axis);
      ref::Tensor src = anyTensor(dtype, ss, 80 + axis);
      ref::Tensor index = scatterIndex(is, shape[axis], 90 + axis);
      ref::Tensor expected = ref::scatter(x, axis, index, src);
      EXPECT_TENSOR_EQ(
          run1("scatter", {x, index, src}, {dtype, shape}, axisAttr(axis)),
          expected);
      // In place: the output over x, as the memory planner allows.
      EXPECT_TENSOR_EQ(
          runKernelInPlace("scatter", {x, index, src}, axisAttr(axis)),
          expected);
    }
}

TEST(RuntimeDataMovementTest, ScatterThreadsBitwiseEqual) {
  ref::Tensor x = randomTensor(DType::F32, {64, 300, 16}, 71);
  ref::Tensor src = randomTensor(DType::F32, {64, 500, 16}, 72);
  ref::Tensor index = scatterIndex({64, 500, 16}, 300, 73);
  ref::Tensor expected = ref::scatter(x, 1, index, src);
  OutputSpec spec{DType::F32, x.shape};
  ref::Tensor one = run1("scatter", {x, index, src}, spec, axisAttr(1), 1);
  EXPECT_TENSOR_EQ(one, expected);
  EXPECT_BITWISE_EQ(run1("scatter", {x, index, src}, spec, axisAttr(1), 3),
                    one);
}

TEST(RuntimeDataMovementTest, ScatterIndexOutOfRangeFailsTheRun) {
  ref::Tensor x = randomTensor(DType::F32, {3, 10}, 74);
  ref::Tensor src = randomTensor(DType::F32, {3, 3}, 75);
  for (std::vector<double> bad :
       {std::vector<double>{1, 10, 50}, std::vector<double>{0, -1, 2}}) {
    ref::Tensor index(DType::I64, {1, 3}, bad);
    auto [status, message] = runStatus("scatter", {x, index, src},
                                       {DType::F32, {3, 10}}, axisAttr(1));
    EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
    // The first bad index is named; negative ones do not wrap.
    EXPECT_EQ(message, "scatter: index " + std::to_string((int64_t)bad[1]) +
                           " is out of range for an axis of 10");
  }
}

//===--- dynamic_update_slice ---------------------------------------------===//

TEST(RuntimeDataMovementTest, DynamicUpdateSliceMatchesReference) {
  // Updates partial along the first, a middle or the last axis (rows of
  // different lengths), as large as x, and starts inside, past the end and
  // negative (clamped).
  ref::Shape shape = {4, 6, 5};
  const ref::Shape updates[] = {
      {1, 6, 5}, {4, 2, 5}, {2, 3, 2}, {4, 6, 5}, {1, 1, 1}};
  const std::vector<double> starts[] = {
      {0, 0, 0}, {1, 2, 3}, {3, 9, 4}, {-2, -1, 2}, {2, 5, -7}};
  for (DType dtype : kDTypes)
    for (const ref::Shape &us : updates)
      for (const std::vector<double> &st : starts) {
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " update " +
                     ref::shapeToString(us) + " at " +
                     std::to_string((int64_t)st[0]) + ", " +
                     std::to_string((int64_t)st[1]) + ", " +
                     std::to_string((int64_t)st[2]));
        ref::Tensor x = anyTensor(dtype, shape, 100);
        ref::Tensor update = anyTensor(dtype, us, 101);
        ref::Tensor s(DType::I64, {3}, st);
        ref::Tensor expected = ref::dynamicUpdateSlice(x, update, s);
        EXPECT_TENSOR_EQ(
            run1("dynamic_update_slice", {x, update, s}, {dtype, shape}),
            expected);
        // In place, the kernel writes the update only: what it leaves is x.
        EXPECT_TENSOR_EQ(
            runKernelInPlace("dynamic_update_slice", {x, update, s}), expected);
      }
}

TEST(RuntimeDataMovementTest, DynamicUpdateSliceThreadsBitwiseEqual) {
  // A KV cache [2, 8, 1024, 64] written at position 700 of axis 2, and a
  // block of rows longer than a parallel chunk.
  ref::Tensor cache = randomTensor(DType::F32, {2, 8, 1024, 64}, 102);
  for (ref::Shape us : {ref::Shape{2, 8, 1, 64}, ref::Shape{2, 8, 300, 64}}) {
    ref::Tensor update = randomTensor(DType::F32, us, 103);
    ref::Tensor s(DType::I64, {4}, {0, 0, 700, 0});
    ref::Tensor expected = ref::dynamicUpdateSlice(cache, update, s);
    OutputSpec spec{DType::F32, cache.shape};
    ref::Tensor one =
        run1("dynamic_update_slice", {cache, update, s}, spec, {}, 1);
    EXPECT_TENSOR_EQ(one, expected);
    EXPECT_BITWISE_EQ(
        run1("dynamic_update_slice", {cache, update, s}, spec, {}, 3), one);
  }
}

TEST(RuntimeDataMovementTest, Embedding) {
  for (DType weightType : {DType::F32, DType::BF16, DType::I64})
    for (DType idType : {DType::I64, DType::I32}) {
      SCOPED_TRACE(std::string(dtypeName(weightType)) + " ids " +
                   dtypeName(idType));
      ref::Tensor weight = anyTensor(weightType, {1000, 33}, 50);
      ref::Tensor ids = intTensor(idType, {7, 3}, 51, 0, 1000);
      ids.data[0] = 0;
      ids.data[1] = 999;
      ref::Tensor expected = ref::embedding(ids, weight);
      EXPECT_TENSOR_EQ(
          run1("embedding", {ids, weight}, {weightType, {7, 3, 33}}), expected);
      // Weights are usually constants.
      auto out = runKernel("embedding", {ids, weight},
                           {{weightType, {7, 3, 33}}}, {}, 1, true);
      ASSERT_EQ(out.size(), 1u);
      EXPECT_TENSOR_EQ(out[0], expected);
    }
}

TEST(RuntimeDataMovementTest, EmbeddingIdOutOfRangeFailsTheRun) {
  ref::Tensor weight = randomTensor(DType::F32, {1000, 4}, 52);
  for (double bad : {1000.0, -1.0}) {
    ref::Tensor ids(DType::I64, {2, 2}, {3, 999, bad, 5});
    auto [status, message] =
        runStatus("embedding", {ids, weight}, {DType::F32, {2, 2, 4}},
                  [](heed_plan *, int32_t) {});
    EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(message, "embedding: id " + std::to_string((int64_t)bad) +
                           " is out of range for 1000 rows");
  }
}

//===--- iota -------------------------------------------------------------===//

TEST(RuntimeDataMovementTest, Iota) {
  for (DType dtype : {DType::I64, DType::I32, DType::F32})
    for (ref::Shape shape :
         {ref::Shape{7, 33}, ref::Shape{2, 129, 3}, ref::Shape{129}})
      for (int64_t axis = 0; axis < (int64_t)shape.size(); ++axis) {
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " " +
                     ref::shapeToString(shape) + " axis " +
                     std::to_string(axis));
        EXPECT_TENSOR_EQ(run1("iota", {}, {dtype, shape}, axisAttr(axis)),
                         ref::iota(shape, axis, dtype));
      }
  // By hand: iota over axis 1 of [2, 3] is [[0, 1, 2], [0, 1, 2]].
  EXPECT_EQ(run1("iota", {}, {DType::I64, {2, 3}}, axisAttr(1)).data,
            (std::vector<heed::ref::Scalar>{0, 1, 2, 0, 1, 2}));
}

//===--- cast -------------------------------------------------------------===//

TEST(RuntimeDataMovementTest, CastEveryPair) {
  const DType all[] = {DType::F32, DType::F16, DType::BF16,
                       DType::I64, DType::I32, DType::I1};
  // Values in [-300, 300) plus edge cases: zeros, halves (to test truncation
  // towards zero) and tiny values (non-zero for i1, zero as integers).
  std::vector<ref::Scalar> values = randomTensor(DType::F32, {7, 33}, 60).data;
  for (auto &v : values)
    v *= 300;
  double edges[] = {0, -0.0, 0.5, -0.5, 2.5, -2.5, 1e-8, 65504, 1, -1};
  std::copy(std::begin(edges), std::end(edges), values.begin());
  for (DType from : all) {
    ref::Tensor x(from, {7, 33}, values);
    for (DType to : all) {
      SCOPED_TRACE(std::string(dtypeName(from)) + " -> " + dtypeName(to));
      EXPECT_TENSOR_EQ(run1("cast", {x}, {to, {7, 33}}), ref::cast(x, to));
    }
  }
}

TEST(RuntimeDataMovementTest, CastRoundsToNearestEven) {
  // By hand: bf16 keeps 7 mantissa bits. 1 + 2^-8 is halfway between 1 and
  // 1 + 2^-7 and goes to the even 1; 1 + 3 * 2^-8 is halfway between 1 +
  // 2^-7 and 1 + 2^-6 and goes to the even 1 + 2^-6. f16 keeps 10 bits, so
  // the first two are exact, and the halfway cases 1 + 2^-11 -> 1 and
  // 1 + 3 * 2^-11 -> 1 + 2^-9. Floats to integers truncate.
  ref::Tensor x(DType::F32, {4},
                {1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-11, 1 + 3 * 0x1p-11});
  EXPECT_EQ(run1("cast", {x}, {DType::BF16, {4}}).data,
            (std::vector<heed::ref::Scalar>{1, 1 + 0x1p-6, 1, 1}));
  EXPECT_EQ(run1("cast", {x}, {DType::F16, {4}}).data,
            (std::vector<heed::ref::Scalar>{1 + 0x1p-8, 1 + 3 * 0x1p-8, 1,
                                            1 + 0x1p-9}));
  ref::Tensor y(DType::F32, {4}, {2.9, -2.9, 0.1, -0.0});
  EXPECT_EQ(run1("cast", {y}, {DType::I32, {4}}).data,
            (std::vector<heed::ref::Scalar>{2, -2, 0, 0}));
  EXPECT_EQ(run1("cast", {y}, {DType::I1, {4}}).data,
            (std::vector<heed::ref::Scalar>{1, 1, 1, 0}));
}

TEST(RuntimeDataMovementTest, CastFloatToIntSaturatesAndNaNIsZero) {
  // The rule of docs/language.md, by hand: NaN -> 0, +-inf and values
  // beyond the range saturate, others truncate; the same as the reference.
  double nan = std::nan(""), inf = INFINITY;
  ref::Tensor x(DType::F32, {6}, {nan, inf, -inf, 3e9, -3e9, -7.9});
  std::vector<ref::Scalar> i32 = {0,          2147483647,    -2147483648.0,
                                  2147483647, -2147483648.0, -7};
  EXPECT_EQ(run1("cast", {x}, {DType::I32, {6}}).data, i32);
  EXPECT_EQ(ref::cast(x, DType::I32).data, i32);
  ref::Tensor big(DType::F32, {3}, {nan, inf, -1e19});
  EXPECT_EQ(run1("cast", {big}, {DType::I64, {3}}).data,
            (std::vector<heed::ref::Scalar>{0, (ref::Scalar)INT64_MAX,
                                            (ref::Scalar)INT64_MIN}));
}

TEST(RuntimeDataMovementTest, CastThreadsBitwiseEqual) {
  ref::Tensor x = randomTensor(DType::F32, {129, 33, 129}, 61);
  ref::Tensor expected = ref::cast(x, DType::BF16);
  OutputSpec spec{DType::BF16, x.shape};
  ref::Tensor one = run1("cast", {x}, spec, {}, 1);
  EXPECT_TENSOR_EQ(one, expected);
  EXPECT_BITWISE_EQ(run1("cast", {x}, spec, {}, 3), one);
}

//===--- tril, triu -------------------------------------------------------===//

TEST(RuntimeDataMovementTest, TrilTriu) {
  for (ref::Shape shape : {ref::Shape{2, 7, 33}, ref::Shape{33, 7},
                           ref::Shape{1, 1}, ref::Shape{3, 2, 129, 129}})
    for (DType dtype : kDTypes) {
      ref::Tensor x = anyTensor(dtype, shape, 70);
      for (int64_t k : {0, -3, -1, 1, 5, 40, -40}) {
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " " +
                     ref::shapeToString(shape) + " k " + std::to_string(k));
        EXPECT_TENSOR_EQ(
            run1("tril", {x}, {dtype, shape}, intAttrs({{"k", k}})),
            ref::tril(x, k));
        EXPECT_TENSOR_EQ(
            run1("triu", {x}, {dtype, shape}, intAttrs({{"k", k}})),
            ref::triu(x, k));
      }
      // k defaults to 0.
      EXPECT_TENSOR_EQ(run1("tril", {x}, {dtype, shape}), ref::tril(x, 0));
      EXPECT_TENSOR_EQ(run1("triu", {x}, {dtype, shape}), ref::triu(x, 0));
    }
  // By hand: the causal mask of ones(3, 3).
  ref::Tensor ones(DType::I1, {3, 3}, std::vector<double>(9, 1));
  EXPECT_EQ(run1("tril", {ones}, {DType::I1, {3, 3}}).data,
            (std::vector<heed::ref::Scalar>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
}

//===--- fill -------------------------------------------------------------===//

TEST(RuntimeDataMovementTest, Fill) {
  struct Case {
    DType dtype;
    double value, expected; // by hand
  } cases[] = {{DType::F32, 0, 0},
               {DType::F32, -1.5, -1.5},
               {DType::F32, 0.1, (float)0.1},
               {DType::BF16, 1 + 0x1p-8, 1}, // round to nearest even
               {DType::F16, 65504, 65504},
               {DType::I64, 3.7, 3},
               {DType::I64, -3.7, -3},
               {DType::I32, -2, -2},
               {DType::I1, 2, 1},
               {DType::I1, 0, 0}};
  for (const Case &c : cases) {
    SCOPED_TRACE(std::string(dtypeName(c.dtype)) + " " +
                 std::to_string(c.value));
    ref::Shape shape = {7, 33, 129};
    ref::Tensor y =
        run1("fill", {}, {c.dtype, shape}, floatAttr("value", c.value), 3);
    EXPECT_TENSOR_EQ(
        y, ref::Tensor(c.dtype, shape,
                       std::vector<double>(7 * 33 * 129, c.expected)));
  }
}

//===--- Finalize-time errors ---------------------------------------------===//

void expectError(std::pair<heed_status, std::string> actual, heed_status status,
                 const std::string &message) {
  EXPECT_EQ(actual.first, status) << heed_status_name(actual.first);
  EXPECT_EQ(actual.second, message);
}

TEST(RuntimeDataMovementTest, Errors) {
  const heed_status kAttr = HEED_ERROR_INVALID_ARGUMENT;
  const heed_status kShape = HEED_ERROR_SHAPE;
  const heed_status kDType = HEED_ERROR_DTYPE;
  OutputSpec f23{DType::F32, {2, 3}}, f234{DType::F32, {2, 3, 4}};

  // copy
  expectError(finalizeKernel("copy", {f23}, {{DType::F32, {7}}}), kShape,
              "copy: output f32[7] has 7 elements but the input f32[2, 3] "
              "has 6");
  expectError(finalizeKernel("copy", {f23}, {{DType::I64, {6}}}), kDType,
              "copy: output 0 must be f32, got i64[6]");

  // transpose
  expectError(finalizeKernel("transpose", {f234}, {f234}, permAttr({0, 1, 1})),
              kAttr,
              "transpose: perm [0, 1, 1] is not a permutation of the 3 dims "
              "of f32[2, 3, 4]");
  expectError(finalizeKernel("transpose", {f234}, {f234}, permAttr({1, 0})),
              kAttr,
              "transpose: perm [1, 0] is not a permutation of the 3 dims of "
              "f32[2, 3, 4]");
  expectError(finalizeKernel("transpose", {f234}, {f234}, permAttr({0, 1, 3})),
              kAttr,
              "transpose: perm [0, 1, 3] is not a permutation of the 3 dims "
              "of f32[2, 3, 4]");
  expectError(finalizeKernel("transpose", {f23}, {f23}, permAttr({1, 0})),
              kShape,
              "transpose: output f32[2, 3] should be f32[3, 2] (the input "
              "f32[2, 3] permuted by [1, 0])");
  expectError(finalizeKernel("transpose", {f23}, {{DType::F32, {3, 2}}}), kAttr,
              "transpose: missing attribute 'perm'");

  // broadcast_to
  expectError(finalizeKernel("broadcast_to", {{DType::F32, {4}}}, {f23}),
              kShape, "broadcast_to: cannot broadcast f32[4] to f32[2, 3]");

  // concat
  expectError(finalizeKernel("concat", {f23, {DType::F32, {3, 4}}},
                             {{DType::F32, {2, 7}}}, axisAttr(1)),
              kShape,
              "concat: cannot concatenate f32[2, 3] and f32[3, 4] along axis "
              "1");
  expectError(finalizeKernel("concat", {f23, {DType::F32, {2, 4}}},
                             {{DType::F32, {2, 8}}}, axisAttr(1)),
              kShape,
              "concat: output f32[2, 8] should be f32[2, 7] (the inputs "
              "concatenated along axis 1)");
  expectError(
      finalizeKernel("concat", {f23, f23}, {{DType::F32, {2, 6}}}, axisAttr(2)),
      kAttr, "concat: axis 2 is out of range for f32[2, 3]");
  expectError(finalizeKernel("concat", {f23, {DType::I64, {2, 3}}},
                             {{DType::F32, {2, 6}}}, axisAttr(1)),
              kDType, "concat: input 1 must be f32, got i64[2, 3]");
  expectError(finalizeKernel("concat", {}, {f23}, axisAttr(0)), kAttr,
              "concat: expected at least 1 input and 1 output, got 0 and 1");
  expectError(finalizeKernel("concat", {f23, f23}, {{DType::F32, {2, 6}}}),
              kAttr, "concat: missing integer attribute 'axis'");

  // split
  expectError(
      finalizeKernel("split", {{DType::F32, {2, 7}}}, {f23, f23}, axisAttr(1)),
      kShape,
      "split: the outputs joined along axis 1 give f32[2, 6], not the "
      "input f32[2, 7]");
  expectError(finalizeKernel("split", {{DType::F32, {2, 6}}},
                             {f23, {DType::F32, {3, 3}}}, axisAttr(1)),
              kShape,
              "split: cannot split into f32[2, 3] and f32[3, 3] along axis 1");
  expectError(
      finalizeKernel("split", {{DType::F32, {2, 6}}}, {f23, f23}, axisAttr(-1)),
      kAttr, "split: axis -1 is out of range for f32[2, 3]");
  expectError(finalizeKernel("split", {{DType::F32, {2, 6}}},
                             {f23, {DType::I32, {2, 3}}}, axisAttr(1)),
              kDType, "split: output 1 must be f32, got i32[2, 3]");

  // scatter
  OutputSpec i23{DType::I64, {2, 3}};
  expectError(finalizeKernel("scatter", {f23, {DType::I32, {2, 3}}, f23}, {f23},
                             axisAttr(0)),
              kDType, "scatter: index must be i64, got i32[2, 3]");
  expectError(finalizeKernel("scatter", {f23, i23, i23}, {f23}, axisAttr(0)),
              kDType, "scatter: input 2 must be f32, got i64[2, 3]");
  expectError(finalizeKernel("scatter", {f23, i23, f23}, {f23}, axisAttr(2)),
              kAttr, "scatter: axis 2 is out of range for f32[2, 3]");
  expectError(finalizeKernel("scatter", {f23, {DType::I64, {6}}, f23}, {f23},
                             axisAttr(0)),
              kShape,
              "scatter: index i64[6] and src f32[2, 3] must have the rank of "
              "x f32[2, 3]");
  expectError(finalizeKernel("scatter",
                             {f23, {DType::I64, {2, 4}}, {DType::F32, {2, 4}}},
                             {f23}, axisAttr(0)),
              kShape,
              "scatter: index i64[2, 4] must be no larger than src f32[2, 4], "
              "nor than x f32[2, 3] off axis 0");
  expectError(finalizeKernel("scatter", {f23, {DType::I64, {3, 3}}, f23}, {f23},
                             axisAttr(0)),
              kShape,
              "scatter: index i64[3, 3] must be no larger than src f32[2, 3], "
              "nor than x f32[2, 3] off axis 0");
  expectError(finalizeKernel("scatter", {f23, i23, f23}, {{DType::F32, {3, 2}}},
                             axisAttr(0)),
              kShape,
              "scatter: output f32[3, 2] should be f32[2, 3] (the input's "
              "shape)");

  // dynamic_update_slice
  OutputSpec s2{DType::I64, {2}};
  expectError(finalizeKernel("dynamic_update_slice",
                             {f23, {DType::I64, {1, 3}}, s2}, {f23}),
              kDType,
              "dynamic_update_slice: input 1 must be f32, got i64[1, 3]");
  expectError(
      finalizeKernel("dynamic_update_slice",
                     {f23, {DType::F32, {1, 3}}, {DType::I32, {2}}}, {f23}),
      kDType, "dynamic_update_slice: starts must be i64[2], got i32[2]");
  expectError(
      finalizeKernel("dynamic_update_slice",
                     {f23, {DType::F32, {1, 3}}, {DType::I64, {3}}}, {f23}),
      kShape, "dynamic_update_slice: starts must be i64[2], got i64[3]");
  expectError(finalizeKernel("dynamic_update_slice",
                             {f23, {DType::F32, {1, 4}}, s2}, {f23}),
              kShape,
              "dynamic_update_slice: update f32[1, 4] must have the rank of x "
              "f32[2, 3] (at least 1) and be no larger");
  expectError(finalizeKernel("dynamic_update_slice",
                             {f23, {DType::F32, {3}}, s2}, {f23}),
              kShape,
              "dynamic_update_slice: update f32[3] must have the rank of x "
              "f32[2, 3] (at least 1) and be no larger");
  expectError(finalizeKernel("dynamic_update_slice",
                             {f23, {DType::F32, {1, 3}}, s2},
                             {{DType::F32, {3, 2}}}),
              kShape,
              "dynamic_update_slice: output f32[3, 2] should be f32[2, 3] (the "
              "input's shape)");

  // slice
  OutputSpec f29{DType::F32, {2, 9}};
  expectError(
      finalizeKernel("slice", {f29}, {{DType::F32, {2, 4}}},
                     intAttrs({{"axis", 1}, {"start", 3}, {"step", 2}})),
      kShape,
      "slice: 4 elements from index 3 with step 2 do not fit in axis "
      "1 of f32[2, 9]");
  expectError(
      finalizeKernel("slice", {f29}, {{DType::F32, {2, 4}}},
                     intAttrs({{"axis", 1}, {"start", 3}, {"step", 0}})),
      kAttr, "slice: step must be >= 1, got 0");
  expectError(finalizeKernel("slice", {f29}, {{DType::F32, {2, 4}}},
                             intAttrs({{"axis", 1}, {"start", -1}})),
              kAttr, "slice: start must be >= 0, got -1");
  expectError(finalizeKernel("slice", {f29}, {{DType::F32, {3, 4}}},
                             intAttrs({{"axis", 1}, {"start", 0}})),
              kShape,
              "slice: output f32[3, 4] should be f32[2, 4] (the input f32[2, "
              "9] sliced along axis 1)");
  expectError(finalizeKernel("slice", {f29}, {{DType::F32, {2}}},
                             intAttrs({{"axis", 0}, {"start", 0}})),
              kShape,
              "slice: output f32[2] should have the rank of the input f32[2, "
              "9]");
  expectError(finalizeKernel("slice", {f29}, {{DType::F32, {2, 4}}},
                             intAttrs({{"axis", 2}, {"start", 0}})),
              kAttr, "slice: axis 2 is out of range for f32[2, 9]");

  // gather, embedding
  expectError(finalizeKernel("gather", {f23, {DType::F32, {4}}},
                             {{DType::F32, {2, 4}}}, axisAttr(1)),
              kDType, "gather: indices must be i64 or i32, got f32[4]");
  expectError(finalizeKernel("gather", {f23, {DType::I64, {4}}},
                             {{DType::F32, {4, 3}}}, axisAttr(1)),
              kShape,
              "gather: output f32[4, 3] should be f32[2, 4] (the input f32[2, "
              "3] taken at i64[4] along axis 1)");
  expectError(finalizeKernel("gather", {f23, {DType::I64, {4}}},
                             {{DType::F32, {2, 4}}}, axisAttr(2)),
              kAttr, "gather: axis 2 is out of range for f32[2, 3]");
  expectError(finalizeKernel("embedding",
                             {{DType::I64, {5}}, {DType::F32, {10}}},
                             {{DType::F32, {5, 10}}}),
              kShape, "embedding: weight must have rank 2, got f32[10]");
  expectError(finalizeKernel("embedding",
                             {{DType::I64, {5}}, {DType::F32, {10, 4}}},
                             {{DType::F32, {5, 5}}}),
              kShape,
              "embedding: output f32[5, 5] should be f32[5, 4] (rows of the "
              "weight f32[10, 4] at ids i64[5])");
  expectError(finalizeKernel("embedding",
                             {{DType::F32, {5}}, {DType::F32, {10, 4}}},
                             {{DType::F32, {5, 4}}}),
              kDType, "embedding: ids must be i64 or i32, got f32[5]");

  // iota, cast, tril, fill
  expectError(finalizeKernel("iota", {}, {{DType::F16, {3}}}, axisAttr(0)),
              kDType, "iota: output must be i64, i32 or f32, got f16[3]");
  expectError(finalizeKernel("iota", {}, {{DType::I64, {3}}}, axisAttr(1)),
              kAttr, "iota: axis 1 is out of range for i64[3]");
  expectError(finalizeKernel("cast", {f23}, {{DType::I64, {3, 2}}}), kShape,
              "cast: input f32[2, 3] and output i64[3, 2] differ in shape");
  expectError(finalizeKernel("tril", {{DType::F32, {3}}}, {{DType::F32, {3}}}),
              kShape, "tril: input f32[3] must have rank >= 2");
  expectError(finalizeKernel("triu", {f23}, {{DType::F32, {3, 2}}}), kShape,
              "triu: output f32[3, 2] should be f32[2, 3] (the input's "
              "shape)");
  expectError(finalizeKernel("fill", {}, {f23}), kAttr,
              "fill: missing float attribute 'value'");
}

} // namespace
