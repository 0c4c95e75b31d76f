"""Checks the ranges of --random-weights on the model of weights_roundtrip.heed.

Expected bounds are the documented rule (docs/language.md): uniform in
+-1/sqrt(fan_in), norm scales in 1 +- min(0.5, 1/sqrt(fan_in)).
"""
import json
import struct
import sys

import numpy as np


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        b, e = entry["data_offsets"]
        out[name] = np.frombuffer(data[base + b:base + e], "<f4").reshape(entry["shape"])
    return out


w = read_safetensors(sys.argv[1])
expect = {  # name: (shape, centre, bound)
    "fc1.weight": ((64, 16), 0.0, 1 / 16 ** 0.5),
    "fc1.bias": ((64,), 0.0, 1 / 16 ** 0.5),
    "norm.weight": ((64,), 1.0, 1 / 64 ** 0.5),
    "norm.bias": ((64,), 0.0, 1 / 64 ** 0.5),
    "fc2.weight": ((4, 64), 0.0, 1 / 64 ** 0.5),
    "fc2.bias": ((4,), 0.0, 1 / 64 ** 0.5),
}
assert sorted(w) == sorted(expect), sorted(w)
for name, (shape, centre, bound) in expect.items():
    t = w[name]
    assert t.shape == shape, (name, t.shape)
    dev = np.abs(t - centre)
    assert dev.max() <= bound, (name, dev.max(), bound)
    # With 64+ draws the spread must reach well into the interval.
    if t.size >= 64:
        assert dev.max() > 0.8 * bound, (name, dev.max(), bound)
print("random weights within bounds")
