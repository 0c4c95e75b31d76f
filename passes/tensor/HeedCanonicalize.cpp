//===- HeedCanonicalize.cpp - Canonical form of heed graphs ---------------===//
//
// Rewrite patterns that give the tensor-level passes one form to match:
//
//   reshape(x) to x's own shape, transpose(x) by the identity
//   permutation, broadcast_to(x) to x's own shape, x * 1, x / 1   -> x
//   reshape(reshape(x))                                 -> reshape(x)
//   transpose(transpose(x, p), q)                       -> transpose(x, p.q)
//   reshape / transpose / broadcast_to of a splat      -> the splat reshaped
//   a unary op of a float splat (UnaryMap: its own definition, in double,
//     rounded to the dtype)                            -> a splat
//   add / sub / mul / div of two float splats          -> a splat (computed
//     in double, rounded to f32, then to the dtype: as the kernels compute)
//
// Every fold is exact: it gives the values the unfolded graph computes.
// Ops that were dead before the pass stay (what a model reads, its
// parameters and the ops that set an integer input's --random-inputs bound,
// does not depend on -O); ops the rewrites leave dead are erased.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/tensor/ApplyPatterns.h"
#include "passes/tensor/GraphUtils.h"

#include "attn/TensorOpVisitor.h"
#include "heed/CreateInferred.h"

namespace heed {
#define GEN_PASS_DEF_HEEDCANONICALIZE
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;

namespace {

/// The splat value of \p v when it is a splat constant.
DenseElementsAttr splatOf(Value v) {
  auto constant = v.getDefiningOp<ConstantOp>();
  auto dense =
      constant ? dyn_cast<DenseElementsAttr>(constant.getValue()) : nullptr;
  return dense && dense.isSplat() ? dense : nullptr;
}

/// Replaces \p op by a constant of its result type holding \p value.
LogicalResult replaceBySplat(Operation *op, Attribute value,
                             PatternRewriter &rewriter) {
  auto type = cast<ShapedType>(op->getResult(0).getType());
  auto splat = DenseElementsAttr::get(type, value);
  FailureOr<ConstantOp> constant = createInferred<ConstantOp>(
      rewriter, op->getLoc(), {}, rewriter.getNamedAttr("value", splat));
  if (failed(constant))
    return failure();
  rewriter.replaceOp(op, constant->getResult());
  return success();
}

/// \p value rounded to the float type \p type (round to nearest even).
FloatAttr roundTo(FloatType type, double value) {
  APFloat f(value);
  bool lost;
  f.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  return FloatAttr::get(type, f);
}

/// An op that moves data only changes where a splat's elements are: the
/// same splat in the result's shape.
template <typename OpTy> struct MoveOfSplat : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr splat = splatOf(op->getOperand(0));
    if (!splat)
      return failure();
    return replaceBySplat(op, splat.getSplatValue<Attribute>(), rewriter);
  }
};

/// reshape or broadcast_to that gives its input's type (a transpose may
/// give its input's type and still move elements: IdentityTranspose).
template <typename OpTy> struct NoOpMove : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    if (input.getType() != op.getType())
      return failure();
    rewriter.replaceOp(op, input);
    return success();
  }
};

struct ReshapeOfReshape : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getInputMutable().assign(inner.getInput()); });
    return success();
  }
};

struct TransposeOfTranspose : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    // result[i] = inner[outer[i]] = x[innerPerm[outerPerm[i]]].
    ArrayRef<int64_t> outer = op.getPerm(), innerPerm = inner.getPerm();
    SmallVector<int64_t> perm;
    for (int64_t p : outer)
      perm.push_back(innerPerm[p]);
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(inner.getInput());
      op.setPerm(perm);
    });
    return success();
  }
};

struct IdentityTranspose : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [i, p] : llvm::enumerate(op.getPerm()))
      if ((int64_t)i != p)
        return failure();
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

/// A unary op of a float splat: its definition (OpTy::evaluate) on the
/// splat's value.
template <typename OpTy> struct UnaryOfSplat : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr splat = splatOf(op->getOperand(0));
    auto type = splat ? dyn_cast<FloatType>(splat.getElementType()) : nullptr;
    if (!type)
      return failure();
    double x = splat.getSplatValue<APFloat>().convertToDouble();
    return replaceBySplat(op, roundTo(type, OpTy::evaluate(x)), rewriter);
  }
};

/// add, sub, mul, div of two float splats of one dtype.
template <typename OpTy>
struct ArithmeticOfSplats : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr a = splatOf(op.getLhs()), b = splatOf(op.getRhs());
    auto type = a ? dyn_cast<FloatType>(a.getElementType()) : nullptr;
    if (!type || !b || b.getElementType() != type)
      return failure();
    double x = a.getSplatValue<APFloat>().convertToDouble();
    double y = b.getSplatValue<APFloat>().convertToDouble();
    double r = std::is_same_v<OpTy, AddOp>   ? x + y
               : std::is_same_v<OpTy, SubOp> ? x - y
               : std::is_same_v<OpTy, MulOp> ? x * y
                                             : x / y;
    // The kernels compute narrow floats in f32 and round the result.
    double f32 = roundTo(rewriter.getF32Type(), r).getValueAsDouble();
    return replaceBySplat(op, roundTo(type, f32), rewriter);
  }
};

/// x * 1, 1 * x and x / 1 (float ones) of x's own type.
template <typename OpTy> struct TimesOne : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      if (side == 0 && std::is_same_v<OpTy, DivOp>)
        continue; // 1 / x is not x
      Value one = op->getOperand(side), x = op->getOperand(1 - side);
      std::optional<double> c = getSplatFloat(one);
      if (c && *c == 1.0 && x.getType() == op.getType()) {
        rewriter.replaceOp(op, x);
        return success();
      }
    }
    return failure();
  }
};

struct HeedCanonicalizePass
    : heed::impl::HeedCanonicalizeBase<HeedCanonicalizePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<
        NoOpMove<ReshapeOp>, NoOpMove<BroadcastToOp>, MoveOfSplat<ReshapeOp>,
        MoveOfSplat<TransposeOp>, MoveOfSplat<BroadcastToOp>, ReshapeOfReshape,
        TransposeOfTranspose, IdentityTranspose, ArithmeticOfSplats<AddOp>,
        ArithmeticOfSplats<SubOp>, ArithmeticOfSplats<MulOp>,
        ArithmeticOfSplats<DivOp>, TimesOne<MulOp>, TimesOne<DivOp>>(ctx);
    TensorOpClasses::forEach([&](auto op) {
      using OpTy = decltype(op);
      if constexpr (hasTrait<OpTy, heed::OpTrait::UnaryMap>())
        patterns.add<UnaryOfSplat<OpTy>>(ctx);
    });
    applyTensorPatterns(
        getOperation(),
        [](Operation *op) { return !isa<ParamOp, ConstantOp>(op); },
        FrozenRewritePatternSet(std::move(patterns)), /*remarks=*/false);
  }
};

} // namespace
