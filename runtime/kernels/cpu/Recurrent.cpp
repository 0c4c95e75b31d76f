//===- Recurrent.cpp - LSTM and GRU through oneDNN's RNN primitives -------===//
//
// Kernels (all f32; inputs -> outputs; attributes with defaults):
//   lstm : x [B, T, I] (batch first), h0 [L*D, B, H], c0 [L*D, B, H], then
//          for each layer l and direction d (D = 2 when bidirectional, the
//          reverse direction second): weight_ih [4H, in], weight_hh [4H, H]
//          and, when has_bias, bias_ih [4H], bias_hh [4H] (in = I for layer
//          0, D*H above; PyTorch layout, gate order i, f, g, o)
//          -> sequence [B, T, D*H], h_n [L*D, B, H], c_n [L*D, B, H]
//   gru  : x, h0, then weight_ih [3H, in], weight_hh [3H, H] and, when
//          has_bias, bias_ih [3H], bias_hh [3H] per (layer, direction)
//          (gate order r, z, n) -> sequence [B, T, D*H], h_n [L*D, B, H]
//   attributes: hidden_size (H, required), num_layers (L, default 1),
//               bidirectional (0/1, default 0), has_bias (0/1, default 1)
// Semantics are torch.nn.LSTM / torch.nn.GRU with batch_first=True: the
// reverse direction reads the sequence from T-1 down to 0 and writes its
// outputs at their original time index; layer l > 0 reads layer l-1's
// output sequence.
//
// Implementation: one oneDNN primitive per layer (forward_inference,
// bidirectional_concat when D = 2), created at finalization through the
// primitive cache (layers above the first share one). PyTorch's GRU is
// oneDNN's linear-before-reset GRU (lbr_gru):
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
// Batch-first data is passed to oneDNN as the ntc layout (no transposes);
// h0/c0/h_n/c_n slices of one layer are oneDNN's ldnc layout as they are.
// Weights are converted from PyTorch [G*H, in] rows in gate order to oneDNN
// ldigo [in, G, H] with oneDNN's gate order (tiled transposes, split over a
// fixed grid with parallelChunks), bias_ih + bias_hh summed (ldgo). When the
// weights are plan constants (compiled models embed them), this happens once
// when the plan is finalized; weights given as model inputs are converted at
// every run, one pass over them (B = 1, I = H = 1024, one core: ~13 ms of
// transposition vs ~1.5 ms per time step).
// Each layer then runs as one single-threaded oneDNN call (its steps are
// sequential), so results do not depend on the thread count.
//
// With per-sequence lengths (one i64 [B] input after the weights), which
// oneDNN does not take, LengthsRnnKernel runs plain f32 loops instead.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "KernelAttrs.h"
#include "OneDnn.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_map>

namespace heed::rt {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

enum class Cell { Lstm, Gru };

/// Gate g of oneDNN's order reads PyTorch's gate kGatePerm[cell][g]. LSTM:
/// both use i, f, g(= c), o. LBR GRU: oneDNN u(= z), r, o(= n) from PyTorch
/// r, z, n.
constexpr int kGatePerm[2][4] = {{0, 1, 2, 3}, {1, 0, 2, -1}};

memory::desc f32Desc(const memory::dims &dims, Tag tag) {
  return memory::desc(dims, memory::data_type::f32, tag);
}

/// The memory descriptors of one layer's primitive.
struct LayerDescs {
  memory::desc srcLayer, state, weightsLayer, weightsIter, bias, dstLayer;
};

class RnnKernel : public Kernel {
public:
  RnnKernel(const KernelSignature &sig, Cell cell, int64_t hidden,
            int64_t layers, bool bidirectional, bool hasBias)
      : cell(cell), L(layers), D(bidirectional ? 2 : 1), H(hidden),
        B(sig.inputs[0].dim(0)), T(sig.inputs[0].dim(1)),
        I(sig.inputs[0].dim(2)), G(cell == Cell::Lstm ? 4 : 3), biasGates(4),
        hasBias(hasBias) {
    for (int64_t l = 0; l < L; ++l) {
      int64_t in = inputSize(l);
      weightsLayer.emplace_back(D * in * G * H, 0.0f);
      weightsIter.emplace_back(D * H * G * H, 0.0f);
      bias.emplace_back(D * biasGates * H, 0.0f);
    }
    for (int64_t l = 0; l + 1 < L && l < 2; ++l)
      inter[l].assign(B * T * D * H, 0.0f);
    for (int64_t l = 0; l < std::min<int64_t>(L, 2); ++l)
      makePrimitive(l);
    for (int64_t l = 0; l < L; ++l)
      for (int64_t d = 0; d < D; ++d)
        for (int matrix = 0; matrix < 2; ++matrix) {
          const int64_t cols = matrix == 0 ? inputSize(l) : H;
          for (int64_t g = 0; g < G; ++g)
            for (int64_t i0 = 0; i0 < cols; i0 += kJobColumns)
              jobs.push_back(
                  {l, d, matrix, g, i0, std::min(cols, i0 + kJobColumns)});
        }
    // Constant weights (every input after x and the initial states) are
    // converted now, once.
    size_t firstWeight = cell == Cell::Lstm ? 3 : 2;
    bool constant = sig.constants.size() > firstWeight;
    for (size_t i = firstWeight; i < sig.constants.size(); ++i)
      constant &= sig.constants[i] != nullptr;
    if (constant) {
      convertWeights(sig.constants.data() + firstWeight);
      weightsConverted = true;
    }
  }

  void run(const void *const *inputs, void *const *outputs) override {
    const bool lstm = cell == Cell::Lstm;
    const float *x = static_cast<const float *>(inputs[0]);
    float *h0 = const_cast<float *>(static_cast<const float *>(inputs[1]));
    float *c0 = lstm
                    ? const_cast<float *>(static_cast<const float *>(inputs[2]))
                    : nullptr;
    const void *const *weights = inputs + (lstm ? 3 : 2);
    float *seq = static_cast<float *>(outputs[0]);
    float *hn = static_cast<float *>(outputs[1]);
    float *cn = lstm ? static_cast<float *>(outputs[2]) : nullptr;
    const int64_t stateSize = D * B * H; // one layer's slice of h0/c0/...
    dnnl::engine &engine = cpuEngine();
    dnnl::stream &stream = threadStream();

    if (!weightsConverted)
      convertWeights(weights);
    for (int64_t l = 0; l < L; ++l) {
      const LayerDescs &d = descs[l == 0 ? 0 : 1];
      float *src = l == 0 ? const_cast<float *>(x) : inter[(l - 1) % 2].data();
      float *dst = l == L - 1 ? seq : inter[l % 2].data();
      std::unordered_map<int, memory> args = {
          {DNNL_ARG_SRC_LAYER, memory(d.srcLayer, engine, src)},
          {DNNL_ARG_SRC_ITER, memory(d.state, engine, h0 + l * stateSize)},
          {DNNL_ARG_WEIGHTS_LAYER,
           memory(d.weightsLayer, engine, weightsLayer[l].data())},
          {DNNL_ARG_WEIGHTS_ITER,
           memory(d.weightsIter, engine, weightsIter[l].data())},
          {DNNL_ARG_BIAS, memory(d.bias, engine, bias[l].data())},
          {DNNL_ARG_DST_LAYER, memory(d.dstLayer, engine, dst)},
          {DNNL_ARG_DST_ITER, memory(d.state, engine, hn + l * stateSize)}};
      if (lstm) {
        args.emplace(DNNL_ARG_SRC_ITER_C,
                     memory(d.state, engine, c0 + l * stateSize));
        args.emplace(DNNL_ARG_DST_ITER_C,
                     memory(d.state, engine, cn + l * stateSize));
      }
      addScratchpad(scratchpads[l == 0 ? 0 : 1], args);
      primitives[l == 0 ? 0 : 1].execute(stream, args);
    }
    stream.wait();
  }

  size_t scratchBytes() const override {
    size_t n = inter[0].size() + inter[1].size();
    for (int64_t l = 0; l < L; ++l)
      n += weightsLayer[l].size() + weightsIter[l].size() + bias[l].size();
    return n * sizeof(float);
  }

private:
  int64_t inputSize(int64_t layer) const { return layer == 0 ? I : D * H; }

  /// Creates (or finds in the cache) the primitive of layer 0 (\p which = 0)
  /// or of every layer above it (\p which = 1).
  void makePrimitive(int which) {
    const int64_t in = inputSize(which);
    LayerDescs &d = descs[which];
    d.srcLayer = f32Desc({T, B, in}, Tag::ntc);
    d.state = f32Desc({1, D, B, H}, Tag::ldnc);
    d.weightsLayer = f32Desc({1, D, in, G, H}, Tag::ldigo);
    d.weightsIter = f32Desc({1, D, H, G, H}, Tag::ldigo);
    d.bias = f32Desc({1, D, biasGates, H}, Tag::ldgo);
    d.dstLayer = f32Desc({T, B, D * H}, Tag::ntc);
    const auto direction = D == 2 ? dnnl::rnn_direction::bidirectional_concat
                                  : dnnl::rnn_direction::unidirectional;
    const auto prop = dnnl::prop_kind::forward_inference;
    std::string key = std::string(cell == Cell::Lstm ? "lstm" : "lbr_gru") +
                      ":f32:dirs=" + std::to_string(D) +
                      ":T=" + std::to_string(T) + ":B=" + std::to_string(B) +
                      ":in=" + std::to_string(in) + ":H=" + std::to_string(H);
    primitives[which] = cachedPrimitive(key, [&]() -> dnnl::primitive {
      if (cell == Cell::Lstm) {
        dnnl::lstm_forward::desc desc(prop, direction, d.srcLayer, d.state,
                                      d.state, d.weightsLayer, d.weightsIter,
                                      memory::desc(), d.bias, d.dstLayer,
                                      d.state, d.state);
        return dnnl::lstm_forward(dnnl::lstm_forward::primitive_desc(
            desc, userScratchpadAttr(), cpuEngine()));
      }
      dnnl::lbr_gru_forward::desc desc(prop, direction, d.srcLayer, d.state,
                                       d.weightsLayer, d.weightsIter, d.bias,
                                       d.dstLayer, d.state);
      return dnnl::lbr_gru_forward(dnnl::lbr_gru_forward::primitive_desc(
          desc, userScratchpadAttr(), cpuEngine()));
    });
    scratchpads[which] = scratchpadDesc(primitives[which]);
  }

  /// One piece of the weight conversion: columns [i0, i1) of gate \p g of
  /// weight_ih (\p matrix 0) or weight_hh (1) of layer \p l, direction \p d.
  struct Job {
    int64_t l, d;
    int matrix;
    int64_t g, i0, i1;
  };
  static constexpr int64_t kJobColumns = 64;
  /// The weights were plan constants, converted at finalization.
  bool weightsConverted = false;

  /// Converts every layer's PyTorch weights (\p w: per layer and direction
  /// weight_ih, weight_hh[, bias_ih, bias_hh]) into the kernel's oneDNN
  /// buffers. The transposition is split into jobs over a grid fixed by the
  /// shapes (pure copies: the thread count cannot change the result).
  void convertWeights(const void *const *w) {
    const int64_t perDirection = hasBias ? 4 : 2;
    const int *perm = kGatePerm[cell == Cell::Lstm ? 0 : 1];
    const int64_t grain = std::max<int64_t>(1, 65536 / (H * kJobColumns));
    parallelChunks((int64_t)jobs.size(), grain, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) {
        const Job &job = jobs[j];
        const int64_t in = job.matrix == 0 ? inputSize(job.l) : H;
        const float *src = static_cast<const float *>(
            w[(job.l * D + job.d) * perDirection + job.matrix]);
        std::vector<float> &dst =
            job.matrix == 0 ? weightsLayer[job.l] : weightsIter[job.l];
        transposeGate(src + perm[job.g] * H * in, in, job.i0, job.i1,
                      dst.data() + job.d * in * G * H + job.g * H);
      }
    });
    if (!hasBias)
      return;
    for (int64_t l = 0; l < L; ++l)
      for (int64_t d = 0; d < D; ++d) {
        const void *const *wd = w + (l * D + d) * perDirection;
        const float *bIh = static_cast<const float *>(wd[2]);
        const float *bHh = static_cast<const float *>(wd[3]);
        float *b = bias[l].data() + d * biasGates * H;
        for (int64_t g = 0; g < G; ++g)
          for (int64_t o = 0; o < H; ++o) {
            const int64_t row = perm[g] * H + o;
            // LBR GRU keeps the new gate's two biases apart: b_in here, b_hn
            // as the fourth bias gate (applied inside r * (W_hn h + b_hn)).
            const bool split = cell == Cell::Gru && g == 2;
            b[g * H + o] = split ? bIh[row] : bIh[row] + bHh[row];
          }
        if (cell == Cell::Gru)
          std::memcpy(b + 3 * H, bHh + 2 * H, H * sizeof(float));
      }
  }

  /// Columns [i0, i1) of one PyTorch gate block \p gate [H, in] into
  /// oneDNN's ldigo rows \p out [in, G, H] (row stride G*H), in 16x16 tiles
  /// (a plain strided loop is several times slower on large weights).
  void transposeGate(const float *gate, int64_t in, int64_t i0, int64_t i1,
                     float *out) const {
    constexpr int64_t kTile = 16;
    for (int64_t o0 = 0; o0 < H; o0 += kTile) {
      const int64_t o1 = std::min(H, o0 + kTile);
      for (int64_t t0 = i0; t0 < i1; t0 += kTile) {
        const int64_t t1 = std::min(i1, t0 + kTile);
        for (int64_t i = t0; i < t1; ++i)
          for (int64_t o = o0; o < o1; ++o)
            out[i * G * H + o] = gate[o * in + i];
      }
    }
  }

  Cell cell;
  int64_t L, D, H, B, T, I;
  int64_t G;         ///< gates in the weights
  int64_t biasGates; ///< LSTM: 4; LBR GRU: 3 + the separate b_hn
  bool hasBias;
  LayerDescs descs[2];
  dnnl::primitive primitives[2];
  memory::desc scratchpads[2];
  /// oneDNN-layout weights and summed biases per layer, rewritten each run.
  std::vector<std::vector<float>> weightsLayer, weightsIter, bias;
  /// Ping-pong output sequences of the layers below the last, [B, T, D*H].
  std::vector<float> inter[2];
  std::vector<Job> jobs;
};

/// The recurrences with per-sequence lengths, which oneDNN's RNN primitives
/// do not take: plain loops in f32, one batch row per task (rows are
/// independent, so the result does not depend on the thread count). Row b
/// runs only its steps t < lengths[b], in both directions (the reverse one
/// starts at lengths[b] - 1), writes 0 past its length and leaves its final
/// state at the length, as a PyTorch packed sequence. Inputs are those of
/// the oneDNN kernel, then lengths (i64 [B], each in [0, T]: a run-time
/// error otherwise; 0 is the empty sequence: zeros and the initial state).
class LengthsRnnKernel : public Kernel {
public:
  LengthsRnnKernel(Cell cell, int64_t hidden, int64_t layers,
                   bool bidirectional, bool hasBias, int64_t B, int64_t T,
                   int64_t I)
      : cell(cell), L(layers), D(bidirectional ? 2 : 1), H(hidden), B(B), T(T),
        I(I), G(cell == Cell::Lstm ? 4 : 3), hasBias(hasBias) {
    for (int64_t l = 0; l + 1 < L && l < 2; ++l)
      inter[l].assign(B * T * D * H, 0.0f);
    // Per row: h, c, and the gate pre-activations (x and h parts apart).
    rowScratch.assign(B * (2 * H + 2 * G * H), 0.0f);
  }

  void run(const void *const *inputs, void *const *outputs) override {
    const bool lstm = cell == Cell::Lstm;
    const int64_t states = lstm ? 2 : 1;
    const float *x = static_cast<const float *>(inputs[0]);
    const float *h0 = static_cast<const float *>(inputs[1]);
    const float *c0 = lstm ? static_cast<const float *>(inputs[2]) : nullptr;
    const void *const *weights = inputs + 1 + states;
    const int64_t perDirection = hasBias ? 4 : 2;
    const int64_t *lengths =
        static_cast<const int64_t *>(inputs[1 + states + L * D * perDirection]);
    for (int64_t b = 0; b < B; ++b)
      if (lengths[b] < 0 || lengths[b] > T)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             std::string(lstm ? "lstm" : "gru") + ": lengths[" +
                 std::to_string(b) + "] = " + std::to_string(lengths[b]) +
                 " is outside [0, " + std::to_string(T) + "]");
    float *seq = static_cast<float *>(outputs[0]);
    float *hn = static_cast<float *>(outputs[1]);
    float *cn = lstm ? static_cast<float *>(outputs[2]) : nullptr;
    for (int64_t l = 0; l < L; ++l) {
      const float *src = l == 0 ? x : inter[(l - 1) % 2].data();
      float *dst = l == L - 1 ? seq : inter[l % 2].data();
      const int64_t in = l == 0 ? I : D * H;
      parallelChunks(B, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b)
          for (int64_t d = 0; d < D; ++d) {
            const void *const *w = weights + (l * D + d) * perDirection;
            const int64_t slot = (l * D + d) * B + b;
            runRow(src, in, dst, b, d, lengths[b],
                   static_cast<const float *>(w[0]),
                   static_cast<const float *>(w[1]),
                   hasBias ? static_cast<const float *>(w[2]) : nullptr,
                   hasBias ? static_cast<const float *>(w[3]) : nullptr,
                   h0 + slot * H, c0 ? c0 + slot * H : nullptr, hn + slot * H,
                   cn ? cn + slot * H : nullptr);
          }
      });
    }
  }

  size_t scratchBytes() const override {
    return (inter[0].size() + inter[1].size() + rowScratch.size()) *
           sizeof(float);
  }

private:
  static float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

  /// W[row, :] . v over \p n columns.
  static float dot(const float *w, int64_t row, int64_t n, const float *v) {
    const float *r = w + row * n;
    float sum = 0.0f;
    for (int64_t k = 0; k < n; ++k)
      sum += r[k] * v[k];
    return sum;
  }

  /// One direction \p d of row \p b of one layer: reads src [B, T, in],
  /// writes columns [d H, (d + 1) H) of dst [B, T, D H] and the final states.
  void runRow(const float *src, int64_t in, float *dst, int64_t b, int64_t d,
              int64_t length, const float *wIh, const float *wHh,
              const float *bIh, const float *bHh, const float *h0,
              const float *c0, float *hn, float *cn) {
    float *h = rowScratch.data() + b * (2 * H + 2 * G * H);
    float *c = h + H, *gx = c + H, *gh = gx + G * H;
    std::copy(h0, h0 + H, h);
    if (c0)
      std::copy(c0, c0 + H, c);
    for (int64_t t = length; t < T; ++t)
      std::fill_n(dst + (b * T + t) * D * H + d * H, H, 0.0f);
    for (int64_t s = 0; s < length; ++s) {
      const int64_t t = d == 1 ? length - 1 - s : s;
      const float *xt = src + (b * T + t) * in;
      for (int64_t row = 0; row < G * H; ++row) {
        gx[row] = dot(wIh, row, in, xt) + (bIh ? bIh[row] : 0.0f);
        gh[row] = dot(wHh, row, H, h) + (bHh ? bHh[row] : 0.0f);
      }
      for (int64_t j = 0; j < H; ++j) {
        if (cell == Cell::Lstm) {
          // Gate order i, f, g, o.
          float ig = sigmoid(gx[j] + gh[j]);
          float fg = sigmoid(gx[H + j] + gh[H + j]);
          float gg = std::tanh(gx[2 * H + j] + gh[2 * H + j]);
          float og = sigmoid(gx[3 * H + j] + gh[3 * H + j]);
          c[j] = fg * c[j] + ig * gg;
          h[j] = og * std::tanh(c[j]);
        } else {
          // Gate order r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)).
          float r = sigmoid(gx[j] + gh[j]);
          float z = sigmoid(gx[H + j] + gh[H + j]);
          float n = std::tanh(gx[2 * H + j] + r * gh[2 * H + j]);
          h[j] = (1.0f - z) * n + z * h[j];
        }
      }
      std::copy(h, h + H, dst + (b * T + t) * D * H + d * H);
    }
    std::copy(h, h + H, hn);
    if (cn)
      std::copy(c, c + H, cn);
  }

  Cell cell;
  int64_t L, D, H, B, T, I, G;
  bool hasBias;
  std::vector<float> inter[2];
  std::vector<float> rowScratch;
};

/// Validates the node (see the header comment) and creates the kernel.
std::unique_ptr<Kernel> makeRnn(const KernelSignature &sig, Cell cell) {
  const std::string &name = sig.kernel;
  const RecurrentAttrs attrs = RecurrentAttrs::read(sig.attrs);
  const int64_t H = attrs.hiddenSize, L = attrs.numLayers;
  const bool bidirectional = attrs.bidirectional, hasBias = attrs.hasBias;
  if (H < 1 || L < 1)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         name + ": hidden_size and num_layers must be positive, got " +
             std::to_string(H) + " and " + std::to_string(L));
  const int64_t D = bidirectional ? 2 : 1;
  const int64_t states = cell == Cell::Lstm ? 2 : 1;
  const int64_t perDirection = hasBias ? 4 : 2;
  const size_t weightsEnd = 1 + states + L * D * perDirection;
  // One input more than the weights: the per-sequence lengths.
  const bool lengths = sig.inputs.size() == weightsEnd + 1;
  sig.expectArity(weightsEnd + (lengths ? 1 : 0), 1 + states);
  for (size_t i = 0; i < weightsEnd; ++i)
    sig.expectInputDType(i, HEED_F32);
  for (size_t i = 0; i < sig.outputs.size(); ++i)
    sig.expectOutputDType(i, HEED_F32);

  const TensorDesc &x = sig.inputs[0];
  if (x.rank() != 3 || x.numel() == 0)
    sig.shapeError("input must be [batch, time, features] with no empty "
                   "dimension, got " +
                   x.str());
  const int64_t B = x.dim(0), T = x.dim(1), I = x.dim(2);
  auto expectShape = [&](const TensorDesc &t, std::vector<int64_t> shape,
                         const std::string &what) {
    if (t.shape != shape)
      sig.shapeError(what + " must be " +
                     TensorDesc{HEED_F32, std::move(shape)}.str() + ", got " +
                     t.str());
  };
  static const char *stateNames[] = {"h0", "c0"};
  for (int64_t s = 0; s < states; ++s)
    expectShape(sig.inputs[1 + s], {L * D, B, H}, stateNames[s]);
  static const char *weightNames[] = {"weight_ih", "weight_hh", "bias_ih",
                                      "bias_hh"};
  const int64_t G = cell == Cell::Lstm ? 4 : 3;
  for (int64_t l = 0; l < L; ++l) {
    const int64_t in = l == 0 ? I : D * H;
    const std::vector<int64_t> shapes[4] = {
        {G * H, in}, {G * H, H}, {G * H}, {G * H}};
    for (int64_t d = 0; d < D; ++d)
      for (int64_t i = 0; i < perDirection; ++i)
        expectShape(sig.inputs[1 + states + (l * D + d) * perDirection + i],
                    shapes[i],
                    std::string(weightNames[i]) + "_l" + std::to_string(l) +
                        (d ? "_reverse" : ""));
  }
  expectShape(sig.outputs[0], {B, T, D * H}, "output sequence");
  static const char *outNames[] = {"h_n", "c_n"};
  for (int64_t s = 0; s < states; ++s)
    expectShape(sig.outputs[1 + s], {L * D, B, H}, outNames[s]);
  if (lengths) {
    sig.expectInputDType(weightsEnd, HEED_I64);
    if (sig.inputs[weightsEnd].shape != std::vector<int64_t>{B})
      sig.shapeError("lengths must be [" + std::to_string(B) + "], got " +
                     sig.inputs[weightsEnd].str());
    return std::make_unique<LengthsRnnKernel>(cell, H, L, bidirectional,
                                              hasBias, B, T, I);
  }
  return std::make_unique<RnnKernel>(sig, cell, H, L, bidirectional, hasBias);
}

} // namespace

void registerRecurrentKernels() {
  registerKernel("lstm", [](const KernelSignature &sig) {
    return makeRnn(sig, Cell::Lstm);
  });
  registerKernel("gru", [](const KernelSignature &sig) {
    return makeRnn(sig, Cell::Gru);
  });
}

} // namespace heed::rt
