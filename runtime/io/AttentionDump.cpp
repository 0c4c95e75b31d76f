//===- AttentionDump.cpp - Attention maps as .npy, PNG and JSON -----------===//
//
// The images are drawn here pixel by pixel (viridis table, hatching, a 5x7
// bitmap font for the overview's labels) and encoded by Png.h; the files
// go into place all or nothing through PendingFiles (FileUtil.h), like
// writeOutputDir's.
//
//===----------------------------------------------------------------------===//

#include "heed/io/AttentionDump.h"
#include "FileUtil.h"
#include "heed/io/HostTensor.h"
#include "heed/io/Json.h"
#include "heed/io/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>

namespace fs = std::filesystem;

namespace heed {
namespace io {

namespace {

//===----------------------------------------------------------------------===//
// Maps
//===----------------------------------------------------------------------===//

/// The extents of a map's [B, H, Lq, Lk] shape.
struct Dims {
  int64_t b = 0, h = 0, q = 0, k = 0;
};

/// Checks that \p map's shape, probabilities and skipped flags agree and
/// sets \p dims; on failure returns false and sets \p error.
bool checkMap(const AttentionMap &map, Dims &dims, std::string &error) {
  std::string what = "attention '" + map.name + "': ";
  if (map.shape.size() != 4) {
    error = what + "shape " + shapeToString(map.shape) +
            " is not [batch, heads, queries, keys]";
    return false;
  }
  std::optional<uint64_t> count = checkedByteSize(map.shape, 1);
  if (!count) {
    error = what + "shape " + shapeToString(map.shape) +
            " has a negative extent or too many elements";
    return false;
  }
  if (*count != map.probs.size()) {
    error = what + "shape " + shapeToString(map.shape) + " has " +
            std::to_string(*count) + " elements but there are " +
            std::to_string(map.probs.size()) + " probabilities";
    return false;
  }
  dims = {map.shape[0], map.shape[1], map.shape[2], map.shape[3]};
  uint64_t pairs = (uint64_t)dims.q * (uint64_t)dims.k;
  if (!map.skipped.empty() && map.skipped.size() != pairs) {
    error = what + std::to_string(map.skipped.size()) + " skipped flags for " +
            std::to_string(dims.q) + " x " + std::to_string(dims.k) + " = " +
            std::to_string(pairs) + " (query, key) pairs";
    return false;
  }
  return true;
}

/// The extents of \p map, all 0 when checkMap rejects it (nothing of it is
/// drawn or counted).
Dims dimsOf(const AttentionMap &map) {
  Dims dims;
  std::string error;
  return checkMap(map, dims, error) ? dims : Dims();
}

/// The first probability of sample \p b, head \p h.
const float *headData(const AttentionMap &map, const Dims &d, int64_t b,
                      int64_t h) {
  return map.probs.data() + ((b * d.h + h) * d.q) * d.k;
}

/// The largest probability of head \p h over every sample (NaN ignored; 0
/// when there is none above 0).
double headMax(const AttentionMap &map, const Dims &d, int64_t h) {
  double m = 0;
  for (int64_t b = 0; b < d.b; ++b) {
    const float *p = headData(map, d, b, h);
    for (int64_t i = 0; i < d.q * d.k; ++i)
      if (p[i] > m)
        m = p[i];
  }
  return m;
}

bool isSkipped(const AttentionMap &map, const Dims &d, int64_t i, int64_t j) {
  return !map.skipped.empty() && map.skipped[i * d.k + j];
}

//===----------------------------------------------------------------------===//
// Colours
//===----------------------------------------------------------------------===//

struct Rgb {
  uint8_t r, g, b;
};

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kZeroGrey{128, 128, 128};
constexpr Rgb kNanMagenta{255, 0, 255};

/// matplotlib's viridis at t = 0, 1/16, ..., 1 (its 256-entry table at
/// indices 0, 16, ..., 240 and 255, times 255, rounded).
constexpr Rgb kViridis[] = {{68, 1, 84},    {72, 24, 106},  {71, 45, 123},
                            {66, 64, 134},  {59, 82, 139},  {51, 99, 141},
                            {44, 114, 142}, {38, 130, 142}, {33, 145, 140},
                            {31, 160, 136}, {40, 174, 128}, {63, 188, 115},
                            {94, 201, 98},  {132, 212, 75}, {173, 220, 48},
                            {216, 226, 25}, {253, 231, 37}};

/// viridis at \p t (clamped to [0, 1]), linear between the table's points.
Rgb viridis(double t) {
  constexpr int kSegments = (int)(sizeof(kViridis) / sizeof(kViridis[0])) - 1;
  t = std::isnan(t) ? 0 : std::clamp(t, 0.0, 1.0);
  double x = t * kSegments;
  int i = std::min(kSegments - 1, (int)x);
  double f = x - i;
  const Rgb &a = kViridis[i], &b = kViridis[i + 1];
  auto mix = [f](uint8_t u, uint8_t v) {
    return (uint8_t)std::lround(u + (v - u) * f);
  };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

/// The hatching of skipped tiles at image pixel (\p x, \p y): diagonal
/// stripes 3 pixels wide.
Rgb hatch(int64_t x, int64_t y) {
  return (x + y) % 6 < 3 ? Rgb{200, 200, 200} : Rgb{235, 235, 235};
}

/// How an entry, or a block of entries of the overview, is drawn: hatched
/// or in one colour.
struct Paint {
  bool hatched = false;
  Rgb rgb = kWhite;
};

/// p / m within [0, 1] (an infinite maximum: 1 for itself, else 0).
double scaled(double p, double m) {
  if (std::isinf(m))
    return p == m ? 1 : 0;
  return std::clamp(p / m, 0.0, 1.0);
}

/// An entry \p p of a head whose maximum is \p m (the file comment's rules).
Paint entryPaint(float p, bool skipped, double m) {
  if (skipped)
    return {true, kWhite};
  if (std::isnan(p))
    return {false, kNanMagenta};
  if (p == 0 || !(m > 0))
    return {false, kZeroGrey};
  return {false, viridis(scaled(p, m))};
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

RgbImage blankImage(int64_t width, int64_t height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.rgb.assign((size_t)(width * height * 3), 255);
  return image;
}

void setPixel(RgbImage &image, int64_t x, int64_t y, Rgb c) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height)
    return;
  uint8_t *p = image.rgb.data() + (y * image.width + x) * 3;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

void paintPixel(RgbImage &image, int64_t x, int64_t y, const Paint &paint) {
  setPixel(image, x, y, paint.hatched ? hatch(x, y) : paint.rgb);
}

/// The heatmap's pixels per entry: the longer side at least 256 pixels, and
/// neither side above 4096 unless the map alone is longer (then 1).
int64_t heatmapScale(int64_t q, int64_t k) {
  int64_t longer = std::max<int64_t>(1, std::max(q, k));
  int64_t s = std::max<int64_t>(1, (256 + longer - 1) / longer);
  return std::max<int64_t>(1, std::min(s, 4096 / longer));
}

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

/// A 5x7 glyph: its character and its 7 rows, top to bottom, each the 5
/// pixels of the row as bits 4 (leftmost) to 0 (rightmost). For example 'A'
/// is 0x0E = .###. / 0x11 = #...# / 0x11 / 0x1F = ##### / 0x11 / 0x11 /
/// 0x11.
struct Glyph {
  char ch;
  uint8_t rows[7];
};

// clang-format off
constexpr Glyph kFont[] = {
    {' ', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {'\'', {0x0C, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
    {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {'[', {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E}},
    {']', {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E}},
    {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
    {'a', {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F}},
    {'b', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}},
    {'c', {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E}},
    {'d', {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}},
    {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
    {'f', {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}},
    {'g', {0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'i', {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}},
    {'j', {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C}},
    {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}},
    {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'m', {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}},
    {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'o', {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}},
    {'p', {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}},
    {'q', {0x00, 0x00, 0x0D, 0x13, 0x0F, 0x01, 0x01}},
    {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}},
    {'s', {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
    {'u', {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D}},
    {'v', {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'w', {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A}},
    {'x', {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}},
    {'y', {0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'z', {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}},
};
// clang-format on

constexpr int64_t kGlyphWidth = 5, kGlyphHeight = 7;
/// Each font pixel is a kTextScale x kTextScale square.
constexpr int64_t kTextScale = 2;
/// From one character to the next: the glyph and a 1-pixel space.
constexpr int64_t kTextAdvance = (kGlyphWidth + 1) * kTextScale;
constexpr int64_t kTextHeight = kGlyphHeight * kTextScale;

/// The glyph of \p c, '?' for a character the font lacks.
const Glyph &glyphOf(char c) {
  const Glyph *question = nullptr;
  for (const Glyph &g : kFont) {
    if (g.ch == c)
      return g;
    if (g.ch == '?')
      question = &g;
  }
  return *question;
}

/// The width in pixels of \p n characters of text.
int64_t textWidth(size_t n) {
  return n == 0 ? 0 : (int64_t)n * kTextAdvance - kTextScale;
}

/// \p s as the font draws it: one character per UTF-8 sequence (non-ASCII
/// ones as '?'), cut to its last \p maxChars with "..." in front.
std::string displayText(const std::string &s, size_t maxChars) {
  std::string out;
  for (char c : s) {
    unsigned char u = (unsigned char)c;
    if ((u & 0xC0) == 0x80)
      continue; // a UTF-8 continuation byte: its lead byte drew the '?'
    out += u < 0x80 ? c : '?';
  }
  // Names of deep models share their prefix (encoder.layer.N.): keep the
  // end, which tells the layers apart.
  if (out.size() > maxChars)
    out = "..." + out.substr(out.size() - (maxChars >= 3 ? maxChars - 3 : 0));
  return out;
}

/// Draws \p text in black with its top left corner at (\p x, \p y).
void drawText(RgbImage &image, int64_t x, int64_t y, const std::string &text) {
  for (size_t n = 0; n < text.size(); ++n) {
    const Glyph &g = glyphOf(text[n]);
    int64_t left = x + (int64_t)n * kTextAdvance;
    for (int64_t gy = 0; gy < kGlyphHeight; ++gy)
      for (int64_t gx = 0; gx < kGlyphWidth; ++gx) {
        if (!((g.rows[gy] >> (kGlyphWidth - 1 - gx)) & 1))
          continue;
        for (int64_t dy = 0; dy < kTextScale; ++dy)
          for (int64_t dx = 0; dx < kTextScale; ++dx)
            setPixel(image, left + gx * kTextScale + dx,
                     y + gy * kTextScale + dy, kBlack);
      }
  }
}

//===----------------------------------------------------------------------===//
// The overview's layout
//===----------------------------------------------------------------------===//

/// The side of one (map, head) cell, the white gap between cells and
/// around the grid, and the width of the labels left of the rows.
constexpr int64_t kCell = 64, kGap = 2, kLabelWidth = 240;
/// The characters of a label: textWidth(kLabelChars) <= kLabelWidth.
constexpr size_t kLabelChars =
    (size_t)((kLabelWidth + kTextScale) / kTextAdvance);
/// Where the first cell's column and row start (head numbers above it).
constexpr int64_t kGridLeft = kGap + kLabelWidth + kGap;
constexpr int64_t kGridTop = kGap + kTextHeight + kGap;

/// The rows (or columns) [first, last) of a map of \p n rows that pixel
/// \p i of a kCell-pixel side shows: a block of rows when n >= kCell, the
/// nearest row when n < kCell.
std::pair<int64_t, int64_t> blockOf(int64_t i, int64_t n) {
  int64_t first = i * n / kCell;
  return {first, std::max(first + 1, (i + 1) * n / kCell)};
}

/// Draws head \p h of sample 0 of \p map into the cell at (\p left, \p top).
void drawCell(RgbImage &image, int64_t left, int64_t top,
              const AttentionMap &map, const Dims &d, int64_t h) {
  double m = headMax(map, d, h);
  const float *probs = headData(map, d, 0, h);
  for (int64_t cy = 0; cy < kCell; ++cy) {
    auto [i0, i1] = blockOf(cy, d.q);
    for (int64_t cx = 0; cx < kCell; ++cx) {
      auto [j0, j1] = blockOf(cx, d.k);
      // Skipped entries are left out of the mean; exact zeros are in it.
      int64_t computed = 0, nonZero = 0;
      bool nan = false;
      double sum = 0;
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) {
          if (isSkipped(map, d, i, j))
            continue;
          float p = probs[i * d.k + j];
          ++computed;
          if (std::isnan(p))
            nan = true;
          else if (p != 0) {
            ++nonZero;
            sum += m > 0 ? scaled(p, m) : 0;
          }
        }
      Paint paint;
      if (computed == 0)
        paint.hatched = true;
      else if (nan)
        paint.rgb = kNanMagenta;
      else if (nonZero == 0 || !(m > 0))
        paint.rgb = kZeroGrey;
      else
        paint.rgb = viridis(sum / (double)computed);
      paintPixel(image, left + cx, top + cy, paint);
    }
  }
}

//===----------------------------------------------------------------------===//
// summary.json
//===----------------------------------------------------------------------===//

/// \p s as a JSON string; when it is not valid UTF-8, its non-ASCII bytes
/// become '?'.
void appendText(std::string &out, const std::string &s) {
  if (isValidUtf8(s)) {
    appendJsonString(out, s);
    return;
  }
  std::string ascii = s;
  for (char &c : ascii)
    if ((unsigned char)c >= 0x80)
      c = '?';
  appendJsonString(out, ascii);
}

/// \p v with 9 significant digits; null when it is not finite.
void appendNumber(std::string &out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  out += buf;
}

/// Whether sample 0 of \p d has anything to draw.
bool drawable(const Dims &d) { return d.b > 0 && d.q > 0 && d.k > 0; }

std::string pngName(const std::string &stem, int64_t h) {
  return stem + ".h" + std::to_string(h) + ".png";
}

std::string summaryJson(const std::string &model,
                        const std::vector<AttentionMap> &maps,
                        const std::vector<std::string> &stems) {
  std::string out = "{\n  \"model\": ";
  appendText(out, model);
  out += ",\n  \"sample\": 0,\n  \"attention\": [";
  for (size_t n = 0; n < maps.size(); ++n) {
    const AttentionMap &map = maps[n];
    Dims d = dimsOf(map);
    out += n ? ",\n" : "\n";
    out += "    {\n      \"name\": ";
    appendText(out, map.name);
    out += ",\n      \"kernel\": ";
    appendText(out, map.kernel);
    out += ",\n      \"file\": ";
    appendText(out, stems[n] + ".npy");
    out += ",\n      \"shape\": " + shapeToString(map.shape);
    int64_t skipped = 0, zeros = 0;
    for (uint8_t s : map.skipped)
      skipped += s != 0;
    for (float p : map.probs)
      zeros += p == 0;
    out += ",\n      \"skipped_fraction\": ";
    appendNumber(out, map.skipped.empty()
                          ? 0.0
                          : (double)skipped / (double)map.skipped.size());
    out += ",\n      \"zero_fraction\": ";
    appendNumber(out, map.probs.empty()
                          ? 0.0
                          : (double)zeros / (double)map.probs.size());
    out += ",\n      \"heads\": [";
    std::vector<HeadStats> stats = headStats(map);
    for (size_t h = 0; h < stats.size(); ++h) {
      out += h ? ",\n" : "\n";
      out += "        {\"head\": " + std::to_string(h) + ", \"entropy\": ";
      appendNumber(out, stats[h].entropy);
      out += ", \"max\": ";
      appendNumber(out, stats[h].max);
      out += ", \"png\": ";
      if (drawable(d))
        appendText(out, pngName(stems[n], (int64_t)h));
      else
        out += "null";
      out += "}";
    }
    out += stats.empty() ? "]\n    }" : "\n      ]\n    }";
  }
  out += maps.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

} // namespace

//===----------------------------------------------------------------------===//
// The public functions
//===----------------------------------------------------------------------===//

std::vector<HeadStats> headStats(const AttentionMap &map) {
  Dims d = dimsOf(map);
  std::vector<HeadStats> stats((size_t)d.h);
  for (int64_t h = 0; h < d.h; ++h) {
    double total = 0;
    int64_t rows = 0;
    for (int64_t b = 0; b < d.b; ++b) {
      const float *p = headData(map, d, b, h);
      for (int64_t i = 0; i < d.q; ++i) {
        double entropy = 0;
        bool any = false;
        for (int64_t j = 0; j < d.k; ++j) {
          double v = p[i * d.k + j];
          if (v != 0) {
            any = true;
            entropy -= v * std::log(v);
          }
        }
        if (any) {
          total += entropy;
          ++rows;
        }
      }
    }
    stats[h].entropy = rows ? total / (double)rows : 0;
    stats[h].max = headMax(map, d, h);
  }
  return stats;
}

std::vector<std::string>
attentionFileStems(const std::vector<AttentionMap> &maps) {
  // Short enough that "<stem>.h<h>.png" and its temporary fit in a file
  // name of 255 bytes.
  constexpr size_t kMaxStem = 200;
  std::vector<std::string> stems;
  std::set<std::string> used;
  for (const AttentionMap &map : maps) {
    std::string base = map.name.substr(0, kMaxStem);
    for (char &c : base)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
        c = '_';
    if (base.empty())
      base = "attention";
    if (base[0] == '.')
      base[0] = '_';
    std::string stem = base;
    for (int n = 2; used.count(stem); ++n)
      stem = base + "-" + std::to_string(n);
    used.insert(stem);
    stems.push_back(stem);
  }
  return stems;
}

RgbImage attentionHeatmap(const AttentionMap &map, int64_t head) {
  Dims d = dimsOf(map);
  if (head < 0 || head >= d.h || !drawable(d))
    return RgbImage();
  int64_t s = heatmapScale(d.q, d.k);
  RgbImage image = blankImage(d.k * s, d.q * s);
  double m = headMax(map, d, head);
  const float *probs = headData(map, d, 0, head);
  std::vector<Paint> row((size_t)d.k);
  for (int64_t i = 0; i < d.q; ++i) {
    for (int64_t j = 0; j < d.k; ++j)
      row[j] = entryPaint(probs[i * d.k + j], isSkipped(map, d, i, j), m);
    for (int64_t y = i * s; y < (i + 1) * s; ++y)
      for (int64_t x = 0; x < image.width; ++x)
        paintPixel(image, x, y, row[x / s]);
  }
  return image;
}

RgbImage attentionOverview(const std::vector<AttentionMap> &maps) {
  std::vector<Dims> dims;
  int64_t columns = 0;
  for (const AttentionMap &map : maps) {
    dims.push_back(dimsOf(map));
    columns = std::max(columns, dims.back().h);
  }
  RgbImage image = blankImage(kGridLeft + columns * (kCell + kGap),
                              kGridTop + (int64_t)maps.size() * (kCell + kGap));
  for (int64_t h = 0; h < columns; ++h) {
    std::string number = std::to_string(h);
    drawText(image,
             kGridLeft + h * (kCell + kGap) +
                 (kCell - textWidth(number.size())) / 2,
             kGap, number);
  }
  for (size_t r = 0; r < maps.size(); ++r) {
    int64_t top = kGridTop + (int64_t)r * (kCell + kGap);
    drawText(image, kGap, top + (kCell - kTextHeight) / 2,
             displayText(maps[r].name, kLabelChars));
    if (!drawable(dims[r]))
      continue;
    for (int64_t h = 0; h < dims[r].h; ++h)
      drawCell(image, kGridLeft + h * (kCell + kGap), top, maps[r], dims[r], h);
  }
  return image;
}

bool writeAttentionDump(const std::string &dir, const std::string &model,
                        const std::vector<AttentionMap> &maps,
                        std::string &error) {
  std::vector<Dims> dims(maps.size());
  for (size_t n = 0; n < maps.size(); ++n)
    if (!checkMap(maps[n], dims[n], error))
      return false;
  std::vector<std::string> stems = attentionFileStems(maps);

  std::vector<std::string> created;
  if (!createDirectories(dir, created, error))
    return false;
  // Each file is encoded and written to its temporary in turn, so that only
  // one is held in memory; the renames come when all are written.
  PendingFiles pending;
  auto add = [&](const std::string &name, const void *data, size_t size) {
    return pending.add((fs::path(dir) / name).string(), {{data, size}}, error);
  };
  auto addPng = [&](const std::string &name, const RgbImage &image) {
    std::string png = encodePng(image);
    if (png.empty()) {
      error = (fs::path(dir) / name).string() + ": cannot encode a " +
              std::to_string(image.width) + " x " +
              std::to_string(image.height) + " PNG";
      return false;
    }
    return add(name, png.data(), png.size());
  };
  auto fail = [&]() {
    pending.discard();
    removeDirectories(created);
    return false;
  };
  for (size_t n = 0; n < maps.size(); ++n) {
    const AttentionMap &map = maps[n];
    std::vector<uint8_t> npy;
    {
      HostTensor t;
      t.dtype = DType::F32;
      t.shape = map.shape;
      t.data.resize(map.probs.size() * sizeof(float));
      if (!map.probs.empty())
        std::memcpy(t.data.data(), map.probs.data(), t.data.size());
      if (!encodeNpy(t, npy, error)) {
        error = (fs::path(dir) / (stems[n] + ".npy")).string() + ": " + error;
        return fail();
      }
    }
    if (!add(stems[n] + ".npy", npy.data(), npy.size()))
      return fail();
    if (drawable(dims[n]))
      for (int64_t h = 0; h < dims[n].h; ++h)
        if (!addPng(pngName(stems[n], h), attentionHeatmap(map, h)))
          return fail();
  }
  if (!maps.empty() && !addPng("overview.png", attentionOverview(maps)))
    return fail();
  std::string summary = summaryJson(model, maps, stems);
  if (!add("summary.json", summary.data(), summary.size()) ||
      !pending.commit(error))
    return fail();
  return true;
}

} // namespace io
} // namespace heed
