//===- FileUtil.cpp - File helpers shared by the I/O formats --------------===//
//
// writeFileAtomically() is what writeNpy() and writeSafetensors() use to put
// a finished file in place; PendingFiles and createDirectories() are the
// all-or-nothing writing of several files into a directory (writeNpyFiles(),
// writeOutputDir(), writeAttentionDump()).
//
//===----------------------------------------------------------------------===//

#include "FileUtil.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

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

bool heed::io::PendingFiles::add(
    const std::string &path,
    const std::vector<std::pair<const void *, size_t>> &pieces,
    std::string &error) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    error = path + ": exists and is not a regular file";
    return false;
  }
  std::string tmp;
  if (!writeTemporaryFile(path, pieces, tmp, error))
    return false;
  files.emplace_back(path, tmp);
  return true;
}

bool heed::io::PendingFiles::commit(std::string &error) {
  for (size_t i = 0; i < files.size(); ++i)
    if (::rename(files[i].second.c_str(), files[i].first.c_str()) != 0) {
      error = files[i].first + ": cannot rename '" + files[i].second +
              "': " + std::strerror(errno);
      files.erase(files.begin(), files.begin() + (std::ptrdiff_t)i);
      discard();
      return false;
    }
  files.clear();
  return true;
}

void heed::io::PendingFiles::discard() {
  for (const auto &file : files)
    ::unlink(file.second.c_str());
  files.clear();
}

bool heed::io::createDirectories(const std::string &dir,
                                 std::vector<std::string> &created,
                                 std::string &error) {
  // The directories create_directories will make, deepest first.
  size_t before = created.size();
  std::error_code ec;
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty();
       p = p.parent_path()) {
    if (fs::exists(p, ec))
      break;
    created.push_back(p.string());
    if (p == p.parent_path())
      break;
  }
  auto fail = [&](const std::string &why) {
    error = "cannot create " + dir + ": " + why;
    removeDirectories(std::vector<std::string>(
        created.begin() + (std::ptrdiff_t)before, created.end()));
    created.resize(before);
    return false;
  };
  if (!fs::create_directories(dir, ec) && ec)
    return fail(ec.message());
  if (!fs::is_directory(dir, ec))
    return fail("it is not a directory");
  return true;
}

void heed::io::removeDirectories(const std::vector<std::string> &dirs) {
  std::error_code ec;
  for (const std::string &d : dirs)
    fs::remove(d, ec);
}
