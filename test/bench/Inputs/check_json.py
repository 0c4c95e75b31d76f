"""Checks a heed-bench --json file and prints one line per result.

    check_json.py FILE

Exits 1 naming the problem when the file is not JSON or lacks a required key
(or one has the wrong type); otherwise prints

    machine cores=<n> threads=<n> sgemm=<measured|null>
    result <model> <dims> <variant> runs=<n> flops=<n> effective=<n>

so that FileCheck can check the values.
"""
import json
import sys

MACHINE = {"cpu": str, "threads": int, "sgemm_gflops": (int, float, type(None))}
RESULT = {
    "model": str, "dims": dict, "variant": str, "median_ms": (int, float),
    "min_ms": (int, float), "max_ms": (int, float), "runs": int,
    "gflops": (int, float), "effective_gflops": (int, float),
    "peak_fraction": (int, float, type(None)),
    "peak_memory_mb": (int, float), "speedup_vs_unfused": (int, float),
}


def require(obj, keys, where):
    for key, types in keys.items():
        if key not in obj:
            sys.exit(f"{where}: no '{key}'")
        if not isinstance(obj[key], types) or isinstance(obj[key], bool):
            sys.exit(f"{where}: '{key}' is {obj[key]!r}")


with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
require(data, {"machine": dict, "results": list}, "top level")
require(data["machine"], MACHINE, "machine")
m = data["machine"]
sgemm = "null" if m["sgemm_gflops"] is None else (
    "measured" if m["sgemm_gflops"] > 0 else "zero")
print(f"machine cores={m.get('cores')} threads={m['threads']} sgemm={sgemm}")
for i, r in enumerate(data["results"]):
    require(r, RESULT, f"result {i}")
    if not r["min_ms"] <= r["median_ms"] <= r["max_ms"]:
        sys.exit(f"result {i}: min <= median <= max does not hold")
    dims = ",".join(f"{k}={v}" for k, v in sorted(r["dims"].items())) or "-"
    extra = " rss" if "peak_rss_mb" in r else ""
    print(f"result {r['model']} {dims} {r['variant']} runs={r['runs']} "
          f"flops={r['flops']:.0f} effective={r['effective_flops']:.0f}{extra}")
