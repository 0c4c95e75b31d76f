//===- Progress.h - Progress of a benchmark on stderr -----------*- C++ -*-===//
//
// On a terminal, one line redrawn in place: a bar, the point and variant
// being measured, and the time left, estimated from the time per unit of
// work so far, where a point's work is its dense-equivalent FLOPs times its
// runs. Otherwise (a log, a pipe, lit) one line per finished point.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_PROGRESS_H
#define HEED_TOOLS_HEEDBENCH_PROGRESS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <chrono>
#include <string>
#include <vector>

namespace heed::bench {

class Progress {
public:
  /// \p pointWork: the relative work of each point (any unit).
  Progress(std::vector<double> pointWork, bool terminal);
  /// Point \p point is \p fraction (0..1) done; \p what says what runs now.
  void update(size_t point, double fraction, llvm::StringRef what);
  /// Point \p point is done; \p summary is its line for a non-terminal.
  void finishPoint(size_t point, llvm::StringRef summary);
  /// Clears the bar (before printing other text to stderr).
  void clear();

private:
  std::vector<double> work;
  double totalWork = 0;
  bool terminal;
  bool drawn = false;
  std::chrono::steady_clock::time_point start;
};

/// "1h02m", "3m07s", "12s".
std::string formatDuration(double seconds);

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_PROGRESS_H
