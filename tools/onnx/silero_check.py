#!/usr/bin/env python3
"""Silero VAD through Heed, chunk by chunk, checked against ONNX Runtime.

  silero_check.py --bin build/bin --work DIR [--chunks 8] [--tol 1e-5]
      [--bench ROUNDS [--repeat 20] [--threads 2]]

The model is `silero_vad_op18_ifless.onnx` of the pinned PyPI package
silero-vad (tools/onnx/requirements-models.txt, `make venv`): inputs
`input` [batch, sequence] f32, `state` [2, batch, 128] f32 (the LSTM's h and
c) and `sr` (a scalar int64), outputs `output` [batch, 1] (the speech
probability) and `stateN`. Its graph is one If on `sr == 16000` whose
branches are the 16 kHz and 8 kHz models, so Heed binds `--const sr=16000`
and imports the 16 kHz branch.

As silero-vad's own OnnxWrapper does at 16 kHz, each 512-sample chunk is fed
after the last 64 samples of the previous input (zeros before the first), so
`input` is [1, 576], and the state output of a chunk is the state input of
the next. The signal (16 kHz, deterministic): 3 chunks of silence, then 5 of
a voiced-like sound (a 140 Hz harmonic series with a slow pitch glide,
formant-like amplitudes, an envelope and noise). ONNX Runtime runs the chain
with its own states, Heed (`heed-run DIR/silero_vad_op18_ifless.onnx --dim
batch=1 --dim sequence=576 --const sr=16000`) with its own, and each chunk's
speech probability and state must agree within --tol, as a max abs
difference and relative to max |ort|. Exits 1 if one is off.

With --bench, also compiles the model with `heedc -o` and times one chunk
(`--repeat R --json --threads T`, its median) against ONNX Runtime
(intra_op_num_threads=T, R runs, median), ROUNDS rounds interleaved.
test/onnx/silero.test runs it; run it with the pinned venv's Python.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_util import ort_session, run  # noqa: E402

MODEL = "silero_vad_op18_ifless.onnx"
SR = 16000
CHUNK = 512
CONTEXT = 64  # OnnxWrapper's context at 16 kHz
SILENT_CHUNKS = 3


def model_path() -> str:
    spec = importlib.util.find_spec("silero_vad")  # not imported (torch)
    if spec is None or not spec.submodule_search_locations:
        sys.exit("silero_check: the package silero-vad is not installed "
                 "(make venv)")
    return os.path.join(list(spec.submodule_search_locations)[0], "data",
                        MODEL)


def signal(chunks: int) -> np.ndarray:
    rs = np.random.RandomState(2026)
    n = chunks * CHUNK
    t = np.arange(n) / SR
    f0 = 140.0 * (1 + 0.08 * np.sin(2 * np.pi * 3.0 * t))  # pitch glide
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voiced = np.zeros(n)
    for k in range(1, 25):
        f = k * 140.0
        # formant-like emphasis near 500, 1500 and 2500 Hz
        amp = sum(np.exp(-((f - fc) / 250.0) ** 2) for fc in (500, 1500, 2500))
        voiced += (amp + 0.05) / k ** 0.5 * np.sin(k * phase)
    voiced *= 0.3 / np.abs(voiced).max()
    start = SILENT_CHUNKS * CHUNK
    env = np.clip((np.arange(n) - start) / 800.0, 0, 1)  # 50 ms onset
    x = env * voiced + 0.002 * rs.randn(n) * (np.arange(n) >= start)
    return x.astype(np.float32)




def flags(seq: int) -> list[str]:
    return ["--dim", "batch=1", "--dim", f"sequence={seq}",
            "--const", f"sr={SR}"]


def errors(h: np.ndarray, o: np.ndarray) -> tuple[float, float]:
    d = float(np.abs(h.astype(np.float64) - o).max())
    return d, d / max(float(np.abs(o).max()), 1e-30)


def bench(args, model, inputs) -> None:
    exe = os.path.join(args.work, "silero-vad")
    run([os.path.join(args.bin, "heedc"), model] + flags(CONTEXT + CHUNK)
        + ["-o", exe])
    x_path, s_path = inputs
    feed = {"input": np.load(x_path), "state": np.load(s_path),
            "sr": np.array(SR, np.int64)}
    sess = ort_session(model, args.threads)
    sess.run(None, feed)  # warm-up
    heed_ms, ort_ms = [], []
    for _ in range(args.bench):
        r = run([exe, "--input", f"input={x_path}", "--input",
                 f"state={s_path}", "--repeat", str(args.repeat), "--json",
                 "--threads", str(args.threads)])
        heed_ms.append(json.loads(r.stdout)["median_ms"])
        t = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sess.run(None, feed)
            t.append((time.perf_counter() - t0) * 1e3)
        ort_ms.append(float(np.median(t)))
    h, o = float(np.median(heed_ms)), float(np.median(ort_ms))
    print(f"timing Silero VAD, one chunk [1, {CONTEXT + CHUNK}], "
          f"{args.threads} threads, {args.bench} rounds of {args.repeat} "
          "runs (medians):")
    print(f"  heed (heedc -O2): median {h:.4f} ms, range "
          f"{min(heed_ms):.4f}..{max(heed_ms):.4f}")
    print(f"  onnxruntime:      median {o:.4f} ms, range "
          f"{min(ort_ms):.4f}..{max(ort_ms):.4f}")
    print(f"  ORT / Heed: {o / h:.2f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="Heed's build/bin")
    p.add_argument("--work", required=True, help="a scratch folder")
    p.add_argument("--chunks", type=int, default=8)
    p.add_argument("--tol", type=float, default=1e-5)
    p.add_argument("--bench", type=int, default=0, metavar="ROUNDS")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()

    os.makedirs(args.work, exist_ok=True)
    model = os.path.join(args.work, MODEL)
    shutil.copyfile(model_path(), model)
    sess = ort_session(model)
    heed_run = os.path.join(args.bin, "heed-run")

    audio = signal(args.chunks)
    ort_state = np.zeros((2, 1, 128), np.float32)
    heed_state_path = os.path.join(args.work, "state0.npy")
    np.save(heed_state_path, ort_state)
    context = np.zeros(CONTEXT, np.float32)
    print(f"Silero VAD ({MODEL}), sr={SR}, {args.chunks} chunks of {CHUNK} "
          f"samples after {CONTEXT} of context: input [1, {CONTEXT + CHUNK}]"
          ", state [2, 1, 128]")
    ok = True
    first = None
    for c in range(args.chunks):
        chunk = audio[c * CHUNK:(c + 1) * CHUNK]
        x = np.concatenate([context, chunk])[None]
        context = x[0, -CONTEXT:]
        x_path = os.path.join(args.work, f"input{c}.npy")
        np.save(x_path, x)
        if first is None:
            first = (x_path, heed_state_path)
        ort_prob, ort_state = sess.run(None, {
            "input": x, "state": ort_state, "sr": np.array(SR, np.int64)})

        out_dir = os.path.join(args.work, f"heed{c}")
        run([heed_run, model] + flags(x.shape[1]) + [
            "--input", f"input={x_path}", "--input", f"state={heed_state_path}",
            "--output-dir", out_dir])
        prob = np.load(os.path.join(out_dir, "output.npy"))
        heed_state_path = os.path.join(out_dir, "stateN.npy")
        state = np.load(heed_state_path)
        if prob.shape != ort_prob.shape or state.shape != ort_state.shape:
            print(f"FAIL: chunk {c}: Heed's outputs are {list(prob.shape)} "
                  f"and {list(state.shape)}, ORT's {list(ort_prob.shape)} "
                  f"and {list(ort_state.shape)}")
            return 1
        pa, pr = errors(prob, ort_prob)
        sa, sr = errors(state, ort_state)
        good = max(pa, pr, sa, sr) <= args.tol  # NaN fails
        ok &= good
        kind = "silence" if c < SILENT_CHUNKS else "voiced"
        print(f"chunk {c} ({kind:7s}): p(speech) ORT {ort_prob[0, 0]:.6f} "
              f"Heed {prob[0, 0]:.6f}, abs {pa:.1e} rel {pr:.1e}; state abs "
              f"{sa:.1e} rel {sr:.1e} {'<=' if good else 'NOT <='} "
              f"{args.tol:g}")
    print("all within tolerance" if ok else "FAIL: off tolerance")

    if args.bench:
        bench(args, model, first)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
