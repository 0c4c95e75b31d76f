//===- AttnAttrs.td - Sparsity attributes of the attn dialect -*- tablegen -*-===//

#ifndef ATTN_ATTRS_TD
#define ATTN_ATTRS_TD

include "AttnDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Attn_CausalAttr : Attn_Attr<"Causal", "causal"> {
  let summary = "query i sees keys j <= i (bottom-right aligned)";
  let description = [{
    With `Lq != Lk` the diagonal is aligned bottom-right: query row i sits at
    key position `i + Lk - Lq`, as in decoding with a key/value cache.
  }];
}

def Attn_WindowAttr : Attn_Attr<"Window", "window"> {
  let summary = "sliding window: keys within [p - left, p + right]";
  let description = [{
    Query position p (bottom-right aligned as for `#attn.causal`) sees keys
    `p - left <= j <= p + right`. `#attn.window<512, 0>` is a causal window
    of 513 keys.
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right);
  let assemblyFormat = "`<` $left `,` $right `>`";
  let genVerifyDecl = 1;
}

def Attn_BlocksAttr : Attn_Attr<"Blocks", "blocks"> {
  let summary = "explicit block map: the key tiles each query tile visits";
  let description = [{
    Query tile t (rows `[t * q_block, (t + 1) * q_block)`) attends exactly to
    the key tiles listed in `visit[t]`; tiles not listed are never touched.

    ```mlir
    #attn.blocks<q_block = 64, k_block = 64, visit = [array<i64: 0>, array<i64: 0, 1>]>
    ```
  }];
  let parameters = (ins "int64_t":$q_block, "int64_t":$k_block,
                        "::mlir::ArrayAttr":$visit);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Attn_TopKAttr : Attn_Attr<"TopK", "topk"> {
  let summary = "keep the ceil(ratio * Lk) largest scores of each row";
  let description = [{
    Top-k sparse attention (the seed's section 7): after scaling and
    masking, each query row keeps its `ceil(ratio * Lk)` largest scores
    (ties: lower key index first) and masks the rest. `0 < ratio <= 1`.
  }];
  let parameters = (ins APFloatParameter<"">:$ratio);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Attn_StructureAttr
    : AnyAttrOf<[Attn_CausalAttr, Attn_WindowAttr, Attn_BlocksAttr],
                "#attn.causal, #attn.window or #attn.blocks">;

#endif // ATTN_ATTRS_TD
