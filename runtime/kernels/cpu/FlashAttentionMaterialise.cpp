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
#include <limits>

namespace heed::rt::attention {

void AttentionKernel::keepTopK(float *row, int64_t n, float *sel) const {
  int64_t visible = 0, numbers = 0;
  for (int64_t j = 0; j < n; ++j) {
    float x = row[j];
    if (x == kNegInf)
      continue;
    ++visible;
    if (!std::isnan(x)) // NaN would break nth_element's ordering
      sel[numbers++] = x;
  }
  if (visible <= cfg.keep)
    return;
  // NaN ranks above every number (as in top_k): the first NaN scores are
  // kept, then the largest numbers.
  int64_t nans = std::min(visible - numbers, cfg.keep);
  int64_t keep = cfg.keep - nans; // numbers to keep
  float threshold = std::numeric_limits<float>::infinity();
  int64_t ties = 0; // numbers equal to the threshold to keep
  if (keep > 0) {
    std::nth_element(sel, sel + keep - 1, sel + numbers, std::greater<float>());
    threshold = sel[keep - 1];
    int64_t above = 0;
    for (int64_t j = 0; j < n; ++j)
      above += row[j] > threshold;
    ties = keep - above;
  }
  for (int64_t j = 0; j < n; ++j) {
    float x = row[j];
    if (std::isnan(x) ? nans-- > 0 : x > threshold)
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
  // Tiles where the band, the mask or top-k may hide a key from a row.
  auto hides = [&](const Box &box) {
    return box.partial || hd.mask || cfg.topk;
  };
  bool nonFinite = false; // such a tile has NaN or Inf values
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (!tileBox(r0, r1, kt, box))
      return;
    scores(hd, box, r0, sc.s, ld, 0);
    nonFinite = nonFinite || (hides(box) && hd.nonFiniteValues(box.ca, box.cb));
  });
  // Then (rarely) which keys each row sees, top-k included: seen[r * ld + j]
  // is 2 for a key the band and the mask leave visible whose score is -inf
  // (top-k passes over it and it stays visible, with weight 0), 1 for the
  // other visible keys (until top-k drops them), 0 for hidden keys.
  std::vector<uint8_t> seen;
  if (nonFinite) {
    seen.assign((size_t)(rows * ld), 0);
    forEachTile(qt, r0, r1, [&](int64_t kt) {
      Box box;
      if (!tileBox(r0, r1, kt, box))
        return;
      for (int64_t i = box.ra; i < box.rb; ++i)
        for (int64_t j = box.ca; j < box.cb; ++j)
          if (sees(hd, i, j))
            seen[(size_t)((i - r0) * ld + j)] =
                sc.s[(i - r0) * ld + j] == kNegInf ? 2 : 1;
    });
  }
  for (int64_t r = 0; r < rows; ++r) {
    float *row = sc.s + r * ld;
    if (cfg.topk) {
      keepTopK(row, cfg.Lk, sc.sel);
      if (nonFinite)
        for (int64_t j = 0; j < cfg.Lk; ++j)
          if (seen[(size_t)(r * ld + j)] == 1 && row[j] == kNegInf)
            seen[(size_t)(r * ld + j)] = 0;
    }
    sc.m[r] = kNegInf;
    sc.l[r] = 0.0f;
    softmaxStep(row, cfg.Lk, sc.m[r], sc.l[r]);
  }
  const KeyFilter seenFilter = [&](int64_t i, int64_t j) {
    return seen[(size_t)((i - r0) * ld + j)] != 0;
  };
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (tileBox(r0, r1, kt, box))
      addPV(hd, box, r0, sc.s, sc.p16, ld, 0, sc.o, sc.tmp,
            nonFinite && hides(box) ? &seenFilter : nullptr);
  });
  if (hd.probs) {
    for (int64_t r = 0; r < rows; ++r) {
      const float *row = sc.s + r * ld;
      float inv = inverseSum(sc.l[r]);
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
