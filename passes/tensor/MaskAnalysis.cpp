//===- MaskAnalysis.cpp - Attention masks read as structure ---------------===//

#include "passes/tensor/MaskAnalysis.h"
#include "passes/tensor/GraphUtils.h"

#include "heed/HeedOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace heed;

namespace {

/// `lhs - rhs >= 0` (and the strict, equal and reversed forms).
MaskSymbol compare(Operation *op, MaskSymbol lhs, MaskSymbol rhs) {
  if (lhs.kind != MaskSymbol::AffineValue ||
      rhs.kind != MaskSymbol::AffineValue)
    return MaskSymbol::unknown();
  Affine d = lhs.value - rhs.value, r = rhs.value - lhs.value;
  Affine one{0, 0, 1};
  return llvm::TypeSwitch<Operation *, MaskSymbol>(op)
      .Case([&](GeOp) { return MaskSymbol::of(Predicate{d}); })
      .Case([&](GtOp) { return MaskSymbol::of(Predicate{d - one}); })
      .Case([&](LeOp) { return MaskSymbol::of(Predicate{r}); })
      .Case([&](LtOp) { return MaskSymbol::of(Predicate{r - one}); })
      .Case([&](EqOp) {
        return MaskSymbol::of(Predicate{d, r});
      })
      .Default([](Operation *) { return MaskSymbol::unknown(); });
}

/// A constant mask (i1, or a float 0 / "minus a lot" additive mask) whose
/// last two axes keep exactly the keys i - left <= j <= i + right of each
/// row i (either side possibly unbounded), the same in every leading slice:
/// the predicate of that band. Exported models carry causal masks as such
/// constants (GPT-2's `bias` buffer, a folded triu of -inf).
MaskSymbol constantBand(DenseElementsAttr dense) {
  auto type = cast<ShapedType>(dense.getType());
  int64_t rank = type.getRank();
  if (rank < 2 || type.getNumElements() > (int64_t)1 << 26)
    return MaskSymbol::unknown();
  int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
  if (rows < 2 || cols < 2)
    return MaskSymbol::unknown();
  bool isBool = type.getElementType().isInteger(1);
  std::vector<bool> keep;
  keep.reserve(type.getNumElements());
  MaskSymbol::Additive additive = MaskSymbol::None;
  if (isBool) {
    for (bool v : dense.getValues<bool>())
      keep.push_back(v);
  } else if (isa<FloatType>(type.getElementType())) {
    additive = MaskSymbol::Infinite;
    for (APFloat f : dense.getValues<APFloat>()) {
      double v = f.convertToDouble();
      if (v == 0) {
        keep.push_back(true);
      } else if (v <= -1e4) {
        keep.push_back(false);
        if (!std::isinf(v))
          additive = MaskSymbol::Finite;
      } else {
        return MaskSymbol::unknown();
      }
    }
  } else {
    return MaskSymbol::unknown();
  }
  int64_t slice = rows * cols;
  for (size_t s = slice; s < keep.size(); s += slice)
    if (!std::equal(keep.begin(), keep.begin() + slice, keep.begin() + s))
      return MaskSymbol::unknown();
  std::optional<int64_t> left, right;
  for (int64_t i = 0; i < rows; ++i) {
    int64_t lo = -1, hi = -1;
    for (int64_t j = 0; j < cols; ++j)
      if (keep[i * cols + j]) {
        if (lo < 0)
          lo = j;
        hi = j;
      }
    if (lo < 0)
      continue;
    if (hi < cols - 1) {
      if (right && *right != hi - i)
        return MaskSymbol::unknown();
      right = hi - i;
    }
    if (lo > 0) {
      if (left && *left != i - lo)
        return MaskSymbol::unknown();
      left = i - lo;
    }
  }
  Predicate pred;
  if (right)
    pred.push_back(Affine{1, -1, *right}); // i - j + right >= 0
  if (left)
    pred.push_back(Affine{-1, 1, *left}); // j - i + left >= 0
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      bool in = (!right || j <= i + *right) && (!left || j >= i - *left);
      if (in != keep[i * cols + j])
        return MaskSymbol::unknown();
    }
  return MaskSymbol::of(pred, additive);
}

} // namespace

MaskSymbol MaskReader::read(Value v) {
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  MaskSymbol s = compute(v);
  memo[v] = s;
  return s;
}

MaskSymbol MaskReader::compute(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op || isa<ParamOp>(op)) {
    if (!dataDependent)
      dataSource = v;
    dataDependent = true;
    return MaskSymbol::unknown();
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
  auto indicator = [&](Value x, double c, bool equal) -> MaskSymbol {
    MaskSymbol s = read(x);
    if (s.kind != MaskSymbol::Predicate)
      return MaskSymbol::unknown();
    if ((equal && c == 1) || (!equal && c == 0))
      return s;
    return MaskSymbol::unknown();
  };
  MaskSymbol result =
      llvm::TypeSwitch<Operation *, MaskSymbol>(op)
          .Case([&](IotaOp o) {
            int64_t rank = (int64_t)o.getShape().size(), axis = o.getAxis();
            if (o.getShape()[axis] == 1) // all zeros, broadcast
              return MaskSymbol::of(Affine{0, 0, 0});
            if (axis == rank - 1)
              return MaskSymbol::of(Affine{0, 1, 0});
            if (axis == rank - 2)
              return MaskSymbol::of(Affine{1, 0, 0});
            return MaskSymbol::unknown();
          })
          .Case([&](ConstantOp c) {
            std::optional<double> value = splat(c);
            if (!value) {
              auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
              return dense ? constantBand(dense) : MaskSymbol::unknown();
            }
            if (c.getType().getElementType().isInteger(1))
              return *value ? MaskSymbol::of(Predicate{})
                            : MaskSymbol::of(Predicate{Affine{0, 0, -1}});
            if (*value != std::floor(*value) || std::abs(*value) > 1e15)
              return MaskSymbol::unknown();
            return MaskSymbol::of(Affine{0, 0, (int64_t)*value});
          })
          .Case<AddOp, SubOp>([&](Operation *o) {
            MaskSymbol l = read(o->getOperand(0)), r = read(o->getOperand(1));
            if (l.kind != MaskSymbol::AffineValue ||
                r.kind != MaskSymbol::AffineValue)
              return MaskSymbol::unknown();
            return MaskSymbol::of(isa<AddOp>(o) ? l.value + r.value
                                                : l.value - r.value);
          })
          .Case<GeOp, GtOp, LeOp, LtOp>([&](Operation *o) {
            return compare(o, read(o->getOperand(0)), read(o->getOperand(1)));
          })
          .Case([&](EqOp o) {
            if (auto c = splat(o.getRhs());
                c && read(o.getLhs()).kind == MaskSymbol::Predicate)
              return indicator(o.getLhs(), *c, true);
            return compare(o, read(o.getLhs()), read(o.getRhs()));
          })
          .Case([&](NeOp o) {
            if (auto c = splat(o.getRhs()))
              return indicator(o.getLhs(), *c, false);
            return MaskSymbol::unknown();
          })
          .Case([&](AndOp o) {
            MaskSymbol l = read(o.getLhs()), r = read(o.getRhs());
            if (l.kind != MaskSymbol::Predicate ||
                r.kind != MaskSymbol::Predicate)
              return MaskSymbol::unknown();
            Predicate p = l.pred;
            p.append(r.pred.begin(), r.pred.end());
            return MaskSymbol::of(p);
          })
          .Case([&](NotOp o) {
            MaskSymbol s = read(o.getInput());
            if (s.kind != MaskSymbol::Predicate || s.pred.size() != 1)
              return MaskSymbol::unknown();
            Affine e = s.pred[0];
            return MaskSymbol::of(Predicate{Affine{-e.a, -e.b, -e.c - 1}});
          })
          .Case<TrilOp, TriuOp>([&](Operation *o) {
            // tril(ones, k): 1 where j - i <= k; triu: where j - i >= k.
            std::optional<double> one = splat(o->getOperand(0));
            if (!one || *one != 1)
              return MaskSymbol::unknown();
            int64_t k = o->getAttrOfType<IntegerAttr>("k").getInt();
            return MaskSymbol::of(isa<TrilOp>(o)
                                      ? Predicate{Affine{1, -1, k}}
                                      : Predicate{Affine{-1, 1, -k}});
          })
          .Case<CastOp, ReshapeOp, BroadcastToOp>([&](Operation *o) {
            // Leading dims only: the last two axes must stay the scores'.
            auto from = cast<ShapedType>(o->getOperand(0).getType());
            auto to = cast<ShapedType>(o->getResult(0).getType());
            if (from.getRank() < 2 || to.getRank() < 2 ||
                from.getShape().take_back(2) != to.getShape().take_back(2))
              return MaskSymbol::unknown();
            return read(o->getOperand(0));
          })
          .Case([&](WhereOp o) {
            // where(P, 0, -inf) as an additive mask, or where(P, -inf, 0).
            MaskSymbol p = read(o.getCond());
            std::optional<double> a = splat(o.getLhs()), b = splat(o.getRhs());
            if (p.kind != MaskSymbol::Predicate || !a || !b)
              return MaskSymbol::unknown();
            auto hiding = [](double c) {
              return std::isinf(c) ? MaskSymbol::Infinite : MaskSymbol::Finite;
            };
            if (*a == 0 && *b <= -1e4)
              return MaskSymbol::of(p.pred, hiding(*b));
            if (*a <= -1e4 && *b == 0 && p.pred.size() == 1) {
              Affine e = p.pred[0];
              return MaskSymbol::of(Predicate{Affine{-e.a, -e.b, -e.c - 1}},
                                    hiding(*a));
            }
            return MaskSymbol::unknown();
          })
          .Default([](Operation *) { return MaskSymbol::unknown(); });
  // What cannot be read is data if it reads inputs, else an unknown form.
  if (result.kind == MaskSymbol::Unknown)
    for (Value operand : op->getOperands())
      (void)read(operand);
  return result;
}

std::optional<Band> heed::bandOf(const Predicate &pred, int64_t lq,
                                 int64_t lk) {
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

std::optional<std::vector<std::vector<int64_t>>>
heed::blockMapOf(Value mask, int64_t lq, int64_t lk, int64_t qBlock,
                 int64_t kBlock) {
  auto constant = mask.getDefiningOp<ConstantOp>();
  auto dense =
      constant ? dyn_cast<DenseElementsAttr>(constant.getValue()) : nullptr;
  auto type = cast<ShapedType>(mask.getType());
  if (!dense || !type.getElementType().isInteger(1) || type.getRank() < 2 ||
      type.getNumElements() != lq * lk)
    return std::nullopt;
  std::vector<bool> visible;
  visible.reserve(lq * lk);
  for (bool v : dense.getValues<bool>())
    visible.push_back(v);
  int64_t qTiles = (lq + qBlock - 1) / qBlock;
  int64_t kTiles = (lk + kBlock - 1) / kBlock;
  std::vector<std::vector<int64_t>> visit(qTiles);
  for (int64_t qt = 0; qt < qTiles; ++qt)
    for (int64_t kt = 0; kt < kTiles; ++kt) {
      bool any = false;
      for (int64_t i = qt * qBlock; i < std::min(lq, (qt + 1) * qBlock) && !any;
           ++i)
        for (int64_t j = kt * kBlock;
             j < std::min(lk, (kt + 1) * kBlock) && !any; ++j)
          any = visible[i * lk + j];
      if (any)
        visit[qt].push_back(kt);
    }
  return visit;
}
