//===- RecurrentTest.cpp - libheedrt lstm/gru kernels vs reference --------===//
//
// Expected values come from the reference kernels ref::lstm and ref::gru
// (reference/Kernels.h: torch.nn.LSTM/GRU semantics in plain double loops,
// themselves checked against PyTorch in test/unit/reference).
//
// Tolerance: 1e-5 relative (max-norm per tensor). The kernel computes in
// f32 (oneDNN, biases pre-summed in f32); the reference in double. Errors
// stay near 1e-7 because the gates squash the state at every step.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "RuntimeTestUtil.h"

#include <cstdio>

using namespace heed;
using namespace heed::test;

namespace {

/// \p t scaled by \p s, rounded to f32 again so the kernel and the reference
/// see the same values.
ref::Tensor scaled(const ref::Tensor &t, double s) {
  std::vector<ref::Scalar> data = t.data;
  for (auto &v : data)
    v *= s;
  return ref::Tensor(t.dtype, t.shape, std::move(data));
}

struct RnnCase {
  bool lstm = true;
  int64_t batch = 3, steps = 7, input = 5, hidden = 33, layers = 2;
  bool bidirectional = false;
  bool hasBias = true;
  uint64_t seed = 1;
  /// Per-sequence lengths (the kernel's last input) when not empty.
  std::vector<double> lengths;
};

/// The inputs of the kernel and of the reference for \p c.
struct RnnProblem {
  std::vector<ref::Tensor> inputs; ///< x, h0[, c0], weights...
  std::vector<ref::RnnWeights> weights;
  std::vector<OutputSpec> outputs;
};

RnnProblem makeProblem(const RnnCase &c) {
  RnnProblem p;
  const int64_t dirs = c.bidirectional ? 2 : 1;
  const int64_t gates = c.lstm ? 4 : 3;
  const int64_t H = c.hidden;
  uint64_t seed = c.seed * 1000;
  p.inputs.push_back(
      randomTensor(DType::F32, {c.batch, c.steps, c.input}, seed++));
  const ref::Shape state = {c.layers * dirs, c.batch, H};
  p.inputs.push_back(scaled(randomTensor(DType::F32, state, seed++), 0.5));
  if (c.lstm)
    p.inputs.push_back(scaled(randomTensor(DType::F32, state, seed++), 0.5));
  // PyTorch's default init range, 1/sqrt(H), keeps the gates unsaturated.
  const double range = 1.0 / std::sqrt((double)H);
  for (int64_t l = 0; l < c.layers; ++l)
    for (int64_t d = 0; d < dirs; ++d) {
      const int64_t in = l == 0 ? c.input : dirs * H;
      ref::RnnWeights w;
      w.wIh = scaled(randomTensor(DType::F32, {gates * H, in}, seed++), range);
      w.wHh = scaled(randomTensor(DType::F32, {gates * H, H}, seed++), range);
      p.inputs.push_back(w.wIh);
      p.inputs.push_back(w.wHh);
      if (c.hasBias) {
        w.bIh = scaled(randomTensor(DType::F32, {gates * H}, seed++), range);
        w.bHh = scaled(randomTensor(DType::F32, {gates * H}, seed++), range);
        p.inputs.push_back(w.bIh);
        p.inputs.push_back(w.bHh);
      }
      p.weights.push_back(w);
    }
  if (!c.lengths.empty())
    p.inputs.push_back(ref::Tensor(DType::I64, {c.batch}, c.lengths));
  p.outputs.push_back({DType::F32, {c.batch, c.steps, dirs * H}});
  p.outputs.push_back({DType::F32, state});
  if (c.lstm)
    p.outputs.push_back({DType::F32, state});
  return p;
}

AttrSetter rnnAttrs(const RnnCase &c) {
  return [c](heed_plan *plan, int32_t node) {
    heed_plan_set_int(plan, node, "hidden_size", c.hidden);
    heed_plan_set_int(plan, node, "num_layers", c.layers);
    heed_plan_set_int(plan, node, "bidirectional", c.bidirectional);
    heed_plan_set_int(plan, node, "has_bias", c.hasBias);
  };
}

ref::RnnResult reference(const RnnCase &c, const RnnProblem &p) {
  const ref::Tensor *lengths = c.lengths.empty() ? nullptr : &p.inputs.back();
  if (c.lstm)
    return ref::lstm(p.inputs[0], &p.inputs[1], &p.inputs[2], p.weights,
                     c.layers, c.bidirectional, lengths);
  return ref::gru(p.inputs[0], &p.inputs[1], p.weights, c.layers,
                  c.bidirectional, lengths);
}

/// Runs case \p c and compares every output with the reference; prints the
/// measured errors.
void checkCase(const RnnCase &c, int threads = 1, bool asConstants = false) {
  const char *name = c.lstm ? "lstm" : "gru";
  RnnProblem p = makeProblem(c);
  auto out =
      runKernel(name, p.inputs, p.outputs, rnnAttrs(c), threads, asConstants);
  ASSERT_EQ(out.size(), p.outputs.size());
  ref::RnnResult expected = reference(c, p);
  double errSeq = relativeError(out[0], expected.sequence);
  double errH = relativeError(out[1], expected.hidden);
  std::printf("[ error    ] %s B=%lld T=%lld I=%lld H=%lld L=%lld dirs=%d "
              "bias=%d consts=%d: sequence %.3g, h_n %.3g",
              name, (long long)c.batch, (long long)c.steps, (long long)c.input,
              (long long)c.hidden, (long long)c.layers, c.bidirectional ? 2 : 1,
              (int)c.hasBias, (int)asConstants, errSeq, errH);
  if (c.lstm)
    std::printf(", c_n %.3g", relativeError(out[2], expected.cell));
  std::printf("\n");
  EXPECT_TENSOR_NEAR(out[0], expected.sequence, 1e-5);
  EXPECT_TENSOR_NEAR(out[1], expected.hidden, 1e-5);
  if (c.lstm)
    EXPECT_TENSOR_NEAR(out[2], expected.cell, 1e-5);
}

TEST(RuntimeRecurrentTest, LstmMatchesReference) {
  for (bool bidirectional : {false, true})
    for (bool hasBias : {true, false}) {
      SCOPED_TRACE(testing::Message()
                   << "bidirectional " << bidirectional << " bias " << hasBias);
      RnnCase c;
      c.bidirectional = bidirectional;
      c.hasBias = hasBias;
      c.seed = 1 + 2 * bidirectional + hasBias;
      checkCase(c);
    }
}

TEST(RuntimeRecurrentTest, GruMatchesReference) {
  for (bool bidirectional : {false, true})
    for (bool hasBias : {true, false}) {
      SCOPED_TRACE(testing::Message()
                   << "bidirectional " << bidirectional << " bias " << hasBias);
      RnnCase c;
      c.lstm = false;
      c.bidirectional = bidirectional;
      c.hasBias = hasBias;
      c.seed = 11 + 2 * bidirectional + hasBias;
      checkCase(c);
    }
}

TEST(RuntimeRecurrentTest, LengthsMatchReference) {
  // Packed sequences: a full row, a short one and an empty one, in both
  // cells, one and two directions, two layers, with and without bias.
  for (bool lstm : {true, false})
    for (bool bidirectional : {false, true})
      for (bool hasBias : {true, false}) {
        SCOPED_TRACE(testing::Message()
                     << "lstm " << lstm << " bidirectional " << bidirectional
                     << " bias " << hasBias);
        RnnCase c;
        c.lstm = lstm;
        c.bidirectional = bidirectional;
        c.hasBias = hasBias;
        c.lengths = {7, 3, 0};
        c.seed = 21 + 4 * lstm + 2 * bidirectional + hasBias;
        checkCase(c);
        checkCase(c, 3); // rows split over threads: the same values
      }
}

TEST(RuntimeRecurrentTest, DegenerateAndDeepShapes) {
  // One step, one sequence, one hidden unit; and three layers (the layers
  // above the first share one primitive and two ping-pong buffers).
  for (bool lstm : {true, false}) {
    SCOPED_TRACE(lstm ? "lstm" : "gru");
    RnnCase tiny;
    tiny.lstm = lstm;
    tiny.batch = 1;
    tiny.steps = 1;
    tiny.input = 1;
    tiny.hidden = 1;
    tiny.layers = 1;
    tiny.seed = 21;
    checkCase(tiny);
    RnnCase deep;
    deep.lstm = lstm;
    deep.batch = 1;
    deep.steps = 33;
    deep.input = 7;
    deep.hidden = 7;
    deep.layers = 3;
    deep.bidirectional = true;
    deep.seed = 22;
    checkCase(deep);
  }
}

TEST(RuntimeRecurrentTest, ConstantWeights) {
  // Weights as plan constants (the usual case for a compiled model).
  RnnCase c;
  c.bidirectional = true;
  c.seed = 31;
  checkCase(c, 1, /*asConstants=*/true);
  c.lstm = false;
  checkCase(c, 1, /*asConstants=*/true);
}

TEST(RuntimeRecurrentTest, ThreadCountDoesNotChangeResults) {
  for (bool lstm : {true, false}) {
    SCOPED_TRACE(lstm ? "lstm" : "gru");
    RnnCase c;
    c.lstm = lstm;
    c.batch = 33;
    c.steps = 17;
    c.input = 129;
    c.hidden = 65;
    c.bidirectional = true;
    c.seed = 41;
    RnnProblem p = makeProblem(c);
    auto one =
        runKernel(lstm ? "lstm" : "gru", p.inputs, p.outputs, rnnAttrs(c), 1);
    auto three =
        runKernel(lstm ? "lstm" : "gru", p.inputs, p.outputs, rnnAttrs(c), 3);
    ASSERT_EQ(one.size(), p.outputs.size());
    ASSERT_EQ(three.size(), p.outputs.size());
    for (size_t i = 0; i < one.size(); ++i)
      EXPECT_EQ(one[i].data, three[i].data) << "output " << i;
  }
}

/// Output specs and input specs of case \p c, for error tests.
std::pair<std::vector<OutputSpec>, std::vector<OutputSpec>>
specs(const RnnCase &c) {
  RnnProblem p = makeProblem(c);
  std::vector<OutputSpec> in;
  for (const ref::Tensor &t : p.inputs)
    in.push_back({t.dtype, t.shape});
  return {in, p.outputs};
}

TEST(RuntimeRecurrentTest, Errors) {
  RnnCase c;
  c.bidirectional = true;
  auto [in, out] = specs(c);
  // Inputs: x, h0, c0, then 4 per (layer, direction): the reverse direction
  // of layer 1 starts at 3 + 12.
  auto bad = in;
  bad[3 + 12 + 1].shape = {132, 32};
  auto [status, message] = finalizeKernel("lstm", bad, out, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "lstm: weight_hh_l1_reverse must be f32[132, 33], got "
                     "f32[132, 32]");

  bad = in;
  bad[3 + 8].shape = {132, 5}; // layer 1 reads the 66 features of layer 0
  std::tie(status, message) = finalizeKernel("lstm", bad, out, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message,
            "lstm: weight_ih_l1 must be f32[132, 66], got f32[132, 5]");

  bad = in;
  bad[3 + 2].shape = {131};
  std::tie(status, message) = finalizeKernel("lstm", bad, out, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "lstm: bias_ih_l0 must be f32[132], got f32[131]");

  bad = in;
  bad[2].shape = {2, 3, 33};
  std::tie(status, message) = finalizeKernel("lstm", bad, out, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "lstm: c0 must be f32[4, 3, 33], got f32[2, 3, 33]");

  bad = in;
  bad[0].shape = {3, 7};
  std::tie(status, message) = finalizeKernel("lstm", bad, out, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "lstm: input must be [batch, time, features] with no "
                     "empty dimension, got f32[3, 7]");

  auto badOut = out;
  badOut[0].shape = {3, 7, 33};
  std::tie(status, message) = finalizeKernel("lstm", in, badOut, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message,
            "lstm: output sequence must be f32[3, 7, 66], got f32[3, 7, 33]");

  // Without bias the weights come in pairs: 3 + 2 * 2 * 2 inputs.
  RnnCase noBias = c;
  noBias.hasBias = false;
  std::tie(status, message) = finalizeKernel("lstm", in, out, rnnAttrs(noBias));
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "lstm: expected 11 inputs and 3 outputs, got 19 and 3");

  bad = in;
  bad[1].dtype = DType::F16;
  std::tie(status, message) = finalizeKernel("lstm", bad, out, rnnAttrs(c));
  EXPECT_EQ(status, HEED_ERROR_DTYPE);
  EXPECT_EQ(message, "lstm: input 1 must be f32, got f16[4, 3, 33]");

  std::tie(status, message) = finalizeKernel("lstm", in, out);
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "lstm: missing integer attribute 'hidden_size'");

  RnnCase zeroLayers = c;
  zeroLayers.layers = 0;
  std::tie(status, message) =
      finalizeKernel("lstm", in, out, rnnAttrs(zeroLayers));
  EXPECT_EQ(status, HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message,
            "lstm: hidden_size and num_layers must be positive, got 33 and 0");

  RnnCase gru = c;
  gru.lstm = false;
  std::tie(in, out) = specs(gru);
  bad = in;
  bad[2].shape = {99, 6}; // inputs: x, h0, then weight_ih_l0 [99, 5]
  std::tie(status, message) = finalizeKernel("gru", bad, out, rnnAttrs(gru));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "gru: weight_ih_l0 must be f32[99, 5], got f32[99, 6]");
  badOut = out;
  badOut[1].shape = {2, 3, 33};
  std::tie(status, message) = finalizeKernel("gru", in, badOut, rnnAttrs(gru));
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "gru: h_n must be f32[4, 3, 33], got f32[2, 3, 33]");
}

} // namespace
