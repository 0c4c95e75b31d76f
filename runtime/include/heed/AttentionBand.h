//===- AttentionBand.h - Which keys a query row sees ------------*- C++ -*-===//
//
// The causal and sliding-window structure of attention, shared by the
// flash-attention kernel (which skips what a tile does not see), the
// compiler's tile cost model (attn-tile, which counts it) and the attention
// benchmark (which reports effective GFLOP/s). Standard C++ only.
//
// Query row i of Lq sits at key position p = i + Lk - Lq (bottom-right
// alignment, as in decoding with a key/value cache) and sees the keys
//   causal:  j <= p
//   window:  p - left <= j <= p + right
// clamped to [0, Lk).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_ATTENTIONBAND_H
#define HEED_ATTENTIONBAND_H

#include <algorithm>
#include <cstdint>
#include <utility>

namespace heed {

/// The keys each query row sees.
struct AttentionBand {
  enum Kind { Dense, Causal, Window };
  Kind kind = Dense;
  int64_t left = 0, right = 0; ///< window only
  int64_t lq = 0, lk = 0;

  /// [lo, hi] of the keys row \p i sees (lo > hi when none).
  std::pair<int64_t, int64_t> rowRange(int64_t i) const {
    int64_t p = i + lk - lq;
    switch (kind) {
    case Causal:
      return {0, std::min(p, lk - 1)};
    case Window:
      return {std::max<int64_t>(0, p - left), std::min(lk - 1, p + right)};
    default:
      return {0, lk - 1};
    }
  }

  /// The smallest rectangle rows [ra, rb) x keys [ca, cb) holding every
  /// (row, key) of rows [r0, r1) x keys [c0, c1) that is seen; false, with
  /// the rectangle empty, when none is.
  bool visibleBox(int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t &ra,
                  int64_t &rb, int64_t &ca, int64_t &cb) const {
    ra = r1;
    rb = r0;
    ca = c1;
    cb = c0;
    for (int64_t i = r0; i < r1; ++i) {
      auto [lo, hi] = rowRange(i);
      lo = std::max(lo, c0);
      hi = std::min(hi, c1 - 1);
      if (lo > hi)
        continue;
      ra = std::min(ra, i);
      rb = std::max(rb, i + 1);
      ca = std::min(ca, lo);
      cb = std::max(cb, hi + 1);
    }
    return ra < rb;
  }
};

} // namespace heed

#endif // HEED_ATTENTIONBAND_H
