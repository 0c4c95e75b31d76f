//===- NormalizationTest.cpp - softmax, norms, reduce, top-k, cumsum -----===//
//
// Expected values are worked out by hand in the comments; the exponentials
// and logarithms were evaluated with /usr/bin/python3 (math / numpy) to 7+
// digits. f32 results are the double result rounded to float (relative error
// <= 2^-24 ~ 6e-8), so values of order 1 are compared with 1e-6; expected
// values that are exact in the dtype are compared with EXPECT_EQ.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace heed;
using namespace heed::ref;

namespace {

using Data = std::vector<Scalar>;

constexpr double kF32Tol = 1e-6;
const double kInf = std::numeric_limits<double>::infinity();

Tensor f32(Shape shape, Data data) {
  return Tensor(DType::F32, std::move(shape), std::move(data));
}

void expectNear(const Tensor &t, const Data &expected, double tol) {
  ASSERT_EQ(t.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.data[i], expected[i], tol) << "at flat index " << i;
}

//===--- softmax / logSoftmax ---------------------------------------------===//

TEST(SoftmaxTest, OneRow) {
  // softmax([1,2,3]) = e^i / (e + e^2 + e^3) = 0.0900306, 0.2447285, 0.6652410
  // (= e^-2, e^-1, 1 over 1 + e^-1 + e^-2 = 1.5032147).
  Tensor y = softmax(f32({3}, {1, 2, 3}), 0);
  EXPECT_EQ(y.dtype, DType::F32);
  expectNear(y, {0.0900306, 0.2447285, 0.6652410}, kF32Tol);
}

TEST(SoftmaxTest, NegativeAxisIsTheLastAxis) {
  // Each row of [2, 3] separately: row 0 as above, row 1 = {0, 0, 0} -> 1/3.
  Tensor x = f32({2, 3}, {1, 2, 3, 0, 0, 0});
  Tensor y = softmax(x, -1);
  expectNear(y, {0.0900306, 0.2447285, 0.6652410, 1.0 / 3, 1.0 / 3, 1.0 / 3},
             kF32Tol);
  EXPECT_EQ(softmax(x, 1).data, y.data);
}

TEST(SoftmaxTest, AlongAxis0) {
  // x [2, 2] = [[0, 0], [ln 3, 0]]; column 0: {e^0, e^ln3} = {1, 3} / 4 =
  // {0.25, 0.75}; column 1: {1, 1} / 2 = {0.5, 0.5}. (ln 3 is rounded to f32,
  // which moves the result by < 1e-7.)
  Tensor y = softmax(f32({2, 2}, {0, 0, std::log(3.0), 0}), 0);
  expectNear(y, {0.25, 0.5, 0.75, 0.5}, kF32Tol);
}

TEST(SoftmaxTest, LargeValuesDoNotOverflow) {
  // Max subtraction: softmax([1000, 1000, 999]) = softmax([0, 0, -1])
  // = {1, 1, e^-1} / (2 + 0.3678794) = 0.4223188, 0.4223188, 0.1553624.
  expectNear(softmax(f32({3}, {1000, 1000, 999}), 0),
             {0.4223188, 0.4223188, 0.1553624}, kF32Tol);
}

TEST(SoftmaxTest, MaskedEntriesAndFullyMaskedRow) {
  // Row 0 = {0, -inf, 0}: e^-inf = 0, so {0.5, 0, 0.5}.
  // Row 1 all -inf: fully masked, zeros (never NaN).
  Tensor x = f32({2, 3}, {0, -kInf, 0, -kInf, -kInf, -kInf});
  Tensor y = softmax(x, 1);
  EXPECT_EQ(y.data, (Data{0.5, 0, 0.5, 0, 0, 0}));
}

TEST(SoftmaxTest, F16ResultIsRounded) {
  // softmax of three equal values is 1/3; in f16, 1/3 = 1.333 * 2^-2 with
  // 0.333 * 1024 = 341.3 -> 341 mantissa: (1365 / 1024) / 4 = 0.333251953125.
  Tensor y = softmax(Tensor(DType::F16, {3}, {2, 2, 2}), 0);
  EXPECT_EQ(y.dtype, DType::F16);
  EXPECT_EQ(y.data, (Data{0.333251953125, 0.333251953125, 0.333251953125}));
}

TEST(LogSoftmaxTest, OneRow) {
  // log softmax([1,2,3]) = x - 3 - ln(1 + e^-1 + e^-2) = x - 3 - 0.4076060
  // = -2.4076060, -1.4076060, -0.4076060.
  expectNear(logSoftmax(f32({3}, {1, 2, 3}), -1),
             {-2.4076060, -1.4076060, -0.4076060}, kF32Tol);
}

TEST(LogSoftmaxTest, LargeValuesAndFullyMaskedRow) {
  // Row 0 = {1000, 1000}: ln(1/2) = -0.6931472 each, no overflow.
  // Row 1 all -inf: probabilities are 0, whose log is -inf (no NaN).
  Tensor y = logSoftmax(f32({2, 2}, {1000, 1000, -kInf, -kInf}), 1);
  EXPECT_NEAR(y.data[0], -0.6931472, kF32Tol);
  EXPECT_NEAR(y.data[1], -0.6931472, kF32Tol);
  EXPECT_EQ(y.data[2], -kInf);
  EXPECT_EQ(y.data[3], -kInf);
}

//===--- layerNorm / rmsNorm / batchNorm ----------------------------------===//

TEST(LayerNormTest, KnownMeanAndVariance) {
  // Row {1, 2, 3, 4}: mean 2.5, deviations {-1.5, -0.5, 0.5, 1.5}, biased
  // variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, sqrt(1.25) = 1.1180340;
  // with eps = 0: +-1.5 / 1.1180340 = +-1.3416408, +-0.5 / 1.1180340 =
  // +-0.4472136.
  Tensor y = layerNorm(f32({1, 4}, {1, 2, 3, 4}), nullptr, nullptr, 0.0);
  expectNear(y, {-1.3416408, -0.4472136, 0.4472136, 1.3416408}, kF32Tol);
}

TEST(LayerNormTest, EpsWeightAndBiasPerRow) {
  // Row 0 {1, 3}: mean 2, variance 1; eps 3 -> sqrt(4) = 2 -> {-0.5, 0.5};
  // * w {2, 1} -> {-1, 0.5}; + b {1, -1} -> {0, -0.5}.
  // Row 1 {10, 10}: mean 10, variance 0 -> {0, 0} -> bias only {1, -1}.
  Tensor w = f32({2}, {2, 1});
  Tensor b = f32({2}, {1, -1});
  Tensor y = layerNorm(f32({2, 2}, {1, 3, 10, 10}), &w, &b, 3.0);
  EXPECT_EQ(y.data, (Data{0, -0.5, 1, -1}));
  // Weight only: {-1, 0.5, 0, 0}.
  EXPECT_EQ(layerNorm(f32({2, 2}, {1, 3, 10, 10}), &w, nullptr, 3.0).data,
            (Data{-1, 0.5, 0, 0}));
}

TEST(LayerNormTest, Rank3NormalisesOnlyTheLastDim) {
  // [2, 1, 2] rows {0, 2} and {5, 7}: both have variance 1 around their own
  // mean, so with eps 0 each gives {-1, 1}.
  Tensor y = layerNorm(f32({2, 1, 2}, {0, 2, 5, 7}), nullptr, nullptr, 0.0);
  EXPECT_EQ(y.shape, (Shape{2, 1, 2}));
  EXPECT_EQ(y.data, (Data{-1, 1, -1, 1}));
}

TEST(RmsNormTest, KnownRootMeanSquare) {
  // Row {1, 7}: mean(x^2) = (1 + 49) / 2 = 25, rms 5 -> {0.2, 1.4};
  // * w {10, 0.5} -> {2, 0.7}.
  Tensor w = f32({2}, {10, 0.5});
  expectNear(rmsNorm(f32({1, 2}, {1, 7}), &w, 0.0), {2, 0.7}, kF32Tol);
  // Row {3, 4}: mean(x^2) = 12.5, sqrt = 3.5355339 -> {0.8485281, 1.1313708}.
  expectNear(rmsNorm(f32({2}, {3, 4}), nullptr, 0.0), {0.8485281, 1.1313708},
             kF32Tol);
}

TEST(RmsNormTest, EpsIsAddedInsideTheRoot) {
  // Row {1, 7} with eps 11: sqrt(25 + 11) = 6 -> {1/6, 7/6} =
  // {0.1666667, 1.1666667}.
  expectNear(rmsNorm(f32({2}, {1, 7}), nullptr, 11.0), {0.1666667, 1.1666667},
             kF32Tol);
}

TEST(BatchNormTest, PerChannelStatistics) {
  // x [1, 2, 2] (N = 1, C = 2, two positions): channel 0 = {1, 3}, channel 1
  // = {10, 20}. mean {2, 15}, var {3, 24}, eps 1 -> std {2, 5};
  // w {1, 2}, b {0, 1}.
  // channel 0: (1 - 2) / 2 = -0.5, (3 - 2) / 2 = 0.5 (w 1, b 0).
  // channel 1: (10 - 15) / 5 = -1 -> -1 * 2 + 1 = -1;
  //            (20 - 15) / 5 = 1 -> 1 * 2 + 1 = 3.
  Tensor x = f32({1, 2, 2}, {1, 3, 10, 20});
  Tensor w = f32({2}, {1, 2}), b = f32({2}, {0, 1});
  Tensor mean = f32({2}, {2, 15}), var = f32({2}, {3, 24});
  Tensor y = batchNorm(x, w, b, mean, var, 1.0);
  EXPECT_EQ(y.data, (Data{-0.5, 0.5, -1, 3}));
}

TEST(BatchNormTest, NCHWWithTwoImages) {
  // x [2, 2, 1, 1]: image 0 = {c0: 4, c1: 4}, image 1 = {c0: 0, c1: 9}.
  // mean {2, 5}, var {4, 16}, eps 0 -> std {2, 4}, w {1, 1}, b {0, 0}:
  // (4-2)/2 = 1, (4-5)/4 = -0.25, (0-2)/2 = -1, (9-5)/4 = 1.
  Tensor x = f32({2, 2, 1, 1}, {4, 4, 0, 9});
  Tensor one = f32({2}, {1, 1}), zero = f32({2}, {0, 0});
  Tensor y = batchNorm(x, one, zero, f32({2}, {2, 5}), f32({2}, {4, 16}), 0);
  EXPECT_EQ(y.shape, (Shape{2, 2, 1, 1}));
  EXPECT_EQ(y.data, (Data{1, -0.25, -1, 1}));
}

//===--- reduce -----------------------------------------------------------===//

TEST(ReduceTest, SumMeanMaxMinOfMatrix) {
  // x = [[1,2,3],[4,5,6]].
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  // Sum over rows (axis 0): {1+4, 2+5, 3+6} = {5, 7, 9}.
  Tensor s0 = reduce(ReduceKind::Sum, x, {0}, false);
  EXPECT_EQ(s0.shape, (Shape{3}));
  EXPECT_EQ(s0.data, (Data{5, 7, 9}));
  // Sum over columns: {6, 15}; keepDims -> shape [2, 1].
  Tensor s1 = reduce(ReduceKind::Sum, x, {1}, true);
  EXPECT_EQ(s1.shape, (Shape{2, 1}));
  EXPECT_EQ(s1.data, (Data{6, 15}));
  // Mean over columns: {6/3, 15/3} = {2, 5}.
  EXPECT_EQ(reduce(ReduceKind::Mean, x, {1}, false).data, (Data{2, 5}));
  // Max over rows {4, 5, 6}; min over columns {1, 4}.
  EXPECT_EQ(reduce(ReduceKind::Max, x, {0}, false).data, (Data{4, 5, 6}));
  EXPECT_EQ(reduce(ReduceKind::Min, x, {1}, false).data, (Data{1, 4}));
}

TEST(ReduceTest, AllAxes) {
  // 1 + 2 + ... + 6 = 21: rank 0 without keepDims, [1, 1] with it.
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor s = reduce(ReduceKind::Sum, x, {0, 1}, false);
  EXPECT_EQ(s.shape, (Shape{}));
  EXPECT_EQ(s.data, (Data{21}));
  Tensor k = reduce(ReduceKind::Mean, x, {0, 1}, true);
  EXPECT_EQ(k.shape, (Shape{1, 1}));
  EXPECT_EQ(k.data, (Data{3.5}));
}

TEST(ReduceTest, NonAdjacentAxes) {
  // x [2, 2, 2] = 0..7, x[i][j][k] = 4i + 2j + k; sum over axes {0, 2}:
  // j = 0: 0 + 1 + 4 + 5 = 10; j = 1: 2 + 3 + 6 + 7 = 18.
  Tensor x = f32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor s = reduce(ReduceKind::Sum, x, {0, 2}, false);
  EXPECT_EQ(s.shape, (Shape{2}));
  EXPECT_EQ(s.data, (Data{10, 18}));
  EXPECT_EQ(reduce(ReduceKind::Sum, x, {2, 0}, true).shape, (Shape{1, 2, 1}));
  // Max over {0, 2}: j = 0 -> 5, j = 1 -> 7.
  EXPECT_EQ(reduce(ReduceKind::Max, x, {0, 2}, false).data, (Data{5, 7}));
}

TEST(ReduceTest, BF16SumAccumulatesInDouble) {
  // {256, 1, 1} in bf16: the double sum 258 is exact in bf16 (spacing 2 in
  // [256, 512)). A bf16 accumulator would give 256 + 1 = 257 -> tie -> 256,
  // then 256 again.
  Tensor x(DType::BF16, {3}, {256, 1, 1});
  Tensor s = reduce(ReduceKind::Sum, x, {0}, false);
  EXPECT_EQ(s.dtype, DType::BF16);
  EXPECT_EQ(s.data, (Data{258}));
}

TEST(ReduceTest, IntegerMeanTruncates) {
  // mean {1, 2} = 1.5 -> 1 in i64.
  Tensor s =
      reduce(ReduceKind::Mean, Tensor(DType::I64, {2}, {1, 2}), {0}, false);
  EXPECT_EQ(s.dtype, DType::I64);
  EXPECT_EQ(s.data, (Data{1}));
}

TEST(ReduceTest, MaxOfMaskedRowIsMinusInf) {
  EXPECT_EQ(
      reduce(ReduceKind::Max, f32({2}, {-kInf, -kInf}), {0}, false).data[0],
      -kInf);
}

//===--- topK -------------------------------------------------------------===//

TEST(TopKTest, TiesKeepTheLowerIndexFirst) {
  // {1, 3, 3, 2}: the two largest are the 3s at indices 1 and 2 (1 first);
  // k = 3 adds the 2 at index 3.
  Tensor x = f32({4}, {1, 3, 3, 2});
  auto [v2, i2] = topK(x, 2, 0);
  EXPECT_EQ(v2.dtype, DType::F32);
  EXPECT_EQ(i2.dtype, DType::I64);
  EXPECT_EQ(v2.data, (Data{3, 3}));
  EXPECT_EQ(i2.data, (Data{1, 2}));
  auto [v3, i3] = topK(x, 3, -1);
  EXPECT_EQ(v3.data, (Data{3, 3, 2}));
  EXPECT_EQ(i3.data, (Data{1, 2, 3}));
}

TEST(TopKTest, AllEqualRowKeepsIndexOrder) {
  auto [v, i] = topK(f32({1, 4}, {7, 7, 7, 7}), 4, 1);
  EXPECT_EQ(v.data, (Data{7, 7, 7, 7}));
  EXPECT_EQ(i.data, (Data{0, 1, 2, 3}));
}

TEST(TopKTest, AlongAxis0) {
  // x [3, 2] = [[1,5],[4,5],[2,0]], k = 2 along axis 0:
  // column 0 = {1, 4, 2} -> values {4, 2} at rows {1, 2};
  // column 1 = {5, 5, 0} -> values {5, 5} at rows {0, 1} (tie: lower first).
  // Output [2, 2] row-major: values {4, 5, 2, 5}, indices {1, 0, 2, 1}.
  auto [v, i] = topK(f32({3, 2}, {1, 5, 4, 5, 2, 0}), 2, 0);
  EXPECT_EQ(v.shape, (Shape{2, 2}));
  EXPECT_EQ(v.data, (Data{4, 5, 2, 5}));
  EXPECT_EQ(i.data, (Data{1, 0, 2, 1}));
}

TEST(TopKTest, PerRowOfMatrixWithNegativeAxis) {
  // Rows {0.5, -1, 2} -> {2, 0.5} at {2, 0}; {-3, -2, -1} -> {-1, -2} at
  // {2, 1}.
  auto [v, i] = topK(f32({2, 3}, {0.5, -1, 2, -3, -2, -1}), 2, -1);
  EXPECT_EQ(v.shape, (Shape{2, 2}));
  EXPECT_EQ(v.data, (Data{2, 0.5, -1, -2}));
  EXPECT_EQ(i.data, (Data{2, 0, 2, 1}));
}

TEST(TopKTest, NaNCountsAsLargest) {
  // torch.topk convention: NaN ranks above every number.
  // {1, NaN, 3} -> k = 2: NaN (index 1), then 3 (index 2).
  double nan = std::numeric_limits<double>::quiet_NaN();
  auto [v, i] = topK(f32({3}, {1, nan, 3}), 2, 0);
  EXPECT_TRUE(std::isnan(v.data[0]));
  EXPECT_EQ(v.data[1], 3);
  EXPECT_EQ(i.data, (Data{1, 2}));
}

TEST(TopKTest, KLargerThanExtentThrows) {
  EXPECT_THROW(topK(f32({3}, {1, 2, 3}), 4, 0), KernelError);
}

//===--- cumsum -----------------------------------------------------------===//

TEST(CumsumTest, AlongEachAxisOfMatrix) {
  // x = [[1, 2, 3], [4, 5, 6]]: along axis 1 the running sums of each row,
  // [[1, 3, 6], [4, 9, 15]]; along axis 0 of each column, [[1, 2, 3],
  // [5, 7, 9]]; axis -1 is axis 1.
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor rows = cumsum(x, 1);
  EXPECT_EQ(rows.shape, (Shape{2, 3}));
  EXPECT_EQ(rows.dtype, DType::F32);
  EXPECT_EQ(rows.data, (Data{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(cumsum(x, 0).data, (Data{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(cumsum(x, -1).data, rows.data);
}

TEST(CumsumTest, MiddleAxisOfRank3) {
  // x [2, 2, 2] = 0..7; along axis 1, x[a][1][c] += x[a][0][c]:
  // [[0, 1], [0+2, 1+3]], [[4, 5], [4+6, 5+7]].
  Tensor x = f32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(cumsum(x, 1).data, (Data{0, 1, 2, 4, 4, 5, 10, 12}));
}

TEST(CumsumTest, F32SumsInDoubleAndRoundsEachOnce) {
  // {1e8, 3, 3, 3} in f32 (spacing 8 at 1e8): the double sums 1e8,
  // 100000003, 100000006, 100000009 round to 1e8, 1e8, 100000008,
  // 100000008 (torch.cumsum gives the same); summing in f32 would stay at
  // 1e8, each 1e8 + 3 rounding back down.
  Tensor y = cumsum(f32({4}, {1e8, 3, 3, 3}), 0);
  EXPECT_EQ(y.data, (Data{1e8, 1e8, 100000008, 100000008}));
}

TEST(CumsumTest, IntegersAndNonFinite) {
  // i64 keeps its dtype: {5, -7, 2} -> {5, -2, 0}. A NaN poisons every sum
  // after it; inf - inf is NaN.
  Tensor n = cumsum(Tensor(DType::I64, {3}, {5, -7, 2}), 0);
  EXPECT_EQ(n.dtype, DType::I64);
  EXPECT_EQ(n.data, (Data{5, -2, 0}));
  double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor y = cumsum(f32({4}, {1, nan, 2, 3}), 0);
  EXPECT_EQ(y.data[0], 1);
  for (int i = 1; i < 4; ++i)
    EXPECT_TRUE(std::isnan(y.data[i])) << i;
  Tensor z = cumsum(f32({3}, {kInf, 1, -kInf}), 0);
  EXPECT_EQ(z.data[0], kInf);
  EXPECT_EQ(z.data[1], kInf);
  EXPECT_TRUE(std::isnan(z.data[2]));
}

TEST(CumsumTest, AxisOutOfRangeThrows) {
  EXPECT_THROW(cumsum(f32({3}, {1, 2, 3}), 1), KernelError);
}

} // namespace
