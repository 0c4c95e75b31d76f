"""Writes the safetensors files of safetensors-layout.test (test/driver) into argv[1]."""
import json
import struct
import sys


def write(path, entries, data):
    header = json.dumps(entries).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


def f32(offsets):
    return {"dtype": "F32", "shape": [2], "data_offsets": offsets}


folder = sys.argv[1]
write(folder + "/overlap.safetensors",
      {"a": f32([0, 8]), "b": f32([0, 8])}, bytes(8))
write(folder + "/hole.safetensors",
      {"a": f32([0, 8]), "b": f32([12, 20])}, bytes(20))
write(folder + "/trailing.safetensors", {"a": f32([0, 8])}, bytes(12))
# ln2.bias of tiny_bert.onnx with a NaN in element 3 (f32 bit pattern).
nan = bytearray(16 * 4)
nan[12:16] = struct.pack("<I", 0x7FC00000)
write(folder + "/nan.safetensors",
      {"ln2.bias": {"dtype": "F32", "shape": [16], "data_offsets": [0, 64]}},
      bytes(nan))
write(folder + "/good.safetensors",
      {"a": f32([0, 8]), "b": f32([8, 16])}, bytes(16))
