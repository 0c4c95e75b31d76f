#!/usr/bin/env python3
"""Compiles and checks the variants generate.py wrote.

usage: run_variants.py BIN_DIR SRC_ROOT WORK_DIR [--fusion-only] [--shard I/N]

For each variant in WORK_DIR/variants.json:

  fusion     `heedc -O2 --emit=mlir --no-locations` (with attn-fuse and
             attn-sparsify remarks): fused means an attn.attention and no
             heed.softmax left; the mask became structure when the fused op
             has no mask operand (and the structure attribute, if any, is
             printed); for GQA, whether the K/V repeat (heed.broadcast_to)
             is still materialised. Asserted where the header comments of
             passes/AttnFuse.cpp and passes/AttnSparsify.cpp claim the form
             (generate.py's fuse_claimed / structure_claimed), printed
             otherwise together with the passes' remarks.
  numerics   (unless --fusion-only) test/e2e/compiled/check-compiled.sh at
             -O2 and at -O0 (each against heed-run --reference, random
             inputs), then every -O0 output against the -O2 one, all with
             heed-compare --rtol $RTOL --atol $ATOL (default 1e-5 / 1e-6:
             f32 kernels against the double-precision reference, 1e-5
             relative as the design asks of fused f32 attention).

A variant in generate.py's KNOWN_WRONG is expected to mismatch (XFAIL) and
fails the run when it matches (XPASS), so the list shrinks with the fix;
likewise a claimed form generate.py's known_not_fused (known_dense) names
is XFAIL while unfused (dense) and XPASS (a failure) once it fuses (becomes
structure).
Prints one line per variant and a summary; exits 1 on any unexpected result.
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys

RTOL = os.environ.get("RTOL", "1e-5")
ATOL = os.environ.get("ATOL", "1e-6")


def sh(args, env=None):
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def fusion(bindir, heed):
    rc, ir, err = sh([os.path.join(bindir, "heedc"), heed, "-O2",
                      "--emit=mlir", "--no-locations",
                      "--remarks=attn-fuse,attn-sparsify"])
    if rc != 0:
        return {"error": err.strip()}
    ops = re.findall(r"= attn\.attention ([^{:]*)(\{[^}]*\})?", ir)
    result = {
        "fused": bool(ops) and "heed.softmax" not in ir,
        "attention_ops": len(ops),
        "softmax_left": ir.count("heed.softmax"),
        "repeat_left": "heed.broadcast_to" in ir,
        "remarks": sorted(set(
            m.split("remark: ", 1)[1] for m in err.splitlines()
            if "remark: " in m)),
    }
    if ops:
        operands = [x for x in ops[0][0].split(",") if x.strip()]
        attrs = ops[0][1]
        s = re.search(r"structure = (#attn\.\w+(<[^>]*>)?)", attrs)
        result["mask_operand"] = len(operands) > 3
        result["structure"] = s.group(1) if s else None
        result["return_probs"] = "return_probs" in attrs
    return result


def compare_dirs(bindir, a, b):
    """heed-compare every output of a against b; (ok, lines)."""
    ok, lines = True, []
    for f in sorted(os.listdir(b)):
        rc, out, err = sh([os.path.join(bindir, "heed-compare"),
                           os.path.join(a, f), os.path.join(b, f),
                           "--rtol", RTOL, "--atol", ATOL])
        ok = ok and rc == 0
        lines.append("%s: %s" % (f[:-4], (out + err).strip()))
    return ok, lines


def numerics(bindir, src, heed, work):
    script = os.path.join(src, "test", "e2e", "compiled", "check-compiled.sh")
    env = dict(os.environ, RTOL=RTOL, ATOL=ATOL)
    result = {}
    for level in ("O2", "O0"):
        rc, out, err = sh(["bash", script, bindir, heed,
                           os.path.join(work, level), "-" + level], env=env)
        result[level] = {"ok": rc == 0 and "checked" in out,
                         "log": (out + err).strip().splitlines()}
    if all(os.path.isdir(os.path.join(work, lv, "compiled"))
           for lv in ("O0", "O2")):
        ok, lines = compare_dirs(bindir, os.path.join(work, "O0", "compiled"),
                                 os.path.join(work, "O2", "compiled"))
    else:
        ok, lines = False, ["no outputs to compare"]
    result["O0~O2"] = {"ok": ok, "log": lines}
    return result


def main():
    bindir, src, work = sys.argv[1:4]
    fusion_only = "--fusion-only" in sys.argv
    shard, shards = 0, 1
    if "--shard" in sys.argv:
        shard, shards = map(int,
                            sys.argv[sys.argv.index("--shard") + 1].split("/"))
    variants = json.load(open(os.path.join(work, "variants.json")))
    variants = variants[shard::shards]

    def one(v):
        heed = os.path.join(work, v["name"] + ".heed")
        r = {"fusion": fusion(bindir, heed)}
        if not fusion_only:
            r["numerics"] = numerics(bindir, src, heed,
                                     os.path.join(work, v["name"]))
        return r

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        results = list(pool.map(one, variants))

    unexpected = []
    counts = {"fused": 0, "structure": 0, "xfail": 0}
    not_fused, dense = [], []
    for v, r in zip(variants, results):
        name, f = v["name"], r["fusion"]
        if "error" in f:
            unexpected.append("%s: heedc failed: %s" % (name, f["error"]))
            print("%s: HEEDC ERROR" % name)
            continue
        words = []
        if f["fused"]:
            counts["fused"] += 1
            words.append("fused")
            if f["mask_operand"]:
                words.append("mask=dense")
            elif f["structure"]:
                words.append("mask=" + f["structure"])
            else:
                words.append("mask=none")
            if f["return_probs"]:
                words.append("return_probs")
            if v["gqa"] > 1:
                words.append("repeat=" + ("materialised" if f["repeat_left"]
                                          else "folded"))
        else:
            words.append("NOT FUSED (%d attn.attention, %d heed.softmax)" %
                         (f["attention_ops"], f["softmax_left"]))
            if f["attention_ops"]:
                words.append("mask=" + ("dense" if f["mask_operand"] else
                                        f["structure"] or "none"))
        claim = v["fuse_claimed"]
        remarks = "; ".join([""] + f["remarks"])
        if not f["fused"]:
            if claim and v["known_not_fused"]:
                counts["xfail"] += 1
                words.append("XFAIL(%s)" % v["known_not_fused"])
            else:
                (unexpected if claim else not_fused).append(
                    "%s: not fused%s" % (name, remarks))
        elif claim and v["known_not_fused"]:
            unexpected.append("%s: XPASS, fused now; drop it from "
                              "known_not_fused (%s)" %
                              (name, v["known_not_fused"]))
        # The structure is read off the attn.attention op, fused or not.
        has_op = f["attention_ops"] > 0
        if has_op and not f["mask_operand"] and f["structure"]:
            counts["structure"] += 1
        want = v["structure_claimed"]
        if want:
            got = f["structure"] if has_op and not f["mask_operand"] else None
            dropped = has_op and not f["mask_operand"] and got is None
            # Lk = 1: every row sees its one key, an always-true mask that
            # may be dropped instead.
            ok = got == want or (dropped and v["lk"] == 1)
            if not ok and v["known_dense"] and not got:
                counts["xfail"] += 1
                words.append("XFAIL(%s)" % v["known_dense"])
            elif ok and v["known_dense"]:
                unexpected.append("%s: XPASS, the mask is %s now; drop it "
                                  "from known_dense (%s)" %
                                  (name, want, v["known_dense"]))
            elif not ok:
                unexpected.append("%s: mask should become %s, got %s%s" %
                                  (name, want, got or "a dense mask",
                                   remarks))
        elif has_op and f["mask_operand"] and v["mask"] not in (
                "add_input", "bool_input", "hf_additive"):
            dense.append("%s: mask stays dense%s" % (name, remarks))
        if "numerics" in r:
            n = r["numerics"]
            bad = [k for k in ("O2", "O0", "O0~O2") if not n[k]["ok"]]
            known = v["known_wrong"]
            if known and bad:
                counts["xfail"] += 1
                words.append("XFAIL(%s: %s)" % ("+".join(bad), known))
            elif known:
                unexpected.append("%s: XPASS, agrees now; remove it from "
                                  "KNOWN_WRONG (%s)" % (name, known))
                words.append("XPASS")
            elif bad:
                words.append("MISMATCH(%s)" % "+".join(bad))
                unexpected.append("%s: %s differ:\n    %s" % (
                    name, ", ".join(bad), "\n    ".join(
                        line for k in bad for line in n[k]["log"][-6:])))
            else:
                words.append("O2=ref O0=ref O0=O2")
        print("%s: %s" % (name, " ".join(words)))
    for line in not_fused:
        print("not claimed, not fused: " + line)
    for line in dense:
        print("not claimed, mask stays dense: " + line)
    for line in unexpected:
        print("UNEXPECTED: " + line)
    print("%d variants: %d fused, %d with a structured mask, %d known bugs "
          "(XFAIL), %d unexpected" % (len(variants), counts["fused"],
                                      counts["structure"], counts["xfail"],
                                      len(unexpected)))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
