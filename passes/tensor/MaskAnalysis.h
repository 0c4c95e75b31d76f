//===- MaskAnalysis.h - Attention masks read as structure -------*- C++ -*-===//
//
// A mask computed in the graph from iota, compare, tril/triu and constants
// is a set of linear inequalities in the query row i and key column j of the
// scores. MaskReader reads a mask value symbolically, without materialising
// it (an L = 32768 mask costs nothing):
//
//   affine values   a*i + b*j + c     iota over the last two axes, integer
//                                     splat constants, add, sub
//   predicates      conjunctions of   ge/gt/le/lt/eq of affine values, and,
//                   a*i + b*j + c >= 0   not of one inequality, tril/triu of
//                                     ones compared with 1 (or 0), cast to
//                                     i1, where(P, 0, -inf) as a float mask,
//                                     a constant (i1, or 0 / -inf) mask that
//                                     keeps a band of every row
//
// bandOf then says whether a predicate keeps exactly a band around the
// (bottom-right aligned) diagonal, and blockMapOf which tiles of a constant
// i1 mask have a visible key. attn-sparsify turns what they find into
// attention structure.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_TENSOR_MASKANALYSIS_H
#define HEED_PASSES_TENSOR_MASKANALYSIS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace heed {

/// a*i + b*j + c over the query row i and key column j.
struct Affine {
  int64_t a = 0, b = 0, c = 0;
  Affine operator-(const Affine &o) const {
    return {a - o.a, b - o.b, c - o.c};
  }
  Affine operator+(const Affine &o) const {
    return {a + o.a, b + o.b, c + o.c};
  }
  bool operator==(const Affine &o) const {
    return a == o.a && b == o.b && c == o.c;
  }
};

/// A conjunction of `e >= 0`; empty means always true.
using Predicate = llvm::SmallVector<Affine, 2>;

/// What a value of the mask's computation is, symbolically.
struct MaskSymbol {
  enum Kind { Unknown, AffineValue, Predicate } kind = Unknown;
  Affine value;
  heed::Predicate pred;
  /// For predicates: how a float mask made from it hides keys. None: it is
  /// not an additive mask (an indicator of 0s and 1s is added as is);
  /// Infinite: where(P, 0, -inf); Finite: where(P, 0, c) with c <= -1e4
  /// (a row that hides every key then averages them instead of giving 0).
  enum Additive { None, Infinite, Finite } additive = None;
  static MaskSymbol unknown() { return {}; }
  static MaskSymbol of(Affine v) { return {AffineValue, v, {}}; }
  static MaskSymbol of(heed::Predicate p, Additive a = None) {
    return {Predicate, {}, std::move(p), a};
  }
};

/// Reads mask computations (memoised per value); `dataDependent` is set
/// when one reaches a graph input or parameter, the first of which is
/// `dataSource`.
class MaskReader {
public:
  MaskSymbol read(mlir::Value v);
  bool dataDependent = false;
  mlir::Value dataSource;

private:
  llvm::DenseMap<mlir::Value, MaskSymbol> memo;
  MaskSymbol compute(mlir::Value v);
};

/// The band a predicate keeps, relative to p = i + Lk - Lq:
/// p - left <= j <= p + right.
struct Band {
  std::optional<int64_t> left, right; ///< unbounded when absent
  bool never = false;                 ///< no key is ever visible
};

/// The band \p pred keeps for Lq x Lk scores; nullopt when it is not a band
/// (a condition on rows only, or an inequality not parallel to the
/// diagonal).
std::optional<Band> bandOf(const Predicate &pred, int64_t lq, int64_t lk);

/// The tiles of a constant i1 mask [.., Lq, Lk] (leading dims 1) that have
/// a visible key, as a block map of \p qBlock x \p kBlock tiles: the key
/// tiles of each query tile. Nullopt unless \p mask is such a constant.
std::optional<std::vector<std::vector<int64_t>>>
blockMapOf(mlir::Value mask, int64_t lq, int64_t lk, int64_t qBlock,
           int64_t kBlock);

} // namespace heed

#endif // HEED_PASSES_TENSOR_MASKANALYSIS_H
