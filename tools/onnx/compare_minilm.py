#!/usr/bin/env python3
"""Checks Heed's MiniLM output against export_minilm.py's references.

  compare_minilm.py first-rows REF OUT [--rows 1]
      writes OUT/{input_ids,attention_mask,token_type_ids}.npy: the first
      rows of REF's (for minilm-L128.onnx, whose batch is 1)
  compare_minilm.py check REF HEED.npy [--rtol 1e-4] [--sim-tol 1e-5]
      HEED.npy is Heed's last_hidden_state for the first N of REF's
      sentences; checks it against ONNX Runtime's (max |heed - ort| /
      max |ort| <= rtol) and its sentence embeddings (mean-pooled over
      attention_mask, L2-normalized) and their cosine similarities against
      PyTorch's (max abs difference <= sim-tol). Exits 1 if one is off.

REF is the --out folder of tools/onnx/export_minilm.py. Run with the pinned
venv (build/venv/bin/python); test/onnx/minilm.test uses it.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    # export_minilm.mean_pool_normalize, in NumPy (float32) so that this
    # checker needs no torch.
    m = mask.astype(np.float32)[..., None]
    pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norm).astype(np.float32)


def first_rows(args) -> int:
    os.makedirs(args.out, exist_ok=True)
    for k in INPUTS:
        x = np.load(os.path.join(args.ref, f"{k}.npy"))
        np.save(os.path.join(args.out, f"{k}.npy"), x[:args.rows])
    return 0


def check(args) -> int:
    heed = np.load(args.heed)
    n = heed.shape[0]

    def ref(name):
        return np.load(os.path.join(args.ref, name))

    ort = ref("ort_last_hidden_state.npy")[:n]
    mask = ref("attention_mask.npy")[:n]
    torch_emb = ref("torch_embeddings.npy")[:n]
    torch_sim = ref("torch_similarity.npy")[:n, :n]
    if heed.shape != ort.shape:
        print(f"FAIL: last_hidden_state {list(heed.shape)}, ORT's "
              f"{list(ort.shape)}")
        return 1

    emb = mean_pool_normalize(heed, mask)
    sim = emb @ emb.T
    rows = [
        (f"last_hidden_state {list(heed.shape)} vs ORT, "
         "max |heed - ort| / max |ort|",
         float(np.abs(heed - ort).max() / np.abs(ort).max()), args.rtol),
        (f"embeddings {list(emb.shape)} vs PyTorch, max abs diff",
         float(np.abs(emb - torch_emb).max()), args.sim_tol),
        (f"similarity {list(sim.shape)} vs PyTorch, max abs diff",
         float(np.abs(sim - torch_sim).max()), args.sim_tol),
    ]
    ok = True
    for what, err, tol in rows:
        good = err <= tol  # NaN fails
        ok &= good
        print(f"{what}: {err:.1e} {'<=' if good else 'NOT <='} {tol:g}")
    print("similarity:")
    for r in sim:
        print("  " + " ".join(f"{v:7.4f}" for v in r))
    print("all within tolerance" if ok else "FAIL")
    return 0 if ok else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("first-rows")
    f.add_argument("ref")
    f.add_argument("out")
    f.add_argument("--rows", type=int, default=1)
    c = sub.add_parser("check")
    c.add_argument("ref")
    c.add_argument("heed")
    c.add_argument("--rtol", type=float, default=1e-4)
    c.add_argument("--sim-tol", type=float, default=1e-5)
    args = p.parse_args()
    return first_rows(args) if args.cmd == "first-rows" else check(args)


if __name__ == "__main__":
    sys.exit(main())
