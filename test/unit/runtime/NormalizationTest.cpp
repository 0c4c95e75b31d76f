//===- NormalizationTest.cpp - libheedrt softmax and norm kernels ---------===//
//
// Expected values come from the reference kernels (reference/Kernels.h:
// ref::softmax, ref::logSoftmax, ref::layerNorm, ref::rmsNorm,
// ref::batchNorm, and ref::binary for the residual sums), themselves checked
// by hand in test/unit/reference. The runtime computes in f32 with double
// sums, so a few ulps of difference per element are expected; the design's
// bound for fused f32 results is 1e-5 relative (max-norm).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "RuntimeTestUtil.h"

using namespace heed;
using namespace heed::test;

namespace {

/// Row lengths that straddle vector widths and chunk sizes.
const int64_t kRowLengths[] = {1, 7, 33, 129, 4097};

AttrSetter intAttr(const char *name, int64_t value) {
  return [=](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_int(plan, node, name, value), HEED_OK);
  };
}

/// Runs every setter in turn.
AttrSetter attrs(std::vector<AttrSetter> setters) {
  return [=](heed_plan *plan, int32_t node) {
    for (const AttrSetter &s : setters)
      s(plan, node);
  };
}

AttrSetter floatAttr(const char *name, double value) {
  return [=](heed_plan *plan, int32_t node) {
    ASSERT_EQ(heed_plan_set_float(plan, node, name, value), HEED_OK);
  };
}

/// randomTensor scaled to [-scale, scale).
ref::Tensor scaled(const ref::Shape &shape, uint64_t seed, double scale) {
  return ref::binary(ref::BinaryKind::Mul,
                     randomTensor(DType::F32, shape, seed),
                     ref::Tensor(DType::F32, {}, {scale}));
}

/// A tensor of positive values in [0.5, 1.5) (variances).
ref::Tensor positive(const ref::Shape &shape, uint64_t seed) {
  return ref::binary(ref::BinaryKind::Add,
                     ref::map(randomTensor(DType::F32, shape, seed),
                              [](double x) { return std::fabs(x); }),
                     ref::Tensor(DType::F32, {}, {0.5}));
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

TEST(RuntimeNormalizationTest, SoftmaxLastAxisMatchesReference) {
  for (int64_t n : kRowLengths) {
    SCOPED_TRACE("row length " + std::to_string(n));
    ref::Shape shape = {3, n};
    ref::Tensor x = scaled(shape, 10 + n, 8.0);
    auto y =
        runKernel("softmax", {x}, {{DType::F32, shape}}, intAttr("axis", 1));
    ASSERT_EQ(y.size(), 1u);
    EXPECT_TENSOR_NEAR(y[0], ref::softmax(x, 1), 1e-6);
    auto l = runKernel("log_softmax", {x}, {{DType::F32, shape}},
                       intAttr("axis", 1));
    ASSERT_EQ(l.size(), 1u);
    EXPECT_TENSOR_NEAR(l[0], ref::logSoftmax(x, 1), 1e-6);
  }
}

TEST(RuntimeNormalizationTest, SoftmaxNonLastAxisMatchesReference) {
  // Inner extents 129 (two column blocks, the second partial), 3 and 1.
  struct Case {
    ref::Shape shape;
    int64_t axis;
  } cases[] = {{{2, 33, 129}, 1}, {{2, 33, 129}, 0}, {{7, 1, 3}, 1},
               {{7, 5, 3}, 0},    {{4097, 3}, 0},    {{5, 7}, 1}};
  for (const Case &c : cases) {
    SCOPED_TRACE(ref::shapeToString(c.shape) + " axis " +
                 std::to_string(c.axis));
    ref::Tensor x = scaled(c.shape, 20 + c.axis, 8.0);
    auto y = runKernel("softmax", {x}, {{DType::F32, c.shape}},
                       intAttr("axis", c.axis));
    ASSERT_EQ(y.size(), 1u);
    EXPECT_TENSOR_NEAR(y[0], ref::softmax(x, c.axis), 1e-6);
    auto l = runKernel("log_softmax", {x}, {{DType::F32, c.shape}},
                       intAttr("axis", c.axis));
    ASSERT_EQ(l.size(), 1u);
    EXPECT_TENSOR_NEAR(l[0], ref::logSoftmax(x, c.axis), 1e-6);
  }
}

TEST(RuntimeNormalizationTest, FullyMaskedRowsGiveZerosNotNaN) {
  const double ninf = -INFINITY;
  // Row 0 is ordinary, row 1 fully masked, row 2 partly masked (its softmax
  // is [0, 0.5, 0.5, 0] by hand: two equal survivors).
  ref::Tensor x(DType::F32, {3, 4},
                {0.5, -1, 2, 0, ninf, ninf, ninf, ninf, ninf, 3, 3, ninf});
  auto y =
      runKernel("softmax", {x}, {{DType::F32, {3, 4}}}, intAttr("axis", 1));
  ASSERT_EQ(y.size(), 1u);
  EXPECT_TENSOR_NEAR(y[0], ref::softmax(x, 1), 1e-6);
  for (int i = 4; i < 8; ++i)
    EXPECT_EQ(y[0].data[i], 0.0);
  EXPECT_EQ(y[0].data[8], 0.0);
  EXPECT_EQ(y[0].data[9], 0.5);
  EXPECT_EQ(y[0].data[10], 0.5);
  EXPECT_EQ(y[0].data[11], 0.0);
  auto l =
      runKernel("log_softmax", {x}, {{DType::F32, {3, 4}}}, intAttr("axis", 1));
  ASSERT_EQ(l.size(), 1u);
  EXPECT_TENSOR_NEAR(l[0], ref::logSoftmax(x, 1), 1e-6);
  for (int i = 4; i < 8; ++i)
    EXPECT_EQ(l[0].data[i], ninf);

  // The same rows as columns: softmax over axis 0 of the transpose goes
  // through the column-block path.
  ref::Tensor xt = ref::transpose(x, {1, 0});
  auto yt =
      runKernel("softmax", {xt}, {{DType::F32, {4, 3}}}, intAttr("axis", 0));
  ASSERT_EQ(yt.size(), 1u);
  EXPECT_TENSOR_NEAR(yt[0], ref::transpose(y[0], {1, 0}), 1e-6);
  for (double v : yt[0].data)
    EXPECT_FALSE(std::isnan(v));
  auto lt = runKernel("log_softmax", {xt}, {{DType::F32, {4, 3}}},
                      intAttr("axis", 0));
  ASSERT_EQ(lt.size(), 1u);
  EXPECT_TENSOR_NEAR(lt[0], ref::logSoftmax(xt, 0), 1e-6);
}

//===----------------------------------------------------------------------===//
// layer_norm, rms_norm
//===----------------------------------------------------------------------===//

TEST(RuntimeNormalizationTest, LayerNormMatchesReference) {
  for (int64_t d : kRowLengths) {
    SCOPED_TRACE("d = " + std::to_string(d));
    ref::Shape shape = {2, 3, d};
    ref::Tensor x = scaled(shape, 30 + d, 4.0);
    ref::Tensor w = randomTensor(DType::F32, {d}, 31);
    ref::Tensor b = randomTensor(DType::F32, {d}, 32);
    auto y = runKernel("layer_norm", {x, w, b}, {{DType::F32, shape}});
    ASSERT_EQ(y.size(), 1u);
    EXPECT_TENSOR_NEAR(y[0], ref::layerNorm(x, &w, &b, 1e-5), 1e-5);
    // A large eps changes the result visibly.
    auto y2 = runKernel("layer_norm", {x, w, b}, {{DType::F32, shape}},
                        floatAttr("eps", 0.5));
    ASSERT_EQ(y2.size(), 1u);
    EXPECT_TENSOR_NEAR(y2[0], ref::layerNorm(x, &w, &b, 0.5), 1e-5);
  }
}

TEST(RuntimeNormalizationTest, RmsNormMatchesReference) {
  for (int64_t d : kRowLengths) {
    SCOPED_TRACE("d = " + std::to_string(d));
    ref::Shape shape = {3, d};
    ref::Tensor x = scaled(shape, 40 + d, 4.0);
    ref::Tensor w = randomTensor(DType::F32, {d}, 41);
    auto y = runKernel("rms_norm", {x, w}, {{DType::F32, shape}});
    ASSERT_EQ(y.size(), 1u);
    EXPECT_TENSOR_NEAR(y[0], ref::rmsNorm(x, &w, 1e-6), 1e-5);
    auto y2 = runKernel("rms_norm", {x, w}, {{DType::F32, shape}},
                        floatAttr("eps", 2.0));
    ASSERT_EQ(y2.size(), 1u);
    EXPECT_TENSOR_NEAR(y2[0], ref::rmsNorm(x, &w, 2.0), 1e-5);
  }
}

TEST(RuntimeNormalizationTest, ResidualVariantsMatchAddThenNorm) {
  for (int64_t d : {7, 129}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    ref::Shape shape = {5, d};
    ref::Tensor x = scaled(shape, 50 + d, 2.0);
    ref::Tensor r = scaled(shape, 51 + d, 2.0);
    ref::Tensor w = randomTensor(DType::F32, {d}, 52);
    ref::Tensor b = randomTensor(DType::F32, {d}, 53);
    ref::Tensor sum = ref::binary(ref::BinaryKind::Add, x, r);

    auto ln = runKernel("layer_norm", {x, w, b, r}, {{DType::F32, shape}},
                        intAttr("has_residual", 1));
    ASSERT_EQ(ln.size(), 1u);
    EXPECT_TENSOR_NEAR(ln[0], ref::layerNorm(sum, &w, &b, 1e-5), 1e-5);
    auto ln2 = runKernel(
        "layer_norm", {x, w, b, r}, {{DType::F32, shape}, {DType::F32, shape}},
        attrs({intAttr("has_residual", 1), intAttr("emit_sum", 1),
               floatAttr("eps", 1e-3)}));
    ASSERT_EQ(ln2.size(), 2u);
    EXPECT_TENSOR_NEAR(ln2[0], ref::layerNorm(sum, &w, &b, 1e-3), 1e-5);
    // The sum is one f32 addition, exactly as the add kernel rounds it.
    EXPECT_TENSOR_NEAR(ln2[1], sum, 0.0);

    auto rms = runKernel("rms_norm", {x, w, r}, {{DType::F32, shape}},
                         intAttr("has_residual", 1));
    ASSERT_EQ(rms.size(), 1u);
    EXPECT_TENSOR_NEAR(rms[0], ref::rmsNorm(sum, &w, 1e-6), 1e-5);
    auto rms2 = runKernel(
        "rms_norm", {x, w, r}, {{DType::F32, shape}, {DType::F32, shape}},
        attrs({intAttr("has_residual", 1), intAttr("emit_sum", 1)}));
    ASSERT_EQ(rms2.size(), 2u);
    EXPECT_TENSOR_NEAR(rms2[0], ref::rmsNorm(sum, &w, 1e-6), 1e-5);
    EXPECT_TENSOR_NEAR(rms2[1], sum, 0.0);
  }
}

TEST(RuntimeNormalizationTest, LayerNormByHand) {
  // Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25; with eps 0, w = 1,
  // b = 0 the result is (x - 2.5) / sqrt(1.25) = [-1.3416408, -0.4472136,
  // 0.4472136, 1.3416408].
  ref::Tensor x(DType::F32, {1, 4}, {1, 2, 3, 4});
  ref::Tensor w(DType::F32, {4}, {1, 1, 1, 1});
  ref::Tensor b(DType::F32, {4}, {0, 0, 0, 0});
  auto y = runKernel("layer_norm", {x, w, b}, {{DType::F32, {1, 4}}},
                     floatAttr("eps", 0.0));
  ASSERT_EQ(y.size(), 1u);
  EXPECT_TENSOR_NEAR(
      y[0],
      ref::Tensor(DType::F32, {1, 4},
                  {-1.3416407865, -0.4472135955, 0.4472135955, 1.3416407865}),
      1e-6);
}

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

TEST(RuntimeNormalizationTest, BatchNormMatchesReference) {
  ref::Shape shapes[] = {{2, 3, 7, 5}, {4, 33}, {1, 7, 129}, {3, 1, 1, 1}};
  for (const ref::Shape &shape : shapes) {
    SCOPED_TRACE(ref::shapeToString(shape));
    int64_t c = shape[1];
    ref::Tensor x = scaled(shape, 60, 3.0);
    ref::Tensor w = randomTensor(DType::F32, {c}, 61);
    ref::Tensor b = randomTensor(DType::F32, {c}, 62);
    ref::Tensor mean = randomTensor(DType::F32, {c}, 63);
    ref::Tensor var = positive({c}, 64);
    auto y =
        runKernel("batch_norm", {x, w, b, mean, var}, {{DType::F32, shape}});
    ASSERT_EQ(y.size(), 1u);
    EXPECT_TENSOR_NEAR(y[0], ref::batchNorm(x, w, b, mean, var, 1e-5), 1e-5);
    auto y2 = runKernel("batch_norm", {x, w, b, mean, var},
                        {{DType::F32, shape}}, floatAttr("eps", 0.25));
    ASSERT_EQ(y2.size(), 1u);
    EXPECT_TENSOR_NEAR(y2[0], ref::batchNorm(x, w, b, mean, var, 0.25), 1e-5);
  }
}

//===----------------------------------------------------------------------===//
// Determinism
//===----------------------------------------------------------------------===//

TEST(RuntimeNormalizationTest, BitwiseIdenticalForAnyThreadCount) {
  auto expectSame = [](const std::vector<ref::Tensor> &a,
                       const std::vector<ref::Tensor> &b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(a[i].data, b[i].data);
  };
  {
    SCOPED_TRACE("softmax last axis");
    ref::Shape shape = {64, 4097};
    ref::Tensor x = scaled(shape, 70, 8.0);
    auto run = [&](int threads) {
      return runKernel("softmax", {x}, {{DType::F32, shape}},
                       intAttr("axis", 1), threads);
    };
    expectSame(run(1), run(3));
  }
  {
    SCOPED_TRACE("log_softmax middle axis");
    ref::Shape shape = {8, 512, 200};
    ref::Tensor x = scaled(shape, 71, 8.0);
    auto run = [&](int threads) {
      return runKernel("log_softmax", {x}, {{DType::F32, shape}},
                       intAttr("axis", 1), threads);
    };
    expectSame(run(1), run(3));
  }
  {
    SCOPED_TRACE("layer_norm with residual");
    ref::Shape shape = {512, 1024};
    ref::Tensor x = scaled(shape, 72, 2.0), r = scaled(shape, 73, 2.0);
    ref::Tensor w = randomTensor(DType::F32, {1024}, 74);
    ref::Tensor b = randomTensor(DType::F32, {1024}, 75);
    auto run = [&](int threads) {
      return runKernel(
          "layer_norm", {x, w, b, r},
          {{DType::F32, shape}, {DType::F32, shape}},
          attrs({intAttr("has_residual", 1), intAttr("emit_sum", 1)}), threads);
    };
    expectSame(run(1), run(3));
  }
  {
    SCOPED_TRACE("batch_norm");
    ref::Shape shape = {8, 64, 32, 32};
    ref::Tensor x = scaled(shape, 76, 2.0);
    ref::Tensor w = randomTensor(DType::F32, {64}, 77);
    ref::Tensor b = randomTensor(DType::F32, {64}, 78);
    ref::Tensor mean = randomTensor(DType::F32, {64}, 79);
    ref::Tensor var = positive({64}, 80);
    auto run = [&](int threads) {
      return runKernel("batch_norm", {x, w, b, mean, var},
                       {{DType::F32, shape}}, {}, threads);
    };
    expectSame(run(1), run(3));
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Checks the status and exact message of finalizing one node.

TEST(RuntimeNormalizationTest, SoftmaxErrors) {
  OutputSpec x = {DType::F32, {2, 3}};
  expectFinalizeError("softmax", {x}, {x}, intAttr("axis", 2), HEED_ERROR_SHAPE,
                      "softmax: axis 2 is out of range for x f32[2, 3]");
  expectFinalizeError("log_softmax", {x}, {x}, intAttr("axis", -1),
                      HEED_ERROR_SHAPE,
                      "log_softmax: axis -1 is out of range for x f32[2, 3]");
  expectFinalizeError("softmax", {x}, {x}, {}, HEED_ERROR_INVALID_ARGUMENT,
                      "softmax: missing integer attribute 'axis'");
  expectFinalizeError("softmax", {{DType::I64, {2, 3}}}, {{DType::I64, {2, 3}}},
                      intAttr("axis", 1), HEED_ERROR_DTYPE,
                      "softmax: input 0 must be f32, got i64[2, 3]");
  expectFinalizeError(
      "softmax", {x}, {{DType::F32, {3, 2}}}, intAttr("axis", 1),
      HEED_ERROR_SHAPE,
      "softmax: output 0 f32[3, 2] must have the shape of x f32[2, 3]");
  expectFinalizeError("softmax", {x, x}, {x}, intAttr("axis", 1),
                      HEED_ERROR_INVALID_ARGUMENT,
                      "softmax: expected 1 inputs and 1 outputs, got 2 and 1");
}

TEST(RuntimeNormalizationTest, NormErrors) {
  OutputSpec x = {DType::F32, {2, 4}}, d4 = {DType::F32, {4}};
  expectFinalizeError(
      "layer_norm", {x, {DType::F32, {5}}, d4}, {x}, {}, HEED_ERROR_SHAPE,
      "layer_norm: weight f32[5] must be [4], the last dim of x "
      "f32[2, 4]");
  expectFinalizeError(
      "layer_norm", {x, d4, {DType::F32, {1, 4}}}, {x}, {}, HEED_ERROR_SHAPE,
      "layer_norm: bias f32[1, 4] must be [4], the last dim of x "
      "f32[2, 4]");
  expectFinalizeError(
      "rms_norm", {x, {DType::F32, {2}}}, {x}, {}, HEED_ERROR_SHAPE,
      "rms_norm: weight f32[2] must be [4], the last dim of x f32[2, "
      "4]");
  expectFinalizeError("rms_norm", {x, {DType::I32, {4}}}, {x}, {},
                      HEED_ERROR_DTYPE,
                      "rms_norm: input 1 must be f32, got i32[4]");
  expectFinalizeError("layer_norm", {{DType::F32, {}}, d4, d4},
                      {{DType::F32, {}}}, {}, HEED_ERROR_SHAPE,
                      "layer_norm: x f32[] must have rank >= 1");
  expectFinalizeError(
      "rms_norm", {x, d4, {DType::F32, {1, 4}}}, {x},
      intAttr("has_residual", 1), HEED_ERROR_SHAPE,
      "rms_norm: residual f32[1, 4] must have the shape of x f32[2, "
      "4]");
  expectFinalizeError("layer_norm", {x, d4, d4}, {x, x}, intAttr("emit_sum", 1),
                      HEED_ERROR_INVALID_ARGUMENT,
                      "layer_norm: emit_sum requires has_residual");
  expectFinalizeError(
      "layer_norm", {x, d4, d4}, {x}, intAttr("has_residual", 1),
      HEED_ERROR_INVALID_ARGUMENT,
      "layer_norm: expected 4 inputs and 1 outputs, got 3 and 1");
  expectFinalizeError("layer_norm", {x, d4, d4}, {x},
                      intAttr("has_residual", 2), HEED_ERROR_INVALID_ARGUMENT,
                      "layer_norm: has_residual must be 0 or 1, got 2");
  expectFinalizeError(
      "layer_norm", {x, d4, d4, x}, {x, {DType::F32, {2, 3}}},
      attrs({intAttr("has_residual", 1), intAttr("emit_sum", 1)}),
      HEED_ERROR_SHAPE,
      "layer_norm: output 1 f32[2, 3] must have the shape of x f32[2, "
      "4]");
  expectFinalizeError("rms_norm", {x, d4}, {x}, floatAttr("eps", -1.0),
                      HEED_ERROR_INVALID_ARGUMENT,
                      "rms_norm: eps must be non-negative, got -1.000000");
}

TEST(RuntimeNormalizationTest, BatchNormErrors) {
  OutputSpec x = {DType::F32, {2, 4, 5}}, c4 = {DType::F32, {4}};
  expectFinalizeError(
      "batch_norm", {x, c4, c4, c4, {DType::F32, {3}}}, {x}, {},
      HEED_ERROR_SHAPE,
      "batch_norm: running_var f32[3] must be [4], the channels of x "
      "f32[2, 4, 5]");
  expectFinalizeError(
      "batch_norm", {x, {DType::F32, {5}}, c4, c4, c4}, {x}, {},
      HEED_ERROR_SHAPE,
      "batch_norm: weight f32[5] must be [4], the channels of x "
      "f32[2, 4, 5]");
  expectFinalizeError("batch_norm", {{DType::F32, {4}}, c4, c4, c4, c4},
                      {{DType::F32, {4}}}, {}, HEED_ERROR_SHAPE,
                      "batch_norm: x f32[4] must be [N, C, ...]");
  expectFinalizeError(
      "batch_norm", {x, c4, c4, c4}, {x}, {}, HEED_ERROR_INVALID_ARGUMENT,
      "batch_norm: expected 5 inputs and 1 outputs, got 4 and 1");
}

} // namespace
