//===- SummaryTest.cpp - One-line summaries of tensors --------------------===//
//
// Expected strings are written out by hand from the "%.6g" format.
//
//===----------------------------------------------------------------------===//

#include "heed/io/Summary.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace heed;
using namespace heed::io;
using namespace heed::io::testutil;

namespace {

TEST(SummaryTest, ShowsAtMostSixElements) {
  HostTensor t = makeTensor<float>(
      DType::F32, {2, 4},
      {1.0f, -0.5f, 3.25f, 1e-7f, 123456789.0f, 0.1f, 7.0f, 8.0f});
  // 123456789 -> 1.23457e+08; 0.1f is 0.100000001... -> 0.1.
  EXPECT_EQ(formatSummary("y", t),
            "y: f32[2, 4] = [1, -0.5, 3.25, 1e-07, 1.23457e+08, 0.1, ...]\n");
}

TEST(SummaryTest, ShortTensorsHaveNoEllipsis) {
  HostTensor t = makeTensor<int64_t>(DType::I64, {3}, {-2, 0, 40});
  EXPECT_EQ(formatSummary("ids", t), "ids: i64[3] = [-2, 0, 40]\n");
  HostTensor six = makeTensor<uint8_t>(DType::I1, {2, 3}, {1, 0, 0, 1, 1, 0});
  EXPECT_EQ(formatSummary("m", six), "m: i1[2, 3] = [1, 0, 0, 1, 1, 0]\n");
}

TEST(SummaryTest, ScalarsAndEmptyTensors) {
  HostTensor s = makeTensor<float>(DType::F32, {}, {2.5f});
  EXPECT_EQ(formatSummary("s", s), "s: f32[] = [2.5]\n");
  HostTensor e = makeTensor<float>(DType::F32, {0, 2}, {});
  EXPECT_EQ(formatSummary("e", e), "e: f32[0, 2] = []\n");
}

TEST(SummaryTest, HalfPrecisionIsWidenedExactly) {
  // bf16 0x3FC0 = 1.5, 0xC020 = -2.5; f16 0x3555 = 0.333251953125 -> 0.333252.
  HostTensor b = makeTensor<uint16_t>(DType::BF16, {2}, {0x3FC0, 0xC020});
  EXPECT_EQ(formatSummary("b", b), "b: bf16[2] = [1.5, -2.5]\n");
  HostTensor h = makeTensor<uint16_t>(DType::F16, {1}, {0x3555});
  EXPECT_EQ(formatSummary("h", h), "h: f16[1] = [0.333252]\n");
}

} // namespace
