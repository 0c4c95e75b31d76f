#!/usr/bin/env python3
"""Expected values for RecurrentTest.cpp, ConvTest.cpp and AttentionTest.cpp.

Run with a Python that has PyTorch (developed against torch 1.13):

    /usr/bin/python3 test/unit/reference/gen_expected.py > expected.txt

and paste the printed C++ arrays into the tests. Every input is deterministic:
wave(n, phase, amp)[i] = amp * sin(0.7 * i + phase), rounded to float32 (the
tests build the same values with the same formula and a Tensor of dtype f32,
which rounds them identically). The expected values are then computed by
PyTorch in float64 from those float32 inputs, so the only difference from the
reference kernels is the final rounding of their results to f32.

Attention has no fused PyTorch op in 1.13, so it is written out here with
torch tensor ops (matmul, masks built with tril / comparisons, torch.softmax,
torch.topk); rows whose keys are all masked are replaced by zeros, the
documented convention (PyTorch itself would give NaN).
"""

import math

import torch
import torch.nn.functional as F

torch.set_grad_enabled(False)


def wave(n, phase, amp):
    vals = [amp * math.sin(0.7 * i + phase) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).double()


def wave_t(shape, phase, amp):
    n = 1
    for d in shape:
        n *= d
    return wave(n, phase, amp).reshape(shape)


def emit(name, t):
    vals = t.reshape(-1).tolist()
    body = ", ".join("%.9g" % v for v in vals)
    print("// %s, shape %s" % (name, list(t.shape)))
    print("static const std::vector<double> %s = {%s};" % (name, body))


# --- Recurrent --------------------------------------------------------------
#
# Weight slot w = layer * dirs + dir: wIh = wave(.., 1 + w, 0.5),
# wHh = wave(.., 2 + w, 0.5), bIh = wave(.., 3 + w, 0.2),
# bHh = wave(.., 4 + w, 0.2). x = wave(.., 0, 1); h0 = wave(.., 5, 0.5);
# c0 = wave(.., 6, 0.5).


def set_rnn_weights(mod, gates, input_size, hidden, layers, dirs, bias):
    for layer in range(layers):
        in_size = input_size if layer == 0 else dirs * hidden
        for d in range(dirs):
            w = layer * dirs + d
            sfx = "_l%d%s" % (layer, "_reverse" if d == 1 else "")
            getattr(mod, "weight_ih" + sfx).copy_(
                wave_t([gates * hidden, in_size], 1.0 + w, 0.5))
            getattr(mod, "weight_hh" + sfx).copy_(
                wave_t([gates * hidden, hidden], 2.0 + w, 0.5))
            if bias:
                getattr(mod, "bias_ih" + sfx).copy_(
                    wave_t([gates * hidden], 3.0 + w, 0.2))
                getattr(mod, "bias_hh" + sfx).copy_(
                    wave_t([gates * hidden], 4.0 + w, 0.2))


def rnn_case(name, cls, B, T, I, H, layers, bidir, bias, with_h0):
    dirs = 2 if bidir else 1
    gates = 4 if cls is torch.nn.LSTM else 3
    mod = cls(I, H, num_layers=layers, bias=bias, batch_first=True,
              bidirectional=bidir).double()
    set_rnn_weights(mod, gates, I, H, layers, dirs, bias)
    x = wave_t([B, T, I], 0.0, 1.0)
    h0 = wave_t([layers * dirs, B, H], 5.0, 0.5)
    c0 = wave_t([layers * dirs, B, H], 6.0, 0.5)
    if cls is torch.nn.LSTM:
        if with_h0:
            seq, (hn, cn) = mod(x, (h0, c0))
        else:
            seq, (hn, cn) = mod(x)
        emit(name + "Seq", seq)
        emit(name + "H", hn)
        emit(name + "C", cn)
    else:
        seq, hn = mod(x, h0) if with_h0 else mod(x)
        emit(name + "Seq", seq)
        emit(name + "H", hn)


print("// ===== RecurrentTest.cpp =====")
rnn_case("kLstmUni", torch.nn.LSTM, 2, 3, 3, 2, 1, False, True, False)
rnn_case("kLstmUniH0", torch.nn.LSTM, 2, 3, 3, 2, 1, False, True, True)
rnn_case("kLstmBi", torch.nn.LSTM, 2, 3, 3, 2, 1, True, True, False)
rnn_case("kLstmTwoLayerBiH0", torch.nn.LSTM, 2, 4, 3, 2, 2, True, True, True)
rnn_case("kLstmTwoLayerNoBias", torch.nn.LSTM, 1, 3, 2, 3, 2, False, False,
         False)
rnn_case("kGruUniH0", torch.nn.GRU, 2, 3, 3, 2, 1, False, True, True)
rnn_case("kGruTwoLayerBi", torch.nn.GRU, 2, 4, 3, 2, 2, True, True, False)

# --- Conv -------------------------------------------------------------------
#
# x = wave(.., 0, 1), weight = wave(.., 1, 0.5), bias = wave(.., 2, 0.3).

print("// ===== ConvTest.cpp =====")


def conv_case(name, N, C, H, W, O, groups, kh, kw, stride, padding, dilation,
              bias):
    x = wave_t([N, C, H, W], 0.0, 1.0)
    w = wave_t([O, C // groups, kh, kw], 1.0, 0.5)
    b = wave_t([O], 2.0, 0.3) if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,
                 groups=groups)
    emit(name, y)


conv_case("kConvGrouped", 2, 4, 7, 6, 6, 2, 3, 2, (2, 1), (1, 2), (2, 1),
          True)
conv_case("kConvStride2", 1, 3, 6, 5, 2, 1, 3, 2, (2, 2), (0, 0), (1, 1),
          False)
conv_case("kConvDepthwise", 1, 3, 5, 5, 3, 3, 3, 3, (1, 1), (1, 1), (1, 1),
          True)


def pool_case(name, kind, N, C, H, W, kernel, stride, padding, dilation):
    x = wave_t([N, C, H, W], 0.0, 1.0)
    if kind == "max":
        y = F.max_pool2d(x, kernel, stride=stride, padding=padding,
                         dilation=dilation)
    else:
        y = F.avg_pool2d(x, kernel, stride=stride, padding=padding,
                         count_include_pad=True)
    emit(name, y)


pool_case("kMaxPoolPad", "max", 1, 2, 5, 6, (3, 3), (2, 2), (1, 1), (1, 1))
pool_case("kMaxPoolDilated", "max", 1, 2, 6, 6, (2, 3), (1, 2), (1, 1),
          (2, 1))
pool_case("kAvgPoolPad", "avg", 1, 2, 5, 6, (3, 3), (2, 2), (1, 1), (1, 1))
pool_case("kAvgPoolRect", "avg", 2, 1, 4, 5, (2, 3), (1, 2), (1, 1), (1, 1))

x = wave_t([2, 3, 3, 4], 0.0, 1.0)
emit("kGlobalAvgPool", x.mean(dim=(2, 3), keepdim=True))

# --- Attention --------------------------------------------------------------
#
# q = wave(.., 0, 1), k = wave(.., 1, 1), v = wave(.., 2, 1),
# gate = wave(.., 3, 2), f32 mask = wave(.., 4, 2).

print("// ===== AttentionTest.cpp =====")


def attn_ref(q, k, v, scale, visible=None, add_mask=None, topk_ratio=None):
    """visible: bool [.., Lq, Lk] broadcastable; add_mask: float, added."""
    Hq, Hkv = q.shape[1], k.shape[1]
    k = k.repeat_interleave(Hq // Hkv, dim=1)
    v = v.repeat_interleave(Hq // Hkv, dim=1)
    s = scale * torch.matmul(q, k.transpose(-1, -2))
    if add_mask is not None:
        s = s + add_mask
    if visible is not None:
        s = s.masked_fill(~visible.expand_as(s), float("-inf"))
    if topk_ratio is not None:
        Lk = s.shape[-1]
        kk = math.ceil(topk_ratio * Lk)
        top = torch.topk(s, kk, dim=-1).values
        kth = top[..., -1:]  # -inf when fewer than kk keys are visible
        s = s.masked_fill(s < kth, float("-inf"))
    p = torch.softmax(s, dim=-1)
    p = torch.nan_to_num(p, nan=0.0)  # fully masked rows -> zeros
    return torch.matmul(p, v), p


def qkv(B, Hq, Hkv, Lq, Lk, D, Dv):
    return (wave_t([B, Hq, Lq, D], 0.0, 1.0), wave_t([B, Hkv, Lk, D], 1.0, 1.0),
            wave_t([B, Hkv, Lk, Dv], 2.0, 1.0))


def causal_visible(Lq, Lk):
    # bottom-right aligned: query i sits at key position i + Lk - Lq.
    return torch.ones(Lq, Lk, dtype=torch.bool).tril(diagonal=Lk - Lq)


def emit_attn(name, out, p):
    emit(name + "Out", out)
    emit(name + "Probs", p)


q, k, v = qkv(2, 2, 2, 3, 4, 5, 3)
emit_attn("kDense", *attn_ref(q, k, v, 1 / math.sqrt(5)))

q, k, v = qkv(1, 2, 2, 3, 5, 4, 2)
emit_attn("kCausalShortQ", *attn_ref(q, k, v, 0.5, causal_visible(3, 5)))

q, k, v = qkv(1, 1, 1, 4, 2, 3, 2)
emit_attn("kCausalLongQ", *attn_ref(q, k, v, 0.5, causal_visible(4, 2)))

q, k, v = qkv(1, 2, 2, 3, 5, 4, 2)
pos = torch.arange(3).unsqueeze(1) + (5 - 3)
j = torch.arange(5).unsqueeze(0)
window = (j >= pos - 1) & (j <= pos + 1)
emit_attn("kWindow", *attn_ref(q, k, v, 0.5, window))

q, k, v = qkv(1, 1, 1, 4, 6, 3, 2)
blocks = torch.zeros(4, 6, dtype=torch.bool)
blocks[0:2, 0:2] = True  # query tile 0 visits key tile 0
blocks[2:4, 0:2] = True  # query tile 1 visits key tiles 0 and 2
blocks[2:4, 4:6] = True
emit_attn("kBlocks", *attn_ref(q, k, v, 0.5, blocks))

q, k, v = qkv(2, 2, 2, 3, 4, 3, 2)
mask = wave_t([3, 4], 4.0, 2.0)  # broadcast over B and H
emit_attn("kAddMask", *attn_ref(q, k, v, 0.5, add_mask=mask))

q, k, v = qkv(2, 2, 2, 3, 4, 3, 2)
keep = torch.tensor([[1, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 1],
                     [0, 1, 1, 1], [1, 1, 1, 0], [0, 0, 1, 0]],
                    dtype=torch.bool).reshape(2, 1, 3, 4)
emit_attn("kBoolMask", *attn_ref(q, k, v, 0.5, keep))

q, k, v = qkv(1, 4, 2, 3, 4, 3, 2)
emit_attn("kGqa", *attn_ref(q, k, v, 0.5, causal_visible(3, 4)))

q, k, v = qkv(1, 2, 2, 4, 5, 3, 2)
emit_attn("kTopK", *attn_ref(q, k, v, 0.5, topk_ratio=0.5))

q, k, v = qkv(1, 2, 2, 4, 5, 3, 2)
emit_attn("kTopKCausal",
          *attn_ref(q, k, v, 0.5, causal_visible(4, 5), topk_ratio=0.5))

q, k, v = qkv(2, 2, 2, 3, 4, 3, 2)
gate = wave_t([2, 2, 3, 2], 3.0, 2.0)
out, _ = attn_ref(q, k, v, 0.5, causal_visible(3, 4))
emit("kGated", out * torch.sigmoid(gate))

# Additive attention, the seed's section 1 as intended: score_t =
# Linear(2D, 1)(cat(h, s_t)), alpha = softmax over t, out = h + sum alpha s.
B, T, D = 2, 4, 3
h = wave_t([B, D], 0.0, 1.0)
s = wave_t([B, T, D], 1.0, 1.0)
lin = torch.nn.Linear(2 * D, 1).double()
lin.weight.copy_(wave_t([1, 2 * D], 2.0, 0.5))
lin.bias.copy_(wave_t([1], 3.0, 0.5))
scores = lin(torch.cat([h.unsqueeze(1).expand(B, T, D), s], dim=-1))
alpha = torch.softmax(scores.squeeze(-1), dim=1)
emit("kAdditiveOut", h + torch.bmm(alpha.unsqueeze(1), s).squeeze(1))
emit("kAdditiveAlpha", alpha)
