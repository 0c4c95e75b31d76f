//===- AdditiveAttentionTest.cpp - libheedrt additive_attention -----------===//
//
// Expected values come from the reference kernel ref::additiveAttention
// (reference/Kernels.h, the seed's section 1), except one case written out
// by hand. The kernel accumulates in double in the reference's order and
// rounds once, so it agrees with the reference to f32 rounding: on the
// development machine the outputs are bitwise equal to the reference's
// (relative error 0); 1e-6 below leaves room for other compilers' floating-
// point contraction.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <cstring>

using namespace heed;
using namespace heed::test;

namespace {

struct Case {
  int64_t B, T, D;
};

/// Runs the kernel on random inputs and compares with the reference.
void checkAgainstReference(const Case &c, bool withBias, double inputScale,
                           uint64_t seed) {
  SCOPED_TRACE("B = " + std::to_string(c.B) + ", T = " + std::to_string(c.T) +
               ", D = " + std::to_string(c.D) +
               (withBias ? ", bias" : ", no bias"));
  ref::Tensor h = randomTensor(DType::F32, {c.B, c.D}, seed);
  ref::Tensor s = randomTensor(DType::F32, {c.B, c.T, c.D}, seed + 1);
  ref::Tensor w = randomTensor(DType::F32, {1, 2 * c.D}, seed + 2);
  ref::Tensor bias = randomTensor(DType::F32, {1}, seed + 3);
  for (auto &v : w.data)
    v = ref::roundToDType(v * inputScale, DType::F32);
  std::vector<ref::Tensor> inputs = {h, s, w};
  if (withBias)
    inputs.push_back(bias);
  auto out = runKernel("additive_attention", inputs,
                       {{DType::F32, {c.B, c.D}}, {DType::F32, {c.B, c.T}}});
  ASSERT_EQ(out.size(), 2u);
  ref::AdditiveAttentionResult expected =
      ref::additiveAttention(h, s, w, withBias ? &bias : nullptr);
  EXPECT_TENSOR_NEAR(out[0], expected.out, 1e-6);
  EXPECT_TENSOR_NEAR(out[1], expected.alpha, 1e-6);
}

TEST(RuntimeAdditiveAttentionTest, MatchesReferenceOnAwkwardSizes) {
  uint64_t seed = 10;
  for (int64_t B : {1, 3})
    for (int64_t T : {1, 7, 129})
      for (int64_t D : {1, 33, 128})
        for (bool withBias : {true, false})
          checkAgainstReference({B, T, D}, withBias, 1.0, seed += 4);
}

TEST(RuntimeAdditiveAttentionTest, LargeScoresDoNotOverflow) {
  // Weights of magnitude up to 300 give scores in the thousands: exp without
  // the max subtracted would overflow; alpha is then nearly one-hot.
  checkAgainstReference({3, 129, 33}, true, 300.0, 99);
}

TEST(RuntimeAdditiveAttentionTest, HandComputed) {
  // B = 1, T = 2, D = 1: h = [1], s = [[2], [0]], weight = [0.5, 1], bias 0.25
  //   score_0 = 0.5 * 1 + 1 * 2 + 0.25 = 2.75
  //   score_1 = 0.5 * 1 + 1 * 0 + 0.25 = 0.75
  //   alpha   = [1, e^-2] / (1 + e^-2) = [0.8807970780, 0.1192029220]
  //   out     = 1 + 0.8807970780 * 2 + 0.1192029220 * 0 = 2.7615941560
  ref::Tensor h(DType::F32, {1, 1}, {1});
  ref::Tensor s(DType::F32, {1, 2, 1}, {2, 0});
  ref::Tensor w(DType::F32, {1, 2}, {0.5, 1});
  ref::Tensor bias(DType::F32, {1}, {0.25});
  auto out = runKernel("additive_attention", {h, s, w, bias},
                       {{DType::F32, {1, 1}}, {DType::F32, {1, 2}}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NEAR(out[0].data[0], 2.7615941560, 2e-7);
  EXPECT_NEAR(out[1].data[0], 0.8807970780, 1e-7);
  EXPECT_NEAR(out[1].data[1], 0.1192029220, 1e-7);
  // has_bias = 0 with the same three other inputs: scores 2.5 and 0.5, the
  // same difference, hence the same alpha and out.
  auto noBias = runKernel("additive_attention", {h, s, w},
                          {{DType::F32, {1, 1}}, {DType::F32, {1, 2}}});
  ASSERT_EQ(noBias.size(), 2u);
  EXPECT_NEAR(noBias[0].data[0], 2.7615941560, 2e-7);
}

TEST(RuntimeAdditiveAttentionTest, WeightsAsConstants) {
  // Same inputs as plan constants (the compiled-model case for the weight).
  ref::Tensor h = randomTensor(DType::F32, {3, 33}, 1);
  ref::Tensor s = randomTensor(DType::F32, {3, 7, 33}, 2);
  ref::Tensor w = randomTensor(DType::F32, {1, 66}, 3);
  ref::Tensor bias = randomTensor(DType::F32, {1}, 4);
  auto out = runKernel("additive_attention", {h, s, w, bias},
                       {{DType::F32, {3, 33}}, {DType::F32, {3, 7}}}, {}, 1,
                       /*asConstants=*/true);
  ASSERT_EQ(out.size(), 2u);
  ref::AdditiveAttentionResult expected =
      ref::additiveAttention(h, s, w, &bias);
  EXPECT_TENSOR_NEAR(out[0], expected.out, 1e-6);
  EXPECT_TENSOR_NEAR(out[1], expected.alpha, 1e-6);
}

TEST(RuntimeAdditiveAttentionTest, ThreadCountDoesNotChangeBits) {
  // B = 37 rows of 2 * 129 * 33 multiply-adds: 13 chunks of 3 rows.
  ref::Tensor h = randomTensor(DType::F32, {37, 33}, 5);
  ref::Tensor s = randomTensor(DType::F32, {37, 129, 33}, 6);
  ref::Tensor w = randomTensor(DType::F32, {1, 66}, 7);
  ref::Tensor bias = randomTensor(DType::F32, {1}, 8);
  std::vector<OutputSpec> outs = {{DType::F32, {37, 33}},
                                  {DType::F32, {37, 129}}};
  auto one = runKernel("additive_attention", {h, s, w, bias}, outs, {}, 1);
  auto three = runKernel("additive_attention", {h, s, w, bias}, outs, {}, 3);
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(three.size(), 2u);
  EXPECT_EQ(one[0].data, three[0].data);
  EXPECT_EQ(one[1].data, three[1].data);
}

TEST(RuntimeAdditiveAttentionTest, Errors) {
  const OutputSpec h{DType::F32, {2, 4}}, s{DType::F32, {2, 5, 4}},
      w{DType::F32, {1, 8}}, bias{DType::F32, {1}};
  const std::vector<OutputSpec> outs = {{DType::F32, {2, 4}},
                                        {DType::F32, {2, 5}}};
  auto expectError = [&](const std::vector<OutputSpec> &inputs,
                         const std::vector<OutputSpec> &outputs,
                         heed_status status, const std::string &message,
                         const AttrSetter &attrs = {}) {
    auto [st, msg] =
        finalizeKernel("additive_attention", inputs, outputs, attrs);
    EXPECT_EQ(st, status) << msg;
    EXPECT_EQ(msg, message);
  };
  auto setBias = [](int64_t v) {
    return [v](heed_plan *plan, int32_t node) {
      heed_plan_set_int(plan, node, "has_bias", v);
    };
  };
  // Valid plans first.
  expectError({h, s, w, bias}, outs, HEED_OK, "");
  expectError({h, s, w}, outs, HEED_OK, "");

  expectError({h, s}, outs, HEED_ERROR_INVALID_ARGUMENT,
              "additive_attention: expected 3-4 inputs and 2 outputs, got 2 "
              "and 2");
  expectError({h, s, w, bias}, {outs[0]}, HEED_ERROR_INVALID_ARGUMENT,
              "additive_attention: expected 3-4 inputs and 2 outputs, got 4 "
              "and 1");
  expectError({h, s, w}, outs, HEED_ERROR_INVALID_ARGUMENT,
              "additive_attention: has_bias = 1 needs 4 inputs, got 3",
              setBias(1));
  expectError({h, s, w, bias}, outs, HEED_ERROR_INVALID_ARGUMENT,
              "additive_attention: has_bias = 0 needs 3 inputs, got 4",
              setBias(0));
  expectError({h, s, w, bias}, outs, HEED_ERROR_INVALID_ARGUMENT,
              "additive_attention: has_bias must be 0 or 1, got 2", setBias(2));
  expectError({{DType::BF16, {2, 4}}, s, w}, outs, HEED_ERROR_DTYPE,
              "additive_attention: input 0 must be f32, got bf16[2, 4]");
  expectError({h, s, w, {DType::F16, {1}}}, outs, HEED_ERROR_DTYPE,
              "additive_attention: input 3 must be f32, got f16[1]");
  expectError({h, s, w}, {outs[0], {DType::BF16, {2, 5}}}, HEED_ERROR_DTYPE,
              "additive_attention: output 1 must be f32, got bf16[2, 5]");
  expectError({{DType::F32, {2, 1, 4}}, s, w}, outs, HEED_ERROR_SHAPE,
              "additive_attention: hidden must be [B, D], got f32[2, 1, 4]");
  expectError({h, {DType::F32, {2, 5, 3}}, w}, outs, HEED_ERROR_SHAPE,
              "additive_attention: states must be [B, T, D] with B = 2 and "
              "D = 4 (hidden f32[2, 4]), got f32[2, 5, 3]");
  expectError({h, {DType::F32, {3, 5, 4}}, w}, outs, HEED_ERROR_SHAPE,
              "additive_attention: states must be [B, T, D] with B = 2 and "
              "D = 4 (hidden f32[2, 4]), got f32[3, 5, 4]");
  expectError({h, {DType::F32, {10, 4}}, w}, outs, HEED_ERROR_SHAPE,
              "additive_attention: states must be [B, T, D] with B = 2 and "
              "D = 4 (hidden f32[2, 4]), got f32[10, 4]");
  expectError({h, s, {DType::F32, {8}}}, outs, HEED_ERROR_SHAPE,
              "additive_attention: weight must be [1, 2D] = [1, 8], got "
              "f32[8]");
  expectError({h, s, {DType::F32, {1, 4}}}, outs, HEED_ERROR_SHAPE,
              "additive_attention: weight must be [1, 2D] = [1, 8], got "
              "f32[1, 4]");
  expectError({h, s, w, {DType::F32, {2}}}, outs, HEED_ERROR_SHAPE,
              "additive_attention: bias must have one element, got f32[2]");
  expectError({h, s, w}, {outs[0], {DType::F32, {2, 4}}}, HEED_ERROR_SHAPE,
              "additive_attention: outputs must be out [B, D] = [2, 4] and "
              "alpha [B, T] = [2, 5], got f32[2, 4] and f32[2, 4]");
  expectError({h, s, w}, {{DType::F32, {4, 2}}, outs[1]}, HEED_ERROR_SHAPE,
              "additive_attention: outputs must be out [B, D] = [2, 4] and "
              "alpha [B, T] = [2, 5], got f32[4, 2] and f32[2, 5]");
}

} // namespace
