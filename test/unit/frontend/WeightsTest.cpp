//===- WeightsTest.cpp - The deterministic random weight filler -----------===//

#include "Weights.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace heed;

namespace {

TEST(SeededUniformTest, MatchesIndependentImplementation) {
  // Expected values from a separate Python implementation of the documented
  // rule (FNV-1a of the name xor seed * 0x9E3779B97F4A7C15, then splitmix64,
  // top 53 bits mapped to [-1, 1)):
  //   gen(1, "fc.weight", 3)
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

} // namespace
