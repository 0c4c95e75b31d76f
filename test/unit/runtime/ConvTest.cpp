//===- ConvTest.cpp - libheedrt conv2d and pooling kernels vs reference ---===//
//
// Expected values come from the reference kernels ref::conv2d,
// ref::maxPool2d, ref::avgPool2d and ref::globalAvgPool (reference/Kernels.h:
// direct loops accumulated in double, themselves checked against PyTorch in
// test/unit/reference).
//
// Tolerance: 1e-5 relative (max-norm per tensor) for f32 sums of up to a
// few thousand products; max pooling is exact.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <cstdio>

using namespace heed;
using namespace heed::test;

namespace {

std::string shapeStr(const ref::Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

struct ConvCase {
  ref::Shape x;      ///< [N, C, H, W]
  ref::Shape weight; ///< [O, C/groups, kh, kw]
  int64_t stride[2] = {1, 1}, padding[2] = {0, 0}, dilation[2] = {1, 1};
  int64_t groups = 1;
  bool bias = true;
};

int64_t extent(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

ref::Shape convOutput(const ConvCase &c) {
  return {
      c.x[0], c.weight[0],
      extent(c.x[2], c.weight[2], c.stride[0], c.padding[0], c.dilation[0]),
      extent(c.x[3], c.weight[3], c.stride[1], c.padding[1], c.dilation[1])};
}

AttrSetter convAttrs(const ConvCase &c) {
  return [c](heed_plan *plan, int32_t node) {
    heed_plan_set_ints(plan, node, "stride", c.stride, 2);
    heed_plan_set_ints(plan, node, "padding", c.padding, 2);
    heed_plan_set_ints(plan, node, "dilation", c.dilation, 2);
    heed_plan_set_int(plan, node, "groups", c.groups);
    heed_plan_set_int(plan, node, "has_bias", c.bias);
  };
}

ref::Window2d window(const ConvCase &c) {
  ref::Window2d w;
  for (int i = 0; i < 2; ++i) {
    w.kernel[i] = c.weight[2 + i];
    w.stride[i] = c.stride[i];
    w.padding[i] = c.padding[i];
    w.dilation[i] = c.dilation[i];
  }
  return w;
}

/// Runs \p c with \p threads, compares with the reference, prints the
/// error; stores the output in \p result when given.
void checkConv(const ConvCase &c, uint64_t seed, int threads = 1,
               ref::Tensor *result = nullptr) {
  ref::Tensor x = randomTensor(DType::F32, c.x, seed);
  ref::Tensor w = randomTensor(DType::F32, c.weight, seed + 1);
  ref::Tensor b = randomTensor(DType::F32, {c.weight[0]}, seed + 2);
  std::vector<ref::Tensor> inputs = {x, w};
  if (c.bias)
    inputs.push_back(b);
  auto out = runKernel("conv2d", inputs, {{DType::F32, convOutput(c)}},
                       convAttrs(c), threads);
  ASSERT_EQ(out.size(), 1u);
  if (result)
    *result = out[0];
  ref::Tensor expected =
      ref::conv2d(x, w, c.bias ? &b : nullptr, window(c), c.groups);
  std::printf(
      "[ error    ] conv2d x=%s w=%s s=%lld,%lld p=%lld,%lld "
      "d=%lld,%lld g=%lld bias=%d: %.3g\n",
      shapeStr(c.x).c_str(), shapeStr(c.weight).c_str(), (long long)c.stride[0],
      (long long)c.stride[1], (long long)c.padding[0], (long long)c.padding[1],
      (long long)c.dilation[0], (long long)c.dilation[1], (long long)c.groups,
      (int)c.bias, relativeError(out[0], expected));
  EXPECT_TENSOR_NEAR(out[0], expected, 1e-5);
}

TEST(RuntimeConvTest, Conv2dMatchesReference) {
  std::vector<ConvCase> cases;
  // 3x3, same padding, bias.
  cases.push_back({{2, 3, 7, 7}, {5, 3, 3, 3}, {1, 1}, {1, 1}});
  // 1x1, no bias.
  ConvCase pointwise{{3, 33, 5, 7}, {7, 33, 1, 1}};
  pointwise.bias = false;
  cases.push_back(pointwise);
  // Stride 2 that drops the last row/column (floor mode), asymmetric.
  cases.push_back({{1, 4, 8, 9}, {6, 4, 3, 2}, {2, 3}, {0, 1}});
  // Dilation 2 with padding.
  cases.push_back({{2, 3, 9, 11}, {4, 3, 3, 3}, {1, 2}, {2, 1}, {2, 3}});
  // Groups: 2 groups, and depthwise (groups = C).
  ConvCase grouped{{2, 4, 9, 9}, {6, 2, 3, 3}, {2, 2}, {1, 1}, {2, 2}};
  grouped.groups = 2;
  cases.push_back(grouped);
  ConvCase depthwise{{1, 7, 6, 5}, {7, 1, 3, 3}, {1, 1}, {1, 1}};
  depthwise.groups = 7;
  cases.push_back(depthwise);
  // Everything of size 1.
  cases.push_back({{1, 1, 1, 1}, {1, 1, 1, 1}});
  uint64_t seed = 10;
  for (const ConvCase &c : cases) {
    SCOPED_TRACE(testing::Message() << "case " << (seed - 10) / 3);
    checkConv(c, seed);
    seed += 3;
  }
}

TEST(RuntimeConvTest, Conv2dBigCasesSplitAndAreThreadIndependent) {
  // Many small images: chunks of several images plus a tail chunk.
  ConvCase batch{{33, 8, 12, 12}, {16, 8, 3, 3}, {1, 1}, {1, 1}};
  // One big image: blocks of output channels (129 = 8 blocks of 16 + 1).
  ConvCase wide{{1, 32, 33, 33}, {129, 32, 3, 3}, {1, 1}, {1, 1}};
  for (const ConvCase *c : {&batch, &wide}) {
    ref::Tensor one, three;
    checkConv(*c, 100, 1, &one);
    checkConv(*c, 100, 3, &three);
    EXPECT_EQ(one.data, three.data);
  }
}

TEST(RuntimeConvTest, Conv2dDefaultsAndBiasFromArity) {
  // No attributes: stride 1, padding 0, dilation 1, groups 1, bias because
  // there are three inputs.
  ref::Tensor x = randomTensor(DType::F32, {1, 2, 5, 5}, 1);
  ref::Tensor w = randomTensor(DType::F32, {3, 2, 3, 3}, 2);
  ref::Tensor b = randomTensor(DType::F32, {3}, 3);
  auto out = runKernel("conv2d", {x, w, b}, {{DType::F32, {1, 3, 3, 3}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TENSOR_NEAR(out[0], ref::conv2d(x, w, &b, ref::Window2d{}, 1), 1e-5);
}

TEST(RuntimeConvTest, Conv2dByHand) {
  // x = 1..9 in a 3x3 image, a 2x2 kernel of ones, bias 0.5, padding 1,
  // stride 2: output [2, 2] = window sums of the zero-padded image at
  // (-1,-1), (-1,1), (1,-1), (1,1):
  //   [1, 2+3] , [4+7, 5+6+8+9] = [1, 5; 11, 28], plus 0.5.
  ref::Tensor x(DType::F32, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  ref::Tensor w(DType::F32, {1, 1, 2, 2}, {1, 1, 1, 1});
  ref::Tensor b(DType::F32, {1}, {0.5});
  auto out = runKernel("conv2d", {x, w, b}, {{DType::F32, {1, 1, 2, 2}}},
                       [](heed_plan *plan, int32_t node) {
                         int64_t two[2] = {2, 2}, one[2] = {1, 1};
                         heed_plan_set_ints(plan, node, "stride", two, 2);
                         heed_plan_set_ints(plan, node, "padding", one, 2);
                       });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data,
            (std::vector<heed::ref::Scalar>{1.5, 5.5, 11.5, 28.5}));
}

struct PoolCase {
  ref::Shape x;
  int64_t kernel[2], stride[2], padding[2];
};

AttrSetter poolAttrs(const PoolCase &c) {
  return [c](heed_plan *plan, int32_t node) {
    heed_plan_set_ints(plan, node, "kernel", c.kernel, 2);
    heed_plan_set_ints(plan, node, "stride", c.stride, 2);
    heed_plan_set_ints(plan, node, "padding", c.padding, 2);
  };
}

ref::Window2d window(const PoolCase &c) {
  ref::Window2d w;
  for (int i = 0; i < 2; ++i) {
    w.kernel[i] = c.kernel[i];
    w.stride[i] = c.stride[i];
    w.padding[i] = c.padding[i];
  }
  return w;
}

ref::Shape poolOutput(const PoolCase &c) {
  return {c.x[0], c.x[1],
          extent(c.x[2], c.kernel[0], c.stride[0], c.padding[0], 1),
          extent(c.x[3], c.kernel[1], c.stride[1], c.padding[1], 1)};
}

TEST(RuntimeConvTest, PoolsMatchReference) {
  const PoolCase cases[] = {
      {{2, 3, 8, 8}, {2, 2}, {2, 2}, {0, 0}},
      // Padding, stride 2 that drops the last row/column.
      {{1, 5, 7, 9}, {3, 3}, {2, 2}, {1, 1}},
      // Asymmetric window, overlapping (stride 1), padding on one axis.
      {{3, 2, 7, 33}, {3, 2}, {1, 3}, {1, 0}},
      // Window = padded extent.
      {{1, 1, 1, 1}, {1, 1}, {1, 1}, {0, 0}},
      {{1, 2, 3, 3}, {4, 4}, {1, 1}, {2, 2}}};
  uint64_t seed = 50;
  for (const PoolCase &c : cases) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    ref::Tensor x = randomTensor(DType::F32, c.x, seed++);
    auto maxOut = runKernel("max_pool2d", {x}, {{DType::F32, poolOutput(c)}},
                            poolAttrs(c));
    auto avgOut = runKernel("avg_pool2d", {x}, {{DType::F32, poolOutput(c)}},
                            poolAttrs(c));
    ASSERT_EQ(maxOut.size(), 1u);
    ASSERT_EQ(avgOut.size(), 1u);
    ref::Tensor maxRef = ref::maxPool2d(x, window(c));
    ref::Tensor avgRef = ref::avgPool2d(x, window(c));
    std::printf("[ error    ] pools x=%s k=%lld,%lld s=%lld,%lld p=%lld,%lld: "
                "max %.3g, avg %.3g\n",
                shapeStr(c.x).c_str(), (long long)c.kernel[0],
                (long long)c.kernel[1], (long long)c.stride[0],
                (long long)c.stride[1], (long long)c.padding[0],
                (long long)c.padding[1], relativeError(maxOut[0], maxRef),
                relativeError(avgOut[0], avgRef));
    EXPECT_TENSOR_NEAR(maxOut[0], maxRef, 0.0);
    EXPECT_TENSOR_NEAR(avgOut[0], avgRef, 1e-6);
  }
}

TEST(RuntimeConvTest, PoolStrideDefaultsToKernel) {
  ref::Tensor x = randomTensor(DType::F32, {1, 2, 6, 6}, 60);
  auto out = runKernel("max_pool2d", {x}, {{DType::F32, {1, 2, 2, 3}}},
                       [](heed_plan *plan, int32_t node) {
                         int64_t k[2] = {3, 2};
                         heed_plan_set_ints(plan, node, "kernel", k, 2);
                       });
  ASSERT_EQ(out.size(), 1u);
  ref::Window2d w;
  w.kernel[0] = w.stride[0] = 3;
  w.kernel[1] = w.stride[1] = 2;
  EXPECT_TENSOR_NEAR(out[0], ref::maxPool2d(x, w), 0.0);
}

TEST(RuntimeConvTest, AvgPoolByHand) {
  // 2x2 image [1, 2; 3, 4], kernel 2, stride 1, padding 1: 3x3 output, each
  // window sum divided by 4 (padding counted):
  //   [1, 3, 2; 4, 10, 6; 3, 7, 4] / 4.
  ref::Tensor x(DType::F32, {1, 1, 2, 2}, {1, 2, 3, 4});
  PoolCase c{{1, 1, 2, 2}, {2, 2}, {1, 1}, {1, 1}};
  auto out =
      runKernel("avg_pool2d", {x}, {{DType::F32, {1, 1, 3, 3}}}, poolAttrs(c));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<heed::ref::Scalar>{
                             0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}));
}

TEST(RuntimeConvTest, GlobalAvgPoolMatchesReference) {
  for (const ref::Shape &shape :
       std::vector<ref::Shape>{{2, 3, 7, 7}, {1, 1, 1, 1}, {3, 33, 1, 129}}) {
    ref::Tensor x = randomTensor(DType::F32, shape, 70);
    auto out = runKernel("global_avg_pool", {x},
                         {{DType::F32, {shape[0], shape[1], 1, 1}}});
    ASSERT_EQ(out.size(), 1u);
    ref::Tensor expected = ref::globalAvgPool(x);
    std::printf("[ error    ] global_avg_pool x=%s: %.3g\n",
                shapeStr(shape).c_str(), relativeError(out[0], expected));
    EXPECT_TENSOR_NEAR(out[0], expected, 1e-5);
  }
}

TEST(RuntimeConvTest, PoolsAreThreadIndependent) {
  // Big enough for several chunks of planes plus a tail.
  PoolCase c{{7, 33, 65, 65}, {3, 3}, {2, 2}, {1, 1}};
  ref::Tensor x = randomTensor(DType::F32, c.x, 80);
  for (const char *kernel : {"max_pool2d", "avg_pool2d"}) {
    SCOPED_TRACE(kernel);
    auto one =
        runKernel(kernel, {x}, {{DType::F32, poolOutput(c)}}, poolAttrs(c), 1);
    auto three =
        runKernel(kernel, {x}, {{DType::F32, poolOutput(c)}}, poolAttrs(c), 3);
    ASSERT_EQ(one.size(), 1u);
    ASSERT_EQ(three.size(), 1u);
    EXPECT_EQ(one[0].data, three[0].data);
    ref::Tensor expected = std::string(kernel) == "max_pool2d"
                               ? ref::maxPool2d(x, window(c))
                               : ref::avgPool2d(x, window(c));
    EXPECT_TENSOR_NEAR(one[0], expected, 1e-6);
  }
  ref::Tensor big = randomTensor(DType::F32, {7, 129, 33, 33}, 81);
  auto one = runKernel("global_avg_pool", {big}, {{DType::F32, {7, 129, 1, 1}}},
                       {}, 1);
  auto three = runKernel("global_avg_pool", {big},
                         {{DType::F32, {7, 129, 1, 1}}}, {}, 3);
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(one[0].data, three[0].data);
  EXPECT_TENSOR_NEAR(one[0], ref::globalAvgPool(big), 1e-5);
}

TEST(RuntimeConvTest, Conv2dErrors) {
  ConvCase c{{1, 4, 9, 9}, {6, 2, 3, 3}};
  c.groups = 2;
  const OutputSpec x{DType::F32, c.x}, w{DType::F32, c.weight},
      b{DType::F32, {6}}, y{DType::F32, {1, 6, 7, 7}};
  expectFinalizeError(
      "conv2d", {x, {DType::F32, {6, 4, 3, 3}}, b}, {y}, convAttrs(c),
      HEED_ERROR_SHAPE,
      "conv2d: weight f32[6, 4, 3, 3] expects 8 input channels, "
      "input f32[1, 4, 9, 9] has 4");
  ConvCase g3 = c;
  g3.groups = 3;
  expectFinalizeError(
      "conv2d", {x, w, b}, {y}, convAttrs(g3), HEED_ERROR_SHAPE,
      "conv2d: groups = 3 must divide the input channels 4 and the "
      "output channels 6");
  expectFinalizeError("conv2d", {x, w, {DType::F32, {5}}}, {y}, convAttrs(c),
                      HEED_ERROR_SHAPE,
                      "conv2d: bias must be f32[6], got f32[5]");
  expectFinalizeError(
      "conv2d", {x, w, b}, {{DType::F32, {1, 6, 9, 9}}}, convAttrs(c),
      HEED_ERROR_SHAPE,
      "conv2d: output must be f32[1, 6, 7, 7], got f32[1, 6, 9, 9]");
  expectFinalizeError(
      "conv2d", {{DType::F32, {4, 9, 9}}, w, b}, {y}, convAttrs(c),
      HEED_ERROR_SHAPE,
      "conv2d: input must be [N, C, H, W] with no empty dimension, "
      "got f32[4, 9, 9]");
  expectFinalizeError(
      "conv2d", {x, {DType::F32, {6, 2, 3}}, b}, {y}, convAttrs(c),
      HEED_ERROR_SHAPE,
      "conv2d: weight must be [O, C/groups, kh, kw] with no empty "
      "dimension, got f32[6, 2, 3]");
  ConvCase wide = c;
  wide.dilation[1] = 5; // window 11 > 9
  expectFinalizeError("conv2d", {x, w, b}, {y}, convAttrs(wide),
                      HEED_ERROR_SHAPE,
                      "conv2d: window of 11 does not fit the input extent 9 "
                      "(padding 0)");
  ConvCase zeroStride = c;
  zeroStride.stride[0] = 0;
  expectFinalizeError(
      "conv2d", {x, w, b}, {y}, convAttrs(zeroStride), HEED_ERROR_SHAPE,
      "conv2d: stride and dilation must be >= 1 and padding >= 0, "
      "got stride [0, 1], padding [0, 0], dilation [1, 1]");
  // has_bias = 1 with two inputs.
  expectFinalizeError("conv2d", {x, w}, {y}, convAttrs(c),
                      HEED_ERROR_INVALID_ARGUMENT,
                      "conv2d: expected 3 inputs and 1 outputs, got 2 and 1");
  expectFinalizeError(
      "conv2d", {x, w, b}, {y},
      [](heed_plan *plan, int32_t node) {
        int64_t three[3] = {1, 1, 1};
        heed_plan_set_ints(plan, node, "stride", three, 3);
      },
      HEED_ERROR_INVALID_ARGUMENT,
      "conv2d: stride, padding and dilation need two entries "
      "(height, width), stride is [1, 1, 1]");
  expectFinalizeError("conv2d", {x, {DType::F16, c.weight}, b}, {y},
                      convAttrs(c), HEED_ERROR_DTYPE,
                      "conv2d: input 1 must be f32, got f16[6, 2, 3, 3]");
}

TEST(RuntimeConvTest, PoolErrors) {
  PoolCase c{{1, 2, 5, 5}, {3, 3}, {1, 1}, {2, 1}};
  const OutputSpec x{DType::F32, c.x}, y{DType::F32, {1, 2, 7, 5}};
  expectFinalizeError(
      "max_pool2d", {x}, {y}, poolAttrs(c), HEED_ERROR_SHAPE,
      "max_pool2d: padding [2, 1] must be at most half the kernel "
      "[3, 3]");
  PoolCase big{{1, 2, 5, 5}, {7, 3}, {1, 1}, {0, 0}};
  expectFinalizeError("avg_pool2d", {x}, {y}, poolAttrs(big), HEED_ERROR_SHAPE,
                      "avg_pool2d: window of 7 does not fit the input extent 5 "
                      "(padding 0)");
  PoolCase ok{{1, 2, 5, 5}, {3, 3}, {2, 2}, {1, 1}};
  expectFinalizeError(
      "avg_pool2d", {x}, {y}, poolAttrs(ok), HEED_ERROR_SHAPE,
      "avg_pool2d: output must be f32[1, 2, 3, 3], got f32[1, 2, 7, 5]");
  expectFinalizeError("max_pool2d", {x}, {y}, {}, HEED_ERROR_INVALID_ARGUMENT,
                      "max_pool2d: missing attribute 'kernel'");
  PoolCase zero{{1, 2, 5, 5}, {3, 3}, {0, 1}, {1, 1}};
  expectFinalizeError(
      "max_pool2d", {x}, {y}, poolAttrs(zero), HEED_ERROR_SHAPE,
      "max_pool2d: kernel and stride must be >= 1 and padding >= 0, "
      "got kernel [3, 3], stride [0, 1], padding [1, 1]");
  expectFinalizeError("global_avg_pool", {x}, {{DType::F32, {1, 2, 1}}}, {},
                      HEED_ERROR_SHAPE,
                      "global_avg_pool: output must be f32[1, 2, 1, 1], got "
                      "f32[1, 2, 1]");
  expectFinalizeError(
      "global_avg_pool", {{DType::F32, {1, 0, 5, 5}}},
      {{DType::F32, {1, 0, 1, 1}}}, {}, HEED_ERROR_SHAPE,
      "global_avg_pool: input must be [N, C, H, W] with no empty "
      "dimension, got f32[1, 0, 5, 5]");
  expectFinalizeError("max_pool2d", {{DType::I64, c.x}}, {{DType::I64, c.x}},
                      poolAttrs(c), HEED_ERROR_DTYPE,
                      "max_pool2d: input 0 must be f32, got i64[1, 2, 5, 5]");
}

} // namespace
