//===- DType.h - Element types shared by every Heed component ---*- C++ -*-===//
//
// The element types of the .heed language, with their storage sizes, names
// and the half-precision conversions. This header has no dependencies beyond
// the C++ standard library so that the runtime, the I/O code and the reference
// interpreter can all share it.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_DTYPE_H
#define HEED_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

namespace heed {

/// The element types a tensor can hold.
enum class DType : uint8_t { F32, F16, BF16, I64, I32, I1 };

/// Size in bytes of one element of \p t as stored in memory and in files
/// (i1 is stored as one byte holding 0 or 1).
inline size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I64:
    return 8;
  case DType::I1:
    return 1;
  }
  return 0;
}

/// The .heed spelling of \p t: "f32", "f16", "bf16", "i64", "i32", "i1".
inline const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I64:
    return "i64";
  case DType::I32:
    return "i32";
  case DType::I1:
    return "i1";
  }
  return "?";
}

/// Parses the .heed spelling of a dtype.
inline std::optional<DType> parseDType(std::string_view s) {
  if (s == "f32")
    return DType::F32;
  if (s == "f16")
    return DType::F16;
  if (s == "bf16")
    return DType::BF16;
  if (s == "i64")
    return DType::I64;
  if (s == "i32")
    return DType::I32;
  if (s == "i1")
    return DType::I1;
  return std::nullopt;
}

/// True for f32, f16 and bf16.
inline bool isFloatDType(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

/// Converts an IEEE binary16 bit pattern to float (exact).
inline float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: renormalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400u)) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3FFu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Converts a float to the nearest IEEE binary16 (round to nearest even).
inline uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7FFFFFFFu;
  if (absx >= 0x7F800000u) // inf or nan
    return sign | 0x7C00u | (absx > 0x7F800000u ? 0x200u : 0);
  if (absx >= 0x477FF000u) // rounds to >= 65520: overflow to inf
    return sign | 0x7C00u;
  if (absx < 0x38800000u) { // below the smallest normal half: subnormal
    if (absx < 0x33000000u) // below half the smallest subnormal
      return sign;
    uint32_t e = absx >> 23;
    uint32_t m = (absx & 0x7FFFFFu) | 0x800000u;
    uint32_t shift = 126 - e; // 14 + (112 - e) ... puts m into 10 bits
    uint32_t rounded = m >> (shift);
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (rounded & 1)))
      ++rounded;
    return sign | (uint16_t)rounded;
  }
  uint32_t rounded = absx + 0xFFFu + ((absx >> 13) & 1u);
  return sign | (uint16_t)((rounded - (112u << 23)) >> 13);
}

/// Converts a bfloat16 bit pattern to float (exact).
inline float bf16ToFloat(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Converts a float to the nearest bfloat16 (round to nearest even; NaN stays
/// NaN).
inline uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u)
    return (uint16_t)((x >> 16) | 0x40u);
  x += 0x7FFFu + ((x >> 16) & 1u);
  return (uint16_t)(x >> 16);
}

/// A float converted to the integer type \p I, the one rule of every Heed
/// component (`cast`, the reference interpreter, the compiled kernels):
/// truncation towards zero; values beyond \p I's range, +inf and -inf
/// saturate to its largest or smallest value; NaN gives 0.
template <typename I> I floatToIntegerSaturating(double v) {
  if (v != v)
    return 0;
  // (double)max + 1 is a power of two, exact; min is one too.
  if (v >= (double)std::numeric_limits<I>::max() + 1.0)
    return std::numeric_limits<I>::max();
  if (v <= (double)std::numeric_limits<I>::min())
    return std::numeric_limits<I>::min();
  return (I)v;
}

} // namespace heed

#endif // HEED_DTYPE_H
