#!/usr/bin/env python3
"""NaN and Inf in keys that rows do not see, end to end.

usage: check_hidden_keys.py BIN_DIR MODEL.heed WORK_DIR

docs/language.md ("Hidden keys and non-finite values"): a key that a query
row does not see contributes nothing to that row, even where its K or V row
holds NaN or Inf; a key it sees makes it NaN (IEEE). For each length pair
(L query rows, S keys), the model (Inputs/hidden_keys.heed) is compiled at
-O2 and -O0 and evaluated by `heed-run --reference`, on inputs whose
poisoned keys hold finite garbage (K = -2, V = 64) and then each poison:
NaN in K and V, +Inf in K and -Inf in V, NaN in V only. For every output,
level and poison, the rows that see no poisoned key must equal the garbage
run's bit for bit, and the rows that see one must be all NaN (+-Inf allowed
for the infinities). Which rows see which keys is worked out here from the
structure and masks, independently of Heed:

  band, sliding   causal and window(9, 2), diagonal bottom-right;
  kept, biased    the i1 mask `keep`, and `bias` (-inf where keep is false,
                  finite elsewhere);
  top, top_probs  top-k: q > 0 and the poisoned keys' K = -2 give them every
                  row's lowest scores, so with V poisoned no row keeps them;
                  a NaN (or +inf) score ranks above every number, so with K
                  poisoned every row keeps them (probs: only NaN K checked);
  spelled         the i1 mask written out: at -O2 it is fused into the op
                  (as `kept`); at -O0 and in the reference it is evaluated
                  as written, where matmul(p, v) adds 0 * v for hidden keys,
                  so every row becomes NaN (IEEE: the documented difference).

Prints one line per (lengths, output, level, poison) and a summary; exits 1
if a check fails.
"""

import os
import subprocess
import sys

import numpy as np

D = 16
LENGTHS = [(100, 100), (70, 130), (257, 257)]
GARBAGE_K, GARBAGE_V = -2.0, 64.0
POISONS = [("nan-kv", np.nan, np.nan), ("inf-kv", np.inf, -np.inf),
           ("nan-v", None, np.nan)]


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr))


def inputs(L, S):
    rng = np.random.default_rng(L * 1000 + S)
    q = (np.abs(rng.uniform(-1, 1, (1, 2, L, D))) + 0.25).astype(np.float32)
    k = rng.uniform(-1, 1, (1, 2, S, D)).astype(np.float32)
    v = rng.uniform(-1, 1, (1, 2, S, D)).astype(np.float32)
    poisoned = [S // 2, S // 2 + 1, S // 2 + 2] + list(range(S - S // 4, S))
    i = np.arange(L)[:, None]
    j = np.arange(S)[None, :]
    keep = (i + 2 * j) % 5 != 0
    keep[:, poisoned] = (i % 3 == 0)
    keep[1, :] = False  # a row that sees nothing: zeros
    bias = np.where(keep, rng.uniform(-1, 1, (L, S)), -np.inf)
    k[:, :, poisoned, :] = GARBAGE_K
    v[:, :, poisoned, :] = GARBAGE_V
    return {"q": q, "k": k, "v": v, "keep": keep,
            "bias": bias.astype(np.float32)}, poisoned


def sees(name, level, poison, L, S, keep):
    """[L, S] bool: whether query row i sees key j in output `name`."""
    i = np.arange(L)[:, None]
    j = np.arange(S)[None, :]
    p = i + S - L
    if name == "band":
        return np.broadcast_to(j <= p, (L, S))
    if name == "sliding":
        return (p - 9 <= j) & (j <= p + 2)
    if name in ("kept", "biased"):
        return keep
    if name in ("top", "top_probs"):
        return np.full((L, S), poison[1] is not None)
    assert name == "spelled"
    return keep if level == "O2" else np.ones((L, S), bool)


def check(got, clean, seen_rows, infinite):
    """Rows that see a poisoned key: all NaN (non-finite); others: equal."""
    got = got.reshape(-1, got.shape[-1])
    clean = clean.reshape(-1, clean.shape[-1])
    bad = []
    for r in range(got.shape[0]):
        if seen_rows[r]:
            ok = (~np.isfinite(got[r])).all() if infinite else \
                np.isnan(got[r]).all()
        else:
            ok = np.array_equal(got[r], clean[r], equal_nan=True)
        if not ok:
            bad.append(r)
    return bad


def main():
    bindir, model, work = sys.argv[1:4]
    checks = failed = 0
    names = ["band", "sliding", "kept", "biased", "top", "top_probs",
             "spelled"]
    for L, S in LENGTHS:
        tag = "%dx%d" % (L, S)
        dims = ["--dim", "L=%d" % L, "--dim", "S=%d" % S]
        exe = {}
        for level in ("O2", "O0"):
            exe[level] = os.path.join(work, "%s-%s" % (tag, level))
            run([os.path.join(bindir, "heedc"), model, "-" + level] + dims +
                ["-o", exe[level]])
        data, poisoned = inputs(L, S)

        def evaluate(level, feed, name):
            folder = os.path.join(work, tag, name)
            os.makedirs(folder, exist_ok=True)
            args = []
            for key, value in feed.items():
                path = os.path.join(folder, key + ".npy")
                np.save(path, value)
                args += ["--input", "%s=%s" % (key, path)]
            out = os.path.join(folder, level)
            if level == "ref":
                run([os.path.join(bindir, "heed-run"), "--reference", model] +
                    dims + args + ["--output-dir", out])
            else:
                run([exe[level]] + args + ["--output-dir", out])
            return {n: np.load(os.path.join(out, n + ".npy")) for n in names}

        for level in ("O2", "O0", "ref"):
            clean = evaluate(level, data, "garbage")
            for poison in POISONS:
                feed = dict(data)
                feed["k"] = data["k"].copy()
                feed["v"] = data["v"].copy()
                if poison[1] is not None:
                    feed["k"][:, :, poisoned, :] = poison[1]
                feed["v"][:, :, poisoned, :] = poison[2]
                got = evaluate(level, feed, poison[0])
                infinite = np.isinf(poison[2])
                for name in names:
                    if name == "top_probs" and infinite:
                        continue  # a visible -inf score has p = 0, not NaN
                    seen = sees(name, level, poison, L, S, data["keep"])
                    if name == "top_probs" and poison[1] is None:
                        seen = np.zeros_like(seen)  # K as clean: same probs
                    rows = np.tile(seen[:, poisoned].any(axis=1), 2)
                    bad = check(got[name], clean[name], rows, infinite)
                    checks += 1
                    failed += bool(bad)
                    print("%s %s %s %s: %s (%d of %d rows see a poisoned key)"
                          % (tag, level, poison[0], name,
                             "FAILED at rows %s" % bad[:8] if bad else "ok",
                             rows.sum(), rows.size))
    print("%d checks, %d failed" % (checks, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
