//===- AttentionSparsityTest.cpp - Bands in closed form -------------------===//
//
// AttentionBand's visibleBox and visitedTiles are computed in closed form
// (issue 15, item 1: attn-tile used to visit every tile of every candidate,
// minutes at L = 2^20). The expectation is the definition itself: rowRange
// asked for every (row, key) of the rectangle or of every tile.
//
//===----------------------------------------------------------------------===//

#include "heed/AttentionSparsity.h"

#include <gtest/gtest.h>

#include <random>

using heed::AttentionBand;

namespace {

struct Box {
  int64_t ra, rb, ca, cb;
  bool any;
};

/// The bounding box of the seen scores of rows [r0, r1) x keys [c0, c1),
/// by asking rowRange about every row.
Box bruteBox(const AttentionBand &band, int64_t r0, int64_t r1, int64_t c0,
             int64_t c1) {
  Box b{r1, r0, c1, c0, false};
  for (int64_t i = r0; i < r1; ++i) {
    auto [lo, hi] = band.rowRange(i);
    lo = std::max(lo, c0);
    hi = std::min(hi, c1 - 1);
    if (lo > hi)
      continue;
    b = {std::min(b.ra, i), std::max(b.rb, i + 1), std::min(b.ca, lo),
         std::max(b.cb, hi + 1), true};
  }
  return b;
}

std::vector<AttentionBand> randomBands(std::mt19937 &rng) {
  std::vector<AttentionBand> bands;
  for (int t = 0; t < 400; ++t) {
    AttentionBand b;
    b.lq = 1 + rng() % 70;
    b.lk = 1 + rng() % 70;
    b.kind = (AttentionBand::Kind)(rng() % 3);
    b.left = (int64_t)(rng() % 40) - 8;
    b.right = (int64_t)(rng() % 40) - 8;
    bands.push_back(b);
  }
  return bands;
}

TEST(AttentionSparsityTest, VisibleBoxMatchesEveryRow) {
  std::mt19937 rng(1);
  for (const AttentionBand &band : randomBands(rng))
    for (int k = 0; k < 20; ++k) {
      int64_t r0 = rng() % band.lq, r1 = r0 + 1 + rng() % (band.lq - r0);
      int64_t c0 = rng() % band.lk, c1 = c0 + 1 + rng() % (band.lk - c0);
      Box want = bruteBox(band, r0, r1, c0, c1);
      Box got;
      got.any = band.visibleBox(r0, r1, c0, c1, got.ra, got.rb, got.ca, got.cb);
      ASSERT_EQ(got.any, want.any)
          << "kind " << band.kind << " lq " << band.lq << " lk " << band.lk
          << " window " << band.left << "," << band.right << " rows [" << r0
          << "," << r1 << ") keys [" << c0 << "," << c1 << ")";
      if (want.any) {
        EXPECT_EQ(got.ra, want.ra);
        EXPECT_EQ(got.rb, want.rb);
        EXPECT_EQ(got.ca, want.ca);
        EXPECT_EQ(got.cb, want.cb);
      }
    }
}

TEST(AttentionSparsityTest, VisitedTilesMatchEveryTile) {
  std::mt19937 rng(2);
  for (const AttentionBand &band : randomBands(rng))
    for (int64_t qt : {1, 3, 16})
      for (int64_t kt : {1, 5, 64}) {
        double tiles = 0, scores = 0;
        for (int64_t r0 = 0; r0 < band.lq; r0 += qt)
          for (int64_t c0 = 0; c0 < band.lk; c0 += kt) {
            Box b = bruteBox(band, r0, std::min(band.lq, r0 + qt), c0,
                             std::min(band.lk, c0 + kt));
            if (b.any) {
              tiles += 1;
              scores += (double)((b.rb - b.ra) * (b.cb - b.ca));
            }
          }
        AttentionBand::VisitedTiles got = band.visitedTiles(qt, kt);
        EXPECT_EQ(got.tiles, tiles)
            << "kind " << band.kind << " lq " << band.lq << " lk " << band.lk
            << " window " << band.left << "," << band.right << " tiles " << qt
            << "x" << kt;
        EXPECT_EQ(got.scores, scores)
            << "kind " << band.kind << " lq " << band.lq << " lk " << band.lk
            << " window " << band.left << "," << band.right << " tiles " << qt
            << "x" << kt;
      }
}

/// At L = 2^20 the counts come from the formulas (a dense count is L^2 and
/// a causal one L(L+1)/2 plus the ragged diagonal's boxes), without
/// visiting 2^28 tiles.
TEST(AttentionSparsityTest, MillionTokenCountsAreExact) {
  AttentionBand dense;
  dense.lq = dense.lk = int64_t(1) << 20;
  AttentionBand::VisitedTiles d = dense.visitedTiles(64, 256);
  EXPECT_EQ(d.tiles, (double)(int64_t(1) << 14) * (double)(int64_t(1) << 12));
  EXPECT_EQ(d.scores, (double)(int64_t(1) << 40));
  AttentionBand causal = dense;
  causal.kind = AttentionBand::Causal;
  // 64 x 64 tiles: the diagonal tiles are whole boxes, so the scores are
  // the tiles below and on the diagonal, T(T+1)/2 tiles of 4096 scores.
  int64_t t = int64_t(1) << 14;
  AttentionBand::VisitedTiles c = causal.visitedTiles(64, 64);
  EXPECT_EQ(c.tiles, (double)(t * (t + 1) / 2));
  EXPECT_EQ(c.scores, (double)(t * (t + 1) / 2) * 4096.0);
}

} // namespace
