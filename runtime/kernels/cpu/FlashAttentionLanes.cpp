//===- FlashAttentionLanes.cpp - Attention's flash path on micro-kernels -===//
//
// The flash path of the attention kernel (FlashAttention.cpp states the
// contract) on its own AVX-512 micro-kernels (LaneTiles.h): without an
// explicit mask, probs or top-k, where the CPU has AVX-512F and BW (and
// AVX512_BF16 for bf16). A task's rows are taken 64 at a time and held in
// the lanes of four vectors; K and V are read in place.
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace heed::rt::attention {

void AttentionKernel::laneRows(const Head &hd, int64_t qt, int64_t r0,
                               int64_t r1, const LaneScratch &sc) const {
  using namespace lanetiles;
  int64_t rows = r1 - r0, D = cfg.D, dv = cfg.Dv;
  const bool bf16 = cfg.laneBf16;
  float *qtF32 = static_cast<float *>(sc.qt);
  uint32_t *qtPairs = static_cast<uint32_t *>(sc.qt);
  if (bf16)
    packQueryPairs(static_cast<const uint16_t *>(hd.q) + r0 * D, rows, D,
                   qtPairs);
  else
    packQueries(static_cast<const float *>(hd.q) + r0 * D, rows, D, cfg.scale,
                qtF32);
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
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (!tileBox(r0, r1, kt, box))
      return;
    // The vectors of lanes that hold the box's rows.
    int64_t first = (box.ra - r0) / kLanes;
    int64_t vecs = ceilDiv(box.rb - r0, kLanes) - first;
    int64_t lane = first * kLanes, ca = box.ca, cb = box.cb;
    if (bf16) {
      // Whole key pairs: a band tile may start or end one key early or
      // late (the band hides it); dense and block tiles start at even
      // keys (readConfig) and end at an even key or Lk.
      ca -= ca % 2;
      cb = std::min(cfg.Lk, cb + cb % 2);
    }
    // The band's compares only where some lane of the computed rectangle
    // must not see some key of it: a partial box, rows of the lanes
    // outside the box's rows, or keys added for pairs.
    int64_t laneEnd = std::min(r1, r0 + lane + vecs * kLanes);
    bool masked = band && (box.partial || box.ra > r0 + lane ||
                           box.rb < laneEnd || ca != box.ca || cb != box.cb);
    const int32_t *lo = masked ? sc.lo + lane : nullptr;
    const int32_t *hi = masked ? sc.hi + lane : nullptr;
    int64_t n = cb - ca;
    // Keys the band hides with NaN or Inf values (FlashAttentionNonFinite.cpp):
    // the product reads them as 0, what they give the lanes that see them
    // follows.
    const void *v = static_cast<const char *>(hd.v) + ca * dv * (bf16 ? 2 : 4);
    bool nonFinite = masked && hd.nonFiniteValues(ca, cb);
    std::vector<uint32_t> finite;
    if (bf16) {
      scoreTileBf16(qtPairs + lane, vecs, D,
                    static_cast<const uint16_t *>(hd.k) + ca * D, n, ca,
                    cfg.scale, lo, hi, sc.st + lane, sc.tileMax + lane);
      softmaxTilePairs(sc.st + lane, n, vecs, sc.tileMax + lane, sc.m + lane,
                       sc.l + lane, sc.alpha + lane, sc.pt + lane);
      const uint32_t *vp = hd.vPairs + ca / 2 * dv;
      if (nonFinite) // the pairs' halves are bf16 values
        vp = static_cast<const uint32_t *>(
            finiteCopy(vp, ceilDiv(n, 2) * dv * 2, true, finite));
      accumulateTileBf16(sc.pt + lane, n, vecs, vp, dv, sc.alpha + lane,
                         sc.ot + lane);
    } else {
      scoreTile(qtF32 + lane, vecs, D,
                static_cast<const float *>(hd.k) + ca * D, n, ca, lo, hi,
                sc.st + lane, sc.tileMax + lane);
      softmaxTile(sc.st + lane, n, vecs, sc.tileMax + lane, sc.m + lane,
                  sc.l + lane, sc.alpha + lane);
      const void *vp = nonFinite ? finiteCopy(v, n * dv, false, finite) : v;
      accumulateTile(sc.st + lane, n, vecs, static_cast<const float *>(vp), dv,
                     sc.alpha + lane, sc.ot + lane);
    }
    if (nonFinite)
      addNonFiniteProducts(
          v, n, dv, bf16, vecs * kLanes,
          [&](int64_t r, int64_t j) {
            return lo[r] <= ca + j && ca + j <= hi[r];
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
