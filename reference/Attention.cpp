//===- Attention.cpp - Reference attention kernels ------------------------===//
//
// Scaled dot-product attention (with GQA, structural masks, an explicit mask
// and top-k sparsification), gated attention and the seed's additive
// (Bahdanau) attention, as plain loops over one query row at a time.
//
// For each row the steps are, in order:
//   1. score_j = scale * q . k_j for every key j;
//   2. keys hidden by the structure (causal / window / blocks), by an i1
//      mask or by a -inf in an f32/f16/bf16 mask are hidden: their score
//      becomes -inf (a select, so a NaN score of a hidden key is gone); any
//      other mask value is added to the score;
//   3. with a top-k ratio, only the ceil(ratio * Lk) largest scores other
//      than -inf stay (NaN ranks above every number; ties: lower key index
//      first); the others are hidden too;
//   4. softmax over the row (max-subtracted, accumulated in double); a row
//      whose scores are all -inf gives all-zero probabilities, a row with a
//      NaN (or +inf) score all-NaN ones;
//   5. out = sum_j p_j v_j over the keys that are not hidden: a hidden key
//      contributes nothing, even where v_j holds NaN or Inf (where a visible
//      one with p_j = 0 contributes 0 * v_j, IEEE).
// Everything is computed in double and rounded to q's dtype at the end.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace heed::ref {

namespace {

const double kNegInf = -std::numeric_limits<double>::infinity();

/// Element of \p mask at the 4-D index \p idx of [B, Hq, Lq, Lk], NumPy
/// broadcasting: the mask's dims align with the trailing dims of the index
/// and a dim of extent 1 is read at 0.
double maskAt(const Tensor &mask, const int64_t idx[4]) {
  const int64_t rank = mask.rank();
  int64_t offset = 0;
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t extent = mask.shape[(size_t)d];
    const int64_t full = idx[4 - rank + d];
    offset = offset * extent + (extent == 1 ? 0 : full);
  }
  return mask.data[(size_t)offset];
}

/// Whether score \p a ranks above \p b for top-k: NaN above every number.
bool ranksAbove(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return !std::isnan(b);
  return a > b;
}

/// Top-k of one row: keeps the \p keep highest-ranked entries of \p row
/// other than -inf (ties: lower index first), hides the others (-inf and
/// \p visible false). If there are at most \p keep such entries, all stay.
void keepTopK(std::vector<double> &row, std::vector<char> &visible,
              int64_t keep) {
  std::vector<int64_t> order;
  for (int64_t j = 0; j < (int64_t)row.size(); ++j)
    if (row[(size_t)j] != kNegInf)
      order.push_back(j);
  if ((int64_t)order.size() <= keep)
    return;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return ranksAbove(row[(size_t)a], row[(size_t)b]);
  });
  for (size_t r = (size_t)keep; r < order.size(); ++r) {
    row[(size_t)order[r]] = kNegInf;
    visible[(size_t)order[r]] = 0;
  }
}

/// Max-subtracted softmax of \p row; all zeros when every entry is -inf,
/// all NaN when one is NaN or +inf (IEEE: exp(NaN), exp(inf - inf)).
std::vector<double> softmaxRow(const std::vector<double> &row) {
  std::vector<double> p(row.size(), 0.0);
  double maxV = kNegInf;
  for (double v : row) {
    if (std::isnan(v)) {
      std::fill(p.begin(), p.end(), v);
      return p;
    }
    maxV = std::max(maxV, v);
  }
  if (maxV == kNegInf)
    return p; // no visible key
  double sum = 0.0;
  for (size_t j = 0; j < row.size(); ++j) {
    p[j] = row[j] == kNegInf ? 0.0 : std::exp(row[j] - maxV);
    sum += p[j];
  }
  for (double &v : p)
    v /= sum;
  return p;
}

/// attention() without the final rounding, so gatedAttention can use the
/// unrounded output.
AttentionResult attentionUnrounded(const Tensor &q, const Tensor &k,
                                   const Tensor &v,
                                   const AttentionOptions &opt) {
  const int64_t B = q.dim(0), Hq = q.dim(1), Lq = q.dim(2), D = q.dim(3);
  const int64_t Hkv = k.dim(1), Lk = k.dim(2), Dv = v.dim(3);
  const int64_t group = Hq / Hkv;

  int64_t topkKeep = Lk;
  if (opt.topkRatio) {
    topkKeep = (int64_t)std::ceil(*opt.topkRatio * (double)Lk);
    topkKeep = std::min(std::max(topkKeep, (int64_t)0), Lk);
  }

  AttentionResult result;
  result.out = Tensor(q.dtype, {B, Hq, Lq, Dv});
  result.probs = Tensor(q.dtype, {B, Hq, Lq, Lk});

  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t hkv = h / group;
      for (int64_t i = 0; i < Lq; ++i) {
        std::vector<double> row((size_t)Lk);
        std::vector<char> visible((size_t)Lk);
        for (int64_t j = 0; j < Lk; ++j) {
          double dot = 0.0;
          for (int64_t d = 0; d < D; ++d)
            dot += q.data[(size_t)(((b * Hq + h) * Lq + i) * D + d)] *
                   k.data[(size_t)(((b * Hkv + hkv) * Lk + j) * D + d)];
          double score = opt.scale * dot;
          bool sees = opt.structure.sees(i, j, Lq, Lk);
          if (opt.mask) {
            const int64_t idx[4] = {b, h, i, j};
            const double m = maskAt(*opt.mask, idx);
            if (opt.mask->dtype == DType::I1 ? m == 0.0 : m == kNegInf)
              sees = false;
            else
              score += m;
          }
          visible[(size_t)j] = sees;
          row[(size_t)j] = sees ? score : kNegInf;
        }
        if (opt.topkRatio)
          keepTopK(row, visible, topkKeep);

        const std::vector<double> p = softmaxRow(row);
        for (int64_t j = 0; j < Lk; ++j)
          result.probs.data[(size_t)(((b * Hq + h) * Lq + i) * Lk + j)] =
              p[(size_t)j];
        for (int64_t e = 0; e < Dv; ++e) {
          double acc = 0.0;
          for (int64_t j = 0; j < Lk; ++j)
            if (visible[(size_t)j])
              acc += p[(size_t)j] *
                     v.data[(size_t)(((b * Hkv + hkv) * Lk + j) * Dv + e)];
          result.out.data[(size_t)(((b * Hq + h) * Lq + i) * Dv + e)] = acc;
        }
      }
    }
  return result;
}

} // namespace

AttentionResult attention(const Tensor &q, const Tensor &k, const Tensor &v,
                          const AttentionOptions &options) {
  AttentionResult result = attentionUnrounded(q, k, v, options);
  result.out.roundInPlace();
  result.probs.roundInPlace();
  return result;
}

Tensor gatedAttention(const Tensor &q, const Tensor &k, const Tensor &v,
                      const Tensor &gate, const AttentionOptions &options) {
  Tensor out = attentionUnrounded(q, k, v, options).out;
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] *= 1.0 / (1.0 + std::exp(-gate.data[i]));
  out.roundInPlace();
  return out;
}

AdditiveAttentionResult additiveAttention(const Tensor &h, const Tensor &s,
                                          const Tensor &weight,
                                          const Tensor *bias) {
  const int64_t B = s.dim(0), T = s.dim(1), D = s.dim(2);
  AdditiveAttentionResult result;
  result.out = Tensor(h.dtype, {B, D});
  result.alpha = Tensor(h.dtype, {B, T});
  for (int64_t b = 0; b < B; ++b) {
    // score_t = w[0:D] . h + w[D:2D] . s_t + bias.
    std::vector<double> score((size_t)T);
    for (int64_t t = 0; t < T; ++t) {
      double acc = bias ? bias->data[0] : 0.0;
      for (int64_t d = 0; d < D; ++d)
        acc += weight.data[(size_t)d] * h.data[(size_t)(b * D + d)];
      for (int64_t d = 0; d < D; ++d)
        acc += weight.data[(size_t)(D + d)] *
               s.data[(size_t)((b * T + t) * D + d)];
      score[(size_t)t] = acc;
    }
    const std::vector<double> alpha = softmaxRow(score);
    for (int64_t t = 0; t < T; ++t)
      result.alpha.data[(size_t)(b * T + t)] = alpha[(size_t)t];
    for (int64_t d = 0; d < D; ++d) {
      double acc = h.data[(size_t)(b * D + d)];
      for (int64_t t = 0; t < T; ++t)
        acc += alpha[(size_t)t] * s.data[(size_t)((b * T + t) * D + d)];
      result.out.data[(size_t)(b * D + d)] = acc;
    }
  }
  result.out.roundInPlace();
  result.alpha.roundInPlace();
  return result;
}

} // namespace heed::ref
