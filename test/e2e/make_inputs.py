#!/usr/bin/env python3
"""Writes the inputs of one example model as .npy files for the e2e tests.

Usage: make_inputs.py MODEL DIR [--seed N]

Writes DIR/NAME.npy for every graph input of examples/MODEL.heed (at the
model's default dimensions), drawn from a fixed-seed NumPy generator, so that
heed-run (--input NAME=DIR/NAME.npy) and torch_models.py see the same data.
Needs only NumPy.
"""

import argparse
import os
import sys

import numpy as np

# Graph inputs per model: name -> (kind, shape, dtype). Shapes follow the
# `dim` defaults in examples/*.heed.
INPUTS = {
    "transformer_encoder": {"x": ("normal", (2, 16, 64), np.float32)},
    "lstm_attention_classifier": {"text": ("ids", (2, 12), np.int64, 1000)},
    "cnn_attention_classifier": {"images": ("normal", (2, 3, 32, 32),
                                            np.float32)},
    "attention_spelled_out": {
        "q": ("normal", (2, 4, 16, 16), np.float32),
        "k": ("normal", (2, 4, 16, 16), np.float32),
        "v": ("normal", (2, 4, 16, 16), np.float32),
    },
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(INPUTS))
    parser.add_argument("dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.dir, exist_ok=True)
    for name, spec in INPUTS[args.model].items():
        kind, shape, dtype = spec[:3]
        if kind == "ids":
            value = rng.integers(0, spec[3], size=shape).astype(dtype)
        else:
            value = rng.standard_normal(shape).astype(dtype)
        np.save(os.path.join(args.dir, name + ".npy"), value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
