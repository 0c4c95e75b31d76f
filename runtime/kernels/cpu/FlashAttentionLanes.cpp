//===- FlashAttentionLanes.cpp - Attention's flash path on micro-kernels -===//
//
// The flash path of the attention kernel (FlashAttention.cpp states the
// contract) on its own AVX-512 micro-kernels (LaneTiles.h): without probs
// or top-k, and without a mask or with one that depends only on (batch,
// key), where the CPU has AVX-512F and BW (and AVX512_BF16 for bf16). A
// task's rows are taken 64 at a time and held in the lanes of four vectors;
// K and V are read in place, rows cfg.kLd and cfg.vLd elements apart (a
// head's rows are contiguous in [B, H, L, D], H * D apart in layout blhd).
//
// A key mask (FlashAttention.h, KeyMask) trims each tile's keys to those
// between its first and last visible key (a tile with none is skipped) and
// gives the score micro-kernel a per-key bias (-inf: hidden) only where the
// mask changes a score of what is left. Trimming drops keys whose weight
// would be exactly 0 in every row, so the result is the one the untrimmed
// tile would give (up to the sign of a zero).
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace heed::rt::attention {

KeyMask::KeyMask(const Config &cfg) : lk(cfg.Lk) {
  rows = cfg.maskStrides[0] != 0 ? cfg.B : 1;
  const int64_t n = lk + 1;
  bias.resize((size_t)(rows * lk));
  next.resize((size_t)(rows * n));
  end.resize((size_t)(rows * n));
  hidden.resize((size_t)(rows * n));
  work.resize((size_t)(rows * n));
}

void KeyMask::summarise(const Config &cfg, const void *mask) {
  const int64_t n = lk + 1, stride = cfg.maskStrides[3];
  for (int64_t r = 0; r < rows; ++r) {
    int64_t at = r * cfg.maskStrides[0];
    float *bs = bias.data() + r * lk;
    int32_t *nx = next.data() + r * n, *en = end.data() + r * n;
    int32_t *hd = hidden.data() + r * n, *wk = work.data() + r * n;
    hd[0] = wk[0] = en[0] = 0;
    for (int64_t j = 0; j < lk; ++j) {
      float x;
      if (cfg.maskType == HEED_F32)
        x = static_cast<const float *>(mask)[at + j * stride];
      else
        x = static_cast<const uint8_t *>(mask)[at + j * stride] ? 0.0f
                                                                : kNegInf;
      bs[j] = x;
      bool hides = x == kNegInf;
      hd[j + 1] = hd[j] + hides;
      wk[j + 1] = wk[j] + (x != 0.0f); // NaN != 0: NaN is work too
      en[j + 1] = hides ? en[j] : (int32_t)(j + 1);
    }
    nx[lk] = (int32_t)lk;
    for (int64_t j = lk - 1; j >= 0; --j)
      nx[j] = bs[j] == kNegInf ? nx[j + 1] : (int32_t)j;
  }
}

void AttentionKernel::laneRows(const Head &hd, int64_t qt, int64_t r0,
                               int64_t r1, const LaneScratch &sc) const {
  using namespace lanetiles;
  int64_t rows = r1 - r0, D = cfg.D, dv = cfg.Dv;
  const bool bf16 = cfg.laneBf16;
  float *qtF32 = static_cast<float *>(sc.qt);
  uint32_t *qtPairs = static_cast<uint32_t *>(sc.qt);
  if (bf16)
    packQueryPairs(static_cast<const uint16_t *>(hd.q) + r0 * cfg.qLd, rows, D,
                   cfg.qLd, qtPairs);
  else
    packQueries(static_cast<const float *>(hd.q) + r0 * cfg.qLd, rows, D,
                cfg.qLd, cfg.scale, qtF32);
  std::fill(sc.ot, sc.ot + dv * kLaneRows, 0.0f);
  std::fill(sc.m, sc.m + kLaneRows, kNegInf);
  std::fill(sc.l, sc.l + kLaneRows, 0.0f);
  bool band = cfg.banded();
  if (band) {
    for (int64_t i = 0; i < kLaneRows; ++i) {
      // Lanes past the last row see nothing.
      auto [lo, hi] =
          i < rows ? rowRange(r0 + i) : std::pair<int64_t, int64_t>{1, 0};
      if (lo > hi) {
        lo = std::numeric_limits<int32_t>::max();
        hi = std::numeric_limits<int32_t>::min();
      }
      sc.lo[i] = (int32_t)lo; // Lk < 2^31 (readConfig)
      sc.hi[i] = (int32_t)hi;
    }
  }
  const KeyMask::Row &keys = hd.keys;
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (!tileBox(r0, r1, kt, box))
      return;
    // The vectors of lanes that hold the box's rows.
    int64_t first = (box.ra - r0) / kLanes;
    int64_t vecs = ceilDiv(box.rb - r0, kLanes) - first;
    int64_t lane = first * kLanes, ca = box.ca, cb = box.cb;
    if (keys.bias) {
      // The key mask: the keys from the box's first visible one to its last.
      ca = keys.next[ca];
      cb = keys.end[cb];
      if (ca >= cb)
        return; // the mask hides every key of the box
    }
    if (bf16) {
      // Whole key pairs: a band tile may start or end one key early or
      // late (the band hides it), a trimmed one too (the mask hides it);
      // dense and block tiles start at even keys (readConfig) and end at an
      // even key or Lk.
      ca -= ca % 2;
      cb = std::min(cfg.Lk, cb + cb % 2);
    }
    // The band's compares only where some lane of the computed rectangle
    // must not see some key of it: a partial box, rows of the lanes
    // outside the box's rows, or keys added for pairs outside the box.
    int64_t laneEnd = std::min(r1, r0 + lane + vecs * kLanes);
    bool masked = band && (box.partial || box.ra > r0 + lane ||
                           box.rb < laneEnd || ca < box.ca || cb > box.cb);
    const int32_t *lo = masked ? sc.lo + lane : nullptr;
    const int32_t *hi = masked ? sc.hi + lane : nullptr;
    // The key mask's bias only where it changes a score of [ca, cb).
    const float *bias =
        keys.bias && keys.work[cb] != keys.work[ca] ? keys.bias + ca : nullptr;
    bool maskHides = bias && keys.hidden[cb] != keys.hidden[ca];
    int64_t n = cb - ca;
    // Keys the band or the mask hides with NaN or Inf values
    // (FlashAttentionNonFinite.cpp): the product reads them as 0, what they
    // give the lanes that see them follows.
    const int64_t ldv = cfg.vLd;
    const void *v = static_cast<const char *>(hd.v) + ca * ldv * (bf16 ? 2 : 4);
    bool nonFinite = (masked || maskHides) && hd.nonFiniteValues(ca, cb);
    std::vector<uint32_t> finite;
    if (bf16) {
      scoreTileBf16(qtPairs + lane, vecs, D,
                    static_cast<const uint16_t *>(hd.k) + ca * cfg.kLd, cfg.kLd,
                    n, ca, cfg.scale, bias, lo, hi, sc.st + lane,
                    sc.tileMax + lane);
      softmaxTilePairs(sc.st + lane, n, vecs, sc.tileMax + lane, sc.m + lane,
                       sc.l + lane, sc.alpha + lane, sc.pt + lane);
      const uint32_t *vp = hd.vPairs + ca / 2 * dv;
      if (nonFinite) // the pairs' halves are bf16 values
        vp = static_cast<const uint32_t *>(
            finiteCopy(vp, 1, ceilDiv(n, 2) * dv * 2, ceilDiv(n, 2) * dv * 2,
                       true, finite));
      accumulateTileBf16(sc.pt + lane, n, vecs, vp, dv, sc.alpha + lane,
                         sc.ot + lane);
    } else {
      scoreTile(qtF32 + lane, vecs, D,
                static_cast<const float *>(hd.k) + ca * cfg.kLd, cfg.kLd, n, ca,
                bias, lo, hi, sc.st + lane, sc.tileMax + lane);
      softmaxTile(sc.st + lane, n, vecs, sc.tileMax + lane, sc.m + lane,
                  sc.l + lane, sc.alpha + lane);
      // The finite copy's rows are contiguous.
      const void *vp = nonFinite ? finiteCopy(v, n, dv, ldv, false, finite) : v;
      accumulateTile(sc.st + lane, n, vecs, static_cast<const float *>(vp),
                     nonFinite ? dv : ldv, dv, sc.alpha + lane, sc.ot + lane);
    }
    if (nonFinite)
      addNonFiniteProducts(
          v, n, dv, ldv, bf16, vecs * kLanes,
          [&](int64_t r, int64_t j) {
            return (!lo || (lo[r] <= ca + j && ca + j <= hi[r])) &&
                   (!bias || bias[j] != kNegInf);
          },
          [&](int64_t r, int64_t j) {
            if (!bf16)
              return sc.st[j * kLaneRows + lane + r];
            uint32_t pair = sc.pt[j / 2 * kLaneRows + lane + r];
            return bf16ToFloat((uint16_t)(j % 2 ? pair >> 16 : pair));
          },
          [&](int64_t r, int64_t e, float x) {
            sc.ot[e * kLaneRows + lane + r] += x;
          });
  });
  unpackRows(sc.ot, rows, dv, sc.o);
  finishRows(hd, r0, r1, sc.o, sc.m, sc.l);
}

} // namespace heed::rt::attention
