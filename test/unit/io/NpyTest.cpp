//===- NpyTest.cpp - Tests for the .npy reader and writer -----------------===//
//
// Expected values come from two independent sources, named at each use:
// bytes written by numpy 1.24.2 (embedded below, with the Python that made
// them, or produced at test time by /usr/bin/python3 when it has numpy), and
// hand calculation of IEEE-754 bit patterns and of the .npy layout from the
// format specification (numpy/lib/format.py).
//
//===----------------------------------------------------------------------===//

#include "heed/io/Npy.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace heed;
using namespace heed::io;
using namespace heed::io::testutil;

namespace {

/// Parses \p bytes, expecting success.
HostTensor parseOk(const std::string &bytes) {
  HostTensor t;
  std::string error;
  EXPECT_TRUE(parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()),
                       bytes.size(), t, error, "test.npy"))
      << error;
  return t;
}

/// Parses \p bytes, expecting failure, and returns the error.
std::string parseError(const std::string &bytes) {
  HostTensor t;
  std::string error;
  EXPECT_FALSE(parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()),
                        bytes.size(), t, error, "test.npy"));
  EXPECT_EQ(error.rfind("test.npy: ", 0), 0u) << error;
  return error;
}

/// Builds a version-1.0 .npy file around \p dict, padded as numpy pads it
/// (header + '\n' so that the data starts at a multiple of 64).
std::string npyV1(const std::string &dict, const std::string &data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string prefix = "\x93NUMPY\x01";
  prefix += '\0';
  prefix += (char)(header.size() & 0xFF);
  prefix += (char)(header.size() >> 8);
  return prefix + header + data;
}

//===----------------------------------------------------------------------===//
// Files written by numpy 1.24.2 (/usr/bin/python3). Each was made with
//   f = io.BytesIO(); <call>; f.getvalue()
// The header is 118 (0x76) bytes in version 1.0, 116 (0x74) in 2.0 and 3.0,
// so the data always starts at byte 128.
//===----------------------------------------------------------------------===//

// np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) * 0.5)
const std::string kNumpyF32_2x3 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
    std::string(58, ' ') + "\n" +
    bytesOf("\x00\x00\x00\x00\x00\x00\x00\x3F\x00\x00\x80\x3F\x00\x00\xC0\x3F"
            "\x00\x00\x00\x40\x00\x00\x20\x40");

// np.save(f, np.array([1.0, -2.0, 0.1], dtype='<f2'))
const std::string kNumpyF16_3 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }" +
    std::string(60, ' ') + "\n" + bytesOf("\x00\x3C\x00\xC0\x66\x2E");

// np.save(f, np.array([[1, -1], [2**40, -2**40]], dtype='<i8'))
const std::string kNumpyI64_2x2 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }" +
    std::string(58, ' ') + "\n" +
    bytesOf("\x01\x00\x00\x00\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
            "\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xFF\xFF\xFF");

// np.save(f, np.array([0, 1, -2**31, 2**31 - 1], dtype='<i4'))
const std::string kNumpyI32_4 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }" +
    std::string(60, ' ') + "\n" +
    bytesOf("\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x80\xFF\xFF\xFF\x7F");

// np.save(f, np.array([[True, False], [False, True]]))
const std::string kNumpyB1_2x2 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }" +
    std::string(58, ' ') + "\n" + bytesOf("\x01\x00\x00\x01");

// np.save(f, np.float32(3.5))
const std::string kNumpyScalarF32 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" +
    std::string(62, ' ') + "\n" + bytesOf("\x00\x00\x60\x40");

// np.save(f, np.zeros((0, 3), dtype='<f4'))
const std::string kNumpyEmpty0x3 =
    bytesOf("\x93NUMPY\x01\x00\x76\x00") +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }" +
    std::string(58, ' ') + "\n";

// np.lib.format.write_array(f, np.array([[7, 8]], dtype='<i4'),
//                           version=(2, 0))
const std::string kNumpyV2I32_1x2 =
    bytesOf("\x93NUMPY\x02\x00\x74\x00\x00\x00") +
    "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }" +
    std::string(56, ' ') + "\n" + bytesOf("\x07\x00\x00\x00\x08\x00\x00\x00");

// np.lib.format.write_array(f, np.array([1.5], dtype='<f4'), version=(3, 0))
const std::string kNumpyV3F32_1 =
    bytesOf("\x93NUMPY\x03\x00\x74\x00\x00\x00") +
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" +
    std::string(58, ' ') + "\n" + bytesOf("\x00\x00\xC0\x3F");

//===----------------------------------------------------------------------===//
// Reading files written by numpy
//===----------------------------------------------------------------------===//

TEST(NpyTest, ReadsNumpyF32) {
  HostTensor t = parseOk(kNumpyF32_2x3);
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.numel(), 6);
  // np.arange(6) * 0.5, by hand.
  EXPECT_EQ(valuesOf<float>(t),
            (std::vector<float>{0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f}));
}

TEST(NpyTest, ReadsNumpyF16) {
  HostTensor t = parseOk(kNumpyF16_3);
  EXPECT_EQ(t.dtype, DType::F16);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{3}));
  // binary16 by hand: 1.0 = 0 01111 0000000000 = 0x3C00; -2.0 = 1 10000 0...
  // = 0xC000; 0.1 = 1.6 * 2^-4: exponent 11 = 01011, mantissa
  // round(0.6 * 1024) = 614 = 0x266, so 0 01011 1001100110 = 0x2E66.
  EXPECT_EQ(valuesOf<uint16_t>(t),
            (std::vector<uint16_t>{0x3C00, 0xC000, 0x2E66}));
}

TEST(NpyTest, ReadsNumpyI64) {
  HostTensor t = parseOk(kNumpyI64_2x2);
  EXPECT_EQ(t.dtype, DType::I64);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  // The values of the numpy expression; 2^40 = 1099511627776.
  EXPECT_EQ(valuesOf<int64_t>(t),
            (std::vector<int64_t>{1, -1, 1099511627776LL, -1099511627776LL}));
}

TEST(NpyTest, ReadsNumpyI32) {
  HostTensor t = parseOk(kNumpyI32_4);
  EXPECT_EQ(t.dtype, DType::I32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(valuesOf<int32_t>(t),
            (std::vector<int32_t>{0, 1, INT32_MIN, INT32_MAX}));
}

TEST(NpyTest, ReadsNumpyBool) {
  HostTensor t = parseOk(kNumpyB1_2x2);
  EXPECT_EQ(t.dtype, DType::I1);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.data, (std::vector<uint8_t>{1, 0, 0, 1}));
}

TEST(NpyTest, ReadsNumpyScalar) {
  HostTensor t = parseOk(kNumpyScalarF32);
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_TRUE(t.shape.empty());
  EXPECT_EQ(t.numel(), 1);
  EXPECT_EQ(valuesOf<float>(t), (std::vector<float>{3.5f}));
}

TEST(NpyTest, ReadsNumpyEmptyArray) {
  HostTensor t = parseOk(kNumpyEmpty0x3);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(t.numel(), 0);
  EXPECT_TRUE(t.data.empty());
}

TEST(NpyTest, ReadsNumpyVersion2And3) {
  HostTensor v2 = parseOk(kNumpyV2I32_1x2);
  EXPECT_EQ(v2.dtype, DType::I32);
  EXPECT_EQ(v2.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(valuesOf<int32_t>(v2), (std::vector<int32_t>{7, 8}));
  HostTensor v3 = parseOk(kNumpyV3F32_1);
  EXPECT_EQ(v3.dtype, DType::F32);
  EXPECT_EQ(v3.shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(valuesOf<float>(v3), (std::vector<float>{1.5f}));
}

//===----------------------------------------------------------------------===//
// Hand-built headers
//===----------------------------------------------------------------------===//

TEST(NpyTest, HandBuiltVersion1) {
  // The dict is 59 characters; with its '\n' the header is 60 = 0x3C bytes.
  // The reader does not require numpy's 64-byte alignment.
  std::string bytes =
      bytesOf("\x93NUMPY\x01\x00\x3C\x00") +
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n" +
      // float32 bit patterns by hand, little-endian:
      // 1.0 = 0x3F800000, -2.0 = 0xC0000000, 0.5 = 0x3F000000,
      // 0.25 = 0x3E800000, 3.0 = 0x40400000, 100.0 = 1.5625 * 2^6 =
      // 0 10000101 1001000... = 0x42C80000.
      bytesOf("\x00\x00\x80\x3F\x00\x00\x00\xC0\x00\x00\x00\x3F"
              "\x00\x00\x80\x3E\x00\x00\x40\x40\x00\x00\xC8\x42");
  HostTensor t = parseOk(bytes);
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(t),
            (std::vector<float>{1.0f, -2.0f, 0.5f, 0.25f, 3.0f, 100.0f}));
}

TEST(NpyTest, HandBuiltVersion2) {
  // Version 2.0 stores the header length in 4 bytes. The dict is 57
  // characters; with 6 spaces and '\n' the header is 64 = 0x40 bytes, so the
  // data starts at 12 + 64 = 76.
  std::string dict =
      "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  std::string header = dict + std::string(6, ' ') + "\n";
  ASSERT_EQ(header.size(), 64u);
  std::string bytes =
      bytesOf("\x93NUMPY\x02\x00\x40\x00\x00\x00") + header +
      // -1 = FF FF FF FF, 256 = 00 01 00 00, 65537 = 0x00010001.
      bytesOf("\xFF\xFF\xFF\xFF\x00\x01\x00\x00\x01\x00\x01\x00");
  HostTensor t = parseOk(bytes);
  EXPECT_EQ(t.dtype, DType::I32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(valuesOf<int32_t>(t), (std::vector<int32_t>{-1, 256, 65537}));
}

TEST(NpyTest, HandBuiltVersion3) {
  std::string header =
      "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }\n";
  std::string bytes = bytesOf("\x93NUMPY\x03\x00") +
                      std::string(1, (char)header.size()) +
                      std::string(3, '\0') + header + bytesOf("\x00\x01");
  HostTensor t = parseOk(bytes);
  EXPECT_EQ(t.dtype, DType::I1);
  EXPECT_EQ(t.data, (std::vector<uint8_t>{0, 1}));
}

TEST(NpyTest, HeaderSyntaxVariants) {
  // Double quotes, Python 2 long suffixes (old numpy), keys in another order,
  // no trailing comma, extra whitespace: all valid Python dict literals.
  HostTensor t = parseOk(npyV1(
      "{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2L,), }",
      bytesOf("\x05\x00\x00\x00\x00\x00\x00\x00\xFB\xFF\xFF\xFF\xFF\xFF\xFF"
              "\xFF")));
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(valuesOf<int64_t>(t), (std::vector<int64_t>{5, -5}));
  HostTensor u = parseOk(
      npyV1("{ 'shape' : ( 1 , 2 ) ,'fortran_order':False,'descr':'|b1'}",
            bytesOf("\x01\x00")));
  EXPECT_EQ(u.dtype, DType::I1);
  EXPECT_EQ(u.shape, (std::vector<int64_t>{1, 2}));
}

TEST(NpyTest, BoolBytesAreNormalised) {
  HostTensor t =
      parseOk(npyV1("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                    bytesOf("\x00\x02\xFF")));
  EXPECT_EQ(t.data, (std::vector<uint8_t>{0, 1, 1}));
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

TEST(NpyTest, EncodesExactlyLikeNumpy) {
  // Tensors holding the values of the numpy expressions above, written by
  // hand; the encoding must match numpy's bytes exactly.
  struct Case {
    HostTensor tensor;
    const std::string *numpy;
  };
  Case cases[] = {
      {makeTensor<float>(DType::F32, {2, 3},
                         {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f}),
       &kNumpyF32_2x3},
      {makeTensor<uint16_t>(DType::F16, {3}, {0x3C00, 0xC000, 0x2E66}),
       &kNumpyF16_3},
      {makeTensor<int64_t>(DType::I64, {2, 2},
                           {1, -1, 1099511627776LL, -1099511627776LL}),
       &kNumpyI64_2x2},
      {makeTensor<int32_t>(DType::I32, {4}, {0, 1, INT32_MIN, INT32_MAX}),
       &kNumpyI32_4},
      {makeTensor<uint8_t>(DType::I1, {2, 2}, {1, 0, 0, 1}), &kNumpyB1_2x2},
      {makeTensor<float>(DType::F32, {}, {3.5f}), &kNumpyScalarF32},
      {makeTensor<float>(DType::F32, {0, 3}, {}), &kNumpyEmpty0x3},
  };
  for (const Case &c : cases) {
    std::vector<uint8_t> bytes;
    std::string error;
    ASSERT_TRUE(encodeNpy(c.tensor, bytes, error)) << error;
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), *c.numpy)
        << "shape " << shapeToString(c.tensor.shape);
  }
}

TEST(NpyTest, RoundTripsEveryDType) {
  TempDir dir;
  std::vector<HostTensor> tensors = {
      makeTensor<float>(DType::F32, {2, 2}, {1.0f, -0.0f, 1e30f, -3.25f}),
      makeTensor<uint16_t>(DType::F16, {1, 3}, {0x3C00, 0x7C00, 0x0001}),
      makeTensor<int64_t>(DType::I64, {3}, {INT64_MIN, 0, INT64_MAX}),
      makeTensor<int32_t>(DType::I32, {2, 1, 2}, {-1, 2, -3, 4}),
      makeTensor<uint8_t>(DType::I1, {5}, {1, 0, 1, 1, 0}),
      makeTensor<float>(DType::F32, {}, {42.0f}),
      makeTensor<int64_t>(DType::I64, {}, {-9}),
      makeTensor<int32_t>(DType::I32, {4, 0}, {}),
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    const HostTensor &t = tensors[i];
    std::string path = dir.path("t" + std::to_string(i) + ".npy");
    std::string error;
    ASSERT_TRUE(writeNpy(path, t, error)) << error;
    HostTensor back;
    ASSERT_TRUE(readNpy(path, back, error)) << error;
    EXPECT_EQ(back.dtype, t.dtype) << path;
    EXPECT_EQ(back.shape, t.shape) << path;
    EXPECT_EQ(back.data, t.data) << path;
    // Layout by the format specification: version 1.0 and the data at a
    // multiple of 64 bytes.
    std::string file = readFile(path);
    ASSERT_GE(file.size(), 10u);
    EXPECT_EQ(file[6], '\x01');
    size_t headerLen = (uint8_t)file[8] | ((size_t)(uint8_t)file[9] << 8);
    EXPECT_EQ((10 + headerLen) % 64, 0u);
    EXPECT_EQ(file[10 + headerLen - 1], '\n');
    EXPECT_EQ(file.size(), 10 + headerLen + t.data.size());
  }
  // Only the files themselves: no temporaries are left behind.
  EXPECT_EQ(dir.list().size(), tensors.size());
}

TEST(NpyTest, WritesVersion2WhenTheHeaderIsLarge) {
  // 25000 dimensions of 1 make a header of about 75000 bytes, more than the
  // 65535 a version 1.0 header can hold.
  HostTensor t = makeTensor<float>(DType::F32, {}, {7.0f});
  t.shape.assign(25000, 1);
  TempDir dir;
  std::string path = dir.path("big.npy");
  std::string error;
  ASSERT_TRUE(writeNpy(path, t, error)) << error;
  std::string file = readFile(path);
  ASSERT_GT(file.size(), 12u);
  EXPECT_EQ(file[6], '\x02');
  EXPECT_EQ(file[7], '\x00');
  uint64_t headerLen = 0;
  for (int i = 0; i < 4; ++i)
    headerLen |= (uint64_t)(uint8_t)file[8 + i] << (8 * i);
  EXPECT_GT(headerLen, 65535u);
  EXPECT_EQ((12 + headerLen) % 64, 0u);
  HostTensor back;
  ASSERT_TRUE(readNpy(path, back, error)) << error;
  EXPECT_EQ(back.shape, t.shape);
  EXPECT_EQ(valuesOf<float>(back), (std::vector<float>{7.0f}));
}

TEST(NpyTest, WriteRejectsBF16AndBadData) {
  TempDir dir;
  std::string path = dir.path("x.npy");
  std::string error;
  HostTensor bf = makeTensor<uint16_t>(DType::BF16, {1}, {0x3F80});
  EXPECT_FALSE(writeNpy(path, bf, error));
  EXPECT_EQ(error, path + ": bf16 has no NumPy dtype; convert it to f32 or "
                          "use .safetensors");
  HostTensor bad = makeTensor<float>(DType::F32, {2, 3}, {1.0f, 2.0f});
  EXPECT_FALSE(writeNpy(path, bad, error));
  EXPECT_EQ(error, path + ": tensor of shape [2, 3] and dtype f32 has 8 data "
                          "bytes but its shape needs 24");
  HostTensor negative = makeTensor<float>(DType::F32, {-1}, {});
  EXPECT_FALSE(writeNpy(path, negative, error));
  EXPECT_TRUE(dir.list().empty());
}

TEST(NpyTest, FailedWriteLeavesNoFile) {
  TempDir dir;
  std::string error;
  HostTensor t = makeTensor<float>(DType::F32, {1}, {1.0f});
  // A directory that does not exist.
  std::string missing = dir.path("no-such-dir/x.npy");
  EXPECT_FALSE(writeNpy(missing, t, error));
  EXPECT_TRUE(contains(error, missing + ": cannot create temporary file"))
      << error;
  // An invalid tensor leaves an existing file untouched.
  std::string existing = dir.path("keep.npy");
  writeFile(existing, "old contents");
  HostTensor bad = makeTensor<float>(DType::F32, {3}, {1.0f});
  EXPECT_FALSE(writeNpy(existing, bad, error));
  EXPECT_EQ(readFile(existing), "old contents");
  // A rename that fails (the target is a directory) removes the temporary.
  std::string target = dir.path("target.npy");
  ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
  EXPECT_FALSE(writeNpy(target, t, error));
  EXPECT_TRUE(contains(error, "cannot rename")) << error;
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"keep.npy", "target.npy"}));
  // A successful write replaces the existing file.
  EXPECT_TRUE(writeNpy(existing, t, error)) << error;
  HostTensor back;
  ASSERT_TRUE(readNpy(existing, back, error)) << error;
  EXPECT_EQ(back.data, t.data);
  EXPECT_EQ(dir.list(), (std::vector<std::string>{"keep.npy", "target.npy"}));
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST(NpyTest, ReadMissingFile) {
  TempDir dir;
  std::string path = dir.path("absent.npy");
  HostTensor t;
  std::string error;
  EXPECT_FALSE(readNpy(path, t, error));
  EXPECT_EQ(error, path + ": cannot open: No such file or directory");
}

TEST(NpyTest, ErrorsNameTheFile) {
  TempDir dir;
  std::string path = dir.path("bad.npy");
  writeFile(path, "hello world");
  HostTensor t;
  std::string error;
  EXPECT_FALSE(readNpy(path, t, error));
  EXPECT_EQ(error, path + ": not a .npy file (it does not start with "
                          "\"\\x93NUMPY\")");
}

TEST(NpyTest, EmptyAndShortFiles) {
  EXPECT_EQ(parseError(""), "test.npy: file is empty; expected a .npy file");
  EXPECT_TRUE(contains(parseError(bytesOf("\x93NUM")),
                       "file is 4 bytes, too short for a .npy header"));
  EXPECT_TRUE(contains(parseError(bytesOf("\x93NUMPY\x01\x00\x10")),
                       "file is 9 bytes, too short for a .npy header"));
  EXPECT_TRUE(contains(parseError(bytesOf("\x93NUMPY\x02\x00\x10\x00")),
                       "file is 10 bytes, too short for a .npy header"));
}

TEST(NpyTest, BadMagic) {
  std::string bytes = kNumpyF32_2x3;
  bytes[0] = 'X';
  EXPECT_TRUE(contains(parseError(bytes), "not a .npy file")) << bytes;
  EXPECT_TRUE(contains(parseError("PK\x03\x04 a zip file"), "not a .npy file"));
}

TEST(NpyTest, UnsupportedVersion) {
  std::string bytes = kNumpyF32_2x3;
  bytes[6] = 4;
  EXPECT_TRUE(contains(parseError(bytes),
                       "unsupported .npy format version 4.0 (supported: 1.0, "
                       "2.0, 3.0)"));
  bytes[6] = 1;
  bytes[7] = 1;
  EXPECT_TRUE(contains(parseError(bytes), "format version 1.1"));
}

TEST(NpyTest, HeaderLengthBeyondFile) {
  // Header length 0xFFFF = 65535 in a 152-byte file.
  std::string bytes = kNumpyF32_2x3;
  bytes[8] = '\xFF';
  bytes[9] = '\xFF';
  EXPECT_EQ(parseError(bytes),
            "test.npy: header length 65535 exceeds file size 152");
  // Version 2.0 with the 32-bit length 0xFFFFFFFF.
  std::string v2 = kNumpyV2I32_1x2;
  v2.replace(8, 4, "\xFF\xFF\xFF\xFF");
  EXPECT_EQ(parseError(v2),
            "test.npy: header length 4294967295 exceeds file size 136");
}

TEST(NpyTest, TruncatedAndOversizedData) {
  // kNumpyF32_2x3 holds 128 header bytes and 24 data bytes (6 float32s).
  std::string truncated = kNumpyF32_2x3.substr(0, kNumpyF32_2x3.size() - 4);
  EXPECT_EQ(parseError(truncated),
            "test.npy: truncated data: shape [2, 3] of '<f4' needs 24 data "
            "bytes but the file has 20");
  EXPECT_EQ(parseError(kNumpyF32_2x3.substr(0, 128)),
            "test.npy: truncated data: shape [2, 3] of '<f4' needs 24 data "
            "bytes but the file has 0");
  EXPECT_EQ(parseError(kNumpyF32_2x3 + "xy"),
            "test.npy: trailing bytes: shape [2, 3] of '<f4' needs 24 data "
            "bytes but the file has 26");
}

TEST(NpyTest, BigEndian) {
  std::string bytes =
      npyV1("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
            bytesOf("\x3F\x80\x00\x00"));
  EXPECT_EQ(parseError(bytes),
            "test.npy: big-endian dtype '>f4' is not supported; convert with "
            "array.astype('<f4')");
  EXPECT_TRUE(contains(
      parseError(npyV1("{'descr': '>i8', 'fortran_order': False, 'shape': "
                       "(1,), }",
                       std::string(8, '\0'))),
      "big-endian dtype '>i8'"));
}

TEST(NpyTest, FortranOrder) {
  std::string bytes =
      npyV1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
            std::string(16, '\0'));
  EXPECT_EQ(parseError(bytes),
            "test.npy: Fortran-order arrays are not supported; save with "
            "numpy.ascontiguousarray");
}

TEST(NpyTest, Bf16BitsFromUint16OrTwoByteVoid) {
  // bf16 1.0 is 0x3F80 and -2.0 is 0xC000 (sign, exponent 128, no
  // mantissa): little-endian bytes 80 3F 00 C0.
  for (const char *descr : {"<u2", "|V2"}) {
    std::string dict = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (2,), }";
    HostTensor t = parseOk(npyV1(dict, std::string("\x80\x3F\x00\xC0", 4)));
    EXPECT_EQ(t.dtype, DType::BF16) << descr;
    EXPECT_EQ(loadElement(t, 0), 1.0) << descr;
    EXPECT_EQ(loadElement(t, 1), -2.0) << descr;
  }
}

TEST(NpyTest, UnsupportedDTypes) {
  for (const char *descr : {"<f8", "|u1", "|i1", "<u4", "<c8", "<V2", "<U3"}) {
    std::string dict = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (1,), }";
    std::string error = parseError(npyV1(dict, std::string(8, '\0')));
    EXPECT_TRUE(contains(error, std::string("unsupported dtype '") + descr +
                                    "' (supported: '<f4', '<f2', '<i8', "
                                    "'<i4', '|b1', and bf16 bits as '<u2' "
                                    "or '|V2')"))
        << error;
  }
  EXPECT_TRUE(contains(
      parseError(npyV1("{'descr': [('a', '<f4')], 'fortran_order': False, "
                       "'shape': (1,), }",
                       std::string(4, '\0'))),
      "structured (record) dtypes are not supported"));
}

TEST(NpyTest, HugeShapes) {
  // 100000 * 100000 * 4 = 40000000000 bytes: checked against the file size
  // before anything is allocated.
  EXPECT_EQ(parseError(npyV1("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (100000, 100000), }",
                             "")),
            "test.npy: truncated data: shape [100000, 100000] of '<f4' needs "
            "40000000000 data bytes but the file has 0");
  // 2^62 * 4 * 4 bytes overflows a 64-bit integer.
  EXPECT_EQ(parseError(npyV1("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (4611686018427387904, 4), }",
                             "")),
            "test.npy: shape [4611686018427387904, 4] is too large: its byte "
            "size overflows");
  // 2^63 and beyond do not fit in an int64 at all.
  EXPECT_TRUE(contains(parseError(npyV1("{'descr': '<f4', 'fortran_order': "
                                        "False, 'shape': "
                                        "(99999999999999999999,), }",
                                        "")),
                       "dimension in 'shape' is too large"));
  // A zero dimension makes the product 0 however large the others are.
  HostTensor t = parseOk(npyV1("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (0, 4611686018427387904, 4), }",
                               ""));
  EXPECT_EQ(t.numel(), 0);
}

TEST(NpyTest, MalformedHeaders) {
  auto errorFor = [](const std::string &dict) {
    return parseError(npyV1(dict, std::string(4, '\0')));
  };
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'shape': (1,), }"),
                       "header has no 'fortran_order' key"));
  EXPECT_TRUE(contains(errorFor("{'fortran_order': False, 'shape': (1,)}"),
                       "header has no 'descr' key"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False}"),
                       "header has no 'shape' key"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (1,), 'extra': 1}"),
                       "header has unexpected key 'extra'"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'descr': '<f4', "
                                "'fortran_order': False, 'shape': (1,)}"),
                       "header has key 'descr' twice"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (-1,)}"),
                       "negative dimension in 'shape'"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (1)}"),
                       "'shape' must be a tuple of integers"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': [1]}"),
                       "'shape' must be a tuple of integers"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': 0, "
                                "'shape': (1,)}"),
                       "'fortran_order' must be True or False"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (1,)} junk"),
                       "unexpected text after the header dict"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4"), "unterminated string"));
  EXPECT_TRUE(contains(errorFor("not a dict"),
                       "malformed header at byte 0: expected '{'"));
  EXPECT_TRUE(contains(errorFor("{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (1,"),
                       "malformed header"));
  EXPECT_TRUE(contains(errorFor(""), "malformed header"));
}

TEST(NpyTest, EveryTruncationFailsCleanly) {
  // Every proper prefix of a valid file is an error, never a crash.
  for (const std::string *file :
       {&kNumpyF32_2x3, &kNumpyV2I32_1x2, &kNumpyScalarF32}) {
    for (size_t n = 0; n < file->size(); ++n) {
      HostTensor t;
      std::string error;
      EXPECT_FALSE(parseNpy(reinterpret_cast<const uint8_t *>(file->data()), n,
                            t, error, "x.npy"))
          << "prefix of " << n << " bytes";
      EXPECT_FALSE(error.empty());
    }
  }
}

TEST(NpyTest, CorruptHeaderBytesNeverCrash) {
  // Overwrite each header byte with characters that matter to the parser.
  // Whatever the result, a success must be self-consistent.
  const char replacements[] = {'\0', '\xFF', '(', ')', ',', '\'', '"', '9',
                               '-',  '{',    '}', ':', ' ', 'L',  'T', 'F'};
  const std::string &base = kNumpyI64_2x2;
  for (size_t i = 0; i < 128; ++i) {
    for (char c : replacements) {
      std::string bytes = base;
      bytes[i] = c;
      HostTensor t;
      std::string error;
      if (parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()),
                   bytes.size(), t, error, "x.npy"))
        EXPECT_EQ(t.data.size(), (size_t)t.numel() * dtypeSize(t.dtype));
      else
        EXPECT_EQ(error.rfind("x.npy: ", 0), 0u) << error;
    }
  }
}

//===----------------------------------------------------------------------===//
// Interoperability with the numpy on this machine
//===----------------------------------------------------------------------===//

/// The Python that writes the reference files: each array as .npy, its raw
/// bytes as .bin (numpy's own tobytes) and its shape as .shape.
const char kNumpyScript[] = R"PY(
import sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(1234)
arrays = {
    'f32': rng.standard_normal((3, 4, 5)).astype('<f4'),
    'f16': rng.standard_normal((7,)).astype('<f2'),
    'i64': rng.integers(-2**62, 2**62, (2, 3), dtype='<i8'),
    'i32': rng.integers(-2**31, 2**31, (5, 1), dtype='<i4'),
    'b1': rng.random((4, 4)) < 0.5,
    'scalar': np.array(2.5, dtype='<f4'),
    'long': np.arange(123456, dtype='<i4').reshape(123456, 1),
    'empty': np.zeros((2, 0), dtype='<i8'),
}
for name, a in arrays.items():
    np.save(f'{d}/{name}.npy', a)
    with open(f'{d}/{name}.bin', 'wb') as f:
        f.write(a.tobytes())
    with open(f'{d}/{name}.shape', 'w') as f:
        f.write(' '.join(str(n) for n in a.shape))
)PY";

TEST(NpyTest, InteroperatesWithInstalledNumpy) {
  const char *python = "/usr/bin/python3";
  if (::access(python, X_OK) != 0 ||
      std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "numpy is not available at /usr/bin/python3";
  TempDir dir;
  std::string script = dir.path("make.py");
  writeFile(script, kNumpyScript);
  std::string command =
      std::string(python) + " '" + script + "' '" + dir.dir + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  for (const char *name :
       {"f32", "f16", "i64", "i32", "b1", "scalar", "long", "empty"}) {
    SCOPED_TRACE(name);
    std::string base = dir.path(name);
    HostTensor t;
    std::string error;
    ASSERT_TRUE(readNpy(base + ".npy", t, error)) << error;
    std::string raw = readFile(base + ".bin");
    EXPECT_EQ(std::string(t.data.begin(), t.data.end()), raw);
    std::vector<int64_t> shape;
    std::ifstream shapeFile(base + ".shape");
    for (int64_t n; shapeFile >> n;)
      shape.push_back(n);
    EXPECT_EQ(t.shape, shape);
    // Writing the tensor back gives numpy's file byte for byte.
    ASSERT_TRUE(writeNpy(base + ".heed.npy", t, error)) << error;
    EXPECT_EQ(readFile(base + ".heed.npy"), readFile(base + ".npy"));
  }
}

} // namespace
