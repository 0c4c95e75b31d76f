#!/usr/bin/env python3
"""The GEMM peaks that `make bench-peers` divides by: how fast this machine
multiplies matrices right now, with the benchmark's thread count.

- f32: heed-bench's yardstick, oneDNN's dnnl_sgemm 2048 x 2048 x 2048 (the
  median of N runs after a warm-up, before and after a tiny model; the
  better of the two), so that `of peak` means what it means in
  docs/bench.md.
- bf16: OpenVINO's CPU plugin on one MatMul [2048, 2048] x [2048, 2048]
  (a constant right-hand side) with INFERENCE_PRECISION_HINT = bf16, run as
  `peak.py --bf16` in a process of its own: the f32 input is converted to
  bf16 inside the timed run (4 M elements, next to 17 GFLOP). Skipped
  (None) where OpenVINO does not run bf16 on this CPU.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np

N = 2048
GEMM_FLOPS = 2 * N ** 3

TINY_MODEL = """\
graph peak_probe(x: f32[1, 4]) {
  return y = linear[l](x, out=4)
}
"""


def sgemm_peak(bin_dir: Path, threads: int, runs: int) -> Dict[str, Optional[float]]:
    """dnnl_sgemm GFLOP/s as heed-bench measures it (`--sgemm-runs runs`)
    with `threads` OpenMP threads: {"gflops", "before", "after"}, or the
    error where heed-bench failed."""
    with tempfile.TemporaryDirectory() as d:
        model = Path(d) / "peak_probe.heed"
        model.write_text(TINY_MODEL)
        out = Path(d) / "bench.json"
        cmd = [str(bin_dir / "heed-bench"), str(model), "--runs", "1", "--warmup", "0",
               "--threads", str(threads), f"--sgemm-runs={runs}", "--random-weights=1",
               "--json", str(out)]
        for attempt in range(4):
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True)
                break
            except OSError as e:  # a binary being rebuilt
                if attempt == 3:
                    return {"gflops": None, "error": str(e)}
                time.sleep(5 * (attempt + 1))
        if proc.returncode != 0 or not out.exists():
            return {"gflops": None, "error": proc.stderr.strip()[-500:]}
        machine = json.loads(out.read_text())["machine"]
    return {"gflops": machine.get("sgemm_gflops"), "before": machine.get("sgemm_gflops_before"),
            "after": machine.get("sgemm_gflops_after"), "cpu": machine.get("cpu"),
            "isa": machine.get("isa"), "source": "heed-bench dnnl_sgemm 2048^3"}


def openvino_bf16_peak(threads: int, runs: int) -> Dict[str, Optional[float]]:
    """GFLOP/s of OpenVINO's bf16 MatMul 2048^3 (this process imports
    OpenVINO: call it through `peak.py --bf16`)."""
    import openvino as ov
    import openvino.opset13 as ops
    import openvino.properties as props
    import openvino.properties.hint as hints
    rng = np.random.default_rng(1)
    a = rng.standard_normal((N, N), dtype=np.float32)
    b = rng.standard_normal((N, N), dtype=np.float32)
    x = ops.parameter([N, N], ov.Type.f32, name="a")
    mm = ops.matmul(x, ops.constant(b), False, False)
    model = ov.Model([mm], [x], "gemm")
    core = ov.Core()
    compiled = core.compile_model(model, "CPU", {
        hints.performance_mode: hints.PerformanceMode.LATENCY,
        props.inference_num_threads: threads, props.num_streams: 1,
        hints.inference_precision: ov.Type.bf16})
    precision = str(compiled.get_property(hints.inference_precision))
    if "bf16" not in precision and "bfloat16" not in precision:
        return {"gflops": None, "error": f"OpenVINO runs {precision} here, not bf16"}
    request = compiled.create_infer_request()
    request.infer({"a": a})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        request.infer({"a": a})
        times.append(time.perf_counter() - t0)
    median = float(np.median(times))
    return {"gflops": GEMM_FLOPS / median / 1e9, "median_ms": median * 1e3,
            "source": f"OpenVINO {ov.get_version().split('-')[0]} MatMul 2048^3, bf16 hint"}


def bf16_peak(threads: int, runs: int) -> Dict[str, Optional[float]]:
    """openvino_bf16_peak in a child process (OpenVINO's libtbb stays out
    of the caller); {"gflops": None, "error": ...} where it fails."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--bf16",
           "--threads", str(threads), "--runs", str(runs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"gflops": None, "error": proc.stderr.strip()[-500:]}
    return json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bf16", action="store_true",
                        help="measure OpenVINO's bf16 GEMM (else heed-bench's dnnl_sgemm)")
    parser.add_argument("--bin", type=Path, default=Path("build/bin"),
                        help="directory of heed-bench (default build/bin)")
    parser.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args()
    if args.bf16:
        result = openvino_bf16_peak(args.threads, args.runs)
    else:
        result = sgemm_peak(args.bin, args.threads, args.runs)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
