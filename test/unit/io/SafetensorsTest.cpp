//===- SafetensorsTest.cpp - Tests for the .safetensors reader/writer -----===//
//
// Expected values are worked out by hand from the safetensors format
// description (8-byte little-endian header length, JSON header, data) and
// from IEEE-754 / bfloat16 bit patterns; comments show the working. No
// Python safetensors package is installed here, so there are no files from
// the reference implementation.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Safetensors.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

using namespace heed;
using namespace heed::io;
using namespace heed::io::testutil;

namespace {

/// Builds a .safetensors file: the 8-byte little-endian length of \p header,
/// \p header itself, then \p data.
std::string stFile(const std::string &header, const std::string &data) {
  std::string bytes;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    bytes += (char)(uint8_t)(n >> (8 * i));
  return bytes + header + data;
}

/// Writes \p bytes to a file in \p dir and opens it, expecting failure;
/// returns the error with the path prefix removed.
std::string openError(const TempDir &dir, const std::string &bytes) {
  std::string path = dir.path("bad.safetensors");
  writeFile(path, bytes);
  std::string error;
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  EXPECT_EQ(file, nullptr);
  EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << error;
  return error.substr(std::min(error.size(), path.size() + 2));
}

/// The entry of one tensor named "w" with the given fields, in a header.
std::string oneTensor(const std::string &fields) {
  return "{\"w\":{" + fields + "}}";
}

TEST(SafetensorsTest, ReadsHandBuiltFile) {
  TempDir dir;
  std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},)"
      R"("m":{"shape":[],"dtype":"BOOL","data_offsets":[22,23]}})";
  std::string data =
      // float32 by hand: 1.0 = 0x3F800000, -2.0 = 0xC0000000,
      // 0.5 = 0x3F000000, 0.25 = 0x3E800000.
      bytesOf("\x00\x00\x80\x3F\x00\x00\x00\xC0\x00\x00\x00\x3F\x00\x00\x80"
              "\x3E") +
      // bfloat16 is the top half of float32: 0x3F80, 0xC000, 0x3F00.
      bytesOf("\x80\x3F\x00\xC0\x00\x3F") + bytesOf("\x01");
  std::string path = dir.path("hand.safetensors");
  writeFile(path, stFile(header, data));

  std::string error;
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(file->names(), (std::vector<std::string>{"b", "m", "w"}));
  EXPECT_EQ(file->find("__metadata__"), nullptr);
  EXPECT_EQ(file->find("nope"), nullptr);

  const TensorView *w = file->find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::F32);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(w->nbytes, 16u);
  EXPECT_EQ(valuesOf<float>(copyToHost(*w)),
            (std::vector<float>{1.0f, -2.0f, 0.5f, 0.25f}));

  const TensorView *b = file->find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, DType::BF16);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(valuesOf<uint16_t>(copyToHost(*b)),
            (std::vector<uint16_t>{0x3F80, 0xC000, 0x3F00}));
  // The view points straight into the mapping: 8 + header + offset 16.
  EXPECT_EQ(b->data, w->data + 16);

  const TensorView *m = file->find("m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->dtype, DType::I1);
  EXPECT_TRUE(m->shape.empty());
  EXPECT_EQ(m->nbytes, 1u);
  EXPECT_EQ(m->data[0], 1);
}

TEST(SafetensorsTest, WritesTheExpectedBytes) {
  TempDir dir;
  std::string path = dir.path("x.safetensors");
  std::string error;
  ASSERT_TRUE(writeSafetensors(
      path, {{"x", makeTensor<int32_t>(DType::I32, {2}, {1, -1})}}, error))
      << error;
  // The header {"x":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}} is 54
  // characters (counted by hand), padded with 2 spaces to 56 = 0x38; then
  // 1 = 01 00 00 00 and -1 = FF FF FF FF.
  std::string expected =
      bytesOf("\x38\x00\x00\x00\x00\x00\x00\x00") +
      R"({"x":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})" + "  " +
      bytesOf("\x01\x00\x00\x00\xFF\xFF\xFF\xFF");
  EXPECT_EQ(readFile(path), expected);
}

TEST(SafetensorsTest, RoundTripsEveryDType) {
  TempDir dir;
  std::vector<std::pair<std::string, HostTensor>> tensors = {
      {"f32", makeTensor<float>(DType::F32, {2, 3},
                                {1.0f, -2.0f, 3.5f, 0.0f, 1e-30f, -1e30f})},
      {"f16", makeTensor<uint16_t>(DType::F16, {2}, {0x3C00, 0xFC00})},
      {"bf16",
       makeTensor<uint16_t>(DType::BF16, {3}, {0x3F80, 0x0001, 0xFF80})},
      {"i64", makeTensor<int64_t>(DType::I64, {1, 2}, {INT64_MIN, INT64_MAX})},
      {"i32", makeTensor<int32_t>(DType::I32, {2, 1, 1}, {-7, 7})},
      {"bool", makeTensor<uint8_t>(DType::I1, {4}, {1, 0, 0, 1})},
      {"scalar", makeTensor<float>(DType::F32, {}, {6.25f})},
      {"empty", makeTensor<int64_t>(DType::I64, {0, 5}, {})},
      // Names are JSON strings: quotes, backslashes, control characters and
      // non-ASCII text survive.
      {"layer.0/\"q\\k\"\n\xC3\xA9", makeTensor<int32_t>(DType::I32, {1}, {3})},
  };
  std::string path = dir.path("all.safetensors");
  std::string error;
  ASSERT_TRUE(writeSafetensors(path, tensors, error)) << error;
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"all.safetensors"}));

  // The header length is a multiple of 8.
  std::string bytes = readFile(path);
  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i)
    headerLen |= (uint64_t)(uint8_t)bytes[i] << (8 * i);
  EXPECT_EQ(headerLen % 8, 0u);

  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  std::vector<std::string> names;
  for (const auto &entry : tensors)
    names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(file->names(), names);
  for (const auto &[name, t] : tensors) {
    const TensorView *view = file->find(name);
    ASSERT_NE(view, nullptr) << name;
    EXPECT_EQ(view->dtype, t.dtype) << name;
    EXPECT_EQ(view->shape, t.shape) << name;
    HostTensor copy = copyToHost(*view);
    EXPECT_EQ(copy.data, t.data) << name;
  }
}

TEST(SafetensorsTest, HeaderIsPaddedToAMultipleOf8) {
  TempDir dir;
  // Names of 1 to 8 characters hit every remainder modulo 8.
  for (int n = 1; n <= 8; ++n) {
    std::string path = dir.path("p" + std::to_string(n) + ".safetensors");
    std::string error;
    ASSERT_TRUE(writeSafetensors(
        path, {{std::string(n, 'a'), makeTensor<uint8_t>(DType::I1, {1}, {1})}},
        error))
        << error;
    std::string bytes = readFile(path);
    uint64_t headerLen = (uint8_t)bytes[0];
    EXPECT_EQ(headerLen % 8, 0u);
    EXPECT_EQ(bytes.size(), 8 + headerLen + 1);
    EXPECT_NE(SafetensorsFile::open(path, error), nullptr) << error;
  }
}

TEST(SafetensorsTest, WriteErrors) {
  TempDir dir;
  std::string path = dir.path("w.safetensors");
  std::string error;
  HostTensor one = makeTensor<float>(DType::F32, {1}, {1.0f});
  EXPECT_FALSE(writeSafetensors(path, {{"a", one}, {"a", one}}, error));
  EXPECT_EQ(error, path + ": duplicate tensor name 'a'");
  EXPECT_FALSE(writeSafetensors(path, {{"__metadata__", one}}, error));
  EXPECT_EQ(error,
            path + ": '__metadata__' is reserved and cannot name a tensor");
  EXPECT_FALSE(writeSafetensors(path, {{"bad\xFF", one}}, error));
  EXPECT_TRUE(contains(error, "is not valid UTF-8")) << error;
  HostTensor wrong = makeTensor<float>(DType::F32, {2, 2}, {1.0f});
  EXPECT_FALSE(writeSafetensors(path, {{"w", wrong}}, error));
  EXPECT_EQ(error, path + ": tensor 'w' of shape [2, 2] and dtype f32 has 4 "
                          "data bytes but its shape needs 16");
  EXPECT_TRUE(dir.list().empty());

  // A failed write leaves an existing file as it was.
  writeFile(path, "old");
  EXPECT_FALSE(writeSafetensors(path, {{"w", wrong}}, error));
  EXPECT_EQ(readFile(path), "old");
  std::string missing = dir.path("no-such-dir/w.safetensors");
  EXPECT_FALSE(writeSafetensors(missing, {{"w", one}}, error));
  EXPECT_TRUE(contains(error, missing + ": cannot create temporary file"))
      << error;
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"w.safetensors"}));
}

TEST(SafetensorsTest, OpenMissingFileOrDirectory) {
  TempDir dir;
  std::string error;
  std::string path = dir.path("absent.safetensors");
  EXPECT_EQ(SafetensorsFile::open(path, error), nullptr);
  EXPECT_EQ(error, path + ": cannot open: No such file or directory");
  EXPECT_EQ(SafetensorsFile::open(dir.dir, error), nullptr);
  EXPECT_EQ(error, dir.dir + ": not a regular file");
}

TEST(SafetensorsTest, EmptyAndShortFiles) {
  TempDir dir;
  EXPECT_EQ(openError(dir, ""), "file is empty; expected a .safetensors file");
  EXPECT_EQ(openError(dir, bytesOf("\x10\x00\x00")),
            "file is 3 bytes, too short for the 8-byte header length");
  EXPECT_EQ(openError(dir, bytesOf("\x00\x00\x00\x00\x00\x00\x00")),
            "file is 7 bytes, too short for the 8-byte header length");
}

TEST(SafetensorsTest, HeaderLengthBeyondFile) {
  TempDir dir;
  // 999999 = 0x0F423F, little-endian 3F 42 0F, in a 120-byte file.
  std::string bytes = bytesOf("\x3F\x42\x0F\x00\x00\x00\x00\x00");
  bytes += std::string(112, ' ');
  EXPECT_EQ(openError(dir, bytes),
            "header length 999999 exceeds file size 120");
  // A length with the top bit set must not wrap around.
  std::string huge = bytesOf("\x00\x00\x00\x00\x00\x00\x00\x80") + "{}";
  EXPECT_EQ(openError(dir, huge),
            "header length 9223372036854775808 exceeds file size 10");
  // A truncated header.
  std::string full = stFile(oneTensor(R"("dtype":"F32","shape":[],)"
                                      R"("data_offsets":[0,4])"),
                            std::string(4, '\0'));
  EXPECT_TRUE(
      contains(openError(dir, full.substr(0, 20)), "exceeds file size 20"));
}

TEST(SafetensorsTest, HeaderLongerThanTheLimit) {
  TempDir dir;
  // A sparse file big enough that only the 100 MB limit can reject a header
  // of 100000001 = 0x05F5E101 bytes.
  std::string path = dir.path("big.safetensors");
  writeFile(path, bytesOf("\x01\xE1\xF5\x05\x00\x00\x00\x00"));
  std::filesystem::resize_file(path, 100000016);
  std::string error;
  EXPECT_EQ(SafetensorsFile::open(path, error), nullptr);
  EXPECT_EQ(error, path + ": header length 100000001 exceeds the limit of "
                          "100000000 bytes");
}

TEST(SafetensorsTest, InvalidJson) {
  TempDir dir;
  EXPECT_EQ(openError(dir, stFile(R"({"a": })", "")),
            "invalid JSON header: byte 6: unexpected character '}'; expected "
            "a value");
  EXPECT_EQ(openError(dir, stFile("", "")),
            "invalid JSON header: byte 0: unexpected end of input; expected a "
            "value");
  EXPECT_TRUE(contains(openError(dir, stFile(R"({"a":1} trailing)", "")),
                       "unexpected text after the JSON value"));
  EXPECT_EQ(openError(dir, stFile("[]      ", "")),
            "the JSON header is not an object");
}

TEST(SafetensorsTest, UnsupportedDTypes) {
  TempDir dir;
  for (const char *dtype : {"F64", "I8", "U8", "I16", "F8_E4M3", "f32"}) {
    std::string header = oneTensor(std::string("\"dtype\":\"") + dtype +
                                   R"(","shape":[1],"data_offsets":[0,1])");
    EXPECT_EQ(openError(dir, stFile(header, std::string(8, '\0'))),
              std::string("tensor 'w' has unsupported dtype '") + dtype +
                  "' (supported: F32, F16, BF16, I64, I32, BOOL)");
  }
}

TEST(SafetensorsTest, BadEntries) {
  TempDir dir;
  std::string data(16, '\0');
  auto errorFor = [&](const std::string &fields) {
    return openError(dir, stFile(oneTensor(fields), data));
  };
  EXPECT_EQ(openError(dir, stFile(R"({"w":[1,2]})", data)),
            "tensor 'w': header entry is not a JSON object");
  EXPECT_EQ(errorFor(R"("shape":[1],"data_offsets":[0,4])"),
            "tensor 'w': missing or non-string \"dtype\"");
  EXPECT_EQ(errorFor(R"("dtype":7,"shape":[1],"data_offsets":[0,4])"),
            "tensor 'w': missing or non-string \"dtype\"");
  const std::string badShape = "tensor 'w': missing \"shape\" or it is not an "
                               "array of non-negative integers";
  EXPECT_EQ(errorFor(R"("dtype":"F32","data_offsets":[0,4])"), badShape);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[-1],"data_offsets":[0,4])"),
            badShape);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1.5],"data_offsets":[0,4])"),
            badShape);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":"1","data_offsets":[0,4])"),
            badShape);
  const std::string badOffsets = "tensor 'w': missing \"data_offsets\" or it "
                                 "is not an array of two non-negative "
                                 "integers";
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1])"), badOffsets);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1],"data_offsets":[4])"),
            badOffsets);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1],"data_offsets":[0,4,8])"),
            badOffsets);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1],"data_offsets":[-4,0])"),
            badOffsets);
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1],"data_offsets":[8,4])"),
            "tensor 'w': data_offsets [8, 4] has begin > end");
  // The data section holds 16 bytes.
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[5],"data_offsets":[0,20])"),
            "tensor 'w': data_offsets [0, 20] extend past the end of the data "
            "section (16 bytes)");
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[1],"data_offsets":[16,20])"),
            "tensor 'w': data_offsets [16, 20] extend past the end of the "
            "data section (16 bytes)");
  // [2, 3] of F32 needs 2 * 3 * 4 = 24 bytes; [2] of I64 needs 16.
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,16])"),
            "tensor 'w': data_offsets [0, 16] hold 16 bytes but shape [2, 3] "
            "of F32 needs 24");
  EXPECT_EQ(errorFor(R"("dtype":"I64","shape":[2],"data_offsets":[0,8])"),
            "tensor 'w': data_offsets [0, 8] hold 8 bytes but shape [2] of "
            "I64 needs 16");
  // 2^62 * 2^62 elements overflow; so does 2^62 * 4 bytes.
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[4611686018427387904,)"
                     R"(4611686018427387904],"data_offsets":[0,16])"),
            "tensor 'w': shape [4611686018427387904, 4611686018427387904] is "
            "too large: its byte size overflows");
  EXPECT_EQ(errorFor(R"("dtype":"F32","shape":[4611686018427387904],)"
                     R"("data_offsets":[0,0])"),
            "tensor 'w': shape [4611686018427387904] is too large: its byte "
            "size overflows");
}

TEST(SafetensorsTest, DuplicateNames) {
  TempDir dir;
  std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_EQ(openError(dir, stFile("{\"a\":" + entry + ",\"a\":" + entry + "}",
                                  std::string(4, '\0'))),
            "duplicate tensor name 'a'");
}

TEST(SafetensorsTest, MetadataIsIgnored) {
  TempDir dir;
  std::string path = dir.path("meta.safetensors");
  // Whatever __metadata__ holds is skipped.
  writeFile(path, stFile(R"({"__metadata__":{"k":[1,{"x":null}]}})", ""));
  std::string error;
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  EXPECT_TRUE(file->names().empty());
}

TEST(SafetensorsTest, EveryTruncationFailsCleanly) {
  TempDir dir;
  std::string path = dir.path("full.safetensors");
  std::string error;
  ASSERT_TRUE(
      writeSafetensors(path,
                       {{"a", makeTensor<float>(DType::F32, {2}, {1.0f, 2.0f})},
                        {"b", makeTensor<int64_t>(DType::I64, {1}, {3})}},
                       error))
      << error;
  std::string full = readFile(path);
  for (size_t n = 0; n < full.size(); ++n) {
    std::string prefix = dir.path("prefix.safetensors");
    writeFile(prefix, full.substr(0, n));
    EXPECT_EQ(SafetensorsFile::open(prefix, error), nullptr)
        << "prefix of " << n << " bytes";
    EXPECT_EQ(error.rfind(prefix + ": ", 0), 0u) << error;
  }
}

} // namespace
