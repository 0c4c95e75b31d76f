//===- AttnSparsify.cpp - Masks built in the graph become structure -------===//
//
// One rewrite pattern on every attention op (AttentionOpInterface) with a
// mask: MaskAnalysis.h reads the mask as linear inequalities in the query
// row i and key column j (nothing is materialised, so an L = 32768 mask
// costs nothing), and when every query row p = i + Lk - Lq sees exactly the
// keys p - left <= j <= p + right it replaces the mask by `#attn.causal`
// (left unbounded, right 0) or `#attn.window<left, right>`, whose tiles
// outside the band the kernel never touches. A mask that is always true is
// dropped.
//
// A constant i1 mask that is not a band becomes a block map (#attn.blocks,
// 64 x 64 tiles): the kernel visits only tiles with a visible key and still
// applies the mask inside them.
//
// A structured-looking mask that cannot be proven a band stays a dense mask,
// and the pattern says why (notifyMatchFailure; a remark at the attention op
// with `remarks`), so no structure falls back to dense work silently. A mask
// computed from the model's inputs is data, not structure: it stays, and the
// remark names the input it comes from (a key-padding mask has the remark of
// report-fused instead).
//
// With `report-fused`, a mask that is left and depends only on batch and key
// (its query-row and query-head dims are 1 or absent: a key-padding mask
// such as BERT's [B, 1, 1, Lk]) is reported too, where the op returns no
// probs and keeps no top-k: the kernel applies such a mask per key on its
// micro-kernels and skips the key tiles it hides (FlashAttention.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/tensor/ApplyPatterns.h"
#include "passes/tensor/MaskAnalysis.h"

#include "attn/AttnOps.h"
#include "heed/HeedOps.h"

namespace heed {
#define GEN_PASS_DEF_ATTNSPARSIFY
#include "passes/Passes.h.inc"
} // namespace heed

using namespace mlir;
using namespace heed;

namespace {

/// Block maps use tiles of this many queries and keys.
constexpr int64_t kBlockMapTile = 64;

/// Whether \p op's mask depends only on batch and key, and the kernel takes
/// it on its micro-kernels (no probs, no top-k).
bool keyPaddingMask(attn::AttentionOpInterface op) {
  Value mask = op.getMask();
  if (!mask || op.getProbs() || op.getTopkRatio())
    return false;
  auto type = dyn_cast<ShapedType>(mask.getType());
  if (!type || !type.hasRank())
    return false;
  int64_t rank = type.getRank();
  // Dims rank-2 (query rows) and rank-3 (query heads), where present.
  for (int64_t d = std::max<int64_t>(0, rank - 3); d < rank - 1; ++d)
    if (type.isDynamicDim(d) || type.getDimSize(d) != 1)
      return false;
  return true;
}

/// The structure a band gives for Lq x Lk scores: null when it keeps every
/// key, else causal or window; failure (with the reason) for a band that
/// excludes the diagonal.
FailureOr<Attribute> structureOf(const Band &band, int64_t lq, int64_t lk,
                                 MLIRContext *ctx, std::string &why) {
  if (!band.left && !band.right)
    return Attribute(); // always true: no mask at all
  if (!band.left && band.right && *band.right == 0)
    return Attribute(attn::CausalAttr::get(ctx));
  int64_t left = band.left.value_or(lk + std::max<int64_t>(lq, lk));
  int64_t right = band.right.value_or(lk + std::max<int64_t>(lq, lk));
  if (left < 0 || right < 0) {
    why = ("the band excludes the diagonal (window <" + Twine(left) + ", " +
           Twine(right) + ">), which #attn.window cannot state")
              .str();
    return failure();
  }
  return Attribute(attn::WindowAttr::get(ctx, left, right));
}

/// "the model input 'pad'" or "the parameter 'w'", for remarks.
std::string describeSource(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto name = func ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                         kNameAttrName)
                     : nullptr;
    return name ? "the model input '" + name.str() + "'"
                : "model input " + std::to_string(arg.getArgNumber());
  }
  if (auto param = v.getDefiningOp<ParamOp>())
    return "the parameter '" + param.getName().str() + "'";
  return "a model input";
}

struct SparsifyMask
    : public OpInterfaceRewritePattern<attn::AttentionOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(attn::AttentionOpInterface op,
                                PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask || op.getStructureAttr())
      return failure();
    auto dense = [&](const Twine &why) {
      return rewriter.notifyMatchFailure(
          op, "attn-sparsify: the mask stays dense: " + why);
    };
    auto q = cast<ShapedType>(op.getQuery().getType());
    auto k = cast<ShapedType>(op.getKey().getType());
    int64_t lq = q.getDimSize(2), lk = k.getDimSize(2);
    MaskReader reader;
    MaskSymbol s = reader.read(mask);
    if (s.kind != MaskSymbol::Predicate)
      return blockMap(op, mask, lq, lk, reader, rewriter);

    auto maskType = cast<ShapedType>(mask.getType());
    int64_t rank = maskType.getRank();
    if (rank < 2 || maskType.getDimSize(rank - 2) != lq ||
        maskType.getDimSize(rank - 1) != lk)
      return dense("it does not have the scores' last two extents");
    bool floatMask = !maskType.getElementType().isInteger(1);
    if (floatMask && s.additive == MaskSymbol::None)
      return dense("a float mask of 0s and 1s is added to the scores; it "
                   "hides nothing");
    std::optional<Band> band = bandOf(s.pred, lq, lk);
    if (!band)
      return dense("its inequalities are not parallel to the diagonal");
    if (band->never)
      return dense("it hides every key");
    if (s.additive == MaskSymbol::Finite) {
      // A finite "minus a lot" on every key of a row averages the row in the
      // graph; structure would give it zeros.
      for (int64_t i = 0; i < lq; ++i) {
        int64_t p = i + lk - lq;
        int64_t lo = band->left ? std::max<int64_t>(0, p - *band->left) : 0;
        int64_t hi = band->right ? std::min(lk - 1, p + *band->right) : lk - 1;
        if (lo > hi)
          return dense("row " + Twine(i) +
                       " sees no key, and a finite mask averages such a row "
                       "where the structure would give zeros");
      }
    }
    std::string why;
    FailureOr<Attribute> structure =
        structureOf(*band, lq, lk, op->getContext(), why);
    if (failed(structure))
      return dense(why);
    rewriter.modifyOpInPlace(op, [&] {
      op.setStructure(*structure);
      op.dropMask();
    });
    return success();
  }

  /// A constant i1 mask [.., Lq, Lk] (leading dims 1) becomes a block map:
  /// the kernel visits only the tiles with a visible key and still applies
  /// the mask inside them.
  LogicalResult blockMap(attn::AttentionOpInterface op, Value mask, int64_t lq,
                         int64_t lk, const MaskReader &reader,
                         PatternRewriter &rewriter) const {
    int64_t qb = std::min(kBlockMapTile, lq), kb = std::min(kBlockMapTile, lk);
    auto visit = blockMapOf(mask, lq, lk, qb, kb);
    if (!visit) {
      // A mask computed from the model's inputs is data, not structure; a
      // key-padding one has a remark of its own (report-fused).
      if (reader.dataDependent && keyPaddingMask(op))
        return failure();
      if (reader.dataDependent)
        return rewriter.notifyMatchFailure(
            op, "attn-sparsify: the mask stays dense: it is data, computed "
                "from " +
                    describeSource(reader.dataSource) +
                    ", so the kernel reads it at run time");
      return rewriter.notifyMatchFailure(
          op, "attn-sparsify: the mask stays dense: it is computed in the "
              "graph but not as comparisons of iota or tril/triu that this "
              "pass can read");
    }
    size_t visited = 0;
    for (const std::vector<int64_t> &tiles : *visit)
      visited += tiles.size();
    size_t kTiles = (lk + kb - 1) / kb;
    if (visited == visit->size() * kTiles)
      return rewriter.notifyMatchFailure(
          op, "attn-sparsify: the mask stays dense: the constant mask hides "
              "no whole " +
                  Twine(qb) + "x" + Twine(kb) + " tile");
    AttentionSparsity blocks =
        AttentionSparsity::blocks(qb, kb, std::move(*visit));
    rewriter.modifyOpInPlace(op, [&] {
      op.setStructure(attn::structureAttrOf(op->getContext(), blocks));
    });
    return success();
  }
};

struct AttnSparsifyPass : heed::impl::AttnSparsifyBase<AttnSparsifyPass> {
  using AttnSparsifyBase::AttnSparsifyBase;

  void runOnOperation() override {
    // Each attention op's structure before, so that what changed is known.
    llvm::DenseMap<Operation *, Attribute> before;
    getOperation().walk([&](attn::AttentionOpInterface op) {
      before[op] = op.getStructureAttr();
    });
    RewritePatternSet patterns(&getContext());
    patterns.add<SparsifyMask>(&getContext());
    // The mask computations replaced by structure are erased afterwards.
    applyTensorPatterns(
        getOperation(),
        [](Operation *op) { return isa<attn::AttentionOpInterface>(op); },
        FrozenRewritePatternSet(std::move(patterns)), remarks,
        GreedyRewriteStrictness::ExistingOps);
    if (!reportFused)
      return;
    getOperation().walk([&](attn::AttentionOpInterface op) {
      Attribute structure = op.getStructureAttr();
      if (structure && structure != before.lookup(op))
        op->emitRemark("attn-sparsify: the mask became ") << structure;
      if (keyPaddingMask(op))
        op->emitRemark("attn-sparsify: the mask depends only on batch and "
                       "key (a key-padding mask): the kernel applies it per "
                       "key and skips the key tiles it hides");
    });
  }
};

} // namespace
