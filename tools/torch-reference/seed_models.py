#!/usr/bin/env python3
"""PyTorch references for the seed model zoo (examples/seed/*.heed) and the
models people bring (examples/models/*.heed).

Usage:
  seed_models.py list
  seed_models.py check   [--bin DIR] [--work DIR] [--tolerance T] [CASE...]
  seed_models.py goldens [--bin DIR] [CASE...]

Every CASE is one graph of one examples/ file at small dimensions (the
table CASES below: file, --entry, --dim flags, inputs). For a case, this
script writes the inputs with a fixed-seed NumPy generator, runs
`heed-run --reference MODEL --random-weights=1 FLAGS --input ...
--save-weights=w.safetensors --output-dir out`, builds the same model in
PyTorch with the same parameter names, loads heed's weights with a strict
load_state_dict, runs it in float64 on the same inputs, and compares every
output: max-norm relative error max|heed - torch| / max|torch| must be at
most the tolerance (default 1e-5).

  check    the live comparison (`make check-torch`); also checks that the
           committed goldens still equal PyTorch's outputs. Writes nothing
           outside --work (default: a temporary folder).
  goldens  rewrites goldens/CASE/inputs/NAME.npy (the inputs) and
           goldens/CASE/expected/NAME.npy (PyTorch's outputs, float32) after
           the same comparison (`make torch-goldens`). test/e2e/seed/*.test
           compare heed-run --reference and the compiled models against
           these files, so those tests need no PyTorch.

--bin is the folder with heed-run (default: build/bin of this checkout).
Needs Debian's Python (/usr/bin/python3) with torch 1.13 and numpy.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GOLDENS = os.path.join(HERE, "goldens")
sys.path.insert(0, HERE)
from safetensors_np import read_safetensors  # noqa: E402

#===------------------------------------------------------------------------===#
# Building blocks
#===------------------------------------------------------------------------===#


class AdditiveAttention(nn.Module):
    """Seed section 1 as intended (the `Attention` module):
    score_t = attn([h; s_t]), alpha = softmax_t(score),
    output = h + sum_t alpha_t s_t. Also the top-k variant of section 7."""

    def __init__(self, hidden, keep=None):
        super().__init__()
        self.attn = nn.Linear(2 * hidden, 1)
        self.keep = keep

    def forward(self, hidden, states):
        b, t, h = states.shape
        pairs = torch.cat([hidden.unsqueeze(1).expand(b, t, h), states], dim=2)
        scores = self.attn(pairs).squeeze(2)                    # [B, T]
        if self.keep is not None:                               # top-k
            _, index = scores.topk(self.keep, dim=1)
            kept = torch.zeros_like(scores, dtype=torch.bool)
            kept.scatter_(1, index, True)
            scores = scores.masked_fill(~kept, float("-inf"))
        alpha = torch.softmax(scores, dim=1)
        return hidden + torch.bmm(alpha.unsqueeze(1), states).squeeze(1), alpha


class SeedAttention(AdditiveAttention):
    """additive_attention.heed: the section 1 module on its own."""

    def forward(self, hidden, states):
        output, alpha = super().forward(hidden, states)
        return {"output": output, "attn_weights": alpha}


def heads(x, h):
    """[B, L, h*d] -> [B, h, L, d]."""
    b, n, _ = x.shape
    return x.view(b, n, h, -1).transpose(1, 2)


def merge(x):
    """[B, h, L, d] -> [B, L, h*d]."""
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


def sdpa(q, k, v, keep=None, topk=None):
    """softmax(q k^T / sqrt(d)) v, written out (torch 1.13 has no
    F.scaled_dot_product_attention); keep: a bool mask of visible keys."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if keep is not None:
        scores = scores.masked_fill(~keep, float("-inf"))
    if topk is not None:
        _, index = scores.topk(topk, dim=-1)
        kept = torch.zeros_like(scores, dtype=torch.bool)
        kept.scatter_(-1, index, True)
        scores = scores.masked_fill(~kept, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class QKV(nn.Module):
    def __init__(self, d, out=True):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(d, d)
                                                 for _ in range(3))
        if out:
            self.out_proj = nn.Linear(d, d)

#===------------------------------------------------------------------------===#
# The models (parameter names match examples/seed/*.heed)
#===------------------------------------------------------------------------===#


class TextClassifier(nn.Module):
    """text_classifier.heed (section 2); keep=k: sparse_text_classifier.heed
    (section 7)."""

    def __init__(self, vocab, embed, hidden, classes, keep=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.attn = AdditiveAttention(hidden, keep)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, text):
        output, (h_n, _) = self.lstm(self.embedding(text))
        context, alpha = self.attn(h_n[-1], output)
        return {"logits": self.fc(context), "attn_scores": alpha}


class MultiHead(QKV):
    """attention_variants.heed multi_head_attention: PyTorch's own
    F.multi_head_attention_forward with separate projection weights."""

    def __init__(self, d, h):
        super().__init__(d)
        self.h = h

    def forward(self, query, key, value):
        q, k, v = (t.transpose(0, 1) for t in (query, key, value))
        bias = torch.cat([self.q_proj.bias, self.k_proj.bias,
                          self.v_proj.bias])
        out, weights = F.multi_head_attention_forward(
            q, k, v, q.shape[-1], self.h, in_proj_weight=None,
            in_proj_bias=bias, bias_k=None, bias_v=None, add_zero_attn=False,
            dropout_p=0.0, out_proj_weight=self.out_proj.weight,
            out_proj_bias=self.out_proj.bias, training=False,
            need_weights=True, use_separate_proj_weight=True,
            q_proj_weight=self.q_proj.weight, k_proj_weight=self.k_proj.weight,
            v_proj_weight=self.v_proj.weight, average_attn_weights=True)
        return {"attn_output": out.transpose(0, 1), "attn_weights": weights}


class ScaledDotProduct(nn.Module):
    def forward(self, q, k, v):
        return {"out": sdpa(q, k, v)}


class Gated(QKV):
    """gated_self_attention: attention(q, k, v) * sigmoid(attn.gate(x))."""

    def __init__(self, d, h):
        super().__init__(d)
        self.h = h
        self.attn = nn.Module()
        self.attn.gate = nn.Linear(d, d)

    def forward(self, x):
        a = merge(sdpa(heads(self.q_proj(x), self.h),
                       heads(self.k_proj(x), self.h),
                       heads(self.v_proj(x), self.h)))
        return {"y": self.out_proj(a * torch.sigmoid(self.attn.gate(x)))}


class SelfAttention(QKV):
    def __init__(self, d):
        super().__init__(d, out=False)

    def forward(self, x):
        return {"y": sdpa(self.q_proj(x), self.k_proj(x), self.v_proj(x))}


class SparseAttention(QKV):
    """sparse_attention: each query keeps its `keep` largest scores."""

    def __init__(self, d, h, keep):
        super().__init__(d)
        self.h, self.keep = h, keep

    def forward(self, x):
        q, k, v = (heads(p(x), self.h)
                   for p in (self.q_proj, self.k_proj, self.v_proj))
        return {"y": self.out_proj(merge(sdpa(q, k, v, topk=self.keep)))}


class Bottleneck(nn.Module):
    """torchvision's Bottleneck (stride on the 3x3 conv)."""

    def __init__(self, cin, width, stride=1, down=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, 4 * width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * width)
        self.downsample = (nn.Sequential(
            nn.Conv2d(cin, 4 * width, 1, stride, bias=False),
            nn.BatchNorm2d(4 * width)) if down else None)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample else x))


class ResNet50Trunk(nn.Module):
    """torchvision.models.resnet50 without avgpool and fc (torchvision is
    not installed, so it is written out with the same names)."""

    def __init__(self, w=64):
        super().__init__()
        self.conv1 = nn.Conv2d(3, w, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        cin = w
        for i, (blocks, stride) in enumerate([(3, 1), (4, 2), (6, 2), (3, 2)]):
            width = w * 2 ** i
            layer = [Bottleneck(cin, width, stride, down=True)]
            layer += [Bottleneck(4 * width, width) for _ in range(blocks - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
            cin = 4 * width

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        return x


class ResNetAttention(nn.Module):
    """resnet50_attention.heed, both graphs."""

    def __init__(self, w, classes, video):
        super().__init__()
        self.backbone = ResNet50Trunk(w)
        self.attn = AdditiveAttention(32 * w)
        self.fc = nn.Linear(32 * w, classes)
        self.video = video

    def forward(self, x):
        if self.video:
            b, t = x.shape[:2]
            f = self.backbone(x.flatten(0, 1)).mean(dim=(2, 3)).view(b, t, -1)
        else:
            f = self.backbone(x).flatten(2).transpose(1, 2)     # [B, P, C]
        context, alpha = self.attn(f.mean(dim=1), f)
        return {"logits": self.fc(context), "attn_scores": alpha}


class LstmAttention(nn.Module):
    """The template of lstm_attention_models.heed: the seed's
    TimeSeriesModel / DiseasePredictionModel / ... (all one module)."""

    def __init__(self, inputs, hidden, out):
        super().__init__()
        self.lstm = nn.LSTM(inputs, hidden, batch_first=True)
        self.attn = AdditiveAttention(hidden)
        self.fc = nn.Linear(hidden, out)

    def forward(self, x):
        output, (h_n, _) = self.lstm(x)
        context, alpha = self.attn(h_n[-1], output)
        return self.fc(context), alpha


class Prefixed(nn.Module):
    """The template module under `model.`, named like the heed outputs."""

    def __init__(self, model, names):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, x):
        return dict(zip(self.names, self.model(x)))


class EmbeddingAttention(nn.Module):
    """embedding_attention_models.heed: a query id's embedding attends over a
    sequence of ids' embeddings."""

    def __init__(self, names, sizes, dim, out, head):
        super().__init__()
        self.names = names
        for name, size in zip(names, sizes):
            setattr(self, name, nn.Embedding(size, dim))
        self.attn = AdditiveAttention(dim)
        self.fc = nn.Linear(dim, out)
        self.head = head

    def forward(self, query, seq):
        q = getattr(self, self.names[0])(query)
        s = getattr(self, self.names[1])(seq)
        context, alpha = self.attn(q, s)
        y = self.fc(context)
        if self.head == "probability":
            y = torch.sigmoid(y)
        return {self.head: y, "attn_scores": alpha}


class Seq2Seq(nn.Module):
    """seq2seq.heed (section 6) and, with an embedding, text_generation.heed
    (section 19)."""

    def __init__(self, inputs, hidden, out, vocab=None):
        super().__init__()
        if vocab is not None:
            self.embedding = nn.Embedding(vocab, inputs)
        self.encoder = nn.LSTM(inputs, hidden, batch_first=True)
        self.decoder = nn.LSTM(out if vocab is None else inputs, hidden,
                               batch_first=True)
        self.attn = AdditiveAttention(hidden)
        self.fc = nn.Linear(hidden, out if vocab is None else vocab)
        self.vocab = vocab

    def forward(self, src, tgt):
        if self.vocab is not None:
            src, tgt = self.embedding(src), self.embedding(tgt)
        enc, state = self.encoder(src)
        dec, _ = self.decoder(tgt, state)
        contexts, alphas = [], []
        for t in range(dec.shape[1]):           # one attention per step
            c, a = self.attn(dec[:, t], enc)
            contexts.append(c)
            alphas.append(a)
        return {"logits": self.fc(torch.stack(contexts, 1)),
                "attn_scores": torch.stack(alphas, 1)}


class ImageTextMatching(nn.Module):
    def __init__(self, fi, ft, d, out):
        super().__init__()
        self.image_embedding = nn.Linear(fi, d)
        self.text_embedding = nn.Linear(ft, d)
        self.attn = AdditiveAttention(d)
        self.fc = nn.Linear(d, out)

    def forward(self, image, text):
        context, alpha = self.attn(self.image_embedding(image),
                                   self.text_embedding(text))
        return {"logits": self.fc(context), "attn_scores": alpha}


class SuperResolution(nn.Module):
    def __init__(self, f=64, r=2):
        super().__init__()
        self.head = nn.Conv2d(3, f, 3, padding=1)
        self.query, self.key, self.value = (nn.Linear(f, f) for _ in range(3))
        self.upsample = nn.Conv2d(f, f * r * r, 3, padding=1)
        self.shuffle = nn.PixelShuffle(r)
        self.fc = nn.Conv2d(f, 3, 3, padding=1)

    def forward(self, x):
        f = F.relu(self.head(x))
        seq = f.flatten(2).transpose(1, 2)
        a = sdpa(self.query(seq), self.key(seq), self.value(seq))
        g = f + a.transpose(1, 2).reshape(f.shape)
        u = self.shuffle(self.upsample(g))
        return {"high_res": self.fc(F.relu(u))}


class BertLayer(nn.Module):
    """Hugging Face's BertLayer (eval), written out with its names; the
    padding mask is added as (1 - mask) * finfo.min, as BertModel does."""

    def __init__(self, d=768, h=12):
        super().__init__()
        self.h = h
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        for n in ("query", "key", "value"):
            setattr(self.attention.self, n, nn.Linear(d, d))
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(d, d)
        self.attention.output.LayerNorm = nn.LayerNorm(d, eps=1e-12)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(d, 4 * d)
        self.output = nn.Module()
        self.output.dense = nn.Linear(4 * d, d)
        self.output.LayerNorm = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, attention_mask):
        s = self.attention.self
        q, k, v = (heads(p(x), self.h) for p in (s.query, s.key, s.value))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        extended = (1.0 - attention_mask[:, None, None, :].to(x.dtype))
        scores = scores + extended * torch.finfo(x.dtype).min
        context = merge(torch.softmax(scores, dim=-1) @ v)
        o = self.attention.output
        a = o.LayerNorm(o.dense(context) + x)
        i = F.gelu(self.intermediate.dense(a))
        return {"y": self.output.LayerNorm(self.output.dense(i) + a)}


class GptBlock(nn.Module):
    """nanoGPT's Block (causal self-attention with a tril mask)."""

    def __init__(self, d=768, h=12):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d, 3 * d)
        self.attn.c_proj = nn.Linear(d, d)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, 4 * d)
        self.mlp.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        n, d = x.shape[1], x.shape[2]
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(d, dim=2)
        keep = torch.ones(n, n, dtype=torch.bool).tril()
        a = merge(sdpa(heads(q, self.h), heads(k, self.h), heads(v, self.h),
                       keep=keep))
        x = x + self.attn.c_proj(a)
        m = self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))
        return {"y": x + m}

#===------------------------------------------------------------------------===#
# Models people bring (examples/models/), as their PyTorch sources write them
#===------------------------------------------------------------------------===#


class BahdanauAttention(nn.Module):
    """PyTorch's seq2seq tutorial ("NLP From Scratch: Translation with a
    Sequence to Sequence Network and Attention"), with an optional padding
    mask (true = attend)."""

    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys, mask=None):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        if mask is not None:
            scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderStep(nn.Module):
    """The tutorial's AttnDecoderRNN.forward_step (dropout off)."""

    def __init__(self, hidden_size, output_size):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, input, hidden, encoder_outputs, mask=None):
        embedded = self.embedding(input)
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs, mask)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        return {"logits": self.out(output), "h": hidden,
                "attn_weights": attn_weights}


class BiLstmTagger(nn.Module):
    """A tagger over padded batches: the LSTM reads a packed sequence."""

    def __init__(self, vocab, emb, hidden, tags):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, bidirectional=True,
                            batch_first=True)
        self.fc = nn.Linear(2 * hidden, tags)

    def forward(self, tokens, lengths):
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        x = self.embedding(tokens)
        packed = pack_padded_sequence(x, lengths, batch_first=True,
                                      enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True,
                                     total_length=tokens.shape[1])
        return {"logits": self.fc(out), "h": h, "c": c}


class LlamaRMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


class LlamaAttention(nn.Module):
    def __init__(self, d, heads, kv_heads):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, d // heads
        self.q_proj = nn.Linear(d, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(d, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(d, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, d, bias=False)

    def forward(self, x):
        b, n, _ = x.shape
        hd = self.head_dim

        def rotate_half(t):
            t1, t2 = t[..., :hd // 2], t[..., hd // 2:]
            return torch.cat((-t2, t1), dim=-1)

        inv_freq = 1.0 / (10000 ** (torch.arange(0, hd, 2).double() / hd))
        freqs = torch.arange(n).double()[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        q = self.q_proj(x).view(b, n, self.heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(b, n, self.kv_heads, hd).transpose(1, 2)
        v = self.v_proj(x).view(b, n, self.kv_heads, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        causal = torch.ones(n, n, dtype=torch.bool).tril()
        out = sdpa(q, k, v, keep=causal)
        return self.o_proj(out.transpose(1, 2).reshape(b, n, -1))


class LlamaMLP(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaBlock(nn.Module):
    """Hugging Face's LlamaDecoderLayer (rotary embeddings, grouped-query
    attention, SwiGLU), written out for torch 1.13."""

    def __init__(self, d, heads, kv_heads, f):
        super().__init__()
        self.input_layernorm = LlamaRMSNorm(d)
        self.self_attn = LlamaAttention(d, heads, kv_heads)
        self.post_attention_layernorm = LlamaRMSNorm(d)
        self.mlp = LlamaMLP(d, f)

    def forward(self, x):
        r = x + self.self_attn(self.input_layernorm(x))
        return {"y": r + self.mlp(self.post_attention_layernorm(r))}


class VitBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d)
        self.attn = nn.Module()
        for name in ("q", "k", "v", "proj"):
            setattr(self.attn, name, nn.Linear(d, d))
        self.norm2 = nn.LayerNorm(d)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(d, 4 * d)
        self.mlp.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        h = self.norm1(x)
        q, k, v = (heads(getattr(self.attn, n)(h), self.heads) for n in "qkv")
        x = x + self.attn.proj(merge(sdpa(q, k, v)))
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))


class Vit(nn.Module):
    """A small ViT: Conv2d patches, a class token and position embedding as
    bare nn.Parameters, pre-norm blocks, the class token to the head."""

    def __init__(self, patch, d, heads, patches, classes, depth=2):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, d, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, patches + 1, d))
        self.blocks = nn.ModuleList(VitBlock(d, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, images):
        x = self.patch_embed(images).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return {"logits": self.head(self.norm(x)[:, 0])}


class WhisperAttention(nn.Module):
    """whisper.model.MultiHeadAttention (self-attention, no cache): the key
    has no bias; q and k are each scaled by d_head^-0.25."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d, bias=False)
        self.value = nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        scale = (x.shape[-1] // self.heads) ** -0.25
        q = heads(self.query(x), self.heads) * scale
        k = heads(self.key(x), self.heads) * scale
        w = F.softmax(q @ k.transpose(-1, -2), dim=-1)
        return self.out(merge(w @ heads(self.value(x), self.heads)))


class WhisperBlock(nn.Module):
    """whisper.model.ResidualAttentionBlock without cross-attention."""

    def __init__(self, d, heads):
        super().__init__()
        self.attn = WhisperAttention(d, heads)
        self.attn_ln = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(),
                                 nn.Linear(4 * d, d))
        self.mlp_ln = nn.LayerNorm(d)

    def forward(self, x):
        x = x + self.attn(self.attn_ln(x))
        return x + self.mlp(self.mlp_ln(x))


def whisper_sinusoids(length, channels, max_timescale=10000):
    """whisper.model.sinusoids."""
    increment = np.log(max_timescale) / (channels // 2 - 1)
    inv = torch.exp(-increment * torch.arange(channels // 2))
    scaled = torch.arange(length)[:, None] * inv[None, :]
    return torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=1)


class WhisperEncoder(nn.Module):
    """whisper.model.AudioEncoder."""

    def __init__(self, mels, ctx, d, heads, layers=2):
        super().__init__()
        self.conv1 = nn.Conv1d(mels, d, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, stride=2, padding=1)
        self.register_buffer("positional_embedding",
                             whisper_sinusoids(ctx, d), persistent=False)
        self.blocks = nn.ModuleList(WhisperBlock(d, heads)
                                    for _ in range(layers))
        self.ln_post = nn.LayerNorm(d)

    def forward(self, mel):
        x = F.gelu(self.conv2(F.gelu(self.conv1(mel)))).permute(0, 2, 1)
        x = x + self.positional_embedding.to(x.dtype)
        for block in self.blocks:
            x = block(x)
        return {"y": self.ln_post(x)}


class T5LayerNorm(nn.Module):
    """transformers' T5LayerNorm: no mean, no bias."""

    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True)
                                              + self.eps))


def t5_relative_position_bucket(rel, num_buckets, max_distance):
    """transformers' T5Attention._relative_position_bucket, bidirectional."""
    num_buckets //= 2
    buckets = (rel > 0).to(torch.long) * num_buckets
    rel = torch.abs(rel)
    max_exact = num_buckets // 2
    large = max_exact + (torch.log(rel.float() / max_exact)
                         / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(rel < max_exact, rel, large)


class T5Block(nn.Module):
    """transformers' T5Block of an encoder (no cross-attention); the
    position bias comes from the first block."""

    def __init__(self, d, heads, d_ff, buckets=None):
        super().__init__()
        self.heads = heads
        attn = nn.Module()
        for name in "qkvo":
            setattr(attn, name, nn.Linear(d, d, bias=False))
        if buckets:
            attn.relative_attention_bias = nn.Embedding(buckets, heads)
        self.layer = nn.ModuleList([nn.Module(), nn.Module()])
        self.layer[0].SelfAttention = attn
        self.layer[0].layer_norm = T5LayerNorm(d)
        ff = nn.Module()
        ff.wi = nn.Linear(d, d_ff, bias=False)
        ff.wo = nn.Linear(d_ff, d, bias=False)
        self.layer[1].DenseReluDense = ff
        self.layer[1].layer_norm = T5LayerNorm(d)

    def forward(self, x, bias):
        attn = self.layer[0].SelfAttention
        h = self.layer[0].layer_norm(x)
        q, k, v = (heads(getattr(attn, n)(h), self.heads) for n in "qkv")
        w = F.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)  # no scaling
        x = x + attn.o(merge(w @ v))
        ff = self.layer[1].DenseReluDense
        return x + ff.wo(F.relu(ff.wi(self.layer[1].layer_norm(x))))


class T5Encoder(nn.Module):
    """transformers' T5EncoderModel (shared embedding, relative position
    bias of block 0 in every block, padding mask, final_layer_norm)."""

    def __init__(self, vocab, d, heads, d_ff, buckets, max_distance,
                 layers=2):
        super().__init__()
        self.buckets, self.max_distance = buckets, max_distance
        self.shared = nn.Embedding(vocab, d)
        self.encoder = nn.Module()
        self.encoder.block = nn.ModuleList(
            T5Block(d, heads, d_ff, buckets if i == 0 else None)
            for i in range(layers))
        self.encoder.final_layer_norm = T5LayerNorm(d)

    def forward(self, input_ids, attention_mask):
        n = input_ids.shape[1]
        rel = torch.arange(n)[None, :] - torch.arange(n)[:, None]
        table = self.encoder.block[0].layer[0].SelfAttention \
            .relative_attention_bias
        bias = table(t5_relative_position_bucket(rel, self.buckets,
                                                 self.max_distance))
        bias = bias.permute(2, 0, 1)[None].to(self.shared.weight.dtype)
        bias = bias.masked_fill(~attention_mask[:, None, None, :],
                                float("-inf"))
        x = self.shared(input_ids)
        for block in self.encoder.block:
            x = block(x, bias)
        return {"last_hidden_state": self.encoder.final_layer_norm(x)}


class BartAttention(nn.Module):
    """transformers' BartAttention: q scaled by head_dim^-0.5."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self, name, nn.Linear(d, d))

    def forward(self, x, kv, keep):
        d = x.shape[-1] // self.heads
        q = heads(self.q_proj(x) * d ** -0.5, self.heads)
        k, v = heads(self.k_proj(kv), self.heads), heads(self.v_proj(kv),
                                                          self.heads)
        s = (q @ k.transpose(-1, -2)).masked_fill(~keep, float("-inf"))
        return self.out_proj(merge(F.softmax(s, dim=-1) @ v))


class BartLayer(nn.Module):
    """transformers' BartEncoderLayer, or BartDecoderLayer (cross=True):
    post-norm, GELU."""

    def __init__(self, d, heads, ffn, cross=False):
        super().__init__()
        self.self_attn = BartAttention(d, heads)
        self.self_attn_layer_norm = nn.LayerNorm(d)
        if cross:
            self.encoder_attn = BartAttention(d, heads)
            self.encoder_attn_layer_norm = nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, x, self_keep, memory=None, cross_keep=None):
        x = self.self_attn_layer_norm(x + self.self_attn(x, x, self_keep))
        if memory is not None:
            x = self.encoder_attn_layer_norm(
                x + self.encoder_attn(x, memory, cross_keep))
        return self.final_layer_norm(x + self.fc2(F.gelu(self.fc1(x))))


class BartStack(nn.Module):
    def __init__(self, d, heads, ffn, positions, layers, cross):
        super().__init__()
        self.embed_positions = nn.Embedding(positions + 2, d)  # offset 2
        self.layernorm_embedding = nn.LayerNorm(d)
        self.layers = nn.ModuleList(BartLayer(d, heads, ffn, cross)
                                    for _ in range(layers))

    def embed(self, tokens):
        n = tokens.shape[1]
        return self.layernorm_embedding(
            tokens + self.embed_positions(torch.arange(n) + 2))


class Bart(nn.Module):
    """transformers' BartModel: shared embedding, encoder with a padding
    mask, decoder with causal self-attention and cross-attention."""

    def __init__(self, vocab, d, heads, ffn, positions, layers=2):
        super().__init__()
        self.shared = nn.Embedding(vocab, d)
        self.encoder = BartStack(d, heads, ffn, positions, layers, False)
        self.decoder = BartStack(d, heads, ffn, positions, layers, True)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        keep = attention_mask[:, None, None, :]
        x = self.encoder.embed(self.shared(input_ids))
        for layer in self.encoder.layers:
            x = layer(x, keep)
        t = decoder_input_ids.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        y = self.decoder.embed(self.shared(decoder_input_ids))
        for layer in self.decoder.layers:
            y = layer(y, causal, x, keep)
        return {"last_hidden_state": y, "encoder_last_hidden_state": x}


#===------------------------------------------------------------------------===#
# The cases: file, entry, --dim flags, inputs, the PyTorch model
#===------------------------------------------------------------------------===#

# Inputs: name -> (kind, shape[, n]); kind "f" is standard normal float32,
# "ids" int64 in [0, n), "lengths" int64 in [1, n] with the first n,
# "mask" bool with the first column true (so no row of a padding mask is
# empty).
LSTM_TEMPLATE = {
    "time_series": (10, 50, 1, "prediction", "input_seq"),
    "disease_prediction": (10, 50, 2, "logits", "input_seq"),
    "stock_prediction": (10, 50, 1, "prediction", "input_seq"),
    "user_interest": (10, 50, 5, "logits", "input_seq"),
    "vehicle_trajectory": (10, 50, 2, "position", "input_seq"),
    "product_recommendation": (10, 50, 5, "logits", "input_seq"),
    "speech_recognition": (26, 128, 30, "logits", "features"),
    "state_value": (10, 128, 1, "value", "states"),
}

EMBEDDING_TEMPLATE = {
    # entry: (input names, table names, table sizes, dim, out, head, N)
    "recommendation": (("user_id", "item_ids"),
                       ("user_embedding", "item_embedding"), 50, 1,
                       "probability", 20),
    "item_recommender": (("user_id", "item_ids"),
                         ("user_embedding", "item_embedding"), 512, 2,
                         "logits", 20),
    "entity_recognition": (("entity_id", "relation_ids"),
                           ("entity_embedding", "relation_embedding"), 512,
                           2, "logits", 20),
    "question_answering": (("question_id", "doc_ids"),
                           ("question_embedding", "doc_embedding"), 512, 1,
                           "score", 50),
}


def one_query_map(alpha):
    """Additive attention's weights [N, T] as an attention map [N, 1, 1, T]
    (one head, one query)."""
    return alpha.reshape(alpha.shape[0], 1, 1, alpha.shape[1])


def module_weights(model, query, key, value):
    """The per-head weights [B, H, L, S] of nn.MultiheadAttention holding
    MultiHead's parameters, need_weights=True, average_attn_weights=False."""
    mha = nn.MultiheadAttention(query.shape[-1], model.h, batch_first=True)
    mha = mha.double().eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat(
            [model.q_proj.weight, model.k_proj.weight, model.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat(
            [model.q_proj.bias, model.k_proj.bias, model.v_proj.bias]))
        mha.out_proj.weight.copy_(model.out_proj.weight)
        mha.out_proj.bias.copy_(model.out_proj.bias)
        _, weights = mha(query, key, value, need_weights=True,
                         average_attn_weights=False)
    return weights


def variant(entry, build, inputs):
    return {"file": "attention_variants.heed", "entry": entry,
            "dims": {"B": 1, "L": 20, "S": 10, "D": 128, "H": 2},
            "inputs": inputs, "build": build}


def make_cases():
    cases = {
        "additive_attention": {
            "file": "additive_attention.heed", "dims": {"T": 4},
            "inputs": {"hidden": ("f", (2, 512)),
                       "encoder_output": ("f", (2, 4, 512))},
            "build": lambda: SeedAttention(512),
            "maps": lambda model, out, args: {
                "output": one_query_map(out["attn_weights"])}},
        "text_classifier": {
            "file": "text_classifier.heed", "dims": {"T": 12},
            "inputs": {"text": ("ids", (2, 12), 10000)},
            "build": lambda: TextClassifier(10000, 300, 512, 2),
            "maps": lambda model, out, args: {
                "context": one_query_map(out["attn_scores"])}},
        "sparse_text_classifier": {
            "file": "sparse_text_classifier.heed", "dims": {"T": 20},
            "inputs": {"text": ("ids", (2, 20), 10000)},
            "build": lambda: TextClassifier(10000, 300, 512, 2, keep=2)},
        "multi_head_attention": dict(variant(
            "multi_head_attention", lambda: MultiHead(128, 2),
            {"query": ("f", (1, 20, 128)), "key": ("f", (1, 10, 128)),
             "value": ("f", (1, 10, 128))}),
            maps=lambda model, out, args: {"a": module_weights(model, *args)}),
        "scaled_dot_product_attention": variant(
            "scaled_dot_product_attention", ScaledDotProduct,
            {n: ("f", (1, 2, 20, 64)) for n in "qkv"}),
        "gated_self_attention": variant(
            "gated_self_attention", lambda: Gated(128, 2),
            {"x": ("f", (1, 20, 128))}),
        "self_attention": variant(
            "self_attention", lambda: SelfAttention(128),
            {"x": ("f", (1, 20, 128))}),
        "sparse_attention": variant(
            "sparse_attention", lambda: SparseAttention(128, 2, keep=2),
            {"x": ("f", (1, 20, 128))}),
        "image_classifier": {
            "file": "resnet50_attention.heed", "entry": "image_classifier",
            "dims": {"W": 8, "S": 64},
            "inputs": {"images": ("f", (1, 3, 64, 64))},
            "build": lambda: ResNetAttention(8, 1000, video=False)},
        "video_classifier": {
            "file": "resnet50_attention.heed", "entry": "video_classifier",
            "dims": {"W": 8, "S": 32, "T": 3},
            "inputs": {"videos": ("f", (1, 3, 3, 32, 32))},
            "build": lambda: ResNetAttention(8, 1000, video=True)},
        "seq2seq": {
            "file": "seq2seq.heed", "dims": {"S": 8, "T": 6},
            "inputs": {"input_seq": ("f", (2, 8, 100)),
                       "target_seq": ("f", (2, 6, 100))},
            "build": lambda: Seq2Seq(100, 512, 100),
            # One additive attention over B * T decoder steps.
            "maps": lambda model, out, args: {
                "context": one_query_map(out["attn_scores"].reshape(
                    -1, out["attn_scores"].shape[-1]))}},
        "text_generation": {
            "file": "text_generation.heed", "dims": {"S": 8, "T": 4, "V": 1000},
            "inputs": {"input_seq": ("ids", (2, 8), 1000),
                       "target_seq": ("ids", (2, 4), 1000)},
            "build": lambda: Seq2Seq(100, 512, None, vocab=1000)},
        "image_text_matching": {
            "file": "image_text_matching.heed", "dims": {"W": 8},
            "inputs": {"image_features": ("f", (2, 2048)),
                       "text_features": ("f", (2, 8, 512))},
            "build": lambda: ImageTextMatching(2048, 512, 256, 2)},
        "super_resolution": {
            "file": "super_resolution.heed", "dims": {"S": 8},
            "inputs": {"low_res": ("f", (1, 3, 8, 8))},
            "build": lambda: SuperResolution(64, 2)},
        "bert_encoder_layer": {
            "file": "bert_encoder_layer.heed", "dims": {"B": 1, "L": 8},
            "inputs": {"hidden_states": ("f", (1, 8, 768)),
                       "attention_mask": ("mask", (1, 8))},
            "build": lambda: BertLayer(768, 12)},
        "gpt_decoder_layer": {
            "file": "gpt_decoder_layer.heed", "dims": {"B": 1, "L": 8},
            "inputs": {"x": ("f", (1, 8, 768))},
            "build": lambda: GptBlock(768, 12)},
    }
    decoder_inputs = {"input": ("ids", (2, 1), 50),
                      "hidden": ("f", (1, 2, 32)),
                      "encoder_outputs": ("f", (2, 7, 32))}
    cases["bahdanau_decoder"] = {
        "file": "models/bahdanau_decoder.heed", "entry": "decoder_step",
        "dims": {}, "inputs": decoder_inputs,
        "build": lambda: AttnDecoderStep(32, 50)}
    cases["bahdanau_decoder_masked"] = {
        "file": "models/bahdanau_decoder.heed",
        "entry": "decoder_step_masked", "dims": {},
        "inputs": dict(decoder_inputs, mask=("mask", (2, 7))),
        "build": lambda: AttnDecoderStep(32, 50)}
    cases["vit"] = {
        "file": "models/vit.heed", "dims": {},
        "inputs": {"images": ("f", (2, 3, 32, 32))},
        "build": lambda: Vit(8, 48, 3, 16, 10)}
    cases["llama_block"] = {
        "file": "models/llama_block.heed", "dims": {},
        "inputs": {"x": ("f", (2, 8, 64))},
        "build": lambda: LlamaBlock(64, 4, 2, 128)}
    cases["whisper_encoder"] = {
        "file": "models/whisper_encoder.heed", "dims": {},
        "inputs": {"mel": ("f", (2, 16, 24))},
        "build": lambda: WhisperEncoder(16, 12, 32, 4)}
    cases["t5_encoder"] = {
        "file": "models/t5_encoder.heed", "dims": {},
        "inputs": {"input_ids": ("ids", (2, 10), 100),
                   "attention_mask": ("mask", (2, 10))},
        "build": lambda: T5Encoder(100, 32, 4, 64, 32, 128)}
    cases["bart"] = {
        "file": "models/bart.heed", "dims": {},
        "inputs": {"input_ids": ("ids", (2, 9), 100),
                   "attention_mask": ("mask", (2, 9)),
                   "decoder_input_ids": ("ids", (2, 7), 100)},
        "build": lambda: Bart(100, 32, 4, 64, 16)}
    cases["bilstm_tagger"] = {
        "file": "models/bilstm_tagger.heed", "dims": {},
        "inputs": {"tokens": ("ids", (3, 9), 100),
                   "lengths": ("lengths", (3,), 9)},
        "build": lambda: BiLstmTagger(100, 16, 12, 5)}
    for entry, (i, h, o, out, x) in LSTM_TEMPLATE.items():
        t = 100 if entry == "speech_recognition" else 30
        cases[entry] = {
            "file": "lstm_attention_models.heed", "entry": entry, "dims": {},
            "inputs": {x: ("f", (2, t, i))},
            "build": (lambda i=i, h=h, o=o, out=out:
                      Prefixed(LstmAttention(i, h, o), (out, "attn_scores")))}
    for entry, (names, tables, d, o, head, n) in EMBEDDING_TEMPLATE.items():
        cases[entry] = {
            "file": "embedding_attention_models.heed", "entry": entry,
            "dims": {},
            "inputs": {names[0]: ("ids", (2,), 1000),
                       names[1]: ("ids", (2, n), 5000)},
            "build": (lambda tables=tables, d=d, o=o, head=head:
                      EmbeddingAttention(tables, (1000, 5000), d, o, head))}
    return cases


CASES = make_cases()

#===------------------------------------------------------------------------===#
# Running a case
#===------------------------------------------------------------------------===#


def heed_flags(case):
    flags = ["--random-weights=1"]
    if "entry" in case:
        flags += ["--entry", case["entry"]]
    for name, value in case["dims"].items():
        flags += ["--dim", f"{name}={value}"]
    return flags


def write_inputs(name, case, folder):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    os.makedirs(folder, exist_ok=True)
    for input_name, spec in case["inputs"].items():
        kind, shape = spec[0], spec[1]
        if kind == "ids":
            value = rng.integers(0, spec[2], size=shape).astype(np.int64)
        elif kind == "lengths":  # sequence lengths in [1, n], n included
            value = rng.integers(1, spec[2] + 1, size=shape).astype(np.int64)
            value[0] = spec[2]
        elif kind == "mask":
            value = rng.random(shape) < 0.5
            value[..., 0] = True
        else:
            value = rng.standard_normal(shape).astype(np.float32)
        np.save(os.path.join(folder, input_name + ".npy"), value)


def model_path(case):
    """examples/seed/FILE, or examples/FOLDER/FILE for a file with a folder
    (the models people bring, examples/models/)."""
    folder = [] if "/" in case["file"] else ["seed"]
    return os.path.join(ROOT, "examples", *folder, case["file"])


def run_heed(bin_dir, case, inputs, weights, out, dump=None):
    """heed-run --reference, saving the weights and outputs; with dump, the
    compiled model (-O2) with --dump-attention DUMP instead."""
    cmd = [os.path.join(bin_dir, "heed-run"),
           "-O2" if dump else "--reference", model_path(case)]
    cmd += heed_flags(case)
    for input_name in case["inputs"]:
        cmd += ["--input", f"{input_name}={os.path.join(inputs, input_name)}.npy"]
    cmd += ["--dump-attention", dump] if dump else [
        f"--save-weights={weights}", "--output-dir", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def run_torch(case, inputs, weights):
    """({output name: float64 tensor}, {attention map name: float64
    [B, H, Lq, Lk] tensor}) from PyTorch; the maps of cases with "maps"."""
    model = case["build"]()
    state = {k: torch.from_numpy(v).double()
             for k, v in read_safetensors(weights).items()}
    # BatchNorm's step counter is training-only state heed does not keep.
    for key, value in model.state_dict().items():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = value
    model.load_state_dict(state, strict=True)
    model = model.double().eval()
    args = []
    for input_name in case["inputs"]:
        value = torch.from_numpy(np.load(os.path.join(inputs,
                                                      input_name + ".npy")))
        args.append(value.double() if value.is_floating_point() else value)
    with torch.no_grad():
        outputs = model(*args)
        maps = case["maps"](model, outputs, args) if "maps" in case else {}
    return outputs, maps


def max_rel(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return math.inf
    scale = np.abs(want).max()
    return float(np.abs(got - want).max() / (scale if scale else 1.0))


def check_case(name, case, bin_dir, work, tolerance, write_goldens):
    folder = os.path.join(work, name)
    inputs = os.path.join(folder, "inputs")
    write_inputs(name, case, inputs)
    weights = os.path.join(folder, "w.safetensors")
    out = os.path.join(folder, "heed")
    run_heed(bin_dir, case, inputs, weights, out)
    expected, maps = run_torch(case, inputs, weights)
    ok = True
    produced = sorted(f[:-4] for f in os.listdir(out) if f.endswith(".npy"))
    if produced != sorted(expected):
        print(f"{name}: FAIL: heed outputs {produced}, torch {sorted(expected)}")
        ok = False
    golden = os.path.join(GOLDENS, name)
    ok &= compare(f"{name}.", "heed", out, expected,
                  None if write_goldens else os.path.join(golden, "expected"),
                  tolerance)
    if maps:
        dump = os.path.join(folder, "attention")
        run_heed(bin_dir, case, inputs, None, None, dump=dump)
        ok &= compare(f"{name} attention map ", "heed -O2", dump, maps,
                      None if write_goldens else
                      os.path.join(golden, "attention"), tolerance)
    if write_goldens and ok:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(inputs, os.path.join(golden, "inputs"))
        for sub, tensors in (("expected", expected), ("attention", maps)):
            for key, want in tensors.items():
                os.makedirs(os.path.join(golden, sub), exist_ok=True)
                np.save(os.path.join(golden, sub, key + ".npy"),
                        want.numpy().astype(np.float32))
    return ok


def compare(label, heed, folder, tensors, golden, tolerance):
    """Compares folder/KEY.npy (heed's) and, unless golden is None,
    golden/KEY.npy with each PyTorch tensor; prints a line per tensor."""
    ok = True
    for key, want in tensors.items():
        want = want.numpy()
        path = os.path.join(folder, key + ".npy")
        err = max_rel(np.load(path), want) if os.path.exists(path) else math.inf
        good = err <= tolerance
        line = (f"{label}{key}: {heed} vs torch max rel error {err:.3e} "
                f"({'ok' if good else 'FAIL'})")
        if golden is not None:
            gpath = os.path.join(golden, key + ".npy")
            if os.path.exists(gpath):
                gerr = max_rel(np.load(gpath), want)
                good &= gerr <= tolerance
                line += (f"; golden vs torch {gerr:.3e} "
                         f"({'ok' if gerr <= tolerance else 'STALE'})")
            else:
                line += "; no golden"
        print(line)
        ok &= good
    return ok


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("command", choices=["list", "check", "goldens"])
    parser.add_argument("cases", nargs="*", metavar="CASE")
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--work", help="keep the files here")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_intermixed_args()
    names = args.cases or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; see `list`")
    if args.command == "list":
        for n in names:
            c = CASES[n]
            print(n, c["file"], " ".join(heed_flags(c)[1:]))
        return 0
    torch.manual_seed(0)
    work = args.work or tempfile.mkdtemp(prefix="seed-torch-")
    ok = True
    for n in names:
        ok &= check_case(n, CASES[n], args.bin, work, args.tolerance,
                         args.command == "goldens")
    if not args.work:
        shutil.rmtree(work)
    print(f"{'all' if ok else 'NOT all'} {len(names)} cases match PyTorch")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
