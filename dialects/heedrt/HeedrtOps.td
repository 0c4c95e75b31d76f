//===- HeedrtOps.td - Ops of the heedrt dialect ------------*- tablegen -*-===//

#ifndef HEEDRT_OPS_TD
#define HEEDRT_OPS_TD

include "HeedrtDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"

class Heedrt_Op<string mnemonic, list<Trait> traits = []>
    : Op<Heedrt_Dialect, mnemonic, traits>;

def Heedrt_Buffer : MemRefRankOf<[AnyType], [0, 1, 2, 3, 4, 5, 6, 7, 8]>;

def Heedrt_PlanOp : Heedrt_Op<"plan", [Symbol, IsolatedFromAbove, NoTerminator,
                                      SingleBlock, NoRegionArguments]> {
  let summary = "an execution plan: buffers, ports and kernel nodes";
  let description = [{
    One compiled model. `arena_bytes` is set by `heedrt-plan-memory`: the
    size of the arena that holds every `heedrt.buffer`. Ops in the body run
    in order; data dependencies between kernel nodes follow from the arena
    bytes they read and write.

    ```mlir
    heedrt.plan @add_one attributes {arena_bytes = 128 : i64} {
      %x = heedrt.buffer offset 0 : memref<4xf32>
      heedrt.input "x", %x : memref<4xf32>
      %one = heedrt.constant dense<1.0> : memref<f32>
      %y = heedrt.buffer offset 64 : memref<4xf32>
      heedrt.kernel "add" ins(%x, %one : memref<4xf32>, memref<f32>) outs(%y : memref<4xf32>)
      heedrt.output "y", %y : memref<4xf32>
    }
    ```

    `bounded_dims` names the dimensions known only at run time (`heedc
    --dim L=1..512`), each with its range `[lo, hi]`; a dimension's index is
    its position in the dictionary (sorted by name). The plan is written with
    every one at `hi`, and `bounded` on buffers and views, `bounded_params`
    on kernels say which extents and attribute values follow one.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                   OptionalAttr<I64Attr>:$arena_bytes,
                   OptionalAttr<DictionaryAttr>:$bounded_dims);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::llvm::StringRef":$name)>];
}

def Heedrt_BufferOp : Heedrt_Op<"buffer", [HasParent<"PlanOp">]> {
  let summary = "a buffer in the arena";
  let description = [{
    A row-major buffer `offset` bytes into the arena (a multiple of 64).
    Buffers whose lifetimes do not overlap may share bytes; without an
    offset the buffer is not planned yet (`heedrt-plan-memory` assigns one).

    ```mlir
    %b = heedrt.buffer offset 4096 : memref<8x64xf32>
    ```

    `bounded`, in a plan with `bounded_dims`, lists triples (axis,
    dimension index, coefficient): at a run where that dimension has value
    `v`, the axis has extent `extent + coefficient * (v - hi)`.
  }];
  let arguments = (ins OptionalAttr<I64Attr>:$offset,
                   OptionalAttr<DenseI64ArrayAttr>:$bounded);
  let results = (outs Heedrt_Buffer:$result);
  let assemblyFormat = "(`offset` $offset^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Heedrt_WeightOp : Heedrt_Op<"weight", [HasParent<"PlanOp">, Pure]> {
  let summary = "a named model parameter (read-only)";
  let description = [{
    The parameter `name` (PyTorch `state_dict` naming). `heedrt-to-llvm`
    embeds its data in the binary as aligned read-only data, or, with
    external weights, looks it up by name in the weights file when the model
    loads.

    ```mlir
    %w = heedrt.weight "encoder.q_proj.weight" : memref<64x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Heedrt_Buffer:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Heedrt_ConstantOp : Heedrt_Op<"constant", [HasParent<"PlanOp">, Pure]> {
  let summary = "literal read-only data";
  let description = [{
    A literal tensor embedded in the binary.

    ```mlir
    %c = heedrt.constant dense<0.125> : memref<f32>
    ```

    `bounded` is as on `heedrt.buffer`: at a smaller size the constant is
    the leading elements of `value` (a table of positions sliced to the
    sequence length, say).
  }];
  let arguments = (ins ElementsAttr:$value,
                   OptionalAttr<DenseI64ArrayAttr>:$bounded);
  let results = (outs Heedrt_Buffer:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Heedrt_ViewOp : Heedrt_Op<"view", [HasParent<"PlanOp">, Pure]> {
  let summary = "the same bytes with another shape";
  let description = [{
    A reshape that costs nothing: the result reads and writes the bytes of
    `source` (same element type and count, row-major).

    ```mlir
    %v = heedrt.view %b : memref<8x64xf32> to memref<512xf32>
    ```

    `bounded` is as on `heedrt.buffer`.
  }];
  let arguments = (ins Heedrt_Buffer:$source,
                   OptionalAttr<DenseI64ArrayAttr>:$bounded);
  let results = (outs Heedrt_Buffer:$result);
  let assemblyFormat =
      "$source attr-dict `:` type($source) `to` type($result)";
  let hasVerifier = 1;
}

class Heedrt_PortOp<string mnemonic, string role, dag extraArgs = (ins)>
    : Heedrt_Op<mnemonic, [HasParent<"PlanOp">]> {
  let summary = "marks an arena buffer as the model's next " # role;
  let description = [{
    The runtime copies a model's inputs into their buffers before a run and
    copies its outputs out of theirs after it. Ports are numbered in program
    order. An integer input may carry `random_bound`: `--random-inputs`
    draws its elements from [0, random_bound) (the rows of the embedding it
    indexes, say).

    ```mlir
    heedrt.}] # mnemonic # [{ "x", %b : memref<1x8x64xf32>
    ```
  }];
  let arguments = !con((ins StrAttr:$name, Heedrt_Buffer:$buffer), extraArgs);
  let assemblyFormat = "$name `,` $buffer attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Heedrt_InputOp : Heedrt_PortOp<"input", "input",
                                   (ins OptionalAttr<I64Attr>:$random_bound)>;
def Heedrt_OutputOp : Heedrt_PortOp<"output", "output">;

class Heedrt_StateOp<string mnemonic, string summaryText, string descriptionText>
    : Heedrt_Op<mnemonic, [HasParent<"PlanOp">]> {
  let summary = summaryText;
  let description = descriptionText # [{

    A state (`state NAME: TYPE` in a .heed graph) is kept by the runtime
    between runs and is zeros when the model is loaded or reset. The caller
    neither feeds it nor receives it: it is not an input or an output. Its
    read buffer is live from the start of the plan; when the kernel that
    computes the next value may run in place on it (a
    `dynamic_update_slice` of a KV cache), the memory planner lets it, the
    write buffer is then the read buffer, and nothing is copied; otherwise
    the runtime copies the write buffer into the read buffer after the run.

    ```mlir
    heedrt.state_read "cache", %c : memref<1x4x64x16xf32>
    heedrt.state_write "cache", %n : memref<1x4x64x16xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Heedrt_Buffer:$buffer);
  let assemblyFormat = "$name `,` $buffer attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def Heedrt_StateReadOp : Heedrt_StateOp<"state_read",
    "marks an arena buffer as holding a state's value at the start of a run",
    [{Names the buffer the runtime keeps state `name` in between runs.}]>;
def Heedrt_StateWriteOp : Heedrt_StateOp<"state_write",
    "marks an arena buffer as holding a state's value for the next run",
    [{Names the buffer that holds state `name`'s next value at the end of a
    run; there is at most one per state, and a state without one keeps its
    value.}]>;

def Heedrt_KernelOp : Heedrt_Op<"kernel", [HasParent<"PlanOp">,
                                          AttrSizedOperandSegments]> {
  let summary = "one call of a runtime kernel";
  let description = [{
    Runs the libheedrt kernel `kernel` (docs/runtime.md lists them with their
    inputs, outputs and attributes) reading `ins` and writing `outs`, which
    must be arena buffers or views of them. `params` are the kernel's
    attributes: integers (i64), floats (f64) or integer lists.

    ```mlir
    heedrt.kernel "softmax" ins(%s : memref<8x8xf32>) outs(%p : memref<8x8xf32>) params {axis = 1 : i64}
    ```

    `bounded_params`, in a plan with `bounded_dims`, maps integer params to
    triples (element index, dimension index, coefficient): the element is
    `value + coefficient * (v - hi)` at a run where the dimension is `v`.

    `attention_map` names the attention whose probabilities the kernel
    computes (an `attention`, `additive_attention` or `softmax` kernel): a
    run that captures attention maps (`--dump-attention`) keeps them under
    that name. Names are unique within a plan. `attention_map_one_query`
    (a softmax only) says that each row of the softmax is one query's
    probabilities (additive attention written out), so that its map is
    [N, 1, 1, T].
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<Heedrt_Buffer>:$ins,
                   Variadic<Heedrt_Buffer>:$outs,
                   OptionalAttr<DictionaryAttr>:$params,
                   OptionalAttr<DictionaryAttr>:$bounded_params,
                   OptionalAttr<StrAttr>:$attention_map,
                   UnitAttr:$attention_map_one_query);
  let assemblyFormat = [{
    $kernel (`ins` `(` $ins^ `:` type($ins) `)`)?
    `outs` `(` $outs `:` type($outs) `)` (`params` $params^)? attr-dict
  }];
  let hasVerifier = 1;
}

#endif // HEEDRT_OPS_TD
