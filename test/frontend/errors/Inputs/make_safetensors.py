"""Writes a small safetensors file for the weight-binding error tests.

    make_safetensors.py OUT NAME:DTYPE:SHAPE ...

e.g. `fc.weight:F32:4x4 fc.bias:F16:4`; every tensor is filled with zeros.
The format: an 8-byte little-endian header length, a JSON header
{"NAME": {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}}, then
the raw data.
"""
import json
import struct
import sys

SIZES = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "BOOL": 1}

header, offset = {}, 0
for spec in sys.argv[2:]:
    name, dtype, shape = spec.split(":")
    dims = [int(d) for d in shape.split("x")] if shape else []
    size = SIZES[dtype]
    for d in dims:
        size *= d
    header[name] = {"dtype": dtype, "shape": dims,
                    "data_offsets": [offset, offset + size]}
    offset += size
text = json.dumps(header).encode()
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + bytes(offset))
