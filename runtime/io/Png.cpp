//===- Png.cpp - RGB images as PNG files ----------------------------------===//

#include "heed/io/Png.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace heed {
namespace io {

namespace {

/// Appends \p v as 4 bytes, most significant first.
void appendBigEndian32(std::string &out, uint32_t v) {
  out += (char)(v >> 24);
  out += (char)(v >> 16);
  out += (char)(v >> 8);
  out += (char)v;
}

/// Appends the chunk \p type holding \p size bytes at \p data: length, type,
/// data, and the CRC-32 of type and data.
void appendChunk(std::string &out, const char type[4], const uint8_t *data,
                 size_t size) {
  appendBigEndian32(out, (uint32_t)size);
  out.append(type, 4);
  if (size)
    out.append((const char *)data, size);
  uLong crc = crc32(0, (const Bytef *)type, 4);
  if (size)
    crc = crc32(crc, data, (uInt)size);
  appendBigEndian32(out, (uint32_t)crc);
}

} // namespace

std::string encodePng(const RgbImage &image) {
  constexpr int64_t kMaxSide = std::numeric_limits<int32_t>::max();
  if (image.width <= 0 || image.height <= 0 || image.width > kMaxSide ||
      image.height > kMaxSide ||
      image.rgb.size() != (size_t)(image.width * image.height * 3))
    return std::string();
  // Each row: filter type 0 (none), then its pixels.
  size_t stride = (size_t)image.width * 3;
  std::vector<uint8_t> raw((stride + 1) * (size_t)image.height);
  for (int64_t y = 0; y < image.height; ++y) {
    raw[(size_t)y * (stride + 1)] = 0;
    std::memcpy(&raw[(size_t)y * (stride + 1) + 1], &image.rgb[y * stride],
                stride);
  }
  uLongf zsize = compressBound((uLong)raw.size());
  std::vector<uint8_t> z(zsize);
  if (compress2(z.data(), &zsize, raw.data(), (uLong)raw.size(),
                Z_DEFAULT_COMPRESSION) != Z_OK)
    return std::string();
  raw = std::vector<uint8_t>();

  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  appendBigEndian32(ihdr, (uint32_t)image.width);
  appendBigEndian32(ihdr, (uint32_t)image.height);
  ihdr += '\x08'; // bit depth
  ihdr += '\x02'; // colour type: RGB
  ihdr += '\x00'; // compression: deflate
  ihdr += '\x00'; // filter method 0
  ihdr += '\x00'; // no interlace
  appendChunk(out, "IHDR", (const uint8_t *)ihdr.data(), ihdr.size());
  // A chunk holds less than 2^31 bytes: long streams take several IDATs.
  constexpr size_t kMaxIdat = size_t(1) << 30;
  for (size_t at = 0; at < zsize; at += kMaxIdat)
    appendChunk(out, "IDAT", z.data() + at,
                std::min<size_t>(kMaxIdat, zsize - at));
  appendChunk(out, "IEND", nullptr, 0);
  return out;
}

} // namespace io
} // namespace heed
