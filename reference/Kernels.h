//===- Kernels.h - The reference kernels, one function per op ---*- C++ -*-===//
//
// The executable meaning of every .heed op: plain loops over Tensor, no
// oneDNN, no TBB, no cleverness. Each function takes operands whose shapes the
// dialect verifiers have already checked; data-dependent errors (an index out
// of range) throw KernelError. Results are rounded to their dtype.
//
// docs/language.md defines each op; the comments here only say which
// convention a function follows where there is a choice.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_REFERENCE_KERNELS_H
#define HEED_REFERENCE_KERNELS_H

#include "Tensor.h"

#include "heed/AttentionSparsity.h"

#include <optional>
#include <stdexcept>
#include <utility>

namespace heed::ref {

/// A data-dependent failure while evaluating an op.
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// NumPy broadcasting of two shapes (throws KernelError if incompatible).
Shape broadcastShapes(const Shape &a, const Shape &b);
/// Materialises \p x broadcast to \p shape (NumPy rules).
Tensor broadcastTo(const Tensor &x, const Shape &shape);

//===--- Elementwise (Elementwise.cpp) ------------------------------------===//

/// fn(x) for every element (in double), rounded to x's dtype. The unary ops
/// give theirs with their definition (HeedOps.td: `heed::ExpOp::evaluate`);
/// tests write theirs out.
Tensor map(const Tensor &x, double (*fn)(double));

enum class BinaryKind { Add, Sub, Mul, Div, Max, Min, Pow, And, Or };
/// Broadcasting binary op; both operands have the same dtype, which is the
/// result's. Integer Div truncates towards zero and throws on division by 0.
Tensor binary(BinaryKind kind, const Tensor &a, const Tensor &b);

enum class CompareKind { Eq, Ne, Lt, Le, Gt, Ge };
/// Broadcasting comparison; the result is i1.
Tensor compare(CompareKind kind, const Tensor &a, const Tensor &b);

/// Broadcasting select: cond (i1) ? a : b. a and b share a dtype.
Tensor where(const Tensor &cond, const Tensor &a, const Tensor &b);

/// Converts to \p to (floats to ints truncate towards zero).
Tensor cast(const Tensor &x, DType to);

//===--- Shapes and data movement (Shape.cpp) -----------------------------===//

/// out.shape[i] = x.shape[perm[i]].
Tensor transpose(const Tensor &x, const std::vector<int64_t> &perm);
/// Same elements in the same row-major order, new shape (no -1 here: the
/// frontend resolves it).
Tensor reshape(const Tensor &x, const Shape &shape);
/// Concatenation along \p axis (non-negative).
Tensor concat(const std::vector<Tensor> &xs, int64_t axis);
/// Splits along \p axis into pieces of the given sizes (they sum to the
/// extent).
std::vector<Tensor> split(const Tensor &x, const std::vector<int64_t> &sizes,
                          int64_t axis);
/// Elements start, start+step, ... < end along \p axis (0 <= start <= end <=
/// extent, step >= 1).
Tensor slice(const Tensor &x, int64_t axis, int64_t start, int64_t end,
             int64_t step);
/// numpy.take: out.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:].
/// Negative indices count from the end; out of range throws KernelError.
Tensor gather(const Tensor &x, const Tensor &indices, int64_t axis);
/// torch.Tensor.scatter(axis, index, src): x with out[p with p[axis] =
/// index[p]] = src[p] for every position p of index (index and src of x's
/// rank, index no larger than src, nor than x off the axis), in row-major
/// order of p, so the last of repeated targets wins. An index outside
/// [0, extent), negative too, throws KernelError.
Tensor scatter(const Tensor &x, int64_t axis, const Tensor &index,
               const Tensor &src);
/// StableHLO's dynamic_update_slice: x with \p update (x's rank, no larger)
/// written at \p starts (one per axis, each clamped to [0, x.dim -
/// update.dim]).
Tensor dynamicUpdateSlice(const Tensor &x, const Tensor &update,
                          const Tensor &starts);
/// weight[ids]: out.shape = ids.shape + [dim]; out of range throws.
Tensor embedding(const Tensor &ids, const Tensor &weight);
/// out[i0, ..., in] = i_axis, of the given dtype.
Tensor iota(const Shape &shape, int64_t axis, DType dtype);
/// Keeps elements with col - row <= k of the last two dims, zero (false)
/// elsewhere (torch.tril).
Tensor tril(const Tensor &x, int64_t k);
/// Keeps elements with col - row >= k (torch.triu).
Tensor triu(const Tensor &x, int64_t k);

//===--- Linear algebra (Linalg.cpp) --------------------------------------===//

/// torch.matmul for rank >= 2 operands: [..., M, K] x [..., K, N], leading
/// dims broadcast.
Tensor matmul(const Tensor &a, const Tensor &b);
/// x [..., in] * weight[out, in]^T + bias[out].
Tensor linear(const Tensor &x, const Tensor &weight, const Tensor *bias);

//===--- Normalisation and reductions (Normalization.cpp) -----------------===//

/// Numerically stable (max-subtracted) softmax along \p axis.
Tensor softmax(const Tensor &x, int64_t axis);
Tensor logSoftmax(const Tensor &x, int64_t axis);
/// Over the last dim, biased variance: (x - mean) / sqrt(var + eps) * w + b.
Tensor layerNorm(const Tensor &x, const Tensor *weight, const Tensor *bias,
                 double eps);
/// Over the last dim: x / sqrt(mean(x^2) + eps) * w.
Tensor rmsNorm(const Tensor &x, const Tensor *weight, double eps);
/// Inference batch norm over channel axis 1 of [N, C, ...]:
/// (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c].
Tensor batchNorm(const Tensor &x, const Tensor &weight, const Tensor &bias,
                 const Tensor &mean, const Tensor &var, double eps);

enum class ReduceKind { Sum, Mean, Max, Min };
/// Reduces the given (non-negative, distinct) axes; keeps them as 1 when
/// \p keepDims.
Tensor reduce(ReduceKind kind, const Tensor &x,
              const std::vector<int64_t> &axes, bool keepDims);
/// The k largest elements along \p axis, sorted descending; ties keep the
/// lower index first. Indices are i64.
std::pair<Tensor, Tensor> topK(const Tensor &x, int64_t k, int64_t axis);

/// torch.cumsum: out[..., i, ...] is the sum of x[..., 0..i, ...] along
/// \p axis, accumulated in Scalar (exactly for integers) in index order and
/// rounded to x's dtype once per element.
Tensor cumsum(const Tensor &x, int64_t axis);

//===--- Recurrent layers (Recurrent.cpp) ---------------------------------===//

/// One direction of one layer, PyTorch layout: wIh [G*H, I], wHh [G*H, H],
/// bIh, bHh [G*H] (G = 4 for LSTM with gate order i, f, g, o; G = 3 for GRU
/// with gate order r, z, n). Biases may be empty tensors (no bias).
struct RnnWeights {
  Tensor wIh, wHh, bIh, bHh;
};

struct RnnResult {
  Tensor sequence; ///< [B, T, dirs * H] (batch first)
  Tensor hidden;   ///< [layers * dirs, B, H]
  Tensor cell;     ///< [layers * dirs, B, H]; empty for GRU
};

/// torch.nn.LSTM(batch_first=True). \p weights is indexed [layer * dirs +
/// dir]. \p h0 / \p c0 ([layers * dirs, B, H]) may be null (zeros). With
/// \p lengths (i64 [B], each in [0, T]; throws KernelError otherwise), row b
/// is its first lengths[b] steps, as a PyTorch packed sequence: outputs
/// past the length are 0, the reverse direction starts at the length, and
/// the final states are those at the length.
RnnResult lstm(const Tensor &x, const Tensor *h0, const Tensor *c0,
               const std::vector<RnnWeights> &weights, int64_t layers,
               bool bidirectional, const Tensor *lengths = nullptr);
/// torch.nn.GRU(batch_first=True); same conventions, no cell state.
RnnResult gru(const Tensor &x, const Tensor *h0,
              const std::vector<RnnWeights> &weights, int64_t layers,
              bool bidirectional, const Tensor *lengths = nullptr);

//===--- Convolution and pooling (Conv.cpp) -------------------------------===//

struct Window2d {
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t padding[2] = {0, 0};
  int64_t dilation[2] = {1, 1};
};

/// NCHW convolution, weight [O, C / groups, kh, kw], optional bias [O]; zero
/// padding. The kernel size is taken from the weight.
Tensor conv2d(const Tensor &x, const Tensor &weight, const Tensor *bias,
              const Window2d &window, int64_t groups);
/// Padding counts as -infinity.
Tensor maxPool2d(const Tensor &x, const Window2d &window);
/// Padding counts as zero and is included in the divisor (PyTorch's default
/// count_include_pad=True).
Tensor avgPool2d(const Tensor &x, const Window2d &window);
/// [N, C, H, W] -> [N, C, 1, 1].
Tensor globalAvgPool(const Tensor &x);

//===--- Attention (Attention.cpp) ----------------------------------------===//

struct AttentionOptions {
  double scale = 1.0;
  /// Which (query, key) pairs a query row may attend to, besides an explicit
  /// mask tensor (heed/AttentionSparsity.h: with Lq != Lk the diagonal is
  /// aligned bottom-right, query i sits at position i + (Lk - Lq)).
  AttentionSparsity structure;
  /// Optional mask broadcastable to [B, Hq, Lq, Lk]: f32 is added to the
  /// scaled scores (-inf hides the key, whatever its score), i1 keeps the
  /// positions where it is true.
  const Tensor *mask = nullptr;
  /// Keep the ceil(ratio * Lk) largest scores other than -inf of each row
  /// (after scale and masks; NaN ranks above every number; ties keep the
  /// lower key index), mask the rest.
  std::optional<double> topkRatio;
};

struct AttentionResult {
  Tensor out;   ///< [B, Hq, Lq, Dv]
  Tensor probs; ///< [B, Hq, Lq, Lk]
};

/// softmax(scale * Q K^T (+mask)) V with q [B, Hq, Lq, D], k [B, Hkv, Lk, D],
/// v [B, Hkv, Lk, Dv], Hq a multiple of Hkv (query head h reads kv head
/// h / (Hq / Hkv)). A row with no visible key gives zeros in out and probs.
/// A key hidden from a row contributes nothing to it, even where its K or V
/// row holds NaN or Inf (docs/language.md, "Hidden keys and non-finite
/// values").
AttentionResult attention(const Tensor &q, const Tensor &k, const Tensor &v,
                          const AttentionOptions &options);

/// attention(q, k, v).out * sigmoid(gate), gate shaped like the output.
Tensor gatedAttention(const Tensor &q, const Tensor &k, const Tensor &v,
                      const Tensor &gate, const AttentionOptions &options);

struct AdditiveAttentionResult {
  Tensor out;   ///< [B, D]: h + sum_t alpha_t s_t
  Tensor alpha; ///< [B, T]
};

/// The seed's section 1: h [B, D], s [B, T, D], weight [1, 2D], bias [1];
/// score_t = weight . [h; s_t] + bias, alpha = softmax_t(score).
AdditiveAttentionResult additiveAttention(const Tensor &h, const Tensor &s,
                                          const Tensor &weight,
                                          const Tensor *bias);

} // namespace heed::ref

#endif // HEED_REFERENCE_KERNELS_H
