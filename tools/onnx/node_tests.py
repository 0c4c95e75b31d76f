#!/usr/bin/env python3
"""ONNX backend node-test conformance of heed-run (or of onnxruntime).

Run with the pinned venv (`make venv`):

  build/venv/bin/python tools/onnx/node_tests.py --bin build/bin \\
      --expect tools/onnx/expected_failures.txt

Every node test of the installed onnx package
(onnx.backend.test.case.node.collect_testcases) is generated in memory and
kept when
  * it is not an `_expanded` variant (the op written as a function body),
  * all its inputs and outputs are float32, int64 or bool tensors, and
  * its op (the op_type of its first node, default domain) is claimed:
    listed in --ops-file (tools/onnx/claimed_ops.txt), or in --extra-ops-file
    (tools/onnx/extra_ops.txt), whose ops are counted separately.

For each test, the runner writes WORK/TEST/model.onnx and WORK/TEST/NAME.npy
per input, runs
  BIN/heed-run -O2 model.onnx --input NAME=NAME.npy ... --output-dir out
and compares out/NAME.npy per output with the expected output the way
onnx's backend test runner does (onnx/backend/test/runner/__init__.py,
assert_similar_outputs): the shape and the dtype must be equal, then
np.testing.assert_allclose(actual, expected, rtol=case.rtol, atol=case.atol)
(1e-3 and 1e-7 for every node test of onnx 1.23; NaN equals NaN).

NAME is the ONNX value name made an identifier, as the importer does: every
character outside [A-Za-z0-9_] becomes '_', and '_' is prefixed when the
name starts with a digit.

--ort runs the same tests with onnxruntime in-process instead (the
CPUExecutionProvider, 2 intra-op threads), as a baseline for the same set.

--expect FILE lists the tests known to fail (`test_name  # reason`); the run
then fails only when a test outside the list fails (a regression) or a listed
test passes (update the list: --write-expect FILE rewrites it from the run).
Without --expect, the run fails when any test fails.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ALLOWED_TYPES = {TensorProto.FLOAT: np.dtype(np.float32),
                 TensorProto.INT64: np.dtype(np.int64),
                 TensorProto.BOOL: np.dtype(np.bool_)}


def identifier(name: str) -> str:
    """The importer's identifier for an ONNX value name."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not ident or ident[0].isdigit():
        ident = "_" + ident
    return ident


def read_list(path: str) -> list[str]:
    """One entry per line; '#' starts a comment; blank lines are skipped."""
    entries = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                entries.append(line)
    return entries


def read_expect(path: str) -> dict[str, str]:
    """`test_name  # reason` lines: {test_name: reason}."""
    expected = {}
    with open(path) as f:
        for line in f:
            name, _, reason = line.partition("#")
            name = name.strip()
            if name:
                expected[name] = reason.strip()
    return expected


@dataclass
class Test:
    name: str
    op: str
    extra: bool  # an op of --extra-ops-file
    model: onnx.ModelProto
    input_names: list[str]
    output_names: list[str]
    data_sets: list[tuple[list[np.ndarray], list[np.ndarray]]]
    rtol: float
    atol: float


@dataclass
class Result:
    test: Test
    passed: bool
    reason: str = ""
    seconds: float = 0.0


def _to_array(value):
    """A test's input or output as an array (some are TensorProtos, some
    numpy scalars such as np.float32(0.5), kept as 0-d arrays)."""
    if isinstance(value, TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, np.generic):
        return np.asarray(value)
    return value


def _tensor_type_ok(value_info: onnx.ValueInfoProto) -> bool:
    t = value_info.type
    return (t.WhichOneof("value") == "tensor_type"
            and t.tensor_type.elem_type in ALLOWED_TYPES)


def collect(claimed: list[str], extras: list[str],
            name_filter: re.Pattern | None) -> list[Test]:
    """The node tests of the installed onnx that this runner runs."""
    # Generating the cases computes every expected output with numpy, with
    # overflow and divide-by-zero warnings by design; keep them quiet.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases
        # op_type=None: all of them. (The filter of collect_testcases works
        # only on its first call in a process: it fills a module-level list
        # while importing the test modules, and later calls return it.)
        cases = collect_testcases(None)
    claimed_set, extra_set = set(claimed), set(extras)
    tests = []
    for case in cases:
        if "_expanded" in case.name or case.model is None or not case.data_sets:
            continue
        if name_filter and not name_filter.search(case.name):
            continue
        graph = case.model.graph
        if not graph.node or graph.node[0].domain not in ("", "ai.onnx"):
            continue
        op = graph.node[0].op_type
        if op not in claimed_set and op not in extra_set:
            continue
        if not all(_tensor_type_ok(v) for v in [*graph.input, *graph.output]):
            continue
        data_sets = []
        ok = True
        for inputs, outputs in case.data_sets:
            inputs = [_to_array(x) for x in inputs]
            outputs = [_to_array(x) for x in outputs]
            if (len(inputs) != len(graph.input)
                    or len(outputs) != len(graph.output)
                    or not all(isinstance(a, np.ndarray)
                               and a.dtype in ALLOWED_TYPES.values()
                               for a in [*inputs, *outputs])):
                ok = False
                break
            data_sets.append((inputs, outputs))
        if not ok:
            continue
        tests.append(Test(
            name=case.name, op=op, extra=op not in claimed_set,
            model=case.model,
            input_names=[v.name for v in graph.input],
            output_names=[v.name for v in graph.output],
            data_sets=data_sets, rtol=case.rtol, atol=case.atol))
    tests.sort(key=lambda t: t.name)
    return tests


def _fmt(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    return f"{x:.6g}" if isinstance(x, (float, np.floating)) else str(x)


def compare(name: str, expected: np.ndarray, actual: np.ndarray,
            rtol: float, atol: float) -> str | None:
    """None when `actual` matches like onnx's runner wants, else why not."""
    if actual.shape != expected.shape:
        return (f"output {name}: shape {list(actual.shape)}, "
                f"expected {list(expected.shape)}")
    if actual.dtype != expected.dtype:
        return f"output {name}: dtype {actual.dtype}, expected {expected.dtype}"
    try:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
        return None
    except AssertionError:
        pass
    # The worst mismatching element, for a one-line reason.
    with np.errstate(all="ignore"):
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        bad = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        diff = np.abs(a - e)
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN vs a number
        flat = int(np.argmax(np.where(bad, diff, -1.0)))
    index = tuple(int(i) for i in np.unravel_index(flat, actual.shape))
    err = np.abs(a.reshape(-1)[flat] - e.reshape(-1)[flat])
    return (f"output {name}: max abs error {_fmt(err)} at index {index} "
            f"(got {_fmt(actual.reshape(-1)[flat])}, expected "
            f"{_fmt(expected.reshape(-1)[flat])}; {int(bad.sum())}/{bad.size} "
            f"elements off)")


def first_error_line(stderr: str, stdout: str, rc: int) -> str:
    # The work folder varies from run to run: name the model by its file.
    text = re.sub(r"\S*/model\.onnx", "model.onnx", stderr + "\n" + stdout)
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for line in lines:
        if "error" in line.lower():
            return line
    if lines:
        return lines[0]
    return f"heed-run exited with {rc}" if rc >= 0 else f"heed-run killed by signal {-rc}"


# How the importer names an input it needs at compile time.
CONST_NEEDED = re.compile(r"\(input '([^']+)'\) is not known at compile time")


def bind_needed_input(proc, test: Test, inputs, consts) -> bool:
    """When the failed run \p proc names an input that Heed needs at compile
    time, records its value in \p consts (NAME -> "v1,v2,...") for --const
    and returns True (run again)."""
    needed = CONST_NEEDED.search(proc.stderr)
    if (proc.returncode == 0 or not needed or
            needed.group(1) not in test.input_names or
            needed.group(1) in consts):
        return False
    value = np.asarray(inputs[test.input_names.index(needed.group(1))])
    consts[needed.group(1)] = ",".join(
        repr(v.item()) if value.dtype.kind == "f" else str(int(v))
        for v in value.reshape(-1))
    return True


def run_heed(test: Test, args, work: str) -> Result:
    folder = os.path.join(work, test.name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    model_path = os.path.join(folder, "model.onnx")
    onnx.save(test.model, model_path)
    idents = [identifier(n) for n in test.input_names + test.output_names]
    if len(set(idents)) != len(idents):
        return Result(test, False, "two value names map to the same identifier")
    start = time.monotonic()
    for k, (inputs, outputs) in enumerate(test.data_sets):
        out = os.path.join(folder, "out" if k == 0 else f"out{k}")
        # Heed compiles static shapes: an input that the importer needs at
        # compile time (a Reshape's shape, Slice's starts, TopK's K, an If's
        # condition...) is bound with --const, as a user would bind it. The
        # importer names such an input in its error; bind it and retry.
        consts = {}
        while True:
            const_flags = [f"--const={name}={value}"
                           for name, value in consts.items()]
            if args.via_heed_import:
                # heed-import writes model.heed and model.safetensors; the
                # written model runs with its weights and without the inputs
                # bound at import.
                heed_path = os.path.join(folder, "model.heed")
                try:
                    proc = subprocess.run(
                        [os.path.join(args.bin, "heed-import"), model_path,
                         "-o", heed_path] + const_flags,
                        capture_output=True, text=True, errors="replace",
                        timeout=args.timeout, cwd=folder)
                except subprocess.TimeoutExpired:
                    return Result(test, False, "timeout",
                                  time.monotonic() - start)
                if bind_needed_input(proc, test, inputs, consts):
                    continue
                if proc.returncode != 0:
                    return Result(test, False, "heed-import: " +
                                  first_error_line(proc.stderr, proc.stdout,
                                                   proc.returncode),
                                  time.monotonic() - start)
                cmd = [os.path.join(args.bin, "heed-run"), heed_path,
                       f"-O{args.opt}",
                       "--weights=" + os.path.join(folder, "model.safetensors")]
            else:
                cmd = [os.path.join(args.bin, "heed-run"), model_path,
                       f"-O{args.opt}"] + const_flags
            for name, value in zip(test.input_names, inputs):
                if name in consts:
                    continue
                if np.asarray(value).size == 0:
                    continue  # an empty input has no data to give

                path = os.path.join(folder, f"{identifier(name)}.npy"
                                    if k == 0 else f"{identifier(name)}.{k}.npy")
                np.save(path, value)
                cmd += ["--input", f"{identifier(name)}={path}"]
            cmd += ["--output-dir", out]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      errors="replace", timeout=args.timeout,
                                      cwd=folder)
            except subprocess.TimeoutExpired:
                return Result(test, False, "timeout",
                              time.monotonic() - start)
            if bind_needed_input(proc, test, inputs, consts):
                continue
            break
        if proc.returncode != 0:
            return Result(test, False, first_error_line(
                proc.stderr, proc.stdout, proc.returncode),
                time.monotonic() - start)
        for name, expected in zip(test.output_names, outputs):
            path = os.path.join(out, f"{identifier(name)}.npy")
            if not os.path.exists(path):
                return Result(test, False,
                              f"no output file out/{identifier(name)}.npy",
                              time.monotonic() - start)
            try:
                actual = np.load(path, allow_pickle=False)
            except Exception as e:  # noqa: BLE001
                return Result(test, False, f"cannot read out/"
                              f"{identifier(name)}.npy: {e}".splitlines()[0],
                              time.monotonic() - start)
            reason = compare(name, expected, actual, test.rtol, test.atol)
            if reason:
                return Result(test, False, reason, time.monotonic() - start)
    return Result(test, True, "", time.monotonic() - start)


def run_ort(test: Test, args, work: str) -> Result:
    import onnxruntime as ort
    ort.set_default_logger_severity(4)  # the reason goes to the report
    start = time.monotonic()
    try:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        session = ort.InferenceSession(test.model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        for inputs, outputs in test.data_sets:
            feeds = dict(zip(test.input_names, inputs))
            actuals = session.run(test.output_names, feeds)
            for name, expected, actual in zip(test.output_names, outputs,
                                              actuals):
                reason = compare(name, expected, np.asarray(actual),
                                 test.rtol, test.atol)
                if reason:
                    return Result(test, False, reason,
                                  time.monotonic() - start)
    except Exception as e:  # noqa: BLE001
        lines = [l.strip() for l in str(e).splitlines() if l.strip()]
        return Result(test, False,
                      f"{type(e).__name__}: {lines[0] if lines else ''}",
                      time.monotonic() - start)
    return Result(test, True, "", time.monotonic() - start)


def one_line(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def write_markdown(path: str, results: list[Result], claimed: list[str],
                   extras: list[str], engine: str) -> None:
    by_op = collections.defaultdict(list)
    for r in results:
        by_op[r.test.op].append(r)
    lines = []

    def table(title: str, ops: list[str]) -> None:
        rs = [r for op in ops for r in by_op.get(op, [])]
        passed = sum(r.passed for r in rs)
        lines.append(f"### {title}: {passed} of {len(rs)} passed ({engine})")
        lines.append("")
        lines.append("| Op | Tests | Passed | Failing tests |")
        lines.append("| --- | ---: | ---: | --- |")
        for op in ops:
            ors = by_op.get(op, [])
            fails = [f"`{r.test.name}`: {one_line(r.reason)}".replace("|", "\\|")
                     for r in ors if not r.passed]
            lines.append(f"| {op} | {len(ors)} | {sum(r.passed for r in ors)} "
                         f"| {'<br>'.join(fails)} |")
        lines.append("")

    table("Claimed ops", claimed)
    if extras:
        table("Extra ops", extras)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_expect(path: str, results: list[Result], engine: str) -> None:
    """Rewrites `path` from this run; entries of tests not run stay."""
    ran = {r.test.name for r in results}
    kept = {}
    if os.path.exists(path):
        kept = {n: why for n, why in read_expect(path).items() if n not in ran}
    failures = {r.test.name: one_line(r.reason) for r in results if not r.passed}
    failures.update(kept)
    width = max((len(n) for n in failures), default=0)
    with open(path, "w") as f:
        f.write("# ONNX node tests that are known to fail (tools/onnx/node_tests.py\n"
                "# --expect). Regenerate with --write-expect after a change.\n"
                f"# Engine of the last rewrite: {engine}.\n")
        for name in sorted(failures):
            f.write(f"{name.ljust(width)}  # {failures[name]}\n")


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", help="the build's bin folder (with heed-run)")
    p.add_argument("--ort", action="store_true",
                   help="run the tests with onnxruntime instead of heed-run")
    p.add_argument("--opt", choices=["0", "2"], default="2",
                   help="heed-run's -O level (default 2)")
    p.add_argument("--ops-file", default=os.path.join(HERE, "claimed_ops.txt"))
    p.add_argument("--extra-ops-file",
                   default=os.path.join(HERE, "extra_ops.txt"),
                   help="ops counted separately ('' for none)")
    p.add_argument("--filter", help="run only the tests whose name matches "
                   "this regular expression (re.search)")
    p.add_argument("--via-heed-import", action="store_true",
                   help="write each model as .heed with heed-import and run "
                   "that (the round trip of the written language)")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=60,
                   help="seconds per test (default 60)")
    p.add_argument("--work", help="keep the models, inputs and outputs in "
                   "this folder (default: a temporary one, removed)")
    p.add_argument("--markdown", help="write the per-op table to this file")
    p.add_argument("--expect", help="the known failures "
                   "(tools/onnx/expected_failures.txt)")
    p.add_argument("--write-expect", help="rewrite this expect file from "
                   "this run")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print every test's result")
    p.add_argument("--list", action="store_true",
                   help="list the selected tests and exit")
    args = p.parse_args()
    if args.bin:
        args.bin = os.path.abspath(args.bin)
    if not args.ort and not args.list:
        if not args.bin:
            p.error("--bin DIR (the folder with heed-run) or --ort is needed")
        if not os.access(os.path.join(args.bin, "heed-run"), os.X_OK):
            p.error(f"no executable {os.path.join(args.bin, 'heed-run')}")
    expected = None
    if args.expect:
        if not os.path.exists(args.expect):
            p.error(f"--expect {args.expect}: no such file (write it with "
                    f"--write-expect {args.expect})")
        expected = read_expect(args.expect)

    claimed = read_list(args.ops_file)
    extras = read_list(args.extra_ops_file) if args.extra_ops_file else []
    name_filter = re.compile(args.filter) if args.filter else None
    tests = collect(claimed, extras, name_filter)
    if args.list:
        for t in tests:
            print(f"{t.name}  {t.op}{'  (extra)' if t.extra else ''}")
        print(f"{len(tests)} tests")
        return 0
    if not tests:
        print("no tests selected", file=sys.stderr)
        return 1

    if args.ort:
        import onnxruntime
        engine = f"onnxruntime {onnxruntime.__version__}"
    else:
        engine = (f"heed-import + heed-run -O{args.opt}" if args.via_heed_import
                  else f"heed-run -O{args.opt}")
    work = args.work or tempfile.mkdtemp(prefix="heed-onnx-node-")
    os.makedirs(work, exist_ok=True)
    runner = run_ort if args.ort else run_heed
    start = time.monotonic()
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = [pool.submit(runner, t, args, work) for t in tests]
            for future in concurrent.futures.as_completed(futures):
                r = future.result()
                results.append(r)
                if args.verbose:
                    print(f"{'PASS' if r.passed else 'FAIL'}: {r.test.name} "
                          f"({r.seconds:.2f} s){'' if r.passed else ': ' + r.reason}",
                          flush=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    results.sort(key=lambda r: r.test.name)
    elapsed = time.monotonic() - start

    by_op = collections.defaultdict(list)
    for r in results:
        by_op[r.test.op].append(r)
    print(f"ONNX {onnx.__version__} node tests with {engine}:")
    for title, ops in (("claimed ops", claimed), ("extra ops", extras)):
        ops = [op for op in ops if by_op.get(op) or not name_filter]
        if not ops:
            continue
        total = passed = 0
        print(f"== {title} ==")
        for op in ops:
            rs = by_op.get(op, [])
            n_pass = sum(r.passed for r in rs)
            total += len(rs)
            passed += n_pass
            print(f"{op}: {n_pass}/{len(rs)}" + ("  (no tests)" if not rs else ""))
        print(f"total ({title}): {passed}/{total}")
    n_pass = sum(r.passed for r in results)
    print(f"total: {n_pass}/{len(results)} passed in {elapsed:.1f} s")
    failures = [r for r in results if not r.passed]
    if failures:
        print(f"failures ({len(failures)}):")
        for r in failures:
            print(f"  {r.test.name}: {one_line(r.reason)}")

    if args.markdown:
        write_markdown(args.markdown, results, claimed, extras, engine)
    if args.write_expect:
        write_expect(args.write_expect, results, engine)
        print(f"wrote {args.write_expect}")

    if expected is None:
        return 1 if failures else 0
    regressions = [r for r in failures if r.test.name not in expected]
    fixed = [r for r in results if r.passed and r.test.name in expected]
    ran = {r.test.name for r in results}
    if not name_filter:
        stale = sorted(n for n in expected if n not in ran)
        if stale:
            print(f"note: {len(stale)} tests of {args.expect} were not run "
                  f"(no longer selected): {', '.join(stale)}")
    if regressions:
        print(f"UNEXPECTED FAILURES ({len(regressions)}), not in {args.expect}:")
        for r in regressions:
            print(f"  {r.test.name}: {one_line(r.reason)}")
    if fixed:
        print(f"UNEXPECTED PASSES ({len(fixed)}): remove them from "
              f"{args.expect} (or rerun with --write-expect {args.expect}):")
        for r in fixed:
            print(f"  {r.test.name}")
    if regressions or fixed:
        return 1
    print(f"all results as expected ({len(failures)} known failures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
