#!/usr/bin/env python3
"""What the heed Python package adds to a run.

1. Call overhead: a model of three f32[8] inputs (y = a + b + c, so the run
   itself is tiny) called as model(a=..., b=..., c=...) from Python, against
   the same runs timed inside the runtime (heed.benchmark: heed_model_run
   in a C++ loop, no Python). The difference of the medians is what a
   Python call adds: checking and wrapping the feeds, the GIL, creating the
   output arrays.
2. A whole model: BERT-base (bench/bert_base.heed, random weights, L = 128)
   timed by heed.benchmark in this process and by the executable heedc
   writes (--repeat --json), interleaved over --rounds rounds.

    build/venv/bin/python bench/python_overhead.py [--rounds 3] [--threads 2]
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np

import heed

HERE = os.path.dirname(os.path.abspath(__file__))


def call_overhead(calls, chunk):
    model = heed.compile_string(
        "graph add3(a: f32[8], b: f32[8], c: f32[8]) {\n"
        "  return y = a + b + c\n}\n", name="add3.heed")
    model.threads = 1
    feeds = {n: np.full(8, i, np.float32) for i, n in enumerate("abc")}
    for _ in range(chunk):
        model(**feeds)
    per_call = []
    for _ in range(calls // chunk):
        start = time.perf_counter_ns()
        for _ in range(chunk):
            model(**feeds)
        per_call.append((time.perf_counter_ns() - start) / chunk / 1e3)
    inside = [t * 1e3 for t in model._time(feeds, calls, chunk)]  # us
    return statistics.median(per_call), statistics.median(inside)


def bert(rounds, threads):
    L = 128
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(0, 30522, (1, L)).astype(np.int64),
             "token_type_ids": np.zeros((1, L), np.int64),
             "attention_mask": np.ones((1, L), np.bool_)}
    source = os.path.join(HERE, "bert_base.heed")
    model = heed.compile(source, dims={"L": L}, random_weights=1, threads=threads)
    work = tempfile.mkdtemp(prefix="heed-python-")
    exe = os.path.join(work, "bert")
    subprocess.run([heed._compile.heedc_path(), source, "--dim", f"L={L}",
                    "--random-weights", "1", "-o", exe], check=True)
    flags = []
    for name, array in feeds.items():
        np.save(os.path.join(work, name + ".npy"), array)
        flags += ["--input", f"{name}={os.path.join(work, name)}.npy"]
    python_ms, exe_ms = [], []
    for _ in range(rounds):
        python_ms.append(heed.benchmark(model, feeds, repeat=10, warmup=2)["median_ms"])
        out = subprocess.run([exe, *flags, "--threads", str(threads), "--repeat", "12",
                              "--json"], check=True, capture_output=True, text=True)
        exe_ms.append(json.loads(out.stdout)["median_ms"])
    return statistics.median(python_ms), statistics.median(exe_ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    python_us, inside_us = call_overhead(args.calls, 1000)
    print(f"three f32[8] inputs: a Python call {python_us:.2f} us, the run in the "
          f"runtime {inside_us:.2f} us, overhead {python_us - inside_us:.2f} us")
    in_python, executable = bert(args.rounds, args.threads)
    print(f"BERT-base L=128, {args.threads} threads: heed.benchmark "
          f"{in_python:.2f} ms, the executable {executable:.2f} ms "
          f"(ratio {in_python / executable:.3f})")


if __name__ == "__main__":
    main()
