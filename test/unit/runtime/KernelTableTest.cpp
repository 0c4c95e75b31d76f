//===- KernelTableTest.cpp - The runtime against its kernel table ---------===//
//
// Every kernel runtime/kernels/Kernels.td declares is registered, and a
// node's attributes are checked against the declaration before its kernel
// sees them (runtime/src/KernelAttrs.h). Expected messages are written by
// hand from the declarations.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestUtil.h"

#include "heed/KernelSpec.h"

#include <gtest/gtest.h>

#include <string>

using namespace heed;
using namespace heed::test;

namespace {

TEST(RuntimeKernelTableTest, EveryDeclaredKernelIsRegistered) {
  size_t count = 0;
  for (const KernelSpec &spec : allKernelSpecs()) {
    // Wrong operands on purpose: what matters is that the kernel is found.
    auto [status, message] =
        finalizeKernel(std::string(spec.name), {}, {{DType::F32, {1}}});
    EXPECT_NE(status, HEED_ERROR_UNKNOWN_KERNEL) << message;
    EXPECT_NE(status, HEED_ERROR_INTERNAL) << message;
    ++count;
  }
  EXPECT_GT(count, 0u);
}

TEST(RuntimeKernelTableTest, UnknownKernel) {
  auto [status, message] =
      finalizeKernel("frobnicate", {}, {{DType::F32, {1}}});
  EXPECT_EQ(status, HEED_ERROR_UNKNOWN_KERNEL);
  EXPECT_EQ(message, "unknown kernel 'frobnicate'");
}

/// Finalizes softmax(x [2, 3]) with \p attrs; the status and message.
std::pair<heed_status, std::string> softmaxWith(const AttrSetter &attrs) {
  return finalizeKernel("softmax", {{DType::F32, {2, 3}}},
                        {{DType::F32, {2, 3}}}, attrs);
}

TEST(RuntimeKernelTableTest, UnknownAttribute) {
  auto [status, message] = softmaxWith([](heed_plan *plan, int32_t node) {
    heed_plan_set_int(plan, node, "axis", 1);
    heed_plan_set_int(plan, node, "axes", 1);
  });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "softmax: unknown attribute 'axes' (softmax takes axis)");
}

TEST(RuntimeKernelTableTest, AttributeOfAKernelWithoutAttributes) {
  auto [status, message] =
      finalizeKernel("relu", {{DType::F32, {4}}}, {{DType::F32, {4}}},
                     [](heed_plan *plan, int32_t node) {
                       heed_plan_set_float(plan, node, "alpha", 0.1);
                     });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message,
            "relu: unknown attribute 'alpha' (relu takes no attributes)");
}

TEST(RuntimeKernelTableTest, MissingRequiredAttribute) {
  auto [status, message] = softmaxWith({});
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "softmax: missing integer attribute 'axis'");
}

TEST(RuntimeKernelTableTest, FloatForAnInteger) {
  auto [status, message] = softmaxWith([](heed_plan *plan, int32_t node) {
    heed_plan_set_float(plan, node, "axis", 1.0);
  });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "softmax: attribute 'axis' is an integer; set it with "
                     "heed_plan_set_int");
}

TEST(RuntimeKernelTableTest, ListForAnInteger) {
  auto [status, message] = softmaxWith([](heed_plan *plan, int32_t node) {
    int64_t axes[2] = {0, 1};
    heed_plan_set_ints(plan, node, "axis", axes, 2);
  });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "softmax: attribute 'axis' must be one integer");
}

TEST(RuntimeKernelTableTest, IntegerForAFloat) {
  auto [status, message] = finalizeKernel(
      "layer_norm",
      {{DType::F32, {2, 3}}, {DType::F32, {3}}, {DType::F32, {3}}},
      {{DType::F32, {2, 3}}}, [](heed_plan *plan, int32_t node) {
        heed_plan_set_int(plan, node, "eps", 0);
      });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "layer_norm: attribute 'eps' is a float; set it with "
                     "heed_plan_set_float");
}

TEST(RuntimeKernelTableTest, FloatForAList) {
  auto [status, message] =
      finalizeKernel("transpose", {{DType::F32, {2, 3}}},
                     {{DType::F32, {3, 2}}}, [](heed_plan *plan, int32_t node) {
                       heed_plan_set_float(plan, node, "perm", 1.0);
                     });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "transpose: attribute 'perm' is an integer; set it with "
                     "heed_plan_set_ints");
}

TEST(RuntimeKernelTableTest, MissingRequiredList) {
  auto [status, message] = finalizeKernel("transpose", {{DType::F32, {2, 3}}},
                                          {{DType::F32, {3, 2}}});
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "transpose: missing attribute 'perm'");
}

TEST(RuntimeKernelTableTest, FlagOutOfRange) {
  // A misspelt optional flag used to take its default silently; a bad value
  // of a declared one is an error too.
  auto [status, message] =
      finalizeKernel("reduce_sum", {{DType::F32, {2, 3}}}, {{DType::F32, {2}}},
                     [](heed_plan *plan, int32_t node) {
                       int64_t axes[1] = {1};
                       heed_plan_set_ints(plan, node, "axes", axes, 1);
                       heed_plan_set_int(plan, node, "keepdim", 2);
                     });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "reduce_sum: keepdim must be 0 or 1, got 2");
}

TEST(RuntimeKernelTableTest, EnumOutOfRange) {
  auto [status, message] =
      finalizeKernel("linear", {{DType::F32, {2, 3}}, {DType::F32, {4, 3}}},
                     {{DType::F32, {2, 4}}}, [](heed_plan *plan, int32_t node) {
                       heed_plan_set_int(plan, node, "activation", 6);
                     });
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "linear: unknown activation 6 (expected 0 none, 1 relu, "
                     "2 gelu, 3 tanh, 4 sigmoid, 5 silu)");
}

TEST(RuntimeKernelTableTest, SharedEnumsMatchTheirCodes) {
  // The integers plans carry, as Kernels.td declares them.
  EXPECT_EQ((int64_t)AttentionStructure::Window, 2);
  EXPECT_EQ((int64_t)Activation::Silu, 5);
  EXPECT_EQ(stringify(AttentionStructure::Blocks), "blocks");
  EXPECT_EQ(symbolizeActivation("gelu"), Activation::Gelu);
  EXPECT_FALSE(symbolizeActivation("swish").has_value());
}

} // namespace
