#!/usr/bin/env python3
"""The worked example of heed-eval (docs/evaluation.md): a synthetic dataset
for the seed's §2 text classifier (examples/seed/text_classifier.heed) with
fixed weights (--random-weights 7).

64 texts of 32 token ids are drawn with a fixed generator; the labels are
what the model itself predicts (heed-run --reference, the reference
interpreter, 2 texts per run), with every 4th one flipped. The expected
metrics follow from that without heed-eval's code: accuracy is 48/64, the
confusion matrix counts the flips by class, and the AUC ranks the positive
class's softmax probability (computed here with NumPy from the reference's
logits). They are written to expected.json beside the data.

    /usr/bin/python3 examples/eval/make_data.py [--bin build/bin]
"""

import argparse
import json
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "seed", "text_classifier.heed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "..", "build", "bin"))
    args = ap.parse_args()
    out = os.path.join(HERE, "text_classifier")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    text = rng.integers(0, 10000, (64, 32)).astype(np.int64)
    logits = []
    work = tempfile.mkdtemp()
    for first in range(0, 64, 2):
        np.save(os.path.join(work, "text.npy"), text[first:first + 2])
        subprocess.run([os.path.join(args.bin, "heed-run"), MODEL, "--reference",
                        "--random-weights", "7", "--input",
                        "text=" + os.path.join(work, "text.npy"),
                        "--output-dir", os.path.join(work, "out")], check=True)
        logits.append(np.load(os.path.join(work, "out", "logits.npy")))
    logits = np.concatenate(logits).astype(np.float64)
    predicted = logits.argmax(axis=1)
    labels = predicted.copy()
    labels[::4] = 1 - labels[::4]
    np.save(os.path.join(out, "text.npy"), text)
    np.save(os.path.join(out, "labels.npy"), labels.astype(np.int64))

    # The expected metrics, from the construction.
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    score = e[:, 1] / e.sum(axis=1)
    positive, negative = score[labels == 1], score[labels == 0]
    wins = (positive[:, None] > negative[None, :]).sum() + \
        0.5 * (positive[:, None] == negative[None, :]).sum()
    confusion = [[int(((labels == t) & (predicted == p)).sum()) for p in (0, 1)]
                 for t in (0, 1)]
    expected = {"n": 64, "accuracy": float((labels == predicted).mean()),
                "confusion": confusion,
                "auc": float(wins / (len(positive) * len(negative)))}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
