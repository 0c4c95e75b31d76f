#!/usr/bin/env python3
"""Checks heed's outputs for the example models against PyTorch.

Usage: torch_models.py MODEL DIR [--tolerance T]

Reads, from DIR (laid out by the e2e lit tests):
  DIR/NAME.npy          every graph input (written by make_inputs.py)
  DIR/w.safetensors     the weights heed used (heed-run --save-weights)
  DIR/out/NAME.npy      heed's outputs (heed-run --output-dir DIR/out)
builds the same model in PyTorch with the same parameter names, loads the
weights with a strict load_state_dict, runs it in float64 and prints, per
output, the max-norm relative error max|heed - torch| / max|torch|. Exits 1
if any error exceeds the tolerance (default 1e-5) or anything is missing.

Needs Debian's Python (/usr/bin/python3) with torch and numpy. The
safetensors reader is tools/torch-reference/safetensors_np.py (the package is
not installed).
"""

import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "torch-reference"))
from safetensors_np import read_safetensors  # noqa: E402

#===------------------------------------------------------------------------===#
# I/O
#===------------------------------------------------------------------------===#

def load_state(model, path):
    """Loads heed's weights into model (strict), as float64."""
    state = {k: torch.from_numpy(v).double()
             for k, v in read_safetensors(path).items()}
    # BatchNorm's step counter is training-only state heed does not keep.
    for key, value in model.state_dict().items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = value
    model.load_state_dict(state, strict=True)
    return model.double().eval()


def load_input(d, name):
    return torch.from_numpy(np.load(os.path.join(d, name + ".npy")))


def floats(t):
    return t.double()

#===------------------------------------------------------------------------===#
# Models (parameter names match examples/*.heed)
#===------------------------------------------------------------------------===#


class SelfAttention(nn.Module):
    """Multi-head self-attention with separate q/k/v/out projections, computed
    by PyTorch's own F.multi_head_attention_forward (batch first)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x):
        t = x.transpose(0, 1)  # [L, B, D]: the functional form is seq first
        bias = torch.cat([self.q_proj.bias, self.k_proj.bias,
                          self.v_proj.bias])
        out, _ = F.multi_head_attention_forward(
            t, t, t, t.shape[-1], self.heads,
            in_proj_weight=None, in_proj_bias=bias,
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
            out_proj_weight=self.out_proj.weight,
            out_proj_bias=self.out_proj.bias, training=False,
            need_weights=False, use_separate_proj_weight=True,
            q_proj_weight=self.q_proj.weight,
            k_proj_weight=self.k_proj.weight,
            v_proj_weight=self.v_proj.weight)
        return out.transpose(0, 1)


class TransformerEncoder(nn.Module):
    """Post-norm encoder layer (examples/transformer_encoder.heed)."""

    def __init__(self, d=64, heads=4, ffn=256):
        super().__init__()
        self.self_attn = SelfAttention(d, heads)
        self.norm1 = nn.LayerNorm(d)
        self.linear1 = nn.Linear(d, ffn)
        self.linear2 = nn.Linear(ffn, d)
        self.norm2 = nn.LayerNorm(d)

    def forward(self, x):
        h = self.norm1(x + self.self_attn(x))
        return {"y": self.norm2(h + self.linear2(F.gelu(self.linear1(h))))}


def torch_encoder_layer(model):
    """The same layer as torch.nn.TransformerEncoderLayer, Q/K/V packed into
    in_proj_weight: a second check that heed's layer is the standard one."""
    a = model.self_attn
    layer = nn.TransformerEncoderLayer(
        d_model=64, nhead=4, dim_feedforward=256, dropout=0.0,
        activation="gelu", batch_first=True, norm_first=False).double().eval()
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(
            torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight]))
        layer.self_attn.in_proj_bias.copy_(
            torch.cat([a.q_proj.bias, a.k_proj.bias, a.v_proj.bias]))
        layer.self_attn.out_proj.weight.copy_(a.out_proj.weight)
        layer.self_attn.out_proj.bias.copy_(a.out_proj.bias)
        for name in ("linear1", "linear2", "norm1", "norm2"):
            getattr(layer, name).load_state_dict(
                getattr(model, name).state_dict())
    return layer


class AdditiveAttention(nn.Module):
    """Seed section 1 as intended: score_t = attn([h; s_t]),
    alpha = softmax_t(score), context = h + sum_t alpha_t s_t."""

    def __init__(self, hidden):
        super().__init__()
        self.attn = nn.Linear(2 * hidden, 1)

    def forward(self, hidden, states):
        b, t, h = states.shape
        pairs = torch.cat([hidden.unsqueeze(1).expand(b, t, h), states], dim=2)
        scores = self.attn(pairs).squeeze(2)               # [B, T]
        alpha = torch.softmax(scores, dim=1)
        context = hidden + torch.bmm(alpha.unsqueeze(1), states).squeeze(1)
        return context, alpha


class LstmAttentionClassifier(nn.Module):
    """Seed section 2 (examples/lstm_attention_classifier.heed)."""

    def __init__(self, vocab=1000, embed=64, hidden=64, classes=5):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.attn = AdditiveAttention(hidden)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, text):
        output, (h_n, _) = self.lstm(self.embedding(text))
        context, alpha = self.attn(h_n[-1], output)
        return {"logits": self.fc(context), "attention": alpha}


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)


class CnnAttentionClassifier(nn.Module):
    """Seeds sections 3/4/16 (examples/cnn_attention_classifier.heed)."""

    def __init__(self, c1=16, c2=32, heads=4, classes=10):
        super().__init__()
        self.block1 = ConvBlock(3, c1)
        self.block2 = ConvBlock(c1, c2)
        self.attn = SelfAttention(c2, heads)
        self.fc = nn.Linear(c2, classes)

    def forward(self, images):
        f = self.block2(self.block1(images))
        seq = f.flatten(2).transpose(1, 2)                 # [B, HW, C]
        return {"logits": self.fc(self.attn(seq).mean(dim=1))}


def causal_attention(q, k, v):
    """softmax(Q K^T / sqrt(D) with keys j > i masked out) V, by hand (torch
    1.13 has no scaled_dot_product_attention)."""
    length, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    visible = torch.ones(length, length, dtype=torch.bool).tril()
    scores = scores.masked_fill(~visible, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v

#===------------------------------------------------------------------------===#
# Checks
#===------------------------------------------------------------------------===#


def run_model(name, d):
    """{output name: {label: expected tensor}} for model name."""
    weights = os.path.join(d, "w.safetensors")
    with torch.no_grad():
        if name == "transformer_encoder":
            model = load_state(TransformerEncoder(), weights)
            x = floats(load_input(d, "x"))
            return {"y": {"torch": model(x)["y"],
                          "nn.TransformerEncoderLayer":
                              torch_encoder_layer(model)(x)}}
        if name == "lstm_attention_classifier":
            model = load_state(LstmAttentionClassifier(), weights)
            out = model(load_input(d, "text").long())
            return {k: {"torch": v} for k, v in out.items()}
        if name == "cnn_attention_classifier":
            model = load_state(CnnAttentionClassifier(), weights)
            out = model(floats(load_input(d, "images")))
            return {k: {"torch": v} for k, v in out.items()}
        if name == "attention_spelled_out":
            q, k, v = (floats(load_input(d, n)) for n in "qkv")
            expected = causal_attention(q, k, v)
            return {o: {"torch": expected}
                    for o in ("spelled_iota", "spelled_tril", "fused")}
    raise KeyError(name)


MODELS = ["transformer_encoder", "lstm_attention_classifier",
          "cnn_attention_classifier", "attention_spelled_out"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=MODELS)
    parser.add_argument("dir")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    torch.manual_seed(0)

    expected = run_model(args.model, args.dir)
    ok = True
    for output, refs in expected.items():
        path = os.path.join(args.dir, "out", output + ".npy")
        if not os.path.exists(path):
            print(f"{args.model}.{output}: FAIL: heed wrote no {path}")
            ok = False
            continue
        got = torch.from_numpy(np.load(path)).double()
        for label, ref in refs.items():
            if tuple(got.shape) != tuple(ref.shape):
                print(f"{args.model}.{output} vs {label}: FAIL: shape "
                      f"{list(got.shape)} != {list(ref.shape)}")
                ok = False
                continue
            scale = ref.abs().max().item()
            err = (got - ref).abs().max().item() / (scale if scale else 1.0)
            good = err <= args.tolerance and math.isfinite(err)
            ok &= good
            print(f"{args.model}.{output} vs {label}: max rel error "
                  f"{err:.3e} ({'ok' if good else 'FAIL'}, tolerance "
                  f"{args.tolerance:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
