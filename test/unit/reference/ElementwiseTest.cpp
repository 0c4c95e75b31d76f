//===- ElementwiseTest.cpp - Tests of unary, binary, compare, where, cast -===//
//
// Expected values are worked out by hand in the comments; the transcendental
// constants (e, erf, tanh, ...) were evaluated with /usr/bin/python3's math
// module to 10 digits. Float tolerances: f32 results are the double result
// rounded to float, so they are within 2^-24 relative (~6e-8) of the exact
// value; we use 1e-6 absolute on values of order 1. f16/bf16 expectations are
// exact representable values, compared with EXPECT_EQ.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "heed/HeedOps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace heed;
using namespace heed::ref;

namespace {

constexpr double kF32Tol = 1e-6;
const double kInf = std::numeric_limits<double>::infinity();

void expectNear(const Tensor &t, const std::vector<double> &expected,
                double tol) {
  ASSERT_EQ(t.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.data[i], expected[i], tol) << "at flat index " << i;
}

Tensor f32(Shape shape, std::vector<double> data) {
  return Tensor(DType::F32, std::move(shape), std::move(data));
}
Tensor i1(Shape shape, std::vector<double> data) {
  return Tensor(DType::I1, std::move(shape), std::move(data));
}

//===--- unary ------------------------------------------------------------===//

TEST(UnaryTest, Erf) {
  // erf(0) = 0, erf(0.5) = 0.5204998778, erf(-1) = -0.8427007929 (tables,
  // Abramowitz and Stegun 7.1).
  expectNear(map(f32({3}, {0, 0.5, -1}), heed::ErfOp::evaluate),
             {0, 0.5204998778, -0.8427007929}, kF32Tol);
}

TEST(UnaryTest, SinCos) {
  // sin(0) = 0, sin(pi/2) = 1, sin(-pi/6) = -0.5; cos(0) = 1, cos(pi) = -1,
  // cos(pi/3) = 0.5 (pi/2 and friends rounded to f32 first: within 1e-7).
  const double pi = 3.14159265358979;
  expectNear(map(f32({3}, {0, pi / 2, -pi / 6}), heed::SinOp::evaluate),
             {0, 1, -0.5}, kF32Tol);
  expectNear(map(f32({3}, {0, pi, pi / 3}), heed::CosOp::evaluate),
             {1, -1, 0.5}, kF32Tol);
}

TEST(UnaryTest, ExpLog) {
  // exp(0) = 1, exp(1) = e = 2.7182818285, exp(-1) = 1/e = 0.3678794412.
  Tensor e = map(f32({3}, {0, 1, -1}), heed::ExpOp::evaluate);
  EXPECT_EQ(e.dtype, DType::F32);
  expectNear(e, {1, 2.7182818285, 0.3678794412}, kF32Tol);
  // log(1) = 0, log(e) = 1 (e rounded to f32 first: log is still 1 to 1e-7),
  // log(0) = -inf.
  Tensor l = map(f32({3}, {1, 2.718281828459045, 0}), heed::LogOp::evaluate);
  EXPECT_NEAR(l.data[0], 0.0, kF32Tol);
  EXPECT_NEAR(l.data[1], 1.0, kF32Tol);
  EXPECT_EQ(l.data[2], -kInf);
}

TEST(UnaryTest, SqrtRsqrt) {
  // sqrt(4) = 2, sqrt(2) = 1.4142135624; rsqrt(4) = 1/2, rsqrt(0.25) = 2.
  expectNear(map(f32({2}, {4, 2}), heed::SqrtOp::evaluate), {2, 1.4142135624},
             kF32Tol);
  expectNear(map(f32({2}, {4, 0.25}), heed::RsqrtOp::evaluate), {0.5, 2}, 0.0);
}

TEST(UnaryTest, NegAbsRelu) {
  Tensor x = f32({3}, {-1.5, 0, 2});
  EXPECT_EQ(map(x, heed::NegOp::evaluate).data,
            (std::vector<heed::ref::Scalar>{1.5, 0, -2}));
  EXPECT_EQ(map(x, heed::AbsOp::evaluate).data,
            (std::vector<heed::ref::Scalar>{1.5, 0, 2}));
  EXPECT_EQ(map(x, heed::ReluOp::evaluate).data,
            (std::vector<heed::ref::Scalar>{0, 0, 2}));
}

TEST(UnaryTest, TanhSigmoid) {
  // tanh(0) = 0, tanh(0.5) = 0.4621171573.
  expectNear(map(f32({2}, {0, 0.5}), heed::TanhOp::evaluate), {0, 0.4621171573},
             kF32Tol);
  // sigmoid(0) = 1/2; sigmoid(2) = 1 / (1 + e^-2) = 1 / 1.1353352832
  // = 0.8807970780; sigmoid(-2) = 1 - 0.8807970780 = 0.1192029220.
  expectNear(map(f32({3}, {0, 2, -2}), heed::SigmoidOp::evaluate),
             {0.5, 0.8807970780, 0.1192029220}, kF32Tol);
}

TEST(UnaryTest, GeluIsTheExactErfForm) {
  // gelu(x) = x/2 (1 + erf(x / sqrt 2)); erf(1/sqrt 2) = 0.6826894921.
  // gelu(1) = 0.5 * 1.6826894921 = 0.8413447461,
  // gelu(-1) = -0.5 * (1 - 0.6826894921) = -0.1586552539, gelu(0) = 0.
  // (The tanh approximation would give gelu(1) = 0.8411919906, 1.5e-4 away,
  // so the tolerance below tells the two apart.)
  expectNear(map(f32({3}, {1, -1, 0}), heed::GeluOp::evaluate),
             {0.8413447461, -0.1586552539, 0}, kF32Tol);
}

TEST(UnaryTest, GeluTanhIsTheTanhApproximation) {
  // gelu_tanh(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), by hand:
  // x = 1: sqrt(2/pi) = 0.7978845608, 1.044715 * 0.7978845608 = 0.8335620;
  // tanh(0.8335620) = 0.6823839812, so 0.5 * 1.6823839812 = 0.8411919906
  // (1.5e-4 below the erf form's 0.8413447461). x = -1: by oddness of the
  // tanh, -0.5 * (1 - 0.6823839812) = -0.1588080094. x = 0: 0.
  expectNear(map(f32({3}, {1, -1, 0}), heed::GeluTanhOp::evaluate),
             {0.8411919906, -0.1588080094, 0}, kF32Tol);
}

TEST(UnaryTest, Silu) {
  // silu(x) = x sigmoid(x): silu(1) = 0.7310585786,
  // silu(-2) = -2 * 0.1192029220 = -0.2384058440.
  expectNear(map(f32({2}, {1, -2}), heed::SiluOp::evaluate),
             {0.7310585786, -0.2384058440}, kF32Tol);
}

TEST(UnaryTest, NotOnI1) {
  Tensor y = map(i1({3}, {0, 1, 1}), heed::NotOp::evaluate);
  EXPECT_EQ(y.dtype, DType::I1);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{1, 0, 0}));
}

TEST(UnaryTest, F16ResultIsRounded) {
  // exp(1) = 2.71828...; f16 in [2, 4) has spacing 2^-9 = 0.001953125 and
  // 2.71828 / 2^-9 = 1391.76, so it rounds to 1392 * 2^-9 = 2.71875.
  Tensor y = map(Tensor(DType::F16, {1}, {1}), heed::ExpOp::evaluate);
  EXPECT_EQ(y.dtype, DType::F16);
  EXPECT_EQ(y.data[0], 2.71875);
}

TEST(UnaryTest, IntegerNegAbs) {
  Tensor x(DType::I64, {3}, {-3, 0, 4});
  Tensor n = map(x, heed::NegOp::evaluate);
  EXPECT_EQ(n.dtype, DType::I64);
  EXPECT_EQ(n.data, (std::vector<heed::ref::Scalar>{3, 0, -4}));
  EXPECT_EQ(map(x, heed::AbsOp::evaluate).data,
            (std::vector<heed::ref::Scalar>{3, 0, 4}));
}

//===--- binary -----------------------------------------------------------===//

TEST(BinaryTest, AddSameShape) {
  Tensor y = binary(BinaryKind::Add, f32({2}, {1, 2}), f32({2}, {10, 20}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{11, 22}));
}

TEST(BinaryTest, AddBroadcastsRowVector) {
  // [[1,2,3],[4,5,6]] + [10,20,30] = [[11,22,33],[14,25,36]].
  Tensor y = binary(BinaryKind::Add, f32({2, 3}, {1, 2, 3, 4, 5, 6}),
                    f32({3}, {10, 20, 30}));
  EXPECT_EQ(y.shape, (Shape{2, 3}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{11, 22, 33, 14, 25, 36}));
}

TEST(BinaryTest, SubBroadcastsColumnAgainstRow) {
  // [2, 1] - [1, 3] -> [2, 3]: out[i][j] = a[i] - b[j] with a = {10, 20},
  // b = {1, 2, 3}: {9, 8, 7, 19, 18, 17}.
  Tensor y =
      binary(BinaryKind::Sub, f32({2, 1}, {10, 20}), f32({1, 3}, {1, 2, 3}));
  EXPECT_EQ(y.shape, (Shape{2, 3}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{9, 8, 7, 19, 18, 17}));
}

TEST(BinaryTest, MulWithScalar) {
  // A rank-0 operand broadcasts to anything: {1, 2, 3} * 0.5.
  Tensor y = binary(BinaryKind::Mul, f32({3}, {1, 2, 3}), f32({}, {0.5}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{0.5, 1, 1.5}));
}

TEST(BinaryTest, FloatDivRoundsToF32) {
  // 1/3 in f32 is 11184811 * 2^-25 = 0.3333333432674408 (the nearest float);
  // 1/0 = inf for floats (no error).
  Tensor y = binary(BinaryKind::Div, f32({2}, {1, 1}), f32({2}, {3, 0}));
  EXPECT_EQ(y.data[0], 11184811.0 / 33554432.0);
  EXPECT_EQ(y.data[1], kInf);
}

TEST(BinaryTest, IntegerDivTruncatesTowardsZero) {
  // 7/2 = 3.5 -> 3, -7/2 -> -3, 7/-2 -> -3, -7/-2 = 3.5 -> 3, 1/3 -> 0.
  Tensor a(DType::I64, {5}, {7, -7, 7, -7, 1});
  Tensor b(DType::I64, {5}, {2, 2, -2, -2, 3});
  Tensor y = binary(BinaryKind::Div, a, b);
  EXPECT_EQ(y.dtype, DType::I64);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{3, -3, -3, 3, 0}));
  // Same for i32.
  Tensor c = binary(BinaryKind::Div, Tensor(DType::I32, {1}, {-9}),
                    Tensor(DType::I32, {1}, {4}));
  EXPECT_EQ(c.data[0], -2); // -2.25 -> -2
}

TEST(BinaryTest, IntegerDivByZeroThrows) {
  Tensor a(DType::I32, {2}, {1, 2});
  Tensor b(DType::I32, {2}, {1, 0});
  EXPECT_THROW(binary(BinaryKind::Div, a, b), KernelError);
}

TEST(BinaryTest, MaxMin) {
  Tensor a = f32({3}, {1, 5, -2});
  Tensor b = f32({3}, {3, 2, -2});
  EXPECT_EQ(binary(BinaryKind::Max, a, b).data,
            (std::vector<heed::ref::Scalar>{3, 5, -2}));
  EXPECT_EQ(binary(BinaryKind::Min, a, b).data,
            (std::vector<heed::ref::Scalar>{1, 2, -2}));
}

TEST(BinaryTest, MaxPropagatesNaN) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor y = binary(BinaryKind::Max, f32({2}, {nan, 1}), f32({2}, {1, nan}));
  EXPECT_TRUE(std::isnan(y.data[0]));
  EXPECT_TRUE(std::isnan(y.data[1]));
}

TEST(BinaryTest, Pow) {
  // 2^3 = 8, 9^0.5 = 3, 4^-1 = 0.25.
  Tensor y =
      binary(BinaryKind::Pow, f32({3}, {2, 9, 4}), f32({3}, {3, 0.5, -1}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{8, 3, 0.25}));
}

TEST(BinaryTest, AndOrOnI1) {
  // Truth tables over (a, b) = (0,0), (0,1), (1,0), (1,1).
  Tensor a = i1({4}, {0, 0, 1, 1});
  Tensor b = i1({4}, {0, 1, 0, 1});
  Tensor andT = binary(BinaryKind::And, a, b);
  EXPECT_EQ(andT.dtype, DType::I1);
  EXPECT_EQ(andT.data, (std::vector<heed::ref::Scalar>{0, 0, 0, 1}));
  EXPECT_EQ(binary(BinaryKind::Or, a, b).data,
            (std::vector<heed::ref::Scalar>{0, 1, 1, 1}));
}

TEST(BinaryTest, BF16AddRoundsOnceToNearestEven) {
  // bf16 has 8 significant bits: in [1, 2) the spacing is 2^-7 = 0.0078125.
  // 1 + 2^-8 = 1.00390625 is halfway between 1 and 1.0078125: ties to even
  // gives 1. 1 + 0.005859375 (= 3 * 2^-9, exact in bf16) = 1.005859375 is
  // 0.75 of a step above 1, so it rounds up to 1.0078125.
  Tensor a(DType::BF16, {2}, {1, 1});
  Tensor b(DType::BF16, {2}, {0.00390625, 0.005859375});
  ASSERT_EQ(b.data[1], 0.005859375); // exact in bf16
  Tensor y = binary(BinaryKind::Add, a, b);
  EXPECT_EQ(y.dtype, DType::BF16);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{1.0, 1.0078125}));
}

TEST(BinaryTest, F16MulOverflowsToInf) {
  // 300 * 300 = 90000 > 65504 (the largest f16): rounds to +inf.
  Tensor a(DType::F16, {1}, {300});
  Tensor y = binary(BinaryKind::Mul, a, a);
  EXPECT_EQ(y.data[0], kInf);
}

TEST(BinaryTest, IncompatibleShapesThrow) {
  EXPECT_THROW(binary(BinaryKind::Add, f32({2, 3}, {1, 2, 3, 4, 5, 6}),
                      f32({2}, {1, 2})),
               KernelError);
}

//===--- compare ----------------------------------------------------------===//

TEST(CompareTest, AllKindsAgainstBroadcastScalar) {
  // {1, 2, 3} against 2.
  Tensor a = f32({3}, {1, 2, 3});
  Tensor b = f32({1}, {2});
  auto cmp = [&](CompareKind k) {
    Tensor t = compare(k, a, b);
    EXPECT_EQ(t.dtype, DType::I1);
    EXPECT_EQ(t.shape, (Shape{3}));
    return t.data;
  };
  EXPECT_EQ(cmp(CompareKind::Eq), (std::vector<heed::ref::Scalar>{0, 1, 0}));
  EXPECT_EQ(cmp(CompareKind::Ne), (std::vector<heed::ref::Scalar>{1, 0, 1}));
  EXPECT_EQ(cmp(CompareKind::Lt), (std::vector<heed::ref::Scalar>{1, 0, 0}));
  EXPECT_EQ(cmp(CompareKind::Le), (std::vector<heed::ref::Scalar>{1, 1, 0}));
  EXPECT_EQ(cmp(CompareKind::Gt), (std::vector<heed::ref::Scalar>{0, 0, 1}));
  EXPECT_EQ(cmp(CompareKind::Ge), (std::vector<heed::ref::Scalar>{0, 1, 1}));
}

TEST(CompareTest, CausalMaskFromColumnAndRowIndices) {
  // cols [1, 3] = {0, 1, 2} <= rows [3, 1] = {0, 1, 2}: entry (i, j) is
  // j <= i, the lower triangle {1,0,0, 1,1,0, 1,1,1}.
  Tensor cols(DType::I64, {1, 3}, {0, 1, 2});
  Tensor rows(DType::I64, {3, 1}, {0, 1, 2});
  Tensor m = compare(CompareKind::Le, cols, rows);
  EXPECT_EQ(m.shape, (Shape{3, 3}));
  EXPECT_EQ(m.data,
            (std::vector<heed::ref::Scalar>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
}

TEST(CompareTest, NaNComparesUnequal) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor a = f32({1}, {nan});
  EXPECT_EQ(compare(CompareKind::Eq, a, a).data[0], 0);
  EXPECT_EQ(compare(CompareKind::Ne, a, a).data[0], 1);
}

//===--- where ------------------------------------------------------------===//

TEST(WhereTest, BroadcastsAllThreeOperands) {
  // cond [2, 1] = {1, 0}, a [3] = {1, 2, 3}, b [] = -1 -> [2, 3]:
  // row 0 takes a, row 1 takes b.
  Tensor y = where(i1({2, 1}, {1, 0}), f32({3}, {1, 2, 3}), f32({}, {-1}));
  EXPECT_EQ(y.dtype, DType::F32);
  EXPECT_EQ(y.shape, (Shape{2, 3}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{1, 2, 3, -1, -1, -1}));
}

TEST(WhereTest, MaskedFillWithMinusInf) {
  // The usual attention mask: keep where the mask is true, else -inf.
  Tensor y =
      where(i1({3}, {1, 0, 1}), f32({3}, {0.5, 0.25, 2}), f32({}, {-kInf}));
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{0.5, -kInf, 2}));
}

TEST(WhereTest, KeepsTheOperandDType) {
  Tensor y = where(i1({2}, {0, 1}), Tensor(DType::I64, {2}, {5, 6}),
                   Tensor(DType::I64, {2}, {7, 8}));
  EXPECT_EQ(y.dtype, DType::I64);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{7, 6}));
}

//===--- cast -------------------------------------------------------------===//

TEST(CastTest, F32ToBF16) {
  // f32(0.1) = 0x3DCCCCCD. bf16 keeps the top 16 bits 0x3DCC; the dropped
  // half 0xCCCD > 0x8000 rounds up to 0x3DCD: exponent 0x7B = 123 -> 2^-4,
  // mantissa 0x4D = 77 -> (1 + 77/128) * 2^-4 = 205/2048 = 0.10009765625.
  Tensor y = cast(f32({1}, {0.1}), DType::BF16);
  EXPECT_EQ(y.dtype, DType::BF16);
  EXPECT_EQ(y.data[0], 0.10009765625);
}

TEST(CastTest, F32ToF16) {
  // 0.1 = 1.6 * 2^-4; f16 keeps 10 mantissa bits: 0.6 * 1024 = 614.4 -> 614,
  // giving (1024 + 614) / 1024 * 2^-4 = 1638/16384 = 0.0999755859375.
  // 1/3 = 1.333 * 2^-2: 0.333 * 1024 = 341.3 -> 341, (1365/1024) / 4 =
  // 0.333251953125. 70000 > 65504 (f16 max) rounds to inf.
  Tensor y = cast(f32({3}, {0.1, 1.0 / 3.0, 70000}), DType::F16);
  EXPECT_EQ(y.dtype, DType::F16);
  EXPECT_EQ(y.data[0], 0.0999755859375);
  EXPECT_EQ(y.data[1], 0.333251953125);
  EXPECT_EQ(y.data[2], kInf);
}

TEST(CastTest, HalfToF32IsExact) {
  Tensor h(DType::F16, {1}, {0.1}); // 0.0999755859375 as above
  EXPECT_EQ(cast(h, DType::F32).data[0], 0.0999755859375);
}

TEST(CastTest, FloatToIntTruncatesTowardsZero) {
  // 2.7 -> 2, -2.7 -> -2, 0.5 -> 0, -0.5 -> 0.
  Tensor y = cast(f32({4}, {2.7, -2.7, 0.5, -0.5}), DType::I32);
  EXPECT_EQ(y.dtype, DType::I32);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{2, -2, 0, 0}));
  Tensor z = cast(f32({1}, {-123.9}), DType::I64);
  EXPECT_EQ(z.data[0], -123);
}

TEST(CastTest, FloatToIntSaturatesAndNaNIsZero) {
  // The documented rule, by hand: NaN -> 0; +inf and values past the top ->
  // the largest value; -inf and values past the bottom -> the smallest.
  // i32: 2147483647 and -2147483648; 3e9 > 2^31, -3e9 < -2^31.
  double nan = std::nan("");
  Tensor x = f32({6}, {nan, kInf, -kInf, 3e9, -3e9, -7.9});
  EXPECT_EQ(cast(x, DType::I32).data,
            (std::vector<heed::ref::Scalar>{0, 2147483647, -2147483648.0,
                                            2147483647, -2147483648.0, -7}));
  // i64: 2^63 - 1 and -2^63, exactly (Scalar holds every i64); 1e19 > 2^63.
  Tensor y = cast(f32({4}, {nan, kInf, -1e19, 1e19}), DType::I64);
  EXPECT_EQ(y.data, (std::vector<Scalar>{0, 9223372036854775807.0L, -0x1p63L,
                                         9223372036854775807.0L}));
}

TEST(CastTest, IntegerToI32KeepsTheLow32Bits) {
  // 2^32 + 5 -> 5; 2^31 -> -2^31 (two's complement); -1 -> -1.
  Tensor x(DType::I64, {3}, {0x1p32 + 5, 0x1p31, -1});
  EXPECT_EQ(cast(x, DType::I32).data,
            (std::vector<heed::ref::Scalar>{5, -0x1p31, -1}));
}

TEST(CastTest, ToI1IsNonZero) {
  Tensor y = cast(f32({4}, {0, -0.5, 3, -0.0}), DType::I1);
  EXPECT_EQ(y.dtype, DType::I1);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{0, 1, 1, 0}));
  EXPECT_EQ(cast(Tensor(DType::I64, {2}, {0, 7}), DType::I1).data,
            (std::vector<heed::ref::Scalar>{0, 1}));
}

TEST(CastTest, FromI1) {
  Tensor y = cast(i1({2}, {1, 0}), DType::F32);
  EXPECT_EQ(y.dtype, DType::F32);
  EXPECT_EQ(y.data, (std::vector<heed::ref::Scalar>{1, 0}));
}

} // namespace
