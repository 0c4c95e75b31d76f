//===- Passes.td - Heed's passes ---------------------------*- tablegen -*-===//
//
// Every Heed pass, by the IR level it works on (and the folder of passes/
// that holds it):
//   tensor/      heed and attn ops on tensors: heed-canonicalize, attn-fuse,
//                attn-sparsify, attn-tile (the -O2 passes)
//   conversion/  heed-to-heedrt (tensors to a plan), heedrt-to-llvm
//   plan/        heedrt plans: heedrt-fuse-post-ops and
//                heedrt-attention-layout (-O2), heedrt-bf16,
//                heedrt-plan-memory
//
//===----------------------------------------------------------------------===//

#ifndef HEED_PASSES_TD
#define HEED_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Tensor level (passes/tensor/)
//===----------------------------------------------------------------------===//

def HeedCanonicalize : Pass<"heed-canonicalize", "mlir::func::FuncOp"> {
  let summary = "Give a heed graph the canonical form the other passes match";
  let description = [{
    Rewrite patterns, each exact (the folded graph computes the same
    values): reshapes, transposes and broadcasts that change nothing, `x *
    1` and `x / 1` become their input; chains of reshapes or of transposes
    become one; moves of a splat constant, unary ops of a float splat (by
    the op's own definition) and add/sub/mul/div of two float splats become
    splat constants. Ops that were dead before stay (what a model reads does
    not depend on -O); ops the rewrites leave dead are erased. The first
    pass of -O2.

    Before:
    ```mlir
    %r = heed.reshape %x {shape = array<i64: 2, 8>} : (tensor<16xf32>) -> tensor<2x8xf32>
    %s = heed.reshape %r {shape = array<i64: 4, 4>} : (tensor<2x8xf32>) -> tensor<4x4xf32>
    %c = heed.constant dense<8.0> : tensor<f32>
    %q = heed.rsqrt %c : (tensor<f32>) -> tensor<f32>
    ```
    After:
    ```mlir
    %s = heed.reshape %x {shape = array<i64: 4, 4>} : (tensor<16xf32>) -> tensor<4x4xf32>
    %q = heed.constant dense<0.353553385> : tensor<f32>
    ```
  }];
}

def AttnFuse : Pass<"attn-fuse", "mlir::func::FuncOp"> {
  let summary = "Fuse spelled-out attention into attn.attention";
  let description = [{
    Rewrites `matmul(softmax(mask(scale * matmul(Q, K^T))), V)` into one
    `attn.attention`, whatever form the chain has: the scale multiplying or
    dividing the scores or folded into Q or K (several factors multiply),
    the mask a `where` with -inf or a large negative number (either branch)
    or an additive tensor, a NaN guard `where(ne(p, p), 0, p)` after the
    softmax, K^T any transpose (the fused op reads K through the inverse
    permutation, without a copy when K^T was a transpose), Q, K, V of rank 2
    to 4 (reshaped to `[B, H, L, D]`), K/V repeated to the query heads
    (grouped-query attention, read without the copy). When the probabilities
    are used elsewhere (returned, say) the fused op returns them
    (`return_probs`). A softmax written out, `exp(x - max) / sum` (or
    `exp(x) / sum`) with the reductions along one axis keeping it, is
    `heed.softmax` first, so such chains fuse as well; it also fuses where
    no attention follows. `attention * sigmoid(gate)` then becomes
    `attn.gated_attention`, and the seed's additive attention written out
    (concat of the broadcast query and the states, a linear to one score,
    softmax, weighted sum plus the query) `attn.additive_attention`.

    Four rewrite patterns under the greedy driver (the softmax, the chain,
    the gate, the additive form). A softmax feeding a matmul that is not fused says why
    (notifyMatchFailure), a remark naming the reason when `remarks` is set
    (`heedc --remarks=attn-fuse`).

    Before:
    ```mlir
    %kt = heed.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x8x128x64xf32>) -> tensor<1x8x64x128xf32>
    %s = heed.matmul %q, %kt : (tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32>) -> tensor<1x8x128x128xf32>
    %c = heed.constant dense<1.250000e-01> : tensor<f32>
    %t = heed.mul %s, %c : (tensor<1x8x128x128xf32>, tensor<f32>) -> tensor<1x8x128x128xf32>
    %p = heed.softmax %t {axis = 3 : i64} : (tensor<1x8x128x128xf32>) -> tensor<1x8x128x128xf32>
    %o = heed.matmul %p, %v : (tensor<1x8x128x128xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x128x64xf32>
    ```
    After:
    ```mlir
    %o = attn.attention %q, %k, %v {scale = 1.250000e-01 : f64} : (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x128x64xf32>
    ```
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Explain every near match that is not fused">,
    Option<"reportFused", "report-fused", "bool", /*default=*/"false",
           "Say, as a remark at each fused op, what it became "
           "(`heedc --remarks=fused`)">,
  ];
  let dependentDialects = ["heed::attn::AttnDialect"];
}

def AttnSparsify : Pass<"attn-sparsify", "mlir::func::FuncOp"> {
  let summary = "Turn masks built in the graph into skipped tiles";
  let description = [{
    Reads the mask operand of `attn.attention` and `attn.gated_attention`
    symbolically, as linear inequalities in the query row i and key column
    j (iota over the last two axes, integer constants, add/sub, compares,
    and/not, tril/triu of ones, casts, leading-dim reshapes and broadcasts,
    and `where(P, 0, -inf)` additive masks), without materialising it. When
    every row sees exactly a band around the (bottom-right aligned) diagonal
    the mask is replaced by `#attn.causal` or `#attn.window<left, right>`,
    so the kernel never reads K/V tiles outside the band; a mask that is
    always true is dropped. A constant i1 mask of another pattern becomes a
    block map (`#attn.blocks`, 64 x 64 tiles) and stays for the visited
    tiles. With `remarks` (`heedc --remarks=attn-sparsify`)
    a mask computed in the graph that stays dense says why, and a mask
    computed from the model's inputs says it is data and names the input
    or parameter (key-padding masks excepted: see `report-fused`). With
    `report-fused`
    (`heedc --remarks=fused`) each attention op says the structure its mask
    became, and where a mask stays that depends only on batch and key (a
    key-padding mask, [B, 1, 1, Lk]; no probs or top-k), that the kernel
    applies it per key and skips the key tiles it hides.

    Before:
    ```mlir
    %r = heed.iota {axis = 0 : i64, dtype = i64, shape = array<i64: 128, 128>} : () -> tensor<128x128xi64>
    %c = heed.iota {axis = 1 : i64, dtype = i64, shape = array<i64: 128, 128>} : () -> tensor<128x128xi64>
    %m = heed.ge %r, %c : (tensor<128x128xi64>, tensor<128x128xi64>) -> tensor<128x128xi1>
    %o = attn.attention %q, %k, %v, %m {scale = 1.250000e-01 : f64} : (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<128x128xi1>) -> tensor<1x8x128x64xf32>
    ```
    After:
    ```mlir
    %o = attn.attention %q, %k, %v {scale = 1.250000e-01 : f64, structure = #attn.causal} : (tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>) -> tensor<1x8x128x64xf32>
    ```
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Explain every mask computed in the graph that stays dense">,
    Option<"reportFused", "report-fused", "bool", /*default=*/"false",
           "Say, as a remark at each attention op, the structure its mask "
           "became, or that it is a key-padding mask the kernel applies per "
           "key (`heedc --remarks=fused`)">,
  ];
}

def AttnTile : Pass<"attn-tile", "mlir::func::FuncOp"> {
  let summary = "Choose the tiles of fused attention with a cost model";
  let description = [{
    Sets `tile = array<i64: q_block, k_block>` on every f32 `attn.attention`
    and `attn.gated_attention` without a block map: the candidate (q_block
    in 16..256, k_block in 64..1024) with the lowest estimated time
    `visited tiles * tile-ns + computed score elements * 2 * (D + Dv) *
    element-ns-per-flop`, among those whose f32 working set fits in half the
    L2 and that give every core of the target two tasks. Visited tiles and
    elements follow the kernel's trimming under causal and window structure.
    The target is the host (L2 size from sysconf, its cores) unless the
    options say otherwise; the run-time thread count never changes the grid.
    `q-block` and `k-block` force a tile. docs/passes.md has the
    measurements behind the constants.

    ```mlir
    %o = attn.attention %q, %k, %v {scale = 1.250000e-01 : f64, tile = array<i64: 64, 512>} : (tensor<1x8x2048x64xf32>, tensor<1x8x2048x64xf32>, tensor<1x8x2048x64xf32>) -> tensor<1x8x2048x64xf32>
    ```
  }];
  let options = [
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"0",
           "L2 cache per core (0: the host's)">,
    Option<"cores", "cores", "int64_t", /*default=*/"0",
           "Cores of the target (0: the host's)">,
    Option<"tileNs", "tile-ns", "double", /*default=*/"3600.0",
           "Fixed cost of one visited tile (two GEMM calls), in ns">,
    Option<"elementNsPerFlop", "element-ns-per-flop", "double",
           /*default=*/"0.0116",
           "Cost of one flop of the tile GEMMs, in ns (86 GFLOP/s)">,
    Option<"qBlock", "q-block", "int64_t", /*default=*/"0",
           "Force this q_block (with k-block)">,
    Option<"kBlock", "k-block", "int64_t", /*default=*/"0",
           "Force this k_block (with q-block)">,
  ];
}

//===----------------------------------------------------------------------===//
// Conversions (passes/conversion/)
//===----------------------------------------------------------------------===//

def HeedToHeedrt : Pass<"heed-to-heedrt", "mlir::ModuleOp"> {
  let summary = "Lower the entry graph to a heedrt plan of runtime kernels";
  let description = [{
    Replaces the module's entry `func.func` (the one marked `heed.entry`, or
    the only one) by a `heedrt.plan` of the same name: one arena
    `heedrt.buffer` per tensor (no offsets yet; `heedrt-plan-memory` assigns
    them), `heedrt.weight` per parameter, `heedrt.constant` per literal
    (large splats become a `fill` kernel instead of embedded data),
    `heedrt.view` per reshape (no copy), and one `heedrt.kernel` per op.
    Ops whose kernel computes only in f32 get their bf16/f16 operands cast to
    f32 and their results cast back, as the reference interpreter rounds.
    An op that no kernel implements is an error at its source location;
    nothing is dropped silently. The kernel that computes each attention's
    probabilities (an attn op's, or a softmax a matmul multiplies values
    with) gets `attention_map`, the attention's source name, unique in the
    plan, which `--dump-attention` files it under (docs/attention-maps.md).

    Before:
    ```mlir
    func.func @m(%x: tensor<4xf32> {heed.name = "x"}) -> (tensor<4xf32> {heed.name = "y"}) attributes {heed.entry} {
      %y = heed.relu %x : (tensor<4xf32>) -> tensor<4xf32>
      return %y : tensor<4xf32>
    }
    ```
    After:
    ```mlir
    heedrt.plan @m {
      %0 = heedrt.buffer : memref<4xf32>
      heedrt.input "x", %0 : memref<4xf32>
      %1 = heedrt.buffer : memref<4xf32>
      heedrt.kernel "relu" ins(%0 : memref<4xf32>) outs(%1 : memref<4xf32>)
      heedrt.output "y", %1 : memref<4xf32>
    }
    ```
  }];
  let dependentDialects = ["heed::heedrt::HeedrtDialect"];
}

def HeedrtToLLVM : Pass<"heedrt-to-llvm", "mlir::ModuleOp"> {
  let summary = "Turn each planned heedrt.plan into code that builds and runs it";
  let description = [{
    For a plan `@m` emits, in the LLVM dialect:
    - `void m_build(heed_plan *, heed_weights *)`: straight-line calls of the
      C API (runtime/include/heed/runtime.h, compiled.h) that add every
      buffer, constant, weight, port and node with its attributes. Buffer
      and node ids are the order of the calls.
    - `heed_model *m_load(void)`, `heed_status m_run(heed_model *, const
      void *const *inputs, void *const *outputs)`, `void m_free(heed_model *)`:
      the C API of a compiled model (declared in the generated header).
    - with `main`, `int main(int, char **)` calling `heed_cli_main`.
    Weights are global byte arrays `m_weight_N` (64-byte aligned, read-only)
    whose data the driver fills in after translation to LLVM IR, or, with
    `weights=external`, looked up by name in a weights table at load time
    (`weights-file` is the default file).
  }];
  let options = [
    Option<"externalWeights", "external-weights", "bool", /*default=*/"false",
           "Look weights up by name at load time instead of embedding them">,
    Option<"weightsFile", "weights-file", "std::string", /*default=*/"",
           "The safetensors file external weights are read from by default">,
    Option<"emitMain", "main", "bool", /*default=*/"false",
           "Emit a main() that runs the model's command-line interface">,
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

//===----------------------------------------------------------------------===//
// Plan level (passes/plan/)
//===----------------------------------------------------------------------===//

def HeedrtFusePostOps : Pass<"heedrt-fuse-post-ops", "heed::heedrt::PlanOp"> {
  let summary = "Fold epilogues into matmul post-ops and residual adds into norms";
  let description = [{
    On a heedrt plan before its memory is planned: an activation (relu,
    gelu, tanh, sigmoid, silu) reading only a matmul/linear output becomes
    the kernel's `activation`; a following `add` of another tensor becomes
    its residual (`has_residual`), applied by oneDNN while the tile is hot;
    an `add` feeding a `layer_norm`/`rms_norm` becomes the norm's residual
    (`has_residual`, with `emit_sum` when the sum is also used, as in
    pre-norm Transformers). Runs at -O2.

    It works on the plan rather than on tensors because post-ops are
    properties of the runtime kernels (oneDNN attributes), not of the
    model's math.

    Before:
    ```mlir
    heedrt.kernel "linear" ins(%x, %w, %b : ...) outs(%h : memref<8x64xf32>) params {has_bias = 1 : i64}
    heedrt.kernel "gelu" ins(%h : memref<8x64xf32>) outs(%g : memref<8x64xf32>)
    ```
    After:
    ```mlir
    heedrt.kernel "linear" ins(%x, %w, %b : ...) outs(%g : memref<8x64xf32>) params {activation = 2 : i64, has_bias = 1 : i64}
    ```
  }];
}

def HeedrtAttentionLayout : Pass<"heedrt-attention-layout", "heed::heedrt::PlanOp"> {
  let summary = "Let attention read and write [B, L, H, D] in place of the "
                "head transposes";
  let description = [{
    On a heedrt plan before its memory is planned: an `attention` kernel
    (layout 0, [B, H, L, D]) whose q, k and v (and gate, when it has one)
    are each written by a `transpose` with perm (0, 2, 1, 3) that nothing
    else reads, and whose output is read only by such a transpose, reads
    the transposes' [B, L, H, D] inputs (in a Transformer, views of the
    projections' outputs) and writes the output transpose's destination
    directly, with `layout = 1`; the transposes and their buffers go. All or
    nothing per kernel; nothing changes where a transposed value is read
    elsewhere, another permutation is used, or a transpose's source is
    overwritten before the attention runs. Runs at -O2, after
    heedrt-fuse-post-ops and before heedrt-bf16.

    Before:
    ```mlir
    %qt = heedrt.buffer : memref<1x12x16x64xf32>
    heedrt.kernel "transpose" ins(%q : memref<1x16x12x64xf32>) outs(%qt : memref<1x12x16x64xf32>) params {perm = array<i64: 0, 2, 1, 3>}
    ... (k, v alike)
    heedrt.kernel "attention" ins(%qt, %kt, %vt : ...) outs(%o : memref<1x12x16x64xf32>) params {scale = 1.250000e-01 : f64}
    heedrt.kernel "transpose" ins(%o : memref<1x12x16x64xf32>) outs(%ot : memref<1x16x12x64xf32>) params {perm = array<i64: 0, 2, 1, 3>}
    ```
    After:
    ```mlir
    heedrt.kernel "attention" ins(%q, %k, %v : ...) outs(%ot : memref<1x16x12x64xf32>) params {layout = 1 : i64, scale = 1.250000e-01 : f64}
    ```
  }];
}

def HeedrtBf16 : Pass<"heedrt-bf16", "heed::heedrt::PlanOp"> {
  let summary = "Run GEMMs and attention in bf16 (heedc --precision=bf16)";
  let description = [{
    On a heedrt plan before its memory is planned:
    - a weight read only as the weight of `linear` kernels (input 1) or as
      the `b` of `matmul` kernels becomes bf16: the weights are stored and
      loaded in bf16 (rounded to nearest even from the f32 file), and the
      kernel multiplies its f32 activations with them in bf16 with f32
      accumulation (runtime/kernels/cpu/Matmul.cpp);
    - the f32 q, k and v of an `attention` kernel are cast to bf16 before
      it (its output stays f32). Where such a value is a `transpose` (and
      view) of a `linear`/`matmul` output read by nothing else, the cast
      moves up the chain instead: the linear writes bf16 directly and the
      head split moves half the bytes.
    Softmax, normalisation, residual sums, activations between kernels,
    inputs and outputs stay f32.

    Before:
    ```mlir
    %w = heedrt.weight "fc.weight" : memref<64x32xf32>
    heedrt.kernel "linear" ins(%x, %w : memref<8x32xf32>, memref<64x32xf32>) outs(%y : memref<8x64xf32>)
    ```
    After:
    ```mlir
    %w = heedrt.weight "fc.weight" : memref<64x32xbf16>
    heedrt.kernel "linear" ins(%x, %w : memref<8x32xf32>, memref<64x32xbf16>) outs(%y : memref<8x64xf32>)
    ```
  }];
}

def HeedrtPlanMemory : Pass<"heedrt-plan-memory", "heed::heedrt::PlanOp"> {
  let summary = "Give every arena buffer an offset from liveness";
  let description = [{
    Computes each arena buffer's live interval (from its first to its last
    use, through views, in program order; inputs are live from the start and
    outputs to the end), lets an output reuse the bytes of an input that dies
    at the kernel writing it when the kernel allows it (`in-place`, see
    runtime/kernels/Kernels.td), then places buffers largest first at
    the lowest 64-byte-aligned offset that overlaps no buffer live at the
    same time. Sets the plan's `arena_bytes`.
  }];
  let options = [
    Option<"inPlace", "in-place", "bool", /*default=*/"true",
           "Let outputs overwrite inputs that die at their kernel">,
  ];
}

#endif // HEED_PASSES_TD
