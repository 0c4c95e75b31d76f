//===- RuntimeTestUtil.h - One-kernel test runs -----------------*- C++ -*-===//
//
// Kernel tests build a one-node plan through the public C API, run it, and
// compare with the reference kernels (reference/Kernels.h), which are the
// independent plain-loop implementation of every op.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TEST_RUNTIMETESTUTIL_H
#define HEED_TEST_RUNTIMETESTUTIL_H

#include "HostConversion.h"
#include "Tensor.h"
#include "heed/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace heed::test {

/// Output dtype and shape of a node.
struct OutputSpec {
  DType dtype;
  ref::Shape shape;
};

/// Sets attributes of the node being built.
using AttrSetter = std::function<void(heed_plan *, int32_t node)>;

/// Runs \p kernel once on \p inputs with \p threads workers; the inputs are
/// model inputs (copied into the arena), or constants when \p asConstants.
/// Fails the test (and returns no outputs) if any API call fails.
std::vector<ref::Tensor> runKernel(const std::string &kernel,
                                   const std::vector<ref::Tensor> &inputs,
                                   const std::vector<OutputSpec> &outputs,
                                   const AttrSetter &attrs = {},
                                   int threads = 1, bool asConstants = false);

/// Runs \p kernel in place, as heedrt-plan-memory plans it when input 0
/// dies at the kernel: input 0 is copied (kernel "copy") into an arena
/// buffer, and the kernel reads that buffer as input 0 and writes its one
/// output, of input 0's dtype and shape, over it; the buffer is the model's
/// output. Fails the test (and returns an empty tensor) if any call fails.
ref::Tensor runKernelInPlace(const std::string &kernel,
                             const std::vector<ref::Tensor> &inputs,
                             const AttrSetter &attrs = {}, int threads = 1);

/// The status and message of finalizing a one-node plan (for error tests).
std::pair<heed_status, std::string>
finalizeKernel(const std::string &kernel, const std::vector<OutputSpec> &inputs,
               const std::vector<OutputSpec> &outputs,
               const AttrSetter &attrs = {});

/// Expects finalizing a one-node plan to fail with \p status and exactly
/// \p message.
void expectFinalizeError(const std::string &kernel,
                         const std::vector<OutputSpec> &inputs,
                         const std::vector<OutputSpec> &outputs,
                         const AttrSetter &attrs, heed_status status,
                         const std::string &message);

/// Max-norm relative error: max|a - b| / max(max|b|, tiny).
double relativeError(const ref::Tensor &actual, const ref::Tensor &expected);

/// \p n deterministic floats in [-1, 1) with all 24 bits of the mantissa in
/// use (so rounding to bf16 matters), for kernel-level tests.
std::vector<float> randomFloats(int64_t n, uint64_t seed);

/// A tensor of shape \p shape with deterministic values in [-1, 1).
ref::Tensor randomTensor(DType dtype, const ref::Shape &shape, uint64_t seed);

/// Asserts equal shape/dtype and relative error <= tol.
#define EXPECT_TENSOR_NEAR(actual, expected, tol)                              \
  do {                                                                         \
    const auto &a_ = (actual);                                                 \
    const auto &e_ = (expected);                                               \
    ASSERT_EQ(a_.shape, e_.shape);                                             \
    ASSERT_EQ(a_.dtype, e_.dtype);                                             \
    EXPECT_LE(::heed::test::relativeError(a_, e_), (tol));                     \
  } while (0)

} // namespace heed::test

#endif // HEED_TEST_RUNTIMETESTUTIL_H
