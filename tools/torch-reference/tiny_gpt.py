"""The PyTorch twin of examples/generate/tiny_gpt.heed, and the source of its
test data: fixed-seed weights (tiny_gpt.safetensors), a prompt (prompt.npy)
and PyTorch's greedy continuation of it.

PyTorch decodes the plain way, without a cache: each step runs the whole
sequence so far through the model with a causal mask and takes the argmax of
the last position's logits (the first largest). Heed's compiled model keeps a
KV cache in state and reads one token per run; the tokens must be the same.

    /usr/bin/python3 tools/torch-reference/tiny_gpt.py write examples/generate
    /usr/bin/python3 tools/torch-reference/tiny_gpt.py greedy examples/generate 20

`write` rewrites the weights and prompt and prints the greedy tokens;
`greedy` prints them for the committed files. Needs Debian's python3-torch.
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_np import read_safetensors, write_safetensors  # noqa: E402

V, D, H, T, LAYERS = 64, 32, 2, 32, 2  # tiny_gpt.heed's dims
PROMPT = [5, 17, 42, 3]


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.proj = (nn.Linear(D, D) for _ in range(4))

    def forward(self, x):
        b, L, _ = x.shape

        def heads(t):
            return t.view(b, L, H, D // H).transpose(1, 2)
        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        s = q @ k.transpose(-1, -2) / math.sqrt(D // H)
        causal = torch.ones(L, L, dtype=torch.bool).tril()
        p = F.softmax(s.masked_fill(~causal, float("-inf")), dim=-1)
        return self.proj((p @ v).transpose(1, 2).reshape(b, L, D))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.proj = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.attn, self.mlp = Attention(), Mlp()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(T, D)
        self.h = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(D)
        self.lm_head = nn.Linear(D, V, bias=False)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def greedy(model, prompt, n):
    seq = list(prompt)
    out = []
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([seq]))[0, -1]
            token = int(torch.argmax(logits))
            out.append(token)
            seq.append(token)
    return out


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    model = TinyGpt()
    weights = os.path.join(folder, "tiny_gpt.safetensors")
    if mode == "write":
        torch.manual_seed(0)
        model = TinyGpt()
        with torch.no_grad():  # LayerNorm's affine parameters off 1 and 0
            for name, p in model.named_parameters():
                if "ln" in name:
                    p.add_(0.1 * torch.randn_like(p))
        write_safetensors(weights, {k: v.numpy() for k, v in
                                    model.state_dict().items()})
        np.save(os.path.join(folder, "prompt.npy"),
                np.array(PROMPT, dtype=np.int64))
        n = 20
    else:
        state = {k: torch.from_numpy(v) for k, v in
                 read_safetensors(weights).items()}
        model.load_state_dict(state)
        n = int(sys.argv[3])
    model.eval()
    prompt = np.load(os.path.join(folder, "prompt.npy")).tolist()
    print(*greedy(model, prompt, n))


if __name__ == "__main__":
    main()
