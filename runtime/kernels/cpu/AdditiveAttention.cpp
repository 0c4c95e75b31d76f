//===- AdditiveAttention.cpp - Additive (Bahdanau) attention --------------===//
//
// Kernels (inputs -> outputs; attributes with defaults; dtypes):
//
//   additive_attention : hidden, states, weight [, bias] -> out, alpha
//     hidden [B, D], states [B, T, D], weight [1, 2D] (PyTorch
//     nn.Linear(2D, 1) layout), bias [1] -> out [B, D], alpha [B, T]
//     has_bias = 1 when there are 4 inputs, else 0 (0/1; must agree with
//                the input count)
//     all f32.
//
//   For each batch row b (docs/language.md, the seed's section 1):
//     score_t = weight[0:D] . hidden_b + weight[D:2D] . states_{b,t} + bias
//     alpha_b = softmax_t(score)          (max subtracted; T = 0 gives no
//                                          alpha and out = hidden)
//     out_b   = hidden_b + sum_t alpha_{b,t} states_{b,t}
//
// Every sum (dot products, the softmax denominator, the weighted sum of the
// states) is accumulated in double in index order and rounded once to f32,
// like the reference kernel (reference/Attention.cpp), so results match it
// to f32 rounding. Batch rows are split into fixed chunks (parallelChunks);
// one row is computed by one chunk, so results are bitwise identical for any
// thread count. Scratch: T + D doubles per worker thread (threadScratch
// slot 1).
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Kernel.h"
#include "KernelAttrs.h"
#include "OneDnn.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace heed::rt {
namespace {

/// Work (in multiply-adds) per parallel chunk, about.
constexpr int64_t kChunkWork = 1 << 15;

class AdditiveAttentionKernel : public Kernel {
public:
  AdditiveAttentionKernel(int64_t B, int64_t T, int64_t D, bool hasBias)
      : B(B), T(T), D(D), hasBias(hasBias) {}

  void run(const void *const *in, void *const *out) override {
    const float *h = static_cast<const float *>(in[0]);
    const float *s = static_cast<const float *>(in[1]);
    const float *w = static_cast<const float *>(in[2]);
    const double bias = hasBias ? static_cast<const float *>(in[3])[0] : 0.0;
    float *o = static_cast<float *>(out[0]);
    float *alpha = static_cast<float *>(out[1]);
    int64_t perRow = std::max<int64_t>(1, 2 * T * D + D);
    parallelChunks(B, std::max<int64_t>(1, kChunkWork / perRow),
                   [&](int64_t b0, int64_t b1) {
                     double *scratch = static_cast<double *>(
                         threadScratch(1, (size_t)(T + D) * sizeof(double)));
                     for (int64_t b = b0; b < b1; ++b)
                       row(h + b * D, s + b * T * D, w, bias, o + b * D,
                           alpha + b * T, scratch, scratch + T);
                   });
  }

  size_t scratchBytes() const override {
    return (size_t)(T + D) * sizeof(double);
  }
  std::array<size_t, kThreadScratchSlots> threadScratchBytes() const override {
    return {0, (size_t)(T + D) * sizeof(double)};
  }

private:
  /// One batch row: \p score holds T doubles, \p acc D doubles.
  void row(const float *h, const float *s, const float *w, double bias,
           float *o, float *alpha, double *score, double *acc) const {
    double hw = bias;
    for (int64_t d = 0; d < D; ++d)
      hw += (double)w[d] * h[d];
    const float *ws = w + D;
    double maxScore = -std::numeric_limits<double>::infinity();
    for (int64_t t = 0; t < T; ++t) {
      double v = hw;
      const float *st = s + t * D;
      for (int64_t d = 0; d < D; ++d)
        v += (double)ws[d] * st[d];
      score[t] = v;
      maxScore = std::max(maxScore, v);
    }
    for (int64_t d = 0; d < D; ++d)
      acc[d] = h[d];
    // A row whose scores are all -inf (only with infinite inputs) has no
    // visible state: alpha = 0 and out = hidden, as in the reference.
    if (maxScore == -std::numeric_limits<double>::infinity()) {
      std::fill(alpha, alpha + T, 0.0f);
    } else {
      double sum = 0;
      for (int64_t t = 0; t < T; ++t) {
        score[t] = std::exp(score[t] - maxScore);
        sum += score[t];
      }
      for (int64_t t = 0; t < T; ++t) {
        double a = score[t] / sum;
        alpha[t] = (float)a;
        const float *st = s + t * D;
        for (int64_t d = 0; d < D; ++d)
          acc[d] += a * st[d];
      }
    }
    for (int64_t d = 0; d < D; ++d)
      o[d] = (float)acc[d];
  }

  int64_t B, T, D;
  bool hasBias;
};

std::unique_ptr<Kernel> makeAdditiveAttention(const KernelSignature &sig) {
  sig.expectArity(3, 2, 4);
  const int64_t nIn = (int64_t)sig.inputs.size();
  const int64_t hasBias =
      AdditiveAttentionAttrs::read(sig.attrs).hasBias.value_or(nIn == 4);
  if (nIn != 3 + hasBias)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         sig.kernel + ": has_bias = " + std::to_string(hasBias) + " needs " +
             std::to_string(3 + hasBias) + " inputs, got " +
             std::to_string(nIn));
  for (size_t i = 0; i < sig.inputs.size(); ++i)
    sig.expectInputDType(i, HEED_F32);
  sig.expectOutputDType(0, HEED_F32);
  sig.expectOutputDType(1, HEED_F32);

  const TensorDesc &h = sig.inputs[0], &s = sig.inputs[1], &w = sig.inputs[2];
  if (h.rank() != 2)
    sig.shapeError("hidden must be [B, D], got " + h.str());
  const int64_t B = h.dim(0), D = h.dim(1);
  if (s.rank() != 3 || s.dim(0) != B || s.dim(2) != D)
    sig.shapeError("states must be [B, T, D] with B = " + std::to_string(B) +
                   " and D = " + std::to_string(D) + " (hidden " + h.str() +
                   "), got " + s.str());
  const int64_t T = s.dim(1);
  if (w.shape != std::vector<int64_t>{1, 2 * D})
    sig.shapeError("weight must be [1, 2D] = [1, " + std::to_string(2 * D) +
                   "], got " + w.str());
  if (hasBias && sig.inputs[3].numel() != 1)
    sig.shapeError("bias must have one element, got " + sig.inputs[3].str());
  const TensorDesc &o = sig.outputs[0], &a = sig.outputs[1];
  if (o.shape != std::vector<int64_t>{B, D} ||
      a.shape != std::vector<int64_t>{B, T})
    sig.shapeError("outputs must be out [B, D] = [" + std::to_string(B) + ", " +
                   std::to_string(D) + "] and alpha [B, T] = [" +
                   std::to_string(B) + ", " + std::to_string(T) + "], got " +
                   o.str() + " and " + a.str());
  return std::make_unique<AdditiveAttentionKernel>(B, T, D, hasBias != 0);
}

} // namespace

void registerAdditiveAttentionKernels() {
  registerKernel("additive_attention", makeAdditiveAttention);
}

} // namespace heed::rt
