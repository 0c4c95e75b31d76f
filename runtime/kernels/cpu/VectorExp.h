//===- VectorExp.h - Vectorised f32 exp for the softmax kernels -*- C++ -*-===//
//
// A single-precision exp with three implementations, picked once per process
// with __builtin_cpu_supports: AVX-512F (16 lanes), AVX2 + FMA (8 lanes) and
// portable scalar code. The SIMD paths are compiled with function-level
// target attributes, so libheedrt still builds for, and runs on, any x86-64.
//
// Algorithm (the same sequence of operations in every path):
//   xc = min(max(x, -87.3), 88.7228317)
//   n  = round(xc * log2(e))              (fma with the 1.5 * 2^23 shifter)
//   r  = xc - n * C1 - n * C2             (Cody-Waite, C1 + C2 = ln 2, C1 has
//                                          9 significant bits: n * C1 exact)
//   p  = 1 + r (1 + r (c2 + r (c3 + r (c4 + r (c5 + r c6)))))
//        (degree-6 minimax for exp on [-ln2/2, ln2/2] with c0 = c1 = 1, its
//         own relative error 5.5e-9 with the coefficients rounded to f32)
//   exp(x) = p * 2^n                      (n added to p's exponent bits)
// and then, exactly:
//   x < -87.3 (including -inf) -> +0.0   (results that would be subnormal or
//                                          just above FLT_MIN flush to zero;
//                                          the flash kernel relies on
//                                          exp(-inf) == 0 for masked scores)
//   x > 88.7228317 (the largest x with a finite f32 exp; includes +inf)
//                              -> +inf
//   NaN                        -> the same NaN
//
// Accuracy, measured against double-precision std::exp on EVERY f32 in
// [-87, 88] (2,237,530,114 values; the same maxima on the whole unflushed,
// unsaturated range [-87.3, 88.7228317]) and on the special values above:
//   path     max relative error    max error in ulp of the f32 result
//   avx512   7.58e-8               0.916 ulp
//   avx2     7.58e-8               0.916 ulp     (bitwise equal to avx512)
//   scalar   9.99e-8               1.209 ulp     (no FMA: mul + add)
// (AMD EPYC, GCC 12; measured 2026-11-24.)
// Every op is IEEE-rounded and the AVX2 and AVX-512 paths run the same fused
// multiply-adds, so they give bitwise identical results (tested); the scalar
// path rounds its products separately and may differ in the last bit.
// expScalar uses the FMA variant of the scalar code when the chosen path is
// a SIMD one, so it always matches expInPlace bit for bit.
//
// test/unit/runtime/VectorExpTest.cpp checks these bounds (on a strided
// subset of the f32 values), the special values, tails that are not a
// multiple of the lane count, and the path equalities. docs/performance.md
// repeats the table.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_VECTOREXP_H
#define HEED_RUNTIME_KERNELS_VECTOREXP_H

#include <cstdint>

namespace heed::rt {

/// An implementation of the vectorised exp.
enum class ExpPath { Scalar = 0, Avx2 = 1, Avx512 = 2 };

/// "scalar", "avx2", "avx512".
const char *expPathName(ExpPath path);

/// Whether this CPU (and OS) can run \p path. Scalar always can.
bool expPathAvailable(ExpPath path);

/// The path expInPlace uses: the widest available, chosen once per process.
ExpPath bestExpPath();

/// x[i] = exp(x[i]) for i in [0, n), on the best path. Any n >= 0; x needs
/// no alignment.
void expInPlace(float *x, int64_t n);

/// expInPlace on a given path (for tests and benchmarks). \p path must be
/// available (expPathAvailable); an unavailable path falls back to scalar.
void expInPlaceWith(ExpPath path, float *x, int64_t n);

/// exp of one value, bitwise equal to what expInPlace gives for it.
float expScalar(float x);

/// The softmax inner loop in one pass: x[i] = exp(x[i] * scale - shift)
/// (the argument is one fused multiply-add on the SIMD paths; x[i] = -inf
/// with scale > 0 gives exactly 0), and returns the sum of the new x[i]. \p
/// shift must be finite (a row's running max; keep rows whose max is -inf out).
/// The sum is accumulated in f32 lanes and reduced in a fixed order, so it
/// depends only on the inputs and the path (not on threads or alignment);
/// the AVX2 and AVX-512 sums may differ in the last bits (lane count).
float expScaleShiftSum(float *x, int64_t n, float scale, float shift);
float expScaleShiftSumWith(ExpPath path, float *x, int64_t n, float scale,
                           float shift);

/// x[i] = exp(x[i]) through the AVX-512 exp without the saturation to +inf
/// that the flash attention micro-kernels use for x <= 0 (for tests: it must
/// equal expInPlace there bit for bit). Needs expWeightsAvailable().
void expUnsaturatedInPlace(float *x, int64_t n);

/// Whether expWeightsInPlace and expUnsaturatedInPlace run here (AVX-512F).
bool expWeightsAvailable();

/// x[i] = the softmax-weights exp of x[i] (VectorExpAvx512.h's expWeights16:
/// for x <= 0, relative error below 1e-4, for weights rounded to bf16
/// next), for tests. Needs expWeightsAvailable(); does nothing otherwise.
void expWeightsInPlace(float *x, int64_t n);

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_VECTOREXP_H
