//===- ShapeTest.cpp - Tests of shape and data-movement kernels -----------===//
//
// Data movement is exact, so every expectation is an exact EXPECT_EQ, worked
// out by hand from the row-major layout (comments give the arithmetic).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace heed;
using namespace heed::ref;

namespace {

using Data = std::vector<Scalar>;

/// A tensor holding 0, 1, 2, ... in row-major order.
Tensor range(Shape shape, DType dtype = DType::F32) {
  Data data((size_t)numElements(shape));
  std::iota(data.begin(), data.end(), 0.0);
  return Tensor(dtype, std::move(shape), std::move(data));
}

/// Checks that calling \p f throws a KernelError whose message contains every
/// string in \p parts.
template <typename F>
void expectKernelError(F f, const std::vector<std::string> &parts) {
  try {
    f();
    ADD_FAILURE() << "expected KernelError";
  } catch (const KernelError &e) {
    std::string msg = e.what();
    for (const std::string &p : parts)
      EXPECT_NE(msg.find(p), std::string::npos)
          << "'" << msg << "' lacks '" << p << "'";
  }
}

//===--- transpose --------------------------------------------------------===//

TEST(TransposeTest, Matrix) {
  // [[0,1,2],[3,4,5]]^T = [[0,3],[1,4],[2,5]].
  Tensor y = transpose(range({2, 3}), {1, 0});
  EXPECT_EQ(y.shape, (Shape{3, 2}));
  EXPECT_EQ(y.data, (Data{0, 3, 1, 4, 2, 5}));
}

TEST(TransposeTest, Rank3Permutation) {
  // x [2, 3, 4] holds x[a][b][c] = 12a + 4b + c. perm {2, 0, 1}: out.shape =
  // [4, 2, 3] and out[i][j][k] = x[j][k][i] = 12j + 4k + i.
  Tensor y = transpose(range({2, 3, 4}), {2, 0, 1});
  ASSERT_EQ(y.shape, (Shape{4, 2, 3}));
  // First six elements: i = 0, (j, k) = (0,0),(0,1),(0,2),(1,0),(1,1),(1,2)
  // -> 0, 4, 8, 12, 16, 20.
  EXPECT_EQ(Data(y.data.begin(), y.data.begin() + 6),
            (Data{0, 4, 8, 12, 16, 20}));
  // out[3][1][2] = 12 + 8 + 3 = 23 (the last element);
  // out[1][1][0] = 12 + 0 + 1 = 13.
  EXPECT_EQ(y.at({3, 1, 2}), 23);
  EXPECT_EQ(y.at({1, 1, 0}), 13);
}

TEST(TransposeTest, SwapHeadsAndSequence) {
  // [B=1, L=2, H=2, D=1] -> [B, H, L, D] (perm {0, 2, 1, 3}): x = {l0h0,
  // l0h1, l1h0, l1h1} = {0, 1, 2, 3} becomes {h0l0, h0l1, h1l0, h1l1} =
  // {0, 2, 1, 3}.
  Tensor y = transpose(range({1, 2, 2, 1}), {0, 2, 1, 3});
  EXPECT_EQ(y.shape, (Shape{1, 2, 2, 1}));
  EXPECT_EQ(y.data, (Data{0, 2, 1, 3}));
}

TEST(TransposeTest, IdentityKeepsDType) {
  Tensor x = range({2, 2}, DType::I64);
  Tensor y = transpose(x, {0, 1});
  EXPECT_EQ(y.dtype, DType::I64);
  EXPECT_EQ(y.data, x.data);
}

//===--- reshape ----------------------------------------------------------===//

TEST(ReshapeTest, KeepsRowMajorOrder) {
  Tensor y = reshape(range({2, 3}), {3, 1, 2});
  EXPECT_EQ(y.shape, (Shape{3, 1, 2}));
  EXPECT_EQ(y.data, (Data{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(reshape(range({1}), {}).shape, (Shape{}));
}

TEST(ReshapeTest, ElementCountMismatchThrows) {
  EXPECT_THROW(reshape(range({2, 3}), {4}), KernelError);
}

//===--- concat / split ---------------------------------------------------===//

TEST(ConcatTest, AlongColumns) {
  // [[1,2],[3,4]] ++ [[5],[6]] along 1 = [[1,2,5],[3,4,6]].
  Tensor a(DType::F32, {2, 2}, {1, 2, 3, 4});
  Tensor b(DType::F32, {2, 1}, {5, 6});
  Tensor y = concat({a, b}, 1);
  EXPECT_EQ(y.shape, (Shape{2, 3}));
  EXPECT_EQ(y.data, (Data{1, 2, 5, 3, 4, 6}));
}

TEST(ConcatTest, AlongRowsOfThreeOperands) {
  // [1, 2] ++ [2, 2] ++ [1, 2] along 0 stacks the rows in order.
  Tensor a(DType::F32, {1, 2}, {1, 2});
  Tensor b(DType::F32, {2, 2}, {3, 4, 5, 6});
  Tensor c(DType::F32, {1, 2}, {7, 8});
  Tensor y = concat({a, b, c}, 0);
  EXPECT_EQ(y.shape, (Shape{4, 2}));
  EXPECT_EQ(y.data, (Data{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(ConcatTest, MiddleAxis) {
  // a = [2, 1, 2] {0,1 | 2,3}, b = [2, 2, 2] {10,11,12,13 | 14,15,16,17};
  // along 1, batch 0 is {0,1,10,11,12,13} and batch 1 {2,3,14,15,16,17}.
  Tensor a = range({2, 1, 2});
  Tensor b(DType::F32, {2, 2, 2}, {10, 11, 12, 13, 14, 15, 16, 17});
  Tensor y = concat({a, b}, 1);
  EXPECT_EQ(y.shape, (Shape{2, 3, 2}));
  EXPECT_EQ(y.data, (Data{0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17}));
}

TEST(ConcatTest, MismatchedShapesThrow) {
  EXPECT_THROW(concat({range({2, 2}), range({3, 3})}, 0), KernelError);
}

TEST(SplitTest, UnequalPiecesAlongColumns) {
  // x [2, 5] = {0..4 | 5..9}; sizes {2, 3} along 1:
  // first [2, 2] = {0,1,5,6}, second [2, 3] = {2,3,4,7,8,9}.
  std::vector<Tensor> parts = split(range({2, 5}), {2, 3}, 1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].shape, (Shape{2, 2}));
  EXPECT_EQ(parts[0].data, (Data{0, 1, 5, 6}));
  EXPECT_EQ(parts[1].shape, (Shape{2, 3}));
  EXPECT_EQ(parts[1].data, (Data{2, 3, 4, 7, 8, 9}));
}

TEST(SplitTest, NegativeAxisCountsFromTheEnd) {
  // axis -1 of a rank-2 tensor is axis 1: same result as above.
  std::vector<Tensor> parts = split(range({2, 5}), {2, 3}, -1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].data, (Data{0, 1, 5, 6}));
  EXPECT_EQ(parts[1].data, (Data{2, 3, 4, 7, 8, 9}));
}

TEST(SplitTest, ConcatUndoesSplit) {
  Tensor x = range({3, 4});
  std::vector<Tensor> parts = split(x, {1, 2}, 0);
  EXPECT_EQ(parts[0].data, (Data{0, 1, 2, 3}));
  EXPECT_EQ(concat(parts, 0).data, x.data);
}

TEST(SplitTest, SizesNotSummingToExtentThrow) {
  EXPECT_THROW(split(range({2, 5}), {2, 2}, 1), KernelError);
}

//===--- slice ------------------------------------------------------------===//

TEST(SliceTest, Strided) {
  // {0..5}[1:6:2] = {1, 3, 5}.
  Tensor y = slice(range({6}), 0, 1, 6, 2);
  EXPECT_EQ(y.shape, (Shape{3}));
  EXPECT_EQ(y.data, (Data{1, 3, 5}));
}

TEST(SliceTest, InnerAxisOfMatrix) {
  // x [2, 4] = {0,1,2,3 | 4,5,6,7}; columns 0:4:3 are 0 and 3:
  // {0, 3, 4, 7}. Columns 1:3:1 are {1,2 | 5,6}.
  EXPECT_EQ(slice(range({2, 4}), 1, 0, 4, 3).data, (Data{0, 3, 4, 7}));
  EXPECT_EQ(slice(range({2, 4}), 1, 1, 3, 1).data, (Data{1, 2, 5, 6}));
}

TEST(SliceTest, StepNotDividingTheRange) {
  // {0..6}[0:6:4] = {0, 4}: ceil(6 / 4) = 2 elements.
  EXPECT_EQ(slice(range({7}), 0, 0, 6, 4).data, (Data{0, 4}));
}

TEST(SliceTest, EmptyRange) {
  Tensor y = slice(range({2, 3}), 1, 2, 2, 1);
  EXPECT_EQ(y.shape, (Shape{2, 0}));
  EXPECT_TRUE(y.data.empty());
}

TEST(SliceTest, BadRangeThrows) {
  EXPECT_THROW(slice(range({4}), 0, 0, 5, 1), KernelError);
  EXPECT_THROW(slice(range({4}), 0, 0, 4, 0), KernelError);
}

//===--- gather / embedding -----------------------------------------------===//

TEST(GatherTest, RowsAlongAxis0) {
  // x [3, 2] = {0,1 | 2,3 | 4,5}; rows {2, 0} -> {4,5, 0,1}.
  Tensor idx(DType::I64, {2}, {2, 0});
  Tensor y = gather(range({3, 2}), idx, 0);
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(y.data, (Data{4, 5, 0, 1}));
}

TEST(GatherTest, IndexTensorShapeReplacesTheAxis) {
  // x [3, 2] along axis 1 with indices [2, 2] = {1, 0, -1, 0}: out.shape =
  // [3] + [2, 2] + [] and -1 counts from the end (-1 + 2 = 1), so row r reads
  // columns {1, 0, 1, 0}: {1,0,1,0 | 3,2,3,2 | 5,4,5,4}.
  Tensor idx(DType::I64, {2, 2}, {1, 0, -1, 0});
  Tensor y = gather(range({3, 2}), idx, 1);
  EXPECT_EQ(y.shape, (Shape{3, 2, 2}));
  EXPECT_EQ(y.data, (Data{1, 0, 1, 0, 3, 2, 3, 2, 5, 4, 5, 4}));
  // Negative axis: -1 is axis 1 here.
  EXPECT_EQ(gather(range({3, 2}), idx, -1).data, y.data);
}

TEST(GatherTest, ScalarIndexDropsTheAxis) {
  // numpy.take(x, 1, axis=0) on [3, 2]: shape [2], row 1 = {2, 3}.
  Tensor y = gather(range({3, 2}), Tensor(DType::I32, {}, {1}), 0);
  EXPECT_EQ(y.shape, (Shape{2}));
  EXPECT_EQ(y.data, (Data{2, 3}));
}

TEST(GatherTest, OutOfRangeThrowsNamingIndexAndExtent) {
  Tensor x = range({3, 2});
  expectKernelError([&] { gather(x, Tensor(DType::I64, {1}, {3}), 0); },
                    {"index 3", "extent 3"});
  // -4 + 3 = -1 is still out of range.
  expectKernelError([&] { gather(x, Tensor(DType::I64, {1}, {-4}), 0); },
                    {"index -4", "extent 3"});
}

//===--- scatter ----------------------------------------------------------===//

TEST(ScatterTest, AlongAxis0) {
  // x [3, 4] = 0..11, src [2, 4] = 100..107, index [2, 4] = {1, 0, 2, 0 |
  // 2, 2, 0, 1}, axis 0: out[index[i][j]][j] = src[i][j], so column 0 gets
  // row 1 = 100 and row 2 = 104, column 1 row 0 = 101 and row 2 = 105,
  // column 2 row 2 = 102 and row 0 = 106, column 3 row 0 = 103 and row 1 =
  // 107; the rest keeps x.
  Tensor src(DType::F32, {2, 4}, {100, 101, 102, 103, 104, 105, 106, 107});
  Tensor idx(DType::I64, {2, 4}, {1, 0, 2, 0, 2, 2, 0, 1});
  Tensor y = scatter(range({3, 4}), 0, idx, src);
  EXPECT_EQ(y.shape, (Shape{3, 4}));
  EXPECT_EQ(y.dtype, DType::F32);
  EXPECT_EQ(y.data,
            (Data{0, 101, 106, 103, 100, 5, 6, 107, 104, 105, 102, 11}));
}

TEST(ScatterTest, AlongAxis1WithSmallerIndexAndLargerSrc) {
  // x [2, 3] = 0..5, index [1, 2] = {2, 0}, src [2, 3] = -1..-6, axis 1:
  // only row 0 is written, out[0][2] = src[0][0] = -1, out[0][0] =
  // src[0][1] = -2; src's other elements are not read. Axis -1 is axis 1.
  Tensor src(DType::F32, {2, 3}, {-1, -2, -3, -4, -5, -6});
  Tensor idx(DType::I64, {1, 2}, {2, 0});
  Tensor y = scatter(range({2, 3}), 1, idx, src);
  EXPECT_EQ(y.data, (Data{-2, 1, -1, 3, 4, 5}));
  EXPECT_EQ(scatter(range({2, 3}), -1, idx, src).data, y.data);
}

TEST(ScatterTest, RepeatedTargetsKeepTheLastWrite) {
  // index {1, 1, 1} along the only axis: src 7, 8, 9 all go to element 1;
  // the last, 9, stays.
  Tensor y =
      scatter(range({3}, DType::I64), 0, Tensor(DType::I64, {3}, {1, 1, 1}),
              Tensor(DType::I64, {3}, {7, 8, 9}));
  EXPECT_EQ(y.dtype, DType::I64);
  EXPECT_EQ(y.data, (Data{0, 9, 2}));
}

TEST(ScatterTest, OutOfRangeAndNegativeThrow) {
  Tensor x = range({3, 2}), src = range({1, 2});
  expectKernelError(
      [&] {
        scatter(x, 0, Tensor(DType::I64, {1, 2}, {0, 3}), src);
      },
      {"scatter", "index 3", "extent 3"});
  // No wrapping from the end, as in PyTorch.
  expectKernelError(
      [&] {
        scatter(x, 0, Tensor(DType::I64, {1, 2}, {-1, 0}), src);
      },
      {"scatter", "index -1", "extent 3"});
}

//===--- dynamic_update_slice ---------------------------------------------===//

TEST(DynamicUpdateSliceTest, WritesTheUpdateAtTheStarts) {
  // x [3, 4] = 0..11, update [2, 2] = {-1, -2 | -3, -4} at (1, 2): rows 1
  // and 2, columns 2 and 3.
  Tensor update(DType::F32, {2, 2}, {-1, -2, -3, -4});
  Tensor y = dynamicUpdateSlice(range({3, 4}), update,
                                Tensor(DType::I64, {2}, {1, 2}));
  EXPECT_EQ(y.shape, (Shape{3, 4}));
  EXPECT_EQ(y.data, (Data{0, 1, 2, 3, 4, 5, -1, -2, 8, 9, -3, -4}));
}

TEST(DynamicUpdateSliceTest, StartsAreClamped) {
  // Each start is clamped to [0, 3 - 2] and [0, 4 - 2]: (5, -3) writes at
  // (1, 0), (-1, 7) at (0, 2).
  Tensor update(DType::F32, {2, 2}, {-1, -2, -3, -4});
  Tensor a = dynamicUpdateSlice(range({3, 4}), update,
                                Tensor(DType::I64, {2}, {5, -3}));
  EXPECT_EQ(a.data, (Data{0, 1, 2, 3, -1, -2, 6, 7, -3, -4, 10, 11}));
  Tensor b = dynamicUpdateSlice(range({3, 4}), update,
                                Tensor(DType::I64, {2}, {-1, 7}));
  EXPECT_EQ(b.data, (Data{0, 1, -1, -2, 4, 5, -3, -4, 8, 9, 10, 11}));
}

TEST(DynamicUpdateSliceTest, KvCacheRowAndWholeUpdate) {
  // A cache [1, 4, 2] (i64) gets the row {7, 8} at position 2 of axis 1;
  // an update as large as x replaces it whatever the starts.
  Tensor cache = range({1, 4, 2}, DType::I64);
  Tensor y = dynamicUpdateSlice(cache, Tensor(DType::I64, {1, 1, 2}, {7, 8}),
                                Tensor(DType::I64, {3}, {0, 2, 0}));
  EXPECT_EQ(y.dtype, DType::I64);
  EXPECT_EQ(y.data, (Data{0, 1, 2, 3, 7, 8, 6, 7}));
  Tensor whole = range({1, 4, 2}, DType::I64);
  for (auto &v : whole.data)
    v += 100;
  EXPECT_EQ(
      dynamicUpdateSlice(cache, whole, Tensor(DType::I64, {3}, {3, 3, 3})).data,
      whole.data);
}

TEST(DynamicUpdateSliceTest, MismatchThrows) {
  EXPECT_THROW(
      dynamicUpdateSlice(range({3}), range({4}), Tensor(DType::I64, {1}, {0})),
      KernelError);
  EXPECT_THROW(dynamicUpdateSlice(range({3}), range({2}),
                                  Tensor(DType::I64, {2}, {0, 0})),
               KernelError);
}

TEST(EmbeddingTest, LooksUpRows) {
  // weight [3, 2] rows {0.5, 1}, {1.5, 2}, {2.5, 3}; ids [2, 2] = {2, 0, 1,
  // 1} -> [2, 2, 2] = rows 2, 0, 1, 1.
  Tensor w(DType::F32, {3, 2}, {0.5, 1, 1.5, 2, 2.5, 3});
  Tensor ids(DType::I64, {2, 2}, {2, 0, 1, 1});
  Tensor y = embedding(ids, w);
  EXPECT_EQ(y.dtype, DType::F32);
  EXPECT_EQ(y.shape, (Shape{2, 2, 2}));
  EXPECT_EQ(y.data, (Data{2.5, 3, 0.5, 1, 1.5, 2, 1.5, 2}));
}

TEST(EmbeddingTest, OutOfRangeAndNegativeThrow) {
  Tensor w = range({3, 2});
  expectKernelError([&] { embedding(Tensor(DType::I64, {1}, {3}), w); },
                    {"index 3", "extent 3"});
  expectKernelError([&] { embedding(Tensor(DType::I64, {1}, {-1}), w); },
                    {"index -1", "extent 3"});
}

//===--- iota -------------------------------------------------------------===//

TEST(IotaTest, AlongEachAxis) {
  // [2, 3] along 1: each row is {0, 1, 2}; along 0: row i is all i.
  Tensor cols = iota({2, 3}, 1, DType::I64);
  EXPECT_EQ(cols.dtype, DType::I64);
  EXPECT_EQ(cols.data, (Data{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(iota({2, 3}, 0, DType::I64).data, (Data{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(iota({2, 3}, -1, DType::I32).data, cols.data);
}

TEST(IotaTest, MiddleAxisOfRank3) {
  // [2, 3, 2] along 1: out[a][b][c] = b -> per a: {0,0,1,1,2,2}.
  Tensor y = iota({2, 3, 2}, 1, DType::F32);
  EXPECT_EQ(y.data, (Data{0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2}));
}

//===--- tril / triu ------------------------------------------------------===//

TEST(TriangleTest, TrilDiagonals) {
  // Keep col - row <= k on a 3x3 of ones.
  Tensor ones(DType::F32, {3, 3}, Data(9, 1.0));
  // k = 0: the lower triangle with the diagonal.
  EXPECT_EQ(tril(ones, 0).data, (Data{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  // k = -1: strictly below the diagonal.
  EXPECT_EQ(tril(ones, -1).data, (Data{0, 0, 0, 1, 0, 0, 1, 1, 0}));
  // k = 1: also the first superdiagonal; only (0, 2) is zero.
  EXPECT_EQ(tril(ones, 1).data, (Data{1, 1, 0, 1, 1, 1, 1, 1, 1}));
}

TEST(TriangleTest, TriuDiagonals) {
  // Keep col - row >= k.
  Tensor ones(DType::F32, {3, 3}, Data(9, 1.0));
  EXPECT_EQ(triu(ones, 0).data, (Data{1, 1, 1, 0, 1, 1, 0, 0, 1}));
  EXPECT_EQ(triu(ones, 1).data, (Data{0, 1, 1, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(triu(ones, -1).data, (Data{1, 1, 1, 1, 1, 1, 0, 1, 1}));
}

TEST(TriangleTest, NonSquareBatchedKeepsValues) {
  // x [2, 2, 3] = 0..11; each [2, 3] matrix keeps col <= row (tril 0):
  // (0,0) and (1,0), (1,1) -> {0,_,_, 3,4,_} and {6,_,_, 9,10,_}.
  Tensor y = tril(range({2, 2, 3}), 0);
  EXPECT_EQ(y.data, (Data{0, 0, 0, 3, 4, 0, 6, 0, 0, 9, 10, 0}));
  // triu 1 keeps col >= row + 1: (0,1), (0,2), (1,2).
  EXPECT_EQ(triu(range({2, 2, 3}), 1).data,
            (Data{0, 1, 2, 0, 0, 5, 0, 7, 8, 0, 0, 11}));
}

TEST(TriangleTest, I1CausalMask) {
  Tensor all(DType::I1, {2, 2}, Data(4, 1.0));
  Tensor y = tril(all, 0);
  EXPECT_EQ(y.dtype, DType::I1);
  EXPECT_EQ(y.data, (Data{1, 0, 1, 1}));
}

TEST(TriangleTest, RankOneThrows) {
  EXPECT_THROW(tril(range({3}), 0), KernelError);
}

} // namespace
