#!/usr/bin/env python3
"""Expected values of the builtin tests of test/frontend/ from PyTorch.

Run with Debian's Python (torch 1.13, numpy) from the repository root:

    /usr/bin/python3 test/frontend/Inputs/torch_goldens.py

It prints the values the CHECK lines of argmax.heed spell out (the inputs
are the ones that test writes with numpy).
"""

import torch

torch.set_grad_enabled(False)


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


if __name__ == "__main__":
    argmax_values()
