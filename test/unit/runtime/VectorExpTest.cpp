//===- VectorExpTest.cpp - The vectorised exp of the softmax kernels ------===//
//
// Expected values come from double-precision std::exp, rounded nowhere: the
// error of a path is |y - exp(x)| / exp(x) (relative) and |y - exp(x)| / ulp
// where ulp is the spacing of f32 values at exp(x).
//
// Measured on every f32 in [-87, 88] (2,237,530,114 values; an AMD EPYC
// with AVX-512; same numbers on [-87.3, 88.7228317], the whole range where
// the result is neither flushed nor saturated):
//   avx512, avx2 : max relative error 7.58e-8, max 0.916 ulp (bitwise equal)
//   scalar       : max relative error 9.99e-8, max 1.209 ulp (no FMA)
// The sweep below visits every 127th f32 of that range (about 17.6 million
// values; HEED_EXP_SWEEP_STRIDE=1 in the environment visits all of them and
// reproduces the numbers above), prints what it measured, and asserts
// bounds just above these maxima: 1 ulp and 8e-8 for
// the SIMD paths, 1.25 ulp and 1.05e-7 for the scalar path.
// Paths the CPU lacks are skipped (the test says so).
//
//===----------------------------------------------------------------------===//

#include "../../../runtime/kernels/cpu/VectorExp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

using namespace heed::rt;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// Every \p stride-th f32 in [lo, hi] (lo < 0 < hi), in bit-pattern order.
std::vector<float> stridedFloats(float lo, float hi, uint32_t stride) {
  std::vector<float> out;
  for (uint64_t b = 0; b <= bitsOf(hi); b += stride)
    out.push_back(floatOf((uint32_t)b));
  for (uint64_t b = 0x80000000u; b <= bitsOf(lo); b += stride)
    out.push_back(floatOf((uint32_t)b));
  return out;
}

struct Errors {
  double relative = 0, ulps = 0;
  float worstX = 0;
  uint64_t count = 0;

  /// Adds the errors of y[i] = exp(x[i]).
  void add(const float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      double ref = std::exp((double)x[i]);
      double diff = std::fabs((double)y[i] - ref);
      int k;
      std::frexp(ref, &k);
      double u = diff / std::ldexp(1.0, k - 24);
      relative = std::max(relative, diff / ref);
      if (u > ulps) {
        ulps = u;
        worstX = x[i];
      }
    }
    count += n;
  }
};

Errors measure(const std::vector<float> &x, const std::vector<float> &y) {
  Errors e;
  e.add(x.data(), y.data(), x.size());
  return e;
}

/// The errors of \p exp (an in-place exp over an array) on every \p
/// stride-th f32 of [lo, hi] (lo < 0 <= hi), a million values at a time.
template <typename ExpFn>
Errors sweepWith(const ExpFn &exp, float lo, float hi, uint32_t stride) {
  Errors e;
  std::vector<float> x, y;
  auto flush = [&] {
    y = x;
    exp(y.data(), (int64_t)y.size());
    e.add(x.data(), y.data(), x.size());
    x.clear();
  };
  auto visit = [&](uint64_t first, uint64_t last) {
    for (uint64_t b = first; b <= last; b += stride) {
      x.push_back(floatOf((uint32_t)b));
      if (x.size() == (1u << 20))
        flush();
    }
  };
  visit(0, bitsOf(hi));
  visit(0x80000000u, bitsOf(lo));
  flush();
  return e;
}

Errors sweep(ExpPath path, float lo, float hi, uint32_t stride) {
  return sweepWith([path](float *x, int64_t n) { expInPlaceWith(path, x, n); },
                   lo, hi, stride);
}

/// The sweep stride: 127, or HEED_EXP_SWEEP_STRIDE from the environment.
uint32_t sweepStride() {
  uint32_t stride = 127;
  if (const char *env = std::getenv("HEED_EXP_SWEEP_STRIDE"))
    stride = (uint32_t)std::max(1, std::atoi(env));
  return stride;
}

class VectorExpPathTest : public ::testing::TestWithParam<ExpPath> {
protected:
  void SetUp() override {
    if (!expPathAvailable(GetParam()))
      GTEST_SKIP() << "this CPU cannot run the " << expPathName(GetParam())
                   << " path";
  }
  bool simd() const { return GetParam() != ExpPath::Scalar; }
  std::vector<float> run(std::vector<float> x) const {
    expInPlaceWith(GetParam(), x.data(), (int64_t)x.size());
    return x;
  }
};

TEST_P(VectorExpPathTest, MaxErrorOverTheRange) {
  // HEED_EXP_SWEEP_STRIDE=1 makes this the exhaustive measurement of the
  // file comment (about 40 s a path).
  uint32_t stride = sweepStride();
  Errors e = sweep(GetParam(), -87.0f, 88.0f, stride);
  EXPECT_GE(e.count, 2237530114u / stride);
  std::printf("[          ] %s: max relative error %.3g, %.3f ulp (at x = "
              "%.9g) over %llu values\n",
              expPathName(GetParam()), e.relative, e.ulps, e.worstX,
              (unsigned long long)e.count);
  // Bounds from the exhaustive measurement in the file comment.
  EXPECT_LE(e.ulps, simd() ? 1.0 : 1.25) << "worst at x = " << e.worstX;
  EXPECT_LE(e.relative, simd() ? 8e-8 : 1.05e-7);
  // The edges where no flushing happens yet: [-87.3, -87] and [88, kHi].
  std::vector<float> edges;
  for (uint32_t b = bitsOf(-87.0f); b <= bitsOf(-87.3f); ++b)
    edges.push_back(floatOf(b));
  for (uint32_t b = bitsOf(88.0f); b <= bitsOf(0x1.62e42ep+6f); ++b)
    edges.push_back(floatOf(b));
  Errors edge = measure(edges, run(edges));
  EXPECT_LE(edge.ulps, simd() ? 1.0 : 1.25) << "worst at x = " << edge.worstX;
}

TEST_P(VectorExpPathTest, SpecialValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float negNan = -nan;
  const float kHi = 0x1.62e42ep+6f; // largest x with a finite f32 exp
  std::vector<float> x = {-kInf,
                          kInf,
                          nan,
                          negNan,
                          0.0f,
                          -0.0f,
                          std::numeric_limits<float>::denorm_min(),
                          -std::numeric_limits<float>::denorm_min(),
                          -87.3f,
                          std::nextafter(-87.3f, -kInf),
                          -100.0f,
                          -std::numeric_limits<float>::max(),
                          kHi,
                          std::nextafter(kHi, kInf),
                          100.0f,
                          std::numeric_limits<float>::max(),
                          1.0f};
  std::vector<float> y = run(x);
  EXPECT_EQ(bitsOf(y[0]), bitsOf(0.0f)); // exp(-inf) = +0 exactly
  EXPECT_EQ(y[1], kInf);
  EXPECT_EQ(bitsOf(y[2]), bitsOf(nan)); // NaN in, the same NaN out
  EXPECT_EQ(bitsOf(y[3]), bitsOf(negNan));
  EXPECT_EQ(y[4], 1.0f);
  EXPECT_EQ(y[5], 1.0f);
  EXPECT_EQ(y[6], 1.0f);
  EXPECT_EQ(y[7], 1.0f);
  // -87.3 is still computed (a normal number, exp(-87.3) = 1.2599e-38) ...
  EXPECT_GE(y[8], std::numeric_limits<float>::min());
  EXPECT_NEAR(y[8] / std::exp((double)-87.3f), 1.0, 1.2e-7);
  // ... anything below flushes to +0.
  EXPECT_EQ(bitsOf(y[9]), bitsOf(0.0f));
  EXPECT_EQ(bitsOf(y[10]), bitsOf(0.0f));
  EXPECT_EQ(bitsOf(y[11]), bitsOf(0.0f));
  EXPECT_TRUE(std::isfinite(y[12]));
  EXPECT_NEAR(y[12] / std::exp((double)kHi), 1.0, 1.2e-7);
  EXPECT_EQ(y[13], kInf);
  EXPECT_EQ(y[14], kInf);
  EXPECT_EQ(y[15], kInf);
  EXPECT_NEAR(y[16], 2.718281828459045, 2.4e-7);
}

TEST_P(VectorExpPathTest, LengthsThatAreNotAMultipleOfTheLanes) {
  // Each element's result does not depend on its position or on n, and
  // nothing past n is written.
  std::vector<float> values(40);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = -20.0f + 1.37f * (float)i;
  values[5] = -kInf;
  std::vector<float> whole = run(values);
  const float guard = 12345.0f;
  for (int64_t n = 0; n <= 40; ++n) {
    SCOPED_TRACE("n = " + std::to_string(n));
    std::vector<float> buf(values.begin(), values.begin() + n);
    buf.resize(48, guard);
    expInPlaceWith(GetParam(), buf.data(), n);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_EQ(bitsOf(buf[i]), bitsOf(whole[i])) << "element " << i;
    for (size_t i = n; i < buf.size(); ++i)
      EXPECT_EQ(buf[i], guard) << "element " << i << " past the end";
  }
  // Unaligned start.
  std::vector<float> buf(values);
  expInPlaceWith(GetParam(), buf.data() + 1, 39);
  for (size_t i = 1; i < 40; ++i)
    EXPECT_EQ(bitsOf(buf[i]), bitsOf(whole[i]));
}

TEST_P(VectorExpPathTest, ScaleShiftSum) {
  for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 64, 129}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    std::vector<float> x(n + 3, 777.0f);
    for (int64_t i = 0; i < n; ++i)
      x[i] = std::sin(0.7f * (float)i) * 9.0f;
    if (n > 3)
      x[3] = -kInf; // a masked score
    const float scale = 0.125f, shift = 1.0f;
    std::vector<float> in(x);
    float sum = expScaleShiftSumWith(GetParam(), x.data(), n, scale, shift);
    double refSum = 0;
    for (int64_t i = 0; i < n; ++i) {
      double ref = std::exp((double)in[i] * scale - shift);
      if (i == 3 && n > 3) {
        EXPECT_EQ(bitsOf(x[i]), bitsOf(0.0f));
      }
      EXPECT_NEAR(x[i], ref, 3e-7 * ref) << "element " << i;
      refSum += x[i];
    }
    // The sum adds the stored values, in f32: within n roundings.
    EXPECT_NEAR(sum, refSum, 1e-7 * (double)(n + 1) * refSum);
    for (int64_t i = n; i < n + 3; ++i)
      EXPECT_EQ(x[i], 777.0f) << "element " << i << " past the end";
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, VectorExpPathTest,
                         ::testing::Values(ExpPath::Scalar, ExpPath::Avx2,
                                           ExpPath::Avx512),
                         [](const ::testing::TestParamInfo<ExpPath> &info) {
                           return std::string(expPathName(info.param));
                         });

TEST(VectorExpTest, BestPathAndDispatch) {
  ExpPath best = bestExpPath();
  EXPECT_TRUE(expPathAvailable(best));
  EXPECT_TRUE(expPathAvailable(ExpPath::Scalar));
  if (expPathAvailable(ExpPath::Avx512)) {
    EXPECT_EQ(best, ExpPath::Avx512);
  } else if (expPathAvailable(ExpPath::Avx2)) {
    EXPECT_EQ(best, ExpPath::Avx2);
  }
  std::printf("[          ] best exp path: %s (avx2 %s, avx512 %s)\n",
              expPathName(best), expPathAvailable(ExpPath::Avx2) ? "yes" : "no",
              expPathAvailable(ExpPath::Avx512) ? "yes" : "no");

  // expInPlace is the best path; expScalar matches it bit for bit.
  std::vector<float> x = stridedFloats(-90.0f, 90.0f, 100003);
  x.push_back(-kInf);
  x.push_back(kInf);
  std::vector<float> viaBest(x), viaDefault(x);
  expInPlaceWith(best, viaBest.data(), (int64_t)x.size());
  expInPlace(viaDefault.data(), (int64_t)x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(bitsOf(viaDefault[i]), bitsOf(viaBest[i])) << "x = " << x[i];
    ASSERT_EQ(bitsOf(expScalar(x[i])), bitsOf(viaBest[i])) << "x = " << x[i];
  }
}

TEST(VectorExpTest, Avx2AndAvx512AreBitwiseEqual) {
  if (!expPathAvailable(ExpPath::Avx2) || !expPathAvailable(ExpPath::Avx512))
    GTEST_SKIP() << "needs both AVX2 and AVX-512";
  std::vector<float> x = stridedFloats(-90.0f, 90.0f, 257);
  std::vector<float> a(x), b(x);
  expInPlaceWith(ExpPath::Avx2, a.data(), (int64_t)a.size());
  expInPlaceWith(ExpPath::Avx512, b.data(), (int64_t)b.size());
  size_t differ = 0;
  for (size_t i = 0; i < x.size(); ++i)
    differ += bitsOf(a[i]) != bitsOf(b[i]);
  EXPECT_EQ(differ, 0u);
}

} // namespace

//===----------------------------------------------------------------------===//
// The softmax-weights exp of the bf16 attention micro-kernels
//===----------------------------------------------------------------------===//

// Measured on every f32 in [-87.3, 0] (1,118,738,844 values, AMD EPYC,
// HEED_EXP_SWEEP_STRIDE=1): max relative error 7.51e-5 (the degree-3
// polynomial's own 7.5e-5 plus the one-step reduction); a sweep of every
// 127th value asserts 1e-4, well under the 2^-9 = 2e-3 of the bf16 rounding
// that follows it in the kernel.
TEST(VectorExpWeightsTest, MaxErrorOnNonPositiveInputs) {
  if (!expWeightsAvailable())
    GTEST_SKIP() << "this CPU has no AVX-512";
  uint32_t stride = sweepStride();
  Errors e = sweepWith(expWeightsInPlace, -87.3f, 0.0f, stride);
  EXPECT_GE(e.count, 1118738842u / stride);
  std::printf("[          ] weights exp: max relative error %.3g (at x = "
              "%.9g, %.1f ulp) over %llu values\n",
              e.relative, e.worstX, e.ulps, (unsigned long long)e.count);
  EXPECT_LE(e.relative, 1e-4) << "worst at x = " << e.worstX;
}

TEST(VectorExpWeightsTest, SpecialValues) {
  if (!expWeightsAvailable())
    GTEST_SKIP() << "this CPU has no AVX-512";
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {-kInf,    nan,  -87.3f, std::nextafter(-87.3f, -kInf),
                          -1000.0f, 0.0f, -1.0f};
  std::vector<float> y = x;
  expWeightsInPlace(y.data(), (int64_t)y.size());
  EXPECT_EQ(bitsOf(y[0]), bitsOf(0.0f)); // masked scores weigh exactly 0
  EXPECT_TRUE(std::isnan(y[1]));
  EXPECT_GE(y[2], std::numeric_limits<float>::min());
  EXPECT_EQ(bitsOf(y[3]), bitsOf(0.0f));
  EXPECT_EQ(bitsOf(y[4]), bitsOf(0.0f));
  EXPECT_NEAR(y[5], 1.0, 1e-4);
  EXPECT_NEAR(y[6], 0.36787944117144233, 0.36787944117144233 * 1e-4);
}

TEST(VectorExpWeightsTest, UnsaturatedExpEqualsTheExpUpTo88) {
  // The f32 micro-kernels' exp drops only the saturation to +inf: bitwise
  // the AVX-512 exp for every x <= 88.72 (every 61st f32 of [-100, 88.72],
  // and -inf and NaN).
  if (!expWeightsAvailable() || !expPathAvailable(ExpPath::Avx512))
    GTEST_SKIP() << "this CPU has no AVX-512";
  std::vector<float> x = stridedFloats(-100.0f, 0x1.62e42ep+6f, 61);
  x.push_back(-kInf);
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  std::vector<float> want = x, got = x;
  expInPlaceWith(ExpPath::Avx512, want.data(), (int64_t)want.size());
  expUnsaturatedInPlace(got.data(), (int64_t)got.size());
  size_t differ = 0;
  for (size_t i = 0; i < x.size(); ++i)
    differ += bitsOf(want[i]) != bitsOf(got[i]);
  EXPECT_EQ(differ, 0u) << "of " << x.size() << " values";
  EXPECT_GT(x.size(), 30000000u);
}
