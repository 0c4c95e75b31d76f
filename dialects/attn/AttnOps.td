//===- AttnOps.td - Ops of the attn dialect ----------------*- tablegen -*-===//

#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "AttnAttrs.td"
include "AttnInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Attn_FloatTensor : RankedTensorOf<[F32, BF16, F16]>;
def Attn_MaskTensor : RankedTensorOf<[F32, BF16, F16, I1]>;

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Attn_AttentionOp : Attn_Op<"attention", [Attn_AttentionOpInterface]> {
  let summary = "scaled dot-product attention (multi-head, grouped-query)";
  let description = [{
    `softmax(scale * Q K^T + mask) V` per batch and head, with
    `query [B, Hq, Lq, D]`, `key [B, Hkv, Lk, D]`, `value [B, Hkv, Lk, Dv]`
    and `Hq` a multiple of `Hkv` (query head h reads key/value head
    `h / (Hq / Hkv)`). The optional `mask` broadcasts to `[B, Hq, Lq, Lk]`:
    a float mask is added to the scaled scores, an i1 mask keeps the
    positions where it is true. `structure` (`#attn.causal`,
    `#attn.window<l, r>`, `#attn.blocks<...>`) and `topk` (`#attn.topk<r>`)
    restrict the visible keys further. A query row that sees no key yields
    zeros. With `return_probs` the op also returns the attention
    probabilities `[B, Hq, Lq, Lk]`. `tile = array<i64: q_block, k_block>`
    (set by `attn-tile`) fixes the query rows per task and the keys per K/V
    tile; it does not change the result.

    ```mlir
    %o = attn.attention %q, %k, %v {scale = 0.125 : f64, structure = #attn.causal} : (tensor<1x8x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>) -> tensor<1x8x128x64xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$query, Attn_FloatTensor:$key,
                   Attn_FloatTensor:$value, Optional<Attn_MaskTensor>:$mask,
                   F64Attr:$scale, OptionalAttr<Attn_StructureAttr>:$structure,
                   OptionalAttr<Attn_TopKAttr>:$topk, UnitAttr:$return_probs,
                   OptionalAttr<DenseI64ArrayAttr>:$tile);
  let results = (outs Attn_FloatTensor:$output,
                      Optional<Attn_FloatTensor>:$probs);
}

def Attn_GatedAttentionOp
    : Attn_Op<"gated_attention", [Attn_AttentionOpInterface]> {
  let summary = "attention multiplied by a sigmoid gate";
  let description = [{
    `attn.attention(query, key, value, mask) * sigmoid(gate)`, with `gate`
    shaped like the output `[B, Hq, Lq, Dv]` and the attributes of
    `attn.attention`.

    ```mlir
    %o = attn.gated_attention %q, %k, %v, %g {scale = 0.125 : f64} : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$query, Attn_FloatTensor:$key,
                   Attn_FloatTensor:$value, Attn_FloatTensor:$gate,
                   Optional<Attn_MaskTensor>:$mask, F64Attr:$scale,
                   OptionalAttr<Attn_StructureAttr>:$structure,
                   OptionalAttr<Attn_TopKAttr>:$topk,
                   OptionalAttr<DenseI64ArrayAttr>:$tile);
  let results = (outs Attn_FloatTensor:$output);
}

def Attn_AdditiveAttentionOp : Attn_Op<"additive_attention"> {
  let summary = "additive (Bahdanau) attention of the seed's section 1";
  let description = [{
    `hidden [B, D]`, `states [B, T, D]`, `weight [1, 2D]`, optional
    `bias [1]` (PyTorch `nn.Linear(2 D, 1)`):
    `score_t = weight . [hidden; states_t] + bias`,
    `alpha = softmax_t(score)`, `output = hidden + sum_t alpha_t states_t`.
    Returns `output [B, D]` and `alpha [B, T]`.

    ```mlir
    %o, %a = attn.additive_attention %h, %s, %w, %b : (tensor<2x32xf32>, tensor<2x10x32xf32>, tensor<1x64xf32>, tensor<1xf32>) -> (tensor<2x32xf32>, tensor<2x10xf32>)
    ```
  }];
  let arguments = (ins Attn_FloatTensor:$hidden, Attn_FloatTensor:$states,
                   Attn_FloatTensor:$weight, Optional<Attn_FloatTensor>:$bias);
  let results = (outs Attn_FloatTensor:$output, Attn_FloatTensor:$alpha);
}

#endif // ATTN_OPS_TD
