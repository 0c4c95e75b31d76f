//===- GemmF32.h - f32 GEMM with a prepacked B and a fused epilogue -*- C++
//-*-===//
//
// Y = epilogue(A B) in f32 for linear and matmul with constant weights: B
// (the weights) is packed once at load, A (the activations) is read in
// place, and the epilogue (scale, bias, activation, residual; GemmEpilogue.h)
// is applied in registers as the sums are stored, straight into a strided Y.
// No oneDNN call, no per-call packing, no allocation and no copy of the
// output: what oneDNN's tiles cost Heed on top of their arithmetic (a dense
// staging tile and a copy per tile when Y has several column blocks, a
// staged residual, ~25 heap allocations per call).
//
// Packed B: panels of kGemmF32PanelCols = 32 columns, row k of a panel the
// 32 values B[k][32 p .. 32 p + 32), N zero padded to a whole panel. 4
// bytes per element of B plus the padding.
//
// Micro-kernel: 14 rows x 32 columns (28 accumulators), each step of K two
// aligned loads of B and 14 broadcasts of A from its rows in place
// (GemmRows.h), 28 FMAs; the sums of a whole row of K stay in registers.
// One thread, heed-bench-gemm gemm/f32 against oneDNN's f32 brgemm matmul
// with prepacked weights: 0.99-1.02x for M = 64 and 128, K = 768 and 3072,
// N = 128 (the linear-layer tiles of BERT-base). In a model the weights
// come from memory once per run: the first block of rows of a call
// prefetches B 4 KiB ahead, the later ones find it in L2. K past 4096 is cut
// into blocks, with the partial sums of a block of rows in a fixed thread_local
// buffer (14 x 512 floats, 28 KiB); the output is written only after the
// last block, with the epilogue, so the residual may be Y itself.
//
// Single-threaded: callers parallelise over tiles of rows and panels.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_GEMMF32_H
#define HEED_RUNTIME_KERNELS_GEMMF32_H

#include "GemmEpilogue.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace heed::rt {

/// Columns per panel of a PackedF32Matrix: gemmF32's n0 is a multiple.
constexpr int64_t kGemmF32PanelCols = 32;

/// Whether gemmF32 can run: AVX-512F and BW.
bool gemmF32Available();

/// B (K x N, f32) packed once for gemmF32 (layout in the file comment).
class PackedF32Matrix {
public:
  /// Packs the K x N matrix whose element (k, n) is at
  /// src[k * kStride + n * nStride] (in elements). A linear layer's weight
  /// [N, K] (PyTorch layout) is kStride = 1, nStride = K. Throws
  /// std::bad_alloc when the memory cannot be had.
  PackedF32Matrix(const float *src, int64_t K, int64_t N, int64_t kStride,
                  int64_t nStride);

  int64_t rows() const { return K; }
  int64_t cols() const { return N; }
  int64_t panelCount() const {
    return (N + kGemmF32PanelCols - 1) / kGemmF32PanelCols;
  }
  /// Bytes of packed storage (with the padding).
  size_t bytes() const {
    return (size_t)(panelCount() * K * kGemmF32PanelCols) * sizeof(float);
  }
  /// The K x 32 floats of panel \p p, 64-byte aligned.
  const float *panel(int64_t p) const {
    return data.get() + p * K * kGemmF32PanelCols;
  }

private:
  struct Free {
    void operator()(float *p) const;
  };
  int64_t K, N;
  std::unique_ptr<float, Free> data;
};

/// Y[m * ldy + n] = ep(sum_k A[m * lda + k] * B[k][n0 + n]) for m < M,
/// n < nCount, f32; rows of A must hold K readable floats. \p n0 is a
/// multiple of kGemmF32PanelCols, n0 + nCount <= B.cols() and K > 0. The
/// epilogue's bias and residual are indexed from the call's first column
/// (column n0 of B) and row. Single-threaded; needs gemmF32Available().
void gemmF32(const float *A, int64_t M, int64_t lda, const PackedF32Matrix &B,
             int64_t n0, int64_t nCount, float *Y, int64_t ldy,
             const GemmEpilogue &ep);

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_GEMMF32_H
