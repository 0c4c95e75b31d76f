"""The outputs of `make bench-peers`: a markdown report (the command on
top, then a timing table and an agreement table) and a JSON file with
every number, both built from the result dictionary run_peers.py fills."""

import json
import math
from pathlib import Path
from typing import Dict, List, Optional


def _fmt(value: Optional[float], spec: str) -> str:
    """`value` formatted with `spec`, or '-' for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def _peak_line(name: str, peak: Dict) -> str:
    if peak.get("gflops") is None:
        return f"- {name} GEMM peak: not measured ({peak.get('error', 'skipped')})"
    extra = ""
    if peak.get("before") is not None:
        extra = f" (before {peak['before']:.1f}, after {peak['after']:.1f}; the better is used)"
    return f"- {name} GEMM peak: {peak['gflops']:.1f} GFLOP/s, {peak.get('source', '')}{extra}"


def timing_table(results: List[Dict]) -> List[str]:
    """One row per (model, L, engine)."""
    lines = [
        "| model | L | engine | runs in | median ms | min-max ms | x Heed fp32 | per-round x min-max "
        "| GFLOP/s | of f32 peak | of bf16 peak | setup s |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        head = f"| {r['model']} | {r['L']} | {r['engine']} | {r.get('precision', '-')} |"
        if r["status"] != "ok":
            lines.append(head + " n/a | | | | | | | |")
            continue
        lines.append(
            head
            + f" {r['median_ms']:.2f} | {r['min_ms']:.2f}-{r['max_ms']:.2f} |"
            + f" {_fmt(r.get('ratio_vs_heed_fp32'), '.2f')} |"
            + (f" {r['ratio_min']:.2f}-{r['ratio_max']:.2f} |" if r.get("ratio_min") is not None else " - |")
            + f" {r['gflops']:.1f} | {_fmt(r.get('f32_peak_fraction'), '.3f')} |"
            + f" {_fmt(r.get('bf16_peak_fraction'), '.3f')} | {_fmt(r.get('setup_s'), '.1f')} |")
    return lines


def agreement_table(results: List[Dict], reference: str) -> List[str]:
    """One row per (model, L, engine, output) that has outputs to compare."""
    lines = [f"| model | L | engine | output | max rel vs {reference} | mean rel vs {reference} |",
             "|---|---:|---|---|---:|---:|"]
    for r in results:
        for name, e in (r.get("agreement") or {}).items():
            lines.append(f"| {r['model']} | {r['L']} | {r['engine']} | {name} |"
                         f" {e['max_rel']:.2e} | {e['mean_rel']:.2e} |")
    return lines


def markdown(report: Dict) -> str:
    """The whole markdown report."""
    s, m = report["settings"], report["machine"]
    out = [
        "# Heed against ONNX Runtime and OpenVINO (`make bench-peers`)",
        "",
        "```sh",
        report["command"],
        "```",
        "",
        f"- machine: {m.get('cpu', '?')} ({m.get('isa', '?')}, {m.get('cores', '?')} cores,"
        f" bf16: {', '.join(m.get('bf16_features') or ['none'])}),"
        f" {s['threads']} threads for every engine; started {report['started']}",
        f"- rounds: {s['rounds']}; per round each engine does {s['warmup']} warm-up run(s),"
        f" then {s['runs']} timed run(s), and the round's median is kept; engines interleaved,"
        " the order reversed every other round",
        f"- versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}",
        _peak_line("f32", report["peaks"]["f32"]),
        _peak_line("bf16", report["peaks"]["bf16"]),
        "",
        "median / min-max ms: over the rounds' medians. x Heed fp32: the engine's median / Heed"
        " fp32's; per-round: the min-max of the same ratio taken round by round. GFLOP/s: the"
        " model's GEMM FLOPs (linear layers and attention's two matmuls, dense, so causal"
        " GPT-2 counts the masked half too) / the median; `of f32 peak` divides by the f32"
        " GEMM peak, `of bf16 peak` (bf16 engines) by the bf16 one. setup s: loading (and"
        " OpenVINO's compile), outside the timing; Heed's heedc compile time is in the JSON.",
        "",
    ]
    out += timing_table(report["results"])
    out += ["", "## Agreement", "",
            f"Outputs of the same inputs and weights, against {report['reference']}:"
            " max |a - b| / max |b| and mean |a - b| / mean |b| per output.", ""]
    out += agreement_table(report["results"], report["reference"])
    notes = [f"- {r['model']} L={r['L']} {r['engine']}: {r['reason']}"
             for r in report["results"] if r["status"] != "ok"]
    notes += [f"- {n}" for n in report.get("notes", [])]
    if notes:
        out += ["", "## Notes", ""] + notes
    return "\n".join(out) + "\n"


def write(report: Dict, markdown_path: Optional[Path], json_path: Optional[Path]) -> str:
    """Writes the markdown and JSON files (each through a temporary, never
    partially); returns the markdown."""
    text = markdown(report)
    for path, content in ((markdown_path, text), (json_path, json.dumps(report, indent=1) + "\n")):
        if path is None:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(content)
        tmp.replace(path)
    return text
