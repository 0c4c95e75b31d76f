//===- LinalgTest.cpp - Tests of matmul and linear ------------------------===//
//
// Small integer-valued products, so every expectation is exact in f32 and is
// checked with EXPECT_EQ; the arithmetic is written out in the comments.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

using namespace heed;
using namespace heed::ref;

namespace {

using Data = std::vector<Scalar>;

Tensor f32(Shape shape, Data data) {
  return Tensor(DType::F32, std::move(shape), std::move(data));
}

//===--- matmul -----------------------------------------------------------===//

TEST(MatmulTest, TwoByThreeTimesThreeByTwo) {
  // [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]]:
  // (0,0) = 1*7 + 2*9 + 3*11 = 7 + 18 + 33 = 58
  // (0,1) = 1*8 + 2*10 + 3*12 = 8 + 20 + 36 = 64
  // (1,0) = 4*7 + 5*9 + 6*11 = 28 + 45 + 66 = 139
  // (1,1) = 4*8 + 5*10 + 6*12 = 32 + 50 + 72 = 154
  Tensor y = matmul(f32({2, 3}, {1, 2, 3, 4, 5, 6}),
                    f32({3, 2}, {7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(y.dtype, DType::F32);
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(y.data, (Data{58, 64, 139, 154}));
}

TEST(MatmulTest, BatchedSameBatch) {
  // Two independent 1x2 @ 2x1 products:
  // {1,2}.{3,4} = 3 + 8 = 11; {5,6}.{7,8} = 35 + 48 = 83.
  Tensor y = matmul(f32({2, 1, 2}, {1, 2, 5, 6}), f32({2, 2, 1}, {3, 4, 7, 8}));
  EXPECT_EQ(y.shape, (Shape{2, 1, 1}));
  EXPECT_EQ(y.data, (Data{11, 83}));
}

TEST(MatmulTest, RankTwoRightOperandBroadcastsOverBatch) {
  // a [2, 1, 2] = {1,2 | 3,4}, b [2, 1] = {10, 100} (no batch dims):
  // 1*10 + 2*100 = 210, 3*10 + 4*100 = 430.
  Tensor y = matmul(f32({2, 1, 2}, {1, 2, 3, 4}), f32({2, 1}, {10, 100}));
  EXPECT_EQ(y.shape, (Shape{2, 1, 1}));
  EXPECT_EQ(y.data, (Data{210, 430}));
}

TEST(MatmulTest, BatchDimsBroadcastBothWays) {
  // a [2, 1, 1, 2] has batch [2, 1]: a0 = {1, 2}, a1 = {3, 4}.
  // b [3, 2, 1] has batch [3]: b0 = {1, 0}, b1 = {0, 1}, b2 = {1, 1}.
  // Batch [2, 1] with [3] -> [2, 3]; out[i][j] = a_i . b_j:
  // a0: 1, 2, 3; a1: 3, 4, 7.
  Tensor y = matmul(f32({2, 1, 1, 2}, {1, 2, 3, 4}),
                    f32({3, 2, 1}, {1, 0, 0, 1, 1, 1}));
  EXPECT_EQ(y.shape, (Shape{2, 3, 1, 1}));
  EXPECT_EQ(y.data, (Data{1, 2, 3, 3, 4, 7}));
}

TEST(MatmulTest, AttentionScoresShape) {
  // q [1, 2, 1, 2] (two heads, one query) times k^T [1, 2, 2, 3]:
  // head 0: {1, 0} x [[1,2,3],[4,5,6]] = {1, 2, 3};
  // head 1: {0, 2} x [[1,1,1],[0,1,2]] = {0, 2, 4}.
  Tensor y = matmul(f32({1, 2, 1, 2}, {1, 0, 0, 2}),
                    f32({1, 2, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 1, 1, 0, 1, 2}));
  EXPECT_EQ(y.shape, (Shape{1, 2, 1, 3}));
  EXPECT_EQ(y.data, (Data{1, 2, 3, 0, 2, 4}));
}

TEST(MatmulTest, BF16AccumulatesInDoubleAndRoundsOnce) {
  // bf16 spacing in [1, 2) is 2^-7 = 0.0078125. Row {1, 1} times column
  // {1, 0.005859375} (3 * 2^-9, exact in bf16): 1.005859375 is 0.75 of a step
  // above 1 -> 1.0078125. Row {1, 1} times {1, 2^-8}: 1.00390625 is a tie ->
  // even -> 1.
  Tensor a(DType::BF16, {1, 2}, {1, 1});
  Tensor b(DType::BF16, {2, 2}, {1, 1, 0.005859375, 0.00390625});
  Tensor y = matmul(a, b);
  EXPECT_EQ(y.dtype, DType::BF16);
  EXPECT_EQ(y.data, (Data{1.0078125, 1.0}));
}

TEST(MatmulTest, MismatchedContractionThrows) {
  EXPECT_THROW(matmul(f32({2, 3}, Data(6, 1)), f32({2, 2}, Data(4, 1))),
               KernelError);
  EXPECT_THROW(matmul(f32({3}, Data(3, 1)), f32({3, 1}, Data(3, 1))),
               KernelError);
}

//===--- linear -----------------------------------------------------------===//

TEST(LinearTest, WithBias) {
  // x [[1,2,3],[4,5,6]], weight [[1,0,-1],[0.5,0.5,0.5]], bias {10, 20}:
  // row 0: 1 - 3 + 10 = 8;   0.5 * (1+2+3) + 20 = 3 + 20 = 23
  // row 1: 4 - 6 + 10 = 8;   0.5 * (4+5+6) + 20 = 7.5 + 20 = 27.5
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = f32({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5});
  Tensor b = f32({2}, {10, 20});
  Tensor y = linear(x, w, &b);
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(y.data, (Data{8, 23, 8, 27.5}));
}

TEST(LinearTest, WithoutBias) {
  // Same as above minus the bias: {-2, 3, -2, 7.5}.
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor w = f32({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5});
  EXPECT_EQ(linear(x, w, nullptr).data, (Data{-2, 3, -2, 7.5}));
}

TEST(LinearTest, LeadingDimsArePreserved) {
  // x [2, 1, 2] = {1,2 | 3,4}, weight [3, 2] = {1,0 | 0,1 | 1,1}:
  // {1,2} -> {1, 2, 3}; {3,4} -> {3, 4, 7}. out.shape = [2, 1, 3].
  Tensor y = linear(f32({2, 1, 2}, {1, 2, 3, 4}),
                    f32({3, 2}, {1, 0, 0, 1, 1, 1}), nullptr);
  EXPECT_EQ(y.shape, (Shape{2, 1, 3}));
  EXPECT_EQ(y.data, (Data{1, 2, 3, 3, 4, 7}));
}

TEST(LinearTest, MismatchedInFeaturesThrow) {
  EXPECT_THROW(
      linear(f32({1, 3}, Data(3, 1)), f32({2, 2}, Data(4, 1)), nullptr),
      KernelError);
}

} // namespace
