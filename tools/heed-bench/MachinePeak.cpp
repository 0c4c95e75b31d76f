//===- MachinePeak.cpp - The machine heed-bench runs on -------------------===//

#include "MachinePeak.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <dlfcn.h>
#include <fstream>
#include <sched.h>
#include <thread>
#include <vector>

namespace heed::bench {

namespace {

constexpr int64_t kN = 2048;

/// Deterministic values in [-1, 1).
void fillRandom(std::vector<float> &x, uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (float &v : x) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    v = (float)((double)(s >> 11) * 0x1.0p-53 * 2.0 - 1.0);
  }
}

/// oneDNN loads libgomp; omp_set_num_threads is found at run time so that
/// heed-bench need not link OpenMP itself.
void setOpenMpThreads(int threads) {
  using SetThreads = void (*)(int);
  if (auto fn = (SetThreads)dlsym(RTLD_DEFAULT, "omp_set_num_threads"))
    fn(threads);
}

} // namespace

double measureSgemmGflops(int threads, int runs) {
  double gflops = 0;
  std::thread worker([&] {
    setOpenMpThreads(threads);
    std::vector<float> a(kN * kN), b(kN * kN), c(kN * kN);
    fillRandom(a, 1);
    fillRandom(b, 2);
    auto gemm = [&] {
      return dnnl_sgemm('N', 'N', kN, kN, kN, 1.0f, a.data(), kN, b.data(), kN,
                        0.0f, c.data(), kN) == dnnl_success;
    };
    if (!gemm())
      return;
    std::vector<double> rates;
    for (int i = 0; i < std::max(1, runs); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (!gemm())
        return;
      double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      rates.push_back(2.0 * kN * kN * kN / s * 1e-9);
    }
    std::sort(rates.begin(), rates.end());
    gflops = rates[rates.size() / 2];
  });
  worker.join();
  return gflops;
}

std::string cpuModelName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(" \t", colon + 1);
        if (start != std::string::npos)
          return line.substr(start);
      }
    }
  return "unknown CPU";
}

std::string cpuVectorIsa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return "avx512";
  if (__builtin_cpu_supports("avx2"))
    return "avx2";
  return "sse";
}

int availableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

} // namespace heed::bench
