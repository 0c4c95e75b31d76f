#!/usr/bin/env python3
"""PP-OCRv4 text recognition through Heed, checked against ONNX Runtime.

  ppocr_check.py --bin build/bin --work DIR [--rtol 1e-4]
      [--bench ROUNDS [--repeat 20] [--threads 2]]

The model is `ch_PP-OCRv4_rec_infer.onnx` of the pinned PyPI package
rapidocr-onnxruntime (tools/onnx/requirements-models.txt, `make venv`),
PaddlePaddle's SVTR-LCNet recognizer converted by paddle2onnx (opset 12,
input `x` [?, 3, ?, ?], output `softmax_11.tmp_0` [?, ?, 6625]); its
character dictionary is the model's metadata 'character' (one per line;
index 0 is the CTC blank, the last class is a space, as rapidocr's
CTCLabelDecode has it).

The script renders text lines with a built-in 5x7 bitmap font (no font
files, no PIL: the same pixels on every machine), preprocesses them as
rapidocr's TextRecognizer.resize_norm_img does (bilinear resize to height 48
keeping the aspect ratio, (x / 255 - 0.5) / 0.5, zero-padded to width 320,
NCHW float32), runs ONNX Runtime and `heed-run DIR/ch_PP-OCRv4_rec_infer.onnx
--input-shape x=Bx3x48x320`, and checks:

  - the logits (softmax probabilities) [B, 40, 6625]: max |heed - ort| /
    max |ort| <= rtol;
  - the greedy CTC decoding (argmax per step, repeats collapsed, blanks
    dropped, mapped through the dictionary): Heed's string equals ORT's, and
    ORT's equals the rendered text.

Exits 1 if one is off. With --bench, also compiles the model with `heedc -o`
for the first image alone, x [1, 3, 48, 320], and times it (`--repeat R
--json --threads T`, its median) against ONNX Runtime (intra_op_num_threads=T,
R runs, median), ROUNDS rounds interleaved.
DIR keeps the model copy, x.npy, ort.npy and Heed's outputs (heed/).
test/onnx/ppocr.test runs it; run it with the pinned venv's Python.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_util import ort_session, run  # noqa: E402

MODEL = "ch_PP-OCRv4_rec_infer.onnx"
TEXTS = ["HEED 2026", "ONNX MLIR"]
HEIGHT, WIDTH = 48, 320

# A 5x7 bitmap font, rows top to bottom, for the characters of TEXTS.
FONT = {
    "H": ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
    "E": ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
    "D": ["11110", "10001", "10001", "10001", "10001", "10001", "11110"],
    "O": ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
    "N": ["10001", "11001", "11001", "10101", "10011", "10011", "10001"],
    "X": ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
    "M": ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
    "L": ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
    "I": ["01110", "00100", "00100", "00100", "00100", "00100", "01110"],
    "R": ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
    "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    " ": ["00000"] * 7,
}


def model_path() -> str:
    spec = importlib.util.find_spec("rapidocr_onnxruntime")  # not imported
    if spec is None or not spec.submodule_search_locations:
        sys.exit("ppocr_check: the package rapidocr-onnxruntime is not "
                 "installed (make venv)")
    return os.path.join(list(spec.submodule_search_locations)[0], "models",
                        MODEL)


def render(text: str, scale: int = 4, margin: int = 8) -> np.ndarray:
    """Dark text on white, HxWx3 uint8 (BGR or RGB alike: it is gray)."""
    h = 7 * scale + 2 * margin
    w = len(text) * 6 * scale - scale + 2 * margin
    img = np.full((h, w), 255, np.uint8)
    for i, c in enumerate(text):
        glyph = np.array([[int(b) for b in row] for row in FONT[c]], np.uint8)
        glyph = np.kron(glyph, np.ones((scale, scale), np.uint8))
        x0 = margin + i * 6 * scale
        img[margin:margin + 7 * scale, x0:x0 + 5 * scale][glyph == 1] = 20
    return np.repeat(img[:, :, None], 3, axis=2)


def resize_linear(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """cv2.resize(img, (w, h)) with INTER_LINEAR (half-pixel centres)."""
    def taps(n_out, n_in):
        s = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0,
                    n_in - 1)
        i0 = np.floor(s).astype(np.int64)
        return i0, np.minimum(i0 + 1, n_in - 1), (s - i0).astype(np.float32)

    y0, y1, fy = taps(h, img.shape[0])
    x0, x1, fx = taps(w, img.shape[1])
    f = img.astype(np.float32)
    rows = f[y0] * (1 - fy)[:, None, None] + f[y1] * fy[:, None, None]
    return rows[:, x0] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]


def preprocess(img: np.ndarray) -> np.ndarray:
    """rapidocr's TextRecognizer.resize_norm_img for rec_img_shape
    [3, 48, 320] (a line no wider than 320/48)."""
    h, w = img.shape[:2]
    resized_w = min(WIDTH, int(math.ceil(HEIGHT * w / h)))
    r = resize_linear(img, resized_w, HEIGHT).transpose(2, 0, 1) / 255.0
    r = (r - 0.5) / 0.5
    out = np.zeros((3, HEIGHT, WIDTH), np.float32)
    out[:, :, :resized_w] = r
    return out


def dictionary(path: str) -> list[str]:
    import onnx
    meta = {p.key: p.value for p in onnx.load(path, load_external_data=False)
            .metadata_props}
    return ["blank"] + meta["character"].splitlines() + [" "]


def ctc_greedy(probs: np.ndarray, chars: list[str]) -> list[str]:
    out = []
    for row in probs.argmax(axis=-1):
        keep = np.ones(len(row), bool)
        keep[1:] = row[1:] != row[:-1]
        keep &= row != 0
        out.append("".join(chars[i] for i in row[keep]))
    return out




def bench(args, model, x) -> None:
    """Times the first image alone, x [1, 3, 48, 320]."""
    x = x[:1]
    x_path = os.path.join(args.work, "x1.npy")
    np.save(x_path, x)
    shape_flag = "--input-shape=x=" + "x".join(map(str, x.shape))
    exe = os.path.join(args.work, "ppocr-rec")
    run([os.path.join(args.bin, "heedc"), model, shape_flag, "-o", exe])
    sess = ort_session(model, args.threads)
    sess.run(None, {"x": x})  # warm-up
    heed_ms, ort_ms = [], []
    for _ in range(args.bench):
        r = run([exe, "--input", f"x={x_path}", "--repeat", str(args.repeat),
                 "--json", "--threads", str(args.threads)])
        heed_ms.append(json.loads(r.stdout)["median_ms"])
        t = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sess.run(None, {"x": x})
            t.append((time.perf_counter() - t0) * 1e3)
        ort_ms.append(float(np.median(t)))
    report_bench("PP-OCRv4 rec", x.shape, args, heed_ms, ort_ms)


def report_bench(name, shape, args, heed_ms, ort_ms) -> None:
    h, o = float(np.median(heed_ms)), float(np.median(ort_ms))
    print(f"timing {name} {list(shape)}, {args.threads} threads, "
          f"{args.bench} rounds of {args.repeat} runs (medians):")
    print(f"  heed (heedc -O2): median {h:.3f} ms, range "
          f"{min(heed_ms):.3f}..{max(heed_ms):.3f}")
    print(f"  onnxruntime:      median {o:.3f} ms, range "
          f"{min(ort_ms):.3f}..{max(ort_ms):.3f}")
    print(f"  ORT / Heed: {o / h:.2f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="Heed's build/bin")
    p.add_argument("--work", required=True, help="a scratch folder")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--bench", type=int, default=0, metavar="ROUNDS")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()

    os.makedirs(args.work, exist_ok=True)
    model = os.path.join(args.work, MODEL)
    shutil.copyfile(model_path(), model)
    chars = dictionary(model)

    x = np.stack([preprocess(render(t)) for t in TEXTS])
    x_path = os.path.join(args.work, "x.npy")
    np.save(x_path, x)
    shape_flag = "--input-shape=x=" + "x".join(map(str, x.shape))

    ort_out = ort_session(model).run(None, {"x": x})[0]
    np.save(os.path.join(args.work, "ort.npy"), ort_out)

    out_dir = os.path.join(args.work, "heed")
    run([os.path.join(args.bin, "heed-run"), model, shape_flag,
         "--input", f"x={x_path}", "--output-dir", out_dir])
    heed = np.load(os.path.join(out_dir, "softmax_11_tmp_0.npy"))

    print(f"PP-OCRv4 rec ({MODEL}, {len(chars)} classes): x {list(x.shape)}"
          f" -> softmax_11.tmp_0 {list(ort_out.shape)}")
    if heed.shape != ort_out.shape or heed.dtype != ort_out.dtype:
        print(f"FAIL: Heed's output is {heed.dtype}{list(heed.shape)}, "
              f"ORT's {ort_out.dtype}{list(ort_out.shape)}")
        return 1
    ok = True
    diff = np.abs(heed.astype(np.float64) - ort_out)
    err = float(diff.max() / np.abs(ort_out).max())
    good = err <= args.rtol  # NaN fails
    ok &= good
    print(f"logits vs ORT, max |heed - ort| / max |ort|: {err:.1e} "
          f"{'<=' if good else 'NOT <='} {args.rtol:g} "
          f"(max abs {diff.max():.1e})")
    steps = int((heed.argmax(-1) != ort_out.argmax(-1)).sum())
    print(f"argmax per step: {steps} of {heed.shape[0] * heed.shape[1]} "
          "steps differ")
    for i, (t, o, h) in enumerate(zip(TEXTS, ctc_greedy(ort_out, chars),
                                      ctc_greedy(heed, chars))):
        same = o == h
        ok &= same and o == t
        print(f"image {i} {t!r}: ORT {o!r}, Heed {h!r} "
              f"({'same' if same else 'DIFFERENT'}"
              f"{'' if o == t else ', ORT misreads it'})")
    print("all within tolerance" if ok else "FAIL: off tolerance")

    if args.bench:
        bench(args, model, x)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
