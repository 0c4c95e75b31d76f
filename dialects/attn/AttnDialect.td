//===- AttnDialect.td - The attn dialect -------------------*- tablegen -*-===//

#ifndef ATTN_DIALECT_TD
#define ATTN_DIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::heed::attn";
  let summary = "Fused attention ops and their sparsity attributes";
  let description = [{
    `attn.attention` is scaled dot-product attention over `[B, H, L, D]`
    tensors with grouped-query heads, an optional mask tensor and optional
    structure (`#attn.causal`, `#attn.window<left, right>`, `#attn.blocks<...>`)
    and top-k sparsity (`#attn.topk<ratio>`). The structure attributes say
    which key tiles can be skipped; the passes derive them from masks written
    in the graph. `attn.additive_attention` is Bahdanau attention and
    `attn.gated_attention` multiplies the output by a sigmoid gate.
  }];
  let usePropertiesForAttributes = 0;
  let useDefaultAttributePrinterParser = 1;
}

#endif // ATTN_DIALECT_TD
