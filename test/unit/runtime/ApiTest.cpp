//===- ApiTest.cpp - Error paths of the libheedrt C API -------------------===//
//
// Every misuse returns a status and a message; nothing crashes or throws.
//
//===----------------------------------------------------------------------===//

#include "heed/compiled.h"
#include "heed/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

TEST(RuntimeApiTest, AbiVersion) {
  EXPECT_EQ(heed_abi_version(), HEED_RUNTIME_ABI_VERSION);
  EXPECT_EQ(heed_check_abi(HEED_RUNTIME_ABI_VERSION), HEED_OK);
  EXPECT_EQ(heed_check_abi(HEED_RUNTIME_ABI_VERSION + 1), HEED_ERROR_ABI);
  EXPECT_EQ(std::string(heed_last_error()),
            "the model was compiled against runtime ABI version 2 but this "
            "libheedrt is 1; recompile the model with the matching heedc");
  EXPECT_STREQ(heed_status_name(HEED_ERROR_ABI), "HEED_ERROR_ABI");
}

TEST(RuntimeApiTest, NullPointers) {
  EXPECT_EQ(heed_plan_create(nullptr), HEED_ERROR_INVALID_ARGUMENT);
  int64_t shape[] = {2};
  EXPECT_EQ(heed_tensor_create(HEED_F32, 1, shape, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_tensor_create(HEED_F32, 1, nullptr, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  heed_tensor *t = nullptr;
  EXPECT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, nullptr, &t),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(heed_plan_finalize(nullptr, nullptr), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_model_run(nullptr, nullptr, 0, nullptr, 0),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_model_set_threads(nullptr, 1), HEED_ERROR_INVALID_ARGUMENT);
  heed_tensor_free(nullptr);
  heed_plan_free(nullptr);
  heed_model_free(nullptr);
}

TEST(RuntimeApiTest, BadTensors) {
  heed_tensor *t = nullptr;
  int64_t negative[] = {2, -1};
  EXPECT_EQ(heed_tensor_create(HEED_F32, 2, negative, &t), HEED_ERROR_SHAPE);
  EXPECT_EQ(std::string(heed_last_error()), "negative extent in f32[2, -1]");
  int64_t huge[] = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(heed_tensor_create(HEED_F32, 2, huge, &t), HEED_ERROR_SHAPE);
  int64_t shape[] = {3};
  // Any integer is a heed_dtype the runtime checks (under UBSan, an
  // out-of-range enum value would already be undefined behaviour).
  for (heed_dtype bad : {42, -1, 6})
    EXPECT_EQ(heed_tensor_create(bad, 1, shape, &t),
              HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()), "unknown dtype");
  EXPECT_STREQ(heed_status_name(42), "HEED_ERROR_UNKNOWN");
  ASSERT_EQ(heed_tensor_create(HEED_BF16, 1, shape, &t), HEED_OK);
  EXPECT_EQ(heed_tensor_nbytes(t), 6u);
  EXPECT_EQ(heed_tensor_shape(t)[0], 3);
  heed_tensor_free(t);
}

class PlanTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_EQ(heed_plan_create(&plan), HEED_OK); }
  void TearDown() override {
    heed_plan_free(plan);
    heed_plan_free(other);
    heed_model_free(model);
  }
  int32_t buffer(int64_t n, int64_t offset = HEED_AUTO_OFFSET) {
    int32_t id = -1;
    int64_t shape[] = {n};
    EXPECT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, shape, offset, &id),
              HEED_OK);
    return id;
  }
  heed_plan *plan = nullptr;
  heed_plan *other = nullptr; ///< a second plan a test may use
  heed_model *model = nullptr;
};

TEST_F(PlanTest, BadIdsAndOffsets) {
  int32_t id;
  int64_t shape[] = {4};
  EXPECT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, shape, 12, &id),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_buffer: buffer offset 12 must be a non-negative "
            "multiple of 64");
  int32_t in[] = {7};
  EXPECT_EQ(heed_plan_add_node(plan, "relu", in, 1, in, 1, &id),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_node(\"relu\"): buffer 7 does not exist");
  EXPECT_EQ(heed_plan_set_int(plan, 3, "axis", 1), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_set_int(node 3, \"axis\"): node 3 does not exist");
  int32_t b = buffer(4);
  EXPECT_EQ(heed_plan_add_input(plan, "x", b), HEED_OK);
  EXPECT_EQ(heed_plan_add_input(plan, "x", b), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_input(\"x\"): input 'x' is declared twice");
}

/// Arena placement is computed with overflow checks (issue 15, item 12):
/// four f32[2^60] buffers used to wrap to a 64-byte arena and crash when run.
TEST_F(PlanTest, ArenaPast2To62BytesIsRefused) {
  int64_t quarter = int64_t(1) << 60; // 2^62 bytes of f32
  int32_t ids[4];
  for (int32_t &id : ids)
    id = buffer(quarter);
  EXPECT_EQ(heed_plan_add_node(plan, "relu", &ids[0], 1, &ids[1], 1, nullptr),
            HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(std::string(heed_last_error()),
            "buffer 1 would end past byte 2^62 of the arena");
}

TEST_F(PlanTest, ExplicitOffsetPastTheLimitIsRefused) {
  int64_t offset = std::numeric_limits<int64_t>::max() / 64 * 64;
  int32_t a = buffer(16, offset);
  EXPECT_EQ(heed_plan_add_node(plan, "relu", &a, 1, &a, 1, nullptr), HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(std::string(heed_last_error()),
            "buffer 0 would end past byte 2^62 of the arena");
}

/// An arena that fits the limit but not in memory is an error, not a crash.
TEST_F(PlanTest, ArenaThatCannotBeAllocatedIsAnError) {
  int32_t a = buffer(int64_t(1) << 59), b = buffer(int64_t(1) << 59);
  EXPECT_EQ(heed_plan_add_node(plan, "relu", &a, 1, &b, 1, nullptr), HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(std::string(heed_last_error()),
            "cannot allocate an arena of 4611686018427387904 bytes");
}

TEST_F(PlanTest, FirstErrorIsSticky) {
  int32_t x = buffer(4), y = buffer(4);
  ASSERT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", y), HEED_OK);
  // The first failure: a negative extent (a shape error).
  int64_t negative[] = {-1};
  EXPECT_EQ(heed_plan_add_buffer(plan, HEED_F32, 1, negative, HEED_AUTO_OFFSET,
                                 nullptr),
            HEED_ERROR_SHAPE);
  // Later calls still report their own failures...
  int32_t missing = 7;
  EXPECT_EQ(heed_plan_add_node(plan, "matmul", &missing, 1, &y, 1, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_node(\"matmul\"): buffer 7 does not exist");
  // ...and succeed when they are right.
  EXPECT_EQ(heed_plan_add_node(plan, "relu", &x, 1, &y, 1, nullptr), HEED_OK);
  // Finalizing returns the first failure, status and message.
  heed_model *failed = reinterpret_cast<heed_model *>(&missing);
  EXPECT_EQ(heed_plan_finalize(plan, &failed), HEED_ERROR_SHAPE);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_buffer: negative extent in f32[-1]");
  EXPECT_EQ(failed, nullptr); // reset, as on every failure
  // Again: the plan stays failed.
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_SHAPE);
  EXPECT_EQ(model, nullptr);
}

TEST_F(PlanTest, AttributeErrorsAreSticky) {
  int32_t x = buffer(4), y = buffer(4), node = -1;
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &x, 1, &y, 1, &node), HEED_OK);
  EXPECT_EQ(heed_plan_set_ints(plan, node, "perm", nullptr, 2),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_plan_set_float(plan, node, "eps", 1e-5), HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_set_ints(node 0, \"perm\"): bad value array");
}

TEST_F(PlanTest, IdsAreConsecutiveAndMayBeNull) {
  // Buffers 0 (x), 1 (a constant), 2 (h), 3 (y): ids in the order of the
  // calls, whichever function adds them; nodes 0 and 1.
  int64_t shape[] = {4};
  static const float two[4] = {2, 2, 2, 2};
  ASSERT_EQ(
      heed_plan_add_buffer(plan, HEED_F32, 1, shape, HEED_AUTO_OFFSET, nullptr),
      HEED_OK);
  ASSERT_EQ(heed_plan_add_constant(plan, HEED_F32, 1, shape, two, nullptr),
            HEED_OK);
  ASSERT_EQ(
      heed_plan_add_buffer(plan, HEED_F32, 1, shape, HEED_AUTO_OFFSET, nullptr),
      HEED_OK);
  int32_t id = -1;
  ASSERT_EQ(
      heed_plan_add_buffer(plan, HEED_F32, 1, shape, HEED_AUTO_OFFSET, &id),
      HEED_OK);
  EXPECT_EQ(id, 3);
  ASSERT_EQ(heed_plan_add_input(plan, "x", 0), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", 3), HEED_OK);
  int32_t mulIn[] = {0, 1}, h = 2, y = 3;
  ASSERT_EQ(heed_plan_add_node(plan, "mul", mulIn, 2, &h, 1, nullptr), HEED_OK);
  int32_t node = -1;
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &h, 1, &y, 1, &node), HEED_OK);
  EXPECT_EQ(node, 1);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  // y = relu(x * 2): [-1, 0.5, 3, -4] -> [0, 1, 6, 0] by hand.
  float xs[4] = {-1, 0.5f, 3, -4}, ys[4] = {9, 9, 9, 9};
  heed_tensor *tx = nullptr, *ty = nullptr;
  ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, xs, &tx), HEED_OK);
  ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, ys, &ty), HEED_OK);
  EXPECT_EQ(heed_model_run(model, &tx, 1, &ty, 1), HEED_OK);
  EXPECT_EQ(std::vector<float>(ys, ys + 4), (std::vector<float>{0, 1, 6, 0}));
  heed_tensor_free(tx);
  heed_tensor_free(ty);
}

TEST_F(PlanTest, ConstantsAreReadOnly) {
  float data[4] = {1, 2, 3, 4};
  int64_t shape[] = {4};
  int32_t c, node;
  ASSERT_EQ(heed_plan_add_constant(plan, HEED_F32, 1, shape, data, &c),
            HEED_OK);
  int32_t x = buffer(4);
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &x, 1, &c, 1, &node), HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "relu: output buffer 0 is a constant");
  EXPECT_EQ(model, nullptr);
}

// A bf16 weight bound to f32 data (heedc --precision=bf16 reading an f32
// weights file) is rounded to nearest even when the plan is finalized.
// Expected values by hand: bf16 keeps 7 fraction bits, so near 1 its step
// is 2^-7; 1 + 2^-8 is halfway and ties to the even 1, 1 + 3 * 2^-8 ties
// to the even 1 + 2^-6, 1 + 2^-9 rounds down, -3.0 is exact.
TEST_F(PlanTest, Bf16WeightFromF32IsRounded) {
  const float data[4] = {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-9f,
                         -3.0f};
  const float expected[4] = {1.0f, 1.0f + 0x1p-6f, 1.0f, -3.0f};
  int64_t shape[] = {4};
  heed_weights *weights = nullptr;
  ASSERT_EQ(heed_weights_create(&weights), HEED_OK);
  ASSERT_EQ(heed_weights_add(weights, "w", HEED_F32, 1, shape, data), HEED_OK);
  int32_t w = -1, y = buffer(4), node;
  ASSERT_EQ(heed_plan_add_weight(plan, weights, "w", HEED_BF16, 1, shape, &w),
            HEED_OK);
  heed_weights_free(weights);
  ASSERT_EQ(heed_plan_add_output(plan, "y", y), HEED_OK);
  ASSERT_EQ(heed_plan_add_node(plan, "cast", &w, 1, &y, 1, &node), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  heed_tensor *out = nullptr;
  ASSERT_EQ(heed_tensor_create(HEED_F32, 1, shape, &out), HEED_OK);
  ASSERT_EQ(heed_model_run(model, nullptr, 0, &out, 1), HEED_OK)
      << heed_last_error();
  const float *got = static_cast<const float *>(heed_tensor_data(out));
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(got[i], expected[i]) << "element " << i;
  heed_tensor_free(out);
}

TEST_F(PlanTest, RunChecksTensors) {
  int32_t x = buffer(4), y = buffer(4), node;
  ASSERT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", y), HEED_OK);
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &x, 1, &y, 1, &node), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK);
  EXPECT_EQ(heed_model_num_inputs(model), 1);
  const char *name;
  heed_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  ASSERT_EQ(heed_model_input(model, 0, &name, &dtype, &rank, &shape), HEED_OK);
  EXPECT_STREQ(name, "x");
  EXPECT_EQ(rank, 1);
  EXPECT_EQ(shape[0], 4);
  EXPECT_EQ(heed_model_input(model, 1, &name, &dtype, &rank, &shape),
            HEED_ERROR_INVALID_ARGUMENT);

  heed_tensor *good = nullptr, *bad = nullptr, *out = nullptr;
  int64_t four[] = {4}, five[] = {5};
  ASSERT_EQ(heed_tensor_create(HEED_F32, 1, four, &good), HEED_OK);
  ASSERT_EQ(heed_tensor_create(HEED_F32, 1, five, &bad), HEED_OK);
  ASSERT_EQ(heed_tensor_create(HEED_F32, 1, four, &out), HEED_OK);
  EXPECT_EQ(heed_model_run(model, &bad, 1, &out, 1), HEED_ERROR_SHAPE);
  EXPECT_EQ(std::string(heed_last_error()),
            "input 'x' is f32[5], the model needs f32[4]");
  EXPECT_EQ(heed_model_run(model, &good, 1, &out, 0),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "the model has 1 inputs and 1 outputs, got 1 and 0");
  heed_tensor *nullTensor = nullptr;
  EXPECT_EQ(heed_model_run(model, &nullTensor, 1, &out, 1),
            HEED_ERROR_INVALID_ARGUMENT);
  static_cast<float *>(heed_tensor_data(good))[1] = 2.5f;
  static_cast<float *>(heed_tensor_data(good))[2] = -1.0f;
  EXPECT_EQ(heed_model_run(model, &good, 1, &out, 1), HEED_OK);
  const float *y0 = static_cast<const float *>(heed_tensor_data(out));
  EXPECT_EQ(y0[1], 2.5f);                          // relu(2.5)
  EXPECT_EQ(y0[2], 0.0f);                          // relu(-1)
  EXPECT_EQ(heed_model_memory_bytes(model), 128u); // two 16-byte buffers,
                                                   // 64-byte aligned
  heed_tensor_free(good);
  heed_tensor_free(bad);
  heed_tensor_free(out);
}

TEST_F(PlanTest, AttentionMapsAreCapturedOnlyWhenAsked) {
  // Only kernels that compute probabilities take a name (another plan:
  // plan errors are sticky).
  int64_t four = 4;
  int32_t b, relu;
  ASSERT_EQ(heed_plan_create(&other), HEED_OK);
  ASSERT_EQ(
      heed_plan_add_buffer(other, HEED_F32, 1, &four, HEED_AUTO_OFFSET, &b),
      HEED_OK);
  ASSERT_EQ(heed_plan_add_node(other, "relu", &b, 1, &b, 1, &relu), HEED_OK);
  EXPECT_EQ(heed_plan_name_attention(other, relu, "x", 0),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_name_attention(node 0, \"x\"): a node running 'relu' "
            "computes no attention map (only attention, additive_attention "
            "and softmax do)");
  // Each of these on a plan of its own (errors are sticky).
  auto nameError = [&](const char *kernel, const char *first,
                       const char *second, int32_t oneQuery) {
    heed_plan *p = nullptr;
    EXPECT_EQ(heed_plan_create(&p), HEED_OK);
    int32_t x = -1, node = -1;
    heed_plan_add_buffer(p, HEED_F32, 1, &four, HEED_AUTO_OFFSET, &x);
    heed_plan_add_node(p, kernel, &x, 1, &x, 1, &node);
    if (first)
      EXPECT_EQ(heed_plan_name_attention(p, node, first, 0), HEED_OK);
    EXPECT_EQ(heed_plan_name_attention(p, node, second, oneQuery),
              HEED_ERROR_INVALID_ARGUMENT);
    std::string message = heed_last_error();
    heed_plan_free(p);
    return message;
  };
  EXPECT_EQ(nameError("softmax", nullptr, "", 0),
            "heed_plan_name_attention(node 0, \"\"): empty attention map "
            "name");
  EXPECT_EQ(nameError("softmax", "p", "q", 0),
            "heed_plan_name_attention(node 0, \"q\"): the node is attention "
            "map 'p' already");
  EXPECT_EQ(nameError("attention", nullptr, "p", 1),
            "heed_plan_name_attention(node 0, \"p\"): one_query is for "
            "softmax nodes, not 'attention'");

  // Causal attention, B = H = 1, Lq = Lk = 4, D = 1, in 2 x 2 tiles, with
  // q = k = 0: every score is 0, so query row i spreads 1 / (i + 1) over
  // keys 0..i (by hand), and the tile of rows 0-1 x keys 2-3 is skipped.
  int64_t shape[] = {1, 1, 4, 1};
  int32_t ids[3], attn;
  for (int32_t &id : ids)
    ASSERT_EQ(
        heed_plan_add_buffer(plan, HEED_F32, 4, shape, HEED_AUTO_OFFSET, &id),
        HEED_OK);
  auto [q, v, out] = ids;
  int32_t ins[] = {q, q, v};
  ASSERT_EQ(heed_plan_add_node(plan, "attention", ins, 3, &out, 1, &attn),
            HEED_OK);
  ASSERT_EQ(heed_plan_set_int(plan, attn, "structure", 1), HEED_OK);
  ASSERT_EQ(heed_plan_set_int(plan, attn, "q_block", 2), HEED_OK);
  ASSERT_EQ(heed_plan_set_int(plan, attn, "k_block", 2), HEED_OK);
  ASSERT_EQ(heed_plan_set_float(plan, attn, "scale", 1.0), HEED_OK);
  ASSERT_EQ(heed_plan_name_attention(plan, attn, "layer0.probs", 0), HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "q", q), HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "v", v), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "out", out), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  ASSERT_EQ(heed_model_num_attention(model), 1);
  EXPECT_STREQ(heed_model_attention_name(model, 0), "layer0.probs");
  EXPECT_STREQ(heed_model_attention_kernel(model, 0), "attention");
  EXPECT_EQ(heed_model_attention_name(model, 1), nullptr);

  float zeros[4] = {0, 0, 0, 0}, values[4] = {1, 2, 3, 4}, result[4];
  const void *in[] = {zeros, values};
  void *res[] = {result};
  heed_tensor *probs = nullptr, *skipped = nullptr;
  // Not capturing: no maps.
  ASSERT_EQ(heed_model_run_data(model, in, res), HEED_OK);
  EXPECT_EQ(heed_model_attention_probs(model, 0, &probs, &skipped),
            HEED_ERROR_STATE);
  EXPECT_EQ(probs, nullptr);
  // Capturing: the run's output is the same (the mean of the values each
  // row sees: 1, 1.5, 2, 2.5) and the map is kept.
  ASSERT_EQ(heed_model_capture_attention(model, 1), HEED_OK);
  EXPECT_EQ(heed_model_attention_probs(model, 0, &probs, &skipped),
            HEED_ERROR_STATE); // no run since
  ASSERT_EQ(heed_model_run_data(model, in, res), HEED_OK) << heed_last_error();
  EXPECT_FLOAT_EQ(result[0], 1.0f);
  EXPECT_FLOAT_EQ(result[1], 1.5f);
  EXPECT_FLOAT_EQ(result[2], 2.0f);
  EXPECT_FLOAT_EQ(result[3], 2.5f);
  ASSERT_EQ(heed_model_attention_probs(model, 0, &probs, &skipped), HEED_OK)
      << heed_last_error();
  ASSERT_EQ(heed_tensor_rank(probs), 4);
  EXPECT_EQ(std::vector<int64_t>(heed_tensor_shape(probs),
                                 heed_tensor_shape(probs) + 4),
            (std::vector<int64_t>{1, 1, 4, 4}));
  const float *p = static_cast<const float *>(heed_tensor_data(probs));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_FLOAT_EQ(p[i * 4 + j], j <= i ? 1.0f / (float)(i + 1) : 0.0f)
          << "row " << i << ", key " << j;
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(heed_tensor_dtype(skipped), HEED_I1);
  const uint8_t *s = static_cast<const uint8_t *>(heed_tensor_data(skipped));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(s[i * 4 + j], i < 2 && j >= 2) << "row " << i << ", key " << j;
  heed_tensor_free(probs);
  heed_tensor_free(skipped);
  EXPECT_EQ(heed_model_attention_probs(model, 1, &probs, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_model_capture_attention(model, 2),
            HEED_ERROR_INVALID_ARGUMENT);
  // Off again: the plan's kernels, no maps.
  ASSERT_EQ(heed_model_capture_attention(model, 0), HEED_OK);
  ASSERT_EQ(heed_model_run_data(model, in, res), HEED_OK);
  EXPECT_FLOAT_EQ(result[3], 2.5f);
  EXPECT_EQ(heed_model_attention_probs(model, 0, &probs, nullptr),
            HEED_ERROR_STATE);
}

/// A plan of one softmax over x [2, 3] (axis 1) into y, attention map "p"
/// (\p oneQuery: heed_plan_name_attention's one_query).
heed_status softmaxMapPlan(heed_plan *plan, int32_t oneQuery) {
  int64_t shape[] = {2, 3};
  int32_t x = -1, y = -1, node = -1;
  heed_plan_add_buffer(plan, HEED_F32, 2, shape, HEED_AUTO_OFFSET, &x);
  heed_plan_add_buffer(plan, HEED_F32, 2, shape, HEED_AUTO_OFFSET, &y);
  heed_plan_add_node(plan, "softmax", &x, 1, &y, 1, &node);
  heed_plan_set_int(plan, node, "axis", 1);
  heed_plan_add_input(plan, "x", x);
  heed_plan_add_output(plan, "y", y);
  return heed_plan_name_attention(plan, node, "p", oneQuery);
}

TEST_F(PlanTest, SoftmaxAttentionMapIsFourD) {
  // Row 0: softmax(0, 0, ln 2) = (1/4, 1/4, 1/2); row 1 uniform (by hand).
  float xs[6] = {0, 0, std::log(2.0f), 5, 5, 5}, ys[6];
  const void *in[] = {xs};
  void *out[] = {ys};
  const float want[6] = {0.25f, 0.25f, 0.5f, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f};
  // A spelled-out attention's softmax over [2, 3] scores: the map is
  // [1, 1, 2, 3], the softmax's output itself (no tiles skipped); as
  // additive attention written out (one_query), each row is one sample's
  // query: [2, 1, 1, 3].
  for (int32_t oneQuery : {0, 1}) {
    heed_plan *p = nullptr;
    heed_model *m = nullptr;
    ASSERT_EQ(heed_plan_create(&p), HEED_OK);
    ASSERT_EQ(softmaxMapPlan(p, oneQuery), HEED_OK);
    ASSERT_EQ(heed_plan_finalize(p, &m), HEED_OK) << heed_last_error();
    heed_plan_free(p);
    ASSERT_EQ(heed_model_capture_attention(m, 1), HEED_OK);
    ASSERT_EQ(heed_model_run_data(m, in, out), HEED_OK);
    heed_tensor *probs = nullptr, *skipped = nullptr;
    ASSERT_EQ(heed_model_attention_probs(m, 0, &probs, &skipped), HEED_OK);
    EXPECT_EQ(skipped, nullptr);
    EXPECT_EQ(std::vector<int64_t>(heed_tensor_shape(probs),
                                   heed_tensor_shape(probs) + 4),
              oneQuery ? (std::vector<int64_t>{2, 1, 1, 3})
                       : (std::vector<int64_t>{1, 1, 2, 3}));
    const float *got = static_cast<const float *>(heed_tensor_data(probs));
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(got[i], want[i], 1e-6f) << i;
    heed_tensor_free(probs);
    heed_model_free(m);
  }
  EXPECT_EQ(softmaxMapPlan(plan, 2), HEED_ERROR_INVALID_ARGUMENT);
}

} // namespace

// A state kept between runs, computed out of place (the runtime copies the
// next value into the state's buffer) and reset: s' = s + x with x = [1, 2]
// gives y = s + x = [1, 2], [2, 4], [3, 6], then [1, 2] after the reset.
TEST_F(PlanTest, StateIsKeptCopiedAndReset) {
  int32_t x = buffer(2), s = buffer(2), next = buffer(2), y = buffer(2);
  ASSERT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
  ASSERT_EQ(heed_plan_add_state(plan, "s", s), HEED_OK);
  int32_t add[] = {s, x};
  ASSERT_EQ(heed_plan_add_node(plan, "add", add, 2, &next, 1, nullptr),
            HEED_OK);
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &next, 1, &y, 1, nullptr),
            HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", y), HEED_OK);
  ASSERT_EQ(heed_plan_set_state_next(plan, "s", next), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  EXPECT_EQ(heed_model_num_inputs(model), 1);
  EXPECT_EQ(heed_model_num_outputs(model), 1);

  int64_t shape[] = {2};
  float xs[2] = {1, 2}, ys[2];
  heed_tensor *tx = nullptr, *ty = nullptr;
  ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, xs, &tx), HEED_OK);
  ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, shape, ys, &ty), HEED_OK);
  for (float k : {1.0f, 2.0f, 3.0f}) {
    ASSERT_EQ(heed_model_run(model, &tx, 1, &ty, 1), HEED_OK);
    EXPECT_EQ(std::vector<float>(ys, ys + 2), (std::vector<float>{k, 2 * k}));
  }
  ASSERT_EQ(heed_model_reset_state(model), HEED_OK);
  ASSERT_EQ(heed_model_run(model, &tx, 1, &ty, 1), HEED_OK);
  EXPECT_EQ(std::vector<float>(ys, ys + 2), (std::vector<float>{1, 2}));
  EXPECT_EQ(heed_model_reset_state(nullptr), HEED_ERROR_INVALID_ARGUMENT);
  heed_tensor_free(tx);
  heed_tensor_free(ty);
}

TEST_F(PlanTest, StateNextMustMatchAndBeDeclared) {
  int32_t s = buffer(2), other = buffer(3);
  EXPECT_EQ(heed_plan_set_state_next(plan, "s", s),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_set_state_next(\"s\"): state 's' is not declared");
  ASSERT_EQ(heed_plan_add_state(plan, "s", s), HEED_OK);
  EXPECT_EQ(heed_plan_add_state(plan, "s", s), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_state(\"s\"): state 's' is declared twice");
  EXPECT_EQ(heed_plan_set_state_next(plan, "s", other), HEED_ERROR_SHAPE);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_set_state_next(\"s\"): state 's': the next value's "
            "buffer differs from the state's in dtype or shape");
}

// heed_model_generate on a model whose logits are a constant [0, 3, 1, 2]
// plus a state of zeros: greedy picks token 1 every step (by hand), eos
// stops after it, top-2 sampling picks 1 or 3, the same for the same seed.
TEST_F(PlanTest, GenerateGreedyEosSampling) {
  float c[4] = {0, 3, 1, 2};
  int64_t four[] = {4}, one[] = {1};
  int32_t id = -1, cst = -1, s = buffer(4), logits = buffer(4);
  ASSERT_EQ(heed_plan_add_buffer(plan, HEED_I64, 1, one, HEED_AUTO_OFFSET, &id),
            HEED_OK);
  ASSERT_EQ(heed_plan_add_constant(plan, HEED_F32, 1, four, c, &cst), HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "id", id), HEED_OK);
  ASSERT_EQ(heed_plan_add_state(plan, "s", s), HEED_OK);
  int32_t add[] = {cst, s};
  ASSERT_EQ(heed_plan_add_node(plan, "add", add, 2, &logits, 1, nullptr),
            HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "logits", logits), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();

  int64_t prompt[] = {2, 0}, tokens[8];
  int32_t n = -1;
  heed_generate_options o{};
  o.max_new_tokens = 3;
  heed_generate_stats stats{};
  ASSERT_EQ(heed_model_generate(model, prompt, 2, &o, tokens, &n, &stats),
            HEED_OK)
      << heed_last_error();
  EXPECT_EQ(std::vector<int64_t>(tokens, tokens + n),
            (std::vector<int64_t>{1, 1, 1}));
  EXPECT_GE(stats.prefill_ms, 0.0);
  o.use_eos = 1;
  o.eos_id = 1;
  ASSERT_EQ(heed_model_generate(model, prompt, 2, &o, tokens, &n, nullptr),
            HEED_OK);
  EXPECT_EQ(n, 1);
  o.use_eos = 0;
  o.max_new_tokens = 8;
  o.top_k = 2;
  o.seed = 5;
  int64_t again[8];
  int32_t m = -1;
  ASSERT_EQ(heed_model_generate(model, prompt, 2, &o, tokens, &n, nullptr),
            HEED_OK);
  ASSERT_EQ(heed_model_generate(model, prompt, 2, &o, again, &m, nullptr),
            HEED_OK);
  ASSERT_EQ(n, 8);
  EXPECT_EQ(std::vector<int64_t>(tokens, tokens + 8),
            std::vector<int64_t>(again, again + m));
  for (int64_t t : tokens)
    EXPECT_TRUE(t == 1 || t == 3) << t;

  EXPECT_EQ(heed_model_generate(model, prompt, 0, &o, tokens, &n, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "the prompt needs at least one token");
  EXPECT_EQ(heed_model_generate(model, prompt, 2, nullptr, tokens, &n, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
}

TEST_F(PlanTest, GenerateNeedsState) {
  int32_t x = buffer(4);
  ASSERT_EQ(heed_plan_add_output(plan, "y", x), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  int64_t prompt[] = {1}, tokens[1];
  int32_t n = 0;
  heed_generate_options o{};
  o.max_new_tokens = 1;
  EXPECT_EQ(heed_model_generate(model, prompt, 1, &o, tokens, &n, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "the model declares no state: generation needs a model that keeps "
            "its KV cache between runs ('state NAME: TYPE', docs/language.md)");
}

// A plan for every L in 4..8 (heed_plan_add_dim): x [L], y = relu(x) [L],
// and z = x[L - 4 : L] (a slice whose start follows L, bound with
// heed_plan_bind_int). Expected values by hand.
TEST_F(PlanTest, BoundedDimensionFollowsTheInputs) {
  int32_t L = -1, x = buffer(8), y = buffer(8), z = buffer(4), relu, slice;
  ASSERT_EQ(heed_plan_add_dim(plan, "L", 4, 8, &L), HEED_OK);
  ASSERT_EQ(heed_plan_bind_dim(plan, x, 0, L, 1), HEED_OK);
  ASSERT_EQ(heed_plan_bind_dim(plan, y, 0, L, 1), HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &x, 1, &y, 1, &relu), HEED_OK);
  ASSERT_EQ(heed_plan_add_node(plan, "slice", &x, 1, &z, 1, &slice), HEED_OK);
  ASSERT_EQ(heed_plan_set_int(plan, slice, "axis", 0), HEED_OK);
  ASSERT_EQ(heed_plan_set_int(plan, slice, "start", 4), HEED_OK);
  ASSERT_EQ(heed_plan_bind_int(plan, slice, "start", 0, L, 1), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", y), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "z", z), HEED_OK);
  ASSERT_EQ(heed_plan_finalize(plan, &model), HEED_OK) << heed_last_error();
  ASSERT_EQ(heed_model_num_dims(model), 1);
  const char *name = nullptr;
  int64_t lo = 0, hi = 0;
  ASSERT_EQ(heed_model_dim(model, 0, &name, &lo, &hi), HEED_OK);
  EXPECT_STREQ(name, "L");
  EXPECT_EQ(lo, 4);
  EXPECT_EQ(hi, 8);
  EXPECT_EQ(heed_model_dim(model, 1, &name, &lo, &hi),
            HEED_ERROR_INVALID_ARGUMENT);

  // L = 6, then 8, then 5: the kernels follow each run's inputs.
  for (int64_t n : {6, 8, 5}) {
    std::vector<float> xs;
    for (int64_t i = 0; i < n; ++i)
      xs.push_back(i % 2 ? (float)i : -(float)i); // 0, 1, -2, 3, -4, ...
    heed_tensor *tx = nullptr, *out[2] = {nullptr, nullptr};
    ASSERT_EQ(heed_tensor_wrap(HEED_F32, 1, &n, xs.data(), &tx), HEED_OK);
    ASSERT_EQ(heed_model_run_alloc(model, &tx, 1, out, 2), HEED_OK)
        << heed_last_error();
    ASSERT_EQ(heed_tensor_shape(out[0])[0], n);
    ASSERT_EQ(heed_tensor_shape(out[1])[0], 4);
    const float *ys = static_cast<const float *>(heed_tensor_data(out[0]));
    const float *zs = static_cast<const float *>(heed_tensor_data(out[1]));
    for (int64_t i = 0; i < n; ++i)
      EXPECT_EQ(ys[i], i % 2 ? (float)i : 0.0f) << "L = " << n << ", i " << i;
    for (int64_t i = 0; i < 4; ++i)
      EXPECT_EQ(zs[i], xs[n - 4 + i]) << "L = " << n << ", i " << i;
    // heed_model_run wants outputs of the run's sizes.
    heed_tensor *wrong[2] = {nullptr, out[1]};
    int64_t seven = n == 7 ? 6 : 7;
    ASSERT_EQ(heed_tensor_create(HEED_F32, 1, &seven, &wrong[0]), HEED_OK);
    EXPECT_EQ(heed_model_run(model, &tx, 1, wrong, 2), HEED_ERROR_SHAPE);
    EXPECT_EQ(std::string(heed_last_error()),
              "output 'y' is f32[" + std::to_string(seven) +
                  "], the model needs f32[" + std::to_string(n) +
                  "] for these inputs");
    EXPECT_EQ(heed_model_run(model, &tx, 1, out, 2), HEED_OK);
    heed_tensor_free(wrong[0]);
    heed_tensor_free(out[0]);
    heed_tensor_free(out[1]);
    heed_tensor_free(tx);
  }

  // Outside the range: no outputs, a message naming input and range.
  int64_t three = 3;
  heed_tensor *small = nullptr, *none[2] = {nullptr, nullptr};
  ASSERT_EQ(heed_tensor_create(HEED_F32, 1, &three, &small), HEED_OK);
  EXPECT_EQ(heed_model_run_alloc(model, &small, 1, none, 2), HEED_ERROR_SHAPE);
  EXPECT_EQ(std::string(heed_last_error()),
            "input 'x' is f32[3], the model needs f32[L] with L in 4..8 (it "
            "gives L = 3)");
  EXPECT_EQ(none[0], nullptr);
  heed_tensor_free(small);
}

TEST_F(PlanTest, BoundedDimensionMisuse) {
  // The calls' own checks, on a second plan (plan errors are sticky).
  int32_t L = -1, x = buffer(8);
  ASSERT_EQ(heed_plan_create(&other), HEED_OK);
  EXPECT_EQ(heed_plan_add_dim(other, "L", 0, 8, &L),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_dim(\"L\"): the range 0..8 must have 1 <= lo <= hi");
  int64_t eight = 8;
  ASSERT_EQ(heed_plan_add_buffer(other, HEED_F32, 1, &eight, HEED_AUTO_OFFSET,
                                 nullptr),
            HEED_OK);
  ASSERT_EQ(heed_plan_add_dim(other, "L", 1, 8, &L), HEED_OK);
  EXPECT_EQ(heed_plan_add_dim(other, "L", 1, 4, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_dim(\"L\"): dimension 'L' is declared twice");
  EXPECT_EQ(heed_plan_bind_dim(other, 0, 0, 1, 1), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_bind_dim(buffer 0): dimension 1 does not exist");
  EXPECT_EQ(heed_plan_bind_dim(other, 0, 0, L, 0), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_bind_dim(buffer 0): coefficient 0 must be positive");
  EXPECT_EQ(heed_plan_bind_dim(other, 0, 1, L, 1), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_bind_dim(buffer 0): axis 1 is not an axis of f32[8]");
  ASSERT_EQ(heed_plan_bind_dim(other, 0, 0, L, 1), HEED_OK);
  EXPECT_EQ(heed_plan_bind_dim(other, 0, 0, L, 1), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_bind_dim(buffer 0): axis 0 is bound twice");
  int32_t y = -1, node = -1;
  ASSERT_EQ(
      heed_plan_add_buffer(other, HEED_F32, 1, &eight, HEED_AUTO_OFFSET, &y),
      HEED_OK);
  int32_t zero = 0;
  ASSERT_EQ(heed_plan_add_node(other, "slice", &zero, 1, &y, 1, &node),
            HEED_OK);
  EXPECT_EQ(heed_plan_bind_int(other, node, "start", 0, L, 1),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_bind_int(node 0, \"start\"): set the attribute before "
            "binding it to a dimension");
  ASSERT_EQ(heed_plan_set_int(other, node, "start", 0), HEED_OK);
  EXPECT_EQ(heed_plan_bind_int(other, node, "start", 1, L, 1),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_bind_int(node 0, \"start\"): index 1 is past the "
            "attribute's 1 values");
  heed_plan_free(other);
  other = nullptr;

  // Finalizing: a dimension that no input gives, an extent that would be
  // negative at the smallest value.
  ASSERT_EQ(heed_plan_add_dim(plan, "L", 1, 8, &L), HEED_OK);
  ASSERT_EQ(heed_plan_add_input(plan, "x", x), HEED_OK);
  int32_t y2 = buffer(8);
  ASSERT_EQ(heed_plan_add_node(plan, "relu", &x, 1, &y2, 1, nullptr), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "y", y2), HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "bounded dimension 'L' is the extent of no input, so no run could "
            "give it");
  int32_t two = buffer(2);
  ASSERT_EQ(heed_plan_bind_dim(plan, x, 0, L, 1), HEED_OK);
  ASSERT_EQ(heed_plan_bind_dim(plan, two, 0, L, 1), HEED_OK);
  ASSERT_EQ(heed_plan_add_output(plan, "two", two), HEED_OK);
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_SHAPE);
  EXPECT_EQ(std::string(heed_last_error()),
            "buffer 2 is f32[L-6] with L in 1..8, which is negative at the "
            "smallest values");
}
