//===- AttentionSparsity.h - Which keys a query row sees --------*- C++ -*-===//
//
// The structure of attention (AttentionStructure of heed/KernelSpec.h:
// none, causal, sliding window, block map) as one value, shared by every
// consumer so that it is decoded once: attn ops give theirs through
// AttentionOpInterface::getSparsity, the lowering encodes it as the
// attention kernel's attributes and the kernel decodes them back
// (toKernelAttributes, fromKernelAttributes); the reference interpreter asks
// sees(), the FLOP counter visibleKeys(), attn-tile, the kernel and the
// attention benchmark the band of causal and window structure, whose tiles
// they skip. Standard C++ only.
//
// Query row i of Lq sits at key position p = i + Lk - Lq (bottom-right
// alignment, as in decoding with a key/value cache) and sees the keys
//   causal:  j <= p
//   window:  p - left <= j <= p + right
// clamped to [0, Lk); with a block map, query tile i / qBlock sees the keys
// of the key tiles listed for it (tiles of kBlock keys).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_ATTENTIONSPARSITY_H
#define HEED_ATTENTIONSPARSITY_H

#include "heed/KernelSpec.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

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

  /// The rows of [r0, r1) that see at least one key of [c0, c1), as
  /// [ra, rb) (empty when ra >= rb). lo and hi of rowRange never decrease
  /// with the row, and a window keeps its width, so those rows are
  /// contiguous and found in closed form.
  std::pair<int64_t, int64_t> rowsSeeing(int64_t r0, int64_t r1, int64_t c0,
                                         int64_t c1) const {
    c0 = std::max<int64_t>(c0, 0);
    c1 = std::min(c1, lk);
    if (c0 >= c1 || r0 >= r1)
      return {r1, r1};
    int64_t shift = lk - lq; // row i sits at key position i + shift
    int64_t ra = r0, rb = r1;
    switch (kind) {
    case Causal: // p >= c0
      ra = std::max(ra, c0 - shift);
      break;
    case Window: // c0 - right <= p <= c1 - 1 + left, when the width is >= 1
      if (left + right < 0)
        return {r1, r1};
      ra = std::max(ra, c0 - right - shift);
      rb = std::min(rb, c1 - 1 + left - shift + 1);
      break;
    default:
      break;
    }
    return ra < rb ? std::make_pair(ra, rb) : std::make_pair(r1, r1);
  }

  /// The smallest rectangle rows [ra, rb) x keys [ca, cb) holding every
  /// (row, key) of rows [r0, r1) x keys [c0, c1) that is seen; false, with
  /// the rectangle empty, when none is. Constant time.
  bool visibleBox(int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t &ra,
                  int64_t &rb, int64_t &ca, int64_t &cb) const {
    std::tie(ra, rb) = rowsSeeing(r0, r1, c0, c1);
    if (ra >= rb) {
      ra = r1;
      rb = r0;
      ca = c1;
      cb = c0;
      return false;
    }
    // The first row sees the leftmost keys, the last row the rightmost.
    ca = std::max(c0, rowRange(ra).first);
    cb = std::min(c1 - 1, rowRange(rb - 1).second) + 1;
    return true;
  }

  /// What a tiled kernel visits over all Lq x Lk scores with tiles of
  /// \p qTile rows and \p kTile keys: the (query tile, key tile) pairs with
  /// a visible score, and the scores of their visibleBox rectangles
  /// (doubles: at the lengths a compiler may be asked about, the counts
  /// pass 2^63).
  struct VisitedTiles {
    double tiles = 0;
    double scores = 0;
  };

  /// visitedTiles for tiles of \p qTile x \p kTile (both >= 1), in time
  /// linear in the number of query tiles: in each tile row, the key tiles
  /// that every row sees whole are counted at once, and only the ragged ones
  /// at the band's edges are visited.
  VisitedTiles visitedTiles(int64_t qTile, int64_t kTile) const {
    VisitedTiles v;
    auto addTile = [&](int64_t r0, int64_t r1, int64_t k) {
      int64_t ra, rb, ca, cb;
      if (visibleBox(r0, r1, k * kTile, std::min(lk, (k + 1) * kTile), ra, rb,
                     ca, cb)) {
        v.tiles += 1;
        v.scores += (double)(rb - ra) * (double)(cb - ca);
      }
    };
    int64_t kTiles = (lk + kTile - 1) / kTile;
    for (int64_t r0 = 0; r0 < lq; r0 += qTile) {
      int64_t r1 = std::min(lq, r0 + qTile);
      int64_t ra, rb, ca, cb;
      if (!visibleBox(r0, r1, 0, lk, ra, rb, ca, cb))
        continue;
      int64_t first = ca / kTile, last = (cb - 1) / kTile;
      // Key tiles every row of [r0, r1) sees whole: [fullFirst, fullLast].
      int64_t fullFirst = last + 1, fullLast = last;
      if (ra == r0 && rb == r1) {
        int64_t keysFrom = rowRange(r1 - 1).first; // every row sees keys
        int64_t keysTo = rowRange(r0).second;      // in [keysFrom, keysTo]
        fullFirst = std::max(first, (keysFrom + kTile - 1) / kTile);
        // The last key tile is whole up to lk.
        int64_t through =
            keysTo == lk - 1 ? kTiles - 1 : (keysTo + 1) / kTile - 1;
        fullLast = std::min(last, through);
      }
      if (fullFirst > fullLast) {
        fullFirst = last + 1;
        fullLast = last;
      } else {
        v.tiles += (double)(fullLast - fullFirst + 1);
        v.scores +=
            (double)(r1 - r0) *
            (double)(std::min(lk, (fullLast + 1) * kTile) - fullFirst * kTile);
      }
      for (int64_t k = first; k < fullFirst; ++k)
        addTile(r0, r1, k);
      for (int64_t k = fullLast + 1; k <= last; ++k)
        addTile(r0, r1, k);
    }
    return v;
  }
};

/// The attention kernel's attributes that carry a structure (AttentionAttrs
/// of runtime/kernels/Kernels.td).
struct AttentionStructureAttributes {
  AttentionStructure structure = AttentionStructure::None;
  std::optional<std::vector<int64_t>> window;     ///< window: {left, right}
  std::optional<int64_t> qBlock, kBlock;          ///< blocks: the tiles
  std::optional<std::vector<int64_t>> blockVisit; ///< blocks: the map
};

/// Which keys each query row sees, besides an explicit mask and top-k.
struct AttentionSparsity {
  AttentionStructure structure = AttentionStructure::None;
  int64_t left = 0, right = 0; ///< window
  /// blocks: query tile t (rows [t * qBlock, (t + 1) * qBlock)) sees the
  /// key tiles visit[t] (keys [k * kBlock, (k + 1) * kBlock)).
  int64_t qBlock = 0, kBlock = 0;
  std::vector<std::vector<int64_t>> visit;

  static AttentionSparsity causal() {
    AttentionSparsity s;
    s.structure = AttentionStructure::Causal;
    return s;
  }
  static AttentionSparsity window(int64_t left, int64_t right) {
    AttentionSparsity s;
    s.structure = AttentionStructure::Window;
    s.left = left;
    s.right = right;
    return s;
  }
  static AttentionSparsity blocks(int64_t qBlock, int64_t kBlock,
                                  std::vector<std::vector<int64_t>> visit) {
    AttentionSparsity s;
    s.structure = AttentionStructure::Blocks;
    s.qBlock = qBlock;
    s.kBlock = kBlock;
    s.visit = std::move(visit);
    return s;
  }

  /// The band of causal and window structure for Lq x Lk scores; every key
  /// for none and blocks.
  AttentionBand band(int64_t lq, int64_t lk) const {
    AttentionBand b;
    b.lq = lq;
    b.lk = lk;
    if (structure == AttentionStructure::Causal) {
      b.kind = AttentionBand::Causal;
    } else if (structure == AttentionStructure::Window) {
      // Edges past +-(Lq + Lk + 1) change nothing; clamped, the band's
      // arithmetic cannot overflow.
      int64_t bound = lq + lk + 1;
      b.kind = AttentionBand::Window;
      b.left = std::clamp(left, -bound, bound);
      b.right = std::clamp(right, -bound, bound);
    }
    return b;
  }

  /// Whether query row \p i sees key \p j of Lq x Lk scores.
  bool sees(int64_t i, int64_t j, int64_t lq, int64_t lk) const {
    if (structure != AttentionStructure::Blocks) {
      auto [lo, hi] = band(lq, lk).rowRange(i);
      return lo <= j && j <= hi;
    }
    int64_t qt = i / qBlock, kt = j / kBlock;
    return qt < (int64_t)visit.size() &&
           std::find(visit[qt].begin(), visit[qt].end(), kt) != visit[qt].end();
  }

  /// How many keys query row \p i sees (a key tile listed twice counts
  /// twice).
  int64_t visibleKeys(int64_t i, int64_t lq, int64_t lk) const {
    if (structure != AttentionStructure::Blocks) {
      auto [lo, hi] = band(lq, lk).rowRange(i);
      return std::max<int64_t>(0, hi - lo + 1);
    }
    int64_t qt = i / qBlock, keys = 0;
    if (qt < (int64_t)visit.size())
      for (int64_t kt : visit[qt])
        keys +=
            std::max<int64_t>(0, std::min(lk, (kt + 1) * kBlock) - kt * kBlock);
    return keys;
  }

  /// The attention kernel's attributes for this structure.
  AttentionStructureAttributes toKernelAttributes() const {
    AttentionStructureAttributes a;
    a.structure = structure;
    if (structure == AttentionStructure::Window)
      a.window = std::vector<int64_t>{left, right};
    if (structure == AttentionStructure::Blocks) {
      a.qBlock = qBlock;
      a.kBlock = kBlock;
      std::vector<int64_t> flat;
      for (const std::vector<int64_t> &tiles : visit) {
        flat.push_back((int64_t)tiles.size());
        flat.insert(flat.end(), tiles.begin(), tiles.end());
      }
      a.blockVisit = std::move(flat);
    }
    return a;
  }

  /// The structure the attention kernel's attributes \p a give for Lq x Lk
  /// scores, or an error message (without the kernel's name). Window edges
  /// are clamped to +-(Lq + Lk + 1), beyond which they change nothing; a
  /// block map's key tile lists come out sorted and without duplicates.
  static std::optional<AttentionSparsity>
  fromKernelAttributes(const AttentionStructureAttributes &a, int64_t lq,
                       int64_t lk, std::string &error) {
    AttentionSparsity s;
    s.structure = a.structure;
    if (a.structure == AttentionStructure::Window) {
      if (!a.window) {
        error = "missing attribute 'window'";
        return std::nullopt;
      }
      if (a.window->size() != 2) {
        error = "window must be 2 integers (left, right), got " +
                std::to_string(a.window->size());
        return std::nullopt;
      }
      int64_t bound = lq + lk + 1;
      s.left = std::clamp((*a.window)[0], -bound, bound);
      s.right = std::clamp((*a.window)[1], -bound, bound);
    }
    if (a.structure != AttentionStructure::Blocks)
      return s;
    if (!a.qBlock || !a.kBlock) {
      error = "structure 3 (blocks) needs the q_block and k_block attributes";
      return std::nullopt;
    }
    if (!a.blockVisit) {
      error = "missing attribute 'block_visit'";
      return std::nullopt;
    }
    s.qBlock = *a.qBlock;
    s.kBlock = *a.kBlock;
    if (s.qBlock < 1 || s.kBlock < 1) {
      error = std::string(s.qBlock < 1 ? "q_block" : "k_block") +
              " must be positive, got " +
              std::to_string(s.qBlock < 1 ? s.qBlock : s.kBlock);
      return std::nullopt;
    }
    const std::vector<int64_t> &flat = *a.blockVisit;
    int64_t qTiles = (lq + s.qBlock - 1) / s.qBlock;
    int64_t kTiles = (lk + s.kBlock - 1) / s.kBlock;
    size_t pos = 0;
    s.visit.assign((size_t)qTiles, {});
    for (int64_t qt = 0; qt < qTiles; ++qt) {
      if (pos >= flat.size()) {
        error = "block_visit ends before query tile " + std::to_string(qt) +
                " (of " + std::to_string(qTiles) + ")";
        return std::nullopt;
      }
      int64_t count = flat[pos++];
      int64_t rest = (int64_t)(flat.size() - pos);
      if (count < 0 || count > rest) {
        error = "block_visit: query tile " + std::to_string(qt) +
                " has count " + std::to_string(count) + " but " +
                std::to_string(rest) + " values follow";
        return std::nullopt;
      }
      std::vector<int64_t> &tiles = s.visit[(size_t)qt];
      for (int64_t c = 0; c < count; ++c) {
        int64_t kt = flat[pos++];
        if (kt < 0 || kt >= kTiles) {
          error = "block_visit: query tile " + std::to_string(qt) +
                  " lists key tile " + std::to_string(kt) + ", but there are " +
                  std::to_string(kTiles) + " key tiles";
          return std::nullopt;
        }
        tiles.push_back(kt);
      }
      std::sort(tiles.begin(), tiles.end());
      tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
    }
    if (pos != flat.size()) {
      error = "block_visit has " + std::to_string(flat.size() - pos) +
              " values after the last query tile (" + std::to_string(qTiles) +
              " query tiles)";
      return std::nullopt;
    }
    return s;
  }
};

/// What attn-tile's cost model knows of the target (its pass options).
struct AttentionTileTarget {
  int64_t l2Bytes = 1 << 20; ///< L2 cache per core
  int64_t cores = 1;
  double tileNs = 3600.0; ///< fixed cost of one visited tile (two GEMMs)
  double elementNsPerFlop = 0.0116; ///< cost of one flop of the tile GEMMs

  /// This machine's L2 and cores, with the measured costs.
  static AttentionTileTarget host() {
    AttentionTileTarget t;
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    t.l2Bytes = l2 > 0 ? l2 : 1 << 20;
    t.cores = std::max(1u, std::thread::hardware_concurrency());
    return t;
  }
};

/// attn-tile's choice of (q_block, k_block) for f32 attention over \p band
/// with \p heads (batch x heads) of head size \p d (values \p dv):
/// passes/tensor/AttnTile.cpp explains the model. (0, 0) when no candidate
/// fits. The bounded attention kernel (auto_tile) asks the same at run time.
inline std::pair<int64_t, int64_t>
chooseAttentionTile(const AttentionBand &band, int64_t heads, int64_t d,
                    int64_t dv, const AttentionTileTarget &target) {
  int64_t lq = band.lq, lk = band.lk;
  if (lq == 0 || lk == 0)
    return {0, 0};
  double elementNs = target.elementNsPerFlop * 2.0 * (double)(d + dv);
  double best = std::numeric_limits<double>::infinity();
  int64_t bestQ = 0, bestK = 0;
  for (int64_t qb : {16, 32, 64, 128, 256}) {
    for (int64_t kb : {64, 128, 256, 512, 1024}) {
      int64_t qt = std::min(qb, lq), kt = std::min(kb, lk);
      int64_t ws = 4 * (qt * d + kt * (d + dv) + qt * kt + 2 * qt * dv);
      if (ws > target.l2Bytes / 2)
        continue;
      int64_t qTiles = (lq + qt - 1) / qt;
      // Enough tasks for the target's cores, when the problem has them.
      int64_t maxTasks = heads * ((lq + 15) / 16);
      if (heads * qTiles < std::min(2 * target.cores, maxTasks))
        continue;
      AttentionBand::VisitedTiles visited = band.visitedTiles(qt, kt);
      double cost = visited.tiles * target.tileNs + visited.scores * elementNs;
      // A larger tile must be clearly cheaper.
      if (cost < best * 0.98) {
        best = cost;
        bestQ = qt;
        bestK = kt;
      }
    }
  }
  return {bestQ, bestK};
}

} // namespace heed

#endif // HEED_ATTENTIONSPARSITY_H
