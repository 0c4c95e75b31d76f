//===- InputFile.cpp - A fuzz input as a file on disk ---------------------===//

#include "InputFile.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <unistd.h>

namespace {

[[noreturn]] void fatal(const std::string &what) {
  std::fprintf(stderr, "fuzz input file: %s: %s\n", what.c_str(),
               std::strerror(errno));
  std::abort();
}

/// The private folder and the paths of the files written into it.
class FuzzFolder {
public:
  FuzzFolder() {
    std::string pattern = baseFolder() + "/heed-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      fatal("cannot create a folder from " + pattern);
    dir = pattern;
  }

  /// Removes every file in the folder (inputs may have created none but
  /// ours; the readers only read) and the folder itself.
  ~FuzzFolder() {
    if (DIR *d = ::opendir(dir.c_str())) {
      while (struct dirent *entry = ::readdir(d))
        if (std::strcmp(entry->d_name, ".") && std::strcmp(entry->d_name, ".."))
          ::unlink((dir + "/" + entry->d_name).c_str());
      ::closedir(d);
    }
    ::rmdir(dir.c_str());
  }

  const std::string &write(const std::string &name, const uint8_t *data,
                           size_t size) {
    std::string &path = paths[name];
    if (path.empty())
      path = dir + "/" + name;
    // A new file rather than the old one truncated: ext4 flushes a file
    // truncated and rewritten to disk at its close (auto_da_alloc), which
    // slows fuzzing a hundredfold.
    ::unlink(path.c_str());
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      fatal("cannot create " + path);
    while (size > 0) {
      ssize_t n = ::write(fd, data, size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        fatal("cannot write " + path);
      data += n;
      size -= (size_t)n;
    }
    if (::close(fd) != 0)
      fatal("cannot close " + path);
    return path;
  }

private:
  /// $HEED_FUZZ_TMPDIR, else /dev/shm (memory) when writable, else $TMPDIR,
  /// else /tmp.
  static std::string baseFolder() {
    if (const char *dir = std::getenv("HEED_FUZZ_TMPDIR"); dir && *dir)
      return dir;
    if (::access("/dev/shm", W_OK | X_OK) == 0)
      return "/dev/shm";
    if (const char *dir = std::getenv("TMPDIR"); dir && *dir)
      return dir;
    return "/tmp";
  }

  std::string dir;
  std::map<std::string, std::string> paths;
};

} // namespace

const std::string &heed::fuzz::writeInputFile(const std::string &name,
                                              const uint8_t *data,
                                              size_t size) {
  static FuzzFolder folder;
  return folder.write(name, data, size);
}
