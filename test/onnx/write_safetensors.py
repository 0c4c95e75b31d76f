"""write_safetensors.py OUT NAME N VALUE: a safetensors file holding one f32
tensor NAME of N elements, all VALUE (written by hand from the format's
definition: an 8-byte little-endian header length, a JSON header, the
data)."""
import json
import struct
import sys

import numpy as np

out, name, n, value = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(
    sys.argv[4])
data = np.full((n,), value, np.float32).tobytes()
header = json.dumps({name: {"dtype": "F32", "shape": [n],
                            "data_offsets": [0, len(data)]}}).encode()
header += b" " * (-len(header) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + data)
