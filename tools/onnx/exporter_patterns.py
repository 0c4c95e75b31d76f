#!/usr/bin/env python3
"""Attention as PyTorch's exporter writes it, through Heed.

Exports (torch.onnx.export, TorchScript exporter, opset 17, random
weights, offline) nn.MultiheadAttention with a key-padding mask, a causal
nn.TransformerEncoderLayer whose float mask is built in forward (a triu of
-inf) and a two-layer GPT-2 (transformers' GPT2Model: its causal mask is
the bool `bias` buffer), then for each prints whether Heed's -O2 module
fused the attention (attn.attention count) and with which structure, and
the largest relative error (max-norm) of Heed's -O2 and -O0 outputs against
ONNX Runtime's. Run with the pinned venv:

    build/venv/bin/python tools/onnx/exporter_patterns.py --bin build/bin
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import onnxruntime as ort
import torch


def export(work):
    torch.manual_seed(0)

    class MHA(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = torch.nn.MultiheadAttention(32, 4, batch_first=True)

        def forward(self, x, pad):
            return self.m(x, x, x, key_padding_mask=pad,
                          need_weights=False)[0]

    class CausalLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.TransformerEncoderLayer(
                32, 4, 64, batch_first=True, dropout=0.0)

        def forward(self, x):
            n = x.shape[1]
            mask = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
            return self.layer(x, src_mask=mask)

    from transformers import GPT2Config, GPT2Model
    gpt2 = GPT2Model(GPT2Config(n_embd=64, n_layer=2, n_head=4,
                                n_positions=128, vocab_size=100)).eval()
    x = torch.randn(2, 16, 32)
    pad = torch.zeros(2, 16, dtype=torch.bool)
    pad[1, 10:] = True
    ids = torch.randint(0, 100, (1, 32))
    cases = {
        "mha": (MHA().eval(), {"x": x, "pad": pad}),
        "causal_layer": (CausalLayer().eval(), {"x": x}),
        "gpt2": (gpt2, {"input_ids": ids}),
    }
    for name, (model, inputs) in cases.items():
        # Not under no_grad: there nn.MultiheadAttention takes its fused
        # fast path, which the exporter cannot write.
        torch.onnx.export(model, tuple(inputs.values()),
                          os.path.join(work, name + ".onnx"),
                          input_names=list(inputs), output_names=["y"],
                          opset_version=17)
        for k, v in inputs.items():
            np.save(os.path.join(work, f"{name}.{k}.npy"), v.numpy())
    return {name: list(inputs) for name, (_, inputs) in cases.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--work", default=None)
    args = p.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="heed-patterns-")
    os.makedirs(work, exist_ok=True)
    bin_dir = os.path.abspath(args.bin)
    ok = True
    for name, inputs in export(work).items():
        model = os.path.join(work, name + ".onnx")
        feeds = {k: np.load(os.path.join(work, f"{name}.{k}.npy"))
                 for k in inputs}
        session = ort.InferenceSession(model,
                                       providers=["CPUExecutionProvider"])
        expected = session.run(["y"], feeds)[0]
        mlir = subprocess.run([os.path.join(bin_dir, "heedc"), model,
                               "--emit=mlir", "--no-locations"],
                              capture_output=True, text=True, check=True)
        fused = mlir.stdout.count("attn.attention")
        structures = sorted(set(re.findall(r"structure = (#attn\.\w+)",
                                           mlir.stdout)))
        errors = []
        for opt in ("-O2", "-O0"):
            out = os.path.join(work, f"{name}{opt}")
            cmd = [os.path.join(bin_dir, "heed-run"), model, opt,
                   "--output-dir", out]
            for k in inputs:
                cmd += ["--input",
                        f"{k}={os.path.join(work, f'{name}.{k}.npy')}"]
            subprocess.run(cmd, check=True)
            actual = np.load(os.path.join(out, "y.npy"))
            errors.append(float(np.abs(actual - expected).max() /
                                np.abs(expected).max()))
        good = max(errors) <= 1e-5
        ok &= good
        print(f"{name}: attn.attention x{fused}, structure "
              f"{','.join(structures) or 'none'}, error vs ORT "
              f"-O2 {errors[0]:.1e} -O0 {errors[1]:.1e} "
              f"{'ok' if good else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
