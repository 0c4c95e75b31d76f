//===- FlashAttentionNonFinite.cpp - NaN and Inf under hidden keys --------===//
//
// A key that a query row does not see contributes nothing to that row, not
// even a NaN (docs/language.md, "Hidden keys and non-finite values"). Scores
// already get this right: every path writes -inf over a hidden score (a
// select, never an addition onto a score that may be NaN), so a NaN or Inf
// in a hidden key's K row is never read back. The products P V are the
// problem: a hidden key's weight is exactly 0, but 0 * NaN and 0 * Inf are
// NaN, and a GEMM or micro-kernel over the tile adds them anyway.
//
// FlashAttention.h says how the paths avoid that: only in tiles that hide
// some key from some row, they ask whether the tile's value rows may hold
// NaN or Inf (NonFiniteValues: each block of 64 keys of a head checked once
// per run, with AVX-512 where the CPU has it, so a run reads V for this at
// most once, and only the blocks such tiles cover); only when one does, the
// product reads a copy with those elements 0, and the products of those
// elements with the weights of the rows that see their key are added
// afterwards. Tiles in which every row sees every key never come here:
// there IEEE arithmetic is the answer.
//
//===----------------------------------------------------------------------===//

#include "FlashAttention.h"
#include "Intrinsics.h"

#include <cstring>

namespace heed::rt::attention {

namespace {

// A value is NaN or +-Inf when its exponent bits are all ones: with the sign
// cleared, f32 >= 0x7f800000 and bf16 >= 0x7f80 as unsigned integers.
constexpr uint32_t kF32Exponent = 0x7f800000u, kF32Magnitude = 0x7fffffffu;
constexpr uint16_t kBf16Exponent = 0x7f80u, kBf16Magnitude = 0x7fffu;

bool nonFiniteF32(uint32_t bits) {
  return (bits & kF32Magnitude) >= kF32Exponent;
}
bool nonFiniteBf16(uint16_t bits) {
  return (bits & kBf16Magnitude) >= kBf16Exponent;
}

bool anyNonFiniteGeneric(const void *x, int64_t n, bool bf16) {
  bool any = false;
  if (bf16) {
    const uint16_t *h = static_cast<const uint16_t *>(x);
    for (int64_t i = 0; i < n; ++i)
      any |= nonFiniteBf16(h[i]);
  } else {
    const uint32_t *w = static_cast<const uint32_t *>(x);
    for (int64_t i = 0; i < n; ++i)
      any |= nonFiniteF32(w[i]);
  }
  return any;
}

#ifdef HEED_X86
/// The largest magnitude's bits of the f32 (or bf16) values, compared with
/// the exponent's: one unsigned max per vector.
__attribute__((target("avx512f,avx512bw"))) bool
anyNonFiniteAvx512(const void *x, int64_t n, bool bf16) {
  const char *p = static_cast<const char *>(x);
  int64_t bytes = n * (bf16 ? 2 : 4), i = 0;
  __m512i mx = _mm512_setzero_si512();
  if (bf16) {
    const __m512i magnitude = _mm512_set1_epi16((short)kBf16Magnitude);
    for (; i + 64 <= bytes; i += 64)
      mx = _mm512_max_epu16(
          mx, _mm512_and_si512(_mm512_loadu_si512(p + i), magnitude));
    if (i < bytes) {
      __mmask32 tail = (__mmask32)((1ull << ((bytes - i) / 2)) - 1);
      mx = _mm512_max_epu16(
          mx,
          _mm512_and_si512(_mm512_maskz_loadu_epi16(tail, p + i), magnitude));
    }
    return _mm512_cmpge_epu16_mask(
               mx, _mm512_set1_epi16((short)kBf16Exponent)) != 0;
  }
  const __m512i magnitude = _mm512_set1_epi32((int)kF32Magnitude);
  for (; i + 64 <= bytes; i += 64)
    mx = _mm512_max_epu32(
        mx, _mm512_and_si512(_mm512_loadu_si512(p + i), magnitude));
  if (i < bytes) {
    __mmask16 tail = (__mmask16)((1u << ((bytes - i) / 4)) - 1);
    mx = _mm512_max_epu32(
        mx, _mm512_and_si512(_mm512_maskz_loadu_epi32(tail, p + i), magnitude));
  }
  return _mm512_cmpge_epu32_mask(mx, _mm512_set1_epi32((int)kF32Exponent)) != 0;
}
#endif

} // namespace

bool anyNonFinite(const void *x, int64_t n, bool bf16) {
#ifdef HEED_X86
  if (lanetiles::laneTilesAvailable()) // AVX-512F and BW
    return anyNonFiniteAvx512(x, n, bf16);
#endif
  return anyNonFiniteGeneric(x, n, bf16);
}

NonFiniteValues::NonFiniteValues(int64_t heads, int64_t lk, int64_t dv,
                                 int64_t ld, bool bf16)
    : heads(heads), lk(lk), dv(dv), ld(ld), blocks(ceilDiv(lk, kBlockKeys)),
      bf16(bf16), state(new std::atomic<uint8_t>[(size_t)(heads * blocks)]()) {}

void NonFiniteValues::reset() {
  for (int64_t i = 0; i < heads * blocks; ++i)
    state[(size_t)i].store(0, std::memory_order_relaxed);
}

bool NonFiniteValues::mayHold(int64_t head, const void *v, int64_t ca,
                              int64_t cb) const {
  bool any = false;
  for (int64_t blk = ca / kBlockKeys; blk * kBlockKeys < cb; ++blk) {
    std::atomic<uint8_t> &known = state[(size_t)(head * blocks + blk)];
    uint8_t s = known.load(std::memory_order_relaxed);
    if (s == 0) {
      int64_t j0 = blk * kBlockKeys, j1 = std::min(lk, j0 + kBlockKeys);
      const int64_t size = bf16 ? 2 : 4;
      const char *rows = static_cast<const char *>(v) + j0 * ld * size;
      bool found = false;
      if (ld == dv) // contiguous rows: one scan
        found = anyNonFinite(rows, (j1 - j0) * dv, bf16);
      else
        for (int64_t j = j0; j < j1 && !found; ++j, rows += ld * size)
          found = anyNonFinite(rows, dv, bf16);
      s = found ? 2 : 1;
      known.store(s, std::memory_order_relaxed);
    }
    any |= s == 2;
  }
  return any;
}

const void *finiteCopy(const void *x, int64_t rows, int64_t cols, int64_t ld,
                       bool bf16, std::vector<uint32_t> &copy) {
  copy.resize((size_t)((rows * cols * (bf16 ? 2 : 4) + 3) / 4));
  for (int64_t r = 0; r < rows; ++r) {
    if (bf16) {
      const uint16_t *src = static_cast<const uint16_t *>(x) + r * ld;
      uint16_t *dst = reinterpret_cast<uint16_t *>(copy.data()) + r * cols;
      for (int64_t i = 0; i < cols; ++i)
        dst[i] = nonFiniteBf16(src[i]) ? 0 : src[i];
    } else {
      const uint32_t *src = static_cast<const uint32_t *>(x) + r * ld;
      uint32_t *dst = copy.data() + r * cols;
      for (int64_t i = 0; i < cols; ++i)
        dst[i] = nonFiniteF32(src[i]) ? 0 : src[i];
    }
  }
  return copy.data();
}

bool AttentionKernel::sees(const Head &hd, int64_t i, int64_t j) const {
  auto [lo, hi] = rowRange(i);
  if (j < lo || j > hi)
    return false;
  if (!hd.mask)
    return true;
  int64_t at = i * cfg.maskStrides[2] + j * cfg.maskStrides[3];
  if (cfg.maskType == HEED_F32)
    return reinterpret_cast<const float *>(hd.mask)[at] != kNegInf;
  return reinterpret_cast<const uint8_t *>(hd.mask)[at] != 0;
}

} // namespace heed::rt::attention
