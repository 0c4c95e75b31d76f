//===- TestUtil.h - Helpers shared by the HeedIO unit tests -----*- C++ -*-===//
//
// A temporary directory, byte and file helpers, and HostTensor builders used
// by NpyTest.cpp and SafetensorsTest.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TEST_UNIT_IO_TESTUTIL_H
#define HEED_TEST_UNIT_IO_TESTUTIL_H

#include "heed/io/HostTensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace heed {
namespace io {
namespace testutil {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
/// the test ends.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base && *base ? base : "/tmp") + "/heed-io-test-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()))
      dir = buf.data();
    EXPECT_FALSE(dir.empty()) << "mkdtemp failed for " << pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!dir.empty())
      std::filesystem::remove_all(dir, ec);
  }

  /// Returns the path of \p name inside the directory.
  std::string path(const std::string &name) const { return dir + "/" + name; }

  /// Returns the names of the entries in the directory, sorted.
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator(dir))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir;
};

/// Turns a string literal that may hold NUL bytes into a std::string.
template <size_t N> std::string bytesOf(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

/// Writes \p bytes to \p path.
inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), (std::streamsize)bytes.size());
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

/// Returns the contents of \p path.
inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Builds a tensor from the raw bytes of \p values.
template <typename T>
HostTensor makeTensor(DType dtype, std::vector<int64_t> shape,
                      const std::vector<T> &values) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data.resize(values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

/// Reinterprets the data of \p t as elements of type T.
template <typename T> std::vector<T> valuesOf(const HostTensor &t) {
  std::vector<T> values(t.data.size() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), t.data.data(), values.size() * sizeof(T));
  return values;
}

/// Returns true when \p haystack contains \p needle.
inline bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace testutil
} // namespace io
} // namespace heed

#endif // HEED_TEST_UNIT_IO_TESTUTIL_H
