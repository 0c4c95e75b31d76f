//===- Report.h - heed-bench's table and JSON -------------------*- C++ -*-===//
//
// One row per (sweep point, variant): the time statistics, GFLOP/s
// dense-equivalent (the FLOPs of the unfused graph, the same for every
// variant of a point, so the column compares like with like) and effective
// (the variant's own graph, counting only the attention pairs it visits),
// the effective rate as a fraction of the measured sgemm peak, the model's
// memory (heed_model_memory_bytes: arena plus kernel scratch) and the
// speedup over the unfused variant of the same point.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_REPORT_H
#define HEED_TOOLS_HEEDBENCH_REPORT_H

#include "Measure.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace heed::bench {

/// The machine, as measured at the start and the end of the benchmark.
struct Machine {
  std::string cpu;
  std::string isa;
  int cores = 0;
  int threads = 0;
  double sgemmGflopsBefore = 0, sgemmGflopsAfter = 0;
  /// The peak every fraction is relative to: the better of the two.
  double sgemmGflops() const {
    return sgemmGflopsBefore > sgemmGflopsAfter ? sgemmGflopsBefore
                                                : sgemmGflopsAfter;
  }
};

/// One variant at one sweep point.
struct Result {
  std::string model;
  /// The dimensions bound by --dim and the sweep point.
  std::map<std::string, int64_t> dims;
  std::string variant;
  TimeStats time;
  /// Dense-equivalent FLOPs per run (the unfused graph's).
  double flops = 0;
  /// The variant's own effective FLOPs per run.
  double effectiveFlops = 0;
  size_t memoryBytes = 0;
  /// With --isolate: the peak resident memory of the variant's process.
  std::optional<double> peakRssBytes;
  double speedupVsUnfused = 0;
  /// Whether the variant's plan is the unfused one's (not with --isolate).
  std::optional<bool> samePlanAsUnfused;
  /// Largest relative output difference from the unfused variant.
  std::optional<double> maxRelDiff;
  /// With --generate: `time` is the decode time per generated token (one
  /// run of the model, whose FLOPs the rates use), this the prefill time
  /// per prompt token, and the token counts.
  std::optional<TimeStats> prefillPerToken;
  size_t promptTokens = 0, generatedTokens = 0;

  double gflops() const { return rate(flops); }
  double effectiveGflops() const { return rate(effectiveFlops); }

private:
  double rate(double f) const {
    return time.medianMs > 0 ? f / (time.medianMs * 1e6) : 0;
  }
};

/// Prints the table of one sweep point: a heading line naming the model,
/// the point and its FLOPs, then a row per variant.
void printPointTable(llvm::raw_ostream &os, llvm::StringRef heading,
                     llvm::ArrayRef<Result> rows, const Machine &machine);

/// The --json document: {"machine": {...}, "command": ..., "sweep": [...],
/// "results": [...]} (docs/bench.md lists every key).
std::string resultsJson(const Machine &machine, const std::string &command,
                        llvm::ArrayRef<std::string> sweepNames,
                        llvm::ArrayRef<Result> results);

/// Writes \p contents to \p path through a temporary file renamed into
/// place, so that a failure leaves no partial file.
bool writeFileAtomically(const std::string &path, const std::string &contents,
                         std::string &error);

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_REPORT_H
