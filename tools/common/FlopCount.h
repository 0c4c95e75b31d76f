//===- FlopCount.h - Floating-point work of a graph -------------*- C++ -*-===//
//
// heed-bench reports GFLOP/s from the graph, not from the kernels: the FLOPs
// of each heed/attn op of a tensor-level module (before heed-to-heedrt),
// with one documented formula per op (docs/bench.md lists them all):
//
//   matmul        2 * (elements of the result) * K       (batch included)
//   linear        2 * (elements of the result) * in  (+ 1 per element: bias)
//   conv2d        2 * (elements of the result) * C/groups * kh * kw (+ bias)
//   attention     2 * batch * Hq * pairs * (D + Dv): QK^T and PV, where
//                 pairs = Lq * Lk dense, or the visible (query, key) pairs
//                 of its structure (causal, window, blocks; bottom-right
//                 aligned) and top-k for the effective count
//   lstm / gru    per step, batch row, layer and direction:
//                 8H(in + H) + 17H / 6H(in + H) + 14H (with biases)
//   softmax 5, layer_norm / rms_norm 8, batch_norm 4 per element; every
//   other arithmetic elementwise op (unary, binary, compare, where),
//   reductions and cumsum 1 per element; data movement (reshape,
//   transpose, slice, concat, gather, scatter, dynamic_update_slice,
//   embedding, iota, tril, cast, ...) 0.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_FLOPCOUNT_H
#define HEED_TOOLS_HEEDBENCH_FLOPCOUNT_H

#include "heed/AttentionSparsity.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstdint>
#include <optional>

namespace heed::bench {

/// The FLOPs of one run of a graph, two ways.
struct FlopCount {
  /// Every attention computes all Lq * Lk scores (structure ignored).
  double dense = 0;
  /// Attention counts only the (query, key) pairs its structure and top-k
  /// leave visible: the work a kernel that skips masked tiles must do.
  double effective = 0;
};

/// Counts the FLOPs of \p graph, a func.func of heed and attn ops on
/// tensors. Every op has a formula (a new op without one does not compile);
/// ops of other dialects (func.return) count 0.
FlopCount countFlops(mlir::func::FuncOp graph);

/// The (query, key) pairs of one attention head with \p lq queries and
/// \p lk keys that \p sparsity (causal, window, blocks, or none: dense)
/// leaves visible, bottom-right aligned: query i sits at key position
/// i + lk - lq. With \p topkRatio, a row keeps at most
/// ceil(ratio * lk) of them (for the PV product; QK^T still scores them all).
struct VisiblePairs {
  /// Pairs whose score is computed (QK^T).
  double scored = 0;
  /// Pairs whose probability multiplies V (PV).
  double weighted = 0;
};
VisiblePairs countVisiblePairs(const AttentionSparsity &sparsity, int64_t lq,
                               int64_t lk, std::optional<double> topkRatio);

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_FLOPCOUNT_H
