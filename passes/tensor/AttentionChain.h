//===- AttentionChain.h - Spelled-out attention, matched --------*- C++ -*-===//
//
// What attn-fuse recognises as attention, whatever form the frontend or an
// importer produced. From a `matmul(P, V)` whose P is a softmax over the
// last axis, matchAttentionChain walks the scores back towards
// `matmul(Q, K^T)`:
//
//   P      = softmax(S) | where(ne(x, x), 0, x) with x = softmax(S) (NaN guard)
//   S      = where(mask, S', c <= -1e4) | where(mask, c, S') (mask negated)
//          | S' + mask | mask + S'           (additive masks, f32)
//          | S' * c | c * S' | S' / c        (scalar c; any number of times)
//   S'     = matmul(Q * c?, Kt * c?)         (scale folded into Q or K)
//
// peelHeadRepeat sees through K and V repeated to the query heads in the
// graph (grouped-query attention).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_TENSOR_ATTENTIONCHAIN_H
#define HEED_PASSES_TENSOR_ATTENTIONCHAIN_H

#include "heed/HeedOps.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace heed {

/// A spelled-out attention chain.
struct AttentionChain {
  mlir::Value query, keyTransposed, value, mask, probs;
  /// The NaN-guarded probabilities, when the chain has a guard.
  mlir::Value guarded;
  /// The product of the scale factors found (on the scores, Q or K).
  double scale = 1.0;
  bool negateMask = false;
  /// The select's fill when it is finite (-1e9, say): a row that hides
  /// every key then averages them, so the mask becomes the additive
  /// where(mask, 0, fill) rather than an i1 mask (which would give zeros).
  std::optional<double> finiteFill;
  /// The softmax, whose result the fused op can return.
  SoftmaxOp softmax;
  /// Every op of the chain, root first, to erase after the rewrite.
  llvm::SmallVector<mlir::Operation *> ops;
};

/// Walks from `matmul(P, V)` (see the file comment). A failure carries the
/// reason in \p reason (a near miss: a softmax feeds the matmul), or an
/// empty reason when \p root is not attention at all.
mlir::FailureOr<AttentionChain> matchAttentionChain(MatmulOp root,
                                                    std::string &reason);

/// K or V repeated to the query heads in the graph (grouped-query
/// attention): reshape [B, Hkv, L, D] -> [B, Hkv, 1, L, D], broadcast_to
/// [B, Hkv, G, L, D], reshape [B, Hkv * G, L, D]; or a broadcast_to of
/// [B, 1, L, D] (one key/value head). Returns the unrepeated [B, Hkv, L, D],
/// which attention reads without the copy, or \p v itself.
mlir::Value peelHeadRepeat(mlir::Value v);

/// The attribute attn-fuse puts on a fused attention op: the name of the
/// spelled-out softmax it replaced (a StringAttr), which names the op's
/// attention map, so that a map has the same name at -O0 and -O2.
constexpr const char *kAttentionMapAttrName = "heed.attention_map";

/// The source name of \p loc's outermost NameLoc, if any: the value a .heed
/// statement defines, with its parameter prefix, or an imported ONNX node's
/// name (OpType_I for a node without one).
std::optional<std::string> sourceName(mlir::Location loc);

/// The probabilities of \p softmax (over the last axis) as the left operand
/// of a matmul reads them, through reshapes or a NaN guard: the softmax's
/// result or a reshape of it; null when no matmul multiplies them.
mlir::Value attentionProductOperand(SoftmaxOp softmax);

/// Whether \p softmax's rows are each one query's probabilities: the
/// matmul reads its [..., T] as [..., 1, T] (additive attention written
/// out), so its map is [N, 1, 1, T] rather than queries x keys.
bool isOneQueryAttention(SoftmaxOp softmax);

/// The name of the attention map \p op computes (heedrt.kernel's
/// `attention_map`): for an attn op its kAttentionMapAttrName attribute or
/// else its location's name; for a softmax over the last axis whose
/// probabilities are the left operand of a matmul (through reshapes or a
/// NaN guard; a spelled-out attention, fused or not), its location's
/// sourceName. An op without a name gets "<op>@<line>:<col>". std::nullopt
/// for any other op.
std::optional<std::string> attentionMapName(mlir::Operation *op);

} // namespace heed

#endif // HEED_PASSES_TENSOR_ATTENTIONCHAIN_H
