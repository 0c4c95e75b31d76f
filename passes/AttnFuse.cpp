//===- AttnFuse.cpp - Spelled-out attention into attn.attention -----------===//
//
// Starts at each `matmul(P, V)` whose P is a softmax over the last axis and
// walks the scores back towards `matmul(Q, K^T)`:
//
//   P      = softmax(S) | where(ne(x, x), 0, x) with x = softmax(S) (NaN guard)
//   S      = where(mask, S', c <= -1e4) | where(mask, c, S') (mask negated)
//          | S' + mask | mask + S'           (additive masks, f32)
//          | S' * c | c * S' | S' / c        (scalar c; any number of times)
//   S'     = matmul(Q * c?, Kt * c?)         (scale folded into Q or K)
//   Kt     = transpose(K', perm) -> K = transpose(K', perm with the last two
//            swapped), or any other Kt -> K = transpose(Kt)
//
// Then `attention * sigmoid(gate)` becomes attn.gated_attention, and the
// seed's additive (Bahdanau) attention written out becomes
// attn.additive_attention (see fuseAdditive).
//
// Q, K, V of rank 2 to 4 become [B, H, L, D] through reshapes; K and V
// repeated to the query heads in the graph (grouped-query attention) are
// read with their own heads, without the copy. When the
// probabilities P are used elsewhere the fused op returns them
// (`return_probs`); other intermediate values used elsewhere (scores shared
// by two chains, say) are left for those users and erased once dead. A
// near-match (a softmax feeding a matmul) that is not fused gets a remark
// saying why when the pass runs with `remarks`.
//
//===----------------------------------------------------------------------===//

#include "passes/GraphUtils.h"
#include "passes/Passes.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <cmath>

namespace heed {
#define GEN_PASS_DEF_ATTNFUSE
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;

namespace {

/// Scores below this (after scaling) count as "masked out".
constexpr double kMaskedScore = -1e4;

/// What the walk found.
struct Chain {
  Value query, keyTransposed, value, mask, probs;
  /// The NaN-guarded probabilities, when the chain has a guard.
  Value guarded;
  /// Q, K or V with the scale folded in, before it (see fold*).
  double scale = 1.0;
  bool negateMask = false;
  /// The select's fill when it is finite (-1e9, say): a row that hides
  /// every key then averages them, so the mask becomes the additive
  /// where(mask, 0, fill) rather than an i1 mask (which would give zeros).
  std::optional<double> finiteFill;
  /// The softmax, whose result the fused op can return.
  SoftmaxOp softmax;
  /// Every op of the chain, root first, to erase after the rewrite.
  SmallVector<Operation *> ops;
};

int64_t rankOf(Value v) { return cast<ShapedType>(v.getType()).getRank(); }

/// Peels `x * c`, `c * x`, `x / c` into \p scale.
Value peelScale(Value value, double &scale, SmallVector<Operation *> &ops) {
  while (true) {
    if (auto mul = value.getDefiningOp<MulOp>()) {
      if (auto c = getSplatFloat(mul.getRhs());
          c && rankOf(mul.getRhs()) <= rankOf(mul.getLhs()) &&
          mul.getType() == mul.getLhs().getType()) {
        scale *= *c;
        ops.push_back(mul);
        value = mul.getLhs();
        continue;
      }
      if (auto c = getSplatFloat(mul.getLhs());
          c && mul.getType() == mul.getRhs().getType()) {
        scale *= *c;
        ops.push_back(mul);
        value = mul.getRhs();
        continue;
      }
    }
    if (auto div = value.getDefiningOp<DivOp>())
      if (auto c = getSplatFloat(div.getRhs());
          c && *c != 0 && div.getType() == div.getLhs().getType()) {
        scale /= *c;
        ops.push_back(div);
        value = div.getLhs();
        continue;
      }
    return value;
  }
}

/// Walks from `matmul(P, V)`; a failure carries the reason (for remarks),
/// an empty reason when \p root is not attention at all.
FailureOr<Chain> matchChain(MatmulOp root, std::string &reason) {
  Chain chain;
  chain.ops.push_back(root);
  chain.value = root.getRhs();
  Value probs = root.getLhs();
  // NaN guard: where(ne(x, x), 0, x).
  if (auto guard = probs.getDefiningOp<WhereOp>()) {
    auto isNan = guard.getCond().getDefiningOp<NeOp>();
    auto zero = getSplatFloat(guard.getLhs());
    if (isNan && isNan.getLhs() == isNan.getRhs() &&
        isNan.getLhs() == guard.getRhs() && zero && *zero == 0 &&
        guard.getType() == guard.getRhs().getType()) {
      chain.ops.append({guard, isNan});
      chain.guarded = guard.getResult();
      probs = guard.getRhs();
    }
  }
  chain.softmax = probs.getDefiningOp<SoftmaxOp>();
  if (!chain.softmax)
    return failure(); // not attention: no remark
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  if ((int64_t)chain.softmax.getAxis() != rankOf(probs) - 1)
    return fail("the softmax is not over the last axis");
  chain.ops.push_back(chain.softmax);
  chain.probs = probs;
  Type scoresType = chain.softmax.getInput().getType();

  // Masks and scales, outermost first.
  Value scores = chain.softmax.getInput();
  bool maskSeen = false;
  double scaleOutsideMask = 1.0;
  while (true) {
    double before = chain.scale;
    scores = peelScale(scores, chain.scale, chain.ops);
    if (!maskSeen)
      scaleOutsideMask *= chain.scale / before;
    if (auto where = scores.getDefiningOp<WhereOp>()) {
      if (chain.mask)
        return fail("more than one mask");
      auto low = getSplatFloat(where.getRhs());
      auto lowLhs = getSplatFloat(where.getLhs());
      if (where.getType() != scoresType)
        return fail("the mask widens the scores");
      if (low && *low <= kMaskedScore) {
        chain.mask = where.getCond();
        scores = where.getLhs();
      } else if (lowLhs && *lowLhs <= kMaskedScore) {
        chain.mask = where.getCond();
        chain.negateMask = true;
        scores = where.getRhs();
        low = lowLhs;
      } else {
        return fail("the select does not mask with -inf or a large negative "
                    "number");
      }
      if (!std::isinf(*low))
        chain.finiteFill = *low;
      chain.ops.push_back(where);
      maskSeen = true;
      continue;
    }
    if (auto add = scores.getDefiningOp<AddOp>()) {
      if (chain.mask)
        return fail("more than one mask");
      if (scaleOutsideMask != 1.0)
        return fail("the scale multiplies the additive mask too");
      if (add.getType() != scoresType)
        return fail("the mask widens the scores");
      // The scores side leads to the matmul; the other is the mask.
      auto leadsToScores = [](Value v) {
        Operation *def = v.getDefiningOp();
        return def && isa<MatmulOp, MulOp, DivOp, WhereOp>(def);
      };
      bool lhsScores =
          leadsToScores(add.getLhs()) && add.getLhs().getType() == scoresType;
      chain.mask = lhsScores ? add.getRhs() : add.getLhs();
      scores = lhsScores ? add.getLhs() : add.getRhs();
      if (scores.getType() != scoresType)
        return fail("neither side of the add is the scores");
      chain.ops.push_back(add);
      maskSeen = true;
      continue;
    }
    break;
  }
  if (chain.scale <= 0)
    return fail("the scale is not positive");

  auto qk = scores.getDefiningOp<MatmulOp>();
  if (!qk)
    return fail("the softmax input is not matmul(Q, K^T) with a mask and "
                "scale");
  chain.ops.push_back(qk);
  chain.query = peelScale(qk.getLhs(), chain.scale, chain.ops);
  chain.keyTransposed = peelScale(qk.getRhs(), chain.scale, chain.ops);

  // Shapes: equal batch dims, rank 2 to 4.
  auto q = cast<ShapedType>(chain.query.getType());
  auto kt = cast<ShapedType>(chain.keyTransposed.getType());
  auto v = cast<ShapedType>(chain.value.getType());
  if (q.getRank() < 2 || q.getRank() > 4 || q.getRank() != kt.getRank() ||
      q.getRank() != v.getRank())
    return fail("Q, K and V must have the same rank, 2 to 4");
  if (q.getShape().drop_back(2) != kt.getShape().drop_back(2) ||
      q.getShape().drop_back(2) != v.getShape().drop_back(2))
    return fail("Q, K and V have different batch or head dimensions");
  if (chain.mask && rankOf(chain.mask) > q.getRank())
    return fail("the mask has a higher rank than the scores");

  return chain;
}

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

/// K or V repeated to the query heads in the graph (grouped-query
/// attention): reshape [B, Hkv, L, D] -> [B, Hkv, 1, L, D], broadcast_to
/// [B, Hkv, G, L, D], reshape [B, Hkv * G, L, D]; or a broadcast_to of
/// [B, 1, L, D] (one key/value head). The fused op reads the Hkv heads
/// directly (no copy); returns \p v itself otherwise.
Value peelHeadRepeat(Value v) {
  auto shapeOf = [](Value x) {
    return cast<ShapedType>(x.getType()).getShape();
  };
  if (auto b = v.getDefiningOp<BroadcastToOp>()) {
    ArrayRef<int64_t> from = shapeOf(b.getInput()), to = shapeOf(v);
    if (from.size() == 4 && from[1] == 1 && from[0] == to[0] &&
        from.drop_front(2) == to.drop_front(2))
      return b.getInput();
    return v;
  }
  auto merge = v.getDefiningOp<ReshapeOp>();
  auto b = merge ? merge.getInput().getDefiningOp<BroadcastToOp>() : nullptr;
  auto split = b ? b.getInput().getDefiningOp<ReshapeOp>() : nullptr;
  if (!split)
    return v;
  ArrayRef<int64_t> x = shapeOf(split.getInput()), s1 = shapeOf(split),
                    s2 = shapeOf(b), out = shapeOf(v);
  if (x.size() != 4 || s1.size() != 5 || s2.size() != 5 || out.size() != 4)
    return v;
  bool pattern = s1[0] == x[0] && s1[1] == x[1] && s1[2] == 1 &&
                 s1.drop_front(3) == x.drop_front(2) && s2[0] == x[0] &&
                 s2[1] == x[1] && s2.drop_front(3) == x.drop_front(2) &&
                 out[0] == x[0] && out[1] == x[1] * s2[2] &&
                 out.drop_front(2) == x.drop_front(2);
  return pattern ? split.getInput() : v;
}

LogicalResult rewrite(MatmulOp root, Chain &chain,
                      DenseSet<Operation *> &erased) {
  OpBuilder b(root);
  Location loc = root.getLoc();
  MLIRContext *ctx = b.getContext();
  int64_t rank = rankOf(chain.query);

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
    key = identity ? Value(t.getInput())
                   : buildInferred(
                         b, loc, TransposeOp::getOperationName(), t.getInput(),
                         b.getNamedAttr("perm", b.getDenseI64ArrayAttr(perm)))
                         ->getResult(0);
  } else {
    key = buildInferred(b, loc, TransposeOp::getOperationName(),
                        chain.keyTransposed,
                        b.getNamedAttr("perm", b.getDenseI64ArrayAttr(swap)))
              ->getResult(0);
  }

  Value mask = chain.mask;
  if (mask && chain.finiteFill) {
    // Additive: 0 where kept, the fill where hidden, as the select did.
    auto scalar = [&](double v) {
      auto type = RankedTensorType::get({}, b.getF32Type());
      return buildInferred(b, loc, ConstantOp::getOperationName(), {},
                           b.getNamedAttr(
                               "value", DenseElementsAttr::get(type, (float)v)))
          ->getResult(0);
    };
    Value keep = scalar(0.0), hide = scalar(*chain.finiteFill);
    mask = buildInferred(b, loc, WhereOp::getOperationName(),
                         chain.negateMask ? ValueRange{mask, hide, keep}
                                          : ValueRange{mask, keep, hide})
               ->getResult(0);
  } else if (mask && chain.negateMask) {
    mask = buildInferred(b, loc, NotOp::getOperationName(), mask)->getResult(0);
  }
  if (mask)
    mask = maskToFourD(b, loc, mask, rank);
  Value value = chain.value;
  if (rank == 4) {
    key = peelHeadRepeat(key);
    value = peelHeadRepeat(value);
  }
  SmallVector<Value> operands = {toFourD(b, loc, chain.query),
                                 toFourD(b, loc, key), toFourD(b, loc, value)};
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
      b.getNamedAttr("scale", b.getF64FloatAttr(chain.scale))};
  if (returnProbs)
    attrs.push_back(b.getNamedAttr("return_probs", UnitAttr::get(ctx)));
  Operation *fused = buildInferred(
      b, loc, attn::AttentionOp::getOperationName(), operands, attrs);
  if (!fused)
    return failure();
  auto resultShape = [](Value v) {
    return cast<ShapedType>(v.getType()).getShape();
  };
  root.getResult().replaceAllUsesWith(
      reshapeTo(b, loc, fused->getResult(0), resultShape(root.getResult())));
  if (returnProbs) {
    Value probs = reshapeTo(b, loc, fused->getResult(1),
                            resultShape(chain.softmax.getResult()));
    for (Value v : {Value(chain.softmax.getResult()), chain.guarded})
      if (v)
        v.replaceUsesWithIf(probs, [&](OpOperand &use) {
          return !llvm::is_contained(chain.ops, use.getOwner());
        });
  }
  // Erase what is now dead, users before producers.
  for (Operation *op : chain.ops)
    if (op->use_empty()) {
      erased.insert(op);
      op->erase();
    }
  return success();
}

/// attention(...) * sigmoid(gate), in either order, becomes
/// attn.gated_attention when the attention output is used only there.
void fuseGate(attn::AttentionOp attention) {
  if (attention.getReturnProbs() || !attention.getOutput().hasOneUse())
    return;
  auto mul = dyn_cast<MulOp>(*attention.getOutput().getUsers().begin());
  if (!mul || mul.getType() != attention.getOutput().getType())
    return;
  Value other =
      mul.getLhs() == attention.getOutput() ? mul.getRhs() : mul.getLhs();
  auto sigmoid = other.getDefiningOp<SigmoidOp>();
  if (!sigmoid || sigmoid.getType() != mul.getType())
    return;
  OpBuilder b(mul);
  SmallVector<Value> operands = {attention.getQuery(), attention.getKey(),
                                 attention.getValue(), sigmoid.getInput()};
  if (attention.getMask())
    operands.push_back(attention.getMask());
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : attention->getAttrs())
    if (a.getName() != "return_probs")
      attrs.push_back(a);
  Operation *gated =
      buildInferred(b, mul.getLoc(), attn::GatedAttentionOp::getOperationName(),
                    operands, attrs);
  if (!gated)
    return;
  mul.getResult().replaceAllUsesWith(gated->getResult(0));
  mul.erase();
  attention.erase();
}

/// The seed's additive (Bahdanau) attention written out:
///   pairs   = concat(broadcast_to(reshape(h, [B, 1, D]), [B, T, D]), s, 2)
///   scores  = reshape(linear(pairs, W [1, 2D], b?), [B, T])
///   alpha   = softmax(scores, axis = 1)
///   context = h + reshape(matmul(reshape(alpha, [B, 1, T]), s), [B, D])
/// becomes attn.additive_attention(h, s, W, b), whose alpha replaces the
/// softmax's other uses.
void fuseAdditive(AddOp add) {
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
    OpBuilder builder(add);
    SmallVector<Value> operands = {h, states, linear.getWeight()};
    if (linear.getBias())
      operands.push_back(linear.getBias());
    Operation *fused =
        buildInferred(builder, add.getLoc(),
                      attn::AdditiveAttentionOp::getOperationName(), operands);
    if (!fused)
      continue;
    add.getResult().replaceAllUsesWith(fused->getResult(0));
    softmax.getResult().replaceUsesWithIf(
        fused->getResult(1),
        [&](OpOperand &use) { return use.getOwner() != a3; });
    add.erase();
    return;
  }
}

struct AttnFusePass : heed::impl::AttnFuseBase<AttnFusePass> {
  using AttnFuseBase::AttnFuseBase;

  void runOnOperation() override {
    Block &body = getOperation().getBody().front();
    llvm::DenseSet<Operation *> deadBefore = deadOps(body);
    SmallVector<MatmulOp> roots;
    getOperation()->walk([&](MatmulOp op) { roots.push_back(op); });
    // Later matmuls first: a chain never contains a later root, but it may
    // contain (and erase) earlier matmuls.
    DenseSet<Operation *> erased;
    for (MatmulOp root : llvm::reverse(roots)) {
      if (erased.contains(root))
        continue;
      std::string reason;
      FailureOr<Chain> chain = matchChain(root, reason);
      if (failed(chain)) {
        if (remarks && !reason.empty())
          root.emitRemark("attn-fuse: not fused: ") << reason;
        continue;
      }
      if (failed(rewrite(root, *chain, erased))) {
        if (remarks)
          root.emitRemark("attn-fuse: not fused: the fused op would not "
                          "verify (unsupported shapes or dtypes)");
        continue;
      }
    }
    // Gates, on fused and written attention alike.
    SmallVector<attn::AttentionOp> attentions;
    getOperation()->walk(
        [&](attn::AttentionOp op) { attentions.push_back(op); });
    for (attn::AttentionOp op : attentions)
      fuseGate(op);
    // Additive attention written out.
    SmallVector<AddOp> adds;
    getOperation()->walk([&](AddOp op) { adds.push_back(op); });
    for (AddOp op : adds)
      fuseAdditive(op);
    // What only the fused chains used (constants, transposes, sigmoids).
    eraseNewlyDead(body, deadBefore);
  }
};

} // namespace
