# Writes the weights of scaled.heed chosen for hand calculation (see
# use_scaled.c) to argv[1] as safetensors, with numpy only.
import json
import struct
import sys

import numpy as np

tensors = {
    "proj.weight": np.array([[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]], np.float32),
    "proj.bias": np.array([0, -1, 0.5], np.float32),
}
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    data = t.tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape),
                    "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
