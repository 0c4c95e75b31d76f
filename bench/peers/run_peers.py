#!/usr/bin/env python3
"""Heed against ONNX Runtime and OpenVINO on whole models (`make
bench-peers`, docs/bench.md).

For every model point (BERT-base at L = 128 and 512, GPT-2-small at
L = 256 and 1024 by default):

1. heed-run draws the weights (--random-weights) once per model and saves
   them; export_onnx.py writes the ONNX graph of the .heed file with them
   (both cached in --work-dir, redone when the .heed file or the exporter
   changes);
2. heedc compiles the model to a shared library (-O2, external weights),
   fp32 and with --precision=bf16 (an engine marked n/a where heedc
   rejects it), outside any timing;
3. every engine loads in a worker process of its own (engines.py) and runs
   the same inputs once; its outputs are compared with Heed fp32's;
4. --rounds rounds run the engines interleaved, the order reversed every
   other round: per round each engine does --warmup untimed runs and --runs
   timed runs, and the round's median is kept.

Before and after, the f32 GEMM peak (heed-bench's dnnl_sgemm) and a bf16
GEMM peak (OpenVINO) are measured with the same thread count (peak.py).
Writes a markdown report (--markdown) and a JSON file (--json) and prints
the markdown.
"""

import argparse
import multiprocessing
import os
import shlex
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engines  # noqa: E402
import export_onnx  # noqa: E402
import peak  # noqa: E402
import report  # noqa: E402
from agreement import compare_outputs  # noqa: E402
from models import REPO, ModelSpec, parse_models  # noqa: E402

HERE = Path(__file__).resolve().parent


def log(message: str) -> None:
    """Progress, on stderr (stdout gets the report)."""
    print(f"run_peers: {message}", file=sys.stderr, flush=True)


def newer_than(target: Path, sources: List[Path]) -> bool:
    """Whether `target` exists and is newer than every source."""
    return target.exists() and all(target.stat().st_mtime >= s.stat().st_mtime for s in sources)


def prepare_weights(spec: ModelSpec, args) -> Path:
    """The model's saved random weights, drawn by heed-run when missing or
    older than the .heed file."""
    path = args.work_dir / f"{spec.name}.w{args.weights_seed}.safetensors"
    if not newer_than(path, [spec.heed_file]):
        log(f"{spec.name}: drawing weights (heed-run --random-weights={args.weights_seed})")
        export_onnx.save_random_weights(spec, args.bin, args.weights_seed, path)
    return path


def prepare_onnx(spec: ModelSpec, length: int, weights: Path, args) -> Path:
    """The ONNX export at `length`, redone when older than its sources."""
    path = args.work_dir / f"{spec.name}_L{length}.w{args.weights_seed}.onnx"
    sources = [weights, spec.heed_file, HERE / "export_onnx.py", HERE / "models.py"]
    if not newer_than(path, sources):
        log(f"{spec.name} L={length}: exporting to ONNX")
        export_onnx.export(spec, length, weights, path)
    return path


def compile_heed(spec: ModelSpec, length: int, weights: Path, precision: str,
                 args) -> Tuple[Optional[Path], float, str]:
    """heedc -O2 to a shared library with external weights: (library,
    seconds, '') or (None, seconds, why) where heedc failed (e.g. a
    --precision it does not know)."""
    lib = args.work_dir / f"lib{spec.name}_L{length}_{precision}.so"
    cmd = [str(spec.heed_file), "-O2", "--dim", f"L={length}", f"--weights={weights.resolve()}",
           "--weights-external", "-o", str(lib)]
    if precision != "fp32":
        cmd.append(f"--precision={precision}")
    start = time.perf_counter()
    try:
        export_onnx.run_tool(args.bin / "heedc", cmd)
    except RuntimeError as e:
        lines = [line for line in str(e).splitlines()[1:] if line.strip()]
        return None, time.perf_counter() - start, lines[0] if lines else str(e)
    return lib, time.perf_counter() - start, ""


class Worker:
    """One engine in its own process (engines.worker_main)."""

    def __init__(self, kind: engines.EngineKind, artifact: Path, graph: str, threads: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.kind = kind
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=engines.worker_main, daemon=True,
                                   args=(child, kind, str(artifact), graph, threads))
        self.process.start()
        child.close()
        self.info = self.expect("ready")

    def expect(self, reply: str):
        """The worker's next reply, which must be `reply`."""
        try:
            tag, payload = self.conn.recv()
        except EOFError:
            raise RuntimeError(f"{self.kind.key}: the worker died (exit code {self.process.exitcode})")
        if tag == "error":
            raise RuntimeError(f"{self.kind.key}: {payload.strip().splitlines()[-1]}\n{payload}")
        if tag != reply:
            raise RuntimeError(f"{self.kind.key}: expected {reply}, got {tag}")
        return payload

    def ask(self, *request, reply: str):
        self.conn.send(request)
        return self.expect(reply)

    def close(self) -> None:
        try:
            self.conn.send(("quit",))
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def bench_point(spec: ModelSpec, length: int, kinds: List[engines.EngineKind], args) -> List[Dict]:
    """Everything for one (model, L): the rows of the report."""
    weights = prepare_weights(spec, args)
    onnx_path = prepare_onnx(spec, length, weights, args)
    rows: Dict[str, Dict] = {}
    artifacts: Dict[str, Path] = {}
    for kind in kinds:
        row = {"model": spec.name, "L": length, "engine": kind.key, "label": kind.label,
               "precision": kind.precision, "status": "ok"}
        rows[kind.key] = row
        if kind.runtime == "heed":
            lib, seconds, why = compile_heed(spec, length, weights, kind.precision, args)
            row["compile_s"] = seconds
            if lib is None:
                row.update(status="n/a", reason=why)
                log(f"{spec.name} L={length} {kind.key}: n/a ({why})")
                continue
            artifacts[kind.key] = lib
        else:
            artifacts[kind.key] = onnx_path

    inputs = spec.random_inputs(length, args.seed)
    workers: Dict[str, Worker] = {}
    outputs: Dict[str, Dict] = {}
    try:
        for kind in kinds:
            row = rows[kind.key]
            if row["status"] != "ok":
                continue
            log(f"{spec.name} L={length}: loading {kind.key}")
            try:
                w = Worker(kind, artifacts[kind.key], spec.name, args.threads)
                row["setup_s"] = w.info.pop("setup_s")
                row.update({k: v for k, v in w.info.items() if k == "precision"})
                w.ask("inputs", inputs, reply="ok")
                outputs[kind.key] = w.ask("outputs", reply="outputs")
                workers[kind.key] = w
            except RuntimeError as e:
                row.update(status="n/a", reason=str(e).splitlines()[0])
                log(f"{spec.name} L={length} {kind.key}: n/a ({row['reason']})")

        reference = next((k for k in (args.reference, "ort-fp32") if k in outputs), None)
        for key, out in outputs.items():
            if reference and key != reference:
                rows[key]["agreement"] = compare_outputs(out, outputs[reference])
        for key, row in rows.items():
            row["reference"] = reference

        order = [k.key for k in kinds if k.key in workers]
        for r in range(args.rounds):
            for key in (order if r % 2 == 0 else order[::-1]):
                try:
                    times = workers[key].ask("round", args.warmup, args.runs, reply="times")
                except RuntimeError as e:
                    rows[key].update(status="n/a", reason=f"failed in round {r + 1}: "
                                     + str(e).splitlines()[0])
                    workers.pop(key).close()
                    order.remove(key)
                    continue
                rows[key].setdefault("round_medians_ms", []).append(statistics.median(times))
                rows[key].setdefault("run_times_ms", []).append(times)
            log(f"{spec.name} L={length}: round {r + 1}/{args.rounds} done")
    finally:
        for w in workers.values():
            w.close()

    flops = spec.gemm_flops(length)
    heed = rows.get(args.reference, {}).get("round_medians_ms")
    for row in rows.values():
        row["gemm_flops"] = flops
        medians = row.get("round_medians_ms")
        if row["status"] != "ok" or not medians:
            continue
        row.update(median_ms=statistics.median(medians), min_ms=min(medians), max_ms=max(medians),
                   gflops=flops / statistics.median(medians) / 1e6)
        if heed and len(heed) == len(medians):
            ratios = [m / h for m, h in zip(medians, heed)]
            row.update(ratio_vs_heed_fp32=statistics.median(medians) / statistics.median(heed),
                       ratio_min=min(ratios), ratio_max=max(ratios))
    return list(rows.values())


def is_bf16(row: Dict) -> bool:
    """Whether the engine ran in bf16 (OpenVINO reports 'bfloat16')."""
    return "bf16" in row.get("precision", "") or "bfloat16" in row.get("precision", "")


def add_peak_fractions(rows: List[Dict], peaks: Dict) -> None:
    """`of f32 peak` for every engine, `of bf16 peak` for the bf16 ones."""
    for row in rows:
        if row["status"] != "ok" or "gflops" not in row:
            continue
        if peaks["f32"].get("gflops"):
            row["f32_peak_fraction"] = row["gflops"] / peaks["f32"]["gflops"]
        if is_bf16(row) and peaks["bf16"].get("gflops"):
            row["bf16_peak_fraction"] = row["gflops"] / peaks["bf16"]["gflops"]


def measure_peaks(args, before: Optional[Dict] = None) -> Dict:
    """The f32 and bf16 GEMM peaks; with `before`, the better of the two
    measurements (the machine's state may change during the rounds)."""
    if args.sgemm_runs == 0:
        skipped = {"gflops": None, "error": "--sgemm-runs 0"}
        return {"f32": dict(skipped), "bf16": dict(skipped)}
    log("measuring the GEMM peaks")
    now = {"f32": peak.sgemm_peak(args.bin, args.threads, args.sgemm_runs),
           "bf16": peak.bf16_peak(args.threads, args.sgemm_runs)}
    if before is None:
        return now
    merged = {}
    for key in ("f32", "bf16"):
        ga, gb = before[key].get("gflops"), now[key].get("gflops")
        found = [g for g in (ga, gb) if g is not None]
        base = before[key] if ga is not None else now[key]
        merged[key] = dict(base, gflops=max(found) if found else None, before=ga, after=gb)
    return merged


def machine(f32_peak: Dict) -> Dict:
    """The CPU: its name, the cores this process may use and the bf16
    features that decide OpenVINO's default precision (/proc/cpuinfo)."""
    info = {"cpu": f32_peak.get("cpu") or "?", "isa": f32_peak.get("isa") or "?",
            "cores": len(os.sched_getaffinity(0))}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and info["cpu"] == "?":
            info["cpu"] = value.strip()
        if key.strip() == "flags":
            flags = set(value.split())
            info["bf16_features"] = sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile"})
            break
    return info


def versions(bin_dir: Path) -> Dict[str, str]:
    """The engines' versions (Heed: the git commit of the checkout whose
    build directory holds the tools, e.g. build/bin -> the repository)."""
    out = {}
    checkout = bin_dir.resolve().parents[1]
    try:
        out["Heed"] = subprocess.run(["git", "-C", str(checkout), "describe", "--always",
                                      "--dirty", "--abbrev=7"],
                                     capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["Heed"] = "?"
    from importlib.metadata import version
    for name, package in (("ONNX Runtime", "onnxruntime"), ("OpenVINO", "openvino"),
                          ("onnx", "onnx"), ("numpy", "numpy")):
        out[name] = version(package)
    return out


def parse_args(argv: List[str]):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="bert_base:128,bert_base:512,gpt2_small:256,gpt2_small:1024",
                        help="comma-separated MODEL:L, or MODEL for its default lengths "
                             "(bert_base: 128, 512; gpt2_small: 256, 1024); default: all four")
    parser.add_argument("--engines", default=",".join(engines.ENGINES),
                        help=f"comma-separated engines (default: all: {', '.join(engines.ENGINES)})")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per engine and round (default 5)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed runs per engine before each round's timed runs (default 1)")
    parser.add_argument("--threads", type=int, default=2, help="threads of every engine (default 2)")
    parser.add_argument("--sgemm-runs", type=int, default=5,
                        help="timed runs of each GEMM peak, before and after (default 5; 0 skips)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the inputs (default 1)")
    parser.add_argument("--weights-seed", type=int, default=1,
                        help="heed-run --random-weights seed (default 1)")
    parser.add_argument("--bin", type=Path, default=REPO / "build" / "bin",
                        help="directory of heedc, heed-run and heed-bench (default build/bin)")
    parser.add_argument("--work-dir", type=Path, default=REPO / "build" / "peers",
                        help="weights, ONNX files and libraries (default build/peers)")
    parser.add_argument("--markdown", type=Path, help="write the markdown report here")
    parser.add_argument("--json", type=Path, help="write the JSON results here")
    args = parser.parse_args(argv)
    try:
        args.points = parse_models(args.models)
    except ValueError as e:
        parser.error(f"--models: {e}")
    unknown = [e for e in args.engines.split(",") if e not in engines.ENGINES]
    if unknown:
        parser.error(f"--engines: unknown {', '.join(unknown)} (known: {', '.join(engines.ENGINES)})")
    args.kinds = [engines.ENGINES[e] for e in engines.ENGINES if e in args.engines.split(",")]
    for name in ("rounds", "runs", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.warmup < 0 or args.sgemm_runs < 0:
        parser.error("--warmup and --sgemm-runs must be at least 0")
    args.reference = "heed-fp32"
    return args


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    python = os.path.relpath(sys.executable)
    if python.startswith(".."):
        python = sys.executable
    command = shlex.join([python, sys.argv[0]] + argv)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    peaks_before = measure_peaks(args)
    rows: List[Dict] = []
    for spec, length in args.points:
        rows += bench_point(spec, length, args.kinds, args)
    peaks = measure_peaks(args, before=peaks_before)
    add_peak_fractions(rows, peaks)
    result = {
        "command": command,
        "started": started,
        "machine": machine(peaks["f32"]),
        "settings": {"rounds": args.rounds, "runs": args.runs, "warmup": args.warmup,
                     "threads": args.threads, "seed": args.seed, "weights_seed": args.weights_seed},
        "versions": versions(args.bin),
        "peaks": peaks,
        "reference": ("Heed fp32" if any(r.get("reference") == "heed-fp32" for r in rows)
                      else "ONNX Runtime fp32"),
        "results": rows,
    }
    text = report.write(result, args.markdown, args.json)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
