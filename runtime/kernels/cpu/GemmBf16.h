//===- GemmBf16.h - bf16 GEMM with a prepacked B ----------------*- C++ -*-===//
//
// C = A B with A and B rounded to bf16 (nearest even) and f32 accumulation,
// for linear layers at --precision=bf16: B (the weights) is packed once, A
// (the activations) is rounded and packed per call, C stays f32 (bias,
// activation and residual are the caller's).
//
// Packed B: panels of kGemmBf16PanelCols = 32 columns; within a panel, pair
// t holds 32 words, word n = (bf16 B[2t][n] in the low half, B[2t + 1][n] in
// the high half), the vdpbf16ps operand layout. K is zero padded to a
// multiple of 32 (whole chunks of 16 pairs, the unit the micro-kernels
// step through), N to a multiple of 32. 2 bytes per element of B plus the
// padding.
//
// Two micro-kernels read that layout, both broadcasting A from a per-call
// packed copy of a block of its rows (rounded to bf16) against vectors of B:
//
//   Dot  vdpbf16ps (AVX512_BF16): one instruction multiplies and adds a
//        pair of K per lane, twice the work of an f32 FMA. Register block
//        14 rows x 32 columns, A packed as bf16 pairs.
//   Fma  f32 FMAs on B's pairs widened in registers (a shift gives B[2t],
//        a mask B[2t + 1]: 2 operations per 56 FMAs) and A packed as f32
//        values of its bf16 rounding. Register block 28 rows x 16 columns
//        (half a panel). Needs only AVX-512F and BW.
//
// A third reads f32 A in place, unrounded, for f32 activations times bf16
// weights:
//
//   FmaF32A  f32 FMAs on B widened like Fma, A broadcast straight from its
//            rows (row stride lda, no copy, no rounding). Register block
//            14 rows x 32 columns (a whole panel), each broadcast feeding
//            2 FMAs. Needs only AVX-512F and BW. Its result is not the
//            others': the products are f32 A times bf16 B, rounded to f32.
//            No per-call work on A, so it is the fastest of the three where
//            vdpbf16ps is not faster than f32 FMAs (Emerald Rapids, one
//            core: 0.97-0.98x oneDNN's f32 matmul for K = 3072 tiles,
//            0.92-0.93x for K = 768 tiles, 1.0x for whole 768 x 768 layers;
//            bench/micro/GemmBf16Bench.cpp). Wide column ranges (thousands
//            of columns in one call) lose ~8%: pass a few panels per call.
//
// The products of bf16 values are exact in f32, so both compute the same
// sums up to the order and rounding of the f32 additions. Denormals:
// vdpbf16ps reads denormal inputs as zero and flushes denormal results to
// zero; Fma keeps them, except that f32 A is rounded with vcvtne2ps2bf16
// where the CPU has it, which reads denormals as zero too.
//
// Which one is faster depends on the CPU, not the shapes: on Sapphire and
// Emerald Rapids vdpbf16ps issues once per ~2 cycles where an FMA issues
// twice per cycle, so Dot peaks at half the f32 FLOP rate (measured on
// Emerald Rapids: 86 vs 180 GFLOP/s on one core, peak/dpbf16 and peak/fma
// of bench/micro/GemmBf16Bench.cpp; oneDNN's own bf16 matmul is capped the
// same way), and Fma, at ~0.9 x oneDNN's f32 matmul, is the faster one.
// Intel's answer to bf16 there is AMX, which Heed does not use. AMD Zen 4/5
// and Cooper Lake run vdpbf16ps at the FMA rate (public measurements: 2 x
// f32), so Dot should be faster there (not measured here).
// gemmBf16PreferredKernel() picks by CPU.
//
// Single-threaded: callers parallelise over tiles of rows and panels.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_GEMMBF16_H
#define HEED_RUNTIME_KERNELS_GEMMBF16_H

#include "heed/runtime.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace heed::rt {

/// Columns per panel of a PackedBf16Matrix: gemmBf16's n0 is a multiple.
constexpr int64_t kGemmBf16PanelCols = 32;

/// The micro-kernels (see the file comment). Auto is
/// gemmBf16PreferredKernel(). FmaF32A reads f32 A unrounded; for bf16 A
/// (exact in f32 anyway) gemmBf16 runs Fma instead, the same sums.
enum class GemmBf16Kernel : uint8_t { Auto, Fma, Dot, FmaF32A };

/// Whether gemmBf16 can run at all: AVX-512F and BW (the Fma kernel).
bool gemmBf16Available();

/// Whether this CPU runs \p kernel (Dot also needs AVX512_BF16; Auto is
/// gemmBf16Available()).
bool gemmBf16KernelAvailable(GemmBf16Kernel kernel);

/// The faster kernel on this CPU: Dot on AMD and on Cooper Lake (vdpbf16ps
/// at full rate), Fma elsewhere, and Fma where Dot is unavailable. Fixed
/// for the process, so results do not depend on timing.
GemmBf16Kernel gemmBf16PreferredKernel();

/// The faster kernel on this CPU for f32 activations times bf16 weights,
/// where the caller accepts either precision of A: Dot where
/// gemmBf16PreferredKernel() is Dot (vdpbf16ps at the FMA rate: twice the
/// f32 work per instruction, worth rounding A to bf16 per call), FmaF32A
/// elsewhere (A kept f32, no per-call work on A). Fixed for the process.
/// Callers that need A unrounded pass FmaF32A instead.
GemmBf16Kernel gemmBf16PreferredF32AKernel();

/// B (K x N) packed once for gemmBf16 (layout in the file comment).
class PackedBf16Matrix {
public:
  /// Packs the K x N matrix whose element (k, n) is at
  /// src[k * kStride + n * nStride] (in elements). \p dtype is HEED_F32
  /// (rounded to bf16, nearest even, NaN stays NaN) or HEED_BF16; anything
  /// else throws std::invalid_argument. A linear layer's weight [N, K]
  /// (PyTorch layout) is kStride = 1, nStride = K.
  PackedBf16Matrix(const void *src, heed_dtype dtype, int64_t K, int64_t N,
                   int64_t kStride, int64_t nStride);

  int64_t rows() const { return K; }
  int64_t cols() const { return N; }
  /// Bytes of packed storage (with the padding).
  size_t bytes() const {
    return (size_t)(panelCount() * panelWords()) * sizeof(uint32_t);
  }

  /// K pairs per panel, padded to a multiple of 16.
  int64_t pairs() const { return paddedPairs; }
  int64_t panelCount() const {
    return (N + kGemmBf16PanelCols - 1) / kGemmBf16PanelCols;
  }
  int64_t panelWords() const { return paddedPairs * kGemmBf16PanelCols; }
  /// The words of panel \p p (columns [32 p, 32 p + 32)), 64-byte aligned.
  const uint32_t *panel(int64_t p) const {
    return data.get() + p * panelWords();
  }

private:
  struct Free {
    void operator()(uint32_t *p) const;
  };
  int64_t K, N, paddedPairs;
  std::unique_ptr<uint32_t, Free> data;
};

/// C[m * ldc + n] = sum_k bf16(A[m * lda + k]) * B[k][n0 + n] for m < M,
/// n < nCount, f32 accumulation; C is overwritten. \p aType is HEED_F32
/// (rounded to bf16 on the fly, nearest even) or HEED_BF16. With \p kernel
/// FmaF32A and f32 A, A is not rounded: C = sum_k A[m][k] * B[k][n0 + n]
/// in f32, A read in place (no packing, no scratch; rows must hold K
/// readable floats, nothing past them is read). \p n0 is a
/// multiple of kGemmBf16PanelCols and n0 + nCount <= B.cols(). A is
/// packed per call, a block at a time, into a fixed thread_local buffer
/// (28 KiB per kernel and thread), so no allocation and no caller scratch.
/// The work of rounding and packing A is per call and per M x K, so wider
/// column ranges amortise it better (it is ~5% of a 64 x 768 x 128 call).
/// Single-threaded. Needs gemmBf16Available() (and
/// gemmBf16KernelAvailable(kernel)).
void gemmBf16(const void *A, heed_dtype aType, int64_t M, int64_t lda,
              const PackedBf16Matrix &B, int64_t n0, int64_t nCount, float *C,
              int64_t ldc, GemmBf16Kernel kernel = GemmBf16Kernel::Auto);

namespace detail {
/// Tests only: whether Fma rounds f32 A with vcvtne2ps2bf16 where the CPU
/// has it (the default) or with the integer operations of CPUs without
/// AVX512_BF16, so that both are tested on one machine.
void setGemmBf16CvtRounding(bool enabled);
} // namespace detail

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_GEMMBF16_H
