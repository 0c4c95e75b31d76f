//===- BroadcastTest.cpp - Tests of NumPy broadcasting --------------------===//
//
// Expected shapes follow the NumPy rule (align on the right; equal extents or
// an extent of 1); expected elements are worked out by hand in the comments.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

using namespace heed;
using namespace heed::ref;

namespace {

TEST(BroadcastShapesTest, EqualShapes) {
  EXPECT_EQ(broadcastShapes({2, 3}, {2, 3}), (Shape{2, 3}));
}

TEST(BroadcastShapesTest, TrailingAlignment) {
  // [2, 3] with [3]: [3] is read as [1, 3].
  EXPECT_EQ(broadcastShapes({2, 3}, {3}), (Shape{2, 3}));
  EXPECT_EQ(broadcastShapes({3}, {2, 3}), (Shape{2, 3}));
}

TEST(BroadcastShapesTest, OnesStretchBothWays) {
  // [4, 1, 3] with [2, 1] = [4, 1, 3] with [1, 2, 1] -> [4, 2, 3].
  EXPECT_EQ(broadcastShapes({4, 1, 3}, {2, 1}), (Shape{4, 2, 3}));
  // [2, 1] with [1, 3] -> [2, 3].
  EXPECT_EQ(broadcastShapes({2, 1}, {1, 3}), (Shape{2, 3}));
}

TEST(BroadcastShapesTest, Scalars) {
  EXPECT_EQ(broadcastShapes({}, {}), (Shape{}));
  EXPECT_EQ(broadcastShapes({}, {2, 5}), (Shape{2, 5}));
  EXPECT_EQ(broadcastShapes({1}, {}), (Shape{1}));
}

TEST(BroadcastShapesTest, ZeroExtentWithOne) {
  // An extent of 1 stretches to 0 as well (NumPy: (0,) with (1,) -> (0,)).
  EXPECT_EQ(broadcastShapes({0}, {1}), (Shape{0}));
}

TEST(BroadcastShapesTest, IncompatibleThrowsWithBothShapes) {
  try {
    broadcastShapes({2, 3}, {4});
    FAIL() << "expected KernelError";
  } catch (const KernelError &e) {
    EXPECT_STREQ(e.what(), "cannot broadcast [2, 3] with [4]");
  }
  EXPECT_THROW(broadcastShapes({2, 1}, {3, 1}), KernelError);
}

TEST(BroadcastToTest, RowVectorRepeatsDownRows) {
  // [3] -> [2, 3]: each row is a copy of {1, 2, 3}.
  Tensor x(DType::F32, {3}, {1, 2, 3});
  Tensor y = broadcastTo(x, {2, 3});
  EXPECT_EQ(y.dtype, DType::F32);
  EXPECT_EQ(y.shape, (Shape{2, 3}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{1, 2, 3, 1, 2, 3}));
}

TEST(BroadcastToTest, ColumnVectorRepeatsAcrossColumns) {
  // [2, 1] -> [2, 3]: row i is three copies of x[i].
  Tensor x(DType::I64, {2, 1}, {7, 8});
  Tensor y = broadcastTo(x, {2, 3});
  EXPECT_EQ(y.dtype, DType::I64);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{7, 7, 7, 8, 8, 8}));
}

TEST(BroadcastToTest, MiddleOneAndNewLeadingDim) {
  // x [2, 1, 2] = {{1, 2}}, {{3, 4}} read as [1, 2, 1, 2] against
  // [3, 2, 2, 2]: out[r][i][j][k] = x[i][0][k]. The middle 1 repeats each
  // pair twice ({1,2,1,2,3,4,3,4}) and the new leading 3 copies that block
  // three times.
  Tensor x(DType::F32, {2, 1, 2}, {1, 2, 3, 4});
  Tensor y = broadcastTo(x, {3, 2, 2, 2});
  ASSERT_EQ(y.shape, (Shape{3, 2, 2, 2}));
  std::vector<double> once = {1, 2, 1, 2, 3, 4, 3, 4};
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(y.data[r * 8 + i], once[i]) << "at " << r * 8 + i;
}

TEST(BroadcastToTest, ScalarFills) {
  Tensor x(DType::F32, {}, {2.5});
  Tensor y = broadcastTo(x, {2, 2});
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{2.5, 2.5, 2.5, 2.5}));
}

TEST(BroadcastToTest, SameShapeIsACopy) {
  Tensor x(DType::F32, {2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(broadcastTo(x, {2, 2}).data, x.data);
}

TEST(BroadcastToTest, IncompatibleThrows) {
  Tensor x(DType::F32, {3}, {1, 2, 3});
  try {
    broadcastTo(x, {2, 4});
    FAIL() << "expected KernelError";
  } catch (const KernelError &e) {
    EXPECT_STREQ(e.what(), "cannot broadcast [3] to [2, 4]");
  }
  // A target of lower rank cannot hold the operand.
  Tensor m(DType::F32, {2, 3});
  EXPECT_THROW(broadcastTo(m, {3}), KernelError);
}

} // namespace
