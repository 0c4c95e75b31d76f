//===- AttnTileTargetTest.cpp - attn-tile's defaults are the kernel's -----===//
//
// The attention kernel of a bounded plan (auto_tile) asks
// chooseAttentionTile with AttentionTileTarget's costs, and attn-tile with
// its pass options: the two defaults must be the same numbers, or a bounded
// binary would pick other tiles than one compiled for the size.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "heed/AttentionSparsity.h"

#include <gtest/gtest.h>

namespace {

TEST(AttnTileTargetTest, PassDefaultsAreTheKernelDefaults) {
  heed::AttnTileOptions pass;
  heed::AttentionTileTarget kernel;
  EXPECT_EQ(pass.tileNs, kernel.tileNs);
  EXPECT_EQ(pass.elementNsPerFlop, kernel.elementNsPerFlop);
  EXPECT_EQ(pass.l2Bytes, 0); // 0: the host's, as AttentionTileTarget::host
  EXPECT_EQ(pass.cores, 0);
}

// BERT-base's attention at L = 37 (12 heads, D = 64) on 2 cores, by hand
// from the cost model of passes/tensor/AttnTile.cpp: 16-row query tiles
// visit 3 tiles (3 * 3600 ns + 37 * 37 scores * 0.0116 * 2 * 128 ns =
// 14865 ns), 32-row ones 2 (11265 ns), and any taller tile is the whole
// 37 x 37 in one (7665 ns), which larger candidates only tie.
TEST(AttnTileTargetTest, ChoosesOneTileForAShortSequence) {
  heed::AttentionTileTarget t;
  t.l2Bytes = 1 << 20;
  t.cores = 2;
  heed::AttentionBand dense;
  dense.lq = dense.lk = 37;
  std::pair<int64_t, int64_t> whole{37, 37}, none{0, 0};
  EXPECT_EQ(heed::chooseAttentionTile(dense, 12, 64, 64, t), whole);
  dense.lq = dense.lk = 0;
  EXPECT_EQ(heed::chooseAttentionTile(dense, 12, 64, 64, t), none);
}

} // namespace
