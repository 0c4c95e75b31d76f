//===- AttentionTest.cpp - Reference attention kernels --------------------===//
//
// Expected values come from two independent sources, named on each test:
//   * hand calculations written out in the comments (one or two query rows);
//   * PyTorch 1.13 (float64 matmul / softmax / topk with explicitly built
//     masks) via test/unit/reference/gen_expected.py, whose printed arrays
//     are pasted below verbatim.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace heed;
using namespace heed::ref;

namespace {

// ---- Arrays printed by test/unit/reference/gen_expected.py ----------------
// kDenseOut, shape [2, 2, 3, 3]
static const std::vector<double> kDenseOut = {
    0.452684104,  0.208251467,    -0.134125093, -0.0810184525, -0.198395515,
    -0.222464058, 0.465796024,    0.378867532,  0.113751698,   0.104493609,
    0.0113362589, -0.0871526791,  -0.439688147, -0.547223256,  -0.397390667,
    -0.110058559, 0.0674290415,   0.213203747,  0.199563066,   0.446653696,
    0.483676105,  -0.255292243,   -0.209222866, -0.064752713,  -0.00394229884,
    0.325565035,  0.501954049,    0.264343172,  0.376287191,   0.311257454,
    0.308065671,  0.000377873912, -0.307487637, 0.0530952811,  0.120472801,
    0.131190072};
// kDenseProbs, shape [2, 2, 3, 4]
static const std::vector<double> kDenseProbs = {
    0.331195034,  0.167890614,  0.165438821,  0.335475531, 0.111631653,
    0.458184856,  0.198629628,  0.231553863,  0.482574319, 0.0676162647,
    0.328323176,  0.12148624,   0.190485685,  0.25909166,  0.427353689,
    0.123068966,  0.381984726,  0.134697615,  0.167482063, 0.315835595,
    0.0954471472, 0.49432626,   0.199290382,  0.210936211, 0.122713831,
    0.308244151,  0.0604701096, 0.508571909,  0.225092503, 0.190657642,
    0.48453239,   0.0997174646, 0.31900886,   0.173321018, 0.154009294,
    0.353660828,  0.326511592,  0.0914478946, 0.509088498, 0.072952015,
    0.167504823,  0.281775916,  0.0879699345, 0.462749326, 0.193878476,
    0.26134084,   0.415408882,  0.129371802};
// kCausalShortQOut, shape [1, 2, 3, 2]
static const std::vector<double> kCausalShortQOut = {
    -0.223753653, -0.288980854,  -0.0855916093, -0.0033276085,
    0.19865745,   0.16119222,    -0.194015518,  -0.239701852,
    -0.100065227, -0.0243707518, 0.144928282,   0.0433575317};
// kCausalShortQProbs, shape [1, 2, 3, 5]
static const std::vector<double> kCausalShortQProbs = {0.37536696,
                                                       0.0771829121,
                                                       0.547450128,
                                                       0,
                                                       0,
                                                       0.124661203,
                                                       0.333951941,
                                                       0.0751567386,
                                                       0.466230117,
                                                       0,
                                                       0.154552433,
                                                       0.117370144,
                                                       0.274991503,
                                                       0.0727850412,
                                                       0.38030088,
                                                       0.462048698,
                                                       0.0845234526,
                                                       0.453427849,
                                                       0,
                                                       0,
                                                       0.0925176842,
                                                       0.409558847,
                                                       0.0730843404,
                                                       0.424839128,
                                                       0,
                                                       0.205276297,
                                                       0.0680026033,
                                                       0.326201755,
                                                       0.0512940142,
                                                       0.34922533};
// kCausalLongQOut, shape [1, 1, 4, 2]
static const std::vector<double> kCausalLongQOut = {
    0, 0, 0, 0, 0.909297407, 0.427379876, 0.669527629, 0.170974465};
// kCausalLongQProbs, shape [1, 1, 4, 2]
static const std::vector<double> kCausalLongQProbs = {
    0, 0, 0, 0, 1, 0, 0.794160502, 0.205839498};
// kWindowOut, shape [1, 2, 3, 2]
static const std::vector<double> kWindowOut = {
    -0.825743107, -0.594813643, -0.0810497253, 0.455088366,
    0.799082494,  0.850166587,  -0.501941039,  -0.0194238669,
    0.475999842,  0.757110207,  0.856022508,   0.470414305};
// kWindowProbs, shape [1, 2, 3, 5]
static const std::vector<double> kWindowProbs = {
    0, 0.111697465, 0.792258153, 0.0960443828, 0,
    0, 0,           0.123641582, 0.767002802,  0.109355616,
    0, 0,           0,           0.160642911,  0.839357089,
    0, 0.131547143, 0.705687432, 0.162765425,  0,
    0, 0,           0.125086513, 0.727127656,  0.147785831,
    0, 0,           0,           0.128068756,  0.871931244};
// kBlocksOut, shape [1, 1, 4, 2]
static const std::vector<double> kBlocksOut = {
    0.665849243, 0.167040865,   0.420383682, -0.0954555127,
    0.40925905,  -0.0188943864, 0.640127127, 0.147803453};
// kBlocksProbs, shape [1, 1, 4, 6]
static const std::vector<double> kBlocksProbs = {
    0.79100265,   0.20899735,  0, 0, 0,           0,
    0.58027339,   0.41972661,  0, 0, 0,           0,
    0.0619041557, 0.324927523, 0, 0, 0.329801579, 0.283366742,
    0.487926845,  0.126466397, 0, 0, 0.125689195, 0.259917563};
// kAddMaskOut, shape [2, 2, 3, 2]
static const std::vector<double> kAddMaskOut = {
    0.018239375,   0.361021438,  -0.12701721,  -0.234216767, -0.109017649,
    -0.350817954,  -0.411695344, -0.366287692, -0.289154511, -0.426557993,
    0.513761687,   0.478504658,  -0.291933935, -0.19620934,  0.293087998,
    -0.0835317618, 0.178571,     0.37597568,   -0.487930735, -0.523632683,
    0.257263996,   0.182754838,  0.424315762,  0.395646246};
// kAddMaskProbs, shape [2, 2, 3, 4]
static const std::vector<double> kAddMaskProbs = {
    0.207547449, 0.0337216067, 0.108231197,  0.650499747,  0.210033672,
    0.369128674, 0.206670357,  0.214167297,  0.262919956,  0.421216254,
    0.234599597, 0.0812641923, 0.109686079,  0.139481694,  0.406732003,
    0.344100225, 0.14903331,   0.202370065,  0.498797628,  0.149798998,
    0.619057621, 0.164418054,  0.0225687935, 0.193955531,  0.172460675,
    0.196924471, 0.0790857232, 0.55152913,   0.0820538433, 0.479915624,
    0.354586429, 0.0834441037, 0.62531129,   0.0423370819, 0.142417889,
    0.189933739, 0.207740964,  0.0319929874, 0.109569273,  0.650696776,
    0.205362207, 0.372483812,  0.212790956,  0.209363024,  0.264275906,
    0.43267972,  0.221293567,  0.0817508076};
// kBoolMaskOut, shape [2, 2, 3, 2]
static const std::vector<double> kBoolMaskOut = {0.336351478,
                                                 0.348037027,
                                                 0,
                                                 0,
                                                 -0.57238365,
                                                 -0.34205932,
                                                 0.278375587,
                                                 0.0675187685,
                                                 0,
                                                 0,
                                                 0.0484091629,
                                                 0.292897103,
                                                 0.155311883,
                                                 -0.104689558,
                                                 0.432132249,
                                                 0.0862126299,
                                                 -0.287903309,
                                                 -0.837141752,
                                                 -0.216999126,
                                                 -0.518269864,
                                                 0.38726831,
                                                 0.524676314,
                                                 0.381250501,
                                                 -0.303964615};
// kBoolMaskProbs, shape [2, 2, 3, 4]
static const std::vector<double> kBoolMaskProbs = {0.442998703,
                                                   0.11704835,
                                                   0,
                                                   0.439952947,
                                                   0,
                                                   0,
                                                   0,
                                                   0,
                                                   0.150297957,
                                                   0,
                                                   0.699228219,
                                                   0.150473824,
                                                   0.246184927,
                                                   0.509095363,
                                                   0,
                                                   0.24471971,
                                                   0,
                                                   0,
                                                   0,
                                                   0,
                                                   0.453528171,
                                                   0,
                                                   0.0862072311,
                                                   0.460264597,
                                                   0,
                                                   0.555341984,
                                                   0.141596118,
                                                   0.303061898,
                                                   0.193196949,
                                                   0.465062386,
                                                   0.341740665,
                                                   0,
                                                   0,
                                                   0,
                                                   1,
                                                   0,
                                                   0,
                                                   0.14010799,
                                                   0.304641682,
                                                   0.555250329,
                                                   0.460693569,
                                                   0.343909379,
                                                   0.195397052,
                                                   0,
                                                   0,
                                                   0,
                                                   1,
                                                   0};
// kGqaOut, shape [1, 4, 3, 2]
static const std::vector<double> kGqaOut = {
    0.665849243,  0.167040865,  0.152028456, -0.211031833, -0.432657353,
    -0.552069476, 0.669527629,  0.170974465, 0.143402525,  -0.219031728,
    -0.433985049, -0.551025392, 0.593807287, 0.111992408,  0.0329166682,
    -0.198163161, 0.151631485,  0.130925072, 0.594357522,  0.113154583,
    0.0439777542, -0.187254553, 0.15191219,  0.128691435};
// kGqaProbs, shape [1, 4, 3, 4]
static const std::vector<double> kGqaProbs = {0.79100265,
                                              0.20899735,
                                              0,
                                              0,
                                              0.470344631,
                                              0.340212323,
                                              0.189443047,
                                              0,
                                              0.084017156,
                                              0.440996022,
                                              0.390871356,
                                              0.0841154661,
                                              0.794160502,
                                              0.205839498,
                                              0,
                                              0,
                                              0.46379991,
                                              0.345403605,
                                              0.190796485,
                                              0,
                                              0.0843179924,
                                              0.438070761,
                                              0.393204908,
                                              0.0844063396,
                                              0.326895313,
                                              0.673104687,
                                              0,
                                              0,
                                              0.346661668,
                                              0.192126898,
                                              0.461211434,
                                              0,
                                              0.323807065,
                                              0.285373967,
                                              0.0621949771,
                                              0.328623991,
                                              0.327885299,
                                              0.672114701,
                                              0,
                                              0,
                                              0.351910078,
                                              0.193446533,
                                              0.454643389,
                                              0,
                                              0.322404299,
                                              0.287785461,
                                              0.0626039837,
                                              0.327206256};
// kTopKOut, shape [1, 2, 4, 2]
static const std::vector<double> kTopKOut = {
    0.114733981,  0.245696345,   0.234844954,  0.152886807,
    -0.053782222, -0.181957147,  0.120295073,  0.250466823,
    -0.157531095, -0.235825541,  0.0589869063, 0.192765761,
    0.149208282,  -0.0320227209, -0.161718198, -0.234471181};
// kTopKProbs, shape [1, 2, 4, 5]
static const std::vector<double> kTopKProbs = {
    0.395019939, 0,           0.212676008, 0.392304053, 0,
    0.366432392, 0.265049938, 0,           0.36851767,  0,
    0,           0.344668559, 0.305492703, 0,           0.349838738,
    0.396991796, 0,           0.208728636, 0.394279568, 0,
    0,           0.366412885, 0.265144289, 0,           0.368442825,
    0.317443397, 0,           0.370225259, 0.312331344, 0,
    0,           0.395644762, 0,           0.211544508, 0.392810731,
    0,           0.363516529, 0.270921739, 0,           0.365561732};
// kTopKCausalOut, shape [1, 2, 4, 2]
static const std::vector<double> kTopKCausalOut = {
    0.665849243,  0.167040865,  0.152028456,  -0.211031833,
    -0.555746146, -0.641908002, 0.120295073,  0.250466823,
    -0.468563286, -0.785129979, -0.242189312, -0.237496818,
    -0.142462567, -0.299772884, -0.161718198, -0.234471181};
// kTopKCausalProbs, shape [1, 2, 4, 5]
static const std::vector<double> kTopKCausalProbs = {0.79100265,
                                                     0.20899735,
                                                     0,
                                                     0,
                                                     0,
                                                     0.470344631,
                                                     0.340212323,
                                                     0.189443047,
                                                     0,
                                                     0,
                                                     0,
                                                     0.481445722,
                                                     0.426723446,
                                                     0.0918308314,
                                                     0,
                                                     0.396991796,
                                                     0,
                                                     0.208728636,
                                                     0.394279568,
                                                     0,
                                                     0.289741217,
                                                     0.710258783,
                                                     0,
                                                     0,
                                                     0,
                                                     0.419337569,
                                                     0.0916008799,
                                                     0.489061551,
                                                     0,
                                                     0,
                                                     0.255847945,
                                                     0.484889765,
                                                     0,
                                                     0.25926229,
                                                     0,
                                                     0,
                                                     0.363516529,
                                                     0.270921739,
                                                     0,
                                                     0.365561732};
// kGated, shape [2, 2, 3, 2]
static const std::vector<double> kGated = {
    0.379597527,  0.0429916576, 0.0197251223, -0.0286331586, -0.12247931,
    -0.334515993, 0.492567702,  0.0976422675, 0.0177995336,  -0.117456857,
    0.0381329075, 0.0171203989, 0.108235508,  0.172968707,   0.265212644,
    0.0718214643, -0.136985155, -0.144164063, 0.0862752876,  0.163324167,
    0.0493961575, 0.0728330881, 0.151128196,  0.161281147};
// kAdditiveOut, shape [2, 3]
static const std::vector<double> kAdditiveOut = {-0.173383498, 0.387702933,
                                                 0.766446623,  0.69221394,
                                                 -0.126832498, -0.886227614};
// kAdditiveAlpha, shape [2, 4]
static const std::vector<double> kAdditiveAlpha = {
    0.0828373696, 0.457582981, 0.376585721,  0.082993928,
    0.334302909,  0.266636985, 0.0598828657, 0.33917724};
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
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_FALSE(std::isnan(actual.data[i])) << "at flat index " << i;
    EXPECT_NEAR(actual.data[i], expected[i],
                1e-5 * std::fabs(expected[i]) + 1e-7)
        << "at flat index " << i;
  }
}

/// q = wave(.., 0, 1), k = wave(.., 1, 1), v = wave(.., 2, 1) as in
/// gen_expected.py's qkv().
struct Qkv {
  Tensor q, k, v;
};

Qkv makeQkv(int64_t B, int64_t Hq, int64_t Hkv, int64_t Lq, int64_t Lk,
            int64_t D, int64_t Dv) {
  return {waveTensor({B, Hq, Lq, D}, 0.0, 1.0),
          waveTensor({B, Hkv, Lk, D}, 1.0, 1.0),
          waveTensor({B, Hkv, Lk, Dv}, 2.0, 1.0)};
}

AttentionOptions withScale(double scale) {
  AttentionOptions o;
  o.scale = scale;
  return o;
}

AttentionOptions causal(double scale) {
  AttentionOptions o = withScale(scale);
  o.structure = AttentionSparsity::causal();
  return o;
}

} // namespace

// Hand calculation. One query q = [1, 1], keys k0 = [0, 0], k1 = [1, 0],
// scale 1: scores [0, 1], probs [1/(1+e), e/(1+e)] = [0.2689414214,
// 0.7310585786]. v0 = [1, 2], v1 = [3, -1]: out = [p0 + 3 p1, 2 p0 - p1] =
// [2.4621171573, -0.1931757359].
TEST(RefAttentionTest, TwoKeyRowHand) {
  Tensor q(DType::F32, {1, 1, 1, 2}, {1, 1});
  Tensor k(DType::F32, {1, 1, 2, 2}, {0, 0, 1, 0});
  Tensor v(DType::F32, {1, 1, 2, 2}, {1, 2, 3, -1});
  AttentionResult r = attention(q, k, v, withScale(1.0));
  expectTensorNear(r.probs, {1, 1, 1, 2}, {0.2689414214, 0.7310585786});
  expectTensorNear(r.out, {1, 1, 1, 2}, {2.4621171573, -0.1931757359});
}

// Hand calculation. Same row; an f32 mask [-inf, 0] hides key 0 (probs
// [0, 1], out = v1), an f32 mask [-inf, -inf] hides every key: zeros, not
// NaN. An i1 mask [0, 0] likewise gives zeros.
TEST(RefAttentionTest, FullyMaskedRowGivesZerosHand) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor q(DType::F32, {1, 1, 1, 2}, {1, 1});
  Tensor k(DType::F32, {1, 1, 2, 2}, {0, 0, 1, 0});
  Tensor v(DType::F32, {1, 1, 2, 2}, {1, 2, 3, -1});

  Tensor oneHidden(DType::F32, {2}, {-inf, 0.0});
  AttentionOptions o = withScale(1.0);
  o.mask = &oneHidden;
  AttentionResult r = attention(q, k, v, o);
  expectTensorNear(r.probs, {1, 1, 1, 2}, {0, 1});
  expectTensorNear(r.out, {1, 1, 1, 2}, {3, -1});

  Tensor allHidden(DType::F32, {1, 1, 1, 2}, {-inf, -inf});
  o.mask = &allHidden;
  r = attention(q, k, v, o);
  expectTensorNear(r.probs, {1, 1, 1, 2}, {0, 0});
  expectTensorNear(r.out, {1, 1, 1, 2}, {0, 0});

  Tensor noneKept(DType::I1, {1, 2}, {0, 0});
  o.mask = &noneKept;
  r = attention(q, k, v, o);
  expectTensorNear(r.probs, {1, 1, 1, 2}, {0, 0});
  expectTensorNear(r.out, {1, 1, 1, 2}, {0, 0});
}

// Hand calculation. q = [1], keys [1, 1, 1, 0] (D = 1), scale 1: scores
// [1, 1, 1, 0]. Top-k ratio 0.5 keeps ceil(0.5 * 4) = 2 keys; the three-way
// tie keeps the lower indices 0 and 1: probs [0.5, 0.5, 0, 0], and with
// v = [1, 2, 3, 4] out = 1.5. Ratio 0.25 keeps 1 key: probs [1, 0, 0, 0],
// out = 1.
TEST(RefAttentionTest, TopKTiesKeepLowerIndexHand) {
  Tensor q(DType::F32, {1, 1, 1, 1}, {1});
  Tensor k(DType::F32, {1, 1, 4, 1}, {1, 1, 1, 0});
  Tensor v(DType::F32, {1, 1, 4, 1}, {1, 2, 3, 4});
  AttentionOptions o = withScale(1.0);
  o.topkRatio = 0.5;
  AttentionResult r = attention(q, k, v, o);
  expectTensorNear(r.probs, {1, 1, 1, 4}, {0.5, 0.5, 0, 0});
  expectTensorNear(r.out, {1, 1, 1, 1}, {1.5});

  o.topkRatio = 0.25;
  r = attention(q, k, v, o);
  expectTensorNear(r.probs, {1, 1, 1, 4}, {1, 0, 0, 0});
  expectTensorNear(r.out, {1, 1, 1, 1}, {1});
}

// Hand calculation. q = [1] (Lq = 1), keys [0, 0, 0, 0]; a window
// left = 0, right = 0 with Lq = 1, Lk = 4 puts the query at position 3 and
// shows only key 3: probs [0, 0, 0, 1], out = v3 = 4.
// Top-k ratio 0.75 (3 keys) with only 1 visible keeps just that one.
TEST(RefAttentionTest, WindowAndTopKFewerVisibleHand) {
  Tensor q(DType::F32, {1, 1, 1, 1}, {1});
  Tensor k(DType::F32, {1, 1, 4, 1}, {0, 0, 0, 0});
  Tensor v(DType::F32, {1, 1, 4, 1}, {1, 2, 3, 4});
  AttentionOptions o = withScale(1.0);
  o.structure = AttentionSparsity::window(0, 0);
  o.topkRatio = 0.75;
  AttentionResult r = attention(q, k, v, o);
  expectTensorNear(r.probs, {1, 1, 1, 4}, {0, 0, 0, 1});
  expectTensorNear(r.out, {1, 1, 1, 1}, {4});
}

// PyTorch via gen_expected.py: kDense* (no mask, scale 1/sqrt(5)).
TEST(RefAttentionTest, Dense) {
  Qkv t = makeQkv(2, 2, 2, 3, 4, 5, 3);
  AttentionResult r = attention(t.q, t.k, t.v, withScale(1.0 / std::sqrt(5.0)));
  expectTensorNear(r.out, {2, 2, 3, 3}, kDenseOut);
  expectTensorNear(r.probs, {2, 2, 3, 4}, kDenseProbs);
}

// PyTorch via gen_expected.py: kCausalShortQ* (Lq = 3 < Lk = 5, bottom-right
// aligned: tril(diagonal = Lk - Lq)).
TEST(RefAttentionTest, CausalShorterQuery) {
  Qkv t = makeQkv(1, 2, 2, 3, 5, 4, 2);
  AttentionResult r = attention(t.q, t.k, t.v, causal(0.5));
  expectTensorNear(r.out, {1, 2, 3, 2}, kCausalShortQOut);
  expectTensorNear(r.probs, {1, 2, 3, 5}, kCausalShortQProbs);
}

// PyTorch via gen_expected.py: kCausalLongQ* (Lq = 4 > Lk = 2: rows 0 and 1
// see no key and are all zeros).
TEST(RefAttentionTest, CausalLongerQueryHasFullyMaskedRows) {
  Qkv t = makeQkv(1, 1, 1, 4, 2, 3, 2);
  AttentionResult r = attention(t.q, t.k, t.v, causal(0.5));
  expectTensorNear(r.out, {1, 1, 4, 2}, kCausalLongQOut);
  expectTensorNear(r.probs, {1, 1, 4, 2}, kCausalLongQProbs);
  for (int64_t j = 0; j < 4; ++j)
    EXPECT_EQ(r.probs.data[(size_t)j], 0.0);
}

// PyTorch via gen_expected.py: kWindow* (left = right = 1, Lq = 3, Lk = 5).
TEST(RefAttentionTest, SlidingWindow) {
  Qkv t = makeQkv(1, 2, 2, 3, 5, 4, 2);
  AttentionOptions o = withScale(0.5);
  o.structure = AttentionSparsity::window(1, 1);
  AttentionResult r = attention(t.q, t.k, t.v, o);
  expectTensorNear(r.out, {1, 2, 3, 2}, kWindowOut);
  expectTensorNear(r.probs, {1, 2, 3, 5}, kWindowProbs);
}

// PyTorch via gen_expected.py: kBlocks* (2x2 tiles; query tile 0 visits key
// tile 0, query tile 1 visits key tiles 0 and 2).
TEST(RefAttentionTest, Blocks) {
  Qkv t = makeQkv(1, 1, 1, 4, 6, 3, 2);
  AttentionOptions o = withScale(0.5);
  o.structure = AttentionSparsity::blocks(2, 2, {{0}, {0, 2}});
  AttentionResult r = attention(t.q, t.k, t.v, o);
  expectTensorNear(r.out, {1, 1, 4, 2}, kBlocksOut);
  expectTensorNear(r.probs, {1, 1, 4, 6}, kBlocksProbs);
}

// PyTorch via gen_expected.py: kAddMask* (f32 mask [Lq, Lk] = wave(.., 4, 2)
// broadcast over batch and heads, added after scaling).
TEST(RefAttentionTest, AdditiveMaskBroadcast) {
  Qkv t = makeQkv(2, 2, 2, 3, 4, 3, 2);
  Tensor mask = waveTensor({3, 4}, 4.0, 2.0);
  AttentionOptions o = withScale(0.5);
  o.mask = &mask;
  AttentionResult r = attention(t.q, t.k, t.v, o);
  expectTensorNear(r.out, {2, 2, 3, 2}, kAddMaskOut);
  expectTensorNear(r.probs, {2, 2, 3, 4}, kAddMaskProbs);
}

// PyTorch via gen_expected.py: kBoolMask* (i1 mask [B, 1, Lq, Lk], true =
// keep; batch 0 row 1 keeps nothing and is all zeros).
TEST(RefAttentionTest, BoolMaskWithFullyMaskedRow) {
  Qkv t = makeQkv(2, 2, 2, 3, 4, 3, 2);
  Tensor keep(DType::I1, {2, 1, 3, 4}, {1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1,
                                        0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0});
  AttentionOptions o = withScale(0.5);
  o.mask = &keep;
  AttentionResult r = attention(t.q, t.k, t.v, o);
  expectTensorNear(r.out, {2, 2, 3, 2}, kBoolMaskOut);
  expectTensorNear(r.probs, {2, 2, 3, 4}, kBoolMaskProbs);
}

// PyTorch via gen_expected.py: kGqa* (Hq = 4, Hkv = 2: query heads 0, 1 read
// kv head 0 and 2, 3 read kv head 1; causal, Lq = 3, Lk = 4).
TEST(RefAttentionTest, GroupedQueryCausal) {
  Qkv t = makeQkv(1, 4, 2, 3, 4, 3, 2);
  AttentionResult r = attention(t.q, t.k, t.v, causal(0.5));
  expectTensorNear(r.out, {1, 4, 3, 2}, kGqaOut);
  expectTensorNear(r.probs, {1, 4, 3, 4}, kGqaProbs);
}

// PyTorch via gen_expected.py: kTopK* (ratio 0.5 of Lk = 5 keeps 3 keys;
// the inputs have no ties).
TEST(RefAttentionTest, TopK) {
  Qkv t = makeQkv(1, 2, 2, 4, 5, 3, 2);
  AttentionOptions o = withScale(0.5);
  o.topkRatio = 0.5;
  AttentionResult r = attention(t.q, t.k, t.v, o);
  expectTensorNear(r.out, {1, 2, 4, 2}, kTopKOut);
  expectTensorNear(r.probs, {1, 2, 4, 5}, kTopKProbs);
}

// PyTorch via gen_expected.py: kTopKCausal* (ratio 0.5 keeps 3 of 5 keys
// after a bottom-right causal mask with Lq = 4: row 0 sees only 2 keys and
// keeps both).
TEST(RefAttentionTest, TopKAfterCausal) {
  Qkv t = makeQkv(1, 2, 2, 4, 5, 3, 2);
  AttentionOptions o = causal(0.5);
  o.topkRatio = 0.5;
  AttentionResult r = attention(t.q, t.k, t.v, o);
  expectTensorNear(r.out, {1, 2, 4, 2}, kTopKCausalOut);
  expectTensorNear(r.probs, {1, 2, 4, 5}, kTopKCausalProbs);
}

// PyTorch via gen_expected.py: kGated (causal attention out *
// sigmoid(gate), gate = wave(.., 3, 2)).
TEST(RefAttentionTest, Gated) {
  Qkv t = makeQkv(2, 2, 2, 3, 4, 3, 2);
  Tensor gate = waveTensor({2, 2, 3, 2}, 3.0, 2.0);
  Tensor out = gatedAttention(t.q, t.k, t.v, gate, causal(0.5));
  expectTensorNear(out, {2, 2, 3, 2}, kGated);
}

// Hand calculation. B = 1, T = 2, D = 1: h = [1], s = [[0], [1]],
// weight = [0.5, 1], bias = 0.25. score_0 = 0.5*1 + 1*0 + 0.25 = 0.75,
// score_1 = 0.5*1 + 1*1 + 0.25 = 1.75; alpha = [1/(1+e), e/(1+e)] =
// [0.2689414214, 0.7310585786]; out = 1 + 0.2689414214*0 + 0.7310585786*1 =
// 1.7310585786. Without the bias the scores shift equally: same alpha.
TEST(RefAttentionTest, AdditiveHand) {
  Tensor h(DType::F32, {1, 1}, {1});
  Tensor s(DType::F32, {1, 2, 1}, {0, 1});
  Tensor w(DType::F32, {1, 2}, {0.5, 1});
  Tensor b(DType::F32, {1}, {0.25});
  AdditiveAttentionResult r = additiveAttention(h, s, w, &b);
  expectTensorNear(r.alpha, {1, 2}, {0.2689414214, 0.7310585786});
  expectTensorNear(r.out, {1, 1}, {1.7310585786});
  r = additiveAttention(h, s, w, nullptr);
  expectTensorNear(r.alpha, {1, 2}, {0.2689414214, 0.7310585786});
  expectTensorNear(r.out, {1, 1}, {1.7310585786});
}

// PyTorch via gen_expected.py: kAdditive* (nn.Linear(2D, 1) over
// cat(h, s_t), softmax over t, h + bmm(alpha, s)).
TEST(RefAttentionTest, Additive) {
  Tensor h = waveTensor({2, 3}, 0.0, 1.0);
  Tensor s = waveTensor({2, 4, 3}, 1.0, 1.0);
  Tensor w = waveTensor({1, 6}, 2.0, 0.5);
  Tensor b = waveTensor({1}, 3.0, 0.5);
  AdditiveAttentionResult r = additiveAttention(h, s, w, &b);
  expectTensorNear(r.out, {2, 3}, kAdditiveOut);
  expectTensorNear(r.alpha, {2, 4}, kAdditiveAlpha);
}
