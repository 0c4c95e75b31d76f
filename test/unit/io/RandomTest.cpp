//===- RandomTest.cpp - Deterministic random numbers and tensors ----------===//
//
// Expected values come from a separate Python implementation of the rule
// documented in heed/io/Random.h (FNV-1a of the name xor
// seed * 0x9E3779B97F4A7C15, then splitmix64, the top 53 bits mapped to
// [-1, 1); floats keep u, i1 is u >= 0, integers
// min(bound - 1, floor((u + 1) / 2 * bound))), with numpy for the f32 and
// f16 roundings.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Random.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace heed;
using namespace heed::io;
using namespace heed::io::testutil;

namespace {

TEST(SeededUniformTest, MatchesIndependentImplementation) {
  // gen(1, "fc.weight", 3)
  SeededUniform rng(1, "fc.weight");
  EXPECT_DOUBLE_EQ(rng.next(), -0.9721789312111775);
  EXPECT_DOUBLE_EQ(rng.next(), -0.8233505693193603);
  EXPECT_DOUBLE_EQ(rng.next(), 0.41903442344641384);
}

TEST(SeededUniformTest, DependsOnSeedAndNameOnly) {
  SeededUniform a(7, "x"), b(7, "x"), c(8, "x"), d(7, "y");
  double va = a.next();
  EXPECT_EQ(va, b.next());
  EXPECT_NE(va, c.next());
  EXPECT_NE(va, d.next());
}

TEST(SeededUniformTest, UniformOnMinusOneToOne) {
  SeededUniform rng(3, "w");
  double sum = 0, lo = 1, hi = -1;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    double v = rng.next();
    ASSERT_GE(v, -1.0);
    ASSERT_LT(v, 1.0);
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Mean of U(-1, 1) is 0 with standard error 1/sqrt(3n) ~ 0.0018.
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_LT(lo, -0.999);
  EXPECT_GT(hi, 0.999);
}

TEST(RandomTensorTest, FloatsAreTheStreamRoundedToF32) {
  // numpy.float32(gen(1, "x", 6)).
  HostTensor t = randomTensor("x", DType::F32, {2, 3}, 1, 2);
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(t),
            (std::vector<float>{0.844207227f, -0.767324984f, -0.935961366f,
                                0.635855973f, 0.00254536769f, -0.880637288f}));
}

TEST(RandomTensorTest, HalfRoundsToNearest) {
  // numpy.float16(numpy.float32(gen(4, "h", 3))).
  HostTensor t = randomTensor("h", DType::F16, {3}, 4, 2);
  const double want[] = {0.04107666015625, 0.95654296875, 0.57470703125};
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(loadElement(t, i), want[i]) << i;
}

TEST(RandomTensorTest, IntegersLieBelowTheBound) {
  // min(4, floor((u + 1) / 2 * 5)) for u in gen(3, "ids", 8).
  HostTensor t = randomTensor("ids", DType::I64, {8}, 3, 5);
  EXPECT_EQ(valuesOf<int64_t>(t),
            (std::vector<int64_t>{2, 1, 1, 3, 4, 0, 2, 0}));
  // The same stream with bound 2.
  HostTensor u = randomTensor("ids", DType::I32, {8}, 3, 2);
  EXPECT_EQ(valuesOf<int32_t>(u),
            (std::vector<int32_t>{0, 0, 0, 1, 1, 0, 1, 0}));
}

TEST(RandomTensorTest, BoolsAreTheSignOfTheStream) {
  // u >= 0 for u in gen(2, "m", 5).
  HostTensor t = randomTensor("m", DType::I1, {5}, 2, 2);
  EXPECT_EQ(valuesOf<uint8_t>(t), (std::vector<uint8_t>{1, 1, 1, 0, 1}));
}

TEST(RandomTensorTest, ScalarsAndEmptyTensors) {
  HostTensor s = randomTensor("x", DType::F32, {}, 1, 2);
  EXPECT_EQ(valuesOf<float>(s), (std::vector<float>{0.844207227f}));
  HostTensor e = randomTensor("x", DType::F32, {0, 3}, 1, 2);
  EXPECT_TRUE(e.data.empty());
}

} // namespace
