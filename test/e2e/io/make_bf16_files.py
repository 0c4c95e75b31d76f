# Writes the input files of bf16.test into argv[1]. The values, by hand:
# x = [1.5, 2.0078125, -3, 0.1] as f32; in bf16 (7 mantissa bits, ties to
# even) 2.0078125 = 2 * (1 + 2^-8) is halfway and goes to 2, and 0.1 goes to
# 0x3DCD = 0.10009765625. Their bf16 bits: 1.5 = 0x3FC0, 2 = 0x4000,
# -3 = 0xC040, 0.10009765625 = 0x3DCD.
import json
import os
import struct
import sys

import numpy as np

out = sys.argv[1]
bits = np.array([0x3FC0, 0x4000, 0xC040, 0x3DCD], dtype=np.uint16)
np.save(os.path.join(out, "x_f32.npy"),
        np.array([1.5, 2.0078125, -3, 0.1], dtype=np.float32))
np.save(os.path.join(out, "x_u2.npy"), bits)
np.save(os.path.join(out, "x_v2.npy"), bits.view("V2"))  # as ml_dtypes saves
np.save(os.path.join(out, "w.npy"), np.array([0.5, -1], dtype=np.float32))


def safetensors(path, tensors):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


safetensors(os.path.join(out, "x.safetensors"),
            {"x": ("BF16", [4], bits.tobytes())})
safetensors(os.path.join(out, "other.safetensors"),
            {"a": ("BF16", [4], bits.tobytes()),
             "b": ("BF16", [4], bits.tobytes())})
