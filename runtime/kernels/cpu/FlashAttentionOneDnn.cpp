//===- FlashAttentionOneDnn.cpp - Attention's flash path on oneDNN GEMMs --===//
//
// The flash path of the attention kernel (FlashAttention.cpp states the
// contract) where the AVX-512 micro-kernels do not apply: an explicit mask,
// CPUs without AVX-512, or `microkernels = 0`. Each visited tile is one
// single-threaded GEMM for the scores (dnnl_sgemm, or a cached oneDNN bf16
// matmul), the structure's and the mask's -inf or bias, the online-softmax
// step per row, and one GEMM for P V. The tile steps (scores, addPV,
// softmaxStep) also serve the materialising path.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "FlashAttention.h"
#include "Intrinsics.h"
#include "VectorExp.h"
#include "heed/DType.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>

namespace heed::rt::attention {

using dnnl::memory;

namespace {

//===----------------------------------------------------------------------===//
// Row helpers
//===----------------------------------------------------------------------===//

// Row helpers of the softmax. Each has a portable version and an AVX-512
// one (function-level target attribute, chosen at run time with VectorExp's
// path, so libheedrt still runs on any x86-64). Both compute the same
// values: max and the scaling are exact per element, the bf16 rounding is
// integer arithmetic.

/// Round-to-nearest-even conversion of \p n non-negative values (softmax
/// numerators): no NaN handling needed, since a NaN numerator makes its
/// row's sum, and so the row, NaN however it rounds.
void toBf16Generic(uint16_t *dst, const float *src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &src[i], 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    dst[i] = (uint16_t)(u >> 16);
  }
}

/// Maximum of x[0, n) (-inf when n == 0), four independent chains.
float rowMaxGeneric(const float *x, int64_t n) {
  float m[4] = {kNegInf, kNegInf, kNegInf, kNegInf};
  int64_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (int u = 0; u < 4; ++u)
      m[u] = m[u] < x[j + u] ? x[j + u] : m[u];
  for (; j < n; ++j)
    m[0] = m[0] < x[j] ? x[j] : m[0];
  return std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
}

void scaleGeneric(float *x, int64_t n, float a) {
  for (int64_t i = 0; i < n; ++i)
    x[i] *= a;
}

void addGeneric(float *x, const float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    x[i] += y[i];
}

#ifdef HEED_X86
__attribute__((target("avx512f"))) __mmask16 tailMask(int64_t left) {
  return (__mmask16)((1u << left) - 1u);
}

__attribute__((target("avx512f"))) float rowMaxAvx512(const float *x,
                                                      int64_t n) {
  __m512 m0 = _mm512_set1_ps(kNegInf), m1 = m0, m2 = m0, m3 = m0;
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + j));
    m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + j + 16));
    m2 = _mm512_max_ps(m2, _mm512_loadu_ps(x + j + 32));
    m3 = _mm512_max_ps(m3, _mm512_loadu_ps(x + j + 48));
  }
  for (; j + 16 <= n; j += 16)
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + j));
  if (j < n)
    m1 = _mm512_max_ps(m1, _mm512_mask_loadu_ps(_mm512_set1_ps(kNegInf),
                                                tailMask(n - j), x + j));
  return _mm512_reduce_max_ps(
      _mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

__attribute__((target("avx512f"))) void scaleAvx512(float *x, int64_t n,
                                                    float a) {
  __m512 va = _mm512_set1_ps(a);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), va));
  if (i < n) {
    __mmask16 k = tailMask(n - i);
    _mm512_mask_storeu_ps(x + i, k,
                          _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), va));
  }
}

__attribute__((target("avx512f"))) void addAvx512(float *x, const float *y,
                                                  int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(
        x + i, _mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    __mmask16 k = tailMask(n - i);
    _mm512_mask_storeu_ps(x + i, k,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(k, x + i),
                                        _mm512_maskz_loadu_ps(k, y + i)));
  }
}

__attribute__((target("avx512f"))) void
toBf16Avx512(uint16_t *dst, const float *src, int64_t n) {
  const __m512i bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : tailMask(n - i);
    __m512i u = _mm512_castps_si512(_mm512_maskz_loadu_ps(k, src + i));
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
    u = _mm512_add_epi32(u, _mm512_add_epi32(bias, lsb));
    _mm512_mask_cvtepi32_storeu_epi16(dst + i, k, _mm512_srli_epi32(u, 16));
  }
}
#endif

bool useAvx512() {
#ifdef HEED_X86
  static const bool yes = bestExpPath() == ExpPath::Avx512;
  return yes;
#else
  return false;
#endif
}

float rowMax(const float *x, int64_t n) {
#ifdef HEED_X86
  if (useAvx512())
    return rowMaxAvx512(x, n);
#endif
  return rowMaxGeneric(x, n);
}

/// x[0, n) *= a.
void scaleRow(float *x, int64_t n, float a) {
#ifdef HEED_X86
  if (useAvx512())
    return scaleAvx512(x, n, a);
#endif
  scaleGeneric(x, n, a);
}

/// x[0, n) += y[0, n).
void addRow(float *x, const float *y, int64_t n) {
#ifdef HEED_X86
  if (useAvx512())
    return addAvx512(x, y, n);
#endif
  addGeneric(x, y, n);
}

void toBf16(uint16_t *dst, const float *src, int64_t n) {
#ifdef HEED_X86
  if (useAvx512())
    return toBf16Avx512(dst, src, n);
#endif
  toBf16Generic(dst, src, n);
}

//===----------------------------------------------------------------------===//
// GEMMs
//===----------------------------------------------------------------------===//

/// C[m x n] = alpha * A[m x k] * op(B) + beta * C, row-major, where B is
/// stored [k x n] or, with \p transB, [n x k]. Single-threaded inside TBB
/// tasks (the executor pins oneDNN's OpenMP to one thread).
void sgemm(bool transB, int64_t m, int64_t n, int64_t k, float alpha,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
           float *c, int64_t ldc) {
  dnnl_status_t status = dnnl_sgemm('N', transB ? 'T' : 'N', m, n, k, alpha, a,
                                    lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success)
    fail(HEED_ERROR_INTERNAL, "attention: dnnl_sgemm failed (status " +
                                  std::to_string((int)status) + ")");
}

} // namespace

Bf16Gemm::Bf16Gemm(bool transB, float alpha) : transB(transB) {
  char alphaText[32];
  std::snprintf(alphaText, sizeof alphaText, "%a", (double)alpha);
  std::string key = std::string("attention bf16 gemm transB=") +
                    (transB ? "1" : "0") + " alpha=" + alphaText;
  primitive = cachedPrimitive(key, [&]() -> dnnl::primitive {
    const memory::dim R = DNNL_RUNTIME_DIM_VAL;
    memory::desc a({R, R}, memory::data_type::bf16, {R, 1});
    memory::desc b({R, R}, memory::data_type::bf16,
                   transB ? memory::dims{1, R} : memory::dims{R, 1});
    memory::desc c({R, R}, memory::data_type::f32, {R, 1});
    dnnl::primitive_attr attr = userScratchpadAttr();
    if (alpha != 1.0f)
      attr.set_output_scales(0, {alpha});
    return dnnl::matmul(dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(a, b, c), attr, cpuEngine()));
  });
  scratchpad = scratchpadDesc(primitive);
}

bool Bf16Gemm::available() {
  static const bool ok = [] {
    try {
      const memory::dim R = DNNL_RUNTIME_DIM_VAL;
      memory::desc a({R, R}, memory::data_type::bf16, {R, 1});
      memory::desc c({R, R}, memory::data_type::f32, {R, 1});
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, a, c),
                                      userScratchpadAttr(), cpuEngine(),
                                      /*allow_empty=*/true);
      return (bool)pd;
    } catch (const dnnl::error &) {
      return false;
    }
  }();
  return ok;
}

void Bf16Gemm::operator()(int64_t m, int64_t n, int64_t k, const uint16_t *a,
                          int64_t lda, const uint16_t *b, int64_t ldb, float *c,
                          int64_t ldc) const {
  dnnl::engine &engine = cpuEngine();
  memory::desc aMd({m, k}, memory::data_type::bf16, {lda, 1});
  memory::desc bMd({k, n}, memory::data_type::bf16,
                   transB ? memory::dims{1, ldb} : memory::dims{ldb, 1});
  memory::desc cMd({m, n}, memory::data_type::f32, {ldc, 1});
  std::unordered_map<int, memory> args;
  args.emplace(DNNL_ARG_SRC, memory(aMd, engine, const_cast<uint16_t *>(a)));
  args.emplace(DNNL_ARG_WEIGHTS,
               memory(bMd, engine, const_cast<uint16_t *>(b)));
  args.emplace(DNNL_ARG_DST, memory(cMd, engine, c));
  addScratchpad(scratchpad, args);
  dnnl::stream &stream = threadStream();
  primitive.execute(stream, args);
  stream.wait();
}

//===----------------------------------------------------------------------===//
// Tile steps
//===----------------------------------------------------------------------===//

void AttentionKernel::scores(const Head &hd, const Box &box, int64_t r0,
                             float *s, int64_t ld, int64_t colBase) const {
  int64_t m = box.rb - box.ra, n = box.cb - box.ca;
  float *dst = s + (box.ra - r0) * ld + (box.ca - colBase);
  if (gemmBf16()) {
    const uint16_t *q = static_cast<const uint16_t *>(hd.q) + box.ra * cfg.qLd;
    const uint16_t *k = static_cast<const uint16_t *>(hd.k) + box.ca * cfg.kLd;
    qk(m, n, cfg.D, q, cfg.qLd, k, cfg.kLd, dst, ld);
  } else {
    const float *q = static_cast<const float *>(hd.q) + box.ra * cfg.qLd;
    const float *k = static_cast<const float *>(hd.k) + box.ca * cfg.kLd;
    sgemm(true, m, n, cfg.D, cfg.scale, q, cfg.qLd, k, cfg.kLd, 0.0f, dst, ld);
  }
  for (int64_t i = box.ra; i < box.rb; ++i) {
    float *row = s + (i - r0) * ld + (box.ca - colBase); // row[j - ca]
    if (box.partial) {
      auto [lo, hi] = rowRange(i);
      for (int64_t j = box.ca; j < std::min(lo, box.cb); ++j)
        row[j - box.ca] = kNegInf;
      for (int64_t j = std::max(hi + 1, box.ca); j < box.cb; ++j)
        row[j - box.ca] = kNegInf;
    }
    if (hd.mask) {
      const int64_t si = cfg.maskStrides[2], sj = cfg.maskStrides[3];
      if (cfg.maskType == HEED_F32) {
        // -inf hides the key: selected, never added (a NaN score + -inf
        // would be NaN).
        const float *mrow =
            reinterpret_cast<const float *>(hd.mask) + i * si + box.ca * sj;
        if (sj == 0) {
          float add = mrow[0];
          if (add == kNegInf)
            std::fill(row, row + n, kNegInf);
          else
            for (int64_t x = 0; x < n; ++x)
              row[x] += add;
        } else { // sj == 1: the mask's last dim is Lk
          for (int64_t x = 0; x < n; ++x)
            row[x] = mrow[x] == kNegInf ? kNegInf : row[x] + mrow[x];
        }
      } else {
        const uint8_t *mrow =
            reinterpret_cast<const uint8_t *>(hd.mask) + i * si + box.ca * sj;
        for (int64_t x = 0; x < n; ++x)
          if (!mrow[x * sj])
            row[x] = kNegInf;
      }
    }
  }
}

void AttentionKernel::addPV(const Head &hd, const Box &box, int64_t r0,
                            const float *p, uint16_t *p16, int64_t ld,
                            int64_t colBase, float *o, float *tmp,
                            const KeyFilter *sees) const {
  int64_t dv = cfg.Dv;
  if (dv == 0)
    return;
  int64_t m = box.rb - box.ra, n = box.cb - box.ca;
  int64_t off = (box.ra - r0) * ld + (box.ca - colBase);
  float *oRows = o + (box.ra - r0) * dv;
  const bool bf16 = gemmBf16();
  const int64_t vLd = cfg.vLd;
  const void *v = static_cast<const char *>(hd.v) + box.ca * vLd * inBytes();
  // Hidden keys with NaN or Inf values (FlashAttentionNonFinite.cpp): the
  // product reads them as 0 (from a copy with contiguous rows), what they
  // give the rows that see them follows.
  std::vector<uint32_t> finite;
  bool nonFinite = sees && hd.nonFiniteValues(box.ca, box.cb);
  const void *vp = nonFinite ? finiteCopy(v, n, dv, vLd, bf16, finite) : v;
  const int64_t ldv = nonFinite ? dv : vLd;
  if (bf16) {
    for (int64_t i = 0; i < m; ++i)
      toBf16(p16 + off + i * ld, p + off + i * ld, n);
    pv(m, dv, n, p16 + off, ld, static_cast<const uint16_t *>(vp), ldv, tmp,
       dv);
    addRow(oRows, tmp, m * dv);
  } else {
    sgemm(false, m, dv, n, 1.0f, p + off, ld, static_cast<const float *>(vp),
          ldv, 1.0f, oRows, dv);
  }
  if (nonFinite)
    addNonFiniteProducts(
        v, n, dv, vLd, bf16, m,
        [&](int64_t r, int64_t j) { return (*sees)(box.ra + r, box.ca + j); },
        [&](int64_t r, int64_t j) {
          int64_t at = off + r * ld + j;
          return bf16 ? bf16ToFloat(p16[at]) : p[at];
        },
        [&](int64_t r, int64_t e, float x) { oRows[r * dv + e] += x; });
}

float AttentionKernel::softmaxStep(float *x, int64_t n, float &m, float &l) {
  float mNew = std::max(m, rowMax(x, n));
  if (mNew == kNegInf) {
    // No finite score yet: P = exp(x) = 0 for -inf, NaN for a NaN score
    // (rowMax passes over NaN; the row must still become NaN), nothing to
    // rescale.
    l += expScaleShiftSum(x, n, 1.0f, 0.0f);
    return 1.0f;
  }
  float alpha = m == mNew ? 1.0f : expScalar(m - mNew); // exp(-inf) = 0
  float sum = expScaleShiftSum(x, n, 1.0f, mNew);
  l = l * alpha + sum;
  m = mNew;
  return alpha;
}

//===----------------------------------------------------------------------===//
// The flash path
//===----------------------------------------------------------------------===//

void AttentionKernel::flashRows(const Head &hd, int64_t qt, int64_t r0,
                                int64_t r1, const Scratch &sc) const {
  int64_t rows = r1 - r0, ld = cfg.tileCols, dv = cfg.Dv;
  std::fill(sc.o, sc.o + rows * dv, 0.0f);
  std::fill(sc.m, sc.m + rows, kNegInf);
  std::fill(sc.l, sc.l + rows, 0.0f);
  const KeyFilter sees = [&](int64_t i, int64_t j) {
    return this->sees(hd, i, j);
  };
  forEachTile(qt, r0, r1, [&](int64_t kt) {
    Box box;
    if (!tileBox(r0, r1, kt, box))
      return;
    int64_t colBase = box.ca; // the tile's scores start at column 0
    scores(hd, box, r0, sc.s, ld, colBase);
    for (int64_t i = box.ra; i < box.rb; ++i) {
      int64_t r = i - r0;
      float alpha =
          softmaxStep(sc.s + r * ld, box.cb - box.ca, sc.m[r], sc.l[r]);
      if (alpha != 1.0f)
        scaleRow(sc.o + r * dv, dv, alpha);
    }
    // The band or the mask may hide keys of this box from some rows.
    bool hides = box.partial || hd.mask;
    addPV(hd, box, r0, sc.s, sc.p16, ld, colBase, sc.o, sc.tmp,
          hides ? &sees : nullptr);
  });
  finishRows(hd, r0, r1, sc.o, sc.m, sc.l);
}

} // namespace heed::rt::attention
