#!/usr/bin/python3
"""Plot heed-bench results: time and speedup against the swept dimension.

    /usr/bin/python3 bench/plot.py RESULTS.json OUT.png

RESULTS.json is what `heed-bench --json` writes. The top panel shows the
median time per variant (log scale; the bar spans min..max), the bottom one
the speedup of each variant over the unfused one. The x axis is the first
swept dimension; other swept dimensions get a line each. heed-bench --plot
calls this script; it needs python3-matplotlib (`make deps` installs it).
"""

import json
import os
import sys
import tempfile

STYLE = {
    "unfused": dict(color="#888888", marker="o"),
    "fused": dict(color="#1f77b4", marker="s"),
    "fused-dense": dict(color="#ff7f0e", marker="^"),
}


def fail(message):
    print(f"plot.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def series(data):
    """{(variant, label): [(x, result), ...]} and the x axis name."""
    sweep = data.get("sweep") or []
    xname = sweep[0] if sweep else None
    lines = {}
    for r in data["results"]:
        dims = r.get("dims", {})
        x = dims.get(xname, 0) if xname else 0
        rest = " ".join(f"{d}={dims[d]}" for d in sweep[1:] if d in dims)
        lines.setdefault((r["variant"], rest), []).append((x, r))
    for points in lines.values():
        points.sort(key=lambda p: p[0])
    return lines, xname


def main(argv):
    if len(argv) != 3:
        fail("usage: plot.py RESULTS.json OUT.png")
    try:
        with open(argv[1], encoding="utf-8") as f:
            data = json.load(f)
        results = data["results"]
    except (OSError, ValueError, KeyError) as e:
        fail(f"cannot read {argv[1]}: {e}")
    if not results:
        fail(f"{argv[1]} has no results")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("python3-matplotlib is not installed (make deps installs it)")

    lines, xname = series(data)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    order = {name: i for i, name in enumerate(STYLE)}
    for (variant, rest), points in sorted(
            lines.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0])):
        xs = [x for x, _ in points]
        med = [r["median_ms"] for _, r in points]
        low = [r["median_ms"] - r["min_ms"] for _, r in points]
        high = [r["max_ms"] - r["median_ms"] for _, r in points]
        label = variant + (f" ({rest})" if rest else "")
        style = STYLE.get(variant, {})
        top.errorbar(xs, med, yerr=[low, high], label=label, capsize=3,
                     **style)
        if variant != "unfused":
            bottom.plot(xs, [r["speedup_vs_unfused"] for _, r in points],
                        label=label, **style)
    top.set_yscale("log")
    top.set_ylabel("median time per run (ms, log)")
    top.grid(True, which="both", alpha=0.3)
    top.legend()
    bottom.axhline(1.0, color="#888888", linewidth=1, linestyle="--")
    bottom.set_ylabel("speedup vs unfused")
    bottom.grid(True, alpha=0.3)
    bottom.legend()
    xs = sorted({x for points in lines.values() for x, _ in points})
    if xname and len(xs) > 1 and all(x > 0 for x in xs):
        bottom.set_xscale("log", base=2)
    bottom.set_xticks(xs)
    bottom.set_xticklabels([str(x) for x in xs] if xname else ["default"])
    bottom.set_xlabel(xname or "")
    machine = data.get("machine", {})
    model = results[0].get("model", "")
    fixed = {k: v for k, v in results[0].get("dims", {}).items()
             if k not in (data.get("sweep") or [])}
    title = model + ("  " + " ".join(f"{k}={v}" for k, v in fixed.items())
                     if fixed else "")
    fig.suptitle(f"{title}\n{machine.get('cpu', '')}, "
                 f"{machine.get('threads', '?')} thread(s), sgemm peak "
                 f"{machine.get('sgemm_gflops') or 0:.0f} GFLOP/s",
                 fontsize=10)
    fig.tight_layout()

    out = argv[2]
    directory = os.path.dirname(os.path.abspath(out))
    temp = None
    try:
        fd, temp = tempfile.mkstemp(prefix=".plot-", suffix=".png",
                                    dir=directory)
        os.close(fd)
        fig.savefig(temp, format="png", dpi=100)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, out)
    except OSError as e:
        if temp and os.path.exists(temp):
            os.unlink(temp)
        fail(f"cannot write {out}: {e}")


if __name__ == "__main__":
    main(sys.argv)
