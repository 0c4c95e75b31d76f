//===- MatmulTest.cpp - libheedrt matmul and linear vs reference ----------===//
//
// Expected values come from the reference kernels (reference/Kernels.h):
// ref::matmul / ref::linear for the product, composed with ref::binary (scale,
// bias, residual) and ref::unary (activation) in the kernel's documented
// order y = act(scale * (a @ b) + bias) + residual. Transposed operands are
// passed to the reference through ref::transpose.
//
// Tolerances: f32 results must match within 1e-5 relative (max-norm), the
// project-wide bound for fused f32 kernels: oneDNN accumulates in f32 in its
// own order, the reference in double. For bf16 inputs see BF16.
//
//===----------------------------------------------------------------------===//

#include "../../../runtime/kernels/cpu/GemmBf16.h"
#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <optional>

namespace heed::rt {
/// Exported by libheedrt (runtime/kernels/cpu/OneDnn.h, not on the test's
/// include path): the number of cached oneDNN primitives.
size_t primitiveCacheSize();
} // namespace heed::rt

using namespace heed;
using namespace heed::test;

namespace {

constexpr double kF32Tol = 1e-5;
const int64_t kSizes[] = {1, 7, 33, 129};

/// The node's attributes; unset optionals are left to the kernel's defaults.
struct MatmulAttrs {
  std::optional<int64_t> transposeA, transposeB, activation, hasBias,
      hasResidual;
  std::optional<double> scale;

  AttrSetter setter() const {
    MatmulAttrs self = *this;
    return [self](heed_plan *plan, int32_t node) {
      auto setInt = [&](const char *name, std::optional<int64_t> v) {
        if (v) {
          ASSERT_EQ(heed_plan_set_int(plan, node, name, *v), HEED_OK);
        }
      };
      setInt("transpose_a", self.transposeA);
      setInt("transpose_b", self.transposeB);
      setInt("activation", self.activation);
      setInt("has_bias", self.hasBias);
      setInt("has_residual", self.hasResidual);
      if (self.scale) {
        ASSERT_EQ(heed_plan_set_float(plan, node, "scale", *self.scale),
                  HEED_OK);
      }
    };
  }
};

/// Swaps the last two dims (how a transposed operand is stored).
ref::Tensor swapLast2(const ref::Tensor &x) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.rank(); ++i)
    perm.push_back(i);
  std::swap(perm[x.rank() - 1], perm[x.rank() - 2]);
  return ref::transpose(x, perm);
}

ref::Tensor toF32(const ref::Tensor &x) {
  return x.dtype == DType::F32 ? x : ref::cast(x, DType::F32);
}

/// act(scale * product + bias) + residual with reference kernels, in f32.
ref::Tensor epilogue(ref::Tensor product, int64_t activation, double scale,
                     const ref::Tensor *bias, const ref::Tensor *residual) {
  ref::Tensor y = toF32(product);
  if (scale != 1.0)
    y = ref::binary(ref::BinaryKind::Mul, y,
                    ref::Tensor(DType::F32, {}, {scale}));
  if (bias)
    y = ref::binary(ref::BinaryKind::Add, y, toF32(*bias));
  // relu, gelu (erf), tanh, sigmoid, silu: the Activation codes 1-5.
  double (*const activations[])(double) = {
      [](double x) { return x > 0.0 ? x : 0.0; },
      [](double x) { return x * 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); },
      [](double x) { return std::tanh(x); },
      [](double x) { return 1.0 / (1.0 + std::exp(-x)); },
      [](double x) { return x / (1.0 + std::exp(-x)); }};
  if (activation)
    y = ref::map(y, activations[activation - 1]);
  if (residual)
    y = ref::binary(ref::BinaryKind::Add, y, toF32(*residual));
  return y;
}

/// The reference result of the matmul kernel on stored operands a, b.
ref::Tensor expectedMatmul(const ref::Tensor &a, const ref::Tensor &b,
                           bool transA, bool transB, int64_t activation = 0,
                           double scale = 1.0,
                           const ref::Tensor *bias = nullptr,
                           const ref::Tensor *residual = nullptr) {
  ref::Tensor product = ref::matmul(toF32(transA ? swapLast2(a) : a),
                                    toF32(transB ? swapLast2(b) : b));
  return epilogue(product, activation, scale, bias, residual);
}

/// Runs matmul on a, b (+ bias, residual) into an \p outType output of
/// \p shape.
ref::Tensor runMatmul(const std::vector<ref::Tensor> &inputs,
                      const ref::Shape &shape, const MatmulAttrs &attrs = {},
                      int threads = 1, DType outType = DType::F32) {
  auto out =
      runKernel("matmul", inputs, {{outType, shape}}, attrs.setter(), threads);
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? ref::Tensor() : out[0];
}

TEST(RuntimeMatmulTest, AllSmallShapesMatchReference) {
  uint64_t seed = 1;
  for (int64_t m : kSizes)
    for (int64_t k : kSizes)
      for (int64_t n : kSizes) {
        SCOPED_TRACE("M=" + std::to_string(m) + " K=" + std::to_string(k) +
                     " N=" + std::to_string(n));
        ref::Tensor a = randomTensor(DType::F32, {m, k}, seed++);
        ref::Tensor b = randomTensor(DType::F32, {k, n}, seed++);
        EXPECT_TENSOR_NEAR(runMatmul({a, b}, {m, n}),
                           expectedMatmul(a, b, false, false), kF32Tol);
      }
}

TEST(RuntimeMatmulTest, TransposedOperands) {
  uint64_t seed = 100;
  for (int64_t m : {7, 129})
    for (int64_t k : {1, 33})
      for (int64_t n : {33, 129})
        for (int transA = 0; transA < 2; ++transA)
          for (int transB = 0; transB < 2; ++transB) {
            SCOPED_TRACE("M=" + std::to_string(m) + " K=" + std::to_string(k) +
                         " N=" + std::to_string(n) +
                         " transpose_a=" + std::to_string(transA) +
                         " transpose_b=" + std::to_string(transB));
            ref::Shape aShape =
                transA ? ref::Shape{2, k, m} : ref::Shape{2, m, k};
            ref::Shape bShape = transB ? ref::Shape{n, k} : ref::Shape{k, n};
            ref::Tensor a = randomTensor(DType::F32, aShape, seed++);
            ref::Tensor b = randomTensor(DType::F32, bShape, seed++);
            MatmulAttrs attrs;
            attrs.transposeA = transA;
            attrs.transposeB = transB;
            EXPECT_TENSOR_NEAR(runMatmul({a, b}, {2, m, n}, attrs),
                               expectedMatmul(a, b, transA, transB), kF32Tol);
          }
}

TEST(RuntimeMatmulTest, BatchBroadcast) {
  struct Case {
    ref::Shape a, b, y;
  } cases[] = {
      {{2, 1, 7, 33}, {1, 3, 33, 129}, {2, 3, 7, 129}},
      {{2, 1, 129, 7}, {1, 3, 7, 33}, {2, 3, 129, 33}},
      {{7, 33}, {4, 33, 129}, {4, 7, 129}},
      {{4, 129, 33}, {33, 7}, {4, 129, 7}}, // rows merge into one M = 516
      {{3, 2, 33, 7}, {2, 7, 129}, {3, 2, 33, 129}},
      {{2, 3, 7, 33}, {2, 3, 33, 1}, {2, 3, 7, 1}},
      {{1, 1, 1, 33}, {5, 33, 7}, {1, 5, 1, 7}},
      {{4, 1, 33}, {4, 33, 7}, {4, 1, 7}},
  };
  uint64_t seed = 200;
  for (const Case &c : cases) {
    SCOPED_TRACE(ref::shapeToString(c.a) + " x " + ref::shapeToString(c.b));
    ref::Tensor a = randomTensor(DType::F32, c.a, seed++);
    ref::Tensor b = randomTensor(DType::F32, c.b, seed++);
    EXPECT_TENSOR_NEAR(runMatmul({a, b}, c.y),
                       expectedMatmul(a, b, false, false), kF32Tol);
    // The same with both operands stored transposed.
    MatmulAttrs attrs;
    attrs.transposeA = attrs.transposeB = 1;
    ref::Tensor at = swapLast2(a), bt = swapLast2(b);
    EXPECT_TENSOR_NEAR(runMatmul({at, bt}, c.y, attrs),
                       expectedMatmul(at, bt, true, true), kF32Tol);
  }
}

TEST(RuntimeMatmulTest, EveryActivationWithBias) {
  ref::Tensor a = randomTensor(DType::F32, {2, 33, 129}, 300);
  ref::Tensor b = randomTensor(DType::F32, {129, 129}, 301);
  // With K = 129 the products spread over about [-10, 10], so every
  // activation sees its negative and positive tails.
  ref::Tensor bias = randomTensor(DType::F32, {129}, 302);
  for (int64_t act = 0; act <= 5; ++act) {
    SCOPED_TRACE("activation=" + std::to_string(act));
    MatmulAttrs attrs;
    attrs.activation = act;
    EXPECT_TENSOR_NEAR(runMatmul({a, b, bias}, {2, 33, 129}, attrs),
                       expectedMatmul(a, b, false, false, act, 1.0, &bias),
                       kF32Tol);
  }
}

TEST(RuntimeMatmulTest, ScaleBiasActivationResidualTogether) {
  // Bias and residual shapes: full, per column, per row, scalar and
  // batch-broadcast, with a batch that broadcasts too; N = 257 also splits
  // the output into column blocks (the kernel then stages strided
  // bias/residual tiles).
  uint64_t seed = 400;
  for (int64_t n : {33, 257}) {
    SCOPED_TRACE("N=" + std::to_string(n));
    ref::Shape yShape = {2, 3, 129, n};
    const ref::Shape biasShapes[] = {{n}, {129, n},     {129, 1},
                                     {},  {2, 1, 1, n}, {2, 3, 129, n}};
    const ref::Shape residualShapes[] = {{2, 3, 129, n}, {3, 1, n},      {1},
                                         {129, n},       {2, 1, 129, 1}, {n}};
    ref::Tensor a = randomTensor(DType::F32, {2, 1, 129, 7}, seed++);
    ref::Tensor b = randomTensor(DType::F32, {3, 7, n}, seed++);
    for (size_t i = 0; i < std::size(biasShapes); ++i) {
      SCOPED_TRACE("bias " + ref::shapeToString(biasShapes[i]) + " residual " +
                   ref::shapeToString(residualShapes[i]));
      ref::Tensor bias = randomTensor(DType::F32, biasShapes[i], seed++);
      ref::Tensor residual =
          randomTensor(DType::F32, residualShapes[i], seed++);
      MatmulAttrs attrs;
      attrs.activation = 1 + (int64_t)i % 5;
      attrs.scale = 0.125;
      EXPECT_TENSOR_NEAR(runMatmul({a, b, bias, residual}, yShape, attrs),
                         expectedMatmul(a, b, false, false, *attrs.activation,
                                        0.125, &bias, &residual),
                         kF32Tol);
    }
    // Residual only: three inputs with has_bias = 0 (has_residual defaults
    // to 1), and a scale without any post-op.
    ref::Tensor residual = randomTensor(DType::F32, yShape, seed++);
    MatmulAttrs attrs;
    attrs.hasBias = 0;
    attrs.activation = 3;
    EXPECT_TENSOR_NEAR(
        runMatmul({a, b, residual}, yShape, attrs),
        expectedMatmul(a, b, false, false, 3, 1.0, nullptr, &residual),
        kF32Tol);
    MatmulAttrs scaled;
    scaled.scale = -3.5;
    EXPECT_TENSOR_NEAR(runMatmul({a, b}, yShape, scaled),
                       expectedMatmul(a, b, false, false, 0, -3.5), kF32Tol);
  }
}

TEST(RuntimeMatmulTest, Linear) {
  struct Case {
    ref::Shape x;
    int64_t out;
  } cases[] = {{{2, 7, 33}, 129},
               {{129, 129}, 7},
               {{33}, 33},
               {{1, 1}, 1},
               {{3, 1, 129}, 257}};
  uint64_t seed = 500;
  for (const Case &c : cases) {
    SCOPED_TRACE(ref::shapeToString(c.x) + " -> " + std::to_string(c.out));
    ref::Tensor x = randomTensor(DType::F32, c.x, seed++);
    ref::Tensor w = randomTensor(DType::F32, {c.out, c.x.back()}, seed++);
    ref::Tensor bias = randomTensor(DType::F32, {c.out}, seed++);
    ref::Shape yShape = c.x;
    yShape.back() = c.out;
    ref::Tensor residual = randomTensor(DType::F32, yShape, seed++);

    auto plain = runKernel("linear", {x, w}, {{DType::F32, yShape}});
    ASSERT_EQ(plain.size(), 1u);
    EXPECT_TENSOR_NEAR(plain[0], ref::linear(x, w, nullptr), kF32Tol);
    // Weights as constants, as compiled models pass them.
    auto constant = runKernel("linear", {x, w, bias}, {{DType::F32, yShape}},
                              {}, 1, /*asConstants=*/true);
    ASSERT_EQ(constant.size(), 1u);
    EXPECT_TENSOR_NEAR(constant[0], ref::linear(x, w, &bias), kF32Tol);

    for (int64_t act = 0; act <= 5; ++act) {
      SCOPED_TRACE("activation=" + std::to_string(act));
      MatmulAttrs attrs;
      attrs.activation = act;
      attrs.scale = 0.5;
      auto out = runKernel("linear", {x, w, bias, residual},
                           {{DType::F32, yShape}}, attrs.setter());
      ASSERT_EQ(out.size(), 1u);
      EXPECT_TENSOR_NEAR(
          out[0],
          epilogue(ref::linear(x, w, nullptr), act, 0.5, &bias, &residual),
          kF32Tol);
    }
  }
  // A broadcast residual and no bias.
  ref::Tensor x = randomTensor(DType::F32, {2, 7, 33}, 580);
  ref::Tensor w = randomTensor(DType::F32, {129, 33}, 581);
  ref::Tensor residual = randomTensor(DType::F32, {7, 1}, 582);
  MatmulAttrs attrs;
  attrs.hasBias = 0;
  attrs.hasResidual = 1;
  auto out = runKernel("linear", {x, w, residual}, {{DType::F32, {2, 7, 129}}},
                       attrs.setter());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TENSOR_NEAR(
      out[0], epilogue(ref::linear(x, w, nullptr), 0, 1.0, nullptr, &residual),
      kF32Tol);
}

// bf16 inputs, f32 accumulation. Against the reference on the same (already
// bf16) values the only errors are f32 accumulation (the product of two
// bf16 numbers is exact in f32), so an f32 output matches within 1e-5; a bf16
// output is rounded once more, to 8 significant bits (2^-9 relative, one ulp
// where the fused f32 value and the reference straddle a rounding boundary),
// hence 1e-2. Against f32 data before rounding to bf16, the 8-bit mantissa
// inputs themselves are the error, about 2^-9 per input: also within 1e-2.
TEST(RuntimeMatmulTest, BF16) {
  ref::Tensor a32 = randomTensor(DType::F32, {2, 129, 33}, 600);
  ref::Tensor b32 = randomTensor(DType::F32, {33, 129}, 601);
  ref::Tensor a = ref::cast(a32, DType::BF16), b = ref::cast(b32, DType::BF16);
  ref::Tensor bias = randomTensor(DType::F32, {129}, 602);
  ref::Tensor residual32 = randomTensor(DType::F32, {2, 129, 129}, 603);
  ref::Tensor residual16 = ref::cast(residual32, DType::BF16);
  ref::Shape yShape = {2, 129, 129};

  // f32 output.
  ref::Tensor y = runMatmul({a, b}, yShape);
  EXPECT_TENSOR_NEAR(y, expectedMatmul(a, b, false, false), kF32Tol);
  EXPECT_TENSOR_NEAR(y, expectedMatmul(a32, b32, false, false), 1e-2);
  MatmulAttrs attrs;
  attrs.activation = 2;
  attrs.scale = 0.5;
  EXPECT_TENSOR_NEAR(
      runMatmul({a, b, bias, residual32}, yShape, attrs),
      expectedMatmul(a, b, false, false, 2, 0.5, &bias, &residual32), kF32Tol);

  // bf16 output, with a bf16 and with an f32 residual.
  for (const ref::Tensor *residual : {&residual16, &residual32}) {
    ref::Tensor y16 =
        runMatmul({a, b, bias, *residual}, yShape, attrs, 1, DType::BF16);
    EXPECT_TENSOR_NEAR(
        y16,
        ref::cast(expectedMatmul(a, b, false, false, 2, 0.5, &bias, residual),
                  DType::BF16),
        1e-2);
  }

  // Transposed bf16 operands.
  MatmulAttrs trans;
  trans.transposeA = trans.transposeB = 1;
  ref::Tensor at = swapLast2(a), bt = swapLast2(b);
  EXPECT_TENSOR_NEAR(runMatmul({at, bt}, yShape, trans, 1, DType::BF16),
                     ref::cast(expectedMatmul(at, bt, true, true), DType::BF16),
                     1e-2);

  // linear with a bf16 weight, f32 output.
  ref::Tensor w =
      ref::cast(randomTensor(DType::F32, {7, 33}, 604), DType::BF16);
  ref::Tensor bias7 = randomTensor(DType::F32, {7}, 605);
  auto out = runKernel("linear", {a, w, bias7}, {{DType::F32, {2, 129, 7}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TENSOR_NEAR(out[0], ref::linear(toF32(a), toF32(w), &bias7), kF32Tol);
}

TEST(RuntimeMatmulTest, EmptyOutputs) {
  // M = 0 or N = 0 or a zero batch: nothing to compute, nothing to fail.
  struct Case {
    ref::Shape a, b, y;
  } cases[] = {{{0, 33}, {33, 5}, {0, 5}},
               {{7, 33}, {33, 0}, {7, 0}},
               {{0, 7, 33}, {33, 5}, {0, 7, 5}}};
  for (const Case &c : cases) {
    SCOPED_TRACE(ref::shapeToString(c.a) + " x " + ref::shapeToString(c.b));
    ref::Tensor y = runMatmul(
        {randomTensor(DType::F32, c.a, 1), randomTensor(DType::F32, c.b, 2)},
        c.y);
    EXPECT_EQ(y.shape, c.y);
    EXPECT_EQ(y.numel(), 0);
  }
}

TEST(RuntimeMatmulTest, ThreadCountDoesNotChangeBits) {
  // M = 600, K = 257, N = 129: three row blocks (of 200: the kernel aims at
  // 256) and two column blocks, all post-ops; f32 and bf16.
  ref::Tensor a = randomTensor(DType::F32, {600, 257}, 700);
  ref::Tensor b = randomTensor(DType::F32, {257, 129}, 701);
  ref::Tensor bias = randomTensor(DType::F32, {129}, 702);
  ref::Tensor residual = randomTensor(DType::F32, {600, 129}, 703);
  MatmulAttrs attrs;
  attrs.activation = 2;
  attrs.scale = 0.25;
  ref::Tensor one = runMatmul({a, b, bias, residual}, {600, 129}, attrs, 1);
  ref::Tensor three = runMatmul({a, b, bias, residual}, {600, 129}, attrs, 3);
  EXPECT_EQ(one.data, three.data);
  EXPECT_TENSOR_NEAR(
      one, expectedMatmul(a, b, false, false, 2, 0.25, &bias, &residual),
      kF32Tol);

  ref::Tensor a16 = ref::cast(a, DType::BF16), b16 = ref::cast(b, DType::BF16);
  one = runMatmul({a16, b16, bias}, {600, 129}, attrs, 1, DType::BF16);
  three = runMatmul({a16, b16, bias}, {600, 129}, attrs, 3, DType::BF16);
  EXPECT_EQ(one.data, three.data);

  // A batched linear, many tiles.
  ref::Tensor x = randomTensor(DType::F32, {4, 129, 257}, 704);
  ref::Tensor w = randomTensor(DType::F32, {300, 257}, 705);
  ref::Tensor wb = randomTensor(DType::F32, {300}, 706);
  auto l1 = runKernel("linear", {x, w, wb}, {{DType::F32, {4, 129, 300}}},
                      attrs.setter(), 1);
  auto l3 = runKernel("linear", {x, w, wb}, {{DType::F32, {4, 129, 300}}},
                      attrs.setter(), 3);
  ASSERT_EQ(l1.size(), 1u);
  ASSERT_EQ(l3.size(), 1u);
  EXPECT_EQ(l1[0].data, l3[0].data);
}

// A constant b (weights) is packed once at finalization into oneDNN's
// blocked layout, column block by column block; every tile then reads its
// block of the packed copy. Expected values: the reference interpreter.
// Shapes give several row blocks and uneven column blocks (N = 300: blocks
// of 112, 112 and 76 columns), so every tile kind reads packed weights.
TEST(RuntimeMatmulTest, ConstantWeightsArePacked) {
  ref::Tensor x = randomTensor(DType::F32, {2, 129, 257}, 720);
  ref::Tensor w = randomTensor(DType::F32, {300, 257}, 721);
  ref::Tensor bias = randomTensor(DType::F32, {300}, 722);
  ref::Tensor residual = randomTensor(DType::F32, {2, 129, 300}, 723);
  for (int64_t act = 0; act <= 5; ++act) {
    SCOPED_TRACE("linear, activation=" + std::to_string(act));
    MatmulAttrs attrs;
    attrs.activation = act;
    attrs.scale = 0.75;
    auto packed = runKernel("linear", {x, w, bias, residual},
                            {{DType::F32, {2, 129, 300}}}, attrs.setter(), 2,
                            /*asConstants=*/true);
    ASSERT_EQ(packed.size(), 1u);
    EXPECT_TENSOR_NEAR(
        packed[0],
        epilogue(ref::linear(x, w, nullptr), act, 0.75, &bias, &residual),
        kF32Tol);
  }
  // matmul with a 2-D constant b, plain and transposed, batch rows in a.
  ref::Tensor b = randomTensor(DType::F32, {257, 300}, 724);
  for (bool transB : {false, true}) {
    SCOPED_TRACE(transB ? "matmul, transpose_b" : "matmul");
    MatmulAttrs attrs;
    attrs.transposeB = transB;
    auto out = runKernel("matmul", {x, transB ? swapLast2(b) : b},
                         {{DType::F32, {2, 129, 300}}}, attrs.setter(), 1,
                         /*asConstants=*/true);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TENSOR_NEAR(out[0], expectedMatmul(x, b, false, false), kF32Tol);
  }
  // bf16 weights (packed as bf16), f32 output: within the BF16 test's bound.
  ref::Tensor x16 = ref::cast(x, DType::BF16), w16 = ref::cast(w, DType::BF16);
  auto out16 = runKernel("linear", {x16, w16, bias},
                         {{DType::F32, {2, 129, 300}}}, {}, 1,
                         /*asConstants=*/true);
  ASSERT_EQ(out16.size(), 1u);
  EXPECT_TENSOR_NEAR(out16[0], ref::linear(toF32(x16), toF32(w16), &bias),
                     1e-5);
  // f32 activations times constant bf16 weights (--precision=bf16), into f32
  // and into bf16 (one more rounding: the BF16 test's 1e-2). gemmBf16 rounds
  // the activations to bf16 too only where it multiplies bf16 pairs (its
  // Dot kernel); the reference rounds them the same way.
  bool roundsA = rt::gemmBf16Available() && rt::gemmBf16PreferredF32AKernel() !=
                                                rt::GemmBf16Kernel::FmaF32A;
  ref::Tensor xSeen = roundsA ? toF32(x16) : x;
  for (DType yType : {DType::F32, DType::BF16}) {
    SCOPED_TRACE(yType == DType::F32 ? "f32 x bf16 -> f32" : "-> bf16");
    auto mixed = runKernel("linear", {x, w16, bias}, {{yType, {2, 129, 300}}},
                           {}, 2, /*asConstants=*/true);
    ASSERT_EQ(mixed.size(), 1u);
    EXPECT_TENSOR_NEAR(toF32(mixed[0]), ref::linear(xSeen, toF32(w16), &bias),
                       yType == DType::F32 ? 1e-5 : 1e-2);
  }
}

TEST(RuntimeMatmulTest, PrimitivesAreCachedAcrossModels) {
  // A shape no other test uses, so the first finalization creates primitives.
  std::vector<OutputSpec> inputs = {
      {DType::F32, {3, 11, 19}}, {DType::F32, {19, 13}}, {DType::F32, {13}}};
  std::vector<OutputSpec> outputs = {{DType::F32, {3, 11, 13}}};
  MatmulAttrs attrs;
  attrs.activation = 4;
  size_t before = rt::primitiveCacheSize();
  auto first = finalizeKernel("matmul", inputs, outputs, attrs.setter());
  ASSERT_EQ(first.first, HEED_OK) << first.second;
  size_t afterFirst = rt::primitiveCacheSize();
  EXPECT_GT(afterFirst, before);
  auto second = finalizeKernel("matmul", inputs, outputs, attrs.setter());
  ASSERT_EQ(second.first, HEED_OK) << second.second;
  EXPECT_EQ(rt::primitiveCacheSize(), afterFirst);
}

TEST(RuntimeMatmulTest, Errors) {
  using Specs = std::vector<OutputSpec>;
  auto expectError = [](const char *kernel, const Specs &in, const Specs &out,
                        const MatmulAttrs &attrs, heed_status status,
                        const std::string &message) {
    auto [s, m] = finalizeKernel(kernel, in, out, attrs.setter());
    EXPECT_EQ(s, status) << m;
    EXPECT_EQ(m, message);
  };
  const OutputSpec a = {DType::F32, {7, 33}}, b = {DType::F32, {33, 5}},
                   y = {DType::F32, {7, 5}};
  MatmulAttrs none;

  expectError("matmul", {a, {DType::F32, {32, 5}}}, {y}, none, HEED_ERROR_SHAPE,
              "matmul: inner dimensions differ in f32[7, 33] x f32[32, 5]: "
              "K = 33 vs 32");
  MatmulAttrs transB;
  transB.transposeB = 1;
  expectError("matmul", {a, b}, {y}, transB, HEED_ERROR_SHAPE,
              "matmul: inner dimensions differ in f32[7, 33] x f32[33, 5] "
              "(transpose_b = 1): K = 33 vs 5");
  expectError("matmul", {{DType::F32, {2, 7, 33}}, {DType::F32, {3, 33, 5}}},
              {{DType::F32, {3, 7, 5}}}, none, HEED_ERROR_SHAPE,
              "matmul: batch dimensions do not broadcast in f32[2, 7, 33] x "
              "f32[3, 33, 5]");
  expectError("matmul", {{DType::F32, {33}}, b}, {y}, none, HEED_ERROR_SHAPE,
              "matmul: operands must have rank >= 2, got f32[33] and "
              "f32[33, 5]");
  expectError("matmul", {a, b}, {{DType::F32, {7, 6}}}, none, HEED_ERROR_SHAPE,
              "matmul: output f32[7, 6] should be f32[7, 5]");
  expectError("matmul", {a, b, {DType::F32, {6}}}, {y}, none, HEED_ERROR_SHAPE,
              "matmul: bias f32[6] does not broadcast to the output f32[7, 5]");
  expectError("matmul", {a, b, {DType::F32, {5}}, {DType::F32, {2, 7, 5}}}, {y},
              none, HEED_ERROR_SHAPE,
              "matmul: residual f32[2, 7, 5] does not broadcast to the output "
              "f32[7, 5]");
  expectError(
      "matmul", {a, {DType::BF16, {33, 5}}}, {y}, none, HEED_ERROR_DTYPE,
      "matmul: unsupported dtypes f32[7, 33] x bf16[33, 5] -> f32[7, 5] "
      "(supported: f32 x f32 -> f32, bf16 x bf16 -> f32 or bf16, f32 x "
      "constant bf16 -> f32 or bf16)");
  expectError("matmul", {a, b}, {{DType::BF16, {7, 5}}}, none, HEED_ERROR_DTYPE,
              "matmul: unsupported dtypes f32[7, 33] x f32[33, 5] -> "
              "bf16[7, 5] (supported: f32 x f32 -> f32, bf16 x bf16 -> f32 "
              "or bf16, f32 x constant bf16 -> f32 or bf16)");
  expectError("matmul", {{DType::I64, {7, 33}}, {DType::I64, {33, 5}}},
              {{DType::I64, {7, 5}}}, none, HEED_ERROR_DTYPE,
              "matmul: unsupported dtypes i64[7, 33] x i64[33, 5] -> i64[7, 5] "
              "(supported: f32 x f32 -> f32, bf16 x bf16 -> f32 or bf16, f32 x "
              "constant bf16 -> f32 or bf16)");
  expectError("matmul", {a, b, {DType::BF16, {5}}}, {y}, none, HEED_ERROR_DTYPE,
              "matmul: bias must be f32, got bf16[5]");
  expectError("matmul",
              {{DType::BF16, {7, 33}},
               {DType::BF16, {33, 5}},
               {DType::F32, {5}},
               {DType::BF16, {7, 5}}},
              {y}, none, HEED_ERROR_DTYPE,
              "matmul: residual must be f32 or the output's dtype, got "
              "bf16[7, 5]");

  MatmulAttrs badAct;
  badAct.activation = 6;
  expectError("matmul", {a, b}, {y}, badAct, HEED_ERROR_INVALID_ARGUMENT,
              "matmul: unknown activation 6 (expected 0 none, 1 relu, 2 gelu, "
              "3 tanh, 4 sigmoid, 5 silu)");
  badAct.activation = -1;
  expectError("linear", {a, {DType::F32, {5, 33}}}, {y}, badAct,
              HEED_ERROR_INVALID_ARGUMENT,
              "linear: unknown activation -1 (expected 0 none, 1 relu, 2 gelu, "
              "3 tanh, 4 sigmoid, 5 silu)");
  MatmulAttrs badFlag;
  badFlag.transposeA = 2;
  expectError("matmul", {a, b}, {y}, badFlag, HEED_ERROR_INVALID_ARGUMENT,
              "matmul: transpose_a must be 0 or 1, got 2");
  MatmulAttrs missing;
  missing.hasBias = 1;
  missing.hasResidual = 1;
  expectError("matmul", {a, b, {DType::F32, {5}}}, {y}, missing,
              HEED_ERROR_INVALID_ARGUMENT,
              "matmul: has_bias = 1 and has_residual = 1 need 4 inputs, got 3");
  expectError("matmul", {a}, {y}, none, HEED_ERROR_INVALID_ARGUMENT,
              "matmul: expected 2-4 inputs and 1 outputs, got 1 and 1");
  expectError("matmul", {{DType::F32, {7, 0}}, {DType::F32, {0, 5}}}, {y}, none,
              HEED_ERROR_SHAPE,
              "matmul: inner dimension K is 0 in f32[7, 0] x f32[0, 5]");

  expectError("linear", {a, {DType::F32, {5, 32}}}, {y}, none, HEED_ERROR_SHAPE,
              "linear: cannot apply weight f32[5, 32] to input f32[7, 33]");
  expectError("linear", {a, {DType::F32, {5, 33}}, {DType::F32, {1, 5}}}, {y},
              none, HEED_ERROR_SHAPE,
              "linear: bias f32[1, 5] does not match 5 output features");
  expectError("linear", {a, {DType::F32, {5, 33}}}, {{DType::F32, {7, 33}}},
              none, HEED_ERROR_SHAPE,
              "linear: output f32[7, 33] should be f32[7, 5]");
}

} // namespace
