"""A small safetensors reader on NumPy (the safetensors package is not
installed). Shared by tools/torch-reference/seed_models.py and the e2e tests
(test/e2e/torch_models.py, test/e2e/check_random_weights.py): import it after
putting this folder on sys.path.

Format: an 8-byte little-endian header length N, N bytes of JSON mapping each
name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the
end of the header; an optional "__metadata__" entry), then the raw
little-endian data.
"""

import json
import struct

import numpy as np

_ST_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


def read_safetensors(path):
    """The tensors of a .safetensors file as a name -> np.ndarray dict (BF16
    tensors are widened to float32)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            dtype = np.dtype(_ST_DTYPES[info["dtype"]]).newbyteorder("<")
            array = np.frombuffer(raw, dtype=dtype)
        count = int(np.prod(shape)) if shape else 1
        if array.size != count:
            raise ValueError(f"{path}: {name}: {array.size} elements for "
                             f"shape {list(shape)}")
        tensors[name] = array.reshape(shape).copy()
    return tensors


def write_safetensors(path, tensors):
    """Writes a name -> np.ndarray dict (float32, int64...) as .safetensors,
    tensors in name order."""
    names = {np.dtype(v).name: k for k, v in _ST_DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[array.dtype.name],
                        "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
