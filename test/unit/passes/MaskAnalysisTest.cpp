//===- MaskAnalysisTest.cpp - Masks read as inequalities and bands --------===//
//
// MaskReader on small graphs and bandOf / blockMapOf on hand-made inputs.
// Every expected predicate, band and block map is worked out by hand in the
// comments (i: query row, j: key column, p = i + Lk - Lq).
//
//===----------------------------------------------------------------------===//

#include "passes/tensor/MaskAnalysis.h"

#include "heed/Registration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace heed;

namespace {

class MaskAnalysisTest : public ::testing::Test {
protected:
  MaskAnalysisTest() {
    DialectRegistry registry;
    registerHeedDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// The value `func.func @f` returns, from \p body (the ops of @f).
  Value returned(StringRef signature, StringRef body) {
    std::string text =
        ("func.func @f" + signature + " {\n" + body + "\n}").str();
    module = parseSourceString<ModuleOp>(text, &ctx);
    EXPECT_TRUE(module) << text;
    auto f = module->lookupSymbol<func::FuncOp>("f");
    return f.getBody().front().getTerminator()->getOperand(0);
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

constexpr StringRef kRowsCols = R"(
  %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>
  %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 8, 8>} : () -> tensor<8x8xi64>)";

TEST_F(MaskAnalysisTest, CausalFromIota) {
  // rows >= cols: i - j >= 0, i.e. a = 1, b = -1, c = 0.
  Value m = returned("() -> tensor<8x8xi1>", (kRowsCols + R"(
  %m = heed.ge %r, %c : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  return %m : tensor<8x8xi1>)")
                                                 .str());
  MaskReader reader;
  MaskSymbol s = reader.read(m);
  ASSERT_EQ(s.kind, MaskSymbol::Predicate);
  ASSERT_EQ(s.pred.size(), 1u);
  EXPECT_EQ(s.pred[0], (Affine{1, -1, 0}));
  EXPECT_FALSE(reader.dataDependent);
}

TEST_F(MaskAnalysisTest, ConstantCausalMask) {
  // A 4x4 lower-triangular i1 constant (GPT-2's bias buffer, folded at
  // import) with a leading dim of 1: row i keeps j <= i, i.e.
  // i - j + 0 >= 0; no left bound.
  Value m = returned("() -> tensor<1x4x4xi1>", R"(
  %m = heed.constant dense<[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]> : tensor<1x4x4xi1>
  return %m : tensor<1x4x4xi1>)");
  MaskReader reader;
  MaskSymbol s = reader.read(m);
  ASSERT_EQ(s.kind, MaskSymbol::Predicate);
  ASSERT_EQ(s.pred.size(), 1u);
  EXPECT_EQ(s.pred[0], (Affine{1, -1, 0}));
  EXPECT_EQ(s.additive, MaskSymbol::None);
}

TEST_F(MaskAnalysisTest, ConstantAdditiveWindowMask) {
  // 0 where i - 1 <= j <= i, -inf elsewhere (a folded triu of -inf and
  // tril): right = 0 (i - j >= 0), left = 1 (j - i + 1 >= 0).
  Value m = returned("() -> tensor<3x3xf32>", R"(
  %m = heed.constant dense<[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0xFF800000, 0.0, 0.0]]> : tensor<3x3xf32>
  return %m : tensor<3x3xf32>)");
  MaskReader reader;
  MaskSymbol s = reader.read(m);
  ASSERT_EQ(s.kind, MaskSymbol::Predicate);
  ASSERT_EQ(s.pred.size(), 2u);
  EXPECT_EQ(s.pred[0], (Affine{1, -1, 0}));
  EXPECT_EQ(s.pred[1], (Affine{-1, 1, 1}));
  EXPECT_EQ(s.additive, MaskSymbol::Infinite);
}

TEST_F(MaskAnalysisTest, ConstantMaskThatIsNoBand) {
  // Row 1 keeps keys 0 and 2 but not 1: not contiguous, so no band; and a
  // float mask with a value that is neither 0 nor "minus a lot".
  Value gap = returned("() -> tensor<3x3xi1>", R"(
  %m = heed.constant dense<[[true, false, false], [true, false, true], [true, true, true]]> : tensor<3x3xi1>
  return %m : tensor<3x3xi1>)");
  MaskReader reader;
  EXPECT_EQ(reader.read(gap).kind, MaskSymbol::Unknown);
  EXPECT_FALSE(reader.dataDependent);
  Value bias = returned("() -> tensor<2x2xf32>", R"(
  %m = heed.constant dense<[[0.0, -1.0], [0.0, 0.0]]> : tensor<2x2xf32>
  return %m : tensor<2x2xf32>)");
  MaskReader reader2;
  EXPECT_EQ(reader2.read(bias).kind, MaskSymbol::Unknown);
}

TEST_F(MaskAnalysisTest, MaskFromAnInputIsData) {
  // A key-padding mask reshaped from an input [2, 4] to [2, 1, 1, 4] (the
  // last two axes change): unknown, and marked data-dependent.
  Value m = returned("(%pad: tensor<2x4xi1>) -> tensor<2x1x1x4xi1>", R"(
  %m = heed.reshape %pad {shape = array<i64: 2, 1, 1, 4>} : (tensor<2x4xi1>) -> tensor<2x1x1x4xi1>
  return %m : tensor<2x1x1x4xi1>)");
  MaskReader reader;
  EXPECT_EQ(reader.read(m).kind, MaskSymbol::Unknown);
  EXPECT_TRUE(reader.dataDependent);
}

TEST_F(MaskAnalysisTest, WindowFromConjunction) {
  // and(cols <= rows, cols > rows - 3): i - j >= 0 and j - i + 2 >= 0
  // (j > i - 3 <=> j - i + 3 - 1 >= 0).
  Value m = returned("() -> tensor<8x8xi1>", (kRowsCols + R"(
  %three = heed.constant dense<3> : tensor<i64>
  %lo = heed.sub %r, %three : (tensor<8x8xi64>, tensor<i64>) -> tensor<8x8xi64>
  %a = heed.le %c, %r : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %b = heed.gt %c, %lo : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %m = heed.and %a, %b : (tensor<8x8xi1>, tensor<8x8xi1>) -> tensor<8x8xi1>
  return %m : tensor<8x8xi1>)")
                                                 .str());
  MaskReader reader;
  MaskSymbol s = reader.read(m);
  ASSERT_EQ(s.kind, MaskSymbol::Predicate);
  ASSERT_EQ(s.pred.size(), 2u);
  EXPECT_EQ(s.pred[0], (Affine{1, -1, 0}));
  EXPECT_EQ(s.pred[1], (Affine{-1, 1, 2}));
  // A band p - 2 <= j <= p with Lq = Lk = 8: left 2, right 0.
  std::optional<Band> band = bandOf(s.pred, 8, 8);
  ASSERT_TRUE(band.has_value());
  EXPECT_EQ(band->left, 2);
  EXPECT_EQ(band->right, 0);
  EXPECT_FALSE(band->never);
}

TEST_F(MaskAnalysisTest, AdditiveMaskKnowsItsFill) {
  // where(rows >= cols, 0, -1e9): the predicate, hidden by a finite fill.
  Value m = returned("() -> tensor<8x8xf32>", (kRowsCols + R"(
  %p = heed.ge %r, %c : (tensor<8x8xi64>, tensor<8x8xi64>) -> tensor<8x8xi1>
  %zero = heed.constant dense<0.0> : tensor<f32>
  %low = heed.constant dense<-1.0e9> : tensor<f32>
  %m = heed.where %p, %zero, %low : (tensor<8x8xi1>, tensor<f32>, tensor<f32>) -> tensor<8x8xf32>
  return %m : tensor<8x8xf32>)")
                                                  .str());
  MaskReader reader;
  MaskSymbol s = reader.read(m);
  ASSERT_EQ(s.kind, MaskSymbol::Predicate);
  EXPECT_EQ(s.additive, MaskSymbol::Finite);
}

TEST_F(MaskAnalysisTest, InputsAreData) {
  // A padding mask from the model's input is data, not structure.
  Value m = returned("(%pad: tensor<8x8xi1>) -> tensor<8x8xi1>", R"(
  %m = heed.not %pad : (tensor<8x8xi1>) -> tensor<8x8xi1>
  return %m : tensor<8x8xi1>)");
  MaskReader reader;
  EXPECT_EQ(reader.read(m).kind, MaskSymbol::Unknown);
  EXPECT_TRUE(reader.dataDependent);
}

TEST(BandTest, CausalBottomRightWhenLqLessThanLk) {
  // j - i <= 0 with Lq = 4, Lk = 8: j <= i = p - 4, so right = -4 relative
  // to the bottom-right diagonal; left unbounded.
  std::optional<Band> band = bandOf({Affine{1, -1, 0}}, 4, 8);
  ASSERT_TRUE(band.has_value());
  EXPECT_FALSE(band->left.has_value());
  EXPECT_EQ(band->right, -4);
}

TEST(BandTest, RowsOnlyIsNotABand) {
  // i - 2 >= 0 says nothing about keys: not a band.
  EXPECT_FALSE(bandOf({Affine{1, 0, -2}}, 8, 8).has_value());
  // 2 i - j >= 0 is not parallel to the diagonal.
  EXPECT_FALSE(bandOf({Affine{2, -1, 0}}, 8, 8).has_value());
}

TEST(BandTest, NeverAndAlways) {
  // -1 >= 0 is never true; the empty conjunction is always true.
  std::optional<Band> never = bandOf({Affine{0, 0, -1}}, 8, 8);
  ASSERT_TRUE(never.has_value());
  EXPECT_TRUE(never->never);
  std::optional<Band> always = bandOf({}, 8, 8);
  ASSERT_TRUE(always.has_value());
  EXPECT_FALSE(always->left.has_value());
  EXPECT_FALSE(always->right.has_value());
}

TEST_F(MaskAnalysisTest, BlockMapOfAConstant) {
  // A 4x4 i1 mask, 2x2 tiles: rows 0-1 see only key 0 (tile 0); rows 2-3
  // see key 3 (tile 1). So query tile 0 visits [0], query tile 1 [1].
  Value m = returned("() -> tensor<4x4xi1>", R"(
  %m = heed.constant dense<[[true, false, false, false], [true, false, false, false], [false, false, false, true], [false, false, false, true]]> : tensor<4x4xi1>
  return %m : tensor<4x4xi1>)");
  auto visit = blockMapOf(m, 4, 4, 2, 2);
  ASSERT_TRUE(visit.has_value());
  EXPECT_EQ(*visit, (std::vector<std::vector<int64_t>>{{0}, {1}}));
  // Not a constant: no block map.
  Value arg = returned("(%x: tensor<4x4xi1>) -> tensor<4x4xi1>",
                       "  return %x : tensor<4x4xi1>");
  EXPECT_FALSE(blockMapOf(arg, 4, 4, 2, 2).has_value());
}

} // namespace
