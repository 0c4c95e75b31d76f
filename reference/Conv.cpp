//===- Conv.cpp - Reference convolution and pooling -----------------------===//
//
// NCHW conv2d and 2-D pooling as direct loops over every output element and
// every kernel tap. Output extent along a spatial dim:
//   floor((in + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1.
// Results are accumulated in double and rounded to the input's dtype.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <limits>

namespace heed::ref {

namespace {

int64_t outputExtent(int64_t in, int64_t kernel, int64_t stride,
                     int64_t padding, int64_t dilation) {
  const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1;
  if (span < 0)
    throw KernelError("conv/pool window larger than the padded input");
  return span / stride + 1;
}

/// x[n, c, h, w] of an NCHW tensor.
double at4(const Tensor &x, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t C = x.dim(1), H = x.dim(2), W = x.dim(3);
  return x.data[(size_t)(((n * C + c) * H + h) * W + w)];
}

Scalar &at4(Tensor &x, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t C = x.dim(1), H = x.dim(2), W = x.dim(3);
  return x.data[(size_t)(((n * C + c) * H + h) * W + w)];
}

enum class PoolKind { Max, Avg };

Tensor pool2d(PoolKind kind, const Tensor &x, const Window2d &win) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t kh = win.kernel[0], kw = win.kernel[1];
  const int64_t OH =
      outputExtent(H, kh, win.stride[0], win.padding[0], win.dilation[0]);
  const int64_t OW =
      outputExtent(W, kw, win.stride[1], win.padding[1], win.dilation[1]);
  Tensor out(x.dtype, {N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double best = -std::numeric_limits<double>::infinity();
          double sum = 0.0;
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) {
              const int64_t ih =
                  oh * win.stride[0] - win.padding[0] + i * win.dilation[0];
              const int64_t iw =
                  ow * win.stride[1] - win.padding[1] + j * win.dilation[1];
              // Padding: -inf for max (never wins), 0 for the average.
              if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                continue;
              const double v = at4(x, n, c, ih, iw);
              if (v > best)
                best = v;
              sum += v;
            }
          // count_include_pad=True: the divisor is always the full window.
          at4(out, n, c, oh, ow) =
              kind == PoolKind::Max ? best : sum / (double)(kh * kw);
        }
  out.roundInPlace();
  return out;
}

} // namespace

Tensor conv2d(const Tensor &x, const Tensor &weight, const Tensor *bias,
              const Window2d &window, int64_t groups) {
  const int64_t N = x.dim(0), H = x.dim(2), W = x.dim(3);
  const int64_t O = weight.dim(0), CPerGroup = weight.dim(1);
  const int64_t kh = weight.dim(2), kw = weight.dim(3);
  const int64_t OPerGroup = O / groups;
  const int64_t OH = outputExtent(H, kh, window.stride[0], window.padding[0],
                                  window.dilation[0]);
  const int64_t OW = outputExtent(W, kw, window.stride[1], window.padding[1],
                                  window.dilation[1]);
  Tensor out(x.dtype, {N, O, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const int64_t group = o / OPerGroup;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double sum = bias ? bias->data[(size_t)o] : 0.0;
          for (int64_t cg = 0; cg < CPerGroup; ++cg) {
            const int64_t c = group * CPerGroup + cg;
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t ih = oh * window.stride[0] - window.padding[0] +
                                   i * window.dilation[0];
                const int64_t iw = ow * window.stride[1] - window.padding[1] +
                                   j * window.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue; // zero padding
                sum += at4(x, n, c, ih, iw) * at4(weight, o, cg, i, j);
              }
          }
          at4(out, n, o, oh, ow) = sum;
        }
    }
  out.roundInPlace();
  return out;
}

Tensor maxPool2d(const Tensor &x, const Window2d &window) {
  return pool2d(PoolKind::Max, x, window);
}

Tensor avgPool2d(const Tensor &x, const Window2d &window) {
  return pool2d(PoolKind::Avg, x, window);
}

Tensor globalAvgPool(const Tensor &x) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor out(x.dtype, {N, C, 1, 1});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      double sum = 0.0;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w)
          sum += at4(x, n, c, h, w);
      out.data[(size_t)(n * C + c)] = sum / (double)(H * W);
    }
  out.roundInPlace();
  return out;
}

} // namespace heed::ref
