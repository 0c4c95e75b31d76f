//===- ElementwiseTest.cpp - libheedrt elementwise kernels vs reference ---===//
//
// Expected values come from the reference kernels (reference/Kernels.h),
// themselves checked by hand in test/unit/reference; the unary functions
// are written out here (double precision), as HeedOps.td defines them.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "RuntimeTestUtil.h"

using namespace heed;
using namespace heed::test;

namespace {

const ref::Shape kAwkward = {7, 33, 3};

TEST(RuntimeElementwiseTest, UnaryMatchesReference) {
  ref::Tensor x = randomTensor(DType::F32, kAwkward, 1);
  ref::Tensor positive = ref::map(x, [](double v) { return std::fabs(v); });
  struct Case {
    const char *kernel;
    double (*fn)(double);
    bool positiveInput;
  } cases[] = {
      {"exp", [](double x) { return std::exp(x); }, false},
      {"log", [](double x) { return std::log(x); }, true},
      {"sqrt", [](double x) { return std::sqrt(x); }, true},
      {"rsqrt", [](double x) { return 1.0 / std::sqrt(x); }, true},
      {"neg", [](double x) { return -x; }, false},
      {"abs", [](double x) { return std::fabs(x); }, false},
      {"tanh", [](double x) { return std::tanh(x); }, false},
      {"erf", [](double x) { return std::erf(x); }, false},
      {"sin", [](double x) { return std::sin(x); }, false},
      {"cos", [](double x) { return std::cos(x); }, false},
      {"sigmoid", [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, false},
      {"relu", [](double x) { return x > 0.0 ? x : 0.0; }, false},
      {"gelu",
       [](double x) { return x * 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); },
       false},
      {"silu", [](double x) { return x / (1.0 + std::exp(-x)); }, false},
      {"gelu_tanh",
       [](double x) {
         const double kPi = 3.14159265358979323846;
         return 0.5 * x *
                (1.0 + std::tanh(std::sqrt(2.0 / kPi) *
                                 (x + 0.044715 * std::pow(x, 3))));
       },
       false}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.kernel);
    const ref::Tensor &in = c.positiveInput ? positive : x;
    auto out = runKernel(c.kernel, {in}, {{DType::F32, kAwkward}});
    ASSERT_EQ(out.size(), 1u);
    // f32 evaluation of one elementary function: a few ulps.
    EXPECT_TENSOR_NEAR(out[0], ref::map(in, c.fn), 1e-6);
  }
}

TEST(RuntimeElementwiseTest, BinaryBroadcastMatchesReference) {
  ref::Tensor a = randomTensor(DType::F32, {7, 1, 3}, 2);
  ref::Tensor b = randomTensor(DType::F32, {33, 1}, 3);
  ref::Shape outShape = {7, 33, 3};
  struct Case {
    const char *kernel;
    ref::BinaryKind kind;
  } cases[] = {
      {"add", ref::BinaryKind::Add},     {"sub", ref::BinaryKind::Sub},
      {"mul", ref::BinaryKind::Mul},     {"div", ref::BinaryKind::Div},
      {"maximum", ref::BinaryKind::Max}, {"minimum", ref::BinaryKind::Min}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.kernel);
    auto out = runKernel(c.kernel, {a, b}, {{DType::F32, outShape}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TENSOR_NEAR(out[0], ref::binary(c.kind, a, b), 1e-6);
  }
}

TEST(RuntimeElementwiseTest, BroadcastPatternsMatchReference) {
  // The row fast path's shapes (inner runs contiguous or repeated): same
  // shape split across threads (one run), a scalar on either side, a bias
  // over the last axis, a per-channel [C, 1, 1], a middle broadcast, and
  // shapes whose runs span several of the kernel's chunks.
  struct Shapes {
    ref::Shape a, b, out;
  } shapes[] = {
      {{40000}, {40000}, {40000}},
      {{}, {3, 5000}, {3, 5000}},
      {{3, 5000}, {}, {3, 5000}},
      {{2, 300, 64}, {64}, {2, 300, 64}},
      {{1, 16, 40, 40}, {16, 1, 1}, {1, 16, 40, 40}},
      {{4, 1, 9000}, {4, 3, 1}, {4, 3, 9000}},
      {{5, 7, 1}, {1, 7, 600}, {5, 7, 600}},
  };
  int seed = 10;
  for (const Shapes &sh : shapes) {
    ref::Tensor a = randomTensor(DType::F32, sh.a, seed++);
    ref::Tensor b = randomTensor(DType::F32, sh.b, seed++);
    for (auto [kernel, kind] : {std::pair{"add", ref::BinaryKind::Add},
                                std::pair{"sub", ref::BinaryKind::Sub},
                                std::pair{"div", ref::BinaryKind::Div},
                                std::pair{"maximum", ref::BinaryKind::Max}}) {
      SCOPED_TRACE(std::string(kernel) + " " + ref::shapeToString(sh.a) + " " +
                   ref::shapeToString(sh.b));
      auto out = runKernel(kernel, {a, b}, {{DType::F32, sh.out}});
      ASSERT_EQ(out.size(), 1u);
      EXPECT_TENSOR_NEAR(out[0], ref::binary(kind, a, b), 1e-6);
    }
  }
}

TEST(RuntimeElementwiseTest, IntegerAndScalarOperands) {
  // [0, 1, ..., 5] // 2 with a rank-0 divisor = [0, 0, 1, 1, 2, 2] by hand.
  ref::Tensor x(DType::I64, {6}, {0, 1, 2, 3, 4, 5});
  ref::Tensor two(DType::I64, {}, {2});
  auto out = runKernel("div", {x, two}, {{DType::I64, {6}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<heed::ref::Scalar>{0, 0, 1, 1, 2, 2}));
}

TEST(RuntimeElementwiseTest, IntegerPowAndDivEdgeCases) {
  // pow: 0 ^ -1 is infinite, which the reference rounds to 0 (a plain cast
  // of inf to an integer is undefined and gave INT64_MIN); 2 ^ -1 = 0.5
  // truncates to 0; 3 ^ 40 saturates; (-2) ^ 3 = -8.
  for (DType dtype : {DType::I64, DType::I32}) {
    SCOPED_TRACE(dtype == DType::I64 ? "i64" : "i32");
    ref::Tensor a(dtype, {4}, {0, 2, 3, -2});
    ref::Tensor b(dtype, {4}, {-1, -1, 40, 3});
    auto out = runKernel("pow", {a, b}, {{dtype, {4}}});
    ASSERT_EQ(out.size(), 1u);
    ref::Scalar big =
        dtype == DType::I64 ? 9223372036854775807.0L : 2147483647.0L;
    EXPECT_EQ(out[0].data, (std::vector<heed::ref::Scalar>{0, 0, big, -8}));
  }
  // div: lowest / -1 wraps to lowest instead of trapping.
  ref::Tensor a(DType::I32, {3}, {-2147483648.0, 7, -7});
  ref::Tensor b(DType::I32, {3}, {-1, 1, 2});
  auto out = runKernel("div", {a, b}, {{DType::I32, {3}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data,
            (std::vector<heed::ref::Scalar>{-2147483648.0, 7, -3}));
}

TEST(RuntimeElementwiseTest, IntegerDivisionByZeroFailsTheRun) {
  // docs/language.md: integer division by 0 is a run-time error (the
  // reference interpreter throws); the output must stay untouched.
  int64_t shape[] = {3};
  int32_t a[] = {6, 7, 8}, b[] = {2, 0, 4}, y[] = {-1, -1, -1};
  heed_plan *plan = nullptr;
  ASSERT_EQ(heed_plan_create(&plan), HEED_OK);
  int32_t ids[3];
  for (int32_t &id : ids)
    ASSERT_EQ(
        heed_plan_add_buffer(plan, HEED_I32, 1, shape, HEED_AUTO_OFFSET, &id),
        HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "a", ids[0]), HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "b", ids[1]), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", ids[2]), HEED_OK);
  ASSERT_EQ(heed_plan_add_node(plan, "div", ids, 2, ids + 2, 1, nullptr),
            HEED_OK);
  heed_model *model = nullptr;
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  heed_plan_free(plan);
  heed_tensor *ta = nullptr, *tb = nullptr, *ty = nullptr;
  ASSERT_EQ(heed_tensor_wrap(HEED_I32, 1, shape, a, &ta), HEED_OK);
  ASSERT_EQ(heed_tensor_wrap(HEED_I32, 1, shape, b, &tb), HEED_OK);
  ASSERT_EQ(heed_tensor_wrap(HEED_I32, 1, shape, y, &ty), HEED_OK);
  heed_tensor *inputs[] = {ta, tb};
  EXPECT_EQ(heed_model_run(model, inputs, 2, &ty, 1),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(heed_last_error(),
               "div: integer division by zero (divisor element 1)");
  EXPECT_EQ(y[0], -1);
  b[1] = 1; // a good divisor: 6/2, 7/1, 8/4 by hand
  EXPECT_EQ(heed_model_run(model, inputs, 2, &ty, 1), HEED_OK);
  EXPECT_EQ((std::vector<int32_t>(y, y + 3)), (std::vector<int32_t>{3, 7, 2}));
  heed_tensor_free(ta);
  heed_tensor_free(tb);
  heed_tensor_free(ty);
  heed_model_free(model);
}

TEST(RuntimeElementwiseTest, CompareAndWhereBuildACausalMask) {
  // i >= j over [4, 1] x [1, 4] is the lower triangle (hand-checked).
  ref::Tensor i(DType::I64, {4, 1}, {0, 1, 2, 3});
  ref::Tensor j(DType::I64, {1, 4}, {0, 1, 2, 3});
  auto mask = runKernel("ge", {i, j}, {{DType::I1, {4, 4}}});
  ASSERT_EQ(mask.size(), 1u);
  EXPECT_EQ(mask[0].data, (std::vector<heed::ref::Scalar>{
                              1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1}));
  ref::Tensor s = randomTensor(DType::F32, {2, 4, 4}, 4);
  ref::Tensor ninf(DType::F32, {}, {-INFINITY});
  auto out = runKernel("where", {mask[0], s, ninf}, {{DType::F32, {2, 4, 4}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TENSOR_NEAR(out[0], ref::where(mask[0], s, ninf), 0.0);
}

TEST(RuntimeElementwiseTest, LogicalOps) {
  ref::Tensor a(DType::I1, {4}, {0, 0, 1, 1});
  ref::Tensor b(DType::I1, {4}, {0, 1, 0, 1});
  EXPECT_EQ(runKernel("and", {a, b}, {{DType::I1, {4}}})[0].data,
            (std::vector<heed::ref::Scalar>{0, 0, 0, 1}));
  EXPECT_EQ(runKernel("or", {a, b}, {{DType::I1, {4}}})[0].data,
            (std::vector<heed::ref::Scalar>{0, 1, 1, 1}));
  EXPECT_EQ(runKernel("not", {a}, {{DType::I1, {4}}})[0].data,
            (std::vector<heed::ref::Scalar>{1, 1, 0, 0}));
}

TEST(RuntimeElementwiseTest, Errors) {
  auto [status, message] = finalizeKernel(
      "add", {{DType::F32, {2, 3}}, {DType::F32, {4}}}, {{DType::F32, {2, 3}}});
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "add: cannot broadcast f32[4] to f32[2, 3]");
  std::tie(status, message) =
      finalizeKernel("exp", {{DType::I64, {2}}}, {{DType::I64, {2}}});
  EXPECT_EQ(status, HEED_ERROR_DTYPE);
  EXPECT_EQ(message, "exp: unsupported dtype i64[2]");
  std::tie(status, message) =
      finalizeKernel("add", {{DType::F32, {2}}}, {{DType::F32, {2}}});
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "add: expected 2 inputs and 1 outputs, got 1 and 1");
  std::tie(status, message) =
      finalizeKernel("no_such_kernel", {}, {{DType::F32, {2}}});
  EXPECT_EQ(status, HEED_ERROR_UNKNOWN_KERNEL);
}

} // namespace
