//===- AttentionChain.cpp - Spelled-out attention, matched ----------------===//

#include "passes/tensor/AttentionChain.h"
#include "passes/tensor/GraphUtils.h"

#include "attn/AttnOps.h"

#include <cmath>

using namespace mlir;
using namespace heed;

namespace {

/// Scores below this (after scaling) count as "masked out".
constexpr double kMaskedScore = -1e4;

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

} // namespace

FailureOr<AttentionChain> heed::matchAttentionChain(MatmulOp root,
                                                    std::string &reason) {
  AttentionChain chain;
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

Value heed::peelHeadRepeat(Value v) {
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

std::optional<std::string> heed::sourceName(Location loc) {
  std::optional<std::string> name;
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      name = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!name)
    return name;
  // An imported ONNX node, "node 'NAME' (OpType)" or "node #I (OpType)"
  // (OnnxImporter.cpp): its NAME, or OpType_I.
  StringRef s = *name;
  if (s.consume_front("node '") && s.contains("' (") && s.ends_with(")"))
    return s.rsplit("' (").first.str();
  s = *name;
  if (s.consume_front("node #") && s.ends_with(")")) {
    auto [index, type] = s.drop_back().split(" (");
    return (type + "_" + index).str();
  }
  return name;
}

Value heed::attentionProductOperand(SoftmaxOp softmax) {
  if ((int64_t)softmax.getAxis() != rankOf(softmax.getResult()) - 1)
    return {};
  SmallVector<Value> worklist = {softmax.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto mm = dyn_cast<MatmulOp>(user); mm && mm.getLhs() == v)
        return v;
      if (auto reshape = dyn_cast<ReshapeOp>(user))
        worklist.push_back(reshape.getResult());
      if (auto guard = dyn_cast<WhereOp>(user); guard && guard.getRhs() == v)
        worklist.push_back(guard.getResult());
    }
  }
  return {};
}

bool heed::isOneQueryAttention(SoftmaxOp softmax) {
  Value lhs = attentionProductOperand(softmax);
  if (!lhs)
    return false;
  ArrayRef<int64_t> probs =
      cast<ShapedType>(softmax.getResult().getType()).getShape();
  ArrayRef<int64_t> read = cast<ShapedType>(lhs.getType()).getShape();
  return read.size() == probs.size() + 1 && read.size() >= 2 &&
         read[read.size() - 2] == 1 && read.back() == probs.back() &&
         read.drop_back(2) == probs.drop_back();
}

std::optional<std::string> heed::attentionMapName(Operation *op) {
  auto softmax = dyn_cast<SoftmaxOp>(op);
  if (softmax ? !attentionProductOperand(softmax)
              : !isa<attn::AttentionOpInterface, attn::AdditiveAttentionOp>(op))
    return std::nullopt;
  if (auto fused = op->getAttrOfType<StringAttr>(kAttentionMapAttrName))
    return fused.str();
  if (std::optional<std::string> name = sourceName(op->getLoc()))
    return name;
  std::string name = op->getName().stripDialect().str();
  op->getLoc()->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l)) {
      name += "@" + std::to_string(file.getLine()) + ":" +
              std::to_string(file.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}
