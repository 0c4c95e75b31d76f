//===- MachinePeak.h - The machine heed-bench runs on -----------*- C++ -*-===//
//
// The yardstick of every GFLOP/s heed-bench prints: oneDNN's dnnl_sgemm on
// 2048 x 2048 x 2048 f32 matrices, timed in the benchmark's own process with
// as many OpenMP threads as the models get TBB threads. Debian's oneDNN
// threads with OpenMP; the sgemm runs on a thread of its own so that its
// OpenMP setting never reaches the threads that run models (the runtime
// keeps oneDNN single-threaded on those).
//
//===----------------------------------------------------------------------===//

#ifndef HEED_TOOLS_HEEDBENCH_MACHINEPEAK_H
#define HEED_TOOLS_HEEDBENCH_MACHINEPEAK_H

#include <string>

namespace heed::bench {

/// GFLOP/s of dnnl_sgemm 2048^3 with \p threads OpenMP threads: the median
/// of \p runs timed runs after one warm-up; 0 when oneDNN fails.
double measureSgemmGflops(int threads, int runs);

/// The CPU's model name from /proc/cpuinfo ("unknown CPU" elsewhere).
std::string cpuModelName();

/// The widest vector ISA the CPU has: "avx512", "avx2" or "sse".
std::string cpuVectorIsa();

/// The cores this process may run on (its affinity mask).
int availableCores();

} // namespace heed::bench

#endif // HEED_TOOLS_HEEDBENCH_MACHINEPEAK_H
