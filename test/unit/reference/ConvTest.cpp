//===- ConvTest.cpp - Reference convolution and pooling kernels -----------===//
//
// Expected values come from two independent sources, named on each test:
//   * hand calculations written out in the comments (3x3 inputs);
//   * PyTorch 1.13 (torch.nn.functional.conv2d / max_pool2d / avg_pool2d,
//     float64) via test/unit/reference/gen_expected.py, whose printed arrays
//     are pasted below verbatim.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace heed;
using namespace heed::ref;

namespace {

// ---- Arrays printed by test/unit/reference/gen_expected.py ----------------
// kConvGrouped, shape [2, 6, 3, 9]
static const std::vector<double> kConvGrouped = {
    0.27278924,    0.282151512,   -0.915033038,  -1.56008742,    -1.34311123,
    -0.366151806,  0.911311537,   1.12955313,    0.27278924,     0.27278924,
    -1.06573274,   -1.59931593,   0.181832203,   2.00575885,     3.01464278,
    2.73399018,    0.910983348,   0.27278924,    0.27278924,     0.535214966,
    1.82749407,    2.20099527,    1.667631,      0.478250871,    -0.807761032,
    -0.602498173,  0.27278924,    0.128213957,   0.969445147,    2.12037316,
    1.58622846,    0.366356749,   -0.96551723,   -1.78299233,    -0.78997191,
    0.128213957,   0.128213957,   0.856723756,   -0.220203572,   -1.70905782,
    -2.3338144,    -1.80064057,   -0.360296374,  0.667188377,    0.128213957,
    0.128213957,   -0.700185311,  -1.43679651,   -0.578121172,   0.612754639,
    1.57574337,    1.8579364,     0.688638948,   0.128213957,    -0.0766623318,
    -0.959708226,  -0.957851362,  0.241953569,   1.29190844,     1.69820309,
    1.26975082,    0.0201807719,  -0.0766623318, -0.0766623318,  0.505245905,
    2.15730133,    1.92244344,    0.747374827,   -0.815251321,   -2.03050748,
    -1.27462301,   -0.0766623318, -0.0766623318, 0.521268621,    -0.00598276934,
    -1.27128467,   -1.97473701,   -1.78549515,   -0.792562555,   0.21658037,
    -0.0766623318, -0.24548313,   -0.9653465,    -0.732339463,   0.52871639,
    1.42565413,    1.53662993,    0.809450084,   -0.343969626,   -0.24548313,
    -0.24548313,   0.774425847,   2.52629621,    2.06321836,     0.514322125,
    -1.39192239,   -2.75897862,   -1.66885857,   -0.24548313,    -0.24548313,
    0.399086887,   -0.211349799,  -1.4735055,    -2.15810309,    -1.94316561,
    -0.929781573,  0.0340728363,  -0.24548313,   -0.298849374,   -0.32535697,
    -1.54519957,   -2.25958417,   -2.05180458,   -1.01958276,    0.351611254,
    0.520734983,   -0.298849374,  -0.298849374,  -1.67587819,    -2.12237859,
    -0.588233821,  1.08201299,    2.10281865,    1.99408232,     0.203680177,
    -0.298849374,  -0.298849374,  -0.0448503269, 1.21668128,     1.41251003,
    0.803459711,   -0.324023786,  -1.43966735,   -1.1614025,     -0.298849374,
    -0.211662099,  0.535731454,   1.56962525,    1.05051305,     -0.0622198412,
    -1.24523779,   -1.94214894,   -0.96437728,   -0.211662099,   -0.211662099,
    0.198579832,   -1.08956535,   -2.21981545,   -2.40559967,    -1.55954077,
    -0.0795534693, 0.689797538,   -0.211662099,  -0.211662099,   -1.12002978,
    -1.81979118,   -0.761018784,  0.556124653,   1.51216596,     1.65746401,
    0.404610044,   -0.211662099,  0.27278924,    1.12765033,     1.92352941,
    0.979343134,   -0.297146461,  -1.30558639,   -1.57169157,    -0.384268203,
    0.27278924,    0.27278924,    0.246876431,   -1.37329987,    -2.44499017,
    -2.23846636,   -0.850859816,  1.06521645,    1.39833177,     0.27278924,
    0.27278924,    -0.740679094,  -1.17303283,   -0.00728820064, 1.29018119,
    2.10915526,    2.0644577,     0.726077142,   0.27278924,     0.128213957,
    -0.607130997,  -0.18682619,   1.15619349,    2.01573832,     1.98755095,
    1.08488833,    -0.015022086,  0.128213957,   0.128213957,    1.09849765,
    2.58561074,    2.11521909,    0.710307916,   -0.968371153,   -2.13130909,
    -0.926684081,  0.128213957,   0.128213957,   0.560854921,    -0.290900195,
    -1.28060694,   -1.60772317,   -1.11840108,   -0.042776441,   0.667449916,
    0.128213957,   -0.0766623318, -0.167810858,  -1.40020896,    -1.85085242,
    -1.46706657,   -0.429351885,  0.774238196,   0.729156799,    -0.0766623318,
    -0.0766623318, -1.05846414,   -0.982769744,  0.577458617,    1.83004365,
    2.18587509,    1.4775998,     -0.106611684,  -0.0766623318,  -0.0766623318,
    0.487474899,   1.80444215,    1.6665845,     0.70885065,     -0.618322219,
    -1.69074399,   -1.08998845,   -0.0766623318, -0.24548313,    -0.570119995,
    -1.88490942,   -2.04485903,   -1.35853405,   -0.14872384,    1.01557898,
    0.725930387,   -0.24548313,   -0.24548313,   -1.3275497,     -1.10907838,
    0.801214626,   2.2192293,     2.47805124,    1.4559524,      -0.188754455,
    -0.24548313,   -0.24548313,   0.391698598,   1.65150131,     1.48801573,
    0.509238556,   -0.824496011,  -1.88591179,   -1.17083672,    -0.24548313,
    -0.298849374,  0.697749424,   1.49023314,    0.493935285,    -0.875221563,
    -1.97330158,   -2.28386057,   -1.01097756,   -0.298849374,   -0.298849374,
    -0.0927834093, -1.59737994,   -2.67114802,   -2.62918697,    -1.49123176,
    0.207519535,   0.580300601,   -0.298849374,  -0.298849374,   -1.17412553,
    -1.45277692,   -0.341449693,  0.789913118,   1.40921392,     1.22518586,
    -0.0407746795, -0.298849374,  -0.211662099,  -0.922070168,   -0.430336329,
    0.764345623,   1.49999588,    1.43062667,    0.588863383,    -0.443475446,
    -0.211662099,  -0.211662099,  0.656389043,   2.00055754,     1.2054557,
    -0.256138764,  -1.69681516,   -2.43900088,   -1.18145597,    -0.211662099,
    -0.211662099,  0.0601981224,  -0.910203568,  -1.90091724,    -2.09714781,
    -1.406605,     -0.154061852,  0.445660955,   -0.211662099};
// kConvStride2, shape [1, 2, 2, 2]
static const std::vector<double> kConvStride2 = {
    -1.45848014, 0.332571729, -0.712562664, 1.26076175,
    -1.43782947, 0.384063739, -0.665005046, 1.29164897};
// kConvDepthwise, shape [1, 3, 5, 5]
static const std::vector<double> kConvDepthwise = {
    -0.112272963, -0.241104837,  0.0331226328,  0.420069067,  0.463957655,
    1.05478409,   1.32275262,    1.36841485,    0.898787245,  0.711356455,
    -0.867550774, -0.869763015,  -0.637789908,  0.0224428117, -0.00573990501,
    1.62655245,   1.36272725,    0.882599488,   0.115668387,  0.355882949,
    -1.21051866,  -1.1778995,    -0.322728585,  0.812523689,  0.882519112,
    0.626926687,  -0.202306899,  -0.43053671,   -0.395977313, 0.392297558,
    -0.840249982, -0.0930101085, 0.698005027,   1.2210385,    0.618361691,
    0.672965458,  -0.0670084493, -0.763127277,  -1.0400344,   -0.452349261,
    0.0764055146, 0.715072646,   1.2278278,     1.2234174,    0.72541083,
    -0.24725233,  -0.968329098,  -1.51832294,   -1.29392476,  -0.638518699,
    0.55582831,   0.342407908,   -0.0254507481, -0.417395032, -0.138492824,
    -1.31121487,  -1.26843438,   -0.967175181,  -0.247093876, -0.302674993,
    1.33201846,   1.02794334,    0.479199141,   -0.330975399, -0.0684831876,
    -1.48044688,  -0.953721007,  -0.227229869,  0.570075533,  0.134031453,
    1.24341811,   0.919372546,   -0.182860555,  -1.23514696,  -1.04489648};
// kMaxPoolPad, shape [1, 2, 3, 3]
static const std::vector<double> kMaxPoolPad = {
    0.64421767,  0.985449731, 0.98816824,  0.85459888,  0.990607381,
    0.98816824,  0.66956979,  0.990607381, 0.99276638,  0.836655617,
    0.994644761, 0.827327907, 0.817766249, 0.994644761, 0.996241927,
    0.817766249, 0.997557402, 0.807973385};
// kMaxPoolDilated, shape [1, 2, 6, 3]
static const std::vector<double> kMaxPoolDilated = {
    -0.871575773, 0.0168139003, 0.98816824,  0.85459888,   0.985449731,
    0.863209367,  0.66956979,   0.990607381, 0.98816824,   0.85459888,
    0.319098353,  0.99276638,   0.836655617, 0.990607381,  0.845746815,
    -0.887567043, 0.0504226871, 0.99276638,  -0.902554631, 0.0839744583,
    0.996241927,  0.817766249,  0.994644761, 0.827327907,  0.717974603,
    0.997557402,  0.996241927,  0.817766249, 0.254682332,  0.998590887,
    0.797952116,  0.997557402,  0.807973385, -0.916521549, 0.117431261,
    0.998590887};
// kAvgPoolPad, shape [1, 2, 3, 3]
static const std::vector<double> kAvgPoolPad = {
    -0.134423415,   0.099552376,    0.278820335,   0.00254018522,
    -0.00200643846, -0.00536090177, -0.128888911,  0.108431984,
    0.276882939,    0.209453449,    0.167827441,   -0.197004129,
    -0.00404771252, -0.00316292627, 0.00386621637, 0.210126698,
    0.1600376,      -0.203761395};
// kAvgPoolRect, shape [2, 1, 5, 3]
static const std::vector<double> kAvgPoolRect = {
    0.107369612,  0.415479461,    0.199699586,   -0.0963568886, 0.00126361847,
    0.0972907934, 0.070465972,    -0.0539049308, -0.110305588,  -0.0356197755,
    0.0996956142, 0.10930201,     -0.309812248,  -0.260615298,  0.117198806,
    0.306059033,  0.12779896,     -0.211606408,  0.0426492294,  0.149057873,
    0.067515259,  -0.0761250903,  -0.146356152,  -0.0320426325, 0.0999264705,
    0.125054522,  -0.00750218829, -0.0873582425, 0.292669588,   0.303662111};
// kGlobalAvgPool, shape [2, 3, 1, 1]
static const std::vector<double> kGlobalAvgPool = {0.137812947,  0.0659001227,
                                                   -0.206255325, 0.14831198,
                                                   0.0522218719, -0.202548423};
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

Window2d makeWindow(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                    int64_t pw, int64_t dh, int64_t dw) {
  Window2d w;
  w.kernel[0] = kh;
  w.kernel[1] = kw;
  w.stride[0] = sh;
  w.stride[1] = sw;
  w.padding[0] = ph;
  w.padding[1] = pw;
  w.dilation[0] = dh;
  w.dilation[1] = dw;
  return w;
}

/// x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] as [1, 1, 3, 3].
Tensor oneToNine() {
  return Tensor(DType::F32, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
}

} // namespace

// Hand calculation. x = [[1,2,3],[4,5,6],[7,8,9]], 3x3 all-ones kernel,
// padding 1, bias 1: each output is 1 + the sum of the in-bounds 3x3
// neighbourhood:
//   (0,0): 1+2+4+5 = 12          (0,1): 1+2+3+4+5+6 = 21   (0,2): 2+3+5+6 = 16
//   (1,0): 1+2+4+5+7+8 = 27      (1,1): 45                 (1,2): 33
//   (2,0): 4+5+7+8 = 24          (2,1): 4+5+6+7+8+9 = 39   (2,2): 5+6+8+9 = 28
TEST(RefConvTest, Conv3x3PaddedHand) {
  Tensor w(DType::F32, {1, 1, 3, 3}, std::vector<double>(9, 1.0));
  Tensor b(DType::F32, {1}, {1.0});
  Tensor y = conv2d(oneToNine(), w, &b, makeWindow(3, 3, 1, 1, 1, 1, 1, 1), 1);
  expectTensorNear(y, {1, 1, 3, 3}, {13, 22, 17, 28, 46, 34, 25, 40, 29});
}

// Hand calculation. Same input and kernel, padding 1, stride 2, no bias:
// outputs at the corner positions (0,0), (0,2), (2,0), (2,2) of the table
// above: 12, 16, 24, 28.
TEST(RefConvTest, Conv3x3StridedHand) {
  Tensor w(DType::F32, {1, 1, 3, 3}, std::vector<double>(9, 1.0));
  Tensor y =
      conv2d(oneToNine(), w, nullptr, makeWindow(3, 3, 2, 2, 1, 1, 1, 1), 1);
  expectTensorNear(y, {1, 1, 2, 2}, {12, 16, 24, 28});
}

// Hand calculation. Kernel [[1, 0], [0, -1]], no padding: y[i][j] =
// x[i][j] - x[i+1][j+1] = -4 everywhere (2x2 output). With dilation 2 the
// kernel [[1, 2], [3, 4]] reads x[0][0], x[0][2], x[2][0], x[2][2]:
// 1*1 + 2*3 + 3*7 + 4*9 = 64 (1x1 output).
TEST(RefConvTest, Conv2x2AndDilatedHand) {
  Tensor w1(DType::F32, {1, 1, 2, 2}, {1, 0, 0, -1});
  expectTensorNear(
      conv2d(oneToNine(), w1, nullptr, makeWindow(2, 2, 1, 1, 0, 0, 1, 1), 1),
      {1, 1, 2, 2}, {-4, -4, -4, -4});
  Tensor w2(DType::F32, {1, 1, 2, 2}, {1, 2, 3, 4});
  expectTensorNear(
      conv2d(oneToNine(), w2, nullptr, makeWindow(2, 2, 1, 1, 0, 0, 2, 2), 1),
      {1, 1, 1, 1}, {64});
}

// PyTorch via gen_expected.py: kConvGrouped (groups 2, stride (2,1),
// padding (1,2), dilation (2,1), 3x2 kernel, bias).
TEST(RefConvTest, ConvGroupedStridePaddingDilation) {
  Tensor x = waveTensor({2, 4, 7, 6}, 0.0, 1.0);
  Tensor w = waveTensor({6, 2, 3, 2}, 1.0, 0.5);
  Tensor b = waveTensor({6}, 2.0, 0.3);
  // H: floor((7 + 2 - 2*2 - 1) / 2) + 1 = 3; W: (6 + 4 - 1 - 1) / 1 + 1 = 9.
  Tensor y = conv2d(x, w, &b, makeWindow(3, 2, 2, 1, 1, 2, 2, 1), 2);
  expectTensorNear(y, {2, 6, 3, 9}, kConvGrouped);
}

// PyTorch via gen_expected.py: kConvStride2 (stride 2, no padding, no bias;
// the last row / column that does not fit a window is dropped).
TEST(RefConvTest, ConvStride2NoBias) {
  Tensor x = waveTensor({1, 3, 6, 5}, 0.0, 1.0);
  Tensor w = waveTensor({2, 3, 3, 2}, 1.0, 0.5);
  Tensor y = conv2d(x, w, nullptr, makeWindow(3, 2, 2, 2, 0, 0, 1, 1), 1);
  expectTensorNear(y, {1, 2, 2, 2}, kConvStride2);
}

// PyTorch via gen_expected.py: kConvDepthwise (groups = C = 3, padding 1).
TEST(RefConvTest, ConvDepthwise) {
  Tensor x = waveTensor({1, 3, 5, 5}, 0.0, 1.0);
  Tensor w = waveTensor({3, 1, 3, 3}, 1.0, 0.5);
  Tensor b = waveTensor({3}, 2.0, 0.3);
  Tensor y = conv2d(x, w, &b, makeWindow(3, 3, 1, 1, 1, 1, 1, 1), 3);
  expectTensorNear(y, {1, 3, 5, 5}, kConvDepthwise);
}

// Hand calculation. x = [[1,-2,3],[-4,5,-6],[7,-8,9]], 2x2 max pool,
// stride 1: max(1,-2,-4,5) = 5, max(-2,3,5,-6) = 5, max(-4,5,7,-8) = 7,
// max(5,-6,-8,9) = 9.
TEST(RefConvTest, MaxPoolHand) {
  Tensor x(DType::F32, {1, 1, 3, 3}, {1, -2, 3, -4, 5, -6, 7, -8, 9});
  expectTensorNear(maxPool2d(x, makeWindow(2, 2, 1, 1, 0, 0, 1, 1)),
                   {1, 1, 2, 2}, {5, 5, 7, 9});
}

// Hand calculation. x = -[[1,2,3],[4,5,6],[7,8,9]], 3x3 max pool, stride 2,
// padding 1 (2x2 output). Padding is -inf, so each output is the largest
// in-bounds value, not 0: (0,0) max(-1,-2,-4,-5) = -1, (0,1) max(-2,-3,-5,-6)
// = -2, (1,0) max(-4,-5,-7,-8) = -4, (1,1) max(-5,-6,-8,-9) = -5.
TEST(RefConvTest, MaxPoolPaddingIsMinusInfinityHand) {
  Tensor x(DType::F32, {1, 1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  expectTensorNear(maxPool2d(x, makeWindow(3, 3, 2, 2, 1, 1, 1, 1)),
                   {1, 1, 2, 2}, {-1, -2, -4, -5});
}

// Hand calculation. x = [[1,2,3],[4,5,6],[7,8,9]], 3x3 average pool,
// stride 2, padding 1, count_include_pad: the divisor is always 9:
// (0,0) (1+2+4+5)/9 = 12/9, (0,1) (2+3+5+6)/9 = 16/9, (1,0) (4+5+7+8)/9 =
// 24/9, (1,1) (5+6+8+9)/9 = 28/9.
TEST(RefConvTest, AvgPoolCountIncludePadHand) {
  expectTensorNear(avgPool2d(oneToNine(), makeWindow(3, 3, 2, 2, 1, 1, 1, 1)),
                   {1, 1, 2, 2}, {12.0 / 9, 16.0 / 9, 24.0 / 9, 28.0 / 9});
}

// PyTorch via gen_expected.py: kMaxPoolPad (3x3, stride 2, padding 1).
TEST(RefConvTest, MaxPoolPadded) {
  Tensor x = waveTensor({1, 2, 5, 6}, 0.0, 1.0);
  expectTensorNear(maxPool2d(x, makeWindow(3, 3, 2, 2, 1, 1, 1, 1)),
                   {1, 2, 3, 3}, kMaxPoolPad);
}

// PyTorch via gen_expected.py: kMaxPoolDilated (2x3, stride (1,2), padding
// 1, dilation (2,1)).
TEST(RefConvTest, MaxPoolDilated) {
  Tensor x = waveTensor({1, 2, 6, 6}, 0.0, 1.0);
  // H: (6 + 2 - 2 - 1) / 1 + 1 = 6; W: (6 + 2 - 2 - 1) / 2 + 1 = 3.
  expectTensorNear(maxPool2d(x, makeWindow(2, 3, 1, 2, 1, 1, 2, 1)),
                   {1, 2, 6, 3}, kMaxPoolDilated);
}

// PyTorch via gen_expected.py: kAvgPoolPad (3x3, stride 2, padding 1,
// count_include_pad=True).
TEST(RefConvTest, AvgPoolPadded) {
  Tensor x = waveTensor({1, 2, 5, 6}, 0.0, 1.0);
  expectTensorNear(avgPool2d(x, makeWindow(3, 3, 2, 2, 1, 1, 1, 1)),
                   {1, 2, 3, 3}, kAvgPoolPad);
}

// PyTorch via gen_expected.py: kAvgPoolRect (2x3, stride (1,2), padding 1).
TEST(RefConvTest, AvgPoolRectangular) {
  Tensor x = waveTensor({2, 1, 4, 5}, 0.0, 1.0);
  // H: (4 + 2 - 1 - 1) / 1 + 1 = 5; W: (5 + 2 - 2 - 1) / 2 + 1 = 3.
  expectTensorNear(avgPool2d(x, makeWindow(2, 3, 1, 2, 1, 1, 1, 1)),
                   {2, 1, 5, 3}, kAvgPoolRect);
}

// Hand calculation. Channel 0 = [[1, 2], [3, 4]] -> 10/4 = 2.5; channel 1 =
// [[-1, 0], [0, 5]] -> 4/4 = 1.
TEST(RefConvTest, GlobalAvgPoolHand) {
  Tensor x(DType::F32, {1, 2, 2, 2}, {1, 2, 3, 4, -1, 0, 0, 5});
  expectTensorNear(globalAvgPool(x), {1, 2, 1, 1}, {2.5, 1.0});
}

// PyTorch via gen_expected.py: kGlobalAvgPool (x.mean(dim=(2, 3))).
TEST(RefConvTest, GlobalAvgPool) {
  Tensor x = waveTensor({2, 3, 3, 4}, 0.0, 1.0);
  expectTensorNear(globalAvgPool(x), {2, 3, 1, 1}, kGlobalAvgPool);
}
