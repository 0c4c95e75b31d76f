//===- HeedOps.td - Ops of the heed dialect ----------------*- tablegen -*-===//

#ifndef HEED_OPS_TD
#define HEED_OPS_TD

include "HeedDialect.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def Heed_ElementType : AnyTypeOf<[F32, BF16, F16, I64, I32, I1]>;
def Heed_Tensor : RankedTensorOf<[F32, BF16, F16, I64, I32, I1]>;
def Heed_FloatTensor : RankedTensorOf<[F32, BF16, F16]>;
def Heed_IndexTensor : RankedTensorOf<[I64, I32]>;
def Heed_BoolTensor : RankedTensorOf<[I1]>;

//===----------------------------------------------------------------------===//
// Categories (HeedTraits.h)
//===----------------------------------------------------------------------===//

class Heed_Trait<string name, list<Trait> traits = [], code decl = [{}]>
    : NativeOpTrait<name, traits, decl> {
  let cppNamespace = "::heed::OpTrait";
}

/// Each result element from the operand elements at its position.
def Heed_ElementwiseMap : Heed_Trait<"ElementwiseMap">;
/// One operand mapped by `formula`, a C++ expression in the double `x`.
class Heed_UnaryMap<string formula>
    : Heed_Trait<"UnaryMap", [], [{
    /// The op's value on one element, in double (the reference interpreter).
    static double evaluate(double x) { return }] # formula # [{; }
  }]>;
/// No arithmetic.
def Heed_MovesData : Heed_Trait<"MovesData">;
/// Created by the frontend without a builtin of its name.
def Heed_NoBuiltin : Heed_Trait<"NoBuiltin">;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

/// Every computing op is pure and infers its result types through
/// `inferReturnTypes` (defined in HeedOps.cpp).
class Heed_Op<string mnemonic, list<Trait> traits = []>
    : Op<Heed_Dialect, mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

/// An elementwise op of one operand whose value on an element x is
/// `formula`, a C++ expression in the double `x` that is the op's
/// definition: the reference interpreter evaluates it, the docs show it.
/// `domain` (Float, Numeric or Bool: UnaryDomain in HeedOps.h) is what its
/// shape inference accepts.
class Heed_UnaryOp<string mnemonic, string what, string formula,
                   Type operandType = Heed_FloatTensor,
                   string domain = "Float">
    : Heed_Op<mnemonic, [Heed_ElementwiseMap, Heed_UnaryMap<formula>]> {
  let summary = "elementwise " # what;
  let description = [{
    Applies }] # what # [{ to every element; the result has the operand's
    shape and dtype.

    ```mlir
    %y = heed.}] # mnemonic # [{ %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
    ```
    Definition (in double, rounded to the dtype): `}] # formula # [{`
  }];
  let arguments = (ins operandType:$input);
  let results = (outs Heed_Tensor:$result);
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &results) {
      return ::heed::inferUnary(loc, "}] # mnemonic # [{",
                                ::heed::UnaryDomain::}] # domain # [{,
                                adaptor.getInput(), results);
    }
  }];
}

class Heed_BinaryOp<string mnemonic, string what>
    : Heed_Op<mnemonic, [Heed_ElementwiseMap]> {
  let summary = "elementwise " # what # " with broadcasting";
  let description = [{
    Computes }] # what # [{ of two tensors of one dtype,
    broadcast with NumPy rules (trailing dimensions align; an extent of 1
    stretches). A scalar is a rank-0 tensor.

    ```mlir
    %c = heed.}] # mnemonic # [{ %a, %b : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$lhs, Heed_Tensor:$rhs);
  let results = (outs Heed_Tensor:$result);
}

class Heed_CompareOp<string mnemonic, string what>
    : Heed_Op<mnemonic, [Heed_ElementwiseMap]> {
  let summary = "elementwise comparison `" # what # "` with broadcasting";
  let description = [{
    True where `lhs }] # what # [{ rhs`; operands share a
    dtype and broadcast with NumPy rules; the result is i1. Used to build
    masks in the graph from `heed.iota`.

    ```mlir
    %m = heed.}] # mnemonic # [{ %i, %j : (tensor<8x1xi64>, tensor<1x8xi64>) -> tensor<8x8xi1>
    ```
  }];
  let arguments = (ins Heed_Tensor:$lhs, Heed_Tensor:$rhs);
  let results = (outs Heed_BoolTensor:$result);
}

class Heed_ReduceOp<string mnemonic, string what> : Heed_Op<mnemonic> {
  let summary = what # " over the given axes";
  let description = [{
    Reduces `axes` (distinct, non-negative) with }] # what #
    [{; with `keepdim` the reduced axes stay as extent 1.

    ```mlir
    %s = heed.}] # mnemonic # [{ %x {axes = array<i64: 1>, keepdim = false} : (tensor<2x8xf32>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs Heed_Tensor:$result);
}

class Heed_PoolOp<string mnemonic, string what> : Heed_Op<mnemonic> {
  let summary = what # " pooling over NCHW";
  let description = [{
    }] # what # [{ pooling of `[N, C, H, W]`; `kernel`, `stride`
    and `padding` have two entries (height, width). Output extent:
    `floor((H + 2 p - k) / s) + 1`.

    ```mlir
    %y = heed.}] # mnemonic # [{ %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding);
  let results = (outs Heed_FloatTensor:$result);
}

//===----------------------------------------------------------------------===//
// Sources: parameters, constants, iota
//===----------------------------------------------------------------------===//

def Heed_ParamOp
    : Op<Heed_Dialect, "param", [Pure, Heed_MovesData, Heed_NoBuiltin]> {
  let summary = "a named model parameter";
  let description = [{
    A tensor bound by `name` to a tensor of the weights file (PyTorch
    `state_dict` naming), or filled by `--random-weights`. `init` says how the
    random filler draws it: `uniform` is U(-b, b) with b = 1/sqrt(fan_in);
    `one_plus` is 1 + U(-b, b) with b = min(0.5, 1/sqrt(fan_in)) (norm scales
    and running variances, which must stay positive).

    ```mlir
    %w = heed.param "encoder.q_proj.weight" {fan_in = 64 : i64, init = "uniform"} : tensor<64x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$fan_in,
                   DefaultValuedStrAttr<StrAttr, "uniform">:$init);
  let results = (outs Heed_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Heed_ConstantOp : Op<Heed_Dialect, "constant",
    [Pure, ConstantLike, InferTypeOpAdaptor, Heed_MovesData, Heed_NoBuiltin]> {
  let summary = "a constant tensor";
  let description = [{
    A literal tensor; scalars in .heed expressions become rank-0 constants.

    ```mlir
    %c = heed.constant dense<0.125> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Heed_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def Heed_IotaOp : Heed_Op<"iota", [Heed_MovesData]> {
  let summary = "indices along one axis";
  let description = [{
    A tensor of the given `shape` and integer `dtype` whose element at
    (i0, ..., in) is i_axis. Compare two iotas to build causal or window masks.

    ```mlir
    %i = heed.iota {shape = array<i64: 8, 1>, axis = 0 : i64, dtype = i64} : () -> tensor<8x1xi64>
    ```
  }];
  let arguments = (ins DenseI64ArrayAttr:$shape, I64Attr:$axis, TypeAttr:$dtype);
  let results = (outs Heed_Tensor:$result);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def Heed_ExpOp : Heed_UnaryOp<"exp", "e^x", "std::exp(x)">;
def Heed_LogOp : Heed_UnaryOp<"log", "the natural logarithm", "std::log(x)">;
def Heed_SqrtOp : Heed_UnaryOp<"sqrt", "the square root", "std::sqrt(x)">;
def Heed_RsqrtOp : Heed_UnaryOp<"rsqrt", "the reciprocal square root",
                                "1.0 / std::sqrt(x)">;
def Heed_TanhOp : Heed_UnaryOp<"tanh", "the hyperbolic tangent",
                               "std::tanh(x)">;
def Heed_ErfOp : Heed_UnaryOp<"erf", "the error function", "std::erf(x)">;
def Heed_SinOp : Heed_UnaryOp<"sin", "the sine (radians)", "std::sin(x)">;
def Heed_CosOp : Heed_UnaryOp<"cos", "the cosine (radians)", "std::cos(x)">;
def Heed_SigmoidOp : Heed_UnaryOp<"sigmoid", "the logistic function",
                                  "1.0 / (1.0 + std::exp(-x))">;
def Heed_ReluOp : Heed_UnaryOp<"relu", "the rectifier", "x > 0.0 ? x : 0.0">;
def Heed_GeluOp : Heed_UnaryOp<"gelu", "GELU (exact, erf form)",
                               "x * 0.5 * (1.0 + std::erf(x / std::sqrt(2.0)))">;
def Heed_GeluTanhOp
    : Heed_UnaryOp<"gelu_tanh",
                   "GELU, tanh approximation (PyTorch approximate='tanh')",
                   "0.5 * x * (1.0 + std::tanh(0.7978845608028654 * " #
                   "(x + 0.044715 * x * x * x)))">;
def Heed_SiluOp : Heed_UnaryOp<"silu", "SiLU (swish)",
                               "x * (1.0 / (1.0 + std::exp(-x)))">;
def Heed_NegOp : Heed_UnaryOp<"neg", "negation", "-x", Heed_Tensor, "Numeric">;
def Heed_AbsOp : Heed_UnaryOp<"abs", "the absolute value", "std::fabs(x)",
                              Heed_Tensor, "Numeric">;
def Heed_NotOp : Heed_UnaryOp<"not", "logical not (of i1)",
                              "x == 0.0 ? 1.0 : 0.0", Heed_BoolTensor, "Bool">;

def Heed_AddOp : Heed_BinaryOp<"add", "the sum">;
def Heed_SubOp : Heed_BinaryOp<"sub", "the difference">;
def Heed_MulOp : Heed_BinaryOp<"mul", "the product">;
def Heed_DivOp : Heed_BinaryOp<"div", "the quotient (integers truncate towards zero)">;
def Heed_MaximumOp : Heed_BinaryOp<"maximum", "the larger element">;
def Heed_MinimumOp : Heed_BinaryOp<"minimum", "the smaller element">;
def Heed_PowOp : Heed_BinaryOp<"pow", "lhs raised to rhs">;
def Heed_AndOp : Heed_BinaryOp<"and", "logical and of i1 tensors">;
def Heed_OrOp : Heed_BinaryOp<"or", "logical or of i1 tensors">;

def Heed_EqOp : Heed_CompareOp<"eq", "==">;
def Heed_NeOp : Heed_CompareOp<"ne", "!=">;
def Heed_LtOp : Heed_CompareOp<"lt", "<">;
def Heed_LeOp : Heed_CompareOp<"le", "<=">;
def Heed_GtOp : Heed_CompareOp<"gt", ">">;
def Heed_GeOp : Heed_CompareOp<"ge", ">=">;

def Heed_WhereOp : Heed_Op<"where", [Heed_ElementwiseMap]> {
  let summary = "elementwise select with broadcasting";
  let description = [{
    `cond ? lhs : rhs` elementwise; `cond` is i1, `lhs` and `rhs` share a
    dtype; all three broadcast together.

    ```mlir
    %s = heed.where %m, %x, %ninf : (tensor<8x8xi1>, tensor<1x8x8xf32>, tensor<f32>) -> tensor<1x8x8xf32>
    ```
  }];
  let arguments = (ins Heed_BoolTensor:$cond, Heed_Tensor:$lhs, Heed_Tensor:$rhs);
  let results = (outs Heed_Tensor:$result);
}

def Heed_CastOp : Heed_Op<"cast", [Heed_MovesData]> {
  let summary = "dtype conversion";
  let description = [{
    Converts every element to `dtype` (floats to integers truncate towards
    zero; to i1 means `x != 0`).

    ```mlir
    %f = heed.cast %m {dtype = f32} : (tensor<8x8xi1>) -> tensor<8x8xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, TypeAttr:$dtype);
  let results = (outs Heed_Tensor:$result);
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

def Heed_TransposeOp : Heed_Op<"transpose", [Heed_MovesData]> {
  let summary = "permutation of dimensions";
  let description = [{
    `result.shape[i] = input.shape[perm[i]]`.

    ```mlir
    %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x8x128x64xf32>) -> tensor<1x8x64x128xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Heed_Tensor:$result);
}

def Heed_ReshapeOp : Heed_Op<"reshape", [Heed_MovesData]> {
  let summary = "same elements in a new shape";
  let description = [{
    Reinterprets the row-major elements with `shape` (same element count).

    ```mlir
    %h = heed.reshape %x {shape = array<i64: 1, 128, 8, 64>} : (tensor<1x128x512xf32>) -> tensor<1x128x8x64xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Heed_Tensor:$result);
}

def Heed_BroadcastToOp : Heed_Op<"broadcast_to", [Heed_MovesData]> {
  let summary = "explicit broadcast";
  let description = [{
    Repeats the input along its extent-1 (or missing leading) dimensions to
    `shape`, with NumPy rules.

    ```mlir
    %b = heed.broadcast_to %x {shape = array<i64: 4, 8>} : (tensor<1x8xf32>) -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Heed_Tensor:$result);
}

def Heed_ConcatOp : Heed_Op<"concat", [Heed_MovesData]> {
  let summary = "concatenation along an axis";
  let description = [{
    Joins tensors of one dtype whose shapes agree except along `axis`.

    ```mlir
    %c = heed.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Heed_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Heed_Tensor:$result);
}

def Heed_SplitOp : Heed_Op<"split", [Heed_MovesData]> {
  let summary = "split along an axis into pieces of given sizes";
  let description = [{
    One result per entry of `sizes`, which sum to the extent of `axis`.

    ```mlir
    %a, %b = heed.split %x {axis = 1 : i64, sizes = array<i64: 3, 5>} : (tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>)
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DenseI64ArrayAttr:$sizes, I64Attr:$axis);
  let results = (outs Variadic<Heed_Tensor>:$results);
}

def Heed_SliceOp : Heed_Op<"slice", [Heed_MovesData]> {
  let summary = "strided slice along one axis";
  let description = [{
    Elements `start, start + step, ...` below `end` along `axis`
    (0 <= start <= end <= extent, step >= 1).

    ```mlir
    %s = heed.slice %x {axis = 1 : i64, start = 0 : i64, end = 4 : i64, step = 2 : i64} : (tensor<2x8xf32>) -> tensor<2x2xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, I64Attr:$axis, I64Attr:$start,
                   I64Attr:$end, DefaultValuedAttr<I64Attr, "1">:$step);
  let results = (outs Heed_Tensor:$result);
}

def Heed_GatherOp : Heed_Op<"gather", [Heed_MovesData]> {
  let summary = "select slices by index (numpy.take)";
  let description = [{
    `result.shape = input.shape[:axis] + indices.shape + input.shape[axis+1:]`;
    negative indices count from the end, others out of range are a run-time
    error.

    ```mlir
    %g = heed.gather %x, %idx {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, Heed_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs Heed_Tensor:$result);
}

def Heed_ScatterOp : Heed_Op<"scatter", [Heed_MovesData]> {
  let summary = "writes src into a copy of the input at indices along an axis";
  let description = [{
    torch.Tensor.scatter(axis, index, src) without a reduction: the result
    is the input with, for every position `p` of `index`,
    `result[p with p[axis] = index[p]] = src[p]`. `index` is i64 of the
    input's rank, `src` has the input's dtype and rank; every extent of
    `index` is at most `src`'s and, off the axis, the input's. Indices
    outside `[0, extent)` (negative ones too) are a run-time error; where
    indices repeat, the last position in row-major order wins.

    ```mlir
    %y = heed.scatter %x, %idx, %src {axis = 0 : i64} : (tensor<3x5xf32>, tensor<2x5xi64>, tensor<2x5xf32>) -> tensor<3x5xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, Heed_IndexTensor:$index,
                   Heed_Tensor:$src, I64Attr:$axis);
  let results = (outs Heed_Tensor:$result);
}

def Heed_DynamicUpdateSliceOp
    : Heed_Op<"dynamic_update_slice", [Heed_MovesData]> {
  let summary = "the input with an update written at run-time offsets";
  let description = [{
    StableHLO's dynamic_update_slice: `starts` is an i64 tensor `[rank]`
    read at run time; each start is clamped to `[0, input.dim - update.dim]`,
    and the result is the input with `update` (same dtype and rank, no
    larger) written at that offset. The runtime kernel may run in place on
    the input (a KV cache updated at a position known at run time).

    ```mlir
    %y = heed.dynamic_update_slice %cache, %kv, %pos : (tensor<1x8x128x64xf32>, tensor<1x8x1x64xf32>, tensor<4xi64>) -> tensor<1x8x128x64xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, Heed_Tensor:$update,
                   Heed_IndexTensor:$starts);
  let results = (outs Heed_Tensor:$result);
}

def Heed_EmbeddingOp : Heed_Op<"embedding", [Heed_MovesData]> {
  let summary = "embedding lookup";
  let description = [{
    `weight[ids]`: `weight` is `[num, dim]` (PyTorch `nn.Embedding.weight`),
    the result is `ids.shape + [dim]`.

    ```mlir
    %e = heed.embedding %ids, %w : (tensor<2x16xi64>, tensor<1000x32xf32>) -> tensor<2x16x32xf32>
    ```
  }];
  let arguments = (ins Heed_IndexTensor:$ids, Heed_FloatTensor:$weight);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_TrilOp : Heed_Op<"tril", [Heed_MovesData]> {
  let summary = "lower triangle of the last two dimensions";
  let description = [{
    Keeps elements with `col - row <= k`, zero (false) elsewhere, like
    `torch.tril`.

    ```mlir
    %m = heed.tril %ones {k = 0 : i64} : (tensor<8x8xi1>) -> tensor<8x8xi1>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs Heed_Tensor:$result);
}

def Heed_TriuOp : Heed_Op<"triu", [Heed_MovesData]> {
  let summary = "upper triangle of the last two dimensions";
  let description = [{
    Keeps elements with `col - row >= k`, zero (false) elsewhere, like
    `torch.triu`.

    ```mlir
    %m = heed.triu %x {k = 1 : i64} : (tensor<8x8xf32>) -> tensor<8x8xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs Heed_Tensor:$result);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Heed_MatmulOp : Heed_Op<"matmul"> {
  let summary = "batched matrix product with broadcasting";
  let description = [{
    `[..., M, K] x [..., K, N] -> [..., M, N]` (both rank >= 2, one float
    dtype); leading dimensions broadcast, like `torch.matmul`.

    ```mlir
    %s = heed.matmul %q, %kt : (tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32>) -> tensor<1x8x128x128xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$lhs, Heed_FloatTensor:$rhs);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_LinearOp : Heed_Op<"linear"> {
  let summary = "affine map over the last dimension";
  let description = [{
    `input [..., in] x weight[out, in]^T + bias[out]`, PyTorch's `nn.Linear`.

    ```mlir
    %y = heed.linear %x, %w, %b : (tensor<2x16x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<2x16x32xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$weight,
                   Optional<Heed_FloatTensor>:$bias);
  let results = (outs Heed_FloatTensor:$result);
}

//===----------------------------------------------------------------------===//
// Normalisation, softmax, reductions
//===----------------------------------------------------------------------===//

def Heed_SoftmaxOp : Heed_Op<"softmax"> {
  let summary = "softmax along an axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis`; a row of -inf gives
    zeros.

    ```mlir
    %p = heed.softmax %s {axis = 3 : i64} : (tensor<1x8x128x128xf32>) -> tensor<1x8x128x128xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_LogSoftmaxOp : Heed_Op<"log_softmax"> {
  let summary = "log of softmax along an axis";
  let description = [{
    `x - max - log(sum(exp(x - max)))` along `axis`.

    ```mlir
    %p = heed.log_softmax %s {axis = 1 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_LayerNormOp : Heed_Op<"layer_norm"> {
  let summary = "layer normalisation over the last dimension";
  let description = [{
    `(x - mean) / sqrt(var + eps) * weight + bias` with the biased variance
    of the last dimension; `weight` and `bias` are `[D]`.

    ```mlir
    %y = heed.layer_norm %x, %g, %b {eps = 1.0e-05 : f64} : (tensor<2x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$weight,
                   Heed_FloatTensor:$bias, F64Attr:$eps);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_RmsNormOp : Heed_Op<"rms_norm"> {
  let summary = "RMS normalisation over the last dimension";
  let description = [{
    `x / sqrt(mean(x^2) + eps) * weight`, `weight` is `[D]`.

    ```mlir
    %y = heed.rms_norm %x, %g {eps = 1.0e-06 : f64} : (tensor<2x16x64xf32>, tensor<64xf32>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$weight,
                   F64Attr:$eps);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_BatchNormOp : Heed_Op<"batch_norm"> {
  let summary = "inference batch normalisation over channel axis 1";
  let description = [{
    `(x - running_mean[c]) / sqrt(running_var[c] + eps) * weight[c] + bias[c]`
    for `x` of shape `[N, C, ...]`; the four parameters are `[C]`.

    ```mlir
    %y = heed.batch_norm %x, %w, %b, %m, %v {eps = 1.0e-05 : f64} : (tensor<1x16x8x8xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$weight,
                   Heed_FloatTensor:$bias, Heed_FloatTensor:$running_mean,
                   Heed_FloatTensor:$running_var, F64Attr:$eps);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_ReduceSumOp : Heed_ReduceOp<"reduce_sum", "the sum">;
def Heed_ReduceMeanOp : Heed_ReduceOp<"reduce_mean", "the mean">;
def Heed_ReduceMaxOp : Heed_ReduceOp<"reduce_max", "the maximum">;
def Heed_ReduceMinOp : Heed_ReduceOp<"reduce_min", "the minimum">;

def Heed_CumsumOp : Heed_Op<"cumsum"> {
  let summary = "cumulative sum along an axis";
  let description = [{
    `result[..., i, ...] = input[..., 0, ...] + ... + input[..., i, ...]`
    along `axis` (torch.cumsum); the result has the input's shape and dtype
    (a number dtype, not i1). Floats accumulate in double and round each
    result once; integers wrap around.

    ```mlir
    %s = heed.cumsum %x {axis = 1 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, I64Attr:$axis);
  let results = (outs Heed_Tensor:$result);
}

def Heed_TopKOp : Heed_Op<"top_k"> {
  let summary = "the k largest elements along an axis";
  let description = [{
    Values sorted descending (ties: lower index first) and their i64 indices;
    both results have extent `k` along `axis`.

    ```mlir
    %v, %i = heed.top_k %x {axis = 1 : i64, k = 3 : i64} : (tensor<2x10xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>)
    ```
  }];
  let arguments = (ins Heed_Tensor:$input, I64Attr:$k, I64Attr:$axis);
  let results = (outs Heed_Tensor:$values, Heed_IndexTensor:$indices);
}

//===----------------------------------------------------------------------===//
// Recurrent layers
//===----------------------------------------------------------------------===//

def Heed_LstmOp : Heed_Op<"lstm", [AttrSizedOperandSegments]> {
  let summary = "multi-layer (bi)directional LSTM, batch first";
  let description = [{
    `torch.nn.LSTM(batch_first=True)`: `input [B, T, I]`, initial states
    `h0`, `c0` of `[layers * dirs, B, H]`, then per layer and direction the
    weights `weight_ih [4H, in]`, `weight_hh [4H, H]` and, when `has_bias`,
    `bias_ih [4H]`, `bias_hh [4H]` (gate order i, f, g, o). Results: the
    output sequence `[B, T, dirs * H]` and the final `h_n`, `c_n`.

    With `lengths` (i64 `[B]`, each in `[0, T]`, else a run-time error),
    sequence `b` is its first `lengths[b]` steps, as a PyTorch packed
    sequence (`pack_padded_sequence(..., enforce_sorted=False)`): the
    reverse direction starts at step `lengths[b] - 1`, outputs past the
    length are 0, and `h_n`, `c_n` are the states at the length. A length
    of 0 (which PyTorch rejects) is the empty sequence: outputs 0, final
    states the initial ones.

    ```mlir
    %seq, %h, %c = heed.lstm %x, %h0, %c0, %wih, %whh, %bih, %bhh {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
    %seq2, %h2, %c2 = heed.lstm %x, %h0, %c0, %wih, %whh, %bih, %bhh lengths %len {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>, tensor<128x16xf32>, tensor<128x32xf32>, tensor<128xf32>, tensor<128xf32>, tensor<2xi64>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>, tensor<1x2x32xf32>)
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$h0,
                   Heed_FloatTensor:$c0, Variadic<Heed_FloatTensor>:$weights,
                   Optional<TensorOf<[I64]>>:$lengths,
                   I64Attr:$hidden_size, I64Attr:$num_layers,
                   BoolAttr:$bidirectional, BoolAttr:$has_bias);
  let results = (outs Heed_FloatTensor:$sequence, Heed_FloatTensor:$h_n,
                      Heed_FloatTensor:$c_n);
  let assemblyFormat = [{
    $input `,` $h0 `,` $c0 (`,` $weights^)? (`lengths` $lengths^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Heed_GruOp : Heed_Op<"gru", [AttrSizedOperandSegments]> {
  let summary = "multi-layer (bi)directional GRU, batch first";
  let description = [{
    `torch.nn.GRU(batch_first=True)`: as `heed.lstm` with 3 gates (r, z, n)
    and no cell state, `lengths` included.

    ```mlir
    %seq, %h = heed.gru %x, %h0, %wih, %whh, %bih, %bhh {bidirectional = false, has_bias = true, hidden_size = 32 : i64, num_layers = 1 : i64} : (tensor<2x10x16xf32>, tensor<1x2x32xf32>, tensor<96x16xf32>, tensor<96x32xf32>, tensor<96xf32>, tensor<96xf32>) -> (tensor<2x10x32xf32>, tensor<1x2x32xf32>)
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$h0,
                   Variadic<Heed_FloatTensor>:$weights,
                   Optional<TensorOf<[I64]>>:$lengths,
                   I64Attr:$hidden_size, I64Attr:$num_layers,
                   BoolAttr:$bidirectional, BoolAttr:$has_bias);
  let results = (outs Heed_FloatTensor:$sequence, Heed_FloatTensor:$h_n);
  let assemblyFormat = [{
    $input `,` $h0 (`,` $weights^)? (`lengths` $lengths^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

def Heed_Conv2dOp : Heed_Op<"conv2d"> {
  let summary = "2-D convolution, NCHW";
  let description = [{
    `weight [O, C / groups, kh, kw]`, optional `bias [O]`; zero padding.
    Output extent `floor((H + 2 p - d (k - 1) - 1) / s) + 1`.

    ```mlir
    %y = heed.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x8x8xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input, Heed_FloatTensor:$weight,
                   Optional<Heed_FloatTensor>:$bias, DenseI64ArrayAttr:$stride,
                   DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
                   I64Attr:$groups);
  let results = (outs Heed_FloatTensor:$result);
}

def Heed_MaxPool2dOp : Heed_PoolOp<"max_pool2d", "max">;
def Heed_AvgPool2dOp : Heed_PoolOp<"avg_pool2d", "average (padding counted)">;

def Heed_GlobalAvgPoolOp : Heed_Op<"global_avg_pool"> {
  let summary = "mean over the spatial dimensions";
  let description = [{
    `[N, C, H, W] -> [N, C, 1, 1]`, like `nn.AdaptiveAvgPool2d(1)`.

    ```mlir
    %y = heed.global_avg_pool %x : (tensor<1x16x8x8xf32>) -> tensor<1x16x1x1xf32>
    ```
  }];
  let arguments = (ins Heed_FloatTensor:$input);
  let results = (outs Heed_FloatTensor:$result);
}

#endif // HEED_OPS_TD
