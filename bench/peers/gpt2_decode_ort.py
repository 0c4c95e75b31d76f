#!/usr/bin/env python3
"""GPT-2-small-sized decode: Heed's KV cache in state against ONNX Runtime's
decode with past key values, on the same weights and prompt.

Heed runs bench/gpt2_small_decode.heed with `heed-run --generate --json`
(one token per run, the cache updated in place). ONNX Runtime runs the same
decoder step, built here with onnx.helper from the same safetensors weights:
the past keys and values of every layer are inputs, the presents (past plus
the new token's) outputs, and the loop passes each step's presents to the
next step as OrtValues through IO binding (no copy to NumPy), as ONNX
Runtime's own GPT-2 generation does. Both decode greedily, one token per
step, prefill included; the rounds alternate the engines, and the medians
are printed with whether the two generated the same tokens.

    make venv
    build/venv/bin/python bench/peers/gpt2_decode_ort.py \
        [--bin build/bin] [--prompt 64] [--tokens 32] [--rounds 3]

Weights: heed-run --random-weights=1 --save-weights writes them once (about
650 MB) into --work.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "torch-reference"))
from safetensors_np import read_safetensors  # noqa: E402

MODEL = os.path.join(ROOT, "bench", "gpt2_small_decode.heed")
D, H, LAYERS, V = 768, 12, 12, 50257
HD = D // H


def build_step_model(w, path):
    """The decoder step as ONNX (opset 17): input_id [1, 1], position [1],
    past_k_i / past_v_i [1, H, P, HD] -> logits [1, 1, V], present_k_i /
    present_v_i [1, H, P + 1, HD]."""
    nodes, inits = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(
            np.ascontiguousarray(array, dtype=array.dtype), name))
        return name

    count = [0]

    def node(op, inputs, **attrs):
        count[0] += 1
        out = f"{op.lower()}_{count[0]}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x, prefix):
        wt = init(prefix + ".wt", w[prefix + ".weight"].T.copy())
        b = init(prefix + ".b", w[prefix + ".bias"])
        return node("Add", [node("MatMul", [x, wt]), b])

    def layer_norm(x, prefix):
        return node("LayerNormalization",
                    [x, init(prefix + ".w", w[prefix + ".weight"]),
                     init(prefix + ".b", w[prefix + ".bias"])],
                    axis=-1, epsilon=1e-5)

    split_shape = init("heads_shape", np.array([1, 1, H, HD], np.int64))
    merge_shape = init("merge_shape", np.array([1, 1, D], np.int64))
    thirds = init("thirds", np.array([D, D, D], np.int64))
    scale = init("scale", np.array(1.0 / np.sqrt(HD), np.float32))
    half = init("half", np.array(0.5, np.float32))
    one = init("one", np.array(1.0, np.float32))
    rsqrt2 = init("rsqrt2", np.array(1.0 / np.sqrt(2.0), np.float32))

    def heads(t):
        return node("Transpose", [node("Reshape", [t, split_shape])],
                    perm=[0, 2, 1, 3])

    x = node("Add", [
        node("Gather", [init("wte", w["transformer.wte.weight"]), "input_id"]),
        node("Gather", [init("wpe", w["transformer.wpe.weight"]), "position"])])
    inputs = [helper.make_tensor_value_info("input_id", TensorProto.INT64,
                                           [1, 1]),
              helper.make_tensor_value_info("position", TensorProto.INT64,
                                            [1])]
    outputs = []
    for i in range(LAYERS):
        p = f"transformer.h.{i}"
        qkv = linear(layer_norm(x, p + ".ln_1"), p + ".attn.c_attn")
        q, k, v = (f"q_{i}", f"k_{i}", f"v_{i}")
        nodes.append(helper.make_node("Split", [qkv, thirds], [q, k, v],
                                      axis=-1))
        for kind, t in (("k", k), ("v", v)):
            past, present = f"past_{kind}_{i}", f"present_{kind}_{i}"
            inputs.append(helper.make_tensor_value_info(
                past, TensorProto.FLOAT, [1, H, "past", HD]))
            outputs.append(helper.make_tensor_value_info(
                present, TensorProto.FLOAT, [1, H, "total", HD]))
            nodes.append(helper.make_node("Concat", [past, heads(t)],
                                          [present], axis=2))
        s = node("Mul", [node("MatMul", [heads(q), node(
            "Transpose", [f"present_k_{i}"], perm=[0, 1, 3, 2])]), scale])
        a = node("MatMul", [node("Softmax", [s], axis=-1), f"present_v_{i}"])
        a = node("Reshape", [node("Transpose", [a], perm=[0, 2, 1, 3]),
                             merge_shape])
        x = node("Add", [x, linear(a, p + ".attn.c_proj")])
        f = linear(layer_norm(x, p + ".ln_2"), p + ".mlp.c_fc")
        gelu = node("Mul", [node("Mul", [f, half]), node(
            "Add", [one, node("Erf", [node("Mul", [f, rsqrt2])])])])
        x = node("Add", [x, linear(gelu, p + ".mlp.c_proj")])
    head = init("lm_head.wt", w["lm_head.weight"].T.copy())
    nodes.append(helper.make_node(
        "MatMul", [layer_norm(x, "transformer.ln_f"), head], ["logits"]))
    outputs.insert(0, helper.make_tensor_value_info(
        "logits", TensorProto.FLOAT, [1, 1, V]))
    graph = helper.make_graph(nodes, "gpt2_decode", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              ir_version=8)
    onnx.save(model, path, save_as_external_data=True,
              location=os.path.basename(path) + ".data")


def ort_generate(session, prompt, n):
    """Greedy generation, one token per step, the presents bound as the next
    step's pasts (OrtValues, no NumPy copies). Returns the tokens, the
    prefill time and the decode times per token (ms)."""
    past = {f"past_{kind}_{i}": ort.OrtValue.ortvalue_from_numpy(
        np.zeros((1, H, 0, HD), np.float32))
        for i in range(LAYERS) for kind in "kv"}
    names = [o.name for o in session.get_outputs()]

    def step(token, position):
        binding = session.io_binding()
        binding.bind_cpu_input("input_id", np.array([[token]], np.int64))
        binding.bind_cpu_input("position", np.array([position], np.int64))
        for name, value in past.items():
            binding.bind_ortvalue_input(name, value)
        for name in names:
            binding.bind_output(name, "cpu")
        session.run_with_iobinding(binding)
        values = binding.get_outputs()
        for name, value in zip(names[1:], values[1:]):
            past[name.replace("present", "past")] = value
        return int(np.argmax(values[0].numpy()[0, -1]))

    start = time.perf_counter()
    for position, token in enumerate(prompt):
        next_token = step(token, position)
    prefill = (time.perf_counter() - start) * 1e3
    tokens, decode = [next_token], []
    for i in range(n - 1):
        start = time.perf_counter()
        tokens.append(step(tokens[-1], len(prompt) + i))
        decode.append((time.perf_counter() - start) * 1e3)
    return tokens, prefill, decode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build",
                                                   "gpt2-decode"))
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    weights = os.path.join(args.work, "gpt2_decode.safetensors")
    prompt_file = os.path.join(args.work, "prompt.npy")
    prompt = (np.arange(args.prompt) * 7919 % V).astype(np.int64)
    np.save(prompt_file, prompt)
    heed = [os.path.join(args.bin, "heed-run"), MODEL, "--generate",
            str(args.tokens), "--prompt-ids", prompt_file, "--json",
            "--threads", str(args.threads)]
    if not os.path.exists(weights):
        subprocess.run(heed[:2] + ["--random-weights=1",
                                   "--save-weights=" + weights, "--generate",
                                   "1", "--prompt-ids", prompt_file],
                       check=True, stdout=subprocess.DEVNULL)
    onnx_path = os.path.join(args.work, "gpt2_decode.onnx")
    if not os.path.exists(onnx_path):
        build_step_model(read_safetensors(weights), onnx_path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(onnx_path, options,
                                   providers=["CPUExecutionProvider"])

    results = {"heed": ([], []), "ort": ([], [])}
    tokens = {}
    for _ in range(args.rounds):
        d = json.loads(subprocess.run(heed + ["--weights=" + weights],
                                      check=True, capture_output=True,
                                      text=True).stdout)
        tokens["heed"] = d["tokens"]
        results["heed"][0].append(d["prefill_ms"] / args.prompt)
        results["heed"][1].append(d["decode_ms_per_token"])
        t, prefill, decode = ort_generate(session, prompt.tolist(),
                                          args.tokens)
        tokens["ort"] = t
        results["ort"][0].append(prefill / args.prompt)
        results["ort"][1].append(statistics.median(decode))
    print(f"GPT-2-small-sized decode, {args.prompt}-token prompt, "
          f"{args.tokens} tokens, {args.threads} threads, "
          f"{args.rounds} rounds (medians)")
    print("| engine | prefill (ms/token) | decode (ms/token) |")
    print("|---|---:|---:|")
    for name, label in (("heed", "Heed (state, in place)"),
                        ("ort", f"ONNX Runtime {ort.__version__} "
                                "(past KV, IO binding)")):
        prefill, decode = results[name]
        print(f"| {label} | {statistics.median(prefill):.2f} | "
              f"{statistics.median(decode):.2f} |")
    same = tokens["heed"] == tokens["ort"]
    print("same tokens:", same if same else
          f"no ({sum(a == b for a, b in zip(tokens['heed'], tokens['ort']))}"
          f" of {args.tokens} agree)")


if __name__ == "__main__":
    main()
