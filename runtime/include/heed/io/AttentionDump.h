//===- AttentionDump.h - Attention maps as .npy, PNG and JSON ---*- C++ -*-===//
//
// What `--dump-attention DIR` writes for one run of a model (compiled
// executables and heed-run; docs/attention-maps.md):
//
//   DIR/<file>.npy           the probabilities, f32 [B, H, Lq, Lk]
//   DIR/<file>.h<h>.png      one heatmap per head of the first sample
//                            (rows: queries, columns: keys)
//   DIR/overview.png         every attention (rows) x head (columns) of the
//                            first sample as small multiples, each row
//                            labelled with the attention's name
//   DIR/summary.json         per attention and head: entropy and maximum
//
// <file> is the attention's source name with every character outside
// [A-Za-z0-9._-] replaced by '_' (and "-2", "-3", ... appended when two
// names give the same file). Heatmap colours: a probability p of a head
// whose largest probability is m is drawn with the viridis colour map at
// p / m; an entry that is exactly 0 (masked, dropped by top-k, or below
// f32's range) is solid grey; an entry in a tile the kernel skipped is
// hatched light grey. The files are written all or nothing, like
// writeOutputDir.
//
// In detail:
//  - <file>: at most the name's first 200 bytes are used, a leading '.' also
//    becomes '_' (no hidden files) and an empty name is "attention".
//  - m is the head's maximum over every sample (summary.json's "max"), so
//    p = t * max for the colour map's t. A NaN is drawn magenta; when m is 0
//    every entry not skipped is grey. Hatching: pixel (x, y) of the image is
//    (200, 200, 200) when (x + y) % 6 < 3, else (235, 235, 235).
//  - overview.png: 64 x 64 pixels per (attention, head), 2-pixel white gaps,
//    a 240-pixel label left of each row (names longer than 20 characters cut
//    to "..." and their last 17), head numbers above the columns, white where
//    an attention has fewer heads than the most. A map smaller than 64 is
//    scaled up (nearest); a larger one is averaged (t over the entries not
//    skipped; a block all skipped is hatched, one with only zeros grey).
//  - summary.json:
//      {"model": M, "sample": 0, "attention": [{"name": N, "kernel": K,
//       "file": "<file>.npy", "shape": [B, H, Lq, Lk],
//       "skipped_fraction": F, "zero_fraction": F,
//       "heads": [{"head": 0, "entropy": E, "max": X,
//                  "png": "<file>.h0.png"}, ...]}, ...]}
//    skipped_fraction: of the (query, key) pairs; zero_fraction: of all
//    probabilities; numbers with 9 significant digits, null when not finite
//    (a NaN probability makes its row's entropy NaN); "png" is null when the
//    map has no sample 0 or no queries or keys (then no PNG is written).
//    Names that are not valid UTF-8 have their non-ASCII bytes as '?'.
//  - No maps: only summary.json (with an empty list), no overview.png.
//  - Files of earlier runs that this run does not write (other names) are
//    left as they are.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_ATTENTIONDUMP_H
#define HEED_IO_ATTENTIONDUMP_H

#include "heed/io/Png.h"

#include <cstdint>
#include <string>
#include <vector>

namespace heed {
namespace io {

/// The probabilities of one attention op in one run.
struct AttentionMap {
  std::string name;   ///< the op's source name, e.g. "layer0.attn.probs"
  std::string kernel; ///< "attention", "additive_attention" or "softmax"
  /// [B, H, Lq, Lk]: batch, heads, queries, keys.
  std::vector<int64_t> shape;
  std::vector<float> probs; ///< row-major, shape's element count
  /// Empty, or Lq * Lk flags (row-major): 1 where the kernel skipped the
  /// (query, key) pair's tile for every batch and head (it computed
  /// nothing there; the probability is 0).
  std::vector<uint8_t> skipped;
};

/// Statistics of one head of a map (summary.json).
struct HeadStats {
  /// Mean over the samples and query rows with any non-zero probability
  /// of the row's entropy -sum p ln p (nats; 0 ln 0 = 0).
  double entropy = 0;
  double max = 0; ///< the largest probability over samples, rows and keys
};

/// Per-head statistics of \p map, one per head (none when
/// writeAttentionDump would reject the map).
std::vector<HeadStats> headStats(const AttentionMap &map);

/// The file stem of each map (see the file comment), in order.
std::vector<std::string>
attentionFileStems(const std::vector<AttentionMap> &maps);

/// The heatmap of head \p head of sample 0 of \p map, each entry drawn as a
/// square of whole pixels so that the longer side is at least 256 pixels
/// (a 1 x 10 map, 1 query and 10 keys, becomes 26 x 260: 26 pixels high and
/// 260 wide), the scale capped so that neither side exceeds 4096 unless the
/// map alone does (then 1 pixel per entry). An empty image when the head or
/// sample 0 does not exist, when the map has no queries or keys, or when
/// writeAttentionDump would reject the map.
RgbImage attentionHeatmap(const AttentionMap &map, int64_t head);

/// The overview of \p maps (sample 0): one row per map, one column per head.
RgbImage attentionOverview(const std::vector<AttentionMap> &maps);

/// Writes the files of the file comment into \p dir (created when missing,
/// parents included), \p model naming the model in summary.json. On failure
/// returns false and sets \p error; no new file remains and files of earlier
/// runs are untouched. Every map must have a shape of 4 non-negative extents
/// whose product is its number of probabilities, and no or Lq * Lk skipped
/// flags, else nothing is written and \p error names the map ("attention
/// 'NAME': ..."). Directory errors read like writeOutputDir's ("cannot create
/// DIR: Not a directory"), file errors start with the file's path; callers
/// add the option's name.
bool writeAttentionDump(const std::string &dir, const std::string &model,
                        const std::vector<AttentionMap> &maps,
                        std::string &error);

} // namespace io
} // namespace heed

#endif // HEED_IO_ATTENTIONDUMP_H
