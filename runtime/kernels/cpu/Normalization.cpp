//===- Normalization.cpp - Softmax, layer/RMS/batch norm kernels ----------===//
//
// Kernels (inputs -> outputs; attributes with defaults; all f32):
//   softmax, log_softmax : x -> y
//     axis (int, required, non-negative). Each row along `axis` has its max
//     subtracted; a row that is all -inf gives zeros (softmax) or -inf
//     (log_softmax), never NaN.
//   layer_norm : x, weight [D], bias [D] (, residual) -> y (, sum)
//     eps (float, 1e-5), has_residual (0/1, 0), emit_sum (0/1, 0).
//     Normalises over the last dim D with the biased variance:
//     (s - mean) / sqrt(var + eps) * weight + bias, where s = x, or
//     s = x + residual (residual shaped like x) with has_residual = 1.
//     emit_sum = 1 (needs has_residual = 1) adds a second output, s itself,
//     shaped like x, for the next residual connection.
//   rms_norm : x, weight [D] (, residual) -> y (, sum)
//     eps (float, 1e-6), has_residual, emit_sum as for layer_norm:
//     s / sqrt(mean(s^2) + eps) * weight.
//   batch_norm : x [N, C, ...], weight, bias, running_mean, running_var [C]
//     -> y; eps (float, 1e-5). Inference:
//     (x - running_mean[c]) / sqrt(running_var[c] + eps) * weight[c] + bias[c].
//
// Every row is reduced by exactly one chunk of parallelChunks, in a fixed
// order (sums and variances in double), so results are bitwise identical
// for any thread count. Rows reduce in index order, except layer_norm's
// with AVX-512, in 8 double lanes (lane j sums the elements j mod 8): the
// lanes change only the rounding of the double sums. Outputs may alias their
// input exactly (an in-place plan): each row is read completely before it is
// overwritten.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Intrinsics.h"
#include "Kernel.h"
#include "KernelAttrs.h"
#include "OneDnn.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace heed::rt {
namespace {

/// Elements per chunk of parallel work (chunks hold whole rows).
constexpr int64_t kGrain = 16384;
/// Columns processed together by softmax over a non-last axis.
constexpr int64_t kColumnBlock = 64;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Rows per chunk for rows of \p rowSize elements.
int64_t rowGrain(int64_t rowSize) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(rowSize, 1));
}

int64_t product(const std::vector<int64_t> &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

/// Fails unless output \p i is f32 with the shape of input 0.
void expectOutputLikeX(const KernelSignature &sig, size_t i) {
  sig.expectOutputDType(i, HEED_F32);
  if (sig.outputs[i].shape != sig.inputs[0].shape)
    sig.shapeError("output " + std::to_string(i) + " " + sig.outputs[i].str() +
                   " must have the shape of x " + sig.inputs[0].str());
}

/// Fails unless input \p i (called \p name) is f32[\p n]; \p what says where
/// n comes from.
void expectParam(const KernelSignature &sig, size_t i, const char *name,
                 int64_t n, const std::string &what) {
  sig.expectInputDType(i, HEED_F32);
  const TensorDesc &p = sig.inputs[i];
  if (p.rank() != 1 || p.shape[0] != n)
    sig.shapeError(std::string(name) + " " + p.str() + " must be [" +
                   std::to_string(n) + "], " + what + " " +
                   sig.inputs[0].str());
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

/// x viewed as [outer, extent, inner]; the softmax runs along extent.
class SoftmaxKernel : public Kernel {
public:
  SoftmaxKernel(int64_t outer, int64_t extent, int64_t inner, bool log)
      : outer(outer), extent(extent), inner(inner), log(log) {}

  void run(const void *const *in, void *const *out) override {
    const float *x = static_cast<const float *>(in[0]);
    float *y = static_cast<float *>(out[0]);
    if (inner == 1) {
      parallelChunks(outer, rowGrain(extent), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o)
          contiguousRow(x + o * extent, y + o * extent);
      });
      return;
    }
    // A non-last axis: each unit is one block of up to kColumnBlock adjacent
    // columns of one outer index. Loops run over i outside, columns inside
    // (contiguous), and each column still reduces its own elements in index
    // order, exactly as a row-by-row loop would.
    int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
    parallelChunks(outer * blocks, rowGrain(extent * kColumnBlock),
                   [&](int64_t b, int64_t e) {
                     std::vector<float> max(kColumnBlock);
                     std::vector<double> sum(kColumnBlock);
                     for (int64_t u = b; u < e; ++u) {
                       int64_t o = u / blocks, n0 = (u % blocks) * kColumnBlock;
                       int64_t width = std::min(kColumnBlock, inner - n0);
                       int64_t base = o * extent * inner + n0;
                       columnBlock(x + base, y + base, width, max.data(),
                                   sum.data());
                     }
                   });
  }

private:
  /// One contiguous row of extent elements.
  void contiguousRow(const float *x, float *y) const {
    float m = kNegInf;
    for (int64_t i = 0; i < extent; ++i)
      if (std::isnan(x[i]) || x[i] > m) // NaN propagates
        m = x[i];
    if (m == kNegInf) { // fully masked row
      std::fill(y, y + extent, log ? kNegInf : 0.0f);
      return;
    }
    double sum = 0.0;
    if (log) {
      for (int64_t i = 0; i < extent; ++i)
        sum += std::exp(x[i] - m);
      double logSum = std::log(sum);
      for (int64_t i = 0; i < extent; ++i)
        y[i] = (float)((double)(x[i] - m) - logSum);
      return;
    }
    for (int64_t i = 0; i < extent; ++i) {
      float v = std::exp(x[i] - m);
      y[i] = v;
      sum += v;
    }
    float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < extent; ++i)
      y[i] *= inv;
  }

  /// \p width columns starting at x (column n holds x[i * inner + n]).
  void columnBlock(const float *x, float *y, int64_t width, float *max,
                   double *sum) const {
    std::fill(max, max + width, kNegInf);
    std::fill(sum, sum + width, 0.0);
    for (int64_t i = 0; i < extent; ++i) {
      const float *xi = x + i * inner;
      for (int64_t n = 0; n < width; ++n)
        if (std::isnan(xi[n]) || xi[n] > max[n])
          max[n] = xi[n];
    }
    for (int64_t i = 0; i < extent; ++i) {
      const float *xi = x + i * inner;
      float *yi = y + i * inner;
      for (int64_t n = 0; n < width; ++n) {
        float v = std::exp(xi[n] - max[n]);
        sum[n] += v;
        if (!log)
          yi[n] = v;
      }
    }
    // sum becomes what the last pass needs: log(sum) or 1 / sum.
    for (int64_t n = 0; n < width; ++n)
      sum[n] = log ? std::log(sum[n]) : 1.0 / sum[n];
    for (int64_t i = 0; i < extent; ++i) {
      const float *xi = x + i * inner;
      float *yi = y + i * inner;
      for (int64_t n = 0; n < width; ++n) {
        if (max[n] == kNegInf) // fully masked column
          yi[n] = log ? kNegInf : 0.0f;
        else if (log)
          yi[n] = (float)((double)(xi[n] - max[n]) - sum[n]);
        else
          yi[n] *= (float)sum[n];
      }
    }
  }

  int64_t outer, extent, inner;
  bool log;
};

void registerSoftmax(const std::string &name, bool log) {
  registerKernel(name,
                 [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
                   sig.expectArity(1, 1);
                   sig.expectInputDType(0, HEED_F32);
                   expectOutputLikeX(sig, 0);
                   const TensorDesc &x = sig.inputs[0];
                   int64_t axis = SoftmaxAttrs::read(sig.attrs).axis;
                   if (axis < 0 || axis >= x.rank())
                     sig.shapeError("axis " + std::to_string(axis) +
                                    " is out of range for x " + x.str());
                   return std::make_unique<SoftmaxKernel>(
                       product(x.shape, 0, axis), x.shape[axis],
                       product(x.shape, axis + 1, x.shape.size()), log);
                 });
}

//===----------------------------------------------------------------------===//
// layer_norm, rms_norm
//===----------------------------------------------------------------------===//

/// Normalisation over the last dim of rows x [rows, d], with an optional
/// residual added first and optionally written out.
#ifdef HEED_X86
/// The floats of \p x selected by \p k (16 lanes) as two vectors of 8
/// doubles, 0 in the lanes not selected.
__attribute__((target("avx512f"), always_inline)) inline void
loadAsDoubles(const float *x, __mmask16 k, __m512d &lo, __m512d &hi) {
  __m512 v = _mm512_maskz_loadu_ps(k, x);
  lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  hi = _mm512_cvtps_pd(
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

/// layer_norm of one row of \p d values with AVX-512: the sums in 8 double
/// lanes, each output float((s - mean) * invStd) * weight + bias rounded as
/// the scalar path rounds it.
__attribute__((target("avx512f"))) void
layerNormRowAvx512(const float *s, const float *weight, const float *bias,
                   float *y, int64_t d, double eps) {
  auto mask = [d](int64_t i) {
    int64_t n = d - i;
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  };
  __m512d lo, hi, acc = _mm512_setzero_pd();
  for (int64_t i = 0; i < d; i += 16) {
    loadAsDoubles(s + i, mask(i), lo, hi);
    acc = _mm512_add_pd(acc, _mm512_add_pd(lo, hi));
  }
  const double mean = _mm512_reduce_add_pd(acc) / (double)d;
  acc = _mm512_setzero_pd();
  const __m512d m = _mm512_set1_pd(mean);
  for (int64_t i = 0; i < d; i += 16) {
    __mmask16 k = mask(i);
    loadAsDoubles(s + i, mask(i), lo, hi);
    lo = _mm512_maskz_sub_pd((__mmask8)k, lo, m);
    hi = _mm512_maskz_sub_pd((__mmask8)(k >> 8), hi, m);
    acc = _mm512_add_pd(
        acc, _mm512_add_pd(_mm512_mul_pd(lo, lo), _mm512_mul_pd(hi, hi)));
  }
  const double inv =
      1.0 / std::sqrt(_mm512_reduce_add_pd(acc) / (double)d + eps);
  const __m512d scale = _mm512_set1_pd(inv);
  for (int64_t i = 0; i < d; i += 16) {
    __mmask16 k = mask(i);
    loadAsDoubles(s + i, mask(i), lo, hi);
    __m256 tLo = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_sub_pd(lo, m), scale));
    __m256 tHi = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_sub_pd(hi, m), scale));
    __m512 t = _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(tLo)),
                           _mm256_castps_pd(tHi), 1));
    t = _mm512_add_ps(_mm512_mul_ps(t, _mm512_maskz_loadu_ps(k, weight + i)),
                      _mm512_maskz_loadu_ps(k, bias + i));
    _mm512_mask_storeu_ps(y + i, k, t);
  }
}
#endif

class LastDimNormKernel : public Kernel {
public:
  LastDimNormKernel(bool rms, int64_t rows, int64_t d, double eps,
                    bool hasResidual, bool emitSum)
      : rms(rms), rows(rows), d(d), eps(eps), hasResidual(hasResidual),
        emitSum(emitSum) {}

  void run(const void *const *in, void *const *out) override {
    const float *x = static_cast<const float *>(in[0]);
    const float *weight = static_cast<const float *>(in[1]);
    const float *bias = rms ? nullptr : static_cast<const float *>(in[2]);
    const float *residual =
        hasResidual ? static_cast<const float *>(in[rms ? 2 : 3]) : nullptr;
    float *y = static_cast<float *>(out[0]);
    float *sumOut = emitSum ? static_cast<float *>(out[1]) : nullptr;
    parallelChunks(rows, rowGrain(d), [&](int64_t b, int64_t e) {
      // The row's sum with the residual, in this thread's reused buffer (a
      // run allocates nothing).
      float *scratch =
          hasResidual
              ? static_cast<float *>(threadScratch(0, d * sizeof(float)))
              : nullptr;
      for (int64_t r = b; r < e; ++r) {
        const float *s = x + r * d;
        if (hasResidual) {
          // The f32 sum, exactly as a separate add kernel would round it.
          const float *res = residual + r * d;
          for (int64_t i = 0; i < d; ++i)
            scratch[i] = s[i] + res[i];
          if (sumOut)
            std::copy(scratch, scratch + d, sumOut + r * d);
          s = scratch;
        }
        normalizeRow(s, weight, bias, y + r * d);
      }
    });
  }

  std::array<size_t, kThreadScratchSlots> threadScratchBytes() const override {
    return {hasResidual ? (size_t)d * sizeof(float) : 0};
  }

private:
  void normalizeRow(const float *s, const float *weight, const float *bias,
                    float *y) const {
#ifdef HEED_X86
    if (!rms && cpuHasAvx512FBW()) {
      layerNormRowAvx512(s, weight, bias, y, d, eps);
      return;
    }
#endif
    if (rms) {
      double meanSquare = 0.0;
      for (int64_t i = 0; i < d; ++i)
        meanSquare += (double)s[i] * s[i];
      meanSquare /= (double)d;
      float invRms = (float)(1.0 / std::sqrt(meanSquare + eps));
      for (int64_t i = 0; i < d; ++i)
        y[i] = s[i] * invRms * weight[i];
      return;
    }
    double mean = 0.0;
    for (int64_t i = 0; i < d; ++i)
      mean += s[i];
    mean /= (double)d;
    double var = 0.0; // biased: divided by d
    for (int64_t i = 0; i < d; ++i)
      var += ((double)s[i] - mean) * ((double)s[i] - mean);
    var /= (double)d;
    double invStd = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < d; ++i)
      y[i] = (float)(((double)s[i] - mean) * invStd) * weight[i] + bias[i];
  }

  bool rms;
  int64_t rows, d;
  double eps;
  bool hasResidual, emitSum;
};

/// layer_norm (LayerNormAttrs) or rms_norm (RmsNormAttrs, \p rms).
template <typename NormAttrs>
void registerLastDimNorm(const std::string &name, bool rms) {
  registerKernel(
      name, [=](const KernelSignature &sig) -> std::unique_ptr<Kernel> {
        const NormAttrs attrs = NormAttrs::read(sig.attrs);
        bool hasResidual = attrs.hasResidual, emitSum = attrs.emitSum;
        if (emitSum && !hasResidual)
          fail(HEED_ERROR_INVALID_ARGUMENT,
               name + ": emit_sum requires has_residual");
        size_t params = rms ? 1 : 2;
        sig.expectArity(1 + params + hasResidual, 1 + emitSum);
        sig.expectInputDType(0, HEED_F32);
        const TensorDesc &x = sig.inputs[0];
        if (x.rank() < 1)
          sig.shapeError("x " + x.str() + " must have rank >= 1");
        int64_t d = x.shape.back();
        expectParam(sig, 1, "weight", d, "the last dim of x");
        if (!rms)
          expectParam(sig, 2, "bias", d, "the last dim of x");
        if (hasResidual) {
          sig.expectInputDType(1 + params, HEED_F32);
          if (sig.inputs[1 + params].shape != x.shape)
            sig.shapeError("residual " + sig.inputs[1 + params].str() +
                           " must have the shape of x " + x.str());
        }
        for (size_t i = 0; i < sig.outputs.size(); ++i)
          expectOutputLikeX(sig, i);
        double eps = attrs.eps;
        if (!(eps >= 0))
          fail(HEED_ERROR_INVALID_ARGUMENT,
               name + ": eps must be non-negative, got " + std::to_string(eps));
        return std::make_unique<LastDimNormKernel>(
            rms, x.numel() / std::max<int64_t>(d, 1), d, eps, hasResidual,
            emitSum);
      });
}

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

/// x viewed as [n * channels planes, inner].
class BatchNormKernel : public Kernel {
public:
  BatchNormKernel(int64_t planes, int64_t channels, int64_t inner, double eps)
      : planes(planes), channels(channels), inner(inner), eps(eps) {}

  void run(const void *const *in, void *const *out) override {
    const float *x = static_cast<const float *>(in[0]);
    const float *weight = static_cast<const float *>(in[1]);
    const float *bias = static_cast<const float *>(in[2]);
    const float *mean = static_cast<const float *>(in[3]);
    const float *var = static_cast<const float *>(in[4]);
    float *y = static_cast<float *>(out[0]);
    parallelChunks(planes, rowGrain(inner), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        int64_t c = p % channels;
        float m = mean[c], shift = bias[c];
        float scale = (float)(weight[c] / std::sqrt((double)var[c] + eps));
        const float *xp = x + p * inner;
        float *yp = y + p * inner;
        for (int64_t i = 0; i < inner; ++i)
          yp[i] = (xp[i] - m) * scale + shift;
      }
    });
  }

private:
  int64_t planes, channels, inner;
  double eps;
};

std::unique_ptr<Kernel> makeBatchNorm(const KernelSignature &sig) {
  sig.expectArity(5, 1);
  sig.expectInputDType(0, HEED_F32);
  const TensorDesc &x = sig.inputs[0];
  if (x.rank() < 2)
    sig.shapeError("x " + x.str() + " must be [N, C, ...]");
  int64_t channels = x.shape[1];
  const char *names[] = {"weight", "bias", "running_mean", "running_var"};
  for (size_t i = 0; i < 4; ++i)
    expectParam(sig, i + 1, names[i], channels, "the channels of x");
  expectOutputLikeX(sig, 0);
  double eps = BatchNormAttrs::read(sig.attrs).eps;
  if (!(eps >= 0))
    fail(HEED_ERROR_INVALID_ARGUMENT,
         "batch_norm: eps must be non-negative, got " + std::to_string(eps));
  return std::make_unique<BatchNormKernel>(x.shape[0] * channels, channels,
                                           product(x.shape, 2, x.shape.size()),
                                           eps);
}

} // namespace

void registerNormalizationKernels() {
  registerSoftmax("softmax", false);
  registerSoftmax("log_softmax", true);
  registerLastDimNorm<LayerNormAttrs>("layer_norm", false);
  registerLastDimNorm<RmsNormAttrs>("rms_norm", true);
  registerKernel("batch_norm", makeBatchNorm);
}

} // namespace heed::rt
