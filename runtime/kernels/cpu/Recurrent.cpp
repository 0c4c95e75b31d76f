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
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "KernelAttrs.h"
#include "OneDnn.h"
#include "Parallel.h"

#include <algorithm>
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
  sig.expectArity(1 + states + L * D * perDirection, 1 + states);
  for (size_t i = 0; i < sig.inputs.size(); ++i)
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
