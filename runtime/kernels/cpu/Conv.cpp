//===- Conv.cpp - 2-D convolution and pooling through oneDNN --------------===//
//
// Kernels (all f32, NCHW; inputs -> outputs; attributes with defaults):
//   conv2d : x [N, C, H, W], weight [O, C/groups, kh, kw][, bias [O]]
//            -> y [N, O, OH, OW]
//            stride (2 ints, default [1, 1]), padding ([0, 0]; zero padding,
//            both sides), dilation ([1, 1]; PyTorch's meaning, 1 = dense),
//            groups (1), has_bias (default: 1 when there are 3 inputs)
//   max_pool2d : x [N, C, H, W] -> y [N, C, OH, OW]; padding counts as -inf
//   avg_pool2d : x -> y; padding counts as zero and in the divisor
//                (PyTorch's count_include_pad=True)
//            kernel (2 ints, required), stride (default = kernel), padding
//            ([0, 0]; at most half the kernel)
//   global_avg_pool : x [N, C, H, W] -> y [N, C, 1, 1], the spatial mean
// Output extents: floor((in + 2 * padding - dilation * (k - 1) - 1) / stride)
// + 1 (floor mode; the right padding oneDNN sees may be negative).
//
// Implementation: oneDNN convolution_forward / pooling_forward
// (forward_inference) on the plain layouts, primitives created at
// finalization through the primitive cache. Work is split on a grid fixed by
// the shapes (parallelChunks with grain 1 over precomputed chunks), never by
// the thread count, and every output element is computed by exactly one
// single-threaded oneDNN call:
//   conv2d: chunks of whole images sized to ~kConvGrain multiply-adds; when
//     one image is larger than that and groups = 1, each image is also split
//     into blocks of output channels (the dst block stays contiguous).
//   pools: the input is viewed as one image of N*C channels [1, N*C, H, W]
//     (oneDNN's vectorised pooling works across channels; with one channel
//     it falls back to a scalar loop ~30x slower) and split into chunks of
//     a multiple of 16 planes, ~kPoolGrain window taps each.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "KernelAttrs.h"
#include "OneDnn.h"
#include "Parallel.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <unordered_map>

namespace heed::rt {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

/// Multiply-adds per conv2d chunk.
constexpr int64_t kConvGrain = int64_t(1) << 21;
/// Window taps per pooling chunk.
constexpr int64_t kPoolGrain = int64_t(1) << 18;

memory::desc f32Desc(const memory::dims &dims, Tag tag) {
  return memory::desc(dims, memory::data_type::f32, tag);
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::string ints(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

/// A 2-D window: kernel, stride, padding (left = right), dilation (PyTorch
/// meaning), and the output extents it gives.
struct Window {
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, padding[2] = {0, 0},
          dilation[2] = {1, 1};
  int64_t out[2] = {1, 1};

  memory::dims strides() const { return {stride[0], stride[1]}; }
  memory::dims padL() const { return {padding[0], padding[1]}; }
  /// oneDNN's dilation counts the gaps (PyTorch's minus one).
  memory::dims dnnlDilation() const {
    return {dilation[0] - 1, dilation[1] - 1};
  }
  /// Padding on the bottom/right that makes oneDNN's extents equal ours
  /// (negative when floor mode drops input rows/columns).
  memory::dims padR(int64_t h, int64_t w) const {
    const int64_t in[2] = {h, w};
    memory::dims r(2);
    for (int i = 0; i < 2; ++i)
      r[i] = (out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 -
             in[i] - padding[i];
    return r;
  }
  std::string key() const {
    std::string s;
    for (int i = 0; i < 2; ++i)
      s += ":k" + std::to_string(kernel[i]) + "s" + std::to_string(stride[i]) +
           "p" + std::to_string(padding[i]) + "d" + std::to_string(dilation[i]);
    return s;
  }
};

/// Returns attribute \p name (one of \p names) after checking that it has
/// two entries.
std::vector<int64_t> pairAttr(const KernelSignature &sig,
                              const std::string &name, std::vector<int64_t> v,
                              const std::string &names) {
  if (v.size() != 2)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         sig.kernel + ": " + names + " need two entries (height, width), " +
             name + " is " + ints(v));
  return v;
}

/// Checks that \p x is a non-empty f32 [N, C, H, W].
void expectImage(const KernelSignature &sig, const TensorDesc &x) {
  if (x.rank() != 4 || x.numel() == 0)
    sig.shapeError("input must be [N, C, H, W] with no empty dimension, got " +
                   x.str());
}

/// Fills \p w.out from the input extents; fails when a window does not fit.
void computeExtents(const KernelSignature &sig, const TensorDesc &x,
                    Window &w) {
  for (int i = 0; i < 2; ++i) {
    const int64_t window = w.dilation[i] * (w.kernel[i] - 1) + 1;
    const int64_t extent = x.dim(2 + i) + 2 * w.padding[i] - window;
    if (extent < 0)
      sig.shapeError("window of " + std::to_string(window) +
                     " does not fit the input extent " +
                     std::to_string(x.dim(2 + i)) + " (padding " +
                     std::to_string(w.padding[i]) + ")");
    w.out[i] = extent / w.stride[i] + 1;
  }
}

void expectOutput(const KernelSignature &sig, std::vector<int64_t> shape) {
  if (sig.outputs[0].shape != shape)
    sig.shapeError("output must be " +
                   TensorDesc{HEED_F32, std::move(shape)}.str() + ", got " +
                   sig.outputs[0].str());
}

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

class ConvKernel : public Kernel {
public:
  ConvKernel(const KernelSignature &sig, const Window &window, int64_t groups,
             bool hasBias)
      : window(window), groups(groups), hasBias(hasBias) {
    const TensorDesc &x = sig.inputs[0], &w = sig.inputs[1];
    N = x.dim(0);
    C = x.dim(1);
    H = x.dim(2);
    W = x.dim(3);
    O = w.dim(0);
    OH = window.out[0];
    OW = window.out[1];
    const int64_t macsPerImage =
        O * OH * OW * (C / groups) * window.kernel[0] * window.kernel[1];
    imagesPerChunk = std::clamp<int64_t>(
        kConvGrain / std::max<int64_t>(macsPerImage, 1), 1, N);
    channelsPerChunk = O;
    if (groups == 1 && macsPerImage > 2 * kConvGrain) {
      // Blocks of output channels, a multiple of 16 (the vector width).
      int64_t blocks = macsPerImage / kConvGrain;
      channelsPerChunk = std::min(O, ceilDiv(ceilDiv(O, blocks), 16) * 16);
    }
    imageChunks = ceilDiv(N, imagesPerChunk);
    channelChunks = ceilDiv(O, channelsPerChunk);
    const int64_t imageSizes[2] = {imagesPerChunk, N % imagesPerChunk};
    const int64_t channelSizes[2] = {channelsPerChunk, O % channelsPerChunk};
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        if (imageSizes[i] && channelSizes[j])
          makePrimitive(i, j, imageSizes[i], channelSizes[j]);
  }

  void run(const void *const *inputs, void *const *outputs) override {
    float *x = const_cast<float *>(static_cast<const float *>(inputs[0]));
    float *w = const_cast<float *>(static_cast<const float *>(inputs[1]));
    float *b = hasBias
                   ? const_cast<float *>(static_cast<const float *>(inputs[2]))
                   : nullptr;
    float *y = static_cast<float *>(outputs[0]);
    const int64_t wPerChannel =
        (C / groups) * window.kernel[0] * window.kernel[1];
    parallelChunks(
        imageChunks * channelChunks, 1, [&](int64_t begin, int64_t end) {
          dnnl::engine &engine = cpuEngine();
          dnnl::stream &stream = threadStream();
          for (int64_t task = begin; task < end; ++task) {
            const int64_t n0 = task / channelChunks * imagesPerChunk;
            const int64_t o0 = task % channelChunks * channelsPerChunk;
            const int i =
                std::min(imagesPerChunk, N - n0) == imagesPerChunk ? 0 : 1;
            const int j =
                std::min(channelsPerChunk, O - o0) == channelsPerChunk ? 0 : 1;
            const Variant &v = variants[i][j];
            std::unordered_map<int, memory> args = {
                {DNNL_ARG_SRC, memory(v.src, engine, x + n0 * C * H * W)},
                {DNNL_ARG_WEIGHTS,
                 memory(v.weights, engine, w + o0 * wPerChannel)},
                {DNNL_ARG_DST,
                 memory(v.dst, engine, y + (n0 * O + o0) * OH * OW)}};
            if (hasBias)
              args.emplace(DNNL_ARG_BIAS, memory(v.bias, engine, b + o0));
            addScratchpad(v.scratchpad, args);
            v.primitive.execute(stream, args);
          }
          stream.wait();
        });
  }

private:
  /// The primitive for chunks of \p nb images and \p ob output channels.
  struct Variant {
    memory::desc src, weights, bias, dst, scratchpad;
    dnnl::primitive primitive;
  };

  void makePrimitive(int i, int j, int64_t nb, int64_t ob) {
    Variant &v = variants[i][j];
    v.src = f32Desc({nb, C, H, W}, Tag::nchw);
    const int64_t kh = window.kernel[0], kw = window.kernel[1];
    v.weights = groups == 1 ? f32Desc({ob, C, kh, kw}, Tag::oihw)
                            : f32Desc({groups, O / groups, C / groups, kh, kw},
                                      Tag::goihw);
    v.bias = hasBias ? f32Desc({ob}, Tag::x) : memory::desc();
    // A block of channels of one image, or whole images: always dense.
    v.dst = f32Desc({nb, ob, OH, OW}, Tag::nchw);
    std::string key = "conv2d:f32:N=" + std::to_string(nb) +
                      ":C=" + std::to_string(C) + ":H=" + std::to_string(H) +
                      ":W=" + std::to_string(W) + ":O=" + std::to_string(ob) +
                      ":g=" + std::to_string(groups) + window.key() +
                      ":bias=" + std::to_string(hasBias);
    v.primitive = cachedPrimitive(key, [&]() -> dnnl::primitive {
      dnnl::convolution_forward::desc desc(
          dnnl::prop_kind::forward_inference,
          dnnl::algorithm::convolution_direct, v.src, v.weights, v.bias, v.dst,
          window.strides(), window.dnnlDilation(), window.padL(),
          window.padR(H, W));
      return dnnl::convolution_forward(
          dnnl::convolution_forward::primitive_desc(desc, userScratchpadAttr(),
                                                    cpuEngine()));
    });
    v.scratchpad = scratchpadDesc(v.primitive);
  }

  Window window;
  int64_t groups;
  bool hasBias;
  int64_t N, C, H, W, O, OH, OW;
  int64_t imagesPerChunk, channelsPerChunk, imageChunks, channelChunks;
  Variant variants[2][2]; ///< [image tail][channel tail]
};

std::unique_ptr<Kernel> makeConv(const KernelSignature &sig) {
  const Conv2dAttrs attrs = Conv2dAttrs::read(sig.attrs);
  const bool hasBias = attrs.hasBias.value_or(sig.inputs.size() == 3);
  sig.expectArity(hasBias ? 3 : 2, 1);
  for (size_t i = 0; i < sig.inputs.size(); ++i)
    sig.expectInputDType(i, HEED_F32);
  sig.expectOutputDType(0, HEED_F32);
  const std::string names = "stride, padding and dilation";
  std::vector<int64_t> stride = pairAttr(sig, "stride", attrs.stride, names);
  std::vector<int64_t> padding = pairAttr(sig, "padding", attrs.padding, names);
  std::vector<int64_t> dilation =
      pairAttr(sig, "dilation", attrs.dilation, names);
  const int64_t groups = attrs.groups;

  const TensorDesc &x = sig.inputs[0], &w = sig.inputs[1];
  expectImage(sig, x);
  if (w.rank() != 4 || w.numel() == 0)
    sig.shapeError("weight must be [O, C/groups, kh, kw] with no empty "
                   "dimension, got " +
                   w.str());
  const int64_t C = x.dim(1), O = w.dim(0);
  if (groups < 1 || C % groups || O % groups)
    sig.shapeError("groups = " + std::to_string(groups) +
                   " must divide the input channels " + std::to_string(C) +
                   " and the output channels " + std::to_string(O));
  if (w.dim(1) * groups != C)
    sig.shapeError(
        "weight " + w.str() + " expects " + std::to_string(w.dim(1) * groups) +
        " input channels, input " + x.str() + " has " + std::to_string(C));
  if (hasBias && sig.inputs[2].shape != std::vector<int64_t>{O})
    sig.shapeError("bias must be " + TensorDesc{HEED_F32, {O}}.str() +
                   ", got " + sig.inputs[2].str());
  Window window;
  for (int i = 0; i < 2; ++i) {
    window.kernel[i] = w.dim(2 + i);
    window.stride[i] = stride[i];
    window.padding[i] = padding[i];
    window.dilation[i] = dilation[i];
    if (stride[i] < 1 || dilation[i] < 1 || padding[i] < 0)
      sig.shapeError("stride and dilation must be >= 1 and padding >= 0, got "
                     "stride " +
                     ints(stride) + ", padding " + ints(padding) +
                     ", dilation " + ints(dilation));
  }
  computeExtents(sig, x, window);
  expectOutput(sig, {x.dim(0), O, window.out[0], window.out[1]});
  return std::make_unique<ConvKernel>(sig, window, groups, hasBias);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Pools every [H, W] plane independently: the input is viewed as
/// [1, N*C, H, W] and split into chunks of planes.
class PoolKernel : public Kernel {
public:
  PoolKernel(const KernelSignature &sig, dnnl::algorithm algorithm,
             const Window &window)
      : window(window) {
    const TensorDesc &x = sig.inputs[0];
    planes = x.dim(0) * x.dim(1);
    H = x.dim(2);
    W = x.dim(3);
    OH = window.out[0];
    OW = window.out[1];
    const int64_t taps = OH * OW * window.kernel[0] * window.kernel[1];
    planesPerChunk =
        std::min(std::max<int64_t>(
                     ceilDiv(kPoolGrain / std::max<int64_t>(taps, 1), 16), 1) *
                     16,
                 planes);
    chunks = ceilDiv(planes, planesPerChunk);
    const int64_t sizes[2] = {planesPerChunk, planes % planesPerChunk};
    for (int i = 0; i < 2; ++i)
      if (sizes[i])
        makePrimitive(i, sizes[i], algorithm);
  }

  void run(const void *const *inputs, void *const *outputs) override {
    float *x = const_cast<float *>(static_cast<const float *>(inputs[0]));
    float *y = static_cast<float *>(outputs[0]);
    parallelChunks(chunks, 1, [&](int64_t begin, int64_t end) {
      dnnl::engine &engine = cpuEngine();
      dnnl::stream &stream = threadStream();
      for (int64_t c = begin; c < end; ++c) {
        const int64_t p0 = c * planesPerChunk;
        const Variant &v = variants[planes - p0 >= planesPerChunk ? 0 : 1];
        std::unordered_map<int, memory> args = {
            {DNNL_ARG_SRC, memory(v.src, engine, x + p0 * H * W)},
            {DNNL_ARG_DST, memory(v.dst, engine, y + p0 * OH * OW)}};
        addScratchpad(v.scratchpad, args);
        v.primitive.execute(stream, args);
      }
      stream.wait();
    });
  }

private:
  struct Variant {
    memory::desc src, dst, scratchpad;
    dnnl::primitive primitive;
  };

  void makePrimitive(int i, int64_t nb, dnnl::algorithm algorithm) {
    Variant &v = variants[i];
    v.src = f32Desc({1, nb, H, W}, Tag::nchw);
    v.dst = f32Desc({1, nb, OH, OW}, Tag::nchw);
    std::string key = "pool" + std::to_string((int)algorithm) +
                      ":f32:planes=" + std::to_string(nb) +
                      ":H=" + std::to_string(H) + ":W=" + std::to_string(W) +
                      window.key();
    v.primitive = cachedPrimitive(key, [&]() -> dnnl::primitive {
      memory::dims kernel = {window.kernel[0], window.kernel[1]};
      dnnl::pooling_forward::desc desc(
          dnnl::prop_kind::forward_inference, algorithm, v.src, v.dst,
          window.strides(), kernel, window.padL(), window.padR(H, W));
      return dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(
          desc, userScratchpadAttr(), cpuEngine()));
    });
    v.scratchpad = scratchpadDesc(v.primitive);
  }

  Window window;
  int64_t planes, H, W, OH, OW, planesPerChunk, chunks;
  Variant variants[2]; ///< [tail]
};

void checkPoolSignature(const KernelSignature &sig) {
  sig.expectArity(1, 1);
  sig.expectInputDType(0, HEED_F32);
  sig.expectOutputDType(0, HEED_F32);
  expectImage(sig, sig.inputs[0]);
}

std::unique_ptr<Kernel> makePool(const KernelSignature &sig,
                                 dnnl::algorithm algorithm) {
  checkPoolSignature(sig);
  const std::string names = "kernel, stride and padding";
  const PoolAttrs attrs = PoolAttrs::read(sig.attrs);
  std::vector<int64_t> kernel = pairAttr(sig, "kernel", attrs.kernel, names);
  std::vector<int64_t> stride =
      pairAttr(sig, "stride", attrs.stride.value_or(kernel), names);
  std::vector<int64_t> padding = pairAttr(sig, "padding", attrs.padding, names);
  Window window;
  for (int i = 0; i < 2; ++i) {
    window.kernel[i] = kernel[i];
    window.stride[i] = stride[i];
    window.padding[i] = padding[i];
    if (kernel[i] < 1 || stride[i] < 1 || padding[i] < 0)
      sig.shapeError("kernel and stride must be >= 1 and padding >= 0, got "
                     "kernel " +
                     ints(kernel) + ", stride " + ints(stride) + ", padding " +
                     ints(padding));
  }
  for (int i = 0; i < 2; ++i)
    if (padding[i] * 2 > kernel[i])
      sig.shapeError("padding " + ints(padding) +
                     " must be at most half the kernel " + ints(kernel));
  const TensorDesc &x = sig.inputs[0];
  computeExtents(sig, x, window);
  expectOutput(sig, {x.dim(0), x.dim(1), window.out[0], window.out[1]});
  return std::make_unique<PoolKernel>(sig, algorithm, window);
}

std::unique_ptr<Kernel> makeGlobalAvgPool(const KernelSignature &sig) {
  checkPoolSignature(sig);
  const TensorDesc &x = sig.inputs[0];
  expectOutput(sig, {x.dim(0), x.dim(1), 1, 1});
  Window window;
  for (int i = 0; i < 2; ++i) {
    window.kernel[i] = x.dim(2 + i);
    window.stride[i] = 1;
    window.padding[i] = 0;
    window.out[i] = 1;
  }
  return std::make_unique<PoolKernel>(
      sig, dnnl::algorithm::pooling_avg_exclude_padding, window);
}

} // namespace

void registerConvKernels() {
  registerKernel("conv2d", makeConv);
  registerKernel("max_pool2d", [](const KernelSignature &sig) {
    return makePool(sig, dnnl::algorithm::pooling_max);
  });
  registerKernel("avg_pool2d", [](const KernelSignature &sig) {
    return makePool(sig, dnnl::algorithm::pooling_avg_include_padding);
  });
  registerKernel("global_avg_pool", makeGlobalAvgPool);
}

} // namespace heed::rt
