"""Writing a dict of tensors as a .safetensors file (for heed.compile's
``weights=`` given as a dict or a torch ``state_dict``)."""

import json
import struct

import numpy as np

_DTYPES = {
    np.dtype(np.float32): "F32",
    np.dtype(np.float16): "F16",
    np.dtype(np.float64): "F64",
    np.dtype(np.int64): "I64",
    np.dtype(np.int32): "I32",
    np.dtype(np.bool_): "BOOL",
}


def to_numpy(value):
    """A NumPy array of ``value`` (a NumPy array, a torch tensor, or
    anything np.asarray takes), without a copy where it can."""
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def write(path, tensors):
    """Writes ``tensors`` (name -> array or tensor) to ``path``; float64
    tensors are written as F64 (heedc converts what a model declares)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(to_numpy(tensors[name]))
        if array.dtype not in _DTYPES:
            raise TypeError(f"weight '{name}' has dtype {array.dtype}, which "
                            f"a .safetensors file for Heed cannot hold")
        data = array.tobytes()
        header[name] = {"dtype": _DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
