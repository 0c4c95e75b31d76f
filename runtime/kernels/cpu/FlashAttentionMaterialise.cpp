//===- FlashAttentionMaterialise.cpp - Attention with probs or top-k -----===//
//
// The materialising path of the attention kernel (FlashAttention.cpp states
// the contract), taken with return_probs or topk_ratio: a task walks its
// query tile in chunks of r = clamp(256 KiB / (4 * Lk), 1, q_block) rows,
// computes the scores of every visited tile into an r x Lk buffer (the
// oneDNN path's tile steps), applies top-k per row, takes the softmax over
// the whole row, writes probs, and accumulates P V tile by tile (never
// reading unvisited tiles).
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"
#include "heed/DType.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace heed::rt::attention {

void AttentionKernel::keepTopK(float *row, int64_t n, float *sel) const {
  int64_t visible = 0, candidates = 0;
  for (int64_t j = 0; j < n; ++j) {
    float x = row[j];
    if (x == kNegInf)
      continue;
    ++visible;
    if (!std::isnan(x)) // NaN would break nth_element's ordering
      sel[candidates++] = x;
  }
  if (visible <= cfg.keep)
    return;
  int64_t keep = cfg.keep;
  if (keep == 0) {
    std::fill(row, row + n, kNegInf);
    return;
  }
  if (candidates <= keep) // only with NaN scores: keep them all
    return;
  std::nth_element(sel, sel + keep - 1, sel + candidates,
                   std::greater<float>());
  float threshold = sel[keep - 1];
  int64_t above = 0;
  for (int64_t j = 0; j < n; ++j)
    above += row[j] > threshold;
  int64_t ties = keep - above; // scores equal to the threshold to keep
  for (int64_t j = 0; j < n; ++j) {
    float x = row[j];
    if (x > threshold)
      continue;
    if (x == threshold && ties > 0)
      --ties;
    else
      row[j] = kNegInf;
  }
}

void AttentionKernel::materialisedRows(const Head &hd, int64_t qt, int64_t r0,
                                       int64_t r1, const Scratch &sc) const {
  int64_t rows = r1 - r0, ld = std::max<int64_t>(cfg.Lk, 1), dv = cfg.Dv;
  std::fill(sc.s, sc.s + rows * ld, kNegInf);
  std::fill(sc.o, sc.o + rows * dv, 0.0f);
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (tileBox(r0, r1, kt, box))
      scores(hd, box, r0, sc.s, ld, 0);
  });
  for (int64_t r = 0; r < rows; ++r) {
    float *row = sc.s + r * ld;
    if (cfg.topk)
      keepTopK(row, cfg.Lk, sc.sel);
    sc.m[r] = kNegInf;
    sc.l[r] = 0.0f;
    softmaxStep(row, cfg.Lk, sc.m[r], sc.l[r]);
  }
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (tileBox(r0, r1, kt, box))
      addPV(hd, box, r0, sc.s, sc.p16, ld, 0, sc.o, sc.tmp);
  });
  if (hd.probs) {
    for (int64_t r = 0; r < rows; ++r) {
      const float *row = sc.s + r * ld;
      float inv = sc.l[r] > 0.0f ? 1.0f / sc.l[r] : 0.0f;
      int64_t i = r0 + r;
      if (cfg.probsType == HEED_F32) {
        float *dst = static_cast<float *>(hd.probs) + i * cfg.Lk;
        for (int64_t j = 0; j < cfg.Lk; ++j)
          dst[j] = row[j] * inv;
      } else {
        uint16_t *dst = static_cast<uint16_t *>(hd.probs) + i * cfg.Lk;
        for (int64_t j = 0; j < cfg.Lk; ++j)
          dst[j] = floatToBf16(row[j] * inv);
      }
    }
  }
  finishRows(hd, r0, r1, sc.o, sc.m, sc.l);
}

} // namespace heed::rt::attention
