//===- GemmBf16Bench.cpp - Heed's GEMMs with prepacked B vs oneDNN --------===//
//
// The linear-layer tiles of --precision=bf16 (issue 18), one thread:
// M x K x N = {64, 128} x {768, 3072} x 128, and whole layers 64 x 768 x
// 768 and 128 x 768 x 3072 (gemmBf16 rows: tile 128 = one call per 128
// columns, tile 0 = one call for all N), A f32 [M, K] row-major, the
// weight [N, K] (PyTorch layout) prepacked once, C f32 [M, N].
//
//   gemm/onednn_f32   oneDNN matmul f32, weights reordered once into the
//                     layout it picks (format_tag::any): the yardstick.
//   gemm/onednn_bf16  the same with bf16 A and weights (A converted by the
//                     caller beforehand, not timed).
//   gemm/f32          gemmF32 (GemmF32.h): f32 weights packed once in
//                     32-column panels, A read in place, no epilogue.
//   gemm/bf16_fma     gemmBf16, the Fma micro-kernel (A rounded per call).
//   gemm/bf16_dot     gemmBf16, the Dot (vdpbf16ps) micro-kernel.
//   gemm/bf16_fma_f32a gemmBf16, the FmaF32A micro-kernel (A f32 read in
//                     place, not rounded: f32 activations x bf16 weights).
//   peak/fma          back-to-back independent vfmadd231ps zmm (24 chains):
//                     the f32 FLOP peak of this core.
//   peak/dpbf16       the same with vdpbf16ps zmm.
//
// Counters: GFLOPs = 2 M N K / CPU time (peak rows: FLOPs of the
// instructions). CPU time, not wall time, because the development machines
// share their cores; wall time is the Time column.
//
//   build/bin/heed-bench-gemm --benchmark_repetitions=9
//       --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true
//
// (random interleaving runs the repetitions of all rows in a shuffled order,
// so a busy moment of the machine does not land on one variant.)
//
// Measured on a 2-core Emerald Rapids VM (model 207, AVX512_BF16, no AMX,
// cores shared with builds), medians of 9, CPU time in us:
//
//   M x K x N        onednn_f32  bf16_fma       bf16_dot       onednn_bf16
//   64 x 768 x 128         73.0  83.4 (0.88x)   147 (0.50x)    141
//   128 x 768 x 128         146   168 (0.87x)   296 (0.49x)    284
//   64 x 3072 x 128         308   328 (0.94x)   586 (0.53x)    577
//   128 x 3072 x 128        623   680 (0.92x)  1177 (0.53x)   1152
//   peak/fma 177 GFLOP/s, peak/dpbf16 86.5 GFLOP/s
//
// FmaF32A (A f32 in place, same machine, later run, medians of 9, us; f32
// = onednn_f32, tile 128 = one gemmBf16 call per 128 columns):
//
//   M x K x N          onednn_f32  bf16_fma_f32a   bf16_fma
//   64 x 768 x 128           71.9  77.6 (0.93x)    80.7
//   128 x 768 x 128           144   158 (0.91x)     161
//   64 x 3072 x 128           304   309 (0.98x)     325
//   128 x 3072 x 128          613   632 (0.97x)     666
//   64 x 768 x 768            465   455 (1.02x), tile 128: 464 (1.00x)
//   128 x 768 x 3072         3718  4096 (0.91x), tile 128: 3755 (0.99x)
//
// gemmF32 against oneDNN f32 (same run, interleaved, medians of 5, CPU
// time in us; whole K per kernel call, as gemmF32 runs K <= 4096):
//
//   M x K x N          onednn_f32  f32
//   64 x 768 x 128           72.7  72.5 (1.00x)
//   128 x 768 x 128           144   146 (0.99x)
//   64 x 3072 x 128           306   304 (1.01x)
//   128 x 3072 x 128          621   613 (1.01x)
//
// (one call over 3072 columns streams a 256-k block of all of B, 1.5 MiB,
// per block of rows: callers should pass column ranges of a few panels.)
//
// There vdpbf16ps issues once per ~2.2 cycles against two FMAs per cycle,
// so no vdpbf16ps kernel (Dot, oneDNN's bf16) can beat f32 and gemmBf16
// picks Fma, whose remaining gap to f32 is rounding and packing A per call
// (~7%) and widening B in registers (~4%).
//
//===----------------------------------------------------------------------===//

#include "../../runtime/kernels/cpu/GemmBf16.h"
#include "../../runtime/kernels/cpu/GemmF32.h"
#include "../../runtime/kernels/cpu/Intrinsics.h"
#include "heed/DType.h"

#include <benchmark/benchmark.h>
#include <dnnl.hpp>

#include <algorithm>
#include <dlfcn.h>
#include <memory>
#include <unordered_map>
#include <vector>

namespace {

using heed::rt::GemmBf16Kernel;

/// oneDNN (Debian's build) threads with OpenMP; pin it to this thread (see
/// AttentionBench.cpp).
void pinOpenMpToOneThread() {
  using SetThreads = void (*)(int);
  static bool done = [] {
    if (auto fn = (SetThreads)dlsym(RTLD_DEFAULT, "omp_set_num_threads"))
      fn(1);
    return true;
  }();
  (void)done;
}

/// Deterministic values in [-1, 1).
std::vector<float> randomFloats(int64_t n, uint64_t seed) {
  std::vector<float> x(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto &v : x) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    v = (float)((s >> 40) * (1.0 / (1ull << 23))) - 1.0f;
  }
  return x;
}

std::vector<uint16_t> toBf16(const std::vector<float> &x) {
  std::vector<uint16_t> y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = heed::floatToBf16(x[i]);
  return y;
}

void setCounters(benchmark::State &state, double flopsPerIteration) {
  state.counters["GFLOPs"] = benchmark::Counter(
      flopsPerIteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

enum class Kind { OneDnnF32, OneDnnBf16, Fma, Dot, FmaF32A, F32 };

void BM_Gemm(benchmark::State &state, Kind kind) {
  pinOpenMpToOneThread();
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  // Columns per gemmBf16 call (the caller's tile; 0: all N in one call).
  const int64_t tile = state.range(3) ? state.range(3) : N;
  std::vector<float> a = randomFloats(M * K, 1), w = randomFloats(N * K, 2);
  std::vector<float> c(M * N);
  const double flops = 2.0 * M * N * K;

  if (kind == Kind::F32) {
    if (!heed::rt::gemmF32Available()) {
      state.SkipWithError("this CPU does not run gemmF32");
      return;
    }
    heed::rt::PackedF32Matrix packed(w.data(), K, N, 1, K);
    heed::rt::GemmEpilogue ep;
    for (auto _ : state) {
      for (int64_t n0 = 0; n0 < N; n0 += tile)
        heed::rt::gemmF32(a.data(), M, K, packed, n0, std::min(tile, N - n0),
                          c.data() + n0, N, ep);
      benchmark::ClobberMemory();
    }
    setCounters(state, flops);
    return;
  }
  if (kind == Kind::Fma || kind == Kind::Dot || kind == Kind::FmaF32A) {
    GemmBf16Kernel kernel = kind == Kind::Fma   ? GemmBf16Kernel::Fma
                            : kind == Kind::Dot ? GemmBf16Kernel::Dot
                                                : GemmBf16Kernel::FmaF32A;
    if (!heed::rt::gemmBf16KernelAvailable(kernel)) {
      state.SkipWithError("this CPU does not run the kernel");
      return;
    }
    heed::rt::PackedBf16Matrix packed(w.data(), HEED_F32, K, N, 1, K);
    for (auto _ : state) {
      for (int64_t n0 = 0; n0 < N; n0 += tile)
        heed::rt::gemmBf16(a.data(), HEED_F32, M, K, packed, n0,
                           std::min(tile, N - n0), c.data() + n0, N, kernel);
      benchmark::ClobberMemory();
    }
    setCounters(state, flops);
    return;
  }

  using dnnl::memory;
  using dt = memory::data_type;
  const dt type = kind == Kind::OneDnnF32 ? dt::f32 : dt::bf16;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::vector<uint16_t> a16 = toBf16(a), w16 = toBf16(w);
  void *aData = type == dt::f32 ? (void *)a.data() : (void *)a16.data();
  void *wData = type == dt::f32 ? (void *)w.data() : (void *)w16.data();
  memory::desc aDesc({M, K}, type, {K, 1}), cDesc({M, N}, dt::f32, {N, 1});
  memory::desc wPlain({K, N}, type, {1, K}); // W[n][k]
  memory::desc wAny({K, N}, type, memory::format_tag::any);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::matmul::primitive_desc pd;
  try {
    pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(aDesc, wAny, cDesc),
                                      attr, engine);
  } catch (const dnnl::error &) {
    state.SkipWithError("oneDNN has no matmul of this type here");
    return;
  }
  memory wSrc(wPlain, engine, wData), wPacked(pd.weights_desc(), engine);
  dnnl::reorder(wSrc, wPacked).execute(stream, wSrc, wPacked);
  memory scratch(pd.scratchpad_desc(), engine);
  dnnl::matmul matmul(pd);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, memory(aDesc, engine, aData)},
      {DNNL_ARG_WEIGHTS, wPacked},
      {DNNL_ARG_DST, memory(cDesc, engine, c.data())},
      {DNNL_ARG_SCRATCHPAD, scratch}};
  stream.wait();
  for (auto _ : state) {
    matmul.execute(stream, args);
    stream.wait();
  }
  state.SetLabel(pd.impl_info_str());
  setCounters(state, flops);
}

/// The linear-layer tiles, then whole layers (QKV-style 768 x 768 and
/// FFN-style 768 x 3072) called once per 128-column tile or once for all
/// N (tile 0; oneDNN rows ignore the tile and always run all N).
void shapes(benchmark::internal::Benchmark *b) {
  b->ArgNames({"M", "K", "N", "tile"})->Unit(benchmark::kMicrosecond);
  for (int64_t K : {768, 3072})
    for (int64_t M : {64, 128})
      b->Args({M, K, 128, 0});
  b->Args({64, 768, 768, 128})->Args({64, 768, 768, 0});
  b->Args({128, 768, 3072, 128})->Args({128, 768, 3072, 0});
}

/// shapes() without the tiled repeats, for the rows that ignore the tile.
void wholeShapes(benchmark::internal::Benchmark *b) {
  b->ArgNames({"M", "K", "N", "tile"})->Unit(benchmark::kMicrosecond);
  for (int64_t K : {768, 3072})
    for (int64_t M : {64, 128})
      b->Args({M, K, 128, 0});
  b->Args({64, 768, 768, 0})->Args({128, 768, 3072, 0});
}

BENCHMARK_CAPTURE(BM_Gemm, onednn_f32, Kind::OneDnnF32)
    ->Name("gemm/onednn_f32")
    ->Apply(wholeShapes);
BENCHMARK_CAPTURE(BM_Gemm, onednn_bf16, Kind::OneDnnBf16)
    ->Name("gemm/onednn_bf16")
    ->Apply(wholeShapes);
BENCHMARK_CAPTURE(BM_Gemm, f32, Kind::F32)->Name("gemm/f32")->Apply(shapes);
BENCHMARK_CAPTURE(BM_Gemm, bf16_fma_f32a, Kind::FmaF32A)
    ->Name("gemm/bf16_fma_f32a")
    ->Apply(shapes);
BENCHMARK_CAPTURE(BM_Gemm, bf16_fma, Kind::Fma)
    ->Name("gemm/bf16_fma")
    ->Apply(shapes);
BENCHMARK_CAPTURE(BM_Gemm, bf16_dot, Kind::Dot)
    ->Name("gemm/bf16_dot")
    ->Apply(shapes);

//===----------------------------------------------------------------------===//
// Instruction peaks
//===----------------------------------------------------------------------===//

constexpr int kChains = 24;
constexpr int64_t kRounds = 1 << 14;

__attribute__((target("avx512f"), noinline)) float fmaPeak() {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  __m512 x = _mm512_set1_ps(1.0f), y = _mm512_set1_ps(0.0f);
  for (int64_t n = 0; n < kRounds; ++n) {
#pragma GCC unroll 24
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    asm volatile("" : "+v"(x));
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i)
    s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx512f,avx512bf16"), noinline)) float dpbf16Peak() {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  __m512i x = _mm512_set1_epi32(0x3F803F80); // (1, 1)
  for (int64_t n = 0; n < kRounds; ++n) {
#pragma GCC unroll 24
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_dpbf16_ps(acc[i], (__m512bh)x, (__m512bh)x);
    asm volatile("" : "+v"(x));
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i)
    s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

void BM_FmaPeak(benchmark::State &state) {
  if (!heed::rt::gemmBf16Available()) {
    state.SkipWithError("no AVX-512");
    return;
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(fmaPeak());
  setCounters(state, 32.0 * kChains * kRounds);
}

void BM_Dpbf16Peak(benchmark::State &state) {
  if (!heed::rt::gemmBf16KernelAvailable(GemmBf16Kernel::Dot)) {
    state.SkipWithError("no AVX512_BF16");
    return;
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(dpbf16Peak());
  setCounters(state, 64.0 * kChains * kRounds);
}

BENCHMARK(BM_FmaPeak)->Name("peak/fma")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Dpbf16Peak)->Name("peak/dpbf16")->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
