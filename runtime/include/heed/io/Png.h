//===- Png.h - RGB images as PNG files ---------------------------*- C++
//-*-===//
//
// The PNG files of --dump-attention (AttentionDump.h): 8-bit RGB, encoded
// with zlib.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_PNG_H
#define HEED_IO_PNG_H

#include <cstdint>
#include <string>
#include <vector>

namespace heed {
namespace io {

/// An 8-bit RGB image, row-major.
struct RgbImage {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb; ///< width * height * 3
};

/// \p image encoded as a PNG file's bytes (IHDR 8-bit RGB, one zlib stream
/// of unfiltered rows in IDAT, IEND); empty when the image is empty or its
/// rgb size does not match.
std::string encodePng(const RgbImage &image);

} // namespace io
} // namespace heed

#endif // HEED_IO_PNG_H
