//===- FileUtil.h - File helpers shared by the I/O formats ------*- C++ -*-===//
//
// Internal to HeedIO: not installed and not part of the public headers under
// runtime/include.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_IO_FILEUTIL_H
#define HEED_IO_FILEUTIL_H

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace heed {
namespace io {

/// Writes \p pieces, in order, to a fresh temporary file next to \p path
/// (created with O_EXCL), flushes it with fsync and renames it over \p path,
/// so that readers see either the old file or the complete new one. On
/// failure returns false, sets \p error to a message that starts with \p path,
/// and leaves no temporary file behind.
bool writeFileAtomically(
    const std::string &path,
    const std::vector<std::pair<const void *, size_t>> &pieces,
    std::string &error);

/// The first half of writeFileAtomically: the complete, flushed temporary
/// next to \p path, named in \p tmp, for the caller to rename (or unlink).
bool writeTemporaryFile(
    const std::string &path,
    const std::vector<std::pair<const void *, size_t>> &pieces,
    std::string &tmp, std::string &error);

} // namespace io
} // namespace heed

#endif // HEED_IO_FILEUTIL_H
