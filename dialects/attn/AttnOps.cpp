//===- AttnOps.cpp - Result type inference of the attn dialect ------------===//

#include "attn/AttnOps.h"
#include "heed/ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace heed;
using namespace heed::attn;

using Types = SmallVectorImpl<Type>;
using Loc = std::optional<Location>;

static RankedTensorType typeOf(Value v) { return ShapeChecker::tensorType(v); }

/// Checks query/key/value/mask/structure of attention and returns the output
/// type [B, Hq, Lq, Dv] (and the probabilities' type [B, Hq, Lq, Lk]).
static LogicalResult checkAttention(const ShapeChecker &check, Value query,
                                    Value key, Value value, Value mask,
                                    Attribute structure, DenseI64ArrayAttr tile,
                                    RankedTensorType &outputType,
                                    RankedTensorType &probsType) {
  if (tile) {
    ArrayRef<int64_t> t = tile.asArrayRef();
    if (t.size() != 2 || t[0] < 1 || t[1] < 1)
      return check.fail("tile must be [q_block, k_block], both positive");
    if (isa_and_nonnull<BlocksAttr>(structure))
      return check.fail("a block map fixes its own tiles; drop the tile");
  }
  Value operands[] = {query, key, value};
  StringRef names[] = {"query", "key", "value"};
  for (int i = 0; i < 3; ++i)
    if (failed(check.requireFloat(operands[i], names[i])) ||
        failed(check.requireRank(operands[i], 4,
                                 (names[i] + " [B, H, L, D]").str())))
      return failure();
  if (failed(check.requireSameElementType(query, key, "query", "key")) ||
      failed(check.requireSameElementType(query, value, "query", "value")))
    return failure();
  RankedTensorType q = typeOf(query), k = typeOf(key), v = typeOf(value);
  int64_t b = q.getDimSize(0), hq = q.getDimSize(1), lq = q.getDimSize(2),
          d = q.getDimSize(3);
  int64_t hkv = k.getDimSize(1), lk = k.getDimSize(2);
  if (k.getDimSize(0) != b || k.getDimSize(3) != d)
    return check.fail("key " + formatType(k) + " must be [" + Twine(b) +
                      ", Hkv, Lk, " + Twine(d) + "] for query " +
                      formatType(q));
  if (v.getDimSize(0) != b || v.getDimSize(1) != hkv || v.getDimSize(2) != lk)
    return check.fail("value " + formatType(v) + " must be [" + Twine(b) +
                      ", " + Twine(hkv) + ", " + Twine(lk) +
                      ", Dv] to match key " + formatType(k));
  if (hkv < 1 || hq % hkv)
    return check.fail("query heads (" + Twine(hq) +
                      ") must be a multiple of key/value heads (" + Twine(hkv) +
                      ")");
  if (mask) {
    RankedTensorType m = typeOf(mask);
    SmallVector<int64_t> full = {b, hq, lq, lk};
    auto shape = broadcastShapes(m.getShape(), full);
    if (m.getRank() > 4 || failed(shape) ||
        ArrayRef<int64_t>(*shape) != ArrayRef<int64_t>(full))
      return check.fail("mask " + formatType(m) +
                        " does not broadcast to the scores " +
                        formatShape(full));
  }
  if (auto blocks = dyn_cast_or_null<BlocksAttr>(structure)) {
    int64_t qTiles = (lq + blocks.getQBlock() - 1) / blocks.getQBlock();
    int64_t kTiles = (lk + blocks.getKBlock() - 1) / blocks.getKBlock();
    if ((int64_t)blocks.getVisit().size() != qTiles)
      return check.fail("block map lists " + Twine(blocks.getVisit().size()) +
                        " query tiles, expected " + Twine(qTiles));
    for (Attribute row : blocks.getVisit())
      for (int64_t t : cast<DenseI64ArrayAttr>(row).asArrayRef())
        if (t >= kTiles)
          return check.fail("block map visits key tile " + Twine(t) +
                            " but there are only " + Twine(kTiles));
  }
  outputType =
      RankedTensorType::get({b, hq, lq, v.getDimSize(3)}, q.getElementType());
  probsType = RankedTensorType::get({b, hq, lq, lk}, q.getElementType());
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, Loc loc,
                                            Adaptor adaptor, Types &results) {
  RankedTensorType out, probs;
  if (failed(checkAttention(ShapeChecker(loc, "attention"), adaptor.getQuery(),
                            adaptor.getKey(), adaptor.getValue(),
                            adaptor.getMask(), adaptor.getStructureAttr(),
                            adaptor.getTileAttr(), out, probs)))
    return failure();
  results.push_back(out);
  if (adaptor.getReturnProbs())
    results.push_back(probs);
  return success();
}

LogicalResult GatedAttentionOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                 Adaptor adaptor,
                                                 Types &results) {
  ShapeChecker check(loc, "gated_attention");
  RankedTensorType out, probs;
  if (failed(checkAttention(check, adaptor.getQuery(), adaptor.getKey(),
                            adaptor.getValue(), adaptor.getMask(),
                            adaptor.getStructureAttr(), adaptor.getTileAttr(),
                            out, probs)) ||
      failed(check.requireShape(adaptor.getGate(), out.getShape(), "gate")) ||
      failed(check.requireSameElementType(adaptor.getQuery(), adaptor.getGate(),
                                          "query", "gate")))
    return failure();
  results.push_back(out);
  return success();
}

LogicalResult AdditiveAttentionOp::inferReturnTypes(MLIRContext *, Loc loc,
                                                    Adaptor adaptor,
                                                    Types &results) {
  ShapeChecker check(loc, "additive_attention");
  Value hidden = adaptor.getHidden(), states = adaptor.getStates();
  if (failed(check.requireRank(hidden, 2, "hidden [B, D]")) ||
      failed(check.requireRank(states, 3, "states [B, T, D]")) ||
      failed(check.requireSameElementType(hidden, states, "hidden", "states")))
    return failure();
  RankedTensorType h = typeOf(hidden), s = typeOf(states);
  int64_t b = h.getDimSize(0), d = h.getDimSize(1);
  if (s.getDimSize(0) != b || s.getDimSize(2) != d)
    return check.fail("states " + formatType(s) + " must be [" + Twine(b) +
                      ", T, " + Twine(d) + "] to match hidden " +
                      formatType(h));
  if (failed(check.requireSameElementType(hidden, adaptor.getWeight(), "hidden",
                                          "weight")) ||
      failed(check.requireShape(adaptor.getWeight(), {1, 2 * d}, "weight")))
    return failure();
  if (Value bias = adaptor.getBias())
    if (failed(check.requireSameElementType(hidden, bias, "hidden", "bias")) ||
        failed(check.requireShape(bias, {1}, "bias")))
      return failure();
  results.push_back(h);
  results.push_back(
      RankedTensorType::get({b, s.getDimSize(1)}, h.getElementType()));
  return success();
}

AttentionSparsity heed::attn::sparsityOf(Attribute structure) {
  if (isa_and_nonnull<CausalAttr>(structure))
    return AttentionSparsity::causal();
  if (auto w = dyn_cast_or_null<WindowAttr>(structure))
    return AttentionSparsity::window(w.getLeft(), w.getRight());
  if (auto b = dyn_cast_or_null<BlocksAttr>(structure)) {
    std::vector<std::vector<int64_t>> visit;
    for (Attribute row : b.getVisit()) {
      ArrayRef<int64_t> tiles = cast<DenseI64ArrayAttr>(row).asArrayRef();
      visit.emplace_back(tiles.begin(), tiles.end());
    }
    return AttentionSparsity::blocks(b.getQBlock(), b.getKBlock(),
                                     std::move(visit));
  }
  return AttentionSparsity();
}

Attribute heed::attn::structureAttrOf(MLIRContext *ctx,
                                      const AttentionSparsity &sparsity) {
  switch (sparsity.structure) {
  case AttentionStructure::None:
    return nullptr;
  case AttentionStructure::Causal:
    return CausalAttr::get(ctx);
  case AttentionStructure::Window:
    return WindowAttr::get(ctx, sparsity.left, sparsity.right);
  case AttentionStructure::Blocks: {
    Builder b(ctx);
    SmallVector<Attribute> visit;
    for (const std::vector<int64_t> &tiles : sparsity.visit)
      visit.push_back(b.getDenseI64ArrayAttr(tiles));
    return BlocksAttr::get(ctx, sparsity.qBlock, sparsity.kBlock,
                           b.getArrayAttr(visit));
  }
  }
  return nullptr;
}

#include "attn/AttnInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "attn/AttnOps.cpp.inc"
