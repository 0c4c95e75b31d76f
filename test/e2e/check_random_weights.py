"""Checks the ranges of --random-weights on the model of weights_roundtrip.heed.

Expected bounds are the documented rule (docs/language.md): uniform in
+-1/sqrt(fan_in), norm scales in 1 +- min(0.5, 1/sqrt(fan_in)).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "torch-reference"))
from safetensors_np import read_safetensors  # noqa: E402


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
    assert t.dtype == np.float32, (name, t.dtype)
    assert t.shape == shape, (name, t.shape)
    dev = np.abs(t - centre)
    assert dev.max() <= bound, (name, dev.max(), bound)
    # With 64+ draws the spread must reach well into the interval.
    if t.size >= 64:
        assert dev.max() > 0.8 * bound, (name, dev.max(), bound)
print("random weights within bounds")
