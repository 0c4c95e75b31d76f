#!/usr/bin/env python3
"""Expected values of the builtin tests of test/frontend/ from PyTorch.

Run with Debian's Python (torch 1.13, numpy) from the repository root:

    /usr/bin/python3 test/frontend/Inputs/torch_goldens.py

It prints the values the CHECK lines of argmax.heed, pad.heed, cumsum.heed
and scatter.heed spell out (the inputs are the ones those tests write with
numpy), and rewrites
test/frontend/Inputs/conv1d/: x.npy (the input), w.safetensors (the
state_dict of the nn.Conv1d modules c1, c2, c3 and c4 of conv1d.heed, from
torch.manual_seed(0)) and expected/NAME.npy (each module's output, computed
in float64 and rounded to float32).
"""

import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_grad_enabled(False)
HERE = os.path.dirname(os.path.abspath(__file__))


def show(name, t):
    if isinstance(t, torch.Size):
        print(f"{name}: {list(t)}")
    else:
        print(f"{name}: {list(t.shape)} = {t.tolist()}")


def argmax_values():
    nan = float("nan")
    x = torch.tensor([[1, 3, 3, 2], [0, -1, -1, 5], [2, nan, 7, nan]],
                     dtype=torch.float32)
    j = torch.tensor([[3, -2147483648, 0, -2147483648], [4, 9, 9, -1]],
                     dtype=torch.int32)
    print("# argmax.heed")
    show("a", torch.argmax(x, dim=1))
    show("b", torch.argmin(x, dim=1))
    show("c", torch.argmin(x, dim=0, keepdim=True))
    show("d", torch.argmax(x, dim=-1, keepdim=True))
    show("e", torch.argmin(j, dim=1))
    show("f", torch.argmax(j, dim=1))


def pad_values():
    x = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.float32)
    n = torch.tensor([[1, 2], [3, 4]], dtype=torch.int64)
    y = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    print("# pad.heed")
    show("a", F.pad(x, [1, 2]))
    show("b", F.pad(x, [1, 0, 0, 1], value=-1.5))
    show("c", F.pad(x, [2, 1], mode="reflect"))
    # reflect of both axes of a 2-D tensor: as a batch of one 2-D image
    show("d", F.pad(x[None], [1, 1, 1, 1], mode="reflect")[0])
    show("e", F.pad(x, [-1, 1]))
    show("f", F.pad(n, [0, 2], value=7))
    show("g", F.pad(y, [0, 0, 1, 0], mode="reflect"))
    # rank 3, every axis: the rows 0 and 2 of axis 1 at index 1 of axis 0
    h = F.pad(y, [1, 1, 2, 0, 1, 1], value=0.25)
    show("h", h.shape)
    show("h0", h[1:2, 0:1, :])
    show("h2", h[1:2, 2:3, :])


def cumsum_values():
    x = torch.tensor([[1e8, 3, 3, 3], [0.5, -1.5, 2.25, 4]],
                     dtype=torch.float32)
    n = torch.tensor([[5, -7, 2], [1, 1, 1]], dtype=torch.int64)
    print("# cumsum.heed")
    show("a", torch.cumsum(x, 1))
    show("b", torch.cumsum(x, dim=0))
    show("c", torch.cumsum(n, -1))


def scatter_values():
    src = torch.arange(1, 11, dtype=torch.float32).reshape(2, 5)
    x = torch.zeros(3, 5)
    n = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int64)
    print("# scatter.heed")
    show("a", x.scatter(0, torch.tensor([[0, 1, 2, 0]]), src))
    show("b", x.scatter(1, torch.tensor([[0, 1, 2], [0, 1, 4]]), src))
    show("c", torch.full((2, 4), 2.0).scatter(1, torch.tensor([[2], [3]]),
                                              1.25))
    show("d", n.scatter(-1, torch.tensor([[2, 0], [1, 2]]),
                        torch.tensor([[-1, -2], [-3, -4]])))


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def conv1d_goldens():
    torch.manual_seed(0)
    out = os.path.join(HERE, "conv1d")
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    modules = {
        "c1": nn.Conv1d(4, 6, 3, padding=1),
        "c2": nn.Conv1d(4, 3, 2, stride=2, dilation=3, bias=False),
        "c3": nn.Conv1d(4, 8, 3, stride=1, padding=2, groups=2),
        "c4": nn.Conv1d(4, 4, 5, groups=4, dilation=2, padding=3),
    }
    x = torch.randn(2, 4, 11)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    state = {}
    for name, m in modules.items():
        for key, value in m.state_dict().items():
            state[f"{name}.{key}"] = value.numpy()
        y = m.double()(x.double()).float()
        np.save(os.path.join(out, "expected", name + ".npy"), y.numpy())
        print(f"# conv1d {name}: {list(y.shape)}")
    write_safetensors(os.path.join(out, "w.safetensors"), state)


if __name__ == "__main__":
    argmax_values()
    pad_values()
    cumsum_values()
    scatter_values()
    conv1d_goldens()
