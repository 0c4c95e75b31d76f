//===- FileUtil.cpp - File helpers shared by the I/O formats --------------===//
//
// writeFileAtomically() is what writeNpy() and writeSafetensors() use to put
// a finished file in place.
//
//===----------------------------------------------------------------------===//

#include "FileUtil.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

bool heed::io::writeTemporaryFile(
    const std::string &path,
    const std::vector<std::pair<const void *, size_t>> &pieces,
    std::string &tmp, std::string &error) {
  static std::atomic<unsigned> counter{0};
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
          std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0) {
    error = path + ": cannot create temporary file '" + tmp +
            "': " + std::strerror(errno);
    return false;
  }
  auto failWith = [&](const std::string &what) {
    error = path + ": " + what + ": " + std::strerror(errno);
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  for (const auto &piece : pieces) {
    const char *p = static_cast<const char *>(piece.first);
    size_t left = piece.second;
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return failWith("cannot write '" + tmp + "'");
      }
      p += n;
      left -= (size_t)n;
    }
  }
  if (::fsync(fd) != 0)
    return failWith("cannot flush '" + tmp + "'");
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0)
    return failWith("cannot close '" + tmp + "'");
  return true;
}

bool heed::io::writeFileAtomically(
    const std::string &path,
    const std::vector<std::pair<const void *, size_t>> &pieces,
    std::string &error) {
  std::string tmp;
  if (!writeTemporaryFile(path, pieces, tmp, error))
    return false;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": cannot rename '" + tmp + "' to '" + path +
            "': " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}
