//===- RecurrentTest.cpp - Reference LSTM / GRU kernels -------------------===//
//
// Expected values come from two independent sources, named on each test:
//   * hand calculations written out in the comments (H = 1, two steps);
//   * PyTorch 1.13 (torch.nn.LSTM / torch.nn.GRU, batch_first=True, float64)
//     via test/unit/reference/gen_expected.py, whose printed arrays are pasted
//     below verbatim.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace heed;
using namespace heed::ref;

namespace {

// ---- Arrays printed by test/unit/reference/gen_expected.py ----------------
// kLstmUniSeq, shape [2, 3, 2]
static const std::vector<double> kLstmUniSeq = {
    -0.258848587,  0.0295565646,  -0.0953734255, -0.0608705717,
    0.0119824311,  0.222981323,   -0.262454947,  0.0284303453,
    -0.0923355664, -0.0620114394, 0.0123947153,  0.222992735};
// kLstmUniH, shape [1, 2, 2]
static const std::vector<double> kLstmUniH = {0.0119824311, 0.222981323,
                                              0.0123947153, 0.222992735};
// kLstmUniC, shape [1, 2, 2]
static const std::vector<double> kLstmUniC = {0.0348982464, 0.319140637,
                                              0.0360595853, 0.319972504};
// kLstmUniH0Seq, shape [2, 3, 2]
static const std::vector<double> kLstmUniH0Seq = {
    -0.369269726,   0.0815143701, -0.139973674,  -0.0301945856,
    -0.00113133658, 0.226988971,  -0.0869789887, 0.136567542,
    0.0181913105,   0.044424963,  0.0469716809,  0.241103807};
// kLstmUniH0H, shape [1, 2, 2]
static const std::vector<double> kLstmUniH0H = {-0.00113133658, 0.226988971,
                                                0.0469716809, 0.241103807};
// kLstmUniH0C, shape [1, 2, 2]
static const std::vector<double> kLstmUniH0C = {-0.00328671586, 0.323897002,
                                                0.146937289, 0.35252714};
// kLstmBiSeq, shape [2, 3, 4]
static const std::vector<double> kLstmBiSeq = {
    -0.258848587,  0.0295565646,  -0.0510915151,  0.068226061,  -0.0953734255,
    -0.0608705717, 0.0491006664,  -0.00354300262, 0.0119824311, 0.222981323,
    0.110413039,   -0.109859567,  -0.262454947,   0.0284303453, -0.0513909814,
    0.0669066639,  -0.0923355664, -0.0620114394,  0.0544538837, -0.00355988259,
    0.0123947153,  0.222992735,   0.109685444,    -0.106073497};
// kLstmBiH, shape [2, 2, 2]
static const std::vector<double> kLstmBiH = {
    0.0119824311,  0.222981323, 0.0123947153,  0.222992735,
    -0.0510915151, 0.068226061, -0.0513909814, 0.0669066639};
// kLstmBiC, shape [2, 2, 2]
static const std::vector<double> kLstmBiC = {
    0.0348982464,  0.319140637, 0.0360595853,  0.319972504,
    -0.0933220891, 0.200585332, -0.0935665258, 0.198427021};
// kLstmTwoLayerBiH0Seq, shape [2, 4, 4]
static const std::vector<double> kLstmTwoLayerBiH0Seq = {
    0.0029624384,  0.0935598484, -0.00323120442, -0.0459369176, 0.0410951359,
    0.11285597,    0.0129159038, -0.0565485914,  0.101674655,   0.0488872705,
    0.0270034073,  -0.039069135, 0.0869553106,   0.062143467,   0.0607900838,
    0.0348492757,  0.150910542,  0.112102941,    0.038935856,   -0.130918905,
    0.168404475,   0.0435662739, 0.0280240459,   -0.123819413,  0.127584756,
    0.0517738635,  0.0114848718, -0.128515414,   0.134218421,   0.0456411923,
    -0.0383755178, -0.169255215};
// kLstmTwoLayerBiH0H, shape [4, 2, 2]
static const std::vector<double> kLstmTwoLayerBiH0H = {
    -0.231134556,   0.102106087,   -0.008559237, 0.0193069768,
    -0.0434327224,  0.0693466986,  0.019988901,  0.0108695972,
    0.0869553106,   0.062143467,   0.134218421,  0.0456411923,
    -0.00323120442, -0.0459369176, 0.038935856,  -0.130918905};
// kLstmTwoLayerBiH0C, shape [4, 2, 2]
static const std::vector<double> kLstmTwoLayerBiH0C = {
    -0.338707689,   0.260617352,   -0.0126509765, 0.0317543999,
    -0.0795059513,  0.20357876,    0.0297884453,  0.0270807172,
    0.186541833,    0.14166693,    0.295552196,   0.0986782706,
    -0.00874521543, -0.0995075775, 0.0912035578,  -0.348792603};
// kLstmTwoLayerNoBiasSeq, shape [1, 3, 3]
static const std::vector<double> kLstmTwoLayerNoBiasSeq = {
    -0.0109643463, 0.0146444597,  -0.00249490154, -0.0332728683, 0.0686869812,
    -0.0181053814, -0.0280426698, 0.0543834355,   -0.016717357};
// kLstmTwoLayerNoBiasH, shape [2, 1, 3]
static const std::vector<double> kLstmTwoLayerNoBiasH = {
    -0.0527588352, -0.0852522408, -0.0433004788,
    -0.0280426698, 0.0543834355,  -0.016717357};
// kLstmTwoLayerNoBiasC, shape [2, 1, 3]
static const std::vector<double> kLstmTwoLayerNoBiasC = {
    -0.114812691,  -0.148952978, -0.0873642868,
    -0.0574534567, 0.105106856,  -0.0340011177};
// kGruUniH0Seq, shape [2, 3, 2]
static const std::vector<double> kGruUniH0Seq = {
    -0.601764519,   -0.110332049,  -0.310427472, -0.238240138,
    0.000131921494, 0.371719676,   -0.305508474, 0.272864559,
    -0.0695949265,  -0.0136560926, 0.180433878,  0.419202301};
// kGruUniH0H, shape [1, 2, 2]
static const std::vector<double> kGruUniH0H = {0.000131921494, 0.371719676,
                                               0.180433878, 0.419202301};
// kGruTwoLayerBiSeq, shape [2, 4, 4]
static const std::vector<double> kGruTwoLayerBiSeq = {
    -0.0026508559, 0.119164761,   -0.0766732287, 0.0545556833,  0.051058626,
    0.160746404,   -0.029261036,  -0.0100974553, 0.217133117,   -0.0102739391,
    -0.0666908146, -0.0155957787, 0.162295207,   0.0534718328,  -0.0526252583,
    0.0307999625,  0.0982677853,  0.0716242933,  0.0115154512,  -0.068157301,
    0.26566819,    -0.084509277,  -0.033108778,  -0.0619619406, 0.200814559,
    0.00358113812, -0.0198272497, -0.0116417747, 0.207916907,   0.0539770553,
    0.0364248483,  -0.0500336047};
// kGruTwoLayerBiH, shape [4, 2, 2]
static const std::vector<double> kGruTwoLayerBiH = {
    -0.272632406,  0.293303156,  -0.0112704629, 0.00348237189,
    -0.0733865296, 0.325256382,  0.135236332,   0.00355963303,
    0.162295207,   0.0534718328, 0.207916907,   0.0539770553,
    -0.0766732287, 0.0545556833, 0.0115154512,  -0.068157301};
// ---- End of gen_expected.py output ----------------------------------------

/// wave(n, phase, amp)[i] = amp * sin(0.7 * i + phase), as in
/// gen_expected.py; the f32 Tensor rounds it exactly as the script does.
std::vector<double> wave(int64_t n, double phase, double amp) {
  std::vector<double> v((size_t)n);
  for (int64_t i = 0; i < n; ++i)
    v[(size_t)i] = amp * std::sin(0.7 * (double)i + phase);
  return v;
}

Tensor waveTensor(const Shape &shape, double phase, double amp) {
  return Tensor(DType::F32, shape, wave(numElements(shape), phase, amp));
}

void expectTensorNear(const Tensor &actual, const Shape &shape,
                      const std::vector<double> &expected) {
  ASSERT_EQ(actual.shape, shape);
  ASSERT_EQ(actual.data.size(), expected.size());
  EXPECT_EQ(actual.dtype, DType::F32);
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual.data[i], expected[i],
                1e-5 * std::fabs(expected[i]) + 1e-7)
        << "at flat index " << i;
}

/// The weights gen_expected.py installs: slot w = layer * dirs + dir.
std::vector<RnnWeights> makeWeights(int64_t gates, int64_t inputSize,
                                    int64_t hidden, int64_t layers,
                                    int64_t dirs, bool bias) {
  std::vector<RnnWeights> ws;
  for (int64_t layer = 0; layer < layers; ++layer) {
    const int64_t in = layer == 0 ? inputSize : dirs * hidden;
    for (int64_t d = 0; d < dirs; ++d) {
      const double w = (double)(layer * dirs + d);
      RnnWeights rw;
      rw.wIh = waveTensor({gates * hidden, in}, 1.0 + w, 0.5);
      rw.wHh = waveTensor({gates * hidden, hidden}, 2.0 + w, 0.5);
      if (bias) {
        rw.bIh = waveTensor({gates * hidden}, 3.0 + w, 0.2);
        rw.bHh = waveTensor({gates * hidden}, 4.0 + w, 0.2);
      } else {
        rw.bIh = Tensor(DType::F32, {0});
        rw.bHh = Tensor(DType::F32, {0});
      }
      ws.push_back(rw);
    }
  }
  return ws;
}

struct RnnCase {
  int64_t B, T, I, H, layers;
  bool bidirectional, bias, withH0;
};

RnnResult runLstm(const RnnCase &c) {
  const int64_t dirs = c.bidirectional ? 2 : 1;
  Tensor x = waveTensor({c.B, c.T, c.I}, 0.0, 1.0);
  Tensor h0 = waveTensor({c.layers * dirs, c.B, c.H}, 5.0, 0.5);
  Tensor c0 = waveTensor({c.layers * dirs, c.B, c.H}, 6.0, 0.5);
  return lstm(x, c.withH0 ? &h0 : nullptr, c.withH0 ? &c0 : nullptr,
              makeWeights(4, c.I, c.H, c.layers, dirs, c.bias), c.layers,
              c.bidirectional);
}

RnnResult runGru(const RnnCase &c) {
  const int64_t dirs = c.bidirectional ? 2 : 1;
  Tensor x = waveTensor({c.B, c.T, c.I}, 0.0, 1.0);
  Tensor h0 = waveTensor({c.layers * dirs, c.B, c.H}, 5.0, 0.5);
  return gru(x, c.withH0 ? &h0 : nullptr,
             makeWeights(3, c.I, c.H, c.layers, dirs, c.bias), c.layers,
             c.bidirectional);
}

} // namespace

// Hand calculation. I = H = 1, B = 1, T = 2, no bias, h0 = c0 = 0.
// wIh = [1, 0, 2, 0] (gates i, f, g, o), wHh = [0, 0, 0, 1], x = [0.5, 1].
// Step 1 (x = 0.5, h = 0):
//   i = sigmoid(0.5) = 0.6224593312, f = sigmoid(0) = 0.5,
//   g = tanh(1) = 0.7615941560, o = sigmoid(0) = 0.5
//   c1 = f*0 + i*g = 0.4740613890, h1 = o * tanh(c1) = 0.5 * 0.4414749937
//      = 0.2207374968
// Step 2 (x = 1, h = h1):
//   i = sigmoid(1) = 0.7310585786, f = 0.5, g = tanh(2) = 0.9640275801,
//   o = sigmoid(h1) = 0.5549613889
//   c2 = 0.5*c1 + i*g = 0.9417913269, h2 = o * tanh(c2) = o * 0.7360441915
//      = 0.4084761068
TEST(RefRecurrentTest, LstmLengthsByHand) {
  // By hand: H = I = 1 and every weight and bias 0, so i = f = o = 0.5 and
  // g = tanh(0) = 0: c' = c / 2, h = tanh(c') / 2. From c0 = 1, h0 = 0 the
  // first step gives c = 0.5, h = tanh(0.5) / 2 = 0.2310585786, the second
  // c = 0.25, h = tanh(0.25) / 2 = 0.1224593312. Lengths [2, 0, 1] over
  // T = 3: row 0 takes two steps, row 1 none (outputs 0, final states the
  // initial ones), row 2 one; outputs past a length are 0. The reverse
  // direction starts at the length: row 0 steps t = 1, then t = 0.
  const double s1 = 0.2310585786, s2 = 0.1224593312;
  Tensor x(DType::F32, {3, 3, 1}, std::vector<double>(9, 0.7));
  Tensor h0(DType::F32, {2, 3, 1}, std::vector<double>(6, 0.0));
  Tensor c0(DType::F32, {2, 3, 1}, std::vector<double>(6, 1.0));
  RnnWeights w{Tensor(DType::F32, {4, 1}), Tensor(DType::F32, {4, 1}),
               Tensor(DType::F32, {4}), Tensor(DType::F32, {4})};
  Tensor lengths(DType::I64, {3}, {2, 0, 1});
  RnnResult r = lstm(x, &h0, &c0, {w, w}, 1, /*bidirectional=*/true, &lengths);
  // [B, T, (forward, reverse)].
  std::vector<double> seq = {s1, s2, s2, s1, 0, 0,  // row 0
                             0,  0,  0,  0,  0, 0,  // row 1
                             s1, s1, 0,  0,  0, 0}; // row 2
  for (size_t i = 0; i < seq.size(); ++i)
    EXPECT_NEAR(r.sequence.data[i], seq[i], 1e-7) << i;
  // [dirs, B, 1]: forward then reverse.
  std::vector<double> h = {s2, 0, s1, s2, 0, s1};
  std::vector<double> c = {0.25, 1, 0.5, 0.25, 1, 0.5};
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_NEAR(r.hidden.data[i], h[i], 1e-7) << i;
    EXPECT_NEAR(r.cell.data[i], c[i], 1e-7) << i;
  }
  Tensor bad(DType::I64, {3}, {2, 4, 1});
  EXPECT_THROW(lstm(x, &h0, &c0, {w, w}, 1, true, &bad), KernelError);
}

TEST(RefRecurrentTest, LstmHandTwoSteps) {
  Tensor x(DType::F32, {1, 2, 1}, {0.5, 1.0});
  RnnWeights w;
  w.wIh = Tensor(DType::F32, {4, 1}, {1, 0, 2, 0});
  w.wHh = Tensor(DType::F32, {4, 1}, {0, 0, 0, 1});
  w.bIh = Tensor(DType::F32, {0});
  w.bHh = Tensor(DType::F32, {0});
  RnnResult r = lstm(x, nullptr, nullptr, {w}, 1, false);
  expectTensorNear(r.sequence, {1, 2, 1}, {0.2207374968, 0.4084761068});
  expectTensorNear(r.hidden, {1, 1, 1}, {0.4084761068});
  expectTensorNear(r.cell, {1, 1, 1}, {0.9417913269});
}

// Hand calculation. I = H = 1, B = 1, T = 2, h0 = 0.
// wIh = [1, 0, 1] (gates r, z, n), wHh = [0, 1, 1], bIh = 0,
// bHh = [0, 0, 0.5], x = [1, -1].
// Step 1 (x = 1, h = 0):
//   r = sigmoid(1) = 0.7310585786, z = sigmoid(0) = 0.5,
//   n = tanh(1 + r * (0 + 0.5)) = tanh(1.3655292893) = 0.8776693068,
//   h1 = (1 - z) * n + z * 0 = 0.4388346534
// Step 2 (x = -1, h = h1):
//   r = sigmoid(-1) = 0.2689414214, z = sigmoid(h1) = 0.6079813170,
//   n = tanh(-1 + r * (h1 + 0.5)) = tanh(-0.7475084739) = -0.6336601904,
//   h2 = (1 - z) * n + z * h1 = -0.2484082985 + 0.2668049357 = 0.0183966372
TEST(RefRecurrentTest, GruHandTwoSteps) {
  Tensor x(DType::F32, {1, 2, 1}, {1.0, -1.0});
  RnnWeights w;
  w.wIh = Tensor(DType::F32, {3, 1}, {1, 0, 1});
  w.wHh = Tensor(DType::F32, {3, 1}, {0, 1, 1});
  w.bIh = Tensor(DType::F32, {3}, {0, 0, 0});
  w.bHh = Tensor(DType::F32, {3}, {0, 0, 0.5});
  RnnResult r = gru(x, nullptr, {w}, 1, false);
  expectTensorNear(r.sequence, {1, 2, 1}, {0.4388346534, 0.0183966372});
  expectTensorNear(r.hidden, {1, 1, 1}, {0.0183966372});
  EXPECT_EQ(r.cell.numel(), 0);
}

// PyTorch via gen_expected.py: kLstmUni*.
TEST(RefRecurrentTest, LstmUnidirectional) {
  RnnResult r = runLstm({2, 3, 3, 2, 1, false, true, false});
  expectTensorNear(r.sequence, {2, 3, 2}, kLstmUniSeq);
  expectTensorNear(r.hidden, {1, 2, 2}, kLstmUniH);
  expectTensorNear(r.cell, {1, 2, 2}, kLstmUniC);
}

// PyTorch via gen_expected.py: kLstmUniH0*.
TEST(RefRecurrentTest, LstmUnidirectionalWithInitialState) {
  RnnResult r = runLstm({2, 3, 3, 2, 1, false, true, true});
  expectTensorNear(r.sequence, {2, 3, 2}, kLstmUniH0Seq);
  expectTensorNear(r.hidden, {1, 2, 2}, kLstmUniH0H);
  expectTensorNear(r.cell, {1, 2, 2}, kLstmUniH0C);
}

// PyTorch via gen_expected.py: kLstmBi*.
TEST(RefRecurrentTest, LstmBidirectional) {
  RnnResult r = runLstm({2, 3, 3, 2, 1, true, true, false});
  expectTensorNear(r.sequence, {2, 3, 4}, kLstmBiSeq);
  expectTensorNear(r.hidden, {2, 2, 2}, kLstmBiH);
  expectTensorNear(r.cell, {2, 2, 2}, kLstmBiC);
}

// PyTorch via gen_expected.py: kLstmTwoLayerBiH0*.
TEST(RefRecurrentTest, LstmTwoLayerBidirectionalWithInitialState) {
  RnnResult r = runLstm({2, 4, 3, 2, 2, true, true, true});
  expectTensorNear(r.sequence, {2, 4, 4}, kLstmTwoLayerBiH0Seq);
  expectTensorNear(r.hidden, {4, 2, 2}, kLstmTwoLayerBiH0H);
  expectTensorNear(r.cell, {4, 2, 2}, kLstmTwoLayerBiH0C);
}

// PyTorch via gen_expected.py: kLstmTwoLayerNoBias* (bias=False, so the
// bias tensors are empty).
TEST(RefRecurrentTest, LstmTwoLayerWithoutBias) {
  RnnResult r = runLstm({1, 3, 2, 3, 2, false, false, false});
  expectTensorNear(r.sequence, {1, 3, 3}, kLstmTwoLayerNoBiasSeq);
  expectTensorNear(r.hidden, {2, 1, 3}, kLstmTwoLayerNoBiasH);
  expectTensorNear(r.cell, {2, 1, 3}, kLstmTwoLayerNoBiasC);
}

// PyTorch via gen_expected.py: kGruUniH0*.
TEST(RefRecurrentTest, GruUnidirectionalWithInitialState) {
  RnnResult r = runGru({2, 3, 3, 2, 1, false, true, true});
  expectTensorNear(r.sequence, {2, 3, 2}, kGruUniH0Seq);
  expectTensorNear(r.hidden, {1, 2, 2}, kGruUniH0H);
  EXPECT_EQ(r.cell.numel(), 0);
}

// PyTorch via gen_expected.py: kGruTwoLayerBi*.
TEST(RefRecurrentTest, GruTwoLayerBidirectional) {
  RnnResult r = runGru({2, 4, 3, 2, 2, true, true, false});
  expectTensorNear(r.sequence, {2, 4, 4}, kGruTwoLayerBiSeq);
  expectTensorNear(r.hidden, {4, 2, 2}, kGruTwoLayerBiH);
}
