//===- Isolate.h - One process per variant (--isolate) ----------*- C++ -*-===//
//
// With --isolate, heed-bench runs each variant of each sweep point in a
// process of its own: it re-executes itself with the point's dimensions as
// --dim flags and two hidden flags, --bench-child=VARIANT and
// --bench-child-result=FILE. The child compiles and times that one variant
// and writes {"times_ms": [...], "memory_bytes": N, "peak_rss_bytes": N}
// to FILE; its peak resident memory (getrusage) includes the compiler and
// the weights, which the in-process memory column does not.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_ISOLATE_H
#define HEED_TOOLS_HEEDBENCH_ISOLATE_H

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>
#include <string>
#include <vector>

namespace heed::bench {

/// What a child process measured.
struct ChildResult {
  std::vector<double> timesMs;
  size_t memoryBytes = 0;
  double peakRssBytes = 0;
};

/// The peak resident memory of this process so far, in bytes.
double peakRssBytes();

/// The child's result file contents.
std::string childResultJson(const ChildResult &result);

/// Runs \p program with \p args (args[0] is the program's name) and reads
/// the result file \p resultPath it must write. False with \p error when
/// the child fails (its own errors went to stderr) or wrote no result.
bool runChild(const std::string &program, llvm::ArrayRef<std::string> args,
              const std::string &resultPath, ChildResult &result,
              std::string &error);

/// \p args without the flags named \p names (`--NAME VALUE`, `--NAME=VALUE`,
/// one dash or two; \p boolNames take no separate value).
std::vector<std::string> dropFlags(llvm::ArrayRef<std::string> args,
                                   llvm::ArrayRef<llvm::StringRef> names,
                                   llvm::ArrayRef<llvm::StringRef> boolNames);

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_ISOLATE_H
