//===- Kernels.td - Every kernel of libheedrt -------------*- tablegen -*-===//
//
// The one declaration of each runtime kernel: its operands, the dtypes it
// computes in, which inputs its output may overwrite, and every attribute
// with its type, default and allowed values. The compiler (the heedrt.kernel
// verifier, heed-to-heedrt, heedrt-plan-memory, heedrt-fuse-post-ops), the
// runtime (attribute checks at finalization, the kernels' typed attributes)
// and docs/runtime.md are generated from it; see KernelBase.td for the
// vocabulary and docs/adding-an-op.md for the checklist.
//
// The comment at the top of each runtime/kernels/cpu/ file says how its
// kernels compute; this file says what they take.
//
//===----------------------------------------------------------------------===//

include "KernelBase.td"

//===----------------------------------------------------------------------===//
// Enumerations
//===----------------------------------------------------------------------===//

def AttentionStructure : KernelEnum<
    "the keys each query row sees besides an explicit mask and top-k; causal "
    "and window align the diagonal bottom-right when Lq != Lk (query row i "
    "sits at key position p = i + Lk - Lq)", [
  KernelEnumCase<"none", 0, "every key">,
  KernelEnumCase<"causal", 1, "keys j <= p">,
  KernelEnumCase<"window", 2, "keys p - left <= j <= p + right (attribute "
                              "`window`)">,
  KernelEnumCase<"blocks", 3, "the key tiles `block_visit` lists for each "
                              "query tile">
]>;

def AttentionLayout : KernelEnum<
    "how attention's q, k, v, out (and gate) are stored; probs, lse and the "
    "mask are [B, H, Lq, ...] in both", [
  KernelEnumCase<"bhld", 0, "[B, H, L, D]: each head's rows contiguous">,
  KernelEnumCase<"blhd", 1, "[B, L, H, D]: a head's rows H * D elements "
                            "apart, as a projection [B, L, H * D] viewed "
                            "per head (no transpose)">
]>;

def Activation : KernelEnum<
    "the activation a matmul applies to its product (a oneDNN post-op); the "
    "names are the elementwise kernels' names", [
  KernelEnumCase<"none", 0, "no activation">,
  KernelEnumCase<"relu", 1, "max(x, 0)">,
  KernelEnumCase<"gelu", 2, "x * Phi(x) (erf form)">,
  KernelEnumCase<"tanh", 3, "tanh(x)">,
  KernelEnumCase<"sigmoid", 4, "1 / (1 + e^-x)">,
  KernelEnumCase<"silu", 5, "x * sigmoid(x)">
]>;

//===----------------------------------------------------------------------===//
// Elementwise.cpp
//===----------------------------------------------------------------------===//

class UnaryKernel<string name, KernelDTypes types = F32DTypes>
    : Kernel<name, "Elementwise"> {
  let dtypes = types;
  let inputs = (ins Arg<"any shape">:$x);
  let outputs = (outs Arg<"x's shape and dtype">:$y);
  let inPlace = [0];
}

def : UnaryKernel<"exp"> { let summary = "e^x"; }
def : UnaryKernel<"log"> { let summary = "natural logarithm"; }
def : UnaryKernel<"sqrt"> { let summary = "square root"; }
def : UnaryKernel<"rsqrt"> { let summary = "1 / sqrt(x)"; }
def : UnaryKernel<"neg"> { let summary = "-x (also i64, i32)"; }
def : UnaryKernel<"abs"> { let summary = "|x| (also i64, i32)"; }
def : UnaryKernel<"tanh"> { let summary = "hyperbolic tangent"; }
def : UnaryKernel<"erf"> { let summary = "error function"; }
def : UnaryKernel<"sin"> { let summary = "sine (radians)"; }
def : UnaryKernel<"cos"> { let summary = "cosine (radians)"; }
def : UnaryKernel<"sigmoid"> { let summary = "1 / (1 + e^-x)"; }
def : UnaryKernel<"relu"> { let summary = "max(x, 0)"; }
def : UnaryKernel<"gelu"> { let summary = "x * Phi(x), erf form"; }
def : UnaryKernel<"silu"> { let summary = "x * sigmoid(x)"; }
def : UnaryKernel<"gelu_tanh"> {
  let summary = "0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))";
}
def : UnaryKernel<"not"> { let summary = "logical not (i1)"; }

class BinaryKernel<string name, KernelDTypes types, bit inPlaceBoth = 1>
    : Kernel<name, "Elementwise"> {
  let dtypes = types;
  let inputs = (ins Arg<"">:$a, Arg<"NumPy broadcasting with a">:$b);
  let outputs = (outs Arg<"the broadcast shape">:$c);
  let inPlaceAll = inPlaceBoth;
}

def : BinaryKernel<"add", NumericDTypes> { let summary = "a + b"; }
def : BinaryKernel<"sub", NumericDTypes> { let summary = "a - b"; }
def : BinaryKernel<"mul", NumericDTypes> { let summary = "a * b"; }
def : BinaryKernel<"div", NumericDTypes> {
  let summary = "a / b; integers truncate, and a zero integer divisor fails "
                "the run";
}
def : BinaryKernel<"maximum", NumericDTypes> {
  let summary = "the larger element (NaN propagates)";
}
def : BinaryKernel<"minimum", NumericDTypes> {
  let summary = "the smaller element (NaN propagates)";
}
def : BinaryKernel<"pow", NumericDTypes> { let summary = "a ^ b"; }
def : BinaryKernel<"and", F32DTypes> { let summary = "logical and (i1)"; }
def : BinaryKernel<"or", F32DTypes> { let summary = "logical or (i1)"; }
def : BinaryKernel<"eq", F32DTypes, 0> { let summary = "a == b, i1 result"; }
def : BinaryKernel<"ne", F32DTypes, 0> { let summary = "a != b, i1 result"; }
def : BinaryKernel<"lt", F32DTypes, 0> { let summary = "a < b, i1 result"; }
def : BinaryKernel<"le", F32DTypes, 0> { let summary = "a <= b, i1 result"; }
def : BinaryKernel<"gt", F32DTypes, 0> { let summary = "a > b, i1 result"; }
def : BinaryKernel<"ge", F32DTypes, 0> { let summary = "a >= b, i1 result"; }

def : Kernel<"where", "Elementwise"> {
  let summary = "cond ? a : b, the three broadcast together";
  let inputs = (ins Arg<"i1">:$cond, Arg<"">:$a, Arg<"a's dtype">:$b);
  let outputs = (outs Arg<"a's dtype">:$c);
  let inPlaceAll = 1;
}

//===----------------------------------------------------------------------===//
// Matmul.cpp
//===----------------------------------------------------------------------===//

class EpilogueAttrs<dag transposes> : KernelAttrs<!con(transposes, (attrs
    Enum<Activation, "none", "applied to scale * product + bias">:$activation,
    Float<"1.0", "multiplies the product before the bias">:$scale,
    OptionalFlag<"a bias input follows the factors; default: 1 when there "
                 "are 3 or more inputs">:$has_bias,
    OptionalFlag<"a residual input comes last, added after the activation; "
                 "default: 1 when an input is left after the factors and "
                 "the bias">:$has_residual))>;

def MatmulAttrs : EpilogueAttrs<(attrs
    Flag<0, "a is stored as [..., K, M] (read through strides)">:$transpose_a,
    Flag<0, "b is stored as [..., N, K] (read through strides)">:$transpose_b)>;
def LinearAttrs : EpilogueAttrs<(attrs)>;

def : Kernel<"matmul", "Matmul"> {
  let summary = "y = act(scale * (a @ b) + bias) + residual, batch dims "
                "broadcast like torch.matmul";
  let dtypes = F32OrBF16DTypes;
  let inputs = (ins Arg<"[..., M, K]">:$a,
                Arg<"[..., K, N]; a constant is packed once at load; bf16 "
                    "with an f32 a when constant">:$b,
                OptionalArg<"f32, broadcasts to y">:$bias,
                OptionalArg<"f32 or y's dtype, broadcasts to y">:$residual);
  let outputs = (outs Arg<"[batch..., M, N], f32 (or bf16 from bf16)">:$y);
  let attributes = MatmulAttrs;
}

def : Kernel<"linear", "Matmul"> {
  let summary = "y = act(scale * x weight^T + bias) + residual (nn.Linear)";
  let dtypes = F32OrBF16DTypes;
  let inputs = (ins Arg<"[..., in]">:$x,
                Arg<"[out, in]; a constant is packed once at load; bf16 "
                    "with an f32 x (--precision=bf16) when constant">:$weight,
                OptionalArg<"[out], f32">:$bias,
                OptionalArg<"f32 or y's dtype, broadcasts to y">:$residual);
  let outputs = (outs Arg<"[..., out]">:$y);
  let attributes = LinearAttrs;
}

//===----------------------------------------------------------------------===//
// Normalization.cpp
//===----------------------------------------------------------------------===//

def SoftmaxAttrs : KernelAttrs<(attrs
    RequiredInt<"the axis the rows run along (non-negative)">:$axis)>;

def : Kernel<"softmax", "Normalization"> {
  let summary = "max-subtracted softmax along axis; an all -inf row gives "
                "zeros";
  let inputs = (ins Arg<"">:$x);
  let outputs = (outs Arg<"x's shape">:$y);
  let attributes = SoftmaxAttrs;
  let inPlace = [0];
}

def : Kernel<"log_softmax", "Normalization"> {
  let summary = "x - max - log(sum(exp(x - max))) along axis";
  let inputs = (ins Arg<"">:$x);
  let outputs = (outs Arg<"x's shape">:$y);
  let attributes = SoftmaxAttrs;
  let inPlace = [0];
}

class NormAttrs<string eps> : KernelAttrs<(attrs
    Float<eps, "added to the variance (mean square)">:$eps,
    Flag<0, "normalise s = x + residual (a last input shaped like x)">
        :$has_residual,
    Flag<0, "also output s (needs has_residual)">:$emit_sum)>;

def LayerNormAttrs : NormAttrs<"1e-5">;
def RmsNormAttrs : NormAttrs<"1e-6">;

def : Kernel<"layer_norm", "Normalization"> {
  let summary = "(s - mean) / sqrt(var + eps) * weight + bias over the last "
                "dim (biased variance)";
  let inputs = (ins Arg<"[..., D]">:$x, Arg<"[D]">:$weight, Arg<"[D]">:$bias,
                OptionalArg<"x's shape (has_residual)">:$residual);
  let outputs = (outs Arg<"x's shape">:$y,
                 OptionalArg<"s = x + residual (emit_sum)">:$sum);
  let attributes = LayerNormAttrs;
  let inPlace = [0];
}

def : Kernel<"rms_norm", "Normalization"> {
  let summary = "s / sqrt(mean(s^2) + eps) * weight over the last dim";
  let inputs = (ins Arg<"[..., D]">:$x, Arg<"[D]">:$weight,
                OptionalArg<"x's shape (has_residual)">:$residual);
  let outputs = (outs Arg<"x's shape">:$y,
                 OptionalArg<"s = x + residual (emit_sum)">:$sum);
  let attributes = RmsNormAttrs;
  let inPlace = [0];
}

def BatchNormAttrs : KernelAttrs<(attrs
    Float<"1e-5", "added to the running variance">:$eps)>;

def : Kernel<"batch_norm", "Normalization"> {
  let summary = "inference batch norm over channel axis 1";
  let inputs = (ins Arg<"[N, C, ...]">:$x, Arg<"[C]">:$weight,
                Arg<"[C]">:$bias, Arg<"[C]">:$running_mean,
                Arg<"[C]">:$running_var);
  let outputs = (outs Arg<"x's shape">:$y);
  let attributes = BatchNormAttrs;
  let inPlace = [0];
}

//===----------------------------------------------------------------------===//
// Reduction.cpp
//===----------------------------------------------------------------------===//

def ReduceAttrs : KernelAttrs<(attrs
    RequiredInts<"the reduced axes (non-negative, distinct, possibly empty)">
        :$axes,
    Flag<0, "keep the reduced axes as extent 1">:$keepdim)>;

class ReduceKernel<string name, string what> : Kernel<name, "Reduction"> {
  let summary = what # " over axes";
  let dtypes = NumericDTypes;
  let inputs = (ins Arg<"">:$x);
  let outputs = (outs Arg<"x's dtype">:$y);
  let attributes = ReduceAttrs;
}

def : ReduceKernel<"reduce_sum", "sum">;
def : ReduceKernel<"reduce_mean", "mean">;
def : ReduceKernel<"reduce_max", "maximum">;
def : ReduceKernel<"reduce_min", "minimum">;

def TopKAttrs : KernelAttrs<(attrs
    RequiredInt<"how many (1 <= k <= the axis' extent)">:$k,
    RequiredInt<"the axis (non-negative)">:$axis)>;

def : Kernel<"top_k", "Reduction"> {
  let summary = "the k largest elements along axis, sorted descending (ties: "
                "lower index first; NaN is largest)";
  let dtypes = NumericDTypes;
  let inputs = (ins Arg<"">:$x);
  let outputs = (outs Arg<"x's dtype">:$values, Arg<"i64">:$indices);
  let attributes = TopKAttrs;
}

def CumsumAttrs : KernelAttrs<(attrs
    RequiredInt<"the axis the sums run along (non-negative)">:$axis)>;

def : Kernel<"cumsum", "Reduction"> {
  let summary = "cumulative sum along axis (torch.cumsum); f32 accumulates "
                "in double, integers wrap";
  let dtypes = NumericDTypes;
  let inputs = (ins Arg<"">:$x);
  let outputs = (outs Arg<"x's shape and dtype">:$y);
  let attributes = CumsumAttrs;
  let inPlace = [0];
}

//===----------------------------------------------------------------------===//
// DataMovement.cpp
//===----------------------------------------------------------------------===//

def AxisAttrs : KernelAttrs<(attrs
    RequiredInt<"the axis (non-negative)">:$axis)>;

class DataKernel<string name, string what> : Kernel<name, "DataMovement"> {
  let summary = what;
  let dtypes = AnyDTypes;
  let inputs = (ins Arg<"">:$x);
}

def : DataKernel<"copy", "y = x, same element count in any shape">;

def TransposeAttrs : KernelAttrs<(attrs
    RequiredInts<"y.shape[i] = x.shape[perm[i]]">:$perm)>;
def : DataKernel<"transpose", "permutation of dimensions"> {
  let attributes = TransposeAttrs;
}

def : DataKernel<"broadcast_to", "NumPy broadcasting of x to y's shape">;

def : DataKernel<"concat", "concatenation along axis"> {
  let inputs = (ins VariadicArg<"at least one, one dtype">:$inputs);
  let attributes = AxisAttrs;
}

def : DataKernel<"split", "pieces along axis, sized by the outputs"> {
  let outputs = (outs VariadicArg<"at least one">:$pieces);
  let attributes = AxisAttrs;
}

def SliceAttrs : KernelAttrs<(attrs
    RequiredInt<"the axis (non-negative)">:$axis,
    RequiredInt<"the first element taken (>= 0)">:$start,
    Int<1, "the stride (>= 1); y's extent says how many">:$step)>;
def : DataKernel<"slice", "x's elements start, start + step, ... along axis"> {
  let attributes = SliceAttrs;
}

def : DataKernel<"gather", "numpy.take along axis; negative indices count "
                           "from the end"> {
  let inputs = (ins Arg<"">:$x, Arg<"i64 or i32">:$indices);
  let attributes = AxisAttrs;
}

def : DataKernel<"scatter", "torch.Tensor.scatter without a reduction: x "
                            "with y[p with p[axis] = index[p]] = src[p] for "
                            "every position p of index; an index outside "
                            "[0, extent) fails the run"> {
  let inputs = (ins Arg<"">:$x, Arg<"i64, x's rank">:$index,
                Arg<"x's dtype and rank, index no larger">:$src);
  let outputs = (outs Arg<"x's shape and dtype">:$y);
  let attributes = AxisAttrs;
  let inPlace = [0];
}

def : DataKernel<"dynamic_update_slice",
                 "StableHLO's dynamic_update_slice: x with update written "
                 "at starts, each clamped to [0, x.dim - update.dim]; in "
                 "place on x, it writes only the update (a KV cache)"> {
  let inputs = (ins Arg<"">:$x, Arg<"x's dtype and rank, no larger">:$update,
                Arg<"i64 [rank], read at run time">:$starts);
  let outputs = (outs Arg<"x's shape and dtype">:$y);
  let inPlace = [0];
}

def : DataKernel<"embedding", "weight[ids]"> {
  let inputs = (ins Arg<"i64 or i32">:$ids, Arg<"[rows, dim]">:$weight);
  let outputs = (outs Arg<"[ids..., dim]">:$y);
}

def : DataKernel<"iota", "y[i0, ..., in] = i_axis"> {
  let dtypes = F32DTypes;
  let inputs = (ins);
  let outputs = (outs Arg<"i64, i32 or f32">:$y);
  let attributes = AxisAttrs;
}

def : DataKernel<"cast", "dtype conversion (float to integer truncates and "
                         "saturates, NaN gives 0; to i1: x != 0)">;

def TriangleAttrs : KernelAttrs<(attrs
    Int<0, "the diagonal: elements with col - row <= k (tril) or >= k "
           "(triu) stay">:$k)>;
def : DataKernel<"tril", "lower triangle of the last two dims"> {
  let attributes = TriangleAttrs;
}
def : DataKernel<"triu", "upper triangle of the last two dims"> {
  let attributes = TriangleAttrs;
}

def FillAttrs : KernelAttrs<(attrs
    RequiredFloat<"the value, converted to y's dtype">:$value)>;
def : DataKernel<"fill", "every element of y is value"> {
  let inputs = (ins);
  let attributes = FillAttrs;
}

//===----------------------------------------------------------------------===//
// Recurrent.cpp
//===----------------------------------------------------------------------===//

def RecurrentAttrs : KernelAttrs<(attrs
    RequiredInt<"H, the hidden size">:$hidden_size,
    Int<1, "L, stacked layers">:$num_layers,
    Flag<0, "two directions (D = 2), the reverse one second">:$bidirectional,
    Flag<1, "each (layer, direction) has bias_ih and bias_hh">:$has_bias)>;

def : Kernel<"lstm", "Recurrent"> {
  let summary = "torch.nn.LSTM(batch_first=True), gate order i, f, g, o";
  let inputs = (ins Arg<"[B, T, I]">:$x, Arg<"[L*D, B, H]">:$h0,
                Arg<"[L*D, B, H]">:$c0,
                VariadicArg<"per layer and direction: weight_ih [4H, in], "
                            "weight_hh [4H, H], bias_ih, bias_hh [4H]; then "
                            "optionally lengths, i64 [B] (a packed "
                            "sequence)">
                    :$weights);
  let outputs = (outs Arg<"[B, T, D*H]">:$sequence, Arg<"[L*D, B, H]">:$h_n,
                 Arg<"[L*D, B, H]">:$c_n);
  let attributes = RecurrentAttrs;
}

def : Kernel<"gru", "Recurrent"> {
  let summary = "torch.nn.GRU(batch_first=True), gate order r, z, n";
  let inputs = (ins Arg<"[B, T, I]">:$x, Arg<"[L*D, B, H]">:$h0,
                VariadicArg<"per layer and direction: weight_ih [3H, in], "
                            "weight_hh [3H, H], bias_ih, bias_hh [3H]; then "
                            "optionally lengths, i64 [B] (a packed "
                            "sequence)">
                    :$weights);
  let outputs = (outs Arg<"[B, T, D*H]">:$sequence, Arg<"[L*D, B, H]">:$h_n);
  let attributes = RecurrentAttrs;
}

//===----------------------------------------------------------------------===//
// Conv.cpp
//===----------------------------------------------------------------------===//

def Conv2dAttrs : KernelAttrs<(attrs
    Ints<"(height, width)", 2, "{1, 1}">:$stride,
    Ints<"zero padding on both sides, (height, width)", 2, "{0, 0}">:$padding,
    Ints<"PyTorch's dilation, 1 = dense", 2, "{1, 1}">:$dilation,
    Int<1, "groups; divides C and O">:$groups,
    OptionalFlag<"a bias input follows; default: 1 when there are 3 "
                 "inputs">:$has_bias)>;

def : Kernel<"conv2d", "Conv"> {
  let summary = "2-D convolution, NCHW";
  let inputs = (ins Arg<"[N, C, H, W]">:$x, Arg<"[O, C/groups, kh, kw]">:$weight,
                OptionalArg<"[O]">:$bias);
  let outputs = (outs Arg<"[N, O, OH, OW]">:$y);
  let attributes = Conv2dAttrs;
}

def PoolAttrs : KernelAttrs<(attrs
    RequiredInts<"the window, (height, width)", 2>:$kernel,
    OptionalInts<"(height, width); default: kernel", 2>:$stride,
    Ints<"on both sides, at most half the kernel", 2, "{0, 0}">:$padding)>;

def : Kernel<"max_pool2d", "Conv"> {
  let summary = "max pooling, NCHW; padding counts as -inf";
  let inputs = (ins Arg<"[N, C, H, W]">:$x);
  let outputs = (outs Arg<"[N, C, OH, OW]">:$y);
  let attributes = PoolAttrs;
}

def : Kernel<"avg_pool2d", "Conv"> {
  let summary = "average pooling, NCHW; padding counts as zero and in the "
                "divisor";
  let inputs = (ins Arg<"[N, C, H, W]">:$x);
  let outputs = (outs Arg<"[N, C, OH, OW]">:$y);
  let attributes = PoolAttrs;
}

def : Kernel<"global_avg_pool", "Conv"> {
  let summary = "the spatial mean, [N, C, H, W] -> [N, C, 1, 1]";
  let inputs = (ins Arg<"[N, C, H, W]">:$x);
  let outputs = (outs Arg<"[N, C, 1, 1]">:$y);
}

//===----------------------------------------------------------------------===//
// FlashAttention.cpp, AdditiveAttention.cpp
//===----------------------------------------------------------------------===//

def AttentionAttrs : KernelAttrs<(attrs
    RequiredFloat<"multiplies q k^T">:$scale,
    Enum<AttentionStructure, "none", "the keys each row sees">:$structure,
    OptionalInts<"(left, right); required with structure = window (negative "
                 "values allowed)", 2>:$window,
    OptionalInt<"query rows per task; with structure = blocks also the "
                "block map's query tile (required there); default: min(Lq, "
                "64), 256 for oneDNN's bf16 GEMMs">:$q_block,
    OptionalInt<"keys per K/V tile; with structure = blocks the block "
                "map's key tile (required there); default: the largest of "
                "512, 256, 128 whose working set fits in half the L2, else "
                "64">:$k_block,
    OptionalInts<"required with structure = blocks: for each query tile, a "
                 "count n and n key tile indices">:$block_visit,
    Float<"0.0", "when > 0 (at most 1), each row keeps its ceil(ratio * Lk) "
                 "largest scores">:$topk_ratio,
    OptionalFlag<"a mask input follows v; default: 1 with 4 or more "
                 "inputs">:$has_mask,
    OptionalFlag<"a gate input comes last; default: 1 when an input is left "
                 "after q, k, v and the mask">:$has_gate,
    Flag<0, "add the probs output">:$return_probs,
    Flag<0, "add the lse output">:$return_lse,
    Flag<0, "run bf16 q, k, v through f32 copies">:$bf16_via_f32,
    Flag<0, "f32: choose q_block and k_block for the actual Lq and Lk with "
            "attn-tile's cost model, as heedc does for a fixed size (a plan "
            "with bounded dimensions); q_block and k_block are then "
            "ignored">:$auto_tile,
    Flag<1, "0 forces oneDNN's GEMMs where the AVX-512 micro-kernels "
            "apply">:$microkernels,
    Enum<AttentionLayout, "bhld", "the layout of q, k, v, out and gate; "
         "blhd swaps L and H in each of their shapes">:$layout)>;

def : Kernel<"attention", "FlashAttention"> {
  let summary = "softmax(scale * q k^T + mask) v, FlashAttention-2 over the "
                "visited K/V tiles; grouped-query heads, gated epilogue";
  let dtypes = F32OrBF16DTypes;
  let inputs = (ins Arg<"[B, Hq, Lq, D]">:$q, Arg<"[B, Hkv, Lk, D]">:$k,
                Arg<"[B, Hkv, Lk, Dv]">:$v,
                OptionalArg<"f32 (added) or i1 (keeps where true), "
                            "broadcasts to [B, Hq, Lq, Lk]">:$mask,
                OptionalArg<"[B, Hq, Lq, Dv]: out *= sigmoid(gate)">:$gate);
  let outputs = (outs Arg<"[B, Hq, Lq, Dv]">:$out,
                 OptionalArg<"[B, Hq, Lq, Lk] (return_probs)">:$probs,
                 OptionalArg<"[B, Hq, Lq] f32 log-sum-exp (return_lse)">:$lse);
  let attributes = AttentionAttrs;
}

def AdditiveAttentionAttrs : KernelAttrs<(attrs
    OptionalFlag<"a bias input follows; default: 1 with 4 inputs">:$has_bias)>;

def : Kernel<"additive_attention", "AdditiveAttention"> {
  let summary = "Bahdanau attention of the seed's section 1: out = hidden + "
                "sum_t softmax_t(weight . [hidden; states_t] + bias) states_t";
  let inputs = (ins Arg<"[B, D]">:$hidden, Arg<"[B, T, D]">:$states,
                Arg<"[1, 2D]">:$weight, OptionalArg<"[1]">:$bias);
  let outputs = (outs Arg<"[B, D]">:$out, Arg<"[B, T]">:$alpha);
  let attributes = AdditiveAttentionAttrs;
}
