//===- AttnFuse.cpp - Spelled-out attention into attn.attention -----------===//
//
// Four rewrite patterns under the greedy driver:
//   FuseSoftmax         a softmax written out, exp(x - max) / sum, becomes
//                       heed.softmax (then part of a chain like any other);
//   FuseAttentionChain  a spelled-out chain from its `matmul(P, V)`
//                       (AttentionChain.h says which forms) becomes
//                       attn.attention; K^T = transpose(K', perm) gives
//                       K = transpose(K', perm with the last two swapped),
//                       any other K^T gives K = transpose(K^T);
//   FuseGate            `attention * sigmoid(gate)` becomes
//                       attn.gated_attention;
//   FuseAdditive        the seed's additive (Bahdanau) attention written out
//                       becomes attn.additive_attention.
//
// Q, K, V of rank 2 to 4 become [B, H, L, D] through reshapes; K and V
// repeated to the query heads in the graph (grouped-query attention) are
// read with their own heads, without the copy. When the
// probabilities P are used elsewhere the fused op returns them
// (`return_probs`); other intermediate values used elsewhere (scores shared
// by two chains, say) are left for those users and erased once dead. A
// near-match (a softmax feeding a matmul) that is not fused says why with
// notifyMatchFailure, a remark when the pass runs with `remarks`.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/tensor/ApplyPatterns.h"
#include "passes/tensor/AttentionChain.h"
#include "passes/tensor/GraphUtils.h"

#include "attn/AttnOps.h"
#include "heed/CreateInferred.h"
#include "heed/HeedOps.h"

namespace heed {
#define GEN_PASS_DEF_ATTNFUSE
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;

namespace {

int64_t rankOf(Value v) { return cast<ShapedType>(v.getType()).getRank(); }

/// Q, K or V as [B, H, L, D].
Value toFourD(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = cast<ShapedType>(v.getType()).getShape();
  SmallVector<int64_t> shape(s.begin(), s.end());
  while (shape.size() < 4)
    shape.insert(shape.end() - 2, 1);
  return reshapeTo(b, loc, v, shape);
}

/// A mask that broadcast against rank-r scores, for rank-4 scores: rank-3
/// masks [B, Lq, Lk] get a head dim; rank-2 ones broadcast as they are.
Value maskToFourD(OpBuilder &b, Location loc, Value mask, int64_t rank) {
  ArrayRef<int64_t> s = cast<ShapedType>(mask.getType()).getShape();
  if (rank == 4 || s.size() <= 2)
    return mask;
  SmallVector<int64_t> shape(s.begin(), s.end());
  while ((int64_t)shape.size() < rank)
    shape.insert(shape.begin(), 1);
  shape.insert(shape.end() - 2, 1); // [B, Lq, Lk] -> [B, 1, Lq, Lk]
  while (shape.size() > 4)
    shape.erase(shape.begin());
  return reshapeTo(b, loc, mask, shape);
}

/// Rewrites a matched chain into attn.attention.
struct FuseAttentionChain : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp root,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<AttentionChain> chain = matchAttentionChain(root, reason);
    if (failed(chain))
      return reason.empty() ? failure()
                            : rewriter.notifyMatchFailure(
                                  root, "attn-fuse: not fused: " + reason);
    return rewrite(root, *chain, rewriter);
  }

private:
  LogicalResult rewrite(MatmulOp root, AttentionChain &chain,
                        PatternRewriter &rewriter) const;
};

LogicalResult FuseAttentionChain::rewrite(MatmulOp root, AttentionChain &chain,
                                          PatternRewriter &rewriter) const {
  Location loc = root.getLoc();
  int64_t rank = rankOf(chain.query);
  // Everything built here goes right before the root, after \p anchor:
  // erased again if the fused op cannot be built.
  Operation *anchor = root->getPrevNode();
  auto transposed = [&](Value x, ArrayRef<int64_t> perm) -> Value {
    return createInferred<TransposeOp>(
               rewriter, loc, x,
               rewriter.getNamedAttr("perm",
                                     rewriter.getDenseI64ArrayAttr(perm)))
        ->getResult();
  };

  // K from K^T without copying when K^T is itself a transpose.
  Value key;
  SmallVector<int64_t> swap;
  for (int64_t i = 0; i < rank; ++i)
    swap.push_back(i);
  std::swap(swap[rank - 1], swap[rank - 2]);
  if (auto t = chain.keyTransposed.getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> perm(t.getPerm().begin(), t.getPerm().end());
    std::swap(perm[rank - 1], perm[rank - 2]);
    bool identity = llvm::all_of(llvm::enumerate(perm), [](auto p) {
      return (int64_t)p.index() == p.value();
    });
    key = identity ? Value(t.getInput()) : transposed(t.getInput(), perm);
  } else {
    key = transposed(chain.keyTransposed, swap);
  }

  Value mask = chain.mask;
  if (mask && chain.finiteFill) {
    // Additive: 0 where kept, the fill where hidden, as the select did.
    auto scalar = [&](double v) {
      auto type = RankedTensorType::get({}, rewriter.getF32Type());
      return createInferred<ConstantOp>(
                 rewriter, loc, {},
                 rewriter.getNamedAttr("value",
                                       DenseElementsAttr::get(type, (float)v)))
          ->getResult();
    };
    Value keep = scalar(0.0), hide = scalar(*chain.finiteFill);
    mask =
        createInferred<WhereOp>(rewriter, loc,
                                chain.negateMask ? ValueRange{mask, hide, keep}
                                                 : ValueRange{mask, keep, hide})
            ->getResult();
  } else if (mask && chain.negateMask) {
    mask = createInferred<NotOp>(rewriter, loc, mask)->getResult();
  }
  if (mask)
    mask = maskToFourD(rewriter, loc, mask, rank);
  Value value = chain.value;
  if (rank == 4) {
    key = peelHeadRepeat(key);
    value = peelHeadRepeat(value);
  }
  SmallVector<Value> operands = {toFourD(rewriter, loc, chain.query),
                                 toFourD(rewriter, loc, key),
                                 toFourD(rewriter, loc, value)};
  if (mask)
    operands.push_back(mask);
  // Probabilities used outside the chain, guarded or not, come from the
  // fused op (whose rows are never NaN, so the guard changes nothing).
  auto usedOutside = [&](Value v) {
    return v && llvm::any_of(v.getUsers(), [&](Operation *u) {
             return !llvm::is_contained(chain.ops, u);
           });
  };
  bool returnProbs =
      usedOutside(chain.softmax.getResult()) || usedOutside(chain.guarded);
  SmallVector<NamedAttribute> attrs = {
      rewriter.getNamedAttr("scale", rewriter.getF64FloatAttr(chain.scale))};
  if (returnProbs)
    attrs.push_back(
        rewriter.getNamedAttr("return_probs", rewriter.getUnitAttr()));
  if (std::optional<std::string> map = sourceName(chain.softmax.getLoc()))
    attrs.push_back(rewriter.getNamedAttr(kAttentionMapAttrName,
                                          rewriter.getStringAttr(*map)));
  FailureOr<attn::AttentionOp> fused =
      createInferred<attn::AttentionOp>(rewriter, loc, operands, attrs);
  if (failed(fused)) {
    while (root->getPrevNode() != anchor)
      rewriter.eraseOp(root->getPrevNode());
    return rewriter.notifyMatchFailure(
        root, "attn-fuse: not fused: the fused op would not verify "
              "(unsupported shapes or dtypes)");
  }
  auto resultShape = [](Value v) {
    return cast<ShapedType>(v.getType()).getShape();
  };
  if (returnProbs) {
    Value probs = reshapeTo(rewriter, loc, fused->getProbs(),
                            resultShape(chain.softmax.getResult()));
    for (Value v : {Value(chain.softmax.getResult()), chain.guarded})
      if (v)
        rewriter.replaceUsesWithIf(v, probs, [&](OpOperand &use) {
          return !llvm::is_contained(chain.ops, use.getOwner());
        });
  }
  rewriter.replaceOp(root, reshapeTo(rewriter, loc, fused->getOutput(),
                                     resultShape(root.getResult())));
  // Erase what is now dead, users before producers (the root is gone).
  for (Operation *op : llvm::drop_begin(chain.ops))
    if (op->use_empty())
      rewriter.eraseOp(op);
  return success();
}

/// attention(...) * sigmoid(gate), in either order, becomes
/// attn.gated_attention when the attention output is used only there.
struct FuseGate : public OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto attention = mul->getOperand(side).getDefiningOp<attn::AttentionOp>();
      auto sigmoid = mul->getOperand(1 - side).getDefiningOp<SigmoidOp>();
      if (!attention || !sigmoid || attention.getReturnProbs() ||
          !attention.getOutput().hasOneUse() ||
          mul.getType() != attention.getOutput().getType() ||
          sigmoid.getType() != mul.getType())
        continue;
      SmallVector<Value> operands = {attention.getQuery(), attention.getKey(),
                                     attention.getValue(), sigmoid.getInput()};
      if (attention.getMask())
        operands.push_back(attention.getMask());
      SmallVector<NamedAttribute> attrs;
      for (NamedAttribute a : attention->getAttrs())
        if (a.getName() != "return_probs")
          attrs.push_back(a);
      FailureOr<attn::GatedAttentionOp> gated =
          createInferred<attn::GatedAttentionOp>(rewriter, mul.getLoc(),
                                                 operands, attrs);
      if (failed(gated))
        return failure();
      rewriter.replaceOp(mul, gated->getOutput());
      rewriter.eraseOp(attention);
      return success();
    }
    return failure();
  }
};

/// The seed's additive (Bahdanau) attention written out:
///   pairs   = concat(broadcast_to(reshape(h, [B, 1, D]), [B, T, D]), s, 2)
///   scores  = reshape(linear(pairs, W [1, 2D], b?), [B, T])
///   alpha   = softmax(scores, axis = 1)
///   context = h + reshape(matmul(reshape(alpha, [B, 1, T]), s), [B, D])
/// becomes attn.additive_attention(h, s, W, b), whose alpha replaces the
/// softmax's other uses.
struct FuseAdditive : public OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    auto shapeOf = [](Value v) {
      return cast<ShapedType>(v.getType()).getShape();
    };
    for (int side = 0; side < 2; ++side) {
      Value h = add->getOperand(side), rest = add->getOperand(1 - side);
      if (shapeOf(h).size() != 2 || add.getType() != h.getType())
        continue;
      int64_t b = shapeOf(h)[0], d = shapeOf(h)[1];
      auto ctx = rest.getDefiningOp<ReshapeOp>();
      auto mm = ctx ? ctx.getInput().getDefiningOp<MatmulOp>() : nullptr;
      auto a3 = mm ? mm.getLhs().getDefiningOp<ReshapeOp>() : nullptr;
      auto softmax = a3 ? a3.getInput().getDefiningOp<SoftmaxOp>() : nullptr;
      if (!softmax || softmax.getAxis() != 1 || shapeOf(a3).size() != 3 ||
          shapeOf(a3)[1] != 1)
        continue;
      Value states = mm.getRhs();
      ArrayRef<int64_t> st = shapeOf(states);
      if (st.size() != 3 || st[0] != b || st[2] != d)
        continue;
      auto scores = softmax.getInput().getDefiningOp<ReshapeOp>();
      auto linear =
          scores ? scores.getInput().getDefiningOp<LinearOp>() : nullptr;
      auto concat =
          linear ? linear.getInput().getDefiningOp<ConcatOp>() : nullptr;
      if (!concat || concat.getInputs().size() != 2 || concat.getAxis() != 2 ||
          concat.getInputs()[1] != states ||
          shapeOf(linear.getWeight()) != ArrayRef<int64_t>{1, 2 * d})
        continue;
      auto bcast = concat.getInputs()[0].getDefiningOp<BroadcastToOp>();
      auto h3 = bcast ? bcast.getInput().getDefiningOp<ReshapeOp>() : nullptr;
      if (!h3 || h3.getInput() != h)
        continue;
      SmallVector<Value> operands = {h, states, linear.getWeight()};
      if (linear.getBias())
        operands.push_back(linear.getBias());
      FailureOr<attn::AdditiveAttentionOp> fused =
          createInferred<attn::AdditiveAttentionOp>(rewriter, add.getLoc(),
                                                    operands);
      if (failed(fused))
        continue;
      if (std::optional<std::string> map = sourceName(softmax.getLoc()))
        (*fused)->setAttr(kAttentionMapAttrName, rewriter.getStringAttr(*map));
      rewriter.replaceUsesWithIf(
          softmax.getResult(), fused->getAlpha(),
          [&](OpOperand &use) { return use.getOwner() != a3; });
      rewriter.replaceOp(add, fused->getOutput());
      return success();
    }
    return failure();
  }
};

/// The reduction of \p v along one axis whose result keeps that axis as
/// extent 1 (`keepdim = true`, or a reshape of the reduced value that puts
/// the 1 back): the reduce op and the axis.
template <typename ReduceTy>
std::optional<std::pair<ReduceTy, int64_t>> keptReduction(Value v) {
  auto reduce = v.getDefiningOp<ReduceTy>();
  if (auto reshape = v.getDefiningOp<ReshapeOp>())
    reduce = reshape.getInput().getDefiningOp<ReduceTy>();
  if (!reduce || reduce.getAxes().size() != 1)
    return std::nullopt;
  int64_t axis = reduce.getAxes()[0];
  SmallVector<int64_t> kept(
      cast<ShapedType>(reduce.getInput().getType()).getShape());
  kept[axis] = 1;
  if (cast<ShapedType>(v.getType()).getShape() != ArrayRef(kept))
    return std::nullopt;
  return std::make_pair(reduce, axis);
}

/// A softmax written out, `e / reduce_sum(e, axis, keepdim)` with
/// `e = exp(x - reduce_max(x, axis, keepdim))` or `e = exp(x)`, becomes
/// heed.softmax(x, axis): one pass over the rows instead of four ops and
/// three temporaries, and the form the attention chain matches.
struct FuseSoftmax : public OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    auto exp = div.getLhs().getDefiningOp<ExpOp>();
    auto sum = keptReduction<ReduceSumOp>(div.getRhs());
    if (!exp || !sum || sum->first.getInput() != exp.getResult() ||
        div.getType() != exp.getType())
      return failure();
    int64_t axis = sum->second;
    Value x = exp.getInput();
    if (auto sub = x.getDefiningOp<SubOp>()) {
      auto max = keptReduction<ReduceMaxOp>(sub.getRhs());
      if (max && max->second == axis && max->first.getInput() == sub.getLhs() &&
          sub.getType() == sub.getLhs().getType())
        x = sub.getLhs();
    }
    FailureOr<SoftmaxOp> softmax = createInferred<SoftmaxOp>(
        rewriter, div.getLoc(), x,
        rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(axis)));
    if (failed(softmax))
      return failure();
    rewriter.replaceOp(div, softmax->getResult());
    return success();
  }
};

struct AttnFusePass : heed::impl::AttnFuseBase<AttnFusePass> {
  using AttnFuseBase::AttnFuseBase;

  void runOnOperation() override {
    // The attention ops that exist before, so that what is new is known.
    llvm::DenseSet<Operation *> before;
    getOperation().walk([&](Operation *op) {
      if (isa<attn::AttentionOpInterface, attn::AdditiveAttentionOp>(op))
        before.insert(op);
    });
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseSoftmax, FuseAttentionChain, FuseGate, FuseAdditive>(
        &getContext());
    // The driver takes the last root first: a later chain is fused before
    // an earlier one it may contain. What only the fused chains used
    // (constants, transposes, sigmoids) is erased afterwards.
    applyTensorPatterns(
        getOperation(),
        [](Operation *op) { return isa<MatmulOp, MulOp, AddOp, DivOp>(op); },
        FrozenRewritePatternSet(std::move(patterns)), remarks);
    if (!reportFused)
      return;
    getOperation().walk([&](Operation *op) {
      if (!isa<attn::AttentionOpInterface, attn::AdditiveAttentionOp>(op) ||
          before.contains(op))
        return;
      InFlightDiagnostic remark = op->emitRemark("attn-fuse: fused into ")
                                  << op->getName();
      if (auto a = dyn_cast<attn::AttentionOpInterface>(op)) {
        remark << " (scale " << a.getScaleFactor();
        if (a.getMask())
          remark << ", with a mask";
        remark << ")";
      }
    });
  }
};

} // namespace
