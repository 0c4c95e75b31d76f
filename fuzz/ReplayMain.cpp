//===- ReplayMain.cpp - A fuzz target's main without libFuzzer ------------===//
//
// Builds without libFuzzer (the default and asan presets) link every fuzz
// target with this main instead of libFuzzer's. It passes each file named
// on the command line, and every regular file under each folder named
// (recursively, in sorted order), to LLVMFuzzerTestOneInput once. The target
// aborts on a broken invariant and the sanitizers abort on their reports, so
// the exit status is 0 only when every input went through; an argument that
// does not exist, or a run with no input at all, exits 2.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace fs = std::filesystem;

/// Appends \p arg, or the regular files under it when it is a folder, to
/// \p inputs. Returns false when \p arg does not exist.
static bool collectInputs(const fs::path &arg, std::vector<fs::path> &inputs) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    inputs.push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec))
    return false;
  std::vector<fs::path> found;
  for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_regular_file(ec))
      found.push_back(it->path());
  if (ec)
    return false;
  std::sort(found.begin(), found.end());
  inputs.insert(inputs.end(), found.begin(), found.end());
  return true;
}

int main(int argc, char **argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i)
    if (!collectInputs(argv[i], inputs)) {
      std::fprintf(stderr, "%s: %s: no such file or folder\n", argv[0],
                   argv[i]);
      return 2;
    }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s FILE|FOLDER... (with at least one input)\n",
                 argv[0]);
    return 2;
  }
  for (const fs::path &path : inputs) {
    // Printed before the run, so that a crash's report follows its input.
    std::fprintf(stderr, "Running: %s\n", path.c_str());
    std::ifstream file(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                               std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], path.c_str());
      return 2;
    }
    // A heap copy of exactly the input's size (never null, even when
    // empty), as libFuzzer passes it, so that AddressSanitizer catches a
    // read past its end.
    std::unique_ptr<uint8_t[]> input(new uint8_t[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), input.get());
    LLVMFuzzerTestOneInput(input.get(), bytes.size());
  }
  std::fprintf(stderr, "%s: %zu inputs, every one went through\n", argv[0],
               inputs.size());
  return 0;
}
