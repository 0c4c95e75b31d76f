//===- Safetensors.h - Reading and writing .safetensors files ---*- C++ -*-===//
//
// The safetensors format: an 8-byte little-endian header length N, N bytes
// of JSON mapping each tensor name to {"dtype", "shape", "data_offsets"},
// then the data section the offsets point into. An optional "__metadata__"
// entry is ignored on read. Supported dtypes: F32, F16, BF16, I64, I32 and
// BOOL (Heed's i1).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_SAFETENSORS_H
#define HEED_IO_SAFETENSORS_H

#include "heed/io/HostTensor.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace heed {
namespace io {

/// A tensor inside a mapped .safetensors file. The data is not copied and is
/// not necessarily aligned for its element type: read elements with memcpy.
struct TensorView {
  DType dtype;
  std::vector<int64_t> shape;
  /// The first byte of the tensor's data, inside the mapping.
  const uint8_t *data;
  /// numel * dtypeSize(dtype).
  size_t nbytes;
};

/// Copies the tensor \p view points to into host memory.
HostTensor copyToHost(const TensorView &view);

/// A .safetensors file mapped read-only into memory. Every tensor entry is
/// validated by open(), so the views it hands out always lie inside the file.
/// As with any mapping, the file must not be truncated while it is open.
class SafetensorsFile {
public:
  /// Maps the file at \p path and validates its header. On failure returns
  /// nullptr and sets \p error to a message that starts with \p path.
  static std::unique_ptr<SafetensorsFile> open(const std::string &path,
                                               std::string &error);

  /// Returns the tensor named \p name, or nullptr if there is none.
  const TensorView *find(const std::string &name) const;

  /// Returns the names of all tensors, sorted.
  std::vector<std::string> names() const;

  /// Returns the path the file was opened from.
  const std::string &path() const { return filePath; }

  /// Unmaps the file; views obtained from find() become invalid.
  ~SafetensorsFile();

  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

private:
  SafetensorsFile() = default;

  std::string filePath;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  std::map<std::string, TensorView> tensors;
};

/// The largest header open() accepts, in bytes (as in the reference
/// implementation).
constexpr uint64_t kMaxSafetensorsHeaderSize = 100000000;

/// Writes \p tensors, in the given order, to \p path. The JSON header is
/// padded with spaces to a multiple of 8 bytes. The bytes go to a temporary
/// file in the same directory which is then renamed over \p path, so a
/// failure never leaves a partly written file behind. Fails on duplicate or
/// invalid names and on tensors whose data size does not match their shape;
/// \p error then starts with \p path.
bool writeSafetensors(
    const std::string &path,
    const std::vector<std::pair<std::string, HostTensor>> &tensors,
    std::string &error);

} // namespace io
} // namespace heed

#endif // HEED_IO_SAFETENSORS_H
