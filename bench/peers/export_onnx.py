#!/usr/bin/env python3
"""Exports bench/bert_base.heed and bench/gpt2_small.heed to ONNX with the
weights heed-run saved, as graphs that compute exactly what the .heed files
compute (docs/language.md gives the ops' semantics):

- `linear[P](x, out)`: x . P.weight^T + P.bias (MatMul with the transposed
  weight as an initializer, then Add);
- `layer_norm(x, eps)`: LayerNormalization over the last axis (BERT eps
  1e-12, GPT-2 the default 1e-5);
- `gelu`: the exact erf GELU, written out as x * 0.5 * (1 + erf(x / sqrt 2))
  (the pattern ONNX Runtime and OpenVINO fuse into their GELU kernels);
- `split_heads`/`merge_heads`: Reshape + Transpose;
- `where(keep, scores, -inf)` then `softmax`: Where with a -inf constant,
  Softmax over the last axis (the padding mask for BERT, the causal
  `le(col, row)` mask as a constant lower-triangular bool tensor for GPT-2);
- `embedding`/`iota` positions: Gather with the positions 0..L-1 as a
  constant.

B = 1 and L are fixed per export (opset 17, the first with
LayerNormalization). `--check` runs heed-run on the same weights and
inputs and ONNX Runtime on the export, and compares their outputs.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agreement import compare_outputs  # noqa: E402
from models import MODELS, ModelSpec  # noqa: E402

OPSET = 17


class GraphBuilder:
    """Accumulates the nodes and initializers of one ONNX graph, naming
    every intermediate value uniquely."""

    def __init__(self) -> None:
        self.nodes: List[onnx.NodeProto] = []
        self.initializers: List[onnx.TensorProto] = []
        self._count = 0
        self._consts: Dict[tuple, str] = {}

    def fresh(self, hint: str) -> str:
        """A new value name with `hint` in it."""
        self._count += 1
        return f"{hint}_{self._count}"

    def tensor(self, name: str, array: np.ndarray) -> str:
        """Adds `array` as the initializer `name`; returns the name."""
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, array, dtype=np.float32) -> str:
        """A small constant, shared between uses of the same value."""
        array = np.asarray(array, dtype=dtype)
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            self._consts[key] = self.tensor(self.fresh("const"), array)
        return self._consts[key]

    def op(self, op_type: str, inputs: List[str], hint: str = None, outputs: int = 1, **attrs):
        """Adds a node; returns its output name (or names, with outputs > 1)."""
        names = [self.fresh(hint or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, **attrs))
        return names[0] if outputs == 1 else names


class Exporter:
    """The ops of the .heed language that the two models use, on a
    GraphBuilder, with the weights of a heed-run safetensors file."""

    def __init__(self, weights: Dict[str, np.ndarray]) -> None:
        self.g = GraphBuilder()
        self.weights = weights
        self.used = set()

    def param(self, name: str, shape) -> np.ndarray:
        """The weight `name`, checked to have `shape`."""
        if name not in self.weights:
            raise KeyError(f"weight '{name}' is not in the weights file")
        w = self.weights[name]
        if tuple(w.shape) != tuple(shape) or w.dtype != np.float32:
            raise ValueError(f"weight '{name}' is {w.dtype}{list(w.shape)}, expected f32{list(shape)}")
        self.used.add(name)
        return w

    def linear(self, x: str, prefix: str, d_in: int, d_out: int) -> str:
        """x . W^T + b with W = prefix.weight [out, in], b = prefix.bias."""
        w = self.param(f"{prefix}.weight", (d_out, d_in))
        b = self.param(f"{prefix}.bias", (d_out,))
        wt = self.g.tensor(f"{prefix}.weight_t", w.T)
        bias = self.g.tensor(f"{prefix}.bias", b)
        return self.g.op("Add", [self.g.op("MatMul", [x, wt]), bias], hint=prefix)

    def layer_norm(self, x: str, prefix: str, width: int, eps: float) -> str:
        """LayerNormalization over the last axis with prefix.weight/.bias."""
        scale = self.g.tensor(f"{prefix}.weight", self.param(f"{prefix}.weight", (width,)))
        bias = self.g.tensor(f"{prefix}.bias", self.param(f"{prefix}.bias", (width,)))
        return self.g.op("LayerNormalization", [x, scale, bias], hint=prefix, axis=-1, epsilon=eps)

    def embedding(self, ids: str, prefix: str, num: int, dim: int) -> str:
        """Rows of prefix.weight [num, dim] picked by the integer `ids`."""
        table = self.g.tensor(f"{prefix}.weight", self.param(f"{prefix}.weight", (num, dim)))
        return self.g.op("Gather", [table, ids], hint=prefix, axis=0)

    def gelu(self, x: str) -> str:
        """Exact GELU: x * 0.5 * (1 + erf(x / sqrt(2)))."""
        g = self.g
        e = g.op("Erf", [g.op("Div", [x, g.const(np.sqrt(2.0))])])
        return g.op("Mul", [g.op("Mul", [x, g.op("Add", [e, g.const(1.0)])]), g.const(0.5)], hint="gelu")

    def split_heads(self, x: str, batch: int, length: int, heads: int, width: int) -> str:
        """[B, L, H*d] -> [B, H, L, d]."""
        shape = self.g.const([batch, length, heads, width // heads], np.int64)
        return self.g.op("Transpose", [self.g.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])

    def merge_heads(self, x: str, batch: int, length: int, width: int) -> str:
        """[B, H, L, d] -> [B, L, H*d]."""
        t = self.g.op("Transpose", [x], perm=[0, 2, 1, 3])
        return self.g.op("Reshape", [t, self.g.const([batch, length, width], np.int64)])

    def attention(self, q: str, k: str, v: str, keep: str, spec: ModelSpec, length: int) -> str:
        """softmax(where(keep, q k^T * 0.125, -inf)) v per head, merged:
        the spelled-out attention of both .heed files (0.125 = 1/sqrt(64))."""
        g, B, D, H = self.g, spec.batch, spec.width, spec.heads
        qh = self.split_heads(q, B, length, H, D)
        kh = self.split_heads(k, B, length, H, D)
        vh = self.split_heads(v, B, length, H, D)
        kt = g.op("Transpose", [kh], perm=[0, 1, 3, 2])
        scores = g.op("Mul", [g.op("MatMul", [qh, kt]), g.const(0.125)], hint="scores")
        masked = g.op("Where", [keep, scores, g.const(-np.inf)])
        probs = g.op("Softmax", [masked], hint="probs", axis=-1)
        return self.merge_heads(g.op("MatMul", [probs, vh]), B, length, D)

    def positions(self, spec: ModelSpec, length: int) -> str:
        """iota(shape=[B, L], axis=1): every row 0..L-1."""
        pos = np.broadcast_to(np.arange(length, dtype=np.int64), (spec.batch, length))
        return self.g.tensor("positions", pos)


def build_bert_base(weights: Dict[str, np.ndarray], spec: ModelSpec, length: int) -> onnx.ModelProto:
    """bench/bert_base.heed: embeddings (word + position + token type,
    LayerNorm eps 1e-12), 12 post-norm BERT layers with the padding mask,
    and the tanh pooler on the first token."""
    ex = Exporter(weights)
    g, B, L, D, F = ex.g, spec.batch, length, spec.width, spec.ffn
    eps = 1e-12
    w = ex.embedding("input_ids", "embeddings.word_embeddings", spec.vocab, D)
    p = ex.embedding(ex.positions(spec, L), "embeddings.position_embeddings", spec.max_positions, D)
    t = ex.embedding("token_type_ids", "embeddings.token_type_embeddings", 2, D)
    h = ex.layer_norm(g.op("Add", [g.op("Add", [w, p]), t]), "embeddings.LayerNorm", D, eps)
    keep = g.op("Reshape", ["attention_mask", g.const([B, 1, 1, L], np.int64)], hint="keep")
    for i in range(spec.layers):
        P = f"encoder.layer.{i}"
        q = ex.linear(h, f"{P}.attention.self.query", D, D)
        k = ex.linear(h, f"{P}.attention.self.key", D, D)
        v = ex.linear(h, f"{P}.attention.self.value", D, D)
        context = ex.attention(q, k, v, keep, spec, L)
        attended = ex.linear(context, f"{P}.attention.output.dense", D, D)
        a = ex.layer_norm(g.op("Add", [attended, h]), f"{P}.attention.output.LayerNorm", D, eps)
        inter = ex.gelu(ex.linear(a, f"{P}.intermediate.dense", D, F))
        o = ex.linear(inter, f"{P}.output.dense", F, D)
        h = ex.layer_norm(g.op("Add", [o, a]), f"{P}.output.LayerNorm", D, eps)
    g.nodes.append(helper.make_node("Identity", [h], ["last_hidden_state"]))
    first = g.op("Slice", [h, g.const([0], np.int64), g.const([1], np.int64), g.const([1], np.int64)])
    first = g.op("Reshape", [first, g.const([B, D], np.int64)])
    g.nodes.append(helper.make_node("Tanh", [ex.linear(first, "pooler.dense", D, D)], ["pooler_output"]))
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, [B, L]),
        helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, [B, L]),
        helper.make_tensor_value_info("attention_mask", TensorProto.BOOL, [B, L]),
    ]
    outputs = [
        helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [B, L, D]),
        helper.make_tensor_value_info("pooler_output", TensorProto.FLOAT, [B, D]),
    ]
    return _finish(ex, spec, inputs, outputs)


def build_gpt2_small(weights: Dict[str, np.ndarray], spec: ModelSpec, length: int) -> onnx.ModelProto:
    """bench/gpt2_small.heed: token + position embeddings, 12 pre-norm
    blocks with causal attention (fused QKV split in three) and a GELU MLP,
    then ln_f (LayerNorm eps 1e-5 everywhere)."""
    ex = Exporter(weights)
    g, B, L, D, F = ex.g, spec.batch, length, spec.width, spec.ffn
    eps = 1e-5
    x = g.op("Add", [ex.embedding("idx", "transformer.wte", spec.vocab, D),
                     ex.embedding(ex.positions(spec, L), "transformer.wpe", spec.max_positions, D)])
    # le(col, row): key j <= query i, broadcast over [B, H].
    causal = g.tensor("causal_mask", np.tril(np.ones((L, L), dtype=bool)))
    for i in range(spec.layers):
        P = f"transformer.h.{i}"
        h = ex.layer_norm(x, f"{P}.ln_1", D, eps)
        qkv = ex.linear(h, f"{P}.attn.c_attn", D, 3 * D)
        q, k, v = g.op("Split", [qkv, g.const([D, D, D], np.int64)], outputs=3, axis=-1)
        a = ex.attention(q, k, v, causal, spec, L)
        x1 = g.op("Add", [x, ex.linear(a, f"{P}.attn.c_proj", D, D)])
        m = ex.linear(ex.gelu(ex.linear(ex.layer_norm(x1, f"{P}.ln_2", D, eps), f"{P}.mlp.c_fc", D, F)),
                      f"{P}.mlp.c_proj", F, D)
        x = g.op("Add", [x1, m])
    g.nodes.append(helper.make_node("Identity", [ex.layer_norm(x, "transformer.ln_f", D, eps)], ["y"]))
    inputs = [helper.make_tensor_value_info("idx", TensorProto.INT64, [B, L])]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [B, L, D])]
    return _finish(ex, spec, inputs, outputs)


def _finish(ex: Exporter, spec: ModelSpec, inputs, outputs) -> onnx.ModelProto:
    """Wraps the graph in a model and checks that every weight was used."""
    unused = sorted(set(ex.weights) - ex.used)
    if unused:
        raise ValueError(f"{spec.name}: weights the export did not use: {', '.join(unused[:5])}")
    graph = helper.make_graph(ex.g.nodes, spec.name, inputs, outputs, ex.g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="heed bench/peers/export_onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


BUILDERS = {"bert_base": build_bert_base, "gpt2_small": build_gpt2_small}


def load_weights(path: Path) -> Dict[str, np.ndarray]:
    """The tensors of a safetensors file, as numpy arrays."""
    from safetensors.numpy import load_file
    return load_file(str(path))


def export(spec: ModelSpec, length: int, weights_path: Path, out_path: Path) -> Path:
    """Writes the ONNX export of `spec` at sequence length `length` with the
    weights of `weights_path` to `out_path` (through a temporary, so that a
    failure leaves no partial file)."""
    model = BUILDERS[spec.name](load_weights(weights_path), spec, length)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".onnx.tmp")
    onnx.save(model, str(tmp))
    tmp.replace(out_path)
    return out_path


def save_random_weights(spec: ModelSpec, bin_dir: Path, seed: int, out_path: Path) -> Path:
    """Has heed-run draw the model's weights (--random-weights=seed; they do
    not depend on L, so it runs at L = 8) and save them to `out_path`."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.stem + ".tmp.safetensors")
    with tempfile.TemporaryDirectory() as d:
        run_tool(bin_dir / "heed-run", [str(spec.heed_file), "--dim", "L=8",
                                        f"--random-weights={seed}", f"--save-weights={tmp}",
                                        "--random-inputs=1", f"--output-dir={d}"])
    tmp.replace(out_path)
    return out_path


def run_tool(tool: Path, args: List[str], retries: int = 4) -> subprocess.CompletedProcess:
    """Runs one of Heed's tools. A binary that is missing or not executable
    for a moment (the build tree being rebuilt) is retried after a pause."""
    for attempt in range(retries + 1):
        try:
            proc = subprocess.run([str(tool)] + args, capture_output=True, text=True)
            break
        except OSError as e:
            if attempt == retries:
                raise RuntimeError(f"cannot run {tool}: {e}") from e
            time.sleep(5 * (attempt + 1))
    if proc.returncode != 0:
        raise RuntimeError(f"{tool.name} {' '.join(args)} failed:\n{proc.stderr.strip()}")
    return proc


def check_against_heed(spec: ModelSpec, length: int, onnx_path: Path, weights_path: Path,
                       bin_dir: Path, seed: int) -> Dict[str, Dict[str, float]]:
    """Runs heed-run (-O2, the weights file, inputs from `seed` as .npy) and
    ONNX Runtime on the export; returns each output's relative errors."""
    import onnxruntime as ort
    inputs = spec.random_inputs(length, seed)
    with tempfile.TemporaryDirectory() as d:
        args = [str(spec.heed_file), "--dim", f"L={length}", f"--weights={weights_path}",
                f"--output-dir={d}/out"]
        for name, array in inputs.items():
            np.save(f"{d}/{name}.npy", array)
            args.append(f"--input={name}={d}/{name}.npy")
        run_tool(bin_dir / "heed-run", args)
        heed = {name: np.load(f"{d}/out/{name}.npy") for name in spec.outputs}
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = dict(zip(spec.outputs, sess.run(list(spec.outputs), inputs)))
    return compare_outputs(got, heed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(MODELS), required=True, help="the bench model")
    parser.add_argument("--length", "-L", type=int, required=True, help="sequence length L")
    parser.add_argument("--weights", type=Path,
                        help="safetensors file of heed-run --save-weights (default: draw "
                             "--random-weights=SEED with heed-run into OUT's directory)")
    parser.add_argument("--weights-seed", type=int, default=1, help="seed of the drawn weights (1)")
    parser.add_argument("-o", "--out", type=Path, required=True, help="the ONNX file to write")
    parser.add_argument("--bin", type=Path, default=Path("build/bin"),
                        help="directory of heed-run (default build/bin)")
    parser.add_argument("--check", action="store_true",
                        help="compare ONNX Runtime's outputs with heed-run's on random inputs")
    parser.add_argument("--input-seed", type=int, default=1, help="seed of --check's inputs (1)")
    args = parser.parse_args()
    spec = MODELS[args.model]
    weights = args.weights
    if weights is None:
        weights = args.out.parent / f"{spec.name}.w{args.weights_seed}.safetensors"
        save_random_weights(spec, args.bin, args.weights_seed, weights)
    export(spec, args.length, weights, args.out)
    print(f"export_onnx: wrote {args.out}")
    if args.check:
        errors = check_against_heed(spec, args.length, args.out, weights, args.bin, args.input_seed)
        worst = 0.0
        for name, e in errors.items():
            print(f"  {name}: max rel {e['max_rel']:.3g}, mean rel {e['mean_rel']:.3g} (ORT vs heed-run)")
            worst = max(worst, e["max_rel"])
        if worst > 1e-3:
            print("export_onnx: ONNX Runtime and heed-run DISAGREE", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
