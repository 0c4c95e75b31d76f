//===- GemmBf16Test.cpp - bf16 GEMM with a prepacked B --------------------===//
//
// gemmBf16 against a double-precision GEMM of the same inputs rounded to
// bf16 by this file's own rounding (round to nearest even on the bits, not
// heed::floatToBf16): the products of bf16 values are exact, so the only
// difference is the f32 accumulation, bounded here by 1e-5 of
// sum_k |a| |b| per element. FmaF32A keeps f32 A unrounded: its reference
// is f32 A times bf16 B, the same tolerance. Every kernel this CPU runs
// (Fma, Dot, FmaF32A) is checked; on a CPU without AVX-512 the tests skip.
//
//===----------------------------------------------------------------------===//

#include "../../../runtime/kernels/cpu/GemmBf16.h"

#include "RuntimeTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace heed::rt;
using heed::test::randomFloats;

namespace {

/// Round to nearest even bf16 (finite and infinite values; the tests feed
/// no NaN through the reference).
uint16_t bf16Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t rest = u & 0xFFFFu, keep = u >> 16;
  if (rest > 0x8000u || (rest == 0x8000u && (keep & 1u)))
    ++keep;
  return (uint16_t)keep;
}

float bf16Value(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float roundBf16(float f) { return bf16Value(bf16Bits(f)); }

std::vector<uint16_t> toBits(const std::vector<float> &x) {
  std::vector<uint16_t> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = bf16Bits(x[i]);
  return y;
}

std::vector<GemmBf16Kernel> kernels() {
  std::vector<GemmBf16Kernel> k;
  for (GemmBf16Kernel kernel :
       {GemmBf16Kernel::Fma, GemmBf16Kernel::Dot, GemmBf16Kernel::FmaF32A})
    if (gemmBf16KernelAvailable(kernel))
      k.push_back(kernel);
  return k;
}

/// kernels() with Fma also under the integer rounding of f32 A
/// (detail::setGemmBf16CvtRounding(false)).
std::vector<std::pair<GemmBf16Kernel, bool>> kernelsAndRoundings() {
  std::vector<std::pair<GemmBf16Kernel, bool>> k;
  for (GemmBf16Kernel kernel : kernels()) {
    k.push_back({kernel, true});
    if (kernel == GemmBf16Kernel::Fma)
      k.push_back({kernel, false});
  }
  return k;
}

const char *kernelName(GemmBf16Kernel k) {
  return k == GemmBf16Kernel::Fma       ? "fma"
         : k == GemmBf16Kernel::Dot     ? "dot"
         : k == GemmBf16Kernel::FmaF32A ? "fma_f32a"
                                        : "auto";
}

#define SKIP_WITHOUT_AVX512()                                                  \
  do {                                                                         \
    if (!gemmBf16Available())                                                  \
      GTEST_SKIP() << "this CPU lacks AVX-512F/BW: gemmBf16 does not run";     \
  } while (0)

struct Case {
  int64_t M, K, N;
  bool aBf16 = false, bBf16 = false;
  /// B's source is W[N][K] (kStride 1, PyTorch) or W^T[K][N] (nStride 1).
  bool bRowMajorKN = false;
  int64_t n0 = 0, nCount = -1; // -1: N - n0
  int64_t aPad = 0, cPad = 0;  // extra row stride of A and C
};

std::string describe(const Case &c, GemmBf16Kernel k) {
  return std::string(kernelName(k)) + " M=" + std::to_string(c.M) +
         " K=" + std::to_string(c.K) + " N=" + std::to_string(c.N) +
         " n0=" + std::to_string(c.n0) + (c.aBf16 ? " A bf16" : " A f32") +
         (c.bBf16 ? " B bf16" : " B f32") +
         (c.bRowMajorKN ? " B[K][N]" : " B[N][K]");
}

/// Runs \p c with kernel \p k and compares against the double reference;
/// also checks that C's padding columns are untouched.
void check(const Case &c, GemmBf16Kernel k) {
  SCOPED_TRACE(describe(c, k));
  const int64_t nCount = c.nCount < 0 ? c.N - c.n0 : c.nCount;
  const int64_t lda = c.K + c.aPad, ldc = nCount + c.cPad;
  std::vector<float> a = randomFloats(c.M * lda, 3 + c.M + 7 * c.K);
  std::vector<float> w = randomFloats(c.K * c.N, 11 + c.N + 5 * c.K);
  // Element (k, n) of B: w[n * K + k] or w[k * N + n].
  const int64_t kStride = c.bRowMajorKN ? c.N : 1;
  const int64_t nStride = c.bRowMajorKN ? 1 : c.K;
  std::vector<uint16_t> a16 = toBits(a), w16 = toBits(w);

  PackedBf16Matrix B(c.bBf16 ? (const void *)w16.data() : w.data(),
                     c.bBf16 ? HEED_BF16 : HEED_F32, c.K, c.N, kStride,
                     nStride);
  ASSERT_EQ(B.rows(), c.K);
  ASSERT_EQ(B.cols(), c.N);

  const float sentinel = -12345.0f;
  std::vector<float> C(c.M * ldc, sentinel);
  gemmBf16(c.aBf16 ? (const void *)a16.data() : a.data(),
           c.aBf16 ? HEED_BF16 : HEED_F32, c.M, lda, B, c.n0, nCount, C.data(),
           ldc, k);

  // FmaF32A reads f32 A unrounded (bf16 A is exact either way).
  const bool roundA = k != GemmBf16Kernel::FmaF32A;
  int64_t bad = 0;
  for (int64_t m = 0; m < c.M; ++m) {
    for (int64_t n = 0; n < nCount; ++n) {
      double sum = 0, mag = 0;
      for (int64_t kk = 0; kk < c.K; ++kk) {
        double x =
            roundA || c.aBf16 ? roundBf16(a[m * lda + kk]) : a[m * lda + kk];
        double y = roundBf16(w[kk * kStride + (c.n0 + n) * nStride]);
        sum += x * y;
        mag += std::fabs(x * y);
      }
      double got = C[m * ldc + n];
      if (!(std::fabs(got - sum) <= 1e-5 * mag + 1e-30) && bad++ < 5)
        ADD_FAILURE() << "C[" << m << "][" << n << "] = " << got
                      << ", expected " << sum << " (sum |ab| = " << mag << ")";
    }
    for (int64_t n = nCount; n < ldc; ++n)
      if (C[m * ldc + n] != sentinel && bad++ < 5)
        ADD_FAILURE() << "C[" << m << "][" << n << "] (padding) written";
  }
  EXPECT_EQ(bad, 0);
}

TEST(GemmBf16, SizesAgainstReference) {
  SKIP_WITHOUT_AVX512();
  for (GemmBf16Kernel k : kernels())
    for (int64_t K : {1, 3, 64, 768})
      for (int64_t M : {1, 13, 16, 64, 65, 100})
        for (int64_t N : {1, 17, 32, 33, 128, 129})
          check({M, K, N}, k);
}

/// Fma's rounding of f32 A with integer operations (CPUs without
/// AVX512_BF16), which SizesAgainstReference does not reach where
/// vcvtne2ps2bf16 exists (the exact and non-finite tests run both).
TEST(GemmBf16, IntegerRoundingOfA) {
  SKIP_WITHOUT_AVX512();
  detail::setGemmBf16CvtRounding(false);
  for (int64_t K : {1, 3, 64, 768})
    for (int64_t M : {1, 13, 65})
      for (int64_t N : {17, 129})
        check({M, K, N}, GemmBf16Kernel::Fma);
  detail::setGemmBf16CvtRounding(true);
}

/// FmaF32A reads A in place: every row count of its register block and
/// the balanced blocks around it (14, 15, 28, 29 rows), K with partial
/// chunks and an odd tail after whole K blocks of 256, padded lda and ldc,
/// and column ranges starting at later panels. With lda = K (odd M) A
/// ends exactly at its last element, so the sanitizer builds catch a read
/// past K.
TEST(GemmBf16, F32AInPlace) {
  SKIP_WITHOUT_AVX512();
  for (int64_t K : {2, 31, 33, 300, 513})
    for (int64_t M : {1, 5, 11, 14, 15, 28, 29})
      for (auto [n0, nCount] :
           {std::pair<int64_t, int64_t>{0, 129}, {32, 97}, {96, 16}}) {
        Case c{M, K, 129};
        c.n0 = n0;
        c.nCount = nCount;
        c.aPad = M % 2 ? 0 : 3;
        c.cPad = M % 2 ? 5 : 0;
        check(c, GemmBf16Kernel::FmaF32A);
      }
}

/// gemmBf16PreferredF32AKernel: Dot where Dot is preferred, else FmaF32A.
TEST(GemmBf16, PreferredF32AKernel) {
  SKIP_WITHOUT_AVX512();
  GemmBf16Kernel k = gemmBf16PreferredF32AKernel();
  EXPECT_EQ(k, gemmBf16PreferredKernel() == GemmBf16Kernel::Dot
                   ? GemmBf16Kernel::Dot
                   : GemmBf16Kernel::FmaF32A);
  EXPECT_TRUE(gemmBf16KernelAvailable(k));
  std::printf("gemmBf16PreferredF32AKernel: %s\n", kernelName(k));
}

TEST(GemmBf16, Bf16AndLayouts) {
  SKIP_WITHOUT_AVX512();
  for (GemmBf16Kernel k : kernels())
    for (int64_t K : {3, 64, 768})
      for (int64_t M : {1, 13, 65})
        for (int64_t N : {17, 129})
          for (int variant = 1; variant < 8; ++variant) {
            Case c{M, K, N};
            c.aBf16 = variant & 1;
            c.bBf16 = variant & 2;
            c.bRowMajorKN = variant & 4;
            check(c, k);
          }
}

TEST(GemmBf16, ColumnSlicesAndStrides) {
  SKIP_WITHOUT_AVX512();
  for (GemmBf16Kernel k : kernels()) {
    for (int64_t K : {3, 768}) {
      for (int64_t M : {1, 16, 65}) {
        // Slices of a 129-column B that start at later panels.
        for (auto [n0, nCount] : {std::pair<int64_t, int64_t>{32, 97},
                                  {64, 33},
                                  {96, 17},
                                  {128, 1},
                                  {32, 32}}) {
          Case c{M, K, 129};
          c.n0 = n0;
          c.nCount = nCount;
          c.aPad = 5;
          c.cPad = 3;
          check(c, k);
          c.aBf16 = c.bBf16 = c.bRowMajorKN = true;
          check(c, k);
        }
      }
    }
  }
}

/// Sums that f32 holds exactly must come out exactly, whatever the kernel:
/// this pins the layout (each element times the right one) without any
/// tolerance. A's entries 1 + 2^-8 and 1 + 3 * 2^-8 are ties that round to
/// even (1 and 1 + 2^-6), except under FmaF32A, which keeps them.
TEST(GemmBf16, ExactSmallIntegersAndTies) {
  SKIP_WITHOUT_AVX512();
  const int64_t M = 30, K = 37, N = 45;
  std::vector<float> a(M * K), w(N * K);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K; ++k)
      a[m * K + k] = (float)((m * 7 + k * 3) % 9) - 4.0f;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      w[n * K + k] = (float)((n * 5 + k) % 7) - 3.0f;
  a[2 * K + 5] = 1.0f + 1.0f / 256;  // rounds to 1
  a[3 * K + 36] = 1.0f + 3.0f / 256; // rounds to 1 + 1/64
  w[7 * K + 36] = 64.0f;             // so that 1/64 is an integer
  for (auto [kernel, cvt] : kernelsAndRoundings()) {
    SCOPED_TRACE(std::string(kernelName(kernel)) + (cvt ? "" : " integer"));
    detail::setGemmBf16CvtRounding(cvt);
    PackedBf16Matrix B(w.data(), HEED_F32, K, N, 1, K);
    std::vector<float> C(M * N);
    gemmBf16(a.data(), HEED_F32, M, K, B, 0, N, C.data(), N, kernel);
    detail::setGemmBf16CvtRounding(true);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double sum = 0;
        for (int64_t k = 0; k < K; ++k) {
          double x = a[m * K + k];
          if (m == 2 && k == 5 && kernel != GemmBf16Kernel::FmaF32A)
            x = 1.0;
          if (m == 3 && k == 36 && kernel != GemmBf16Kernel::FmaF32A)
            x = 1.0 + 1.0 / 64;
          sum += x * w[n * K + k];
        }
        ASSERT_EQ(C[m * N + n], (float)sum) << "C[" << m << "][" << n << "]";
      }
  }
}

TEST(GemmBf16, NonFiniteValuesPropagate) {
  SKIP_WITHOUT_AVX512();
  const int64_t M = 3, K = 40, N = 20;
  std::vector<float> a(M * K, 0.5f), w(N * K, 0.25f);
  a[1 * K + 7] = std::numeric_limits<float>::quiet_NaN();
  a[2 * K + 33] = std::numeric_limits<float>::infinity();
  PackedBf16Matrix B(w.data(), HEED_F32, K, N, 1, K);
  for (auto [kernel, cvt] : kernelsAndRoundings()) {
    SCOPED_TRACE(std::string(kernelName(kernel)) + (cvt ? "" : " integer"));
    detail::setGemmBf16CvtRounding(cvt);
    std::vector<float> C(M * N);
    gemmBf16(a.data(), HEED_F32, M, K, B, 0, N, C.data(), N, kernel);
    detail::setGemmBf16CvtRounding(true);
    for (int64_t n = 0; n < N; ++n) {
      EXPECT_EQ(C[n], 0.5f * 0.25f * K);
      EXPECT_TRUE(std::isnan(C[N + n]));
      EXPECT_EQ(C[2 * N + n], std::numeric_limits<float>::infinity());
    }
  }
}

TEST(GemmBf16, EmptyAndPacking) {
  SKIP_WITHOUT_AVX512();
  std::vector<float> w(70 * 33, 1.0f);
  PackedBf16Matrix B(w.data(), HEED_F32, 70, 33, 1, 70);
  EXPECT_EQ(B.rows(), 70);
  EXPECT_EQ(B.cols(), 33);
  // 2 panels x 48 pairs (70 k -> 35 pairs -> 3 chunks of 16) x 32 words.
  EXPECT_EQ(B.bytes(), (size_t)2 * 48 * 32 * 4);
  EXPECT_EQ((uintptr_t)B.panel(1) % 64, 0u);
  // M = 0 or nCount = 0 writes nothing.
  float c = 7.0f;
  gemmBf16(w.data(), HEED_F32, 0, 70, B, 0, 33, &c, 33);
  gemmBf16(w.data(), HEED_F32, 1, 70, B, 32, 0, &c, 1);
  EXPECT_EQ(c, 7.0f);
  // K = 0: C = 0.
  PackedBf16Matrix empty(w.data(), HEED_F32, 0, 5, 1, 1);
  std::vector<float> C(2 * 5, 7.0f);
  gemmBf16(w.data(), HEED_F32, 2, 0, empty, 0, 5, C.data(), 5);
  for (float x : C)
    EXPECT_EQ(x, 0.0f);
  EXPECT_THROW(PackedBf16Matrix(w.data(), HEED_I32, 2, 2, 1, 2),
               std::invalid_argument);
}

TEST(GemmBf16, PreferredKernelRuns) {
  SKIP_WITHOUT_AVX512();
  GemmBf16Kernel k = gemmBf16PreferredKernel();
  EXPECT_NE(k, GemmBf16Kernel::Auto);
  EXPECT_TRUE(gemmBf16KernelAvailable(k));
  std::printf("gemmBf16PreferredKernel: %s (Dot %savailable)\n", kernelName(k),
              gemmBf16KernelAvailable(GemmBf16Kernel::Dot) ? "" : "not ");
}

} // namespace
