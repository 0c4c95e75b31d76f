#!/usr/bin/env python3
"""Sentence embeddings with all-MiniLM-L6-v2 compiled by heedc, end to end.

Run with the pinned venv (`make venv`), offline, after `make build`:

  build/venv/bin/python tools/onnx/minilm_tour.py

1. Exports all-MiniLM-L6-v2 to ONNX (tools/onnx/export_minilm.py's
   functions: minilm-dynamic.onnx, axes `batch` and `seq`) into --work.
2. Tokenizes six sentences on two topics, padded to --seq tokens, and
   compiles the model for that shape:
     heedc minilm-dynamic.onnx --dim batch=6 --dim seq=128 -o WORK/minilm
3. Runs the executable on the tokens, mean-pools last_hidden_state over the
   tokens attention_mask keeps and L2-normalizes (what sentence-transformers'
   encode() does for this model), and prints the cosine similarities.
4. Checks them against PyTorch's (the same model in this process, the same
   pooling) within --tol (1e-5); exits 1 if they differ more.
5. Times the executable against ONNX Runtime (CPUExecutionProvider,
   intra_op_num_threads = --threads, default session options otherwise) on
   the same inputs, interleaved: per round, `minilm --repeat 10 --json
   --threads N` (its median) and 10 runs of the ORT session (their median),
   alternating which goes first. Reports per engine the median over rounds
   and the range, the ratio ORT/Heed (above 1: Heed is faster) and how far
   Heed's last_hidden_state is from ORT's (max |heed - ort| / max |ort|).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_minilm as em  # noqa: E402  (sets HF_HUB_OFFLINE first)

import numpy as np  # noqa: E402
import torch  # noqa: E402

SENTENCES = [
    "The telescope captured a faint galaxy billions of light-years away.",
    "Astronomers observed a distant galaxy through a powerful telescope.",
    "A new planet was found orbiting a small red star near the Sun.",
    "Knead the dough for ten minutes, then let it rise in a warm place.",
    "Bake the bread in a hot oven until the crust turns golden brown.",
    "She chopped onions and garlic for the tomato sauce.",
]


def sh(args: list[str]) -> str:
    return shlex.join(args)


def run(args: list[str]) -> str:
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"error: `{sh(args)}` exited {p.returncode}:\n"
                 f"{p.stdout}{p.stderr}")
    return p.stdout


def similarity(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    emb = em.mean_pool_normalize(hidden, mask)
    return (emb @ emb.T).astype(np.float32)


def print_matrix(sim: np.ndarray) -> None:
    n = len(sim)
    print("       " + "".join(f"{f'[{j + 1}]':>8}" for j in range(n)))
    for i in range(n):
        print(f"  [{i + 1}]" + " " * 2
              + "".join(f"{sim[i, j]:8.4f}" for j in range(n)))


def rel_err(x: np.ndarray, ref: np.ndarray) -> float:
    return float(np.abs(x - ref).max() / np.abs(ref).max())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default="build/bin", help="heedc's folder")
    p.add_argument("--work", default="build/minilm-tour",
                   help="folder for the model, inputs and outputs")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=10,
                   help="runs per engine per round")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seq", type=int, default=em.SEQ,
                   help="padded length (default 128)")
    p.add_argument("--tol", type=float, default=1e-5,
                   help="largest allowed |heed - torch| of a similarity")
    args = p.parse_args()

    if not os.access(os.path.join(args.bin, "heedc"), os.X_OK):
        sys.exit(f"error: no {os.path.join(args.bin, 'heedc')} "
                 "(make build, or --bin DIR)")
    print("$ " + sh([os.path.relpath(sys.executable)] + sys.argv))
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    n, seq = len(SENTENCES), args.seq

    # 1-2. Export, tokenize, compile.
    t = time.perf_counter()
    tokenizer, model = em.load()
    batch = em.tokenize(tokenizer, SENTENCES, seq)
    _, dynamic = em.export_onnx(model, batch, args.work)
    inputs = []
    for k in em.INPUTS:
        path = os.path.join(args.work, f"{k}.npy")
        np.save(path, batch[k])
        inputs += ["--input", f"{k}={path}"]
    print(f"\nexported {dynamic} ({time.perf_counter() - t:.1f} s)")
    print(f"sentences, tokenized to [{n}, {seq}] "
          f"({int(batch['attention_mask'].sum(1).max())} tokens at most):")
    for i, s in enumerate(SENTENCES):
        print(f"  [{i + 1}] {s}")

    exe = os.path.join(args.work, "minilm")
    heedc = [os.path.join(args.bin, "heedc"), dynamic, "--dim", f"batch={n}",
             "--dim", f"seq={seq}", "-o", exe]
    t = time.perf_counter()
    run(heedc)
    print(f"\n$ {sh(heedc)}    # {time.perf_counter() - t:.1f} s")

    # 3. Run it, pool, compare.
    out_dir = os.path.join(args.work, "out")
    heed_run = [exe] + inputs + ["--output-dir", out_dir,
                                 "--threads", str(args.threads)]
    run(heed_run)
    print(f"$ {sh(heed_run)}")
    heed = np.load(os.path.join(out_dir, "last_hidden_state.npy"))
    mask = batch["attention_mask"]
    sim = similarity(heed, mask)
    print("\ncosine similarity of the sentence embeddings (Heed):")
    print_matrix(sim)

    # 4. PyTorch's, in this process.
    ref = em.last_hidden_state(model, batch)
    torch_sim = similarity(ref, mask)
    diff = float(np.abs(sim - torch_sim).max())
    ok = diff <= args.tol
    print(f"\nPyTorch {torch.__version__} (same model, same pooling): "
          f"max |heed - torch| similarity {diff:.1e}: "
          + (f"OK (within {args.tol:g})" if ok else
             f"FAILED (more than {args.tol:g})"))
    print(f"last_hidden_state: max |heed - torch| / max |torch| "
          f"{rel_err(heed, ref):.1e}")
    if not ok:
        return 1

    # 5. Heed's executable against ONNX Runtime, interleaved.
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(dynamic, options,
                                   providers=["CPUExecutionProvider"])
    feed = {k: batch[k] for k in em.INPUTS}
    ort_hidden = session.run(["last_hidden_state"], feed)[0]  # also warms up
    err = rel_err(heed, ort_hidden)

    heed_json = [exe] + inputs + ["--repeat", str(args.repeat), "--json",
                                  "--threads", str(args.threads)]

    def time_heed() -> float:
        line = run(heed_json).strip().splitlines()[-1]
        return float(json.loads(line)["median_ms"])

    def time_ort() -> float:
        ms = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            session.run(["last_hidden_state"], feed)
            ms.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(ms)

    print(f"\ntiming, batch {n} x seq {seq}, {args.threads} threads, "
          f"{args.rounds} rounds (per round: median of {args.repeat} runs "
          "per engine, alternating which goes first)")
    print(f"$ {sh(heed_json)}")
    print(f"  ONNX Runtime {ort.__version__}: InferenceSession("
          f"{os.path.basename(dynamic)}, intra_op_num_threads="
          f"{args.threads}, CPUExecutionProvider).run x {args.repeat}")
    load0 = os.getloadavg()[0]
    times: dict[str, list[float]] = {"heed": [], "ort": []}
    for r in range(args.rounds):
        order = ["heed", "ort"] if r % 2 == 0 else ["ort", "heed"]
        for engine in order:
            times[engine].append(time_heed() if engine == "heed"
                                 else time_ort())
        print(f"  round {r + 1}: heed {times['heed'][-1]:7.2f} ms   "
              f"ort {times['ort'][-1]:7.2f} ms   ORT/Heed "
              f"{times['ort'][-1] / times['heed'][-1]:.2f}   "
              f"({order[0]} first)")
    load1 = os.getloadavg()[0]

    med = {k: statistics.median(v) for k, v in times.items()}
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f
                       if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"\n{cpu}, {os.cpu_count()} cores, load average "
          f"{load0:.2f} before, {load1:.2f} after")
    for k, name in (("heed", "Heed (heedc -O2)"),
                    ("ort", f"ONNX Runtime {ort.__version__}")):
        print(f"  {name:<20} median {med[k]:7.2f} ms   "
              f"range {min(times[k]):.2f}-{max(times[k]):.2f} ms")
    ratios = [o / h for o, h in zip(times["ort"], times["heed"])]
    print(f"  ORT/Heed {med['ort'] / med['heed']:.2f} "
          f"(above 1: Heed is faster; per round {min(ratios):.2f}-"
          f"{max(ratios):.2f})")
    print(f"  last_hidden_state: max |heed - ort| / max |ort| {err:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
