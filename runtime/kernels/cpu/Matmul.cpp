//===- Matmul.cpp - matmul and linear with fused post-ops (oneDNN) --------===//
//
// Kernels (inputs -> outputs; attributes with defaults; dtypes):
//
//   matmul : a, b [, bias] [, residual] -> y
//     a [..., M, K], b [..., K, N] -> y [batch..., M, N]. The leading (batch)
//     dims broadcast like torch.matmul (the shorter rank is padded with 1s).
//     transpose_a = 0 : 1 means a is stored as [..., K, M]
//     transpose_b = 0 : 1 means b is stored as [..., N, K]
//     (transposed operands are read through strides, never copied)
//
//   linear : x, weight [, bias] [, residual] -> y
//     x [..., in], weight [out, in] (PyTorch layout), bias [out]
//     -> y [..., out]; the leading dims of x form the rows.
//
//   Both compute  y = act(scale * (a @ b) + bias) + residual
//   in f32 and round once to y's dtype (attributes: MatmulAttrs and
//   LinearAttrs of runtime/kernels/Kernels.td; activation is
//   heed::Activation).
//   bias broadcasts to y (NumPy rules; linear's must be [out]); residual
//   broadcasts to y.
//   dtypes: f32 x f32 -> f32; bf16 x bf16 -> f32 or bf16 (f32 accumulation);
//   bias f32; residual f32 or y's dtype.
//
// Execution. The output is cut into tiles on a grid that depends only on the
// shapes: the outer (batch) rows, blocks of about kRowBlock (256) rows and
// blocks of about kColBlock (128) columns. K is never split, so every output
// element is computed by one tile, by the same micro-kernel or oneDNN
// primitive, whatever the thread count (bitwise determinism); tiles run in
// parallel with parallelChunks. On the oneDNN path each tile is one 2-D
// oneDNN matmul with scale, bias, activation and residual fused as output
// scale and post-ops (the own GEMMs below apply them in registers). a and b are
// strided views, so batch broadcasting and transposes cost no copies; leading
// row dims that are contiguous for every operand are merged first, so [B, M, K]
// x [K, N] (and linear) run as one [B*M, K] x [K, N] problem. oneDNN 2.6 only
// runs binary post-ops fast on a dense destination with a bias/residual that is
// a scalar, a row or a dense tile (anything else falls back to its naive
// reference code), so: with several column blocks the tile is computed into a
// dense per-thread buffer and copied into y, and a bias or residual of another
// layout (per-row, or strided in a column block) is copied into a dense
// per-thread tile first. These copies are O(tile) against O(tile * K) of
// arithmetic. At most four primitives (full and last tile in each
// direction) are created per node, at finalization, through the shared
// cache; they use a user scratchpad in a per-thread buffer because oneDNN's
// library scratchpad must not be used from threads other than the creating
// one.
//
// Own GEMMs. A constant b that every row reads the same way (linear's
// weight, a 2-D matmul operand), with a contiguous along K, an epilogue that
// GemmEpilogue expresses (bias a scalar or a row, residual f32 with
// contiguous columns) and an AVX-512 CPU, runs on
// Heed's own micro-kernels instead of oneDNN, on the same tile grid: f32 x
// f32 on gemmF32 (GemmF32.h), which writes each tile straight into the
// strided y with the epilogue applied in registers (no staging, no copy, no
// allocation, no oneDNN call in a run), and f32 x bf16 weights (heedc
// --precision=bf16) on gemmBf16 into a per-thread tile, then
// applyGemmEpilogue into y (f32 or bf16). b is packed once at finalization
// for the micro-kernels. HEED_GEMM=onednn in the environment keeps every
// tile on oneDNN (to compare the two in one build).
//
// Weights. Otherwise a constant b that every row reads the same way (linear's
// weight, a 2-D matmul operand) is packed once at finalization: the tile
// primitives are created with format_tag::any weights and each column block of
// b is reordered into the blocked layout oneDNN chose, so no tile call repacks
// its slice of b (measured 13-20% faster per call than reading the [out,
// in] weight in place, which oneDNN's brgemm copies on every call). The
// kernel then reports copiedConstant(1), and the runtime releases the
// original's pages once no other kernel reads it (Model.cpp), so packing
// does not double the weights' memory where they are file-backed (a
// compiled binary, a mapped .safetensors).
//
// Where oneDNN has no bf16 matmul on this CPU (before AVX-512), bf16 operands
// are widened to f32 (exactly) into scratch memory and an f32 primitive runs;
// a bf16 output is computed in f32 and rounded to nearest even.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "GemmBf16.h"
#include "GemmF32.h"
#include "KernelAttrs.h"
#include "OneDnn.h"
#include "Parallel.h"
#include "heed/DType.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace heed::rt {
namespace {

using dnnl::memory;

/// Target tile size: rows and columns of the output per oneDNN call. 256
/// rows (rather than 64) let one call reuse its packed weight block over
/// more rows: measured 8-9% faster on BERT-base at L = 128 and 512 (fused,
/// 2 threads, heed-bench, 3 interleaved rounds; 128 rows gave 8% and 3%,
/// 512 and 1024 no more than 256).
constexpr int64_t kRowBlock = 256;
constexpr int64_t kColBlock = 128;
/// Column blocks are rounded up to whole AVX-512 f32 vectors.
constexpr int64_t kColAlign = 16;
/// Elements per chunk when converting bf16 <-> f32.
constexpr int64_t kConvertGrain = 1 << 16;

//===----------------------------------------------------------------------===//
// Problem description
//===----------------------------------------------------------------------===//

/// One operand as the tiles see it: element strides over the row dims of the
/// problem (0 where the operand is broadcast) and along K or N.
struct Operand {
  heed_dtype dtype = HEED_F32;
  std::vector<int64_t> rowStrides;
  int64_t kStride = 0;   ///< a and b: step along K
  int64_t colStride = 0; ///< b, y, bias, residual: step along N (0: broadcast)
};

/// y[rows..., N] = post(a[rows..., K] @ b[rows..., K, N]). For matmul the
/// rows are the batch dims followed by M (b has stride 0 along M); for linear
/// they are the leading dims of x.
struct Problem {
  std::vector<int64_t> rows;
  int64_t k = 0, n = 0;
  Operand a, b, y;
  std::optional<Operand> bias, residual;
  Activation activation = Activation::None;
  float scale = 1.0f;

  std::vector<Operand *> operands() {
    std::vector<Operand *> ops = {&a, &b, &y};
    if (bias)
      ops.push_back(&*bias);
    if (residual)
      ops.push_back(&*residual);
    return ops;
  }
};

/// Drops outer row dims of extent 1 and merges adjacent row dims that are
/// contiguous for every operand, leaving at least one row dim; the last one
/// is the M of the tile primitives (b has stride 0 along it, which merging
/// preserves), the others are iterated over.
void collapseRows(Problem &p) {
  std::vector<Operand *> ops = p.operands();
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides(ops.size());
  for (size_t d = 0; d < p.rows.size(); ++d) {
    int64_t extent = p.rows[d];
    // The last dim is M, along which b does not move: keep it even when it
    // is 1, or an outer batch dim would become the tiles' M.
    if (extent == 1 && d + 1 != p.rows.size())
      continue;
    bool merge = !dims.empty();
    for (size_t o = 0; merge && o < ops.size(); ++o)
      merge = strides[o].back() == ops[o]->rowStrides[d] * extent;
    if (merge)
      dims.back() *= extent;
    else
      dims.push_back(extent);
    for (size_t o = 0; o < ops.size(); ++o) {
      if (merge)
        strides[o].back() = ops[o]->rowStrides[d];
      else
        strides[o].push_back(ops[o]->rowStrides[d]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    for (auto &s : strides)
      s.push_back(0);
  }
  p.rows = dims;
  for (size_t o = 0; o < ops.size(); ++o)
    ops[o]->rowStrides = strides[o];
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size());
  int64_t step = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = step;
    step *= shape[i];
  }
  return s;
}

/// Strides of a row-major tensor of shape \p in read as broadcast to \p out
/// (NumPy rules, aligned to out's rank, 0 along broadcast dims), or nullopt
/// if \p in does not broadcast to \p out.
std::optional<std::vector<int64_t>>
stridesBroadcastTo(const std::vector<int64_t> &in,
                   const std::vector<int64_t> &out) {
  if (in.size() > out.size())
    return std::nullopt;
  std::vector<int64_t> own = rowMajorStrides(in);
  std::vector<int64_t> s(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == out[lead + i])
      s[lead + i] = in[i] == 1 ? 0 : own[i];
    else if (in[i] != 1)
      return std::nullopt;
  }
  return s;
}

/// The bias or residual operand \p desc broadcast to the output (rank >= 1)
/// of a problem whose row dims are all of the output's dims but the last.
Operand epilogueOperand(const KernelSignature &sig, const TensorDesc &desc,
                        const char *what) {
  const TensorDesc &y = sig.outputs[0];
  auto s = stridesBroadcastTo(desc.shape, y.shape);
  if (!s)
    sig.shapeError(std::string(what) + " " + desc.str() +
                   " does not broadcast to the output " + y.str());
  Operand op;
  op.dtype = desc.dtype;
  op.colStride = s->back();
  op.rowStrides.assign(s->begin(), s->end() - 1);
  return op;
}

//===----------------------------------------------------------------------===//
// Attributes shared by matmul and linear
//===----------------------------------------------------------------------===//

/// Takes activation and scale from \p attrs (MatmulAttrs or LinearAttrs) into
/// \p p, works out has_bias and has_residual, checks the input count and
/// dtypes. Returns {hasBias, hasResidual}.
template <typename EpilogueAttrs>
std::pair<bool, bool> readEpilogue(const KernelSignature &sig,
                                   const EpilogueAttrs &attrs, Problem &p) {
  sig.expectArity(2, 1, 4);
  int64_t nIn = (int64_t)sig.inputs.size();
  p.activation = attrs.activation;
  p.scale = (float)attrs.scale;
  int64_t hasBias = attrs.hasBias.value_or(nIn >= 3);
  int64_t hasResidual =
      attrs.hasResidual.value_or(std::max<int64_t>(0, nIn - 2 - hasBias));
  if (nIn != 2 + hasBias + hasResidual)
    fail(HEED_ERROR_INVALID_ARGUMENT,
         sig.kernel + ": has_bias = " + std::to_string(hasBias) +
             " and has_residual = " + std::to_string(hasResidual) + " need " +
             std::to_string(2 + hasBias + hasResidual) + " inputs, got " +
             std::to_string(nIn));

  const TensorDesc &a = sig.inputs[0], &b = sig.inputs[1], &y = sig.outputs[0];
  bool f32 = a.dtype == HEED_F32 && b.dtype == HEED_F32 && y.dtype == HEED_F32;
  bool yOk = y.dtype == HEED_F32 || y.dtype == HEED_BF16;
  bool bf16 = a.dtype == HEED_BF16 && b.dtype == HEED_BF16 && yOk;
  bool mixed =
      a.dtype == HEED_F32 && b.dtype == HEED_BF16 && yOk && sig.constants[1];
  if (!f32 && !bf16 && !mixed)
    fail(HEED_ERROR_DTYPE, sig.kernel + ": unsupported dtypes " + a.str() +
                               " x " + b.str() + " -> " + y.str() +
                               " (supported: f32 x f32 -> f32, bf16 x bf16 "
                               "-> f32 or bf16, f32 x constant bf16 -> f32 "
                               "or bf16)");
  if (hasBias && sig.inputs[2].dtype != HEED_F32)
    fail(HEED_ERROR_DTYPE,
         sig.kernel + ": bias must be f32, got " + sig.inputs[2].str());
  if (hasResidual) {
    const TensorDesc &r = sig.inputs[2 + hasBias];
    if (r.dtype != HEED_F32 && r.dtype != y.dtype)
      fail(HEED_ERROR_DTYPE, sig.kernel +
                                 ": residual must be f32 or the output's "
                                 "dtype, got " +
                                 r.str());
  }
  return {hasBias != 0, hasResidual != 0};
}

//===----------------------------------------------------------------------===//
// oneDNN tiles
//===----------------------------------------------------------------------===//

/// A 2-D strided view, normalised so that extent-1 dims get the strides of a
/// plain layout (lets oneDNN recognise "ab"/"ba" with a leading dimension).
struct View {
  int64_t rows = 1, cols = 1, rowStride = 0, colStride = 0;
  heed_dtype dtype = HEED_F32;

  View(int64_t rows, int64_t cols, int64_t rowStride, int64_t colStride,
       heed_dtype dtype)
      : rows(rows), cols(cols), rowStride(rowStride), colStride(colStride),
        dtype(dtype) {
    if (rows == 1 && cols == 1) {
      this->rowStride = this->colStride = 1;
    } else if (rows == 1) {
      // A single row: row-major if contiguous, else a column-major row.
      if (colStride == 1)
        this->rowStride = cols;
      else
        this->rowStride = 1;
    } else if (cols == 1) {
      this->colStride = 1; // "ab", whatever the row stride
    }
  }
  /// True for a dense row-major layout.
  bool dense() const {
    return (cols == 1 || colStride == 1) && (rows == 1 || rowStride == cols);
  }
  memory::desc md() const {
    return memory::desc({rows, cols}, toDnnl(dtype), {rowStride, colStride});
  }
  std::string str() const {
    return std::string(dtype == HEED_BF16 ? "bf16" : "f32") + "[" +
           std::to_string(rows) + "x" + std::to_string(cols) + ":" +
           std::to_string(rowStride) + "," + std::to_string(colStride) + "]";
  }
};

dnnl::algorithm activationAlgorithm(Activation activation, float &alpha) {
  alpha = 0.0f;
  switch (activation) {
  case Activation::None:
  case Activation::Relu:
    return dnnl::algorithm::eltwise_relu;
  case Activation::Gelu:
    return dnnl::algorithm::eltwise_gelu_erf;
  case Activation::Tanh:
    return dnnl::algorithm::eltwise_tanh;
  case Activation::Sigmoid:
    return dnnl::algorithm::eltwise_logistic;
  case Activation::Silu:
    break;
  }
  alpha = 1.0f; // swish(x) = x * sigmoid(alpha * x)
  return dnnl::algorithm::eltwise_swish;
}

/// The post-ops of an epilogue: + \p bias (when given), p's activation,
/// + \p residual (when p has one), in that order; the kernel passes the
/// bias and residual as DNNL_ARG_ATTR_MULTIPLE_POST_OP arguments.
dnnl::post_ops postOps(const Problem &p, const memory::desc *bias,
                       const memory::desc &residual) {
  dnnl::post_ops ops;
  if (bias)
    ops.append_binary(dnnl::algorithm::binary_add, *bias);
  if (p.activation != Activation::None) {
    float alpha;
    dnnl::algorithm alg = activationAlgorithm(p.activation, alpha);
    ops.append_eltwise(1.0f, alg, alpha, 0.0f);
  }
  if (p.residual)
    ops.append_binary(dnnl::algorithm::binary_add, residual);
  return ops;
}

/// One tile primitive and the descriptors of its arguments. The primitive
/// always writes a dense rows x cols tile; a bias or residual that is not a
/// dense row, a scalar or a dense tile is first copied ("staged") into a
/// dense per-thread tile, because oneDNN 2.6 runs other layouts (and any
/// binary post-op on a strided destination) only in its slow reference
/// implementation.
struct Tile {
  dnnl::primitive primitive;
  memory::desc a, b, y, bias, residual, scratchpad;
  int64_t rows = 0, cols = 0;
  bool stageBias = false, stageResidual = false;
};

/// The view of a bias or residual operand for a rows x cols tile, and
/// whether it must be staged (then the view is the dense staging tile).
std::pair<View, bool> epilogueView(const Operand &op, int64_t rows,
                                   int64_t cols) {
  int64_t rs = op.rowStrides.back(), cs = op.colStride;
  View v(rs ? rows : 1, cs ? cols : 1, rs, cs, op.dtype);
  // Dense, and broadcast like a scalar, a row or nothing (not a column).
  bool direct = v.dense() && !(v.rows > 1 && v.cols == 1 && cols > 1);
  if (direct)
    return {v, false};
  return {View(rows, cols, cols, 1, op.dtype), true};
}

/// Creates (or finds in the cache) the primitive for a rows x cols tile.
/// With \p packB the primitive reads b in the layout oneDNN prefers
/// (format_tag::any; Tile::b is then that layout), which the kernel packs
/// the constant b into once.
Tile makeTile(const Problem &p, int64_t rows, int64_t cols, bool packB) {
  View a(rows, p.k, p.a.rowStrides.back(), p.a.kStride, p.a.dtype);
  View b(p.k, cols, p.b.kStride, p.b.colStride, p.b.dtype);
  View y(rows, cols, cols, 1, p.y.dtype);
  Tile t;
  t.rows = rows;
  t.cols = cols;
  t.a = a.md();
  t.b = packB ? memory::desc({p.k, cols}, toDnnl(p.b.dtype),
                             memory::format_tag::any)
              : b.md();
  t.y = y.md();

  char scale[32];
  std::snprintf(scale, sizeof scale, "%a", (double)p.scale);
  std::string bKey =
      packB ? std::string(p.b.dtype == HEED_BF16 ? "bf16" : "f32") + "[" +
                  std::to_string(p.k) + "x" + std::to_string(cols) + ":packed]"
            : b.str();
  std::string key = "matmul a=" + a.str() + " b=" + bKey + " y=" + y.str() +
                    " scale=" + scale +
                    " act=" + std::to_string((int64_t)p.activation);
  if (p.bias) {
    auto [v, stage] = epilogueView(*p.bias, rows, cols);
    t.bias = v.md();
    t.stageBias = stage;
    key += " bias=" + v.str();
  }
  if (p.residual) {
    auto [v, stage] = epilogueView(*p.residual, rows, cols);
    t.residual = v.md();
    t.stageResidual = stage;
    key += " residual=" + v.str();
  }

  t.primitive = cachedPrimitive(key, [&]() -> dnnl::primitive {
    dnnl::primitive_attr attr = userScratchpadAttr();
    // Output scales apply to the product, before every post-op (oneDNN
    // would scale its own bias argument too, so the bias is a post-op).
    if (p.scale != 1.0f)
      attr.set_output_scales(0, {p.scale});
    attr.set_post_ops(postOps(p, p.bias ? &t.bias : nullptr, t.residual));
    dnnl::matmul::desc desc(t.a, t.b, t.y);
    return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, cpuEngine()));
  });
  t.scratchpad = scratchpadDesc(t.primitive);
  if (packB)
    t.b = dnnl::memory::desc(*dnnl_primitive_desc_query_md(
        t.primitive.get_primitive_desc(), dnnl_query_weights_md, 0));
  return t;
}

/// Per-thread buffers used while running a tile.
enum Slot { ScratchpadSlot, OutputSlot, BiasSlot, ResidualSlot, NumSlots };

/// This thread's 64-byte-aligned buffer \p slot of at least \p bytes
/// (reused across calls and kernels, freed at thread exit).
void *threadBuffer(Slot slot, size_t bytes) {
  static_assert(NumSlots <= kScratchSlots, "one scratch slot per use");
  return threadScratch(slot, bytes);
}

/// Copies a rows x cols block of \p elemBytes-sized elements, read at the
/// given element strides, into a dense row-major block.
void gatherTile(void *dst, const void *src, int64_t rows, int64_t cols,
                int64_t rowStride, int64_t colStride, size_t elemBytes) {
  char *d = static_cast<char *>(dst);
  const char *s = static_cast<const char *>(src);
  for (int64_t i = 0; i < rows; ++i) {
    const char *row = s + i * rowStride * (int64_t)elemBytes;
    if (colStride == 1) {
      std::memcpy(d, row, cols * elemBytes);
    } else {
      for (int64_t j = 0; j < cols; ++j)
        std::memcpy(d + j * elemBytes, row + j * colStride * (int64_t)elemBytes,
                    elemBytes);
    }
    d += cols * elemBytes;
  }
}

/// True when oneDNN implements bf16 matmul on this CPU.
bool nativeBf16() {
  static const bool ok = [] {
    try {
      memory::desc in({2, 2}, memory::data_type::bf16, memory::format_tag::ab);
      for (auto out : {memory::data_type::f32, memory::data_type::bf16}) {
        memory::desc y({2, 2}, out, memory::format_tag::ab);
        dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(in, in, y),
                                        cpuEngine(), /*allow_empty=*/true);
        if (!pd)
          return false;
      }
      return true;
    } catch (const dnnl::error &) {
      return false;
    }
  }();
  return ok;
}

/// Whether the own GEMMs' GemmEpilogue expresses p's epilogue: a bias that
/// is a scalar or a row, f32 (always), the same for every row; a residual
/// that is f32 with contiguous columns.
bool ownEpilogue(const Problem &p) {
  // HEED_GEMM=onednn keeps every tile on oneDNN (docs/runtime.md), to
  // compare the two in one build.
  static const bool oneDnnOnly = [] {
    const char *env = std::getenv("HEED_GEMM");
    return env && std::string(env) == "onednn";
  }();
  if (oneDnnOnly)
    return false;
  if (p.bias && (p.bias->rowStrides.back() != 0 || p.bias->colStride > 1))
    return false;
  if (p.residual &&
      (p.residual->dtype != HEED_F32 || p.residual->colStride != 1))
    return false;
  return true;
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

class MatmulKernel : public Kernel {
public:
  /// \p p is the uncollapsed problem with the node's real dtypes; \p numel
  /// gives the element count of inputs a, b, bias, residual and the output.
  /// \p constB is b's data when b is a plan constant (weights), else null.
  /// \p previous is the kernel this one replaces (KernelSignature), whose
  /// packed weights it shares when they are packed from the same data.
  MatmulKernel(Problem p, bool hasBias, bool hasResidual,
               std::vector<int64_t> numel, const void *constB,
               const Kernel *previous)
      : p(std::move(p)), numel(std::move(numel)), hasBias(hasBias),
        hasResidual(hasResidual), packedFrom(constB) {
    const auto *before = dynamic_cast<const MatmulKernel *>(previous);
    // Packed weights depend on b alone: the same data, layout and type.
    bool samePacking = before && constB && before->packedFrom == constB &&
                       before->p.k == this->p.k && before->p.n == this->p.n &&
                       before->p.b.kStride == this->p.b.kStride &&
                       before->p.b.colStride == this->p.b.colStride &&
                       before->p.b.dtype == this->p.b.dtype;
    Problem &q = this->p;
    collapseRows(q);
    // Constant weights on Heed's own AVX-512 GEMMs where the operands suit
    // them (a contiguous along K, b the same for every row) and
    // GemmEpilogue can express the epilogue: f32 activations times bf16
    // weights (heedc --precision=bf16) on gemmBf16, packed as bf16 pairs,
    // and f32 times f32 on gemmF32. Otherwise bf16 weights are widened to
    // f32 once (exactly) and the oneDNN tiles below run, a bf16 output or
    // residual through f32 copies.
    bool mixed = q.a.dtype == HEED_F32 && q.b.dtype == HEED_BF16;
    auto zero = [](int64_t s) { return s == 0; };
    bool sameB =
        std::all_of(q.b.rowStrides.begin(), q.b.rowStrides.end(), zero);
    bool ownGemm = constB && cpuHasAvx512FBW() && q.a.kStride == 1 && sameB &&
                   q.y.colStride == 1 && ownEpilogue(q);
    if (ownGemm && mixed) {
      bf16B =
          samePacking && before->bf16B
              ? before->bf16B
              : std::make_shared<PackedBf16Matrix>(constB, HEED_BF16, q.k, q.n,
                                                   q.b.kStride, q.b.colStride);
      prepareTiles(false);
      return;
    }
    std::vector<float> widenedB;
    if (mixed) {
      widenedB.resize((size_t)this->numel[1]);
      const uint16_t *from = static_cast<const uint16_t *>(constB);
      for (size_t i = 0; i < widenedB.size(); ++i)
        widenedB[i] = bf16ToFloat(from[i]);
      constB = widenedB.data();
      q.b.dtype = HEED_F32;
    }
    if (ownGemm && q.a.dtype == HEED_F32 && q.b.dtype == HEED_F32 &&
        q.y.dtype == HEED_F32) {
      f32B = samePacking && before->f32B
                 ? before->f32B
                 : std::make_shared<PackedF32Matrix>(
                       static_cast<const float *>(constB), q.k, q.n,
                       q.b.kStride, q.b.colStride);
      prepareTiles(false);
      return;
    }
    bool anyBf16 = q.a.dtype == HEED_BF16 || q.y.dtype == HEED_BF16;
    emulate = anyBf16 && (mixed || !nativeBf16());
    if (emulate) {
      // Every bf16 operand (and a bf16 output) gets an f32 copy with the
      // same layout; the primitives then only see f32.
      widen[0] = q.a.dtype == HEED_BF16;
      widen[1] = q.b.dtype == HEED_BF16;
      widen[3] = q.residual && q.residual->dtype == HEED_BF16;
      widen[4] = q.y.dtype == HEED_BF16;
      for (Operand *op : q.operands())
        op->dtype = HEED_F32;
    }
    // A constant b that is the same for every row (linear's weight, a 2-D
    // matmul weight) is packed once into the primitives' preferred layout.
    bool packB = constB && !widen[1] && sameB;
    prepareTiles(packB);
    if (packB && outer > 0 && !packWeights(constB))
      prepareTiles(false);
    if (mixed && !packedB) {
      // Not packed: keep the widened weights for the runs.
      ownedB = std::move(widenedB);
      widen[1] = false;
    }
  }

  bool copiedConstant(size_t input) const override {
    return input == 1 && (packedB || bf16B || f32B || !ownedB.empty());
  }

  void run(const void *const *in, void *const *out) override {
    const void *aPtr = in[0], *bPtr = ownedB.empty() ? in[1] : ownedB.data();
    const void *biasPtr = hasBias ? in[2] : nullptr;
    const void *resPtr = hasResidual ? in[2 + hasBias] : nullptr;
    void *yPtr = out[0];
    std::vector<std::vector<float>> copies;
    if (emulate) {
      copies.reserve(4);
      auto toF32 = [&](const void *&ptr, int64_t n) {
        copies.emplace_back((size_t)n);
        float *dst = copies.back().data();
        const uint16_t *src = static_cast<const uint16_t *>(ptr);
        parallelChunks(n, kConvertGrain, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i)
            dst[i] = bf16ToFloat(src[i]);
        });
        ptr = dst;
      };
      if (widen[0])
        toF32(aPtr, numel[0]);
      if (widen[1])
        toF32(bPtr, numel[1]);
      if (widen[3])
        toF32(resPtr, numel[3]);
      if (widen[4]) {
        copies.emplace_back((size_t)numel[4]);
        yPtr = copies.back().data();
      }
    }
    parallelChunks(outer * mTiles * nTiles, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t)
        if (f32B)
          runF32Tile(t, aPtr, biasPtr, resPtr, yPtr);
        else if (bf16B)
          runBf16Tile(t, aPtr, biasPtr, resPtr, yPtr);
        else
          runTile(t, aPtr, bPtr, biasPtr, resPtr, yPtr);
    });
    if (emulate && widen[4]) {
      const float *src = static_cast<const float *>(yPtr);
      uint16_t *dst = static_cast<uint16_t *>(out[0]);
      parallelChunks(numel[4], kConvertGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          dst[i] = floatToBf16(src[i]);
      });
    }
  }

  std::array<size_t, kThreadScratchSlots> threadScratchBytes() const override {
    std::array<size_t, kThreadScratchSlots> bytes{};
    size_t tileElems = (size_t)(mBlock * nBlock);
    if (f32B)
      return bytes; // gemmF32 writes y directly
    if (bf16B) {
      bytes[OutputSlot] = tileElems * sizeof(float);
      return bytes;
    }
    for (const Tile &t : tiles) {
      bytes[ScratchpadSlot] =
          std::max(bytes[ScratchpadSlot], t.scratchpad.get_size());
      if (t.stageBias)
        bytes[BiasSlot] = tileElems * dtypeBytes(p.bias->dtype);
      if (t.stageResidual)
        bytes[ResidualSlot] = tileElems * dtypeBytes(p.residual->dtype);
    }
    if (nTiles > 1)
      bytes[OutputSlot] = tileElems * dtypeBytes(p.y.dtype);
    return bytes;
  }

  /// Per-thread tile buffers (one tile's worth) plus the bf16 widening
  /// copies.
  size_t scratchBytes() const override {
    size_t bytes = 0, tileElems = (size_t)(mBlock * nBlock);
    bool stageBias = false, stageResidual = false;
    for (const Tile &t : tiles) {
      bytes = std::max(bytes, t.scratchpad.get_size());
      stageBias |= t.stageBias;
      stageResidual |= t.stageResidual;
    }
    if (nTiles > 1)
      bytes += tileElems * dtypeBytes(p.y.dtype);
    if (stageBias)
      bytes += tileElems * dtypeBytes(p.bias->dtype);
    if (stageResidual)
      bytes += tileElems * dtypeBytes(p.residual->dtype);
    if (bf16B)
      bytes = tileElems * sizeof(float);
    if (f32B)
      bytes = 0; // gemmF32 writes y directly
    if (emulate)
      for (int i = 0; i < 5; ++i)
        if (widen[i])
          bytes += (size_t)numel[i] * sizeof(float);
    return bytes;
  }

private:
  /// The tile primitive for the last (or a full) row and column block.
  const Tile &tileFor(bool mLast, bool nLast) const {
    return tiles[mLast * 2 + nLast];
  }

  /// Packs the constant b, column block by column block, into the layout
  /// of the tiles' primitives (packedB, packedOffsets). Returns false, and
  /// packs nothing, when full and last row blocks disagree on the layout.
  bool packWeights(const void *constB) {
    for (bool nLast : {false, true})
      if ((nLast || nTiles > 1) && mTiles > 1 &&
          tileFor(false, nLast).b != tileFor(true, nLast).b)
        return false;
    std::vector<size_t> offsets;
    size_t total = 0;
    for (int64_t ni = 0; ni < nTiles; ++ni) {
      offsets.push_back(total);
      total += (tileFor(true, ni == nTiles - 1).b.get_size() + 63) / 64 * 64;
    }
    void *mem = std::aligned_alloc(64, std::max<size_t>(total, 64));
    if (!mem)
      fail(HEED_ERROR_OUT_OF_MEMORY, "matmul: cannot allocate " +
                                         std::to_string(total) +
                                         " bytes for packed weights");
    packedB.reset(static_cast<char *>(mem));
    OneDnnSingleThread singleThread;
    dnnl::engine &engine = cpuEngine();
    dnnl::stream stream(engine);
    size_t elem = dtypeBytes(p.b.dtype);
    for (int64_t ni = 0; ni < nTiles; ++ni) {
      const Tile &t = tileFor(true, ni == nTiles - 1);
      View src(p.k, t.cols, p.b.kStride, p.b.colStride, p.b.dtype);
      const char *base = static_cast<const char *>(constB) +
                         ni * nBlock * p.b.colStride * (int64_t)elem;
      memory from(src.md(), engine, const_cast<char *>(base));
      memory to(t.b, engine, packedB.get() + offsets[ni]);
      dnnl::reorder(from, to).execute(stream, from, to);
    }
    stream.wait();
    packedOffsets = std::move(offsets);
    return true;
  }

  void prepareTiles(bool packB) {
    packedB.reset();
    packedOffsets.clear();
    int64_t m = p.rows.back();
    outer = 1;
    for (size_t d = 0; d + 1 < p.rows.size(); ++d)
      outer *= p.rows[d];
    // Balanced blocks: ceil(m / kRowBlock) tiles of (nearly) equal size.
    int64_t mCount = std::max<int64_t>(1, (m + kRowBlock - 1) / kRowBlock);
    mBlock = std::max<int64_t>(1, (m + mCount - 1) / mCount);
    mTiles = (m + mBlock - 1) / mBlock;
    int64_t nCount = std::max<int64_t>(1, (p.n + kColBlock - 1) / kColBlock);
    nBlock = (p.n + nCount - 1) / nCount;
    // The own GEMMs start column ranges at whole panels.
    int64_t align = bf16B  ? kGemmBf16PanelCols
                    : f32B ? kGemmF32PanelCols
                           : kColAlign;
    if (nCount > 1)
      nBlock = (nBlock + align - 1) / align * align;
    nBlock = std::max<int64_t>(1, nBlock);
    nTiles = (p.n + nBlock - 1) / nBlock;
    if (m == 0 || p.n == 0 || outer == 0) {
      outer = mTiles = nTiles = 0; // empty output: nothing to run
      return;
    }
    for (int mLast = 0; mLast < 2; ++mLast)
      for (int nLast = 0; nLast < 2; ++nLast) {
        if ((!mLast && mTiles == 1) || (!nLast && nTiles == 1))
          continue;
        int64_t rows = mLast ? m - (mTiles - 1) * mBlock : mBlock;
        int64_t cols = nLast ? p.n - (nTiles - 1) * nBlock : nBlock;
        if (bf16B || f32B) {
          tiles[mLast * 2 + nLast].rows = rows;
          tiles[mLast * 2 + nLast].cols = cols;
        } else {
          tiles[mLast * 2 + nLast] = makeTile(p, rows, cols, packB);
        }
      }
  }

  /// Where tile \p t is: its column block, which tile kind runs it
  /// ((last row block) * 2 + (last column block)), and the element offset
  /// of its first element in every operand.
  struct TileAt {
    int64_t ni = 0, kind = 0;
    int64_t a = 0, b = 0, y = 0, bias = 0, residual = 0;
  };
  TileAt locate(int64_t t) const {
    TileAt at;
    at.ni = t % nTiles;
    int64_t mi = (t / nTiles) % mTiles;
    int64_t o = t / nTiles / mTiles;
    at.kind = (mi == mTiles - 1) * 2 + (at.ni == nTiles - 1);
    int64_t m0 = mi * mBlock, n0 = at.ni * nBlock;
    auto start = [&](const Operand &op) {
      return m0 * op.rowStrides.back() + n0 * op.colStride;
    };
    at.a = m0 * p.a.rowStrides.back();
    at.b = n0 * p.b.colStride;
    at.y = start(p.y);
    if (p.bias)
      at.bias = start(*p.bias);
    if (p.residual)
      at.residual = start(*p.residual);
    for (size_t d = p.rows.size() - 1; d-- > 0;) {
      int64_t i = o % p.rows[d];
      o /= p.rows[d];
      at.a += i * p.a.rowStrides[d];
      at.b += i * p.b.rowStrides[d];
      at.y += i * p.y.rowStrides[d];
      if (p.bias)
        at.bias += i * p.bias->rowStrides[d];
      if (p.residual)
        at.residual += i * p.residual->rowStrides[d];
    }
    return at;
  }

  /// The epilogue of tile \p pos for the own GEMMs.
  GemmEpilogue epilogueAt(const TileAt &pos, const void *biasPtr,
                          const void *resPtr) const {
    GemmEpilogue ep;
    ep.scale = p.scale;
    ep.activation = p.activation;
    if (p.bias) {
      ep.bias = static_cast<const float *>(biasPtr) + pos.bias;
      ep.biasStride = p.bias->colStride;
    }
    if (p.residual) {
      ep.residual = static_cast<const float *>(resPtr) + pos.residual;
      ep.residualRowStride = p.residual->rowStrides.back();
    }
    return ep;
  }

  /// Tile \p t of the gemmF32 path: product and epilogue straight into y.
  void runF32Tile(int64_t t, const void *aPtr, const void *biasPtr,
                  const void *resPtr, void *yPtr) const {
    TileAt pos = locate(t);
    const Tile &tile = tiles[pos.kind];
    gemmF32(static_cast<const float *>(aPtr) + pos.a, tile.rows,
            p.a.rowStrides.back(), *f32B, pos.ni * nBlock, tile.cols,
            static_cast<float *>(yPtr) + pos.y, p.y.rowStrides.back(),
            epilogueAt(pos, biasPtr, resPtr));
  }

  /// Tile \p t of the gemmBf16 path: the product into a dense f32 tile,
  /// then the epilogue from it into y.
  void runBf16Tile(int64_t t, const void *aPtr, const void *biasPtr,
                   const void *resPtr, void *yPtr) const {
    TileAt pos = locate(t);
    const Tile &tile = tiles[pos.kind];
    float *c = static_cast<float *>(
        threadBuffer(OutputSlot, tile.rows * tile.cols * sizeof(float)));
    gemmBf16(static_cast<const float *>(aPtr) + pos.a, HEED_F32, tile.rows,
             p.a.rowStrides.back(), *bf16B, pos.ni * nBlock, tile.cols, c,
             tile.cols, gemmBf16PreferredF32AKernel());
    applyGemmEpilogue(
        c, tile.cols, tile.rows, tile.cols, epilogueAt(pos, biasPtr, resPtr),
        static_cast<char *>(yPtr) + pos.y * (int64_t)dtypeBytes(p.y.dtype),
        p.y.rowStrides.back(), p.y.dtype == HEED_BF16);
  }

  void runTile(int64_t t, const void *aPtr, const void *bPtr,
               const void *biasPtr, const void *resPtr, void *yPtr) const {
    TileAt pos = locate(t);
    const Tile &tile = tiles[pos.kind];
    // The executor pins the thread that runs a node; a worker that steals a
    // tile may not have run a node yet.

    dnnl::engine &engine = cpuEngine();
    auto at = [](const void *base, int64_t offset, heed_dtype dtype) {
      return const_cast<char *>(static_cast<const char *>(base)) +
             offset * (int64_t)dtypeBytes(dtype);
    };
    // With several column blocks the tile is not dense in y: the primitive
    // writes a dense buffer that is copied out afterwards.
    size_t yBytes = dtypeBytes(p.y.dtype);
    char *yTile = at(yPtr, pos.y, p.y.dtype);
    bool copyOut = nTiles > 1;
    void *dst = copyOut
                    ? threadBuffer(OutputSlot, tile.rows * tile.cols * yBytes)
                    : yTile;
    /// The bias or residual argument, staged into a dense tile if needed.
    auto epilogueArg = [&](const Operand &op, const void *base, int64_t offset,
                           bool stage, Slot slot, const memory::desc &md) {
      void *src = at(base, offset, op.dtype);
      if (stage) {
        size_t bytes = dtypeBytes(op.dtype);
        void *buffer = threadBuffer(slot, tile.rows * tile.cols * bytes);
        gatherTile(buffer, src, tile.rows, tile.cols, op.rowStrides.back(),
                   op.colStride, bytes);
        src = buffer;
      }
      return memory(md, engine, src);
    };

    std::unordered_map<int, memory> args;
    args.emplace(DNNL_ARG_SRC,
                 memory(tile.a, engine, at(aPtr, pos.a, p.a.dtype)));
    void *bTile = packedB ? packedB.get() + packedOffsets[pos.ni]
                          : at(bPtr, pos.b, p.b.dtype);
    args.emplace(DNNL_ARG_WEIGHTS, memory(tile.b, engine, bTile));
    args.emplace(DNNL_ARG_DST, memory(tile.y, engine, dst));
    int postOp = 0;
    if (p.bias)
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(postOp++) | DNNL_ARG_SRC_1,
                   epilogueArg(*p.bias, biasPtr, pos.bias, tile.stageBias,
                               BiasSlot, tile.bias));
    if (p.activation != Activation::None)
      ++postOp;
    if (p.residual)
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(postOp) | DNNL_ARG_SRC_1,
                   epilogueArg(*p.residual, resPtr, pos.residual,
                               tile.stageResidual, ResidualSlot,
                               tile.residual));
    addScratchpad(tile.scratchpad, args);
    dnnl::stream &stream = threadStream();
    tile.primitive.execute(stream, args);
    stream.wait();

    if (copyOut) {
      const char *src = static_cast<const char *>(dst);
      int64_t yRow = p.y.rowStrides.back() * (int64_t)yBytes;
      for (int64_t i = 0; i < tile.rows; ++i)
        std::memcpy(yTile + i * yRow, src + i * tile.cols * yBytes,
                    tile.cols * yBytes);
    }
  }

  Problem p;
  std::vector<int64_t> numel;
  bool hasBias, hasResidual;
  /// bf16 without oneDNN support: which of a, b, bias, residual and y are
  /// widened to f32 copies.
  bool emulate = false;
  bool widen[5] = {false, false, false, false, false};
  int64_t outer = 0, mBlock = 1, mTiles = 0, nBlock = 1, nTiles = 0;
  /// Indexed by (last row block) * 2 + (last column block).
  Tile tiles[4];
  /// The constant b packed once, column block ni at packedOffsets[ni];
  /// null when b is read in place.
  std::unique_ptr<char, decltype(&std::free)> packedB{nullptr, std::free};
  std::vector<size_t> packedOffsets;
  /// f32 x bf16 weights that could not be packed: the weights in f32.
  std::vector<float> ownedB;
  /// Constant weights on the own GEMMs (then tiles[] hold only the tile
  /// shapes): f32 x bf16 on gemmBf16, f32 x f32 on gemmF32.
  /// Shared with the kernels that replace this one at other sizes.
  std::shared_ptr<const PackedBf16Matrix> bf16B;
  std::shared_ptr<const PackedF32Matrix> f32B;
  /// The constant b the weights were packed from (null: b is no constant).
  const void *packedFrom = nullptr;
};

//===----------------------------------------------------------------------===//
// Factories
//===----------------------------------------------------------------------===//

/// Element counts of a, b, bias, residual (0 when absent) and the output.
std::vector<int64_t> elementCounts(const KernelSignature &sig, bool hasBias,
                                   bool hasResidual) {
  return {sig.inputs[0].numel(), sig.inputs[1].numel(),
          hasBias ? sig.inputs[2].numel() : 0,
          hasResidual ? sig.inputs[2 + hasBias].numel() : 0,
          sig.outputs[0].numel()};
}

std::unique_ptr<Kernel> makeMatmul(const KernelSignature &sig) {
  Problem p;
  MatmulAttrs attrs = MatmulAttrs::read(sig.attrs);
  auto [hasBias, hasResidual] = readEpilogue(sig, attrs, p);
  bool transA = attrs.transposeA, transB = attrs.transposeB;
  const TensorDesc &a = sig.inputs[0], &b = sig.inputs[1], &y = sig.outputs[0];
  if (a.rank() < 2 || b.rank() < 2)
    sig.shapeError("operands must have rank >= 2, got " + a.str() + " and " +
                   b.str());
  int64_t m = transA ? a.dim(-1) : a.dim(-2);
  int64_t k = transA ? a.dim(-2) : a.dim(-1);
  int64_t kb = transB ? b.dim(-1) : b.dim(-2);
  int64_t n = transB ? b.dim(-2) : b.dim(-1);
  std::string operands = a.str() + " x " + b.str();
  if (transA || transB)
    operands += std::string(" (") + (transA ? "transpose_a = 1" : "") +
                (transA && transB ? ", " : "") +
                (transB ? "transpose_b = 1" : "") + ")";
  if (k != kb)
    sig.shapeError("inner dimensions differ in " + operands +
                   ": K = " + std::to_string(k) + " vs " + std::to_string(kb));
  if (k == 0)
    sig.shapeError("inner dimension K is 0 in " + operands);

  // Broadcast the batch dims (right-aligned, NumPy rules).
  size_t rank = std::max(a.shape.size(), b.shape.size());
  std::vector<int64_t> yShape(rank - 2);
  for (size_t j = 0; j + 2 < rank; ++j) {
    auto extent = [&](const TensorDesc &t) -> int64_t {
      size_t lead = rank - t.shape.size();
      return j < lead ? 1 : t.shape[j - lead];
    };
    int64_t ea = extent(a), eb = extent(b);
    if (ea != eb && ea != 1 && eb != 1)
      sig.shapeError("batch dimensions do not broadcast in " + operands);
    yShape[j] = ea == 1 ? eb : ea;
  }
  yShape.push_back(m);
  yShape.push_back(n);
  if (y.shape != yShape) {
    TensorDesc expected{y.dtype, yShape};
    sig.shapeError("output " + y.str() + " should be " + expected.str());
  }

  // Rows are the batch dims followed by M.
  p.rows.assign(yShape.begin(), yShape.end() - 1);
  p.k = k;
  p.n = n;
  std::vector<int64_t> batch(yShape.begin(), yShape.end() - 2);
  auto batchStrides = [&](const TensorDesc &t) {
    std::vector<int64_t> shape(t.shape.begin(), t.shape.end() - 2);
    std::vector<int64_t> s = *stridesBroadcastTo(shape, batch);
    int64_t matrix = t.dim(-1) * t.dim(-2);
    for (int64_t &v : s)
      v *= matrix;
    return s;
  };
  p.a.dtype = a.dtype;
  p.a.rowStrides = batchStrides(a);
  p.a.rowStrides.push_back(transA ? 1 : k);
  p.a.kStride = transA ? m : 1;
  p.b.dtype = b.dtype;
  p.b.rowStrides = batchStrides(b);
  p.b.rowStrides.push_back(0);
  p.b.kStride = transB ? 1 : n;
  p.b.colStride = transB ? k : 1;
  p.y.dtype = y.dtype;
  p.y.rowStrides = rowMajorStrides(p.rows);
  for (int64_t &v : p.y.rowStrides)
    v *= n;
  p.y.colStride = 1;
  if (hasBias)
    p.bias = epilogueOperand(sig, sig.inputs[2], "bias");
  if (hasResidual)
    p.residual = epilogueOperand(sig, sig.inputs[2 + hasBias], "residual");
  return std::make_unique<MatmulKernel>(
      std::move(p), hasBias, hasResidual,
      elementCounts(sig, hasBias, hasResidual), sig.constants[1], sig.previous);
}

std::unique_ptr<Kernel> makeLinear(const KernelSignature &sig) {
  Problem p;
  auto [hasBias, hasResidual] =
      readEpilogue(sig, LinearAttrs::read(sig.attrs), p);
  const TensorDesc &x = sig.inputs[0], &w = sig.inputs[1], &y = sig.outputs[0];
  if (x.rank() < 1 || w.rank() != 2 || w.dim(1) != x.dim(-1))
    sig.shapeError("cannot apply weight " + w.str() + " to input " + x.str());
  int64_t in = w.dim(1), out = w.dim(0);
  if (in == 0)
    sig.shapeError("input " + x.str() + " has no features");
  std::vector<int64_t> yShape = x.shape;
  yShape.back() = out;
  if (y.shape != yShape) {
    TensorDesc expected{y.dtype, yShape};
    sig.shapeError("output " + y.str() + " should be " + expected.str());
  }
  if (hasBias && sig.inputs[2].shape != std::vector<int64_t>{out})
    sig.shapeError("bias " + sig.inputs[2].str() + " does not match " +
                   std::to_string(out) + " output features");

  p.rows.assign(x.shape.begin(), x.shape.end() - 1);
  p.k = in;
  p.n = out;
  p.a.dtype = x.dtype;
  p.a.rowStrides = rowMajorStrides(p.rows);
  for (int64_t &v : p.a.rowStrides)
    v *= in;
  p.a.kStride = 1;
  p.b.dtype = w.dtype;
  p.b.rowStrides.assign(p.rows.size(), 0);
  p.b.kStride = 1;
  p.b.colStride = in;
  p.y.dtype = y.dtype;
  p.y.rowStrides = rowMajorStrides(p.rows);
  for (int64_t &v : p.y.rowStrides)
    v *= out;
  p.y.colStride = 1;
  if (hasBias) {
    p.bias = Operand();
    p.bias->rowStrides.assign(p.rows.size(), 0);
    p.bias->colStride = 1;
  }
  if (hasResidual)
    p.residual = epilogueOperand(sig, sig.inputs[2 + hasBias], "residual");
  return std::make_unique<MatmulKernel>(
      std::move(p), hasBias, hasResidual,
      elementCounts(sig, hasBias, hasResidual), sig.constants[1], sig.previous);
}

} // namespace

void registerMatmulKernels() {
  registerKernel("matmul", makeMatmul);
  registerKernel("linear", makeLinear);
}

} // namespace heed::rt
