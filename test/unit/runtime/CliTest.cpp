//===- CliTest.cpp - The command line of compiled model executables -------===//
//
// heed_cli_main driven in-process with argv arrays, over hand-written build
// functions. Expected outputs are worked out by hand; the --random-inputs
// values come from a separate Python implementation of the documented rule
// (heed/io/Random.h) with numpy's float32 arithmetic.
//
//===----------------------------------------------------------------------===//

#include "heed/compiled.h"
#include "heed/io/Json.h"
#include "heed/io/Npy.h"
#include "heed/io/Safetensors.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace heed;
using heed::io::testutil::makeTensor;
using heed::io::testutil::TempDir;
using heed::io::testutil::valuesOf;

namespace {

const int64_t kShape[] = {2, 3};

/// z = x + y, all f32[2, 3]; no weights.
void buildAdd(heed_plan *plan, heed_weights *) {
  for (int i = 0; i < 3; ++i)
    heed_plan_add_buffer(plan, HEED_F32, 2, kShape, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_input(plan, "x", 0);
  heed_plan_add_input(plan, "y", 1);
  heed_plan_add_output(plan, "z", 2);
  const int32_t in[] = {0, 1}, out[] = {2};
  heed_plan_add_node(plan, "add", in, 2, out, 1, nullptr);
}

/// out = embedding(ids, table): ids i64[8], the weight "table" f32[5, 1].
void buildEmbedding(heed_plan *plan, heed_weights *weights) {
  const int64_t ids[] = {8}, table[] = {5, 1}, out[] = {8, 1};
  heed_plan_add_buffer(plan, HEED_I64, 1, ids, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_weight(plan, weights, "table", HEED_F32, 2, table, nullptr);
  heed_plan_add_buffer(plan, HEED_F32, 2, out, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_input(plan, "ids", 0);
  heed_plan_add_output(plan, "out", 2);
  const int32_t in[] = {0, 1}, result[] = {2};
  heed_plan_add_node(plan, "embedding", in, 2, result, 1, nullptr);
}

/// The embedding table: row r holds 10 + r.
const float kTable[5] = {10, 11, 12, 13, 14};

/// out = copy(x), both bf16[2].
void buildBf16(heed_plan *plan, heed_weights *) {
  const int64_t two[] = {2};
  heed_plan_add_buffer(plan, HEED_BF16, 1, two, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_buffer(plan, HEED_BF16, 1, two, HEED_AUTO_OFFSET, nullptr);
  heed_plan_add_input(plan, "x", 0);
  heed_plan_add_output(plan, "out", 1);
  const int32_t in[] = {0}, out[] = {1};
  heed_plan_add_node(plan, "copy", in, 1, out, 1, nullptr);
}

/// What a run of heed_cli_main printed and returned.
struct CliResult {
  int status;
  std::string out, err;
};

/// Runs heed_cli_main with argv = {"/opt/models/tiny", args...}.
CliResult runCli(std::vector<std::string> args, heed_build_fn build = buildAdd,
                 const char *weightsFile = nullptr,
                 heed_weights *weights = nullptr,
                 const int64_t *bounds = nullptr) {
  args.insert(args.begin(), "/opt/models/tiny");
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int status = heed_cli_main((int)args.size(), argv.data(), "tiny", build,
                             weightsFile, weights, bounds);
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  return {status, out, err};
}

/// Writes \p values as an f32 .npy file of \p shape.
std::string writeF32(const TempDir &dir, const std::string &name,
                     std::vector<int64_t> shape, std::vector<float> values) {
  std::string path = dir.path(name);
  std::string error;
  EXPECT_TRUE(io::writeNpy(
      path, makeTensor<float>(DType::F32, std::move(shape), values), error))
      << error;
  return path;
}

TEST(CliTest, HelpListsInputsAndOutputs) {
  for (const char *flag : {"--help", "-h"}) {
    CliResult r = runCli({flag});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out.rfind("usage: tiny [--input NAME=FILE]...", 0), 0u)
        << r.out;
    EXPECT_NE(r.out.find("Runs the Heed model 'tiny'"), std::string::npos);
    EXPECT_NE(r.out.find("\ninputs:\n"
                         "  x  f32[2, 3]\n"
                         "  y  f32[2, 3]\n"
                         "outputs:\n"
                         "  z  f32[2, 3]\n"),
              std::string::npos)
        << r.out;
    // A model without a weights file has no --weights flag.
    EXPECT_EQ(r.out.find("--weights"), std::string::npos);
  }
  // Names are aligned; the weights file is the default of --weights.
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  const int64_t table[] = {5, 1};
  ASSERT_EQ(heed_weights_add(w, "table", HEED_F32, 2, table, kTable), HEED_OK);
  CliResult r = runCli({"--help"}, buildEmbedding, "tiny.safetensors", w);
  heed_weights_free(w);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--weights FILE.safetensors  read the weights from "
                       "FILE (default: tiny.safetensors)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("inputs:\n  ids  i64[8]\noutputs:\n  out  f32[8, 1]\n"),
            std::string::npos)
      << r.out;
}

TEST(CliTest, HelpWhenTheModelDoesNotLoad) {
  TempDir dir;
  std::string missing = dir.path("missing.safetensors");
  CliResult r = runCli({"--help"}, buildEmbedding, missing.c_str());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("usage: tiny", 0), 0u);
  EXPECT_EQ(r.out.find("inputs:"), std::string::npos);
  EXPECT_EQ(r.err.rfind("tiny: note: cannot list the model's inputs and "
                        "outputs: " +
                            missing + ": ",
                        0),
            0u)
      << r.err;
}

TEST(CliTest, RandomInputsAreHeedRunsValues) {
  // x = float32(gen(1, "x", 6)), y = float32(gen(1, "y", 6)), z = x + y in
  // float32, printed with %.6g.
  const std::string expected =
      "z: f32[2, 3] = [1.44814, -0.474707, -1.64831, 0.510546, -0.623763, "
      "-0.621612]\n";
  for (auto args : {std::vector<std::string>{"--random-inputs=1"},
                    std::vector<std::string>{"--random-inputs", "1"},
                    std::vector<std::string>{"-random-inputs=1", "--threads",
                                             "2", "--repeat=3"}}) {
    CliResult r = runCli(args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, expected);
  }
}

TEST(CliTest, RandomIntegerInputsStayBelowTheirBound) {
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  const int64_t table[] = {5, 1};
  ASSERT_EQ(heed_weights_add(w, "table", HEED_F32, 2, table, kTable), HEED_OK);
  // ids = min(4, floor((u + 1) / 2 * 5)) for u in gen(3, "ids", 8)
  //     = [2, 1, 1, 3, 4, 0, 2, 0]; out = 10 + ids.
  const int64_t bounds[] = {5};
  CliResult r =
      runCli({"--random-inputs=3"}, buildEmbedding, nullptr, w, bounds);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "out: f32[8, 1] = [12, 11, 11, 13, 14, 10, ...]\n");
  // Without bounds (or a bound of 0) integers lie in [0, 2):
  // ids = [0, 0, 0, 1, 1, 0, 1, 0].
  const int64_t zero[] = {0};
  for (const int64_t *b : {(const int64_t *)nullptr, zero}) {
    r = runCli({"--random-inputs=3"}, buildEmbedding, nullptr, w, b);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "out: f32[8, 1] = [10, 10, 10, 11, 11, 10, ...]\n");
  }
  heed_weights_free(w);
}

TEST(CliTest, OutputDirWritesNpyFiles) {
  TempDir dir;
  std::string x = writeF32(dir, "x.npy", {2, 3}, {0.5f, -1, 2, 0, 3.25f, -4});
  std::string y = writeF32(dir, "y.npy", {2, 3}, {1, 2, 3, 4, 5, 6});
  std::string out = dir.path("out/nested");
  CliResult r =
      runCli({"--input", "x=" + x, "--input=y=" + y, "--output-dir", out});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, ""); // files instead of the summary
  EXPECT_EQ(r.err, "");
  io::HostTensor z;
  std::string error;
  ASSERT_TRUE(io::readNpy(out + "/z.npy", z, error)) << error;
  EXPECT_EQ(z.dtype, DType::F32);
  EXPECT_EQ(z.shape, (std::vector<int64_t>{2, 3}));
  // x + y by hand.
  EXPECT_EQ(valuesOf<float>(z), (std::vector<float>{1.5f, 1, 5, 4, 8.25f, 2}));
}

TEST(CliTest, Bf16FromF32AndWidenedToF32) {
  // By hand: 1 + 2^-8 is halfway between the bf16 values 1 and 1 + 2^-7 and
  // rounds to the even 1; -2.75 is exact. The copy's bf16 output is written
  // widened to f32.
  TempDir dir;
  std::string x = writeF32(dir, "x.npy", {2}, {1 + 0x1p-8f, -2.75f});
  CliResult r =
      runCli({"--input", "x=" + x, "--output-dir", dir.path("out")}, buildBf16);
  EXPECT_EQ(r.status, 0) << r.err;
  io::HostTensor out;
  std::string error;
  ASSERT_TRUE(io::readNpy(dir.path("out") + "/out.npy", out, error)) << error;
  EXPECT_EQ(out.dtype, DType::F32);
  EXPECT_EQ(valuesOf<float>(out), (std::vector<float>{1, -2.75f}));
}

TEST(CliTest, JsonPrintsOneObject) {
  CliResult r = runCli({"--random-inputs=1", "--json", "--repeat", "3"});
  EXPECT_EQ(r.status, 0) << r.err;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out; // one line
  io::JsonValue json;
  std::string error;
  ASSERT_TRUE(io::parseJson(r.out, json, error)) << error << ": " << r.out;
  ASSERT_TRUE(json.isObject());
  std::vector<std::string> keys;
  for (const auto &member : json.object)
    keys.push_back(member.first);
  EXPECT_EQ(keys, (std::vector<std::string>{"median_ms", "min_ms", "max_ms",
                                            "runs", "memory_bytes"}));
  const io::JsonValue &median = *json.get("median_ms"),
                      &min = *json.get("min_ms"), &max = *json.get("max_ms");
  ASSERT_TRUE(median.isNumber() && min.isNumber() && max.isNumber());
  EXPECT_LE(0, min.number);
  EXPECT_LE(min.number, median.number);
  EXPECT_LE(median.number, max.number);
  ASSERT_TRUE(json.get("runs")->isInteger());
  EXPECT_EQ(json.get("runs")->integer, 3);
  // Three 24-byte buffers, each on its own 64-byte line; add needs no
  // scratch memory.
  ASSERT_TRUE(json.get("memory_bytes")->isInteger());
  EXPECT_EQ(json.get("memory_bytes")->integer, 192);
}

/// Expects heed_cli_main to fail with exactly "tiny: error: <message>" and to
/// leave \p dir as it was (no output files, no --output-dir created).
void expectError(const TempDir &dir, std::vector<std::string> args,
                 const std::string &message, heed_build_fn build = buildAdd,
                 const char *weightsFile = nullptr,
                 heed_weights *weights = nullptr) {
  std::vector<std::string> before = dir.list();
  args.insert(args.begin(), "--output-dir=" + dir.path("out"));
  CliResult r = runCli(args, build, weightsFile, weights);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "tiny: error: " + message + "\n");
  EXPECT_EQ(dir.list(), before);
}

TEST(CliTest, FlagErrors) {
  TempDir dir;
  expectError(dir, {"--foo"}, "unknown flag '--foo'; see --help");
  expectError(dir, {"--foo=3"}, "unknown flag '--foo'; see --help");
  expectError(dir, {"-q"}, "unknown flag '-q'; see --help");
  expectError(dir, {"x.npy"}, "unexpected argument 'x.npy'; see --help");
  expectError(dir, {"--json=1"}, "--json takes no value");
  expectError(dir, {"--random-inputs=1", "--threads"},
              "missing value for --threads");
  expectError(dir, {"--random-inputs=1", "--input"},
              "missing value for --input");
  expectError(dir, {"--threads", "0"},
              "--threads 0: expected a positive integer");
  expectError(dir, {"--threads=two"},
              "--threads two: expected a positive integer");
  expectError(dir, {"--repeat=-1"}, "--repeat -1: expected a positive integer");
  expectError(dir, {"--repeat", "1.5"},
              "--repeat 1.5: expected a positive integer");
  expectError(dir, {"--random-inputs=-2"},
              "--random-inputs -2: expected a non-negative integer seed");
  expectError(dir, {"--input", "x.npy"}, "--input x.npy: expected NAME=FILE");
  expectError(dir, {"--weights", "w.safetensors"},
              "--weights w.safetensors: the model embeds its weights and "
              "reads no weights file");
}

TEST(CliTest, InputErrors) {
  TempDir dir;
  std::string good = writeF32(dir, "good.npy", {2, 3}, {1, 2, 3, 4, 5, 6});
  std::string flat = writeF32(dir, "flat.npy", {2}, {1, 2});
  std::string ints = dir.path("ints.npy");
  std::string error;
  ASSERT_TRUE(io::writeNpy(
      ints, makeTensor<int64_t>(DType::I64, {2, 3}, {1, 2, 3, 4, 5, 6}),
      error));
  std::string missing = dir.path("missing.npy");

  expectError(dir, {"--input", "q=" + good},
              "--input q=" + good +
                  ": the model has no input 'q' (its "
                  "inputs: x, y)");
  expectError(dir, {"--input", "x=" + good, "--input", "x=" + good},
              "--input x is given twice");
  expectError(dir, {"--input", "y=" + good},
              "input 'x' (f32[2, 3]) is not given; pass --input x=FILE.npy or "
              "--random-inputs=SEED");
  expectError(dir, {"--input", "x=" + flat, "--random-inputs=1"},
              "input 'x' is f32[2] in " + flat +
                  " but the model expects f32[2, 3]");
  expectError(dir, {"--input", "y=" + ints, "--random-inputs=1"},
              "input 'y' is i64[2, 3] in " + ints +
                  " but the model expects f32[2, 3]");
  // The .npy reader's message starts with the path.
  std::vector<std::string> before = dir.list();
  CliResult r = runCli({"--input", "x=" + missing, "--random-inputs=1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("tiny: error: input 'x': " + missing + ": ", 0), 0u)
      << r.err;
  EXPECT_EQ(dir.list(), before);
}

TEST(CliTest, RunErrorsWriteNothing) {
  TempDir dir;
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  const int64_t table[] = {5, 1};
  ASSERT_EQ(heed_weights_add(w, "table", HEED_F32, 2, table, kTable), HEED_OK);
  std::string ids = dir.path("ids.npy");
  std::string error;
  ASSERT_TRUE(io::writeNpy(
      ids, makeTensor<int64_t>(DType::I64, {8}, {0, 1, 2, 3, 4, 99, 0, 0}),
      error));
  expectError(dir, {"--input", "ids=" + ids},
              "embedding: id 99 is out of range for 5 rows", buildEmbedding,
              nullptr, w);
  heed_weights_free(w);
}

TEST(CliTest, LoadErrors) {
  TempDir dir;
  // The weight table has "table" as i32: the model does not load.
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  const int64_t table[] = {5, 1};
  ASSERT_EQ(heed_weights_add(w, "table", HEED_I32, 2, table, kTable), HEED_OK);
  expectError(dir, {"--random-inputs=1"},
              "weight 'table' is i32[5, 1] in the weights table but the model "
              "expects f32[5, 1]",
              buildEmbedding, nullptr, w);
  heed_weights_free(w);
  // A missing weights file, named by the model or by --weights.
  std::string missing = dir.path("missing.safetensors");
  std::vector<std::string> before = dir.list();
  for (bool flag : {false, true}) {
    CliResult r =
        flag ? runCli({"--random-inputs=1", "--weights", missing},
                      buildEmbedding, "default.safetensors")
             : runCli({"--random-inputs=1"}, buildEmbedding, missing.c_str());
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err.rfind("tiny: error: " + missing + ": ", 0), 0u) << r.err;
  }
  EXPECT_EQ(dir.list(), before);
}

TEST(CliTest, WeightsFlagReplacesTheModelsWeights) {
  TempDir dir;
  // A file whose table rows are 20 + r; the model's own table is 10 + r.
  std::string path = dir.path("other.safetensors");
  std::vector<std::pair<std::string, io::HostTensor>> tensors;
  tensors.emplace_back(
      "table", makeTensor<float>(DType::F32, {5, 1}, {20, 21, 22, 23, 24}));
  std::string error;
  ASSERT_TRUE(io::writeSafetensors(path, tensors, error)) << error;
  heed_weights *w = nullptr;
  ASSERT_EQ(heed_weights_create(&w), HEED_OK);
  const int64_t table[] = {5, 1};
  ASSERT_EQ(heed_weights_add(w, "table", HEED_F32, 2, table, kTable), HEED_OK);
  // ids = [2, 1, 1, 3, 4, 0, 2, 0] (see
  // RandomIntegerInputsStayBelowTheirBound).
  const int64_t bounds[] = {5};
  CliResult r = runCli({"--random-inputs=3", "--weights=" + path},
                       buildEmbedding, nullptr, w, bounds);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "out: f32[8, 1] = [22, 21, 21, 23, 24, 20, ...]\n");
  heed_weights_free(w);
}

TEST(CliTest, OutputDirErrors) {
  TempDir dir;
  // A directory that cannot be created: a regular file is in the way.
  std::string file = writeF32(dir, "file", {1}, {0});
  std::vector<std::string> before = dir.list();
  CliResult r = runCli({"--random-inputs=1", "--output-dir", file + "/out"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("tiny: error: cannot create " + file + "/out: ", 0), 0u)
      << r.err;
  EXPECT_EQ(dir.list(), before);
}

TEST(CliTest, ProgramNameFallsBackToTheModel) {
  char *argv[] = {nullptr};
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int status =
      heed_cli_main(0, argv, "tiny", buildAdd, nullptr, nullptr, nullptr);
  testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 1);
  EXPECT_EQ(err, "tiny: error: input 'x' (f32[2, 3]) is not given; pass "
                 "--input x=FILE.npy or --random-inputs=SEED\n");
}

} // namespace
