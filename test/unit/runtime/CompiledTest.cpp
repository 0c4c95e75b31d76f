//===- CompiledTest.cpp - Weights tables, loading and raw-pointer runs ----===//
//
// heed/compiled.h without the command line: hand-written build functions
// stand in for the code heedc generates (straight-line plan calls that
// check no status). Expected values are worked out by hand.
//
//===----------------------------------------------------------------------===//

#include "heed/compiled.h"
#include "heed/io/Safetensors.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace heed;
using heed::io::testutil::makeTensor;
using heed::io::testutil::TempDir;

namespace {

const int64_t kShape[] = {2, 3};

/// z = x + w, with w the tensor "w" (f32[2, 3]) of the weights table:
/// buffers x (0), w (1), z (2), as heedc would number them.
void buildAddWeight(heed_plan *plan, heed_weights *weights) {
  heed_plan_add_buffer(plan, HEED_F32, 2, kShape, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_weight(plan, weights, "w", HEED_F32, 2, kShape, nullptr);
  heed_plan_add_buffer(plan, HEED_F32, 2, kShape, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_input(plan, "x", 0);
  heed_plan_add_output(plan, "z", 2);
  const int32_t in[] = {0, 1}, out[] = {2};
  heed_plan_add_node(plan, "add", in, 2, out, 1, nullptr);
}

const float kW[6] = {1, 2, 3, 4, 5, 6};
const float kX[6] = {0.5f, -1, 2, 0, 3.25f, -4};
/// kX + kW, by hand.
const std::vector<float> kXPlusW = {1.5f, 1, 5, 4, 8.25f, 2};

/// Runs \p model on kX and returns its output.
std::vector<float> runOnX(heed_model *model) {
  std::vector<float> z(6, -99.0f);
  const void *in[] = {kX};
  void *out[] = {z.data()};
  EXPECT_EQ(heed_model_run_data(model, in, out), HEED_OK) << heed_last_error();
  return z;
}

/// Loads buildAddWeight over a table holding only "w" with the given type,
/// expecting failure; returns the status and message.
std::pair<heed_status, std::string> loadWithW(heed_dtype dtype, int32_t rank,
                                              const int64_t *shape) {
  static const int32_t data[6] = {};
  heed_weights *w = nullptr;
  EXPECT_EQ(heed_weights_create(&w), HEED_OK);
  EXPECT_EQ(heed_weights_add(w, "w", dtype, rank, shape, data), HEED_OK);
  heed_model *model = reinterpret_cast<heed_model *>(&w);
  heed_status s = heed_compiled_load(buildAddWeight, nullptr, w, &model);
  std::string message = heed_last_error();
  EXPECT_EQ(model, nullptr);
  if (s == HEED_OK)
    heed_model_free(model);
  heed_weights_free(w);
  return {s, message};
}

TEST(CompiledTest, InMemoryWeights) {
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  ASSERT_EQ(heed_weights_add(w, "w", HEED_F32, 2, kShape, kW), HEED_OK);
  heed_model *model = nullptr;
  ASSERT_EQ(heed_compiled_load(buildAddWeight, nullptr, w, &model), HEED_OK)
      << heed_last_error();
  heed_weights_free(w); // the model keeps the table
  EXPECT_EQ(runOnX(model), kXPlusW);
  EXPECT_EQ(runOnX(model), kXPlusW); // and runs again
  heed_model_free(model);
}

TEST(CompiledTest, OneTableServesSeveralModels) {
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  ASSERT_EQ(heed_weights_add(w, "w", HEED_F32, 2, kShape, kW), HEED_OK);
  heed_model *a = nullptr, *b = nullptr;
  ASSERT_EQ(heed_compiled_load(buildAddWeight, nullptr, w, &a), HEED_OK);
  ASSERT_EQ(heed_compiled_load(buildAddWeight, nullptr, w, &b), HEED_OK);
  heed_weights_free(w);
  heed_model_free(a);
  EXPECT_EQ(runOnX(b), kXPlusW);
  heed_model_free(b);
}

TEST(CompiledTest, MissingWeight) {
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  ASSERT_EQ(heed_weights_add(w, "v", HEED_F32, 2, kShape, kW), HEED_OK);
  heed_model *model = nullptr;
  EXPECT_EQ(heed_compiled_load(buildAddWeight, nullptr, w, &model),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "weight 'w' is missing from the weights table");
  EXPECT_EQ(model, nullptr);
  heed_weights_free(w);
}

TEST(CompiledTest, WrongDType) {
  auto [status, message] = loadWithW(HEED_I32, 2, kShape);
  EXPECT_EQ(status, HEED_ERROR_DTYPE);
  EXPECT_EQ(message, "weight 'w' is i32[2, 3] in the weights table but the "
                     "model expects f32[2, 3]");
}

TEST(CompiledTest, WrongShape) {
  const int64_t transposed[] = {3, 2};
  auto [status, message] = loadWithW(HEED_F32, 2, transposed);
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "weight 'w' is f32[3, 2] in the weights table but the "
                     "model expects f32[2, 3]");
  const int64_t flat[] = {6};
  std::tie(status, message) = loadWithW(HEED_F32, 1, flat);
  EXPECT_EQ(status, HEED_ERROR_SHAPE);
  EXPECT_EQ(message, "weight 'w' is f32[6] in the weights table but the model "
                     "expects f32[2, 3]");
}

TEST(CompiledTest, AddWeightErrorsAreStickyPlanErrors) {
  heed_plan *plan = nullptr;
  ASSERT_EQ(heed_plan_create(&plan), HEED_OK);
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  int32_t id = -1;
  EXPECT_EQ(heed_plan_add_weight(plan, nullptr, "w", HEED_F32, 2, kShape, &id),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_weight(\"w\"): weights is null");
  EXPECT_EQ(id, -1);
  EXPECT_EQ(heed_plan_add_weight(plan, w, "w", HEED_F32, 2, kShape, &id),
            HEED_ERROR_INVALID_ARGUMENT);
  // A later weight that exists gets buffer 0: failed calls assign no id.
  ASSERT_EQ(heed_weights_add(w, "ok", HEED_F32, 2, kShape, kW), HEED_OK);
  EXPECT_EQ(heed_plan_add_weight(plan, w, "ok", HEED_F32, 2, kShape, &id),
            HEED_OK);
  EXPECT_EQ(id, 0);
  heed_model *model = nullptr;
  EXPECT_EQ(heed_plan_finalize(plan, &model), HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()),
            "heed_plan_add_weight(\"w\"): weights is null");
  EXPECT_EQ(model, nullptr);
  heed_plan_free(plan); // releases the plan's share of the table
  heed_weights_free(w);
}

TEST(CompiledTest, WeightsTableErrors) {
  EXPECT_EQ(heed_weights_create(nullptr), HEED_ERROR_INVALID_ARGUMENT);
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  ASSERT_EQ(heed_weights_add(w, "w", HEED_F32, 2, kShape, kW), HEED_OK);
  EXPECT_EQ(heed_weights_add(w, "w", HEED_F32, 2, kShape, kW),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()), "weight 'w' is added twice");
  EXPECT_EQ(heed_weights_add(w, "n", HEED_F32, 2, kShape, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()), "weight data is null");
  const int64_t negative[] = {-2};
  EXPECT_EQ(heed_weights_add(w, "m", HEED_F32, 1, negative, kW),
            HEED_ERROR_SHAPE);
  heed_weights_free(w);
  heed_weights_free(nullptr);
}

/// Writes a .safetensors file holding "w" (f32[2, 3], kW). With \p misaligned
/// an f16[1] tensor "h" comes first, so that "w" starts 2 bytes into the data
/// (which the 8-byte padded header leaves 8-byte aligned): not aligned for
/// f32, so the table copies it; otherwise the table points into the mapping.
std::string writeWeightsFile(const TempDir &dir, bool misaligned) {
  std::string path = dir.path("model.safetensors");
  std::vector<std::pair<std::string, io::HostTensor>> tensors;
  if (misaligned)
    tensors.emplace_back("h", makeTensor<uint16_t>(DType::F16, {1}, {0x3C00}));
  tensors.emplace_back("w", makeTensor<float>(DType::F32, {2, 3},
                                              std::vector<float>(kW, kW + 6)));
  std::string error;
  EXPECT_TRUE(io::writeSafetensors(path, tensors, error)) << error;
  return path;
}

TEST(CompiledTest, WeightsFromAFile) {
  for (bool misaligned : {false, true}) {
    TempDir dir;
    std::string path = writeWeightsFile(dir, misaligned);
    heed_model *model = nullptr;
    ASSERT_EQ(heed_compiled_load(buildAddWeight, path.c_str(), nullptr, &model),
              HEED_OK)
        << heed_last_error();
    EXPECT_EQ(runOnX(model), kXPlusW) << "misaligned: " << misaligned;
    heed_model_free(model);
  }
}

TEST(CompiledTest, ModelKeepsTheFileMapped) {
  TempDir dir;
  std::string path = writeWeightsFile(dir, /*misaligned=*/false);
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_open(path.c_str(), &w), HEED_OK) << heed_last_error();
  heed_model *model = nullptr;
  ASSERT_EQ(
      heed_compiled_load(buildAddWeight, "ignored.safetensors", w, &model),
      HEED_OK)
      << heed_last_error();
  // Freeing the handle would unmap the file (and "w" points into the
  // mapping) if the model did not share the table.
  heed_weights_free(w);
  EXPECT_EQ(runOnX(model), kXPlusW);
  heed_model_free(model);
}

TEST(CompiledTest, FileErrorsNameTheFile) {
  TempDir dir;
  std::string missing = dir.path("missing.safetensors");
  heed_model *model = nullptr;
  EXPECT_EQ(
      heed_compiled_load(buildAddWeight, missing.c_str(), nullptr, &model),
      HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()).rfind(missing + ": ", 0), 0u)
      << heed_last_error();
  EXPECT_EQ(model, nullptr);

  // A file whose "w" is f16[1] instead.
  std::string path = dir.path("other.safetensors");
  std::vector<std::pair<std::string, io::HostTensor>> tensors;
  tensors.emplace_back("w", makeTensor<uint16_t>(DType::F16, {1}, {0x3C00}));
  std::string error;
  ASSERT_TRUE(io::writeSafetensors(path, tensors, error)) << error;
  EXPECT_EQ(heed_compiled_load(buildAddWeight, path.c_str(), nullptr, &model),
            HEED_ERROR_DTYPE);
  EXPECT_EQ(std::string(heed_last_error()),
            "weight 'w' is f16[1] in " + path +
                " but the model expects f32[2, 3]");
}

/// A model without weights: z = x + y.
void buildAdd(heed_plan *plan, heed_weights *weights) {
  EXPECT_EQ(weights, nullptr);
  heed_plan_add_buffer(plan, HEED_F32, 2, kShape, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_buffer(plan, HEED_F32, 2, kShape, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_buffer(plan, HEED_F32, 2, kShape, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_input(plan, "x", 0);
  heed_plan_add_input(plan, "y", 1);
  heed_plan_add_output(plan, "z", 2);
  const int32_t in[] = {0, 1}, out[] = {2};
  heed_plan_add_node(plan, "add", in, 2, out, 1, nullptr);
}

TEST(CompiledTest, RunData) {
  heed_model *model = nullptr;
  ASSERT_EQ(heed_compiled_load(buildAdd, nullptr, nullptr, &model), HEED_OK)
      << heed_last_error();
  // [0.5, -1, 2, 0, 3.25, -4] + [1, 2, 3, 4, 5, 6] by hand.
  float z[6] = {};
  const void *in[] = {kX, kW};
  void *out[] = {z};
  ASSERT_EQ(heed_model_run_data(model, in, out), HEED_OK) << heed_last_error();
  EXPECT_EQ(std::vector<float>(z, z + 6), kXPlusW);

  const void *missing[] = {kX, nullptr};
  EXPECT_EQ(heed_model_run_data(model, missing, out),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(heed_last_error()), "input 'y' is null");
  EXPECT_EQ(heed_model_run_data(model, nullptr, out),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_model_run_data(nullptr, in, out), HEED_ERROR_INVALID_ARGUMENT);
  heed_model_free(model);
}

TEST(CompiledTest, LoadArguments) {
  heed_model *model = nullptr;
  EXPECT_EQ(heed_compiled_load(nullptr, nullptr, nullptr, &model),
            HEED_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(heed_compiled_load(buildAdd, nullptr, nullptr, nullptr),
            HEED_ERROR_INVALID_ARGUMENT);
}

} // namespace
