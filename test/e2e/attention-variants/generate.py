#!/usr/bin/env python3
"""Writes .heed models of spelled-out attention, one per variant, and a
manifest (variants.json) saying what each one should become at -O2.

usage: generate.py OUT_DIR

Each variant picks one value on each axis:

  scale   where 1/sqrt(D) is applied: mul (scores * c), mul_left (c * scores),
          div (scores / sqrt(D)), q_only (matmul(q * c, k^T)), split_qkt
          (sqrt(c) on Q and on K^T), split_qk (sqrt(c) on Q and on K before
          its transpose), mul_div (two factors: scores * 2c / 2). Folding the
          scale into Q's projection weights cannot be written without weights
          and is not generated.
  mask    none; causal_iota (ge(row + Lk - Lq, col) of iota, where with -inf);
          causal_tril (eq(tril(ones, k=Lk-Lq), 1)); causal_negated
          (where(gt(col, row + Lk - Lq), -inf, scores)); window (and of two
          iota compares, keys p - 3 <= j <= p + 1); add_input (an f32 model
          input added to the scores); bool_input (an i1 model input, where
          with -inf); neg1e9 (the causal where with -1e9 instead of -inf);
          additive_where (scores + where(causal, 0, -inf) built in the graph);
          causal_topleft (ge(row, col) with Lq != Lk: a band that is not
          bottom-right aligned); additive_neg1e9 (scores + where(causal, 0,
          -1e9)); causal_tril_i1 (tril(ones(dtype=i1), k=Lk-Lq) as the
          where's condition, as docs/language.md writes it); hf_additive
          (an i1 padding input [B, 1, 1, Lk] made additive the Hugging Face
          way: (1 - cast(keep, f32)) * -10000)
  heads   split4 ([B, L, H*D] -> reshape [B, L, H, D] -> transpose to
          [B, H, L, D], and back for the output), split4_kt (the same, K^T
          taken in one permute [0, 2, 3, 1] of the reshaped K, as HF models
          do), rank3 (one head, [B, L, D]), rank4 ([B, H, L, D] given
          directly), rank2 (one head, one batch: [L, D])
  gqa     1, or 2: K and V have H/2 heads, repeated to H by reshape to
          [B, Hkv, 1, L, D], broadcast_to [B, Hkv, 2, L, D], reshape
  lengths (Lq, Lk): 1, 7, 33, 65, and cross attention with Lq != Lk
  guard   a NaN guard where(ne(p, p), 0, p) after the softmax
  probs   the probabilities (what feeds the second matmul) also returned

The list below is a hand-picked subset of the product that covers every
value of every axis (checked at the end). Masks are bottom-right aligned
(p = i + Lk - Lq), as attn.attention's causal and window are.
"""

import json
import math
import os
import sys

SCALES = ["mul", "mul_left", "div", "q_only", "split_qkt", "split_qk",
          "mul_div"]
MASKS = ["none", "causal_iota", "causal_tril", "causal_negated", "window",
         "add_input", "bool_input", "neg1e9", "additive_where",
         "causal_topleft", "additive_neg1e9", "causal_tril_i1",
         "hf_additive"]
HEADS = ["split4", "split4_kt", "rank3", "rank4", "rank2"]
LENGTHS = [1, 7, 33, 65]

# (scale, mask, heads, gqa, lq, lk, guard, probs, extra)
# extra: H, D, DV (V's head size, default D), B, mask_shape ("2d": [Lq, Lk];
# "full": [B, 1, Lq, Lk] or [B, Lq, Lk] for rank 3; "pad": [B, 1, 1, Lk];
# "vec": [Lk]), iota ("bcast": iota([Lq, 1], 0) and iota([1, Lk], 1)
# instead of two [Lq, Lk] iotas).
V = [
    ("mul", "none", "split4", 1, 7, 7, 0, 0, {}),
    ("mul", "causal_iota", "split4", 1, 33, 33, 0, 0, {}),
    ("mul_left", "causal_tril", "rank4", 1, 65, 65, 0, 0, {"H": 2}),
    ("div", "causal_negated", "rank3", 1, 7, 7, 0, 0, {}),
    ("q_only", "window", "split4", 1, 33, 33, 0, 0, {}),
    ("split_qkt", "add_input", "rank4", 1, 7, 33, 0, 0, {"mask_shape": "full"}),
    ("split_qk", "bool_input", "split4", 1, 33, 7, 0, 0, {}),
    ("mul_div", "neg1e9", "rank4", 1, 65, 65, 0, 0, {"D": 8}),
    ("mul", "additive_where", "rank3", 1, 1, 65, 0, 0, {}),
    ("div", "causal_iota", "rank4", 2, 7, 33, 0, 0, {}),
    ("mul", "none", "split4", 2, 33, 33, 0, 0, {}),
    ("q_only", "causal_tril", "split4", 2, 65, 65, 0, 0, {"H": 2}),
    ("mul", "window", "rank4", 2, 1, 65, 0, 1, {}),
    ("mul", "causal_iota", "rank3", 1, 1, 1, 0, 0, {}),
    ("div", "causal_iota", "split4", 1, 33, 7, 0, 0, {}),
    ("mul", "neg1e9", "split4", 1, 33, 7, 0, 0, {}),
    ("mul", "add_input", "split4", 1, 65, 65, 1, 0, {"D": 8}),
    ("mul", "bool_input", "rank4", 1, 7, 7, 1, 1, {}),
    ("mul", "causal_iota", "split4", 1, 7, 7, 0, 1, {}),
    ("split_qkt", "causal_iota", "rank4", 1, 33, 33, 1, 0, {}),
    ("split_qk", "window", "rank3", 1, 65, 65, 0, 1, {}),
    ("mul_left", "additive_where", "split4", 2, 7, 7, 0, 1, {}),
    ("mul_div", "causal_negated", "split4", 1, 33, 33, 1, 1, {}),
    ("div", "none", "rank3", 1, 1, 1, 0, 0, {}),
    ("mul", "window", "split4", 1, 7, 33, 0, 0, {"D": 8}),
    ("mul", "causal_tril", "rank3", 1, 33, 7, 0, 0, {}),
    ("mul", "bool_input", "rank4", 2, 33, 33, 0, 0, {"mask_shape": "pad"}),
    ("q_only", "additive_where", "rank4", 1, 33, 7, 0, 0, {}),
    ("split_qkt", "neg1e9", "rank3", 1, 7, 7, 0, 0, {}),
    ("mul", "add_input", "rank3", 1, 1, 1, 0, 0, {"mask_shape": "full"}),
    ("mul_left", "none", "rank4", 1, 65, 65, 0, 1, {}),
    ("div", "causal_negated", "split4", 2, 1, 65, 0, 0, {}),
    ("mul", "causal_topleft", "rank4", 1, 7, 33, 0, 0, {}),
    ("mul", "window", "rank4", 1, 33, 7, 1, 1, {}),
    ("mul", "neg1e9", "rank4", 1, 1, 65, 0, 0, {}),
    ("split_qk", "causal_iota", "split4", 1, 65, 65, 0, 0, {}),
    ("mul", "causal_topleft", "split4", 1, 33, 7, 0, 0, {}),
    ("mul", "none", "split4", 1, 7, 33, 1, 1, {}),
    ("div", "causal_iota", "split4_kt", 1, 33, 33, 0, 0, {"iota": "bcast"}),
    ("mul", "add_input", "split4_kt", 1, 7, 7, 0, 1, {"mask_shape": "vec"}),
    ("q_only", "window", "rank2", 1, 65, 65, 0, 0, {"iota": "bcast"}),
    ("mul", "bool_input", "rank2", 1, 1, 7, 1, 0, {}),
    ("mul", "causal_iota", "rank4", 1, 33, 33, 0, 0, {"DV": 8}),
    ("mul", "additive_neg1e9", "rank4", 1, 7, 7, 0, 0, {}),
    ("mul", "additive_neg1e9", "rank4", 1, 33, 7, 0, 0, {}),
    ("mul", "causal_tril_i1", "split4", 1, 33, 33, 0, 0, {}),
    ("div", "causal_tril_i1", "rank3", 1, 7, 33, 0, 0, {}),
    ("mul", "hf_additive", "split4", 1, 7, 33, 0, 0, {}),
]

# Variants whose numbers are known to differ from the reference, with the
# bug. run_variants.py reports them as XFAIL, and as XPASS (a failure) once
# they agree, so this list has to shrink with the fix. (Empty: the -1e9
# selects and additive masks on rows with no visible key, once wrong, are
# fixed; mul_neg1e9_split4_g1_33x7 and mul_additive_neg1e9_rank4_g1_33x7
# guard them.)
KNOWN_WRONG = {}


# Forms the header comments claim but attn-fuse leaves unfused (the run
# reports them as XFAIL while unfused, and fails once they fuse).
def known_not_fused(guard, probs):
    return None


# Masks the header comments claim as structure but attn-sparsify leaves
# dense (XFAIL while dense, a failure once they become structure).
def known_dense(mask):
    return None

WINDOW = (3, 1)  # keys p - 3 <= j <= p + 1


def num(x):
    return repr(float(x))


def name_of(scale, mask, heads, gqa, lq, lk, guard, probs):
    n = "%s_%s_%s_g%d_%dx%d" % (scale, mask, heads, gqa, lq, lk)
    return n + ("_guard" if guard else "") + ("_probs" if probs else "")


def offset(rows, off):
    if off > 0:
        return "%s + %d" % (rows, off)
    if off < 0:
        return "%s - %d" % (rows, -off)
    return rows


def model(scale, mask, heads, gqa, lq, lk, guard, probs, extra):
    """The .heed text and the variant's expectations."""
    one_head = heads in ("rank3", "rank2")
    if one_head:
        assert gqa == 1
    h = 1 if one_head else extra.get("H", 4)
    d = extra.get("D", 16)
    dv = extra.get("DV", d)
    b = 1 if heads == "rank2" else extra.get("B", 2)
    hkv = h // gqa
    c = 1 / math.sqrt(d)
    name = name_of(scale, mask, heads, gqa, lq, lk, guard, probs)
    lines = ["# Generated by test/e2e/attention-variants/generate.py.",
             "# scale=%s mask=%s heads=%s gqa=%d Lq=%d Lk=%d guard=%d "
             "probs=%d" % (scale, mask, heads, gqa, lq, lk, guard, probs),
             "dim B = %d" % b, "dim H = %d" % h, "dim HKV = %d" % hkv,
             "dim D = %d" % d, "dim DV = %d" % dv, "dim LQ = %d" % lq,
             "dim LK = %d" % lk]
    inputs = []
    body = []
    if heads in ("split4", "split4_kt"):
        inputs += ["xq: f32[B, LQ, H * D]", "xk: f32[B, LK, HKV * D]",
                   "xv: f32[B, LK, HKV * DV]"]
        body += ["q = permute(reshape(xq, [B, LQ, H, D]), [0, 2, 1, 3])",
                 "k0 = permute(reshape(xk, [B, LK, HKV, D]), [0, 2, 1, 3])",
                 "v0 = permute(reshape(xv, [B, LK, HKV, DV]), [0, 2, 1, 3])"]
    elif heads == "rank4":
        inputs += ["q: f32[B, H, LQ, D]", "k0: f32[B, HKV, LK, D]",
                   "v0: f32[B, HKV, LK, DV]"]
    elif heads == "rank3":
        inputs += ["q: f32[B, LQ, D]", "k0: f32[B, LK, D]",
                   "v0: f32[B, LK, DV]"]
    else:
        inputs += ["q: f32[LQ, D]", "k0: f32[LK, D]", "v0: f32[LK, DV]"]
    if gqa == 1:
        kname, vname = "k0", "v0"
    else:
        for x, e in (("k", "D"), ("v", "DV")):
            body.append(
                "%s = reshape(broadcast_to(reshape(%s0, [B, HKV, 1, LK, %s]), "
                "[B, HKV, %d, LK, %s]), [B, H, LK, %s])" % (x, x, e, gqa, e, e))
        kname, vname = "k", "v"
    if heads == "split4_kt":
        # K^T straight from the reshaped K in one permute (after the GQA
        # repeat, a transpose of the repeated K).
        if gqa == 1:
            body[1] = "kt = permute(reshape(xk, [B, LK, HKV, D]), [0, 2, 3, 1])"
        else:
            body.append("kt = transpose(k)")
        kt = "kt"
    else:
        kt = "transpose(%s)" % kname
    r = math.sqrt(c)
    scores = {
        "mul": "matmul(q, %s) * %s" % (kt, num(c)),
        "mul_left": "%s * matmul(q, %s)" % (num(c), kt),
        "div": "matmul(q, %s) / %s" % (kt, num(math.sqrt(d))),
        "q_only": "matmul(q * %s, %s)" % (num(c), kt),
        "split_qkt": "matmul(q * %s, %s * %s)" % (num(r), kt, num(r)),
        "split_qk": "matmul(q * %s, transpose(%s * %s))" % (num(r), kname,
                                                            num(r)),
        "mul_div": "matmul(q, %s) * %s / 2.0" % (kt, num(2 * c)),
    }[scale]
    assert not (scale == "split_qk" and heads == "split4_kt")
    body.append("t = " + scores)
    off = lk - lq
    rank = {"rank3": 3, "rank2": 2}.get(heads, 4)
    if mask not in ("none", "add_input", "bool_input"):
        if extra.get("iota") == "bcast":
            body += ["rows = iota([LQ, 1], axis=0)",
                     "cols = iota([1, LK], axis=1)"]
        else:
            body += ["rows = iota([LQ, LK], axis=0)",
                     "cols = iota([LQ, LK], axis=1)"]
    causal = "ge(%s, cols)" % offset("rows", off)
    shape = extra.get("mask_shape", "2d")
    mask_type = {"2d": "[LQ, LK]",
                 "full": "[B, 1, LQ, LK]" if rank == 4 else "[B, LQ, LK]",
                 "pad": "[B, 1, 1, LK]", "vec": "[LK]"}[shape]
    structure = None  # what attn-sparsify should make of the mask
    if mask == "none":
        body.append("m = t")
    elif mask == "causal_iota":
        body.append("m = where(%s, t, -inf)" % causal)
        structure = "#attn.causal"
    elif mask == "causal_topleft":
        body.append("m = where(ge(rows, cols), t, -inf)")
    elif mask == "causal_tril":
        body += ["lower = tril(ones([LQ, LK]), k=%d)" % off,
                 "m = where(eq(lower, 1.0), t, -inf)"]
        structure = "#attn.causal"
    elif mask == "causal_negated":
        body.append("m = where(gt(cols, %s), -inf, t)" % offset("rows", off))
        structure = "#attn.causal"
    elif mask == "window":
        left, right = WINDOW
        body.append("m = where(and(le(cols, %s), ge(cols, %s)), t, -inf)" %
                    (offset("rows", off + right), offset("rows", off - left)))
        structure = "#attn.window<%d, %d>" % WINDOW
    elif mask == "add_input":
        inputs.append("bias: f32%s" % mask_type)
        body.append("m = t + bias")
    elif mask == "bool_input":
        inputs.append("keep: i1%s" % mask_type)
        body.append("m = where(keep, t, -inf)")
    elif mask == "neg1e9":
        body.append("m = where(%s, t, -1e9)" % causal)
        # A finite fill averages a row that sees no key (Lq > Lk leaves
        # rows before the first key): then the mask must stay.
        structure = "#attn.causal" if lq <= lk else None
    elif mask == "additive_where":
        body += ["bias = where(%s, 0.0, -inf)" % causal, "m = t + bias"]
        structure = "#attn.causal"
    elif mask == "causal_tril_i1":
        body.append("m = where(tril(ones([LQ, LK], dtype=i1), k=%d), t, -inf)"
                    % off)
        structure = "#attn.causal"
    elif mask == "hf_additive":
        inputs.append("keep: i1[B, 1, 1, LK]")
        body += ["ext = (1.0 - cast(keep, f32)) * -10000.0", "m = t + ext"]
    elif mask == "additive_neg1e9":
        body += ["bias = where(%s, 0.0, -1e9)" % causal, "m = t + bias"]
        structure = "#attn.causal" if lq <= lk else None
    body.append("p = softmax(m)")
    pv = "p"
    if guard:
        body.append("pg = where(ne(p, p), 0.0, p)")
        pv = "pg"
    body.append("o = matmul(%s, %s)" % (pv, vname))
    if heads in ("split4", "split4_kt"):
        out = "reshape(permute(o, [0, 2, 1, 3]), [B, LQ, H * DV])"
    else:
        out = "o"
    ret = "return out = " + out + (", probs = " + pv if probs else "")
    lines.append("graph %s(%s) {" % (name, ", ".join(inputs)))
    lines += ["  " + s for s in body]
    lines += ["  " + ret, "}", ""]
    # What the header comments of AttnFuse.cpp and AttnSparsify.cpp claim
    # (the GQA repeat included).
    fuse_claimed = True
    expect = {
        "name": name, "scale": scale, "mask": mask, "heads": heads,
        "gqa": gqa, "lq": lq, "lk": lk, "guard": guard, "probs": probs,
        "H": h, "D": d, "B": b,
        "fuse_claimed": fuse_claimed,
        "structure_claimed": structure if fuse_claimed else None,
        "known_wrong": KNOWN_WRONG.get(name),
        "known_not_fused": known_not_fused(guard, probs),
        "known_dense": known_dense(mask),
    }
    return "\n".join(lines), expect


def check_coverage(variants):
    axes = {0: SCALES, 1: MASKS, 2: HEADS, 3: [1, 2], 6: [0, 1], 7: [0, 1]}
    for i, values in axes.items():
        seen = {v[i] for v in variants}
        missing = [x for x in values if x not in seen]
        if missing:
            sys.exit("generate.py: axis %d never takes %s" % (i, missing))
    lengths = {v[4] for v in variants} | {v[5] for v in variants}
    if not set(LENGTHS) <= lengths or all(v[4] == v[5] for v in variants):
        sys.exit("generate.py: lengths not covered")
    names = [name_of(*v[:8]) for v in variants]
    if len(set(names)) != len(names):
        sys.exit("generate.py: duplicate variants")
    for known in KNOWN_WRONG:
        if known not in names:
            sys.exit("generate.py: KNOWN_WRONG names no variant: " + known)


def main():
    out = sys.argv[1]
    check_coverage(V)
    os.makedirs(out, exist_ok=True)
    manifest = []
    for v in V:
        text, expect = model(*v)
        with open(os.path.join(out, expect["name"] + ".heed"), "w") as f:
            f.write(text)
        manifest.append(expect)
    with open(os.path.join(out, "variants.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("generated %d variants" % len(manifest))


if __name__ == "__main__":
    main()
