//===- IntegerTest.cpp - The reference keeps i64 exact and wraps ----------===//
//
// Values beyond 2^53, where a double no longer holds every integer, worked
// out by hand: the reference interpreter's Scalar holds every i64, and
// integer add, sub, mul, sums and cumsum wrap as two's complement does.
//
//===----------------------------------------------------------------------===//

#include "HostConversion.h"
#include "Kernels.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace heed;
using namespace heed::ref;

namespace {

const int64_t kTwo53 = int64_t(1) << 53;
const int64_t kMax = INT64_MAX, kMin = INT64_MIN;

Tensor i64(std::vector<int64_t> values) {
  Shape shape = {(int64_t)values.size()};
  return Tensor(DType::I64, shape, values);
}

std::vector<int64_t> ints(const Tensor &t) {
  return std::vector<int64_t>(t.data.begin(), t.data.end());
}

TEST(IntegerTest, ElementsBeyond2To53StayExact) {
  Tensor x = i64({kTwo53 + 1, kMax, kMin, -(kTwo53 + 1)});
  EXPECT_EQ(ints(x),
            (std::vector<int64_t>{kTwo53 + 1, kMax, kMin, -(kTwo53 + 1)}));
  // 2^53 + 1 and 2^53 differ (as doubles they are equal).
  EXPECT_EQ(compare(CompareKind::Eq, i64({kTwo53 + 1}), i64({kTwo53})).data,
            (std::vector<Scalar>{0}));
}

TEST(IntegerTest, AddSubMulWrap) {
  Tensor a = i64({kTwo53, kMax, kMin, kTwo53 + 1});
  Tensor b = i64({1, 1, 1, kTwo53});
  // max + 1 = min; min - 1 = max; (2^53 + 1) * 2^53 = 2^106 + 2^53, whose
  // low 64 bits are 2^53.
  EXPECT_EQ(ints(binary(BinaryKind::Add, a, b)),
            (std::vector<int64_t>{kTwo53 + 1, kMin, kMin + 1, 2 * kTwo53 + 1}));
  EXPECT_EQ(ints(binary(BinaryKind::Sub, a, b)),
            (std::vector<int64_t>{kTwo53 - 1, kMax - 1, kMax, 1}));
  EXPECT_EQ(ints(binary(BinaryKind::Mul, a, b)),
            (std::vector<int64_t>{kTwo53, kMax, kMin, kTwo53}));
  // i32: 2^31 - 1 + 1 wraps to -2^31.
  Tensor c(DType::I32, {1}, std::vector<int64_t>{INT32_MAX});
  Tensor one(DType::I32, {1}, std::vector<int64_t>{1});
  EXPECT_EQ(ints(binary(BinaryKind::Add, c, one)),
            (std::vector<int64_t>{INT32_MIN}));
}

TEST(IntegerTest, SumsWrapAndStayExact) {
  // max + max + 3 = 2^64 + 1 -> 1 (mod 2^64); a long double alone would
  // round the intermediate 2^64 + 1.
  Tensor x = i64({kMax, kMax, 3});
  EXPECT_EQ(ints(reduce(ReduceKind::Sum, x, {0}, false)),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(ints(cumsum(x, 0)), (std::vector<int64_t>{kMax, -2, 1}));
  EXPECT_EQ(ints(cumsum(i64({kTwo53, 1, 1}), 0)),
            (std::vector<int64_t>{kTwo53, kTwo53 + 1, kTwo53 + 2}));
}

TEST(IntegerTest, HostRoundTripIsExact) {
  io::HostTensor h;
  h.dtype = DType::I64;
  h.shape = {3};
  int64_t values[3] = {kTwo53 + 1, kMax, kMin};
  h.data.resize(sizeof values);
  std::memcpy(h.data.data(), values, sizeof values);
  Tensor t = fromHost(h);
  EXPECT_EQ(ints(t), (std::vector<int64_t>{kTwo53 + 1, kMax, kMin}));
  EXPECT_EQ(toHost(t).data, h.data);
}

} // namespace
