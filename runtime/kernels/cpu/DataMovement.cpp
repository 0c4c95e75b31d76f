//===- DataMovement.cpp - Copy, transpose, gather, scatter, cast, ... -----===//
//
// Kernels (inputs -> outputs; attributes with defaults; dtypes). "Any dtype"
// kernels move elements by their byte size, so one implementation serves f32,
// f16, bf16, i64, i32 and i1; input and output dtypes are equal unless said.
//
//   copy         : x -> y; y has x's element count in any shape (the compiler
//                  emits it for a reshape that cannot be a view); any dtype.
//   transpose    : x -> y; perm (ints): y.shape[i] = x.shape[perm[i]];
//                  any dtype.
//   broadcast_to : x -> y; NumPy broadcasting of x to y's shape; any dtype.
//   concat       : x0, ..., xn -> y (at least one input); axis; any dtype.
//   split        : x -> y0, ..., yn (at least one output); axis; the piece
//                  sizes are the outputs' extents along axis; any dtype.
//   slice        : x -> y; axis, start, step = 1: y takes x's elements start,
//                  start + step, ... along axis, as many as y's extent there;
//                  any dtype.
//   gather       : x, indices (i64 or i32) -> y; axis: numpy.take, y.shape =
//                  x.shape[:axis] + indices.shape + x.shape[axis+1:];
//                  negative indices count from the end; any dtype for x.
//   scatter      : x, index (i64), src -> y; axis: torch.Tensor.scatter
//                  without a reduction, y = x with y[p with p[axis] =
//                  index[p]] = src[p] for every position p of index
//                  (index and src of x's rank, index no larger than src,
//                  nor than x off the axis); where targets repeat, the last
//                  p in row-major order wins; any dtype for x and src; y
//                  may be x (in place).
//   dynamic_update_slice : x, update, starts (i64 [rank]) -> y: StableHLO's
//                  dynamic_update_slice, y = x with update (x's rank, no
//                  larger) written at starts, each clamped to [0, x.dim -
//                  update.dim]; any dtype; in place (y is x) it copies
//                  nothing but the update.
//   embedding    : ids (i64 or i32), weight [rows, dim] -> y [ids..., dim];
//                  any dtype for weight.
//   iota         : -> y; axis: y[i0, ..., in] = i_axis; y is i64, i32 or f32.
//   cast         : x -> y of the same shape, between any two of f32, f16,
//                  bf16, i64, i32, i1. To f16/bf16: round to nearest even
//                  (integers go through f32); float to integer: truncate
//                  towards zero, saturating, NaN gives 0; i64 to i32 wraps;
//                  to i1: x != 0.
//   tril, triu   : x -> y; k = 0: over the last two dims (rank >= 2) keep
//                  the elements with col - row <= k (tril) or >= k (triu),
//                  zero elsewhere, like torch.tril/triu; any dtype.
//   fill         : -> y; value (float): every element is value converted to
//                  y's dtype (floats: round to nearest even through f32;
//                  integers: truncate, saturating; i1: value != 0); any dtype.
//
// Axes are non-negative. Attribute errors (bad axis, perm, start or step) fail
// at finalization with HEED_ERROR_INVALID_ARGUMENT, shape mismatches with
// HEED_ERROR_SHAPE. An out-of-range gather or scatter index or embedding id
// fails the run with HEED_ERROR_INVALID_ARGUMENT, before anything is written.
//
// Work is split into fixed chunks of about kChunkBytes of output
// (parallelChunks); copies are exact, so any split gives identical bytes.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"
#include "Error.h"
#include "KernelAttrs.h"
#include "Parallel.h"

#include "heed/DType.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace heed::rt {
namespace {

/// Bytes of output one parallel chunk produces (at least).
constexpr int64_t kChunkBytes = 64 * 1024;

/// Side of the square tiles of a transpose whose innermost output dim is not
/// contiguous in the input.
constexpr int64_t kTile = 32;

std::string intsStr(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string shapeStr(heed_dtype dtype, const std::vector<int64_t> &shape) {
  return describe(dtype, shape.data(), (int32_t)shape.size());
}

int64_t product(const std::vector<int64_t> &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

[[noreturn]] void attrError(const KernelSignature &sig,
                            const std::string &message) {
  fail(HEED_ERROR_INVALID_ARGUMENT, sig.kernel + ": " + message);
}

/// Checks attribute \p axis against \p t's rank.
int64_t checkAxis(const KernelSignature &sig, int64_t axis,
                  const TensorDesc &t) {
  if (axis < 0 || axis >= t.rank())
    attrError(sig, "axis " + std::to_string(axis) + " is out of range for " +
                       t.str());
  return axis;
}

/// Fails unless output \p i has shape \p expected; \p why says where the
/// expected shape comes from.
void expectOutputShape(const KernelSignature &sig, size_t i,
                       const std::vector<int64_t> &expected,
                       const std::string &why) {
  const TensorDesc &out = sig.outputs[i];
  if (out.shape != expected)
    sig.shapeError("output " + out.str() + " should be " +
                   shapeStr(out.dtype, expected) + " (" + why + ")");
}

/// One input and one output of the same dtype.
void expectUnaryMove(const KernelSignature &sig) {
  sig.expectArity(1, 1);
  sig.expectOutputDType(0, sig.inputs[0].dtype);
}

void expectIndexDType(const KernelSignature &sig, size_t i, const char *what) {
  heed_dtype t = sig.inputs[i].dtype;
  if (t != HEED_I64 && t != HEED_I32)
    fail(HEED_ERROR_DTYPE, sig.kernel + ": " + what +
                               " must be i64 or i32, got " +
                               sig.inputs[i].str());
}

/// Element \p i of an i64 or i32 index tensor.
int64_t loadIndex(const void *p, bool is64, int64_t i) {
  return is64 ? static_cast<const int64_t *>(p)[i]
              : static_cast<const int32_t *>(p)[i];
}

/// Copies \p rows rows of \p rowBytes bytes, row r from src(r) to dst(r), on
/// a fixed grid: rows are grouped into chunks of about kChunkBytes, and rows
/// longer than 2 * kChunkBytes are cut into kChunkBytes pieces.
template <typename Src, typename Dst>
void copyRows(int64_t rows, int64_t rowBytes, const Src &src, const Dst &dst) {
  if (rows <= 0 || rowBytes <= 0)
    return;
  if (rowBytes < 2 * kChunkBytes) {
    parallelChunks(rows, std::max<int64_t>(1, kChunkBytes / rowBytes),
                   [&](int64_t b, int64_t e) {
                     for (int64_t r = b; r < e; ++r)
                       std::memcpy(dst(r), src(r), (size_t)rowBytes);
                   });
    return;
  }
  int64_t pieces = (rowBytes + kChunkBytes - 1) / kChunkBytes;
  parallelChunks(rows * pieces, 1, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      int64_t r = u / pieces, at = (u % pieces) * kChunkBytes;
      std::memcpy(dst(r) + at, src(r) + at,
                  (size_t)std::min(kChunkBytes, rowBytes - at));
    }
  });
}

/// Calls \p f with a null pointer of the unsigned type as wide as an element
/// of \p dtype.
template <typename F> void withElementType(heed_dtype dtype, const F &f) {
  switch (dtypeBytes(dtype)) {
  case 1:
    return f((uint8_t *)nullptr);
  case 2:
    return f((uint16_t *)nullptr);
  case 4:
    return f((uint32_t *)nullptr);
  default:
    return f((uint64_t *)nullptr);
  }
}

//===----------------------------------------------------------------------===//
// Strided copies: transpose, broadcast_to, slice, copy
//===----------------------------------------------------------------------===//

/// Fills a dense row-major output from a strided view of the input: output
/// element (i0, ..., in) is input element offset + sum_d i_d * strides[d].
///
/// At construction, dims of extent 1 are dropped and neighbouring dims that
/// are also neighbours in the input are merged, so that e.g. swapping the
/// middle dims of [B, L, H, D] becomes memcpy of rows of D elements and a
/// contiguous slice one memcpy per outer index. What is left runs in one of
/// four ways, by the input stride of the innermost output dim:
///  - 1 (Rows): memcpy of output rows;
///  - 0 (Splat, broadcasting): each row repeats one input element;
///  - another dim has input stride 1 (Tiles): a tiled 2-D transpose between
///    that dim and the innermost one, reading and writing whole cache lines;
///  - otherwise (Elements): a strided gather per row (slices with a step).
class StridedCopy {
public:
  StridedCopy(heed_dtype dtype, const std::vector<int64_t> &shape,
              const std::vector<int64_t> &strides, int64_t offset)
      : dtype(dtype), offset(offset) {
    numel = product(shape, 0, shape.size());
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1)
        continue;
      if (!dims.empty() && inStrides.back() == strides[d] * shape[d]) {
        dims.back() *= shape[d];
        inStrides.back() = strides[d];
      } else {
        dims.push_back(shape[d]);
        inStrides.push_back(strides[d]);
      }
    }
    if (dims.empty()) { // one element (or none)
      dims.push_back(1);
      inStrides.push_back(1);
    }
    outStrides.assign(dims.size(), 1);
    for (size_t d = dims.size() - 1; d > 0; --d)
      outStrides[d - 1] = outStrides[d] * dims[d];
    size_t last = dims.size() - 1;
    if (inStrides[last] == 1) {
      mode = Mode::Rows;
    } else if (inStrides[last] == 0) {
      mode = Mode::Splat;
    } else {
      mode = Mode::Elements;
      for (size_t d = 0; d < last; ++d)
        if (inStrides[d] == 1) {
          mode = Mode::Tiles;
          tileDim = d;
        }
    }
  }

  /// True when the output is the input's first numel elements in order (so
  /// running in place is a no-op).
  bool isIdentity() const {
    return offset == 0 && dims.size() == 1 && inStrides[0] == 1;
  }

  void run(const void *in, void *out) const {
    if (numel == 0)
      return;
    withElementType(dtype, [&](auto *tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      const T *x = static_cast<const T *>(in) + offset;
      T *y = static_cast<T *>(out);
      if (mode == Mode::Tiles)
        runTiles(x, y);
      else
        runRows(x, y);
    });
  }

private:
  enum class Mode { Rows, Splat, Tiles, Elements };

  /// Input offset of the first element of output row \p row (a row is the
  /// innermost dim).
  int64_t rowOffset(int64_t row) const {
    int64_t off = 0;
    for (size_t d = dims.size() - 1; d-- > 0;) {
      off += (row % dims[d]) * inStrides[d];
      row /= dims[d];
    }
    return off;
  }

  /// Writes elements [e0, e1) of the output row starting at \p y from the
  /// input row starting at \p x.
  template <Mode M, typename T>
  void rowPart(const T *x, T *y, int64_t e0, int64_t e1) const {
    if constexpr (M == Mode::Rows) {
      std::memcpy(y + e0, x + e0, (size_t)(e1 - e0) * sizeof(T));
    } else if constexpr (M == Mode::Splat) {
      std::fill(y + e0, y + e1, *x);
    } else {
      int64_t stride = inStrides.back();
      for (int64_t e = e0; e < e1; ++e)
        y[e] = x[e * stride];
    }
  }

  template <typename T> void runRows(const T *x, T *y) const {
    switch (mode) {
    case Mode::Rows:
      return runRows<Mode::Rows>(x, y);
    case Mode::Splat:
      return runRows<Mode::Splat>(x, y);
    default:
      return runRows<Mode::Elements>(x, y);
    }
  }

  template <Mode M, typename T> void runRows(const T *x, T *y) const {
    int64_t len = dims.back(), rows = numel / len;
    int64_t seg = std::max<int64_t>(1, kChunkBytes / (int64_t)sizeof(T));
    int64_t outer = (int64_t)dims.size() - 1;
    if (len > seg) {
      // Long rows are cut into pieces of seg elements.
      int64_t pieces = (len + seg - 1) / seg;
      parallelChunks(rows * pieces, 1, [&](int64_t b, int64_t e) {
        for (int64_t u = b; u < e; ++u) {
          int64_t r = u / pieces, e0 = (u % pieces) * seg;
          rowPart<M>(x + rowOffset(r), y + r * len, e0,
                     std::min(len, e0 + seg));
        }
      });
      return;
    }
    if (outer == 0) { // one row
      rowPart<M>(x, y, 0, len);
      return;
    }
    // Whole rows per chunk, walking the outer dims like an odometer: a tight
    // loop along the innermost of them, then a carry.
    int64_t last = outer - 1, lastStride = inStrides[last];
    parallelChunks(
        rows, std::max<int64_t>(1, seg / len), [&](int64_t b, int64_t e) {
          std::vector<int64_t> index(outer);
          int64_t rest = b, off = 0;
          for (int64_t d = last; d >= 0; --d) {
            index[d] = rest % dims[d];
            rest /= dims[d];
            off += index[d] * inStrides[d];
          }
          for (int64_t r = b; r < e;) {
            int64_t n = std::min(e - r, dims[last] - index[last]);
            for (int64_t i = 0; i < n; ++i)
              rowPart<M>(x + off + i * lastStride, y + (r + i) * len, 0, len);
            r += n;
            index[last] += n;
            off += n * lastStride;
            for (int64_t d = last; d >= 0 && index[d] == dims[d];) {
              off -= inStrides[d] * dims[d];
              index[d] = 0;
              if (--d >= 0) {
                ++index[d];
                off += inStrides[d];
              }
            }
          }
        });
  }

  /// y[a * outStrideA + c] = x[a + c * strideB] for a in [a0, a1), c in
  /// [c0, c1). 4-byte elements go through 4x4 SSE transposes (moving bits
  /// only), the rest element by element.
  template <typename T>
  static void transposeTile(const T *x, T *y, int64_t a0, int64_t a1,
                            int64_t c0, int64_t c1, int64_t strideB,
                            int64_t outStrideA) {
    int64_t a = a0;
#if defined(__SSE2__)
    if constexpr (sizeof(T) == 4) {
      for (; a + 4 <= a1; a += 4) {
        int64_t c = c0;
        for (; c + 4 <= c1; c += 4) {
          const float *src =
              reinterpret_cast<const float *>(x + a + c * strideB);
          __m128 r0 = _mm_loadu_ps(src);
          __m128 r1 = _mm_loadu_ps(src + strideB);
          __m128 r2 = _mm_loadu_ps(src + 2 * strideB);
          __m128 r3 = _mm_loadu_ps(src + 3 * strideB);
          _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
          float *dst = reinterpret_cast<float *>(y + a * outStrideA + c);
          _mm_storeu_ps(dst, r0);
          _mm_storeu_ps(dst + outStrideA, r1);
          _mm_storeu_ps(dst + 2 * outStrideA, r2);
          _mm_storeu_ps(dst + 3 * outStrideA, r3);
        }
        for (int64_t i = a; i < a + 4; ++i)
          for (int64_t cc = c; cc < c1; ++cc)
            y[i * outStrideA + cc] = x[i + cc * strideB];
      }
    }
#endif
    for (; a < a1; ++a)
      for (int64_t c = c0; c < c1; ++c)
        y[a * outStrideA + c] = x[a + c * strideB];
  }

  template <typename T> void runTiles(const T *x, T *y) const {
    size_t last = dims.size() - 1;
    int64_t rowsA = dims[tileDim], colsB = dims[last];
    int64_t tilesA = (rowsA + kTile - 1) / kTile;
    int64_t tilesB = (colsB + kTile - 1) / kTile;
    int64_t outer = numel / (rowsA * colsB);
    int64_t tileBytes =
        std::min(rowsA, kTile) * std::min(colsB, kTile) * (int64_t)sizeof(T);
    int64_t strideB = inStrides[last], outStrideA = outStrides[tileDim];
    parallelChunks(
        outer * tilesA * tilesB, std::max<int64_t>(1, kChunkBytes / tileBytes),
        [&](int64_t b, int64_t e) {
          for (int64_t u = b; u < e; ++u) {
            int64_t tb = u % tilesB, ta = (u / tilesB) % tilesA;
            int64_t o = u / (tilesB * tilesA);
            // Offsets of outer index o over the dims other than the tiled.
            int64_t inBase = 0, outBase = 0;
            for (size_t d = last; d-- > 0;) {
              if (d == tileDim)
                continue;
              int64_t i = o % dims[d];
              o /= dims[d];
              inBase += i * inStrides[d];
              outBase += i * outStrides[d];
            }
            transposeTile(x + inBase, y + outBase, ta * kTile,
                          std::min(rowsA, (ta + 1) * kTile), tb * kTile,
                          std::min(colsB, (tb + 1) * kTile), strideB,
                          outStrideA);
          }
        });
  }

  heed_dtype dtype;
  int64_t offset;
  int64_t numel = 0;
  std::vector<int64_t> dims, inStrides, outStrides; ///< after merging
  Mode mode = Mode::Rows;
  size_t tileDim = 0; ///< Tiles: the output dim with input stride 1
};

class StridedCopyKernel : public Kernel {
public:
  StridedCopyKernel(heed_dtype dtype, const std::vector<int64_t> &shape,
                    const std::vector<int64_t> &strides, int64_t offset = 0)
      : copy(dtype, shape, strides, offset) {}
  void run(const void *const *in, void *const *out) override {
    if (in[0] != out[0] || !copy.isIdentity())
      copy.run(in[0], out[0]);
  }

private:
  StridedCopy copy;
};

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

std::unique_ptr<Kernel> makeCopy(const KernelSignature &sig) {
  expectUnaryMove(sig);
  const TensorDesc &x = sig.inputs[0], &y = sig.outputs[0];
  if (x.numel() != y.numel())
    sig.shapeError("output " + y.str() + " has " + std::to_string(y.numel()) +
                   " elements but the input " + x.str() + " has " +
                   std::to_string(x.numel()));
  return std::make_unique<StridedCopyKernel>(
      x.dtype, std::vector<int64_t>{x.numel()}, std::vector<int64_t>{1});
}

std::unique_ptr<Kernel> makeTranspose(const KernelSignature &sig) {
  expectUnaryMove(sig);
  const TensorDesc &x = sig.inputs[0];
  std::vector<int64_t> perm = TransposeAttrs::read(sig.attrs).perm;
  std::vector<bool> seen(x.rank(), false);
  bool ok = (int64_t)perm.size() == x.rank();
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < x.rank() && !seen[perm[i]];
    if (ok)
      seen[perm[i]] = true;
  }
  if (!ok)
    attrError(sig, "perm " + intsStr(perm) + " is not a permutation of the " +
                       std::to_string(x.rank()) + " dims of " + x.str());
  std::vector<int64_t> xStrides = rowMajorStrides(x.shape), shape, strides;
  for (int64_t p : perm) {
    shape.push_back(x.shape[p]);
    strides.push_back(xStrides[p]);
  }
  expectOutputShape(sig, 0, shape,
                    "the input " + x.str() + " permuted by " + intsStr(perm));
  return std::make_unique<StridedCopyKernel>(x.dtype, shape, strides);
}

std::unique_ptr<Kernel> makeBroadcastTo(const KernelSignature &sig) {
  expectUnaryMove(sig);
  return std::make_unique<StridedCopyKernel>(
      sig.inputs[0].dtype, sig.outputs[0].shape,
      broadcastStrides(sig, sig.inputs[0], sig.outputs[0]));
}

std::unique_ptr<Kernel> makeSlice(const KernelSignature &sig) {
  expectUnaryMove(sig);
  const TensorDesc &x = sig.inputs[0], &y = sig.outputs[0];
  const SliceAttrs attrs = SliceAttrs::read(sig.attrs);
  int64_t axis = checkAxis(sig, attrs.axis, x);
  int64_t start = attrs.start, step = attrs.step;
  if (start < 0)
    attrError(sig, "start must be >= 0, got " + std::to_string(start));
  if (step < 1)
    attrError(sig, "step must be >= 1, got " + std::to_string(step));
  if (y.rank() != x.rank())
    sig.shapeError("output " + y.str() + " should have the rank of the input " +
                   x.str());
  int64_t extent = x.shape[axis], count = y.shape[axis];
  std::vector<int64_t> expected = x.shape;
  expected[axis] = count;
  expectOutputShape(sig, 0, expected,
                    "the input " + x.str() + " sliced along axis " +
                        std::to_string(axis));
  // The last element read, start + (count - 1) * step, must be < extent;
  // written with a division so that no product overflows.
  if (start > extent ||
      (count > 0 &&
       (start == extent || (count - 1) > (extent - 1 - start) / step)))
    sig.shapeError(std::to_string(count) + " elements from index " +
                   std::to_string(start) + " with step " +
                   std::to_string(step) + " do not fit in axis " +
                   std::to_string(axis) + " of " + x.str());
  int64_t outer = product(x.shape, 0, axis);
  int64_t inner = product(x.shape, axis + 1, x.shape.size());
  return std::make_unique<StridedCopyKernel>(
      x.dtype, std::vector<int64_t>{outer, count, inner},
      std::vector<int64_t>{extent * inner, step * inner, 1}, start * inner);
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

/// concat and split: the whole tensor is [outer, extent * inner] rows of
/// bytes, each piece [outer, extent_k * inner] at a column offset.
class PiecesKernel : public Kernel {
public:
  PiecesKernel(bool isSplit, int64_t outer, int64_t wholeRowBytes,
               std::vector<int64_t> pieceRowBytes)
      : isSplit(isSplit), outer(outer), wholeRowBytes(wholeRowBytes),
        pieceRowBytes(std::move(pieceRowBytes)) {}

  void run(const void *const *in, void *const *out) override {
    int64_t at = 0; // byte column of piece k in a whole row
    for (size_t k = 0; k < pieceRowBytes.size(); ++k) {
      int64_t bytes = pieceRowBytes[k];
      auto wholeRow = [&](int64_t o) { return o * wholeRowBytes + at; };
      auto pieceRow = [&](int64_t o) { return o * bytes; };
      if (isSplit) {
        const uint8_t *whole = static_cast<const uint8_t *>(in[0]);
        uint8_t *piece = static_cast<uint8_t *>(out[k]);
        copyRows(
            outer, bytes, [&](int64_t o) { return whole + wholeRow(o); },
            [&](int64_t o) { return piece + pieceRow(o); });
      } else {
        const uint8_t *piece = static_cast<const uint8_t *>(in[k]);
        uint8_t *whole = static_cast<uint8_t *>(out[0]);
        copyRows(
            outer, bytes, [&](int64_t o) { return piece + pieceRow(o); },
            [&](int64_t o) { return whole + wholeRow(o); });
      }
      at += bytes;
    }
  }

private:
  bool isSplit;
  int64_t outer, wholeRowBytes;
  std::vector<int64_t> pieceRowBytes;
};

/// Checks the pieces of a concat (\p isSplit false) or split against the
/// whole tensor and makes the kernel.
std::unique_ptr<Kernel> makePieces(const KernelSignature &sig, bool isSplit) {
  const std::vector<TensorDesc> &pieces = isSplit ? sig.outputs : sig.inputs;
  size_t wholeCount = isSplit ? sig.inputs.size() : sig.outputs.size();
  if (pieces.empty() || wholeCount != 1)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         sig.kernel + ": expected " +
             (isSplit ? "1 input and at least 1 output"
                      : "at least 1 input and 1 output") +
             ", got " + std::to_string(sig.inputs.size()) + " and " +
             std::to_string(sig.outputs.size()));
  const TensorDesc &whole = isSplit ? sig.inputs[0] : sig.outputs[0];
  const TensorDesc &first = pieces[0];
  int64_t axis = checkAxis(sig, AxisAttrs::read(sig.attrs).axis, first);
  for (size_t k = 0; k < pieces.size(); ++k) {
    if (isSplit)
      sig.expectOutputDType(k, whole.dtype);
    else
      sig.expectInputDType(k, first.dtype);
  }
  std::string axisStr = " along axis " + std::to_string(axis);
  std::vector<int64_t> joined = first.shape;
  joined[axis] = 0;
  for (const TensorDesc &p : pieces) {
    bool ok = p.rank() == first.rank();
    for (int64_t d = 0; ok && d < first.rank(); ++d)
      ok = d == axis || p.shape[d] == first.shape[d];
    if (!ok)
      sig.shapeError(
          std::string(isSplit ? "cannot split into " : "cannot concatenate ") +
          first.str() + " and " + p.str() + axisStr);
    joined[axis] += p.shape[axis];
  }
  if (isSplit) {
    if (joined != whole.shape)
      sig.shapeError("the outputs joined" + axisStr + " give " +
                     shapeStr(whole.dtype, joined) + ", not the input " +
                     whole.str());
  } else {
    sig.expectOutputDType(0, first.dtype);
    expectOutputShape(sig, 0, joined, "the inputs concatenated" + axisStr);
  }
  int64_t esz = (int64_t)dtypeBytes(whole.dtype);
  int64_t outer = product(whole.shape, 0, axis);
  int64_t inner = product(whole.shape, axis + 1, whole.shape.size());
  std::vector<int64_t> pieceRowBytes;
  for (const TensorDesc &p : pieces)
    pieceRowBytes.push_back(p.shape[axis] * inner * esz);
  return std::make_unique<PiecesKernel>(
      isSplit, outer, whole.shape[axis] * inner * esz, pieceRowBytes);
}

//===----------------------------------------------------------------------===//
// gather, embedding
//===----------------------------------------------------------------------===//

/// Both are x viewed as [outer, extent, inner] -> y as [outer, count, inner]
/// with y[o, j, :] = x[o, indices[j], :]; embedding is outer = 1 without
/// negative indices. The indices are all checked, in order, before anything
/// is copied, so the error names the first bad one whatever the threads.
class GatherKernel : public Kernel {
public:
  GatherKernel(bool isEmbedding, heed_dtype indexDType, int64_t outer,
               int64_t extent, int64_t count, int64_t rowBytes)
      : isEmbedding(isEmbedding), index64(indexDType == HEED_I64), outer(outer),
        extent(extent), count(count), rowBytes(rowBytes) {}

  void run(const void *const *in, void *const *out) override {
    // gather is (x, indices), embedding (ids, weight).
    const void *indices = in[isEmbedding ? 0 : 1];
    for (int64_t j = 0; j < count; ++j) {
      int64_t i = loadIndex(indices, index64, j);
      if (resolve(i) < 0)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             isEmbedding ? "embedding: id " + std::to_string(i) +
                               " is out of range for " +
                               std::to_string(extent) + " rows"
                         : "gather: index " + std::to_string(i) +
                               " is out of range for an axis of " +
                               std::to_string(extent));
    }
    const uint8_t *x = static_cast<const uint8_t *>(in[isEmbedding ? 1 : 0]);
    uint8_t *y = static_cast<uint8_t *>(out[0]);
    copyRows(
        outer * count, rowBytes,
        [&](int64_t r) {
          int64_t o = r / count,
                  i = resolve(loadIndex(indices, index64, r % count));
          return x + (o * extent + i) * rowBytes;
        },
        [&](int64_t r) { return y + r * rowBytes; });
  }

private:
  /// The row an index selects, or -1 when it is out of range.
  int64_t resolve(int64_t i) const {
    if (i < 0 && !isEmbedding)
      i += extent;
    return i >= 0 && i < extent ? i : -1;
  }

  bool isEmbedding, index64;
  int64_t outer, extent, count, rowBytes;
};

std::unique_ptr<Kernel> makeGather(const KernelSignature &sig) {
  sig.expectArity(2, 1);
  const TensorDesc &x = sig.inputs[0], &indices = sig.inputs[1];
  expectIndexDType(sig, 1, "indices");
  int64_t axis = checkAxis(sig, AxisAttrs::read(sig.attrs).axis, x);
  sig.expectOutputDType(0, x.dtype);
  std::vector<int64_t> shape(x.shape.begin(), x.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), x.shape.begin() + axis + 1, x.shape.end());
  expectOutputShape(sig, 0, shape,
                    "the input " + x.str() + " taken at " + indices.str() +
                        " along axis " + std::to_string(axis));
  int64_t inner = product(x.shape, axis + 1, x.shape.size());
  return std::make_unique<GatherKernel>(
      false, indices.dtype, product(x.shape, 0, axis), x.shape[axis],
      indices.numel(), inner * (int64_t)dtypeBytes(x.dtype));
}

std::unique_ptr<Kernel> makeEmbedding(const KernelSignature &sig) {
  sig.expectArity(2, 1);
  const TensorDesc &ids = sig.inputs[0], &weight = sig.inputs[1];
  expectIndexDType(sig, 0, "ids");
  if (weight.rank() != 2)
    sig.shapeError("weight must have rank 2, got " + weight.str());
  sig.expectOutputDType(0, weight.dtype);
  std::vector<int64_t> shape = ids.shape;
  shape.push_back(weight.shape[1]);
  expectOutputShape(sig, 0, shape,
                    "rows of the weight " + weight.str() + " at ids " +
                        ids.str());
  return std::make_unique<GatherKernel>(
      true, ids.dtype, 1, weight.shape[0], ids.numel(),
      weight.shape[1] * (int64_t)dtypeBytes(weight.dtype));
}

//===----------------------------------------------------------------------===//
// scatter
//===----------------------------------------------------------------------===//

/// A line is the positions of index that differ only along the axis; its
/// targets share every other coordinate, so lines write disjoint elements
/// of y and run in parallel, each in order along the axis (the last of
/// repeated targets wins, whatever the threads). Every index is checked, in
/// order, before anything is written.
class ScatterKernel : public Kernel {
public:
  ScatterKernel(heed_dtype dtype, int64_t axis, std::vector<int64_t> index,
                const std::vector<int64_t> &x, const std::vector<int64_t> &src)
      : dtype(dtype), axis(axis), indexShape(std::move(index)),
        xStrides(rowStrides(x)), srcStrides(rowStrides(src)),
        indexStrides(rowStrides(indexShape)), extent(x[axis]),
        xBytes(product(x, 0, x.size()) * (int64_t)dtypeBytes(dtype)) {
    count = product(indexShape, 0, indexShape.size());
    along = indexShape[axis];
    lines = along ? count / along : 0;
  }

  void run(const void *const *in, void *const *out) override {
    const int64_t *index = static_cast<const int64_t *>(in[1]);
    for (int64_t i = 0; i < count; ++i)
      if (index[i] < 0 || index[i] >= extent)
        fail(HEED_ERROR_INVALID_ARGUMENT,
             "scatter: index " + std::to_string(index[i]) +
                 " is out of range for an axis of " + std::to_string(extent));
    if (in[0] != out[0])
      copyRows(
          1, xBytes,
          [&](int64_t) { return static_cast<const uint8_t *>(in[0]); },
          [&](int64_t) { return static_cast<uint8_t *>(out[0]); });
    withElementType(dtype, [&](auto *tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      const T *src = static_cast<const T *>(in[2]);
      T *y = static_cast<T *>(out[0]);
      parallelChunks(
          lines,
          std::max<int64_t>(1, kChunkBytes /
                                   std::max<int64_t>(along * sizeof(T), 1)),
          [&](int64_t b, int64_t e) {
            for (int64_t line = b; line < e; ++line) {
              // The line's coordinates off the axis, as offsets.
              int64_t rest = line, at = 0, from = 0, to = 0;
              for (int64_t d = (int64_t)indexShape.size() - 1; d >= 0; --d) {
                if (d == axis)
                  continue;
                int64_t p = rest % indexShape[d];
                rest /= indexShape[d];
                at += p * indexStrides[d];
                from += p * srcStrides[d];
                to += p * xStrides[d];
              }
              for (int64_t j = 0; j < along; ++j)
                y[to + index[at + j * indexStrides[axis]] * xStrides[axis]] =
                    src[from + j * srcStrides[axis]];
            }
          });
    });
  }

private:
  static std::vector<int64_t> rowStrides(const std::vector<int64_t> &shape) {
    std::vector<int64_t> strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;)
      strides[d - 1] = strides[d] * shape[d];
    return strides;
  }

  heed_dtype dtype;
  int64_t axis;
  std::vector<int64_t> indexShape, xStrides, srcStrides, indexStrides;
  int64_t extent, xBytes, count = 0, along = 0, lines = 0;
};

std::unique_ptr<Kernel> makeScatter(const KernelSignature &sig) {
  sig.expectArity(3, 1);
  const TensorDesc &x = sig.inputs[0], &index = sig.inputs[1],
                   &src = sig.inputs[2];
  if (index.dtype != HEED_I64)
    fail(HEED_ERROR_DTYPE, "scatter: index must be i64, got " + index.str());
  sig.expectInputDType(2, x.dtype);
  sig.expectOutputDType(0, x.dtype);
  int64_t axis = checkAxis(sig, AxisAttrs::read(sig.attrs).axis, x);
  if (index.rank() != x.rank() || src.rank() != x.rank())
    sig.shapeError("index " + index.str() + " and src " + src.str() +
                   " must have the rank of x " + x.str());
  for (int64_t d = 0; d < x.rank(); ++d)
    if (index.shape[d] > src.shape[d] ||
        (d != axis && index.shape[d] > x.shape[d]))
      sig.shapeError("index " + index.str() + " must be no larger than src " +
                     src.str() + ", nor than x " + x.str() + " off axis " +
                     std::to_string(axis));
  expectOutputShape(sig, 0, x.shape, "the input's shape");
  return std::make_unique<ScatterKernel>(x.dtype, axis, index.shape, x.shape,
                                         src.shape);
}

//===----------------------------------------------------------------------===//
// dynamic_update_slice
//===----------------------------------------------------------------------===//

/// The update is copied as rows: the trailing axes along which it spans x
/// (where its start can only be 0) are contiguous in both and form one
/// row, so a KV cache [B, H, L, D] updated at [B, H, 1, D] copies rows of
/// D elements and a full-width update one block.
class DynamicUpdateSliceKernel : public Kernel {
public:
  DynamicUpdateSliceKernel(int64_t esz, const std::vector<int64_t> &x,
                           const std::vector<int64_t> &update)
      : esz(esz), xShape(x), updateShape(update) {
    int64_t rank = (int64_t)x.size();
    // The row is axes inner..rank-1: every axis after `inner` is full.
    inner = rank - 1;
    while (inner > 0 && update[inner] == x[inner])
      --inner;
    rowElems = product(update, inner, rank);
    rows = product(update, 0, inner);
    xStrides.assign(rank, 1);
    for (int64_t d = rank - 1; d > 0; --d)
      xStrides[d - 1] = xStrides[d] * x[d];
    xBytes = product(x, 0, rank) * esz;
  }

  void run(const void *const *in, void *const *out) override {
    const int64_t *starts = static_cast<const int64_t *>(in[2]);
    int64_t rank = (int64_t)xShape.size();
    int64_t base = 0; // element offset of the update's first element in y
    for (int64_t d = 0; d < rank; ++d)
      base += std::clamp<int64_t>(starts[d], 0, xShape[d] - updateShape[d]) *
              xStrides[d];
    uint8_t *y = static_cast<uint8_t *>(out[0]);
    if (in[0] != out[0])
      copyRows(
          1, xBytes,
          [&](int64_t) { return static_cast<const uint8_t *>(in[0]); },
          [&](int64_t) { return y; });
    const uint8_t *u = static_cast<const uint8_t *>(in[1]);
    int64_t rowBytes = rowElems * esz;
    copyRows(
        rows, rowBytes, [&](int64_t r) { return u + r * rowBytes; },
        [&](int64_t r) {
          // Row r's position over the update's axes before `inner`.
          int64_t offset = base;
          for (int64_t d = inner - 1; d >= 0; --d) {
            offset += (r % updateShape[d]) * xStrides[d];
            r /= updateShape[d];
          }
          return y + offset * esz;
        });
  }

private:
  int64_t esz;
  std::vector<int64_t> xShape, updateShape, xStrides;
  int64_t inner = 0, rowElems = 0, rows = 0, xBytes = 0;
};

std::unique_ptr<Kernel> makeDynamicUpdateSlice(const KernelSignature &sig) {
  sig.expectArity(3, 1);
  const TensorDesc &x = sig.inputs[0], &update = sig.inputs[1],
                   &starts = sig.inputs[2];
  sig.expectInputDType(1, x.dtype);
  sig.expectOutputDType(0, x.dtype);
  if (starts.dtype != HEED_I64 || starts.rank() != 1 ||
      starts.shape[0] != x.rank())
    fail(starts.dtype != HEED_I64 ? HEED_ERROR_DTYPE : HEED_ERROR_SHAPE,
         "dynamic_update_slice: starts must be i64[" +
             std::to_string(x.rank()) + "], got " + starts.str());
  bool fits = x.rank() >= 1 && update.rank() == x.rank();
  for (int64_t d = 0; fits && d < x.rank(); ++d)
    fits = update.shape[d] <= x.shape[d];
  if (!fits)
    sig.shapeError("update " + update.str() + " must have the rank of x " +
                   x.str() + " (at least 1) and be no larger");
  expectOutputShape(sig, 0, x.shape, "the input's shape");
  return std::make_unique<DynamicUpdateSliceKernel>(
      (int64_t)dtypeBytes(x.dtype), x.shape, update.shape);
}

//===----------------------------------------------------------------------===//
// cast, iota, fill
//===----------------------------------------------------------------------===//

template <heed_dtype D> struct Storage;
template <> struct Storage<HEED_F32> { using type = float; };
template <> struct Storage<HEED_F16> { using type = uint16_t; };
template <> struct Storage<HEED_BF16> { using type = uint16_t; };
template <> struct Storage<HEED_I64> { using type = int64_t; };
template <> struct Storage<HEED_I32> { using type = int32_t; };
template <> struct Storage<HEED_I1> { using type = uint8_t; };
template <heed_dtype D> using StorageT = typename Storage<D>::type;

constexpr bool isFloat(heed_dtype d) {
  return d == HEED_F32 || d == HEED_F16 || d == HEED_BF16;
}

/// A float-dtype element as f32 (exact).
template <heed_dtype S> float loadFloat(StorageT<S> v) {
  if constexpr (S == HEED_F16)
    return halfToFloat(v);
  else if constexpr (S == HEED_BF16)
    return bf16ToFloat(v);
  else
    return v;
}

/// A value of a float dtype (as double; exact for f32) stored as \p D.
template <heed_dtype D> StorageT<D> fromFloat(double v) {
  if constexpr (D == HEED_F32)
    return (float)v;
  else if constexpr (D == HEED_F16)
    return floatToHalf((float)v);
  else if constexpr (D == HEED_BF16)
    return floatToBf16((float)v);
  else if constexpr (D == HEED_I1)
    return v != 0;
  else
    return floatToIntegerSaturating<StorageT<D>>(v);
}

/// An integer stored as \p D (to floats through f32, to i32 wrapping).
template <heed_dtype D> StorageT<D> fromInt(int64_t v) {
  if constexpr (isFloat(D))
    return fromFloat<D>((float)v);
  else if constexpr (D == HEED_I1)
    return v != 0;
  else
    return (StorageT<D>)v;
}

using CastFn = void (*)(const void *, void *, int64_t, int64_t);

template <heed_dtype S, heed_dtype D>
void castRange(const void *in, void *out, int64_t b, int64_t e) {
  const StorageT<S> *x = static_cast<const StorageT<S> *>(in);
  StorageT<D> *y = static_cast<StorageT<D> *>(out);
  for (int64_t i = b; i < e; ++i) {
    if constexpr (isFloat(S))
      y[i] = fromFloat<D>(loadFloat<S>(x[i]));
    else
      y[i] = fromInt<D>((int64_t)x[i]);
  }
}

template <heed_dtype S> CastFn castFrom(heed_dtype d) {
  switch (d) {
  case HEED_F32:
    return castRange<S, HEED_F32>;
  case HEED_F16:
    return castRange<S, HEED_F16>;
  case HEED_BF16:
    return castRange<S, HEED_BF16>;
  case HEED_I64:
    return castRange<S, HEED_I64>;
  case HEED_I32:
    return castRange<S, HEED_I32>;
  case HEED_I1:
    return castRange<S, HEED_I1>;
  }
  return nullptr;
}

CastFn castFn(heed_dtype s, heed_dtype d) {
  switch (s) {
  case HEED_F32:
    return castFrom<HEED_F32>(d);
  case HEED_F16:
    return castFrom<HEED_F16>(d);
  case HEED_BF16:
    return castFrom<HEED_BF16>(d);
  case HEED_I64:
    return castFrom<HEED_I64>(d);
  case HEED_I32:
    return castFrom<HEED_I32>(d);
  case HEED_I1:
    return castFrom<HEED_I1>(d);
  }
  return nullptr;
}

class CastKernel : public Kernel {
public:
  CastKernel(CastFn fn, int64_t n, int64_t grain)
      : fn(fn), n(n), grain(grain) {}
  void run(const void *const *in, void *const *out) override {
    parallelChunks(n, grain,
                   [&](int64_t b, int64_t e) { fn(in[0], out[0], b, e); });
  }

private:
  CastFn fn;
  int64_t n, grain;
};

std::unique_ptr<Kernel> makeCast(const KernelSignature &sig) {
  sig.expectArity(1, 1);
  const TensorDesc &x = sig.inputs[0], &y = sig.outputs[0];
  if (x.shape != y.shape)
    sig.shapeError("input " + x.str() + " and output " + y.str() +
                   " differ in shape");
  if (x.dtype == y.dtype)
    return std::make_unique<StridedCopyKernel>(
        x.dtype, std::vector<int64_t>{x.numel()}, std::vector<int64_t>{1});
  CastFn fn = castFn(x.dtype, y.dtype);
  if (!fn)
    fail(HEED_ERROR_DTYPE,
         "cast: unsupported cast from " + x.str() + " to " + y.str());
  size_t widest = std::max(dtypeBytes(x.dtype), dtypeBytes(y.dtype));
  return std::make_unique<CastKernel>(fn, x.numel(),
                                      kChunkBytes / (int64_t)widest);
}

class IotaKernel : public Kernel {
public:
  IotaKernel(heed_dtype dtype, int64_t n, int64_t extent, int64_t inner)
      : dtype(dtype), n(n), extent(extent), inner(inner) {}
  void run(const void *const *, void *const *out) override {
    switch (dtype) {
    case HEED_I64:
      return fill(static_cast<int64_t *>(out[0]));
    case HEED_I32:
      return fill(static_cast<int32_t *>(out[0]));
    default:
      return fill(static_cast<float *>(out[0]));
    }
  }

private:
  template <typename T> void fill(T *y) const {
    parallelChunks(n, kChunkBytes / (int64_t)sizeof(T),
                   [&](int64_t b, int64_t e) {
                     int64_t i = (b / inner) % extent, k = b % inner;
                     for (int64_t f = b; f < e; ++f) {
                       y[f] = (T)i;
                       if (++k == inner) {
                         k = 0;
                         if (++i == extent)
                           i = 0;
                       }
                     }
                   });
  }

  heed_dtype dtype;
  int64_t n, extent, inner;
};

std::unique_ptr<Kernel> makeIota(const KernelSignature &sig) {
  sig.expectArity(0, 1);
  const TensorDesc &y = sig.outputs[0];
  if (y.dtype != HEED_I64 && y.dtype != HEED_I32 && y.dtype != HEED_F32)
    fail(HEED_ERROR_DTYPE,
         "iota: output must be i64, i32 or f32, got " + y.str());
  int64_t axis = checkAxis(sig, AxisAttrs::read(sig.attrs).axis, y);
  return std::make_unique<IotaKernel>(
      y.dtype, y.numel(), y.shape[axis],
      product(y.shape, axis + 1, y.shape.size()));
}

/// Every element of the output set to one bit pattern.
class FillKernel : public Kernel {
public:
  FillKernel(heed_dtype dtype, int64_t n, uint64_t bits)
      : dtype(dtype), n(n), bits(bits) {}
  void run(const void *const *, void *const *out) override {
    withElementType(dtype, [&](auto *tag) {
      using T = std::remove_pointer_t<decltype(tag)>;
      T value;
      std::memcpy(&value, &bits, sizeof(T)); // little-endian: the low bytes
      T *y = static_cast<T *>(out[0]);
      parallelChunks(
          n, kChunkBytes / (int64_t)sizeof(T),
          [&](int64_t b, int64_t e) { std::fill(y + b, y + e, value); });
    });
  }

private:
  heed_dtype dtype;
  int64_t n;
  uint64_t bits;
};

template <heed_dtype D> uint64_t fillBits(double v) {
  StorageT<D> stored = fromFloat<D>(v);
  uint64_t bits = 0;
  std::memcpy(&bits, &stored, sizeof(stored));
  return bits;
}

std::unique_ptr<Kernel> makeFill(const KernelSignature &sig) {
  sig.expectArity(0, 1);
  const TensorDesc &y = sig.outputs[0];
  double v = FillAttrs::read(sig.attrs).value;
  uint64_t bits = 0;
  switch (y.dtype) {
  case HEED_F32:
    bits = fillBits<HEED_F32>(v);
    break;
  case HEED_F16:
    bits = fillBits<HEED_F16>(v);
    break;
  case HEED_BF16:
    bits = fillBits<HEED_BF16>(v);
    break;
  case HEED_I64:
    bits = fillBits<HEED_I64>(v);
    break;
  case HEED_I32:
    bits = fillBits<HEED_I32>(v);
    break;
  case HEED_I1:
    bits = fillBits<HEED_I1>(v);
    break;
  }
  return std::make_unique<FillKernel>(y.dtype, y.numel(), bits);
}

//===----------------------------------------------------------------------===//
// tril, triu
//===----------------------------------------------------------------------===//

/// Row r of every matrix keeps columns [lo, hi): tril [0, r + k + 1), triu
/// [r + k, cols), clamped to the row; the rest is zero bytes (which is 0 in
/// every dtype).
class TriangleKernel : public Kernel {
public:
  TriangleKernel(bool lower, int64_t k, int64_t rows, int64_t cols,
                 int64_t matrices, int64_t esz)
      : lower(lower), k(k), rows(rows), cols(cols), matrices(matrices),
        esz(esz) {}
  void run(const void *const *in, void *const *out) override {
    const uint8_t *x = static_cast<const uint8_t *>(in[0]);
    uint8_t *y = static_cast<uint8_t *>(out[0]);
    int64_t rowBytes = cols * esz;
    if (rowBytes == 0)
      return;
    parallelChunks(
        matrices * rows, std::max<int64_t>(1, kChunkBytes / rowBytes),
        [&](int64_t b, int64_t e) {
          for (int64_t r = b; r < e; ++r) {
            int64_t row = r % rows;
            int64_t lo = lower ? 0 : clampCol(row + k);
            int64_t hi = lower ? clampCol(row + k + 1) : cols;
            uint8_t *dst = y + r * rowBytes;
            const uint8_t *src = x + r * rowBytes;
            std::memset(dst, 0, (size_t)(lo * esz));
            if (hi > lo && src != dst)
              std::memcpy(dst + lo * esz, src + lo * esz,
                          (size_t)((hi - lo) * esz));
            std::memset(dst + hi * esz, 0, (size_t)((cols - hi) * esz));
          }
        });
  }

private:
  int64_t clampCol(int64_t c) const { return std::clamp<int64_t>(c, 0, cols); }

  bool lower;
  int64_t k; ///< clamped so that row + k + 1 cannot overflow
  int64_t rows, cols, matrices, esz;
};

std::unique_ptr<Kernel> makeTriangle(const KernelSignature &sig, bool lower) {
  expectUnaryMove(sig);
  const TensorDesc &x = sig.inputs[0];
  if (x.rank() < 2)
    sig.shapeError("input " + x.str() + " must have rank >= 2");
  expectOutputShape(sig, 0, x.shape, "the input's shape");
  int64_t rows = x.dim(-2), cols = x.dim(-1);
  // Beyond +-(rows + cols) every k keeps all or nothing.
  int64_t k = std::clamp<int64_t>(TriangleAttrs::read(sig.attrs).k,
                                  -(rows + cols), rows + cols);
  return std::make_unique<TriangleKernel>(
      lower, k, rows, cols, product(x.shape, 0, x.shape.size() - 2),
      (int64_t)dtypeBytes(x.dtype));
}

} // namespace

void registerDataMovementKernels() {
  registerKernel("copy", makeCopy);
  registerKernel("transpose", makeTranspose);
  registerKernel("broadcast_to", makeBroadcastTo);
  registerKernel("concat", [](const KernelSignature &sig) {
    return makePieces(sig, false);
  });
  registerKernel("split", [](const KernelSignature &sig) {
    return makePieces(sig, true);
  });
  registerKernel("slice", makeSlice);
  registerKernel("gather", makeGather);
  registerKernel("scatter", makeScatter);
  registerKernel("dynamic_update_slice", makeDynamicUpdateSlice);
  registerKernel("embedding", makeEmbedding);
  registerKernel("iota", makeIota);
  registerKernel("cast", makeCast);
  registerKernel("tril", [](const KernelSignature &sig) {
    return makeTriangle(sig, true);
  });
  registerKernel("triu", [](const KernelSignature &sig) {
    return makeTriangle(sig, false);
  });
  registerKernel("fill", makeFill);
}

} // namespace heed::rt
