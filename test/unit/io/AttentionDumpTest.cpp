//===- AttentionDumpTest.cpp - Attention maps as .npy, PNG and JSON -------===//
//
// Expected values are worked out by hand in the comments: entropies from
// -sum p ln p, colours from the viridis table (matplotlib's viridis at
// t = 0 is (68, 1, 84), at 1/4 (59, 82, 139), at 1 (253, 231, 37)), sizes
// from the layout rules of AttentionDump.h. PNGs are decoded here with zlib
// independently of the encoder.
//
//===----------------------------------------------------------------------===//

#include "heed/io/AttentionDump.h"
#include "heed/io/Json.h"
#include "heed/io/Npy.h"

#include "TestUtil.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <tuple>

using namespace heed;
using namespace heed::io;
using namespace heed::io::testutil;

namespace {

using Pixel = std::tuple<int, int, int>;

const Pixel kViridis0{68, 1, 84};
const Pixel kViridisQuarter{59, 82, 139};
const Pixel kViridis1{253, 231, 37};
const Pixel kGrey{128, 128, 128};
const Pixel kHatchDark{200, 200, 200};
const Pixel kHatchLight{235, 235, 235};
const Pixel kWhite{255, 255, 255};
const Pixel kBlack{0, 0, 0};

Pixel pixelAt(const RgbImage &image, int64_t x, int64_t y) {
  const uint8_t *p = &image.rgb[(size_t)((y * image.width + x) * 3)];
  return {p[0], p[1], p[2]};
}

/// The hatching at image pixel (x, y): (x + y) % 6 < 3 is the darker grey.
Pixel hatchAt(int64_t x, int64_t y) {
  return (x + y) % 6 < 3 ? kHatchDark : kHatchLight;
}

/// [1, 2, 2, 4]: head 0 has a uniform row (entropy ln 4) and a one-hot row
/// (entropy 0); head 1 a row of zeros (left out of the mean) and a uniform
/// row. Entropies: head 0 (ln 4 + 0) / 2 = ln 2, head 1 ln 4 / 1 = ln 4.
/// Maxima: 1 and 0.25. Exact zeros: 3 + 4 of 16 = 0.4375.
AttentionMap handMap(const std::string &name = "layer0.attn") {
  AttentionMap map;
  map.name = name;
  map.kernel = "attention";
  map.shape = {1, 2, 2, 4};
  map.probs = {0.25f, 0.25f, 0.25f, 0.25f,  // head 0, query 0
               0.0f,  1.0f,  0.0f,  0.0f,   // head 0, query 1
               0.0f,  0.0f,  0.0f,  0.0f,   // head 1, query 0
               0.25f, 0.25f, 0.25f, 0.25f}; // head 1, query 1
  return map;
}

/// Reads a big-endian 32-bit number at \p at.
uint32_t be32(const std::string &s, size_t at) {
  return (uint32_t)(uint8_t)s[at] << 24 | (uint32_t)(uint8_t)s[at + 1] << 16 |
         (uint32_t)(uint8_t)s[at + 2] << 8 | (uint32_t)(uint8_t)s[at + 3];
}

/// Decodes an 8-bit RGB, non-interlaced PNG of unfiltered rows, checking
/// the signature, every chunk's CRC and the chunk order.
RgbImage decodePng(const std::string &png) {
  RgbImage image;
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<std::string> types;
  std::string idat;
  for (size_t at = 8; at + 12 <= png.size();) {
    uint32_t length = be32(png, at);
    EXPECT_LE(at + 12 + length, png.size());
    if (at + 12 + length > png.size())
      return RgbImage();
    std::string type = png.substr(at + 4, 4);
    std::string data = png.substr(at + 8, length);
    uLong crc = crc32(0, (const Bytef *)png.data() + at + 4, 4 + length);
    EXPECT_EQ(be32(png, at + 8 + length), (uint32_t)crc) << type;
    types.push_back(type);
    if (type == "IHDR") {
      EXPECT_EQ(length, 13u);
      image.width = be32(data, 0);
      image.height = be32(data, 4);
      // Bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace.
      EXPECT_EQ(data.substr(8), std::string("\x08\x02\x00\x00\x00", 5));
    } else if (type == "IDAT") {
      idat += data;
    }
    at += 12 + length;
  }
  EXPECT_GE(types.size(), 3u);
  EXPECT_EQ(types.front(), "IHDR");
  EXPECT_EQ(types.back(), "IEND");
  size_t stride = (size_t)image.width * 3;
  std::vector<uint8_t> raw((stride + 1) * (size_t)image.height);
  uLongf size = raw.size();
  EXPECT_EQ(
      uncompress(raw.data(), &size, (const Bytef *)idat.data(), idat.size()),
      Z_OK);
  EXPECT_EQ(size, raw.size());
  for (int64_t y = 0; y < image.height; ++y) {
    EXPECT_EQ(raw[y * (stride + 1)], 0) << "filter type of row " << y;
    image.rgb.insert(image.rgb.end(), raw.begin() + y * (stride + 1) + 1,
                     raw.begin() + (y + 1) * (stride + 1));
  }
  return image;
}

/// The names in the directory \p dir, sorted.
std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string parseOrFail(const std::string &text, JsonValue &out) {
  std::string error;
  EXPECT_TRUE(parseJson(text, out, error)) << error << "\n" << text;
  return error;
}

//===----------------------------------------------------------------------===//
// Statistics and names
//===----------------------------------------------------------------------===//

TEST(AttentionDumpTest, HeadStatsByHand) {
  std::vector<HeadStats> stats = headStats(handMap());
  ASSERT_EQ(stats.size(), 2u);
  // Head 0: rows ln 4 and 0, mean ln 2.
  EXPECT_NEAR(stats[0].entropy, std::log(2.0), 1e-12);
  EXPECT_EQ(stats[0].max, 1.0);
  // Head 1: the zero row is left out, so the mean is ln 4, not ln 2.
  EXPECT_NEAR(stats[1].entropy, std::log(4.0), 1e-12);
  EXPECT_EQ(stats[1].max, 0.25);
}

TEST(AttentionDumpTest, HeadStatsAverageOverSamples) {
  // [2, 1, 1, 2]: sample 0 [0.5, 0.5] has entropy ln 2, sample 1 [1, 0]
  // has 0: mean ln 2 / 2. The maximum comes from sample 1.
  AttentionMap map;
  map.name = "s";
  map.shape = {2, 1, 1, 2};
  map.probs = {0.5f, 0.5f, 1.0f, 0.0f};
  std::vector<HeadStats> stats = headStats(map);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_NEAR(stats[0].entropy, std::log(2.0) / 2, 1e-12);
  EXPECT_EQ(stats[0].max, 1.0);
  // An inconsistent map has no statistics.
  map.probs.pop_back();
  EXPECT_TRUE(headStats(map).empty());
}

TEST(AttentionDumpTest, FileStemsAreSanitizedAndUnique) {
  std::vector<std::string> names = {
      "layer0.attn.probs", "a/b c",    "",          ".hidden", "a_b_c", "a/b c",
      "a_b_c-2",           "\xc3\xbc", "attention", ".."};
  std::vector<AttentionMap> maps(names.size());
  for (size_t i = 0; i < names.size(); ++i)
    maps[i].name = names[i];
  EXPECT_EQ(attentionFileStems(maps),
            (std::vector<std::string>{
                "layer0.attn.probs", "a_b_c", "attention", "_hidden",
                "a_b_c-2", // "a_b_c" is taken by "a/b c"
                "a_b_c-3",
                "a_b_c-2-2", // its own name is taken by the fifth
                "__",        // the two bytes of UTF-8 'u with diaeresis'
                "attention-2", "_."}));
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

TEST(AttentionDumpTest, PngRoundTripsAHeatmap) {
  // [1, 1, 2, 2], maximum 1: (0, 0) t = 1, (0, 1) exactly 0, (1, 0)
  // skipped, (1, 1) t = 1e-6 (viridis at 1e-6 rounds to viridis(0)).
  AttentionMap map;
  map.name = "tiny";
  map.shape = {1, 1, 2, 2};
  map.probs = {1.0f, 0.0f, 0.0f, 1e-6f};
  map.skipped = {0, 0, 1, 0};
  RgbImage heatmap = attentionHeatmap(map, 0);
  // Scale ceil(256 / 2) = 128: 256 x 256.
  ASSERT_EQ(heatmap.width, 256);
  ASSERT_EQ(heatmap.height, 256);
  std::string png = encodePng(heatmap);

  // IHDR by hand: length 13, "IHDR", width 256, height 256, 8, 2, 0, 0, 0,
  // and the CRC-32 of its type and data computed here.
  std::string ihdr("IHDR\0\0\1\0\0\0\1\0\x08\x02\0\0\0", 17);
  ASSERT_GE(png.size(), 33u);
  EXPECT_EQ(png.substr(8, 4), std::string("\0\0\0\x0d", 4));
  EXPECT_EQ(png.substr(12, 17), ihdr);
  EXPECT_EQ(be32(png, 29),
            (uint32_t)crc32(0, (const Bytef *)ihdr.data(), ihdr.size()));
  // IEND is always the same 12 bytes (its CRC is the well-known AE426082).
  EXPECT_EQ(png.substr(png.size() - 12),
            std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12));

  RgbImage back = decodePng(png);
  ASSERT_EQ(back.width, 256);
  ASSERT_EQ(back.height, 256);
  EXPECT_EQ(back.rgb, heatmap.rgb);
  // Rows are queries, columns keys; each entry a 128 x 128 square.
  EXPECT_EQ(pixelAt(back, 0, 0), kViridis1);
  EXPECT_EQ(pixelAt(back, 127, 127), kViridis1);
  EXPECT_EQ(pixelAt(back, 128, 0), kGrey);
  EXPECT_EQ(pixelAt(back, 255, 127), kGrey);
  EXPECT_EQ(pixelAt(back, 128, 128), kViridis0);
  EXPECT_EQ(pixelAt(back, 255, 255), kViridis0);
  // The skipped entry: (0 + 128) % 6 = 2 dark, (1 + 128) % 6 = 3 light,
  // (5 + 130) % 6 = 3 light, (3 + 129) % 6 = 0 dark.
  EXPECT_EQ(pixelAt(back, 0, 128), kHatchDark);
  EXPECT_EQ(pixelAt(back, 1, 128), kHatchLight);
  EXPECT_EQ(pixelAt(back, 5, 130), kHatchLight);
  EXPECT_EQ(pixelAt(back, 3, 129), kHatchDark);
  for (int64_t y = 128; y < 256; ++y)
    for (int64_t x = 0; x < 128; ++x)
      ASSERT_EQ(pixelAt(back, x, y), hatchAt(x, y)) << x << ", " << y;
}

TEST(AttentionDumpTest, EncodePngRejectsEmptyImages) {
  EXPECT_EQ(encodePng(RgbImage()), "");
  RgbImage bad;
  bad.width = 2;
  bad.height = 2;
  bad.rgb.assign(11, 0); // 12 needed
  EXPECT_EQ(encodePng(bad), "");
}

TEST(AttentionDumpTest, HeatmapScale) {
  // 1 query, 10 keys: s = ceil(256 / 10) = 26, so 260 wide and 26 high.
  AttentionMap row;
  row.shape = {1, 1, 1, 10};
  row.probs.assign(10, 0.1f);
  RgbImage image = attentionHeatmap(row, 0);
  EXPECT_EQ(image.width, 260);
  EXPECT_EQ(image.height, 26);
  EXPECT_EQ(image.rgb.size(), 260u * 26u * 3u);
  // Every entry is the maximum: viridis(1) everywhere.
  EXPECT_EQ(pixelAt(image, 259, 25), kViridis1);
  // 300 queries, 2 keys: s = 1.
  AttentionMap tall;
  tall.shape = {1, 1, 300, 2};
  tall.probs.assign(600, 0.5f);
  image = attentionHeatmap(tall, 0);
  EXPECT_EQ(image.width, 2);
  EXPECT_EQ(image.height, 300);
  // A head that does not exist, or no sample 0: an empty image.
  EXPECT_EQ(attentionHeatmap(tall, 1).width, 0);
  EXPECT_EQ(attentionHeatmap(tall, -1).width, 0);
  AttentionMap noSample;
  noSample.shape = {0, 2, 3, 3};
  EXPECT_EQ(attentionHeatmap(noSample, 0).width, 0);
}

TEST(AttentionDumpTest, AllZeroHeadIsGreyAndNanMagenta) {
  AttentionMap map;
  map.shape = {1, 2, 1, 2};
  map.probs = {0.0f, 0.0f, NAN, 0.5f};
  // Head 0: maximum 0, grey everywhere (1 x 2 at scale 128).
  RgbImage zero = attentionHeatmap(map, 0);
  EXPECT_EQ(pixelAt(zero, 0, 0), kGrey);
  EXPECT_EQ(pixelAt(zero, 255, 127), kGrey);
  // Head 1: NaN magenta, 0.5 / 0.5 = t 1.
  RgbImage nan = attentionHeatmap(map, 1);
  EXPECT_EQ(pixelAt(nan, 0, 0), Pixel(255, 0, 255));
  EXPECT_EQ(pixelAt(nan, 128, 0), kViridis1);
}

TEST(AttentionDumpTest, OverviewLayout) {
  // Row 0: the hand map (2 heads, 2 x 4, scaled up: query i fills cell rows
  // [32 i, 32 i + 32), key j cell columns [16 j, 16 j + 16)).
  // Row 1: 3 heads of 128 x 128 averaged 2 x 2 per pixel: head 0 has a
  // single 1 at (0, 0), so its first pixel is t = (1 + 0 + 0 + 0) / 4 and
  // the rest grey; queries 2-3 x keys 0-1 are skipped (pixel (0, 1)).
  AttentionMap big;
  big.name = "a very long attention name indeed";
  big.shape = {1, 3, 128, 128};
  big.probs.assign(3 * 128 * 128, 0.0f);
  big.probs[0] = 1.0f;
  big.skipped.assign(128 * 128, 0);
  for (int i = 2; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      big.skipped[i * 128 + j] = 1;
  RgbImage image = attentionOverview({handMap(), big});
  // Width: 2 + 240 label + 2 + 3 heads x (64 + 2) = 442. Height: 2 + 14
  // head numbers + 2 + 2 rows x (64 + 2) = 150.
  ASSERT_EQ(image.width, 442);
  ASSERT_EQ(image.height, 150);
  const int64_t left = 244, top = 18, pitch = 66;
  // Hand map head 0: query 0 is 0.25 everywhere (t 0.25); query 1 has its
  // 1 at key 1 (cell columns 16-31) and zeros elsewhere.
  EXPECT_EQ(pixelAt(image, left + 5, top + 5), kViridisQuarter);
  EXPECT_EQ(pixelAt(image, left + 63, top + 31), kViridisQuarter);
  EXPECT_EQ(pixelAt(image, left + 20, top + 40), kViridis1);
  EXPECT_EQ(pixelAt(image, left + 5, top + 40), kGrey);
  // Hand map head 1: query 0 all zeros, query 1 t = 0.25 / 0.25 = 1.
  EXPECT_EQ(pixelAt(image, left + pitch + 5, top + 5), kGrey);
  EXPECT_EQ(pixelAt(image, left + pitch + 5, top + 40), kViridis1);
  // The hand map has no head 2: white; so are the gaps.
  EXPECT_EQ(pixelAt(image, left + 2 * pitch + 30, top + 30), kWhite);
  EXPECT_EQ(pixelAt(image, left + 64, top + 30), kWhite);
  EXPECT_EQ(pixelAt(image, left + 30, top + 64), kWhite);
  // Row 1, head 0: the averaged block, then grey, then the hatching.
  int64_t top1 = top + pitch;
  EXPECT_EQ(pixelAt(image, left, top1), kViridisQuarter);
  EXPECT_EQ(pixelAt(image, left + 1, top1), kGrey);
  EXPECT_EQ(pixelAt(image, left, top1 + 1), hatchAt(left, top1 + 1));
  EXPECT_EQ(pixelAt(image, left + 1, top1 + 1), kGrey);
  // Labels: black pixels in the label area of both rows, none in the gap
  // between the (truncated) long name and the cells.
  auto anyBlack = [&](int64_t x0, int64_t x1, int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y)
      for (int64_t x = x0; x < x1; ++x)
        if (pixelAt(image, x, y) == kBlack)
          return true;
    return false;
  };
  EXPECT_TRUE(anyBlack(2, 242, top, top + 64));
  EXPECT_TRUE(anyBlack(2, 242, top1, top1 + 64));
  EXPECT_FALSE(anyBlack(240, 244, 0, image.height));
  // Head numbers above the columns.
  EXPECT_TRUE(anyBlack(left, left + 64, 2, 16));
  EXPECT_TRUE(anyBlack(left + 2 * pitch, left + 2 * pitch + 64, 2, 16));
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// The hand map and a [1, 1, 1, 3] map "x/y" with its third key skipped:
/// skipped 1 of 3 pairs, zeros 1 of 3 probabilities.
std::vector<AttentionMap> dumpMaps() {
  AttentionMap second;
  second.name = "x/y";
  second.kernel = "softmax";
  second.shape = {1, 1, 1, 3};
  second.probs = {0.5f, 0.5f, 0.0f};
  second.skipped = {0, 0, 1};
  return {handMap(), second};
}

const std::vector<std::string> kDumpFiles = {"layer0.attn.h0.png",
                                             "layer0.attn.h1.png",
                                             "layer0.attn.npy",
                                             "overview.png",
                                             "summary.json",
                                             "x_y.h0.png",
                                             "x_y.npy"};

TEST(AttentionDumpTest, WritesTheFiles) {
  TempDir tmp;
  std::string dir = tmp.path("deep/dump");
  std::string error;
  ASSERT_TRUE(writeAttentionDump(dir, "toy \"model\"", dumpMaps(), error))
      << error;
  EXPECT_EQ(listDir(dir), kDumpFiles);

  HostTensor npy;
  ASSERT_TRUE(readNpy(dir + "/layer0.attn.npy", npy, error)) << error;
  EXPECT_EQ(npy.dtype, DType::F32);
  EXPECT_EQ(npy.shape, (std::vector<int64_t>{1, 2, 2, 4}));
  EXPECT_EQ(valuesOf<float>(npy), handMap().probs);

  RgbImage h1 = decodePng(readFile(dir + "/layer0.attn.h1.png"));
  // 2 x 4 at scale 64: 256 x 128; head 1's query 1 is t 1.
  EXPECT_EQ(h1.width, 256);
  EXPECT_EQ(h1.height, 128);
  EXPECT_EQ(pixelAt(h1, 0, 64), kViridis1);
  RgbImage overview = decodePng(readFile(dir + "/overview.png"));
  EXPECT_EQ(overview.width, 2 + 240 + 2 + 2 * 66);
  EXPECT_EQ(overview.height, 2 + 14 + 2 + 2 * 66);

  JsonValue json;
  parseOrFail(readFile(dir + "/summary.json"), json);
  ASSERT_TRUE(json.isObject());
  ASSERT_TRUE(json.get("model") && json.get("sample"));
  EXPECT_EQ(json.get("model")->string, "toy \"model\"");
  EXPECT_EQ(json.get("sample")->integer, 0);
  const JsonValue *attention = json.get("attention");
  ASSERT_TRUE(attention && attention->isArray());
  ASSERT_EQ(attention->array.size(), 2u);
  const JsonValue &first = attention->array[0];
  EXPECT_EQ(first.get("name")->string, "layer0.attn");
  EXPECT_EQ(first.get("kernel")->string, "attention");
  EXPECT_EQ(first.get("file")->string, "layer0.attn.npy");
  const JsonValue *shape = first.get("shape");
  ASSERT_EQ(shape->array.size(), 4u);
  EXPECT_EQ(shape->array[3].integer, 4);
  EXPECT_EQ(first.get("skipped_fraction")->number, 0.0);
  EXPECT_EQ(first.get("zero_fraction")->number, 0.4375); // 7 of 16
  const JsonValue *heads = first.get("heads");
  ASSERT_EQ(heads->array.size(), 2u);
  // ln 2 and ln 4 written with 9 significant digits.
  EXPECT_NEAR(heads->array[0].get("entropy")->number, std::log(2.0), 1e-8);
  EXPECT_EQ(heads->array[0].get("max")->number, 1.0);
  EXPECT_EQ(heads->array[0].get("head")->integer, 0);
  EXPECT_EQ(heads->array[0].get("png")->string, "layer0.attn.h0.png");
  EXPECT_NEAR(heads->array[1].get("entropy")->number, std::log(4.0), 1e-8);
  EXPECT_EQ(heads->array[1].get("max")->number, 0.25);
  EXPECT_EQ(heads->array[1].get("png")->string, "layer0.attn.h1.png");
  const JsonValue &second = attention->array[1];
  EXPECT_EQ(second.get("name")->string, "x/y");
  EXPECT_EQ(second.get("file")->string, "x_y.npy");
  // 1 / 3 with 9 significant digits.
  EXPECT_NEAR(second.get("skipped_fraction")->number, 1.0 / 3, 1e-9);
  EXPECT_NEAR(second.get("zero_fraction")->number, 1.0 / 3, 1e-9);
}

TEST(AttentionDumpTest, NoMapsWritesOnlyTheSummary) {
  TempDir tmp;
  std::string error;
  ASSERT_TRUE(writeAttentionDump(tmp.dir, "m", {}, error)) << error;
  EXPECT_EQ(tmp.list(), (std::vector<std::string>{"summary.json"}));
  JsonValue json;
  parseOrFail(readFile(tmp.path("summary.json")), json);
  ASSERT_TRUE(json.get("attention"));
  EXPECT_TRUE(json.get("attention")->isArray());
  EXPECT_TRUE(json.get("attention")->array.empty());
}

TEST(AttentionDumpTest, SecondRunReplacesTheFiles) {
  TempDir tmp;
  std::string error;
  ASSERT_TRUE(writeAttentionDump(tmp.dir, "m", dumpMaps(), error)) << error;
  std::vector<AttentionMap> maps = dumpMaps();
  maps[0].probs = {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0};
  ASSERT_TRUE(writeAttentionDump(tmp.dir, "m2", maps, error)) << error;
  // The same files, no temporaries.
  EXPECT_EQ(tmp.list(), kDumpFiles);
  HostTensor npy;
  ASSERT_TRUE(readNpy(tmp.path("layer0.attn.npy"), npy, error)) << error;
  EXPECT_EQ(valuesOf<float>(npy), maps[0].probs);
  JsonValue json;
  parseOrFail(readFile(tmp.path("summary.json")), json);
  EXPECT_EQ(json.get("model")->string, "m2");
  // Every row is one-hot now: entropy 0.
  EXPECT_EQ(json.get("attention")
                ->array[0]
                .get("heads")
                ->array[0]
                .get("entropy")
                ->number,
            0.0);
}

TEST(AttentionDumpTest, FailuresWriteNothing) {
  TempDir tmp;
  std::string error;
  // A directory under a regular file.
  writeFile(tmp.path("FILE"), "not a directory");
  std::string under = tmp.path("FILE/sub");
  EXPECT_FALSE(writeAttentionDump(under, "m", dumpMaps(), error));
  EXPECT_EQ(error, "cannot create " + under + ": Not a directory");
  EXPECT_EQ(tmp.list(), (std::vector<std::string>{"FILE"}));

  // An inconsistent map: nothing written, not even the directory.
  std::vector<AttentionMap> maps = dumpMaps();
  maps[1].shape = {1, 1, 1, 4};
  error.clear();
  EXPECT_FALSE(writeAttentionDump(tmp.path("new"), "m", maps, error));
  EXPECT_EQ(error, "attention 'x/y': shape [1, 1, 1, 4] has 4 elements but "
                   "there are 3 probabilities");
  maps = dumpMaps();
  maps[1].skipped = {0, 1};
  EXPECT_FALSE(writeAttentionDump(tmp.path("new"), "m", maps, error));
  EXPECT_EQ(error, "attention 'x/y': 2 skipped flags for 1 x 3 = 3 (query, "
                   "key) pairs");
  maps = dumpMaps();
  maps[0].shape = {2, 2, 4};
  EXPECT_FALSE(writeAttentionDump(tmp.path("new"), "m", maps, error));
  EXPECT_TRUE(contains(error, "attention 'layer0.attn': shape [2, 2, 4]"))
      << error;
  EXPECT_EQ(tmp.list(), (std::vector<std::string>{"FILE"}));

  // A file that cannot be replaced (a directory in the way) after others
  // were written: none of the new files remain and the old one is intact.
  std::string out = tmp.path("out");
  ASSERT_TRUE(std::filesystem::create_directories(out + "/x_y.h0.png"));
  writeFile(out + "/summary.json", "old");
  EXPECT_FALSE(writeAttentionDump(out, "m", dumpMaps(), error));
  EXPECT_EQ(error, out + "/x_y.h0.png: exists and is not a regular file");
  EXPECT_EQ(listDir(out),
            (std::vector<std::string>{"summary.json", "x_y.h0.png"}));
  EXPECT_EQ(readFile(out + "/summary.json"), "old");
}

} // namespace
