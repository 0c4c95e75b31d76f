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

/// Several files written all or nothing: add() writes each complete to a
/// temporary beside its path (writeTemporaryFile), commit() renames them all
/// into place. Until commit() the files at those paths are untouched, and
/// whatever was not committed is removed by discard() or the destructor.
class PendingFiles {
public:
  PendingFiles() = default;
  PendingFiles(const PendingFiles &) = delete;
  PendingFiles &operator=(const PendingFiles &) = delete;
  ~PendingFiles() { discard(); }

  /// Writes the temporary of \p path. Refuses a \p path that exists and is
  /// not a regular file (a directory would only fail its rename, after
  /// other files were renamed). On failure returns false and sets \p error
  /// to a message that starts with \p path; earlier temporaries stay
  /// pending.
  bool add(const std::string &path,
           const std::vector<std::pair<const void *, size_t>> &pieces,
           std::string &error);

  /// Renames every temporary over its path, in the order they were added.
  /// On failure returns false, sets \p error and removes the temporaries
  /// not yet renamed.
  bool commit(std::string &error);

  /// Removes the temporaries not yet renamed.
  void discard();

private:
  /// (path, temporary) of each file not yet renamed.
  std::vector<std::pair<std::string, std::string>> files;
};

/// Creates the directory \p dir and its missing parents, adding the ones
/// it created to \p created, deepest first, for removeDirectories. On
/// failure returns false, sets \p error ("cannot create DIR: REASON") and
/// removes what it created.
bool createDirectories(const std::string &dir,
                       std::vector<std::string> &created, std::string &error);

/// Removes the directories of \p dirs in order, each only when it is empty;
/// failures are ignored.
void removeDirectories(const std::vector<std::string> &dirs);

} // namespace io
} // namespace heed

#endif // HEED_IO_FILEUTIL_H
