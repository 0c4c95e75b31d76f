//===- AttnInterfaces.td - Op interfaces of the attn dialect -*- tablegen -*-===//

#ifndef ATTN_INTERFACES_TD
#define ATTN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Attn_AttentionOpInterface : OpInterface<"AttentionOpInterface"> {
  let cppNamespace = "::heed::attn";
  let description = [{
    Scaled dot-product attention over `[B, H, L, D]` operands, whatever the
    op adds to it (a gate, say): what attn-sparsify, attn-tile, the lowering
    to the attention kernel, the reference interpreter and the FLOP counter
    need to know, read one way. `getSparsity` is the one decoding of the
    `structure` attribute (causal, window, block map) into the
    `heed::AttentionSparsity` that the runtime's kernel decodes too.
  }];
  let methods = [
    InterfaceMethod<"The queries [B, Hq, Lq, D].", "::mlir::Value",
                    "getQuery">,
    InterfaceMethod<"The keys [B, Hkv, Lk, D].", "::mlir::Value", "getKey">,
    InterfaceMethod<"The values [B, Hkv, Lk, Dv].", "::mlir::Value",
                    "getValue">,
    InterfaceMethod<"The explicit mask (broadcasts to [B, Hq, Lq, Lk]), or "
                    "null.", "::mlir::Value", "getMask">,
    InterfaceMethod<"Removes the explicit mask (attn-sparsify, once the "
                    "structure says what it said).", "void", "dropMask",
                    (ins), [{ $_op.getMaskMutable().clear(); }]>,
    InterfaceMethod<"The gate [B, Hq, Lq, Dv] whose sigmoid multiplies the "
                    "output, or null.", "::mlir::Value", "getGate", (ins),
                    [{}], [{ return nullptr; }]>,
    InterfaceMethod<"The factor of Q K^T.", "double", "getScaleFactor", (ins),
                    [{ return $_op.getScale().convertToDouble(); }]>,
    InterfaceMethod<"The structure attribute (#attn.causal, #attn.window, "
                    "#attn.blocks), or null.", "::mlir::Attribute",
                    "getStructureAttr">,
    InterfaceMethod<"Sets (or, with null, removes) the structure attribute.",
                    "void", "setStructure", (ins "::mlir::Attribute":$value),
                    [{
                      if (value)
                        $_op->setAttr("structure", value);
                      else
                        $_op->removeAttr("structure");
                    }]>,
    InterfaceMethod<"Which keys each query row sees besides the mask and "
                    "top-k: the structure attribute decoded.",
                    "::heed::AttentionSparsity", "getSparsity", (ins),
                    [{ return sparsityOf($_op.getStructureAttr()); }]>,
    InterfaceMethod<"The top-k ratio, when the op keeps only the "
                    "ceil(ratio * Lk) largest scores of each row.",
                    "std::optional<double>", "getTopkRatio", (ins), [{
                      if (auto topk = $_op.getTopkAttr())
                        return topk.getRatio().convertToDouble();
                      return std::nullopt;
                    }]>,
    InterfaceMethod<"The tile [q_block, k_block] attn-tile chose, or null.",
                    "::mlir::DenseI64ArrayAttr", "getTileAttr">,
    InterfaceMethod<"Sets the tile.", "void", "setTileAttr",
                    (ins "::mlir::DenseI64ArrayAttr":$tile)>,
    InterfaceMethod<"The probabilities [B, Hq, Lq, Lk] the op also returns, "
                    "or null.", "::mlir::Value", "getProbs", (ins), [{}],
                    [{ return nullptr; }]>,
    InterfaceMethod<"The output [B, Hq, Lq, Dv].", "::mlir::Value",
                    "getOutput">,
  ];
}

#endif // ATTN_INTERFACES_TD
