//===- GemmF32Test.cpp - f32 GEMM with a prepacked B and a fused epilogue -===//
//
// gemmF32 against a double-precision GEMM of the same inputs followed by
// this file's own epilogue in double (std::erf for gelu, std::exp for
// sigmoid and silu): the difference is the f32 accumulation and rounding,
// bounded by 2e-6 of sum_k |a| |b| (scaled) per element, plus the epilogue's
// approximations (gelu's erf by Abramowitz-Stegun: 2e-7 absolute; f32
// exp: 1e-7 relative), bounded by 1e-6 of the activation's argument. Shapes
// cover row counts around the 14-row blocks, K past the 4096-k blocks
// (partial sums between blocks), column ranges that are not whole panels and
// start past the first panel, and ranges wider than the 512-column partial
// buffer. On a CPU without AVX-512 the tests skip.
//
//===----------------------------------------------------------------------===//

#include "../../../runtime/kernels/cpu/GemmF32.h"

#include "RuntimeTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace heed;
using namespace heed::rt;
using heed::test::randomFloats;

namespace {

double activate(double x, Activation act) {
  switch (act) {
  case Activation::Relu:
    return x > 0 ? x : 0.0;
  case Activation::Gelu:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case Activation::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case Activation::Silu:
    return x / (1.0 + std::exp(-x));
  case Activation::Tanh:
    return std::tanh(x);
  default:
    return x;
  }
}

struct Case {
  int64_t M, K, N, n0, nCount;
  Activation act = Activation::None;
  bool bias = false, scalarBias = false;
  enum { None, Strided, Row, InPlace } residual = None;
  float scale = 1.0f;

  std::string str() const {
    return "M=" + std::to_string(M) + " K=" + std::to_string(K) +
           " N=" + std::to_string(N) + " n0=" + std::to_string(n0) +
           " nCount=" + std::to_string(nCount) +
           " act=" + std::to_string((int)act) +
           " bias=" + std::to_string(bias + scalarBias) +
           " residual=" + std::to_string((int)residual);
  }
};

/// Runs gemmF32 on \p c with the weight stored as a linear layer's [N, K]
/// (and, for odd cases, as [K, N]) and checks every output element.
void check(const Case &c, bool weightKN) {
  SCOPED_TRACE(c.str() + (weightKN ? " [K, N]" : " [N, K]"));
  const int64_t lda = c.K + 3, ldy = c.nCount + 5;
  std::vector<float> a = randomFloats(c.M * lda, 1);
  std::vector<float> w = randomFloats(c.K * c.N, 2);
  std::vector<float> bias = randomFloats(c.N, 3);
  const int64_t ldr = c.residual == Case::Row ? 0 : ldy + 2;
  std::vector<float> residual = randomFloats((c.M + 1) * (ldy + 2), 4);
  std::vector<float> y(c.M * ldy, -7.0f);
  if (c.residual == Case::InPlace)
    for (int64_t m = 0; m < c.M; ++m)
      for (int64_t n = 0; n < c.nCount; ++n)
        y[m * ldy + n] = residual[m * ldy + n];

  auto weight = [&](int64_t k, int64_t n) {
    return weightKN ? w[k * c.N + n] : w[n * c.K + k];
  };
  PackedF32Matrix packed = weightKN
                               ? PackedF32Matrix(w.data(), c.K, c.N, c.N, 1)
                               : PackedF32Matrix(w.data(), c.K, c.N, 1, c.K);
  GemmEpilogue ep;
  ep.scale = c.scale;
  ep.activation = c.act;
  if (c.bias) {
    ep.bias = bias.data() + (c.scalarBias ? 0 : c.n0);
    ep.biasStride = c.scalarBias ? 0 : 1;
  }
  std::vector<float> expectedResidual = residual;
  if (c.residual == Case::InPlace) {
    ep.residual = y.data();
    ep.residualRowStride = ldy;
  } else if (c.residual != Case::None) {
    ep.residual = residual.data();
    ep.residualRowStride = ldr;
  }
  gemmF32(a.data(), c.M, lda, packed, c.n0, c.nCount, y.data(), ldy, ep);

  for (int64_t m = 0; m < c.M; ++m) {
    for (int64_t n = 0; n < c.nCount; ++n) {
      double sum = 0, mag = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        double p = (double)a[m * lda + k] * weight(k, c.n0 + n);
        sum += p;
        mag += std::fabs(p);
      }
      double x = c.scale * sum, xMag = std::fabs(c.scale) * mag;
      if (c.bias) {
        double b = bias[c.scalarBias ? 0 : c.n0 + n];
        x += b;
        xMag += std::fabs(b);
      }
      double expected = activate(x, c.act);
      double r = 0;
      if (c.residual == Case::InPlace)
        r = residual[m * ldy + n];
      else if (c.residual != Case::None)
        r = residual[m * ldr + n];
      expected += r;
      double tolerance =
          2e-6 * xMag + 1e-6 * (std::fabs(x) + 1.0) + 1e-7 * std::fabs(r);
      ASSERT_NEAR(y[m * ldy + n], expected, tolerance)
          << "at m=" << m << " n=" << n;
    }
    // Nothing is written past the call's columns.
    for (int64_t n = c.nCount; n < ldy; ++n)
      ASSERT_EQ(y[m * ldy + n],
                c.residual == Case::InPlace ? y[m * ldy + n] : -7.0f);
  }
}

/// act(a[i]) for each a[i]: gemmF32 with K = 1, B = 1 and one row per
/// value.
std::vector<float> activationOf(Activation act, const std::vector<float> &a) {
  float one = 1.0f;
  PackedF32Matrix b(&one, 1, 1, 1, 1);
  GemmEpilogue ep;
  ep.activation = act;
  std::vector<float> y(a.size());
  gemmF32(a.data(), (int64_t)a.size(), 1, b, 0, 1, y.data(), 1, ep);
  return y;
}

class GemmF32Test : public ::testing::Test {
protected:
  void SetUp() override {
    if (!gemmF32Available())
      GTEST_SKIP() << "gemmF32 needs AVX-512F and BW";
  }
};

TEST_F(GemmF32Test, ShapesAroundTheBlocks) {
  for (int64_t M : {1, 5, 14, 15, 29, 64})
    for (int64_t K : {1, 7, 16, 256, 257, 600})
      for (auto [N, n0, nCount] :
           std::vector<std::array<int64_t, 3>>{{1, 0, 1},
                                               {17, 0, 17},
                                               {32, 0, 32},
                                               {100, 32, 68},
                                               {100, 64, 20},
                                               {700, 0, 700}})
        for (bool kn : {false, true})
          check({M, K, N, n0, nCount}, kn);
}

TEST_F(GemmF32Test, KPastOneBlock) {
  // Partial sums between K blocks, with every epilogue input (the residual
  // in place: Y is written only after the last block).
  for (int64_t K : {4096, 4097, 9000}) {
    Case c{15, K, 600, 0, 600, Activation::Gelu};
    c.bias = true;
    c.residual = Case::InPlace;
    check(c, false);
  }
}

TEST_F(GemmF32Test, EveryEpilogue) {
  for (Activation act :
       {Activation::None, Activation::Relu, Activation::Gelu,
        Activation::Sigmoid, Activation::Silu, Activation::Tanh})
    for (int bias = 0; bias < 3; ++bias)
      for (auto residual :
           {Case::None, Case::Strided, Case::Row, Case::InPlace}) {
        Case c{23, 300, 80, 32, 48, act};
        c.bias = bias > 0;
        c.scalarBias = bias == 2;
        c.residual = residual;
        c.scale = 0.125f;
        check(c, false);
      }
}

TEST_F(GemmF32Test, GeluOfLargeAndSmallArguments) {
  // One row of A, K = 1, B = 1: y = gelu(a), a from -12 to 12, against
  // 0.5 x (1 + erf(x / sqrt 2)) in double: within 3e-7 absolute (the erf
  // approximation) plus 1e-6 relative.
  std::vector<float> a;
  for (float x = -12.0f; x <= 12.0f; x += 0.0625f)
    a.push_back(x);
  a.push_back(1e-30f);
  a.push_back(-1e-30f);
  std::vector<float> y = activationOf(Activation::Gelu, a);
  for (size_t i = 0; i < a.size(); ++i) {
    double x = a[i];
    double expected = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    EXPECT_NEAR(y[i], expected, 3e-7 + 1e-6 * std::fabs(expected))
        << "gelu(" << x << ")";
  }
}

TEST_F(GemmF32Test, TanhOfLargeAndSmallArguments) {
  // y = tanh(a) for a from -20 to 20, around the 0.25 switch of method and
  // down to 1e-30, against std::tanh in double: within 2e-7 absolute and
  // 4e-7 relative (near 0 the series keeps the relative error small).
  std::vector<float> a;
  for (float x = -20.0f; x <= 20.0f; x += 0.03125f)
    a.push_back(x);
  for (float x : {0.2499999f, 0.25f, 0.2500001f, 1e-3f, 1e-7f, 1e-30f})
    for (float sign : {1.0f, -1.0f})
      a.push_back(sign * x);
  std::vector<float> y = activationOf(Activation::Tanh, a);
  for (size_t i = 0; i < a.size(); ++i) {
    double expected = std::tanh((double)a[i]);
    EXPECT_NEAR(y[i], expected, 2e-7 + 4e-7 * std::fabs(expected))
        << "tanh(" << a[i] << ")";
    if (std::fabs(a[i]) < 0.25f) {
      EXPECT_NEAR(y[i], expected, 4e-7 * std::fabs(expected))
          << "tanh(" << a[i] << ")";
    }
  }
}

TEST_F(GemmF32Test, ReluKeepsNaN) {
  std::vector<float> y = activationOf(Activation::Relu, {NAN, -2.0f});
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 0.0f);
}

TEST_F(GemmF32Test, EpilogueOverStoredSumsRoundsBf16) {
  // applyGemmEpilogue with a bf16 output: bias + residual, then rounded to
  // nearest even (1 + 2^-8 is a tie that rounds to 1; 1 + 3 * 2^-8 rounds
  // up to 1 + 2^-6... checked against exact bf16 values).
  float c[3] = {1.0f, 1.0f, -3.0f};
  float bias[3] = {0.00390625f, 0.01171875f, 0.0f}; // 2^-8, 3 * 2^-8
  GemmEpilogue ep;
  ep.bias = bias;
  uint16_t y[3];
  applyGemmEpilogue(c, 3, 1, 3, ep, y, 3, /*bf16Y=*/true);
  EXPECT_EQ(y[0], 0x3F80); // 1 + 2^-8 -> 1 (tie to even)
  EXPECT_EQ(y[1], 0x3F82); // 1 + 3 * 2^-8 -> 1 + 2^-6 (tie to even)
  EXPECT_EQ(y[2], 0xC040); // -3
}

} // namespace
