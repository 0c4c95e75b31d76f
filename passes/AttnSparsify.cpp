//===- AttnSparsify.cpp - Masks built in the graph become structure -------===//
//
// A mask computed in the graph from iota, compare, tril/triu and constants
// is a set of linear inequalities in the query row i and key column j of the
// scores. This pass reads the mask operand of attn.attention and
// attn.gated_attention symbolically:
//
//   affine values   a*i + b*j + c     iota over the last two axes, integer
//                                     splat constants, add, sub
//   predicates      conjunctions of   ge/gt/le/lt/eq of affine values, and,
//                   a*i + b*j + c >= 0   not of one inequality, tril/triu of
//                                     ones compared with 1 (or 0), cast to
//                                     i1, where(P, 0, -inf) as a float mask
//
// (nothing is materialised, so an L = 32768 mask costs nothing), and when
// every query row p = i + Lk - Lq sees exactly the keys p - left <= j <=
// p + right it replaces the mask by `#attn.causal` (left unbounded, right
// 0) or `#attn.window<left, right>`, whose tiles outside the band the kernel
// never touches. A mask that is always true is dropped.
//
// A constant i1 mask that is not a band becomes a block map (#attn.blocks,
// 64 x 64 tiles): the kernel visits only tiles with a visible key and still
// applies the mask inside them.
//
// A structured-looking mask that cannot be proven a band stays a dense mask,
// and with `remarks` the pass says why at the attention op, so no structure
// falls back to dense work silently. A mask computed from the model's inputs
// (padding masks, say) is data, not structure, and stays without a remark.
//
//===----------------------------------------------------------------------===//

#include "passes/GraphUtils.h"
#include "passes/Passes.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace heed {
#define GEN_PASS_DEF_ATTNSPARSIFY
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;

namespace {

/// a*i + b*j + c over the query row i and key column j.
struct Affine {
  int64_t a = 0, b = 0, c = 0;
  Affine operator-(const Affine &o) const {
    return {a - o.a, b - o.b, c - o.c};
  }
  Affine operator+(const Affine &o) const {
    return {a + o.a, b + o.b, c + o.c};
  }
};

/// A conjunction of `e >= 0`; empty means always true.
using Predicate = SmallVector<Affine, 2>;

/// What a value of the mask's computation is, symbolically.
struct Symbol {
  enum Kind { Unknown, Value, Pred } kind = Unknown;
  Affine value;
  Predicate pred;
  /// For predicates: how a float mask made from it hides keys. None: it is
  /// not an additive mask (an indicator of 0s and 1s is added as is);
  /// Infinite: where(P, 0, -inf); Finite: where(P, 0, c) with c <= -1e4
  /// (a row that hides every key then averages them instead of giving 0).
  enum Additive { None, Infinite, Finite } additive = None;
  static Symbol unknown() { return {}; }
  static Symbol of(Affine v) { return {Value, v, {}}; }
  static Symbol of(Predicate p, Additive a = None) {
    return {Pred, {}, std::move(p), a};
  }
};

/// Reads mask computations; `dataDependent` is set when one reaches a graph
/// input or parameter.
class MaskReader {
public:
  Symbol read(Value v);
  bool dataDependent = false;

private:
  DenseMap<Value, Symbol> memo;
  Symbol compute(Value v);
};

Symbol MaskReader::read(Value v) {
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  Symbol s = compute(v);
  memo[v] = s;
  return s;
}

/// `lhs - rhs >= 0` (and the strict, equal and reversed forms).
Symbol compare(Operation *op, Symbol lhs, Symbol rhs) {
  if (lhs.kind != Symbol::Value || rhs.kind != Symbol::Value)
    return Symbol::unknown();
  Affine d = lhs.value - rhs.value, r = rhs.value - lhs.value;
  Affine one{0, 0, 1};
  return llvm::TypeSwitch<Operation *, Symbol>(op)
      .Case([&](GeOp) { return Symbol::of(Predicate{d}); })
      .Case([&](GtOp) { return Symbol::of(Predicate{d - one}); })
      .Case([&](LeOp) { return Symbol::of(Predicate{r}); })
      .Case([&](LtOp) { return Symbol::of(Predicate{r - one}); })
      .Case([&](EqOp) {
        return Symbol::of(Predicate{d, r});
      })
      .Default([](Operation *) { return Symbol::unknown(); });
}

Symbol MaskReader::compute(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op || isa<ParamOp>(op)) {
    dataDependent = true;
    return Symbol::unknown();
  }
  auto splat = [](Value x) -> std::optional<double> {
    if (auto f = getSplatFloat(x))
      return f;
    auto c = x.getDefiningOp<ConstantOp>();
    auto dense = c ? dyn_cast<DenseElementsAttr>(c.getValue()) : nullptr;
    if (dense && dense.isSplat() && dense.getElementType().isInteger(1))
      return dense.getSplatValue<bool>() ? 1.0 : 0.0;
    if (dense && dense.isSplat() && isa<IntegerType>(dense.getElementType()))
      return (double)dense.getSplatValue<APInt>().getSExtValue();
    return std::nullopt;
  };
  // A predicate read as an indicator (tril of ones): compared with 1 or 0.
  auto indicator = [&](Value x, double c, bool equal) -> Symbol {
    Symbol s = read(x);
    if (s.kind != Symbol::Pred)
      return Symbol::unknown();
    if ((equal && c == 1) || (!equal && c == 0))
      return s;
    return Symbol::unknown();
  };
  return llvm::TypeSwitch<Operation *, Symbol>(op)
      .Case([&](IotaOp o) {
        int64_t rank = (int64_t)o.getShape().size(), axis = o.getAxis();
        if (o.getShape()[axis] == 1) // all zeros, broadcast
          return Symbol::of(Affine{0, 0, 0});
        if (axis == rank - 1)
          return Symbol::of(Affine{0, 1, 0});
        if (axis == rank - 2)
          return Symbol::of(Affine{1, 0, 0});
        return Symbol::unknown();
      })
      .Case([&](ConstantOp c) {
        std::optional<double> value = splat(c);
        if (!value)
          return Symbol::unknown();
        if (c.getType().getElementType().isInteger(1))
          return *value ? Symbol::of(Predicate{})
                        : Symbol::of(Predicate{Affine{0, 0, -1}});
        if (*value != std::floor(*value) || std::abs(*value) > 1e15)
          return Symbol::unknown();
        return Symbol::of(Affine{0, 0, (int64_t)*value});
      })
      .Case<AddOp, SubOp>([&](Operation *o) {
        Symbol l = read(o->getOperand(0)), r = read(o->getOperand(1));
        if (l.kind != Symbol::Value || r.kind != Symbol::Value)
          return Symbol::unknown();
        return Symbol::of(isa<AddOp>(o) ? l.value + r.value
                                        : l.value - r.value);
      })
      .Case<GeOp, GtOp, LeOp, LtOp>([&](Operation *o) {
        return compare(o, read(o->getOperand(0)), read(o->getOperand(1)));
      })
      .Case([&](EqOp o) {
        if (auto c = splat(o.getRhs());
            c && read(o.getLhs()).kind == Symbol::Pred)
          return indicator(o.getLhs(), *c, true);
        return compare(o, read(o.getLhs()), read(o.getRhs()));
      })
      .Case([&](NeOp o) {
        if (auto c = splat(o.getRhs()))
          return indicator(o.getLhs(), *c, false);
        return Symbol::unknown();
      })
      .Case([&](AndOp o) {
        Symbol l = read(o.getLhs()), r = read(o.getRhs());
        if (l.kind != Symbol::Pred || r.kind != Symbol::Pred)
          return Symbol::unknown();
        Predicate p = l.pred;
        p.append(r.pred.begin(), r.pred.end());
        return Symbol::of(p);
      })
      .Case([&](NotOp o) {
        Symbol s = read(o.getInput());
        if (s.kind != Symbol::Pred || s.pred.size() != 1)
          return Symbol::unknown();
        Affine e = s.pred[0];
        return Symbol::of(Predicate{Affine{-e.a, -e.b, -e.c - 1}});
      })
      .Case<TrilOp, TriuOp>([&](Operation *o) {
        // tril(ones, k): 1 where j - i <= k; triu: where j - i >= k.
        std::optional<double> one = splat(o->getOperand(0));
        if (!one || *one != 1)
          return Symbol::unknown();
        int64_t k = o->getAttrOfType<IntegerAttr>("k").getInt();
        return Symbol::of(isa<TrilOp>(o) ? Predicate{Affine{1, -1, k}}
                                         : Predicate{Affine{-1, 1, -k}});
      })
      .Case<CastOp, ReshapeOp, BroadcastToOp>([&](Operation *o) {
        // Leading dims only: the last two axes must stay the scores'.
        auto from = cast<ShapedType>(o->getOperand(0).getType());
        auto to = cast<ShapedType>(o->getResult(0).getType());
        if (from.getRank() < 2 || to.getRank() < 2 ||
            from.getShape().take_back(2) != to.getShape().take_back(2))
          return Symbol::unknown();
        return read(o->getOperand(0));
      })
      .Case([&](WhereOp o) {
        // where(P, 0, -inf) as an additive mask, or where(P, -inf, 0).
        Symbol p = read(o.getCond());
        std::optional<double> a = splat(o.getLhs()), b = splat(o.getRhs());
        if (p.kind != Symbol::Pred || !a || !b)
          return Symbol::unknown();
        auto hiding = [](double c) {
          return std::isinf(c) ? Symbol::Infinite : Symbol::Finite;
        };
        if (*a == 0 && *b <= -1e4)
          return Symbol::of(p.pred, hiding(*b));
        if (*a <= -1e4 && *b == 0 && p.pred.size() == 1) {
          Affine e = p.pred[0];
          return Symbol::of(Predicate{Affine{-e.a, -e.b, -e.c - 1}},
                            hiding(*a));
        }
        return Symbol::unknown();
      })
      .Default([&](Operation *o) {
        // Anything else: data if it reads inputs, else an unknown form.
        for (Value operand : o->getOperands())
          (void)read(operand);
        return Symbol::unknown();
      });
}

/// The band a predicate keeps, relative to p = i + Lk - Lq:
/// p - left <= j <= p + right; nullopt when it is not such a band.
struct Band {
  std::optional<int64_t> left, right; ///< unbounded when absent
  bool never = false;                 ///< no key is ever visible
};

std::optional<Band> bandOf(const Predicate &pred, int64_t lq, int64_t lk) {
  Band band;
  int64_t offset = lk - lq;
  for (Affine e : pred) {
    // With one query row, i is always 0: any row coefficient is the
    // diagonal's.
    if (lq == 1)
      e.a = -e.b;
    if (e.b == 0) {
      if (e.a != 0)
        return std::nullopt; // a condition on rows only
      if (e.c < 0)
        band.never = true;
      continue;
    }
    if (e.a != -e.b)
      return std::nullopt; // not parallel to the diagonal
    if (e.b < 0) {
      // -b*(j - i) <= c  ->  j <= i + floor(c / -b) = p + (that - offset)
      int64_t r = (int64_t)std::floor((double)e.c / (double)-e.b) - offset;
      band.right = band.right ? std::min(*band.right, r) : r;
    } else {
      // b*(j - i) >= -c  ->  j >= i - floor(c / b) = p - (that + offset)
      int64_t l = (int64_t)std::floor((double)e.c / (double)e.b) + offset;
      band.left = band.left ? std::min(*band.left, l) : l;
    }
  }
  return band;
}

struct AttnSparsifyPass : heed::impl::AttnSparsifyBase<AttnSparsifyPass> {
  using AttnSparsifyBase::AttnSparsifyBase;

  void runOnOperation() override {
    Block &body = getOperation().getBody().front();
    llvm::DenseSet<Operation *> deadBefore = deadOps(body);
    getOperation()->walk([&](Operation *op) {
      if (isa<attn::AttentionOp, attn::GatedAttentionOp>(op))
        sparsify(op);
    });
    // The mask computations replaced by structure.
    eraseNewlyDead(body, deadBefore);
  }

  /// A constant i1 mask [.., Lq, Lk] (leading dims 1) becomes a block map:
  /// the kernel visits only the tiles with a visible key and still applies
  /// the mask inside them. Fails (after a remark when that is the reason)
  /// when the mask is not such a constant or hides no whole tile.
  template <typename Remark>
  LogicalResult blockMapFromConstant(Operation *op, Value mask, int64_t lq,
                                     int64_t lk, Remark remark) {
    auto constant = mask.getDefiningOp<ConstantOp>();
    auto dense =
        constant ? dyn_cast<DenseElementsAttr>(constant.getValue()) : nullptr;
    auto type = cast<ShapedType>(mask.getType());
    if (!dense || !type.getElementType().isInteger(1) || type.getRank() < 2 ||
        type.getNumElements() != lq * lk)
      return failure();
    std::vector<bool> visible;
    visible.reserve(lq * lk);
    for (bool v : dense.getValues<bool>())
      visible.push_back(v);
    int64_t qb = std::min<int64_t>(64, lq), kb = std::min<int64_t>(64, lk);
    int64_t qTiles = (lq + qb - 1) / qb, kTiles = (lk + kb - 1) / kb;
    SmallVector<Attribute> visit;
    int64_t visited = 0;
    OpBuilder b(op);
    for (int64_t qt = 0; qt < qTiles; ++qt) {
      SmallVector<int64_t> tiles;
      for (int64_t kt = 0; kt < kTiles; ++kt) {
        bool any = false;
        for (int64_t i = qt * qb; i < std::min(lq, (qt + 1) * qb) && !any; ++i)
          for (int64_t j = kt * kb; j < std::min(lk, (kt + 1) * kb) && !any;
               ++j)
            any = visible[i * lk + j];
        if (any)
          tiles.push_back(kt);
      }
      visited += tiles.size();
      visit.push_back(b.getDenseI64ArrayAttr(tiles));
    }
    if (visited == qTiles * kTiles) {
      remark("the constant mask hides no whole " + Twine(qb) + "x" + Twine(kb) +
             " tile");
      return success();
    }
    op->setAttr("structure", attn::BlocksAttr::get(op->getContext(), qb, kb,
                                                   b.getArrayAttr(visit)));
    return success();
  }

  void sparsify(Operation *op) {
    auto maskOf = [&]() -> Value {
      if (auto a = dyn_cast<attn::AttentionOp>(op))
        return a.getMask();
      return cast<attn::GatedAttentionOp>(op).getMask();
    };
    Value mask = maskOf();
    if (!mask || op->getAttr("structure"))
      return;
    auto remark = [&](const Twine &why) {
      if (remarks)
        op->emitRemark("attn-sparsify: the mask stays dense: ") << why;
    };
    auto q = cast<ShapedType>(op->getOperand(0).getType());
    auto k = cast<ShapedType>(op->getOperand(1).getType());
    int64_t lq = q.getDimSize(2), lk = k.getDimSize(2);
    MaskReader reader;
    Symbol s = reader.read(mask);
    if (s.kind != Symbol::Pred) {
      if (succeeded(blockMapFromConstant(op, mask, lq, lk, remark)))
        return;
      if (!reader.dataDependent)
        remark("it is computed in the graph but not as comparisons of iota "
               "or tril/triu that this pass can read");
      return;
    }
    auto maskType = cast<ShapedType>(mask.getType());
    int64_t rank = maskType.getRank();
    if (rank < 2 || maskType.getDimSize(rank - 2) != lq ||
        maskType.getDimSize(rank - 1) != lk)
      return remark("it does not have the scores' last two extents");
    bool floatMask = !maskType.getElementType().isInteger(1);
    if (floatMask && s.additive == Symbol::None)
      return remark("a float mask of 0s and 1s is added to the scores; it "
                    "hides nothing");
    std::optional<Band> band = bandOf(s.pred, lq, lk);
    if (!band)
      return remark("its inequalities are not parallel to the diagonal");
    if (band->never)
      return remark("it hides every key");
    if (s.additive == Symbol::Finite) {
      // A finite "minus a lot" on every key of a row averages the row in the
      // graph; structure would give it zeros.
      for (int64_t i = 0; i < lq; ++i) {
        int64_t p = i + lk - lq;
        int64_t lo = band->left ? std::max<int64_t>(0, p - *band->left) : 0;
        int64_t hi = band->right ? std::min(lk - 1, p + *band->right) : lk - 1;
        if (lo > hi)
          return remark("row " + Twine(i) +
                        " sees no key, and a finite mask averages such a "
                        "row where the structure would give zeros");
      }
    }
    OpBuilder b(op);
    MLIRContext *ctx = op->getContext();
    Attribute structure;
    if (!band->left && !band->right) {
      // Always true: no mask at all.
    } else if (!band->left && band->right && *band->right == 0) {
      structure = attn::CausalAttr::get(ctx);
    } else {
      int64_t left = band->left.value_or(lk + std::max<int64_t>(lq, lk));
      int64_t right = band->right.value_or(lk + std::max<int64_t>(lq, lk));
      if (left < 0 || right < 0)
        return remark("the band excludes the diagonal (window <" + Twine(left) +
                      ", " + Twine(right) +
                      ">), which #attn.window cannot state");
      structure = attn::WindowAttr::get(ctx, left, right);
    }
    if (structure)
      op->setAttr("structure", structure);
    if (auto a = dyn_cast<attn::AttentionOp>(op))
      a.getMaskMutable().clear();
    else
      cast<attn::GatedAttentionOp>(op).getMaskMutable().clear();
  }
};

} // namespace
