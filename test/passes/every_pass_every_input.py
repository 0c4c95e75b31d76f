#!/usr/bin/env python3
"""Every pass, alone, over every split of every .mlir file under test/.

usage: every_pass_every_input.py BIN_DIR SRC_ROOT [WORK_DIR]

The passes come from passes/Passes.td (name and anchor of each `Pass<...>`),
so a new pass is covered without editing this script; each bool option also
runs with its non-default value (attn-fuse{remarks=true}, ...). For each
(.mlir file, pipeline) heed-opt runs once over the whole file with
-split-input-file; a crash there reruns the file split by split to name the
crashing split. Requirements, per (pass, split):

  - no crash: return code not negative and below 128, no "Stack dump" or
    "PLEASE submit a bug report" on stderr;
  - a split that parses and verifies before the pass (a plain heed-opt run)
    either comes out of the pass verified (heed-opt verifies after each pass)
    and re-parses (the output is fed back to heed-opt), or the pass rejects
    it with an error diagnostic (heedrt-to-llvm on an unplanned plan, say);
    failing without an error is a bug;
  - a split that does not verify before the pass only has to report errors.

With WORK_DIR it then does the same over the IR of every .heed model under
test/e2e, test/driver and examples, at each stage a pass can meet (tensors
before and after the -O2 tensor passes, plans before and after memory
planning), so the passes also meet frontend-built graphs and each other's
output. Prints what it ran, every problem, and "ran N pass x split
combinations, C crashes, I invalid outputs, S silent failures".
"""

import concurrent.futures
import os
import re
import subprocess
import sys
import threading

# The pipelines issue 7 names; every pass in Passes.td must be among those run.
REQUIRED = [
    "heed-canonicalize", "attn-fuse", "attn-fuse{remarks=true}", "attn-sparsify",
    "attn-sparsify{remarks=true}", "heed-to-heedrt", "heedrt-fuse-post-ops",
    "heedrt-plan-memory", "heedrt-to-llvm"
]
ANCHORS = {
    "mlir::func::FuncOp": "func.func",
    "mlir::ModuleOp": None,
    "heed::heedrt::PlanOp": "heedrt.plan",
}
# Extra variants worth running (options that are not bools).
EXTRA = {"attn-tile": ["attn-tile{q-block=16 k-block=16}"]}
MARKER = "// -----"
CRASH_TEXT = ("Stack dump", "PLEASE submit a bug report")


def passes_from_td(src):
    """[(pass, anchor op or None, [bool options with defaults])]."""
    text = open(os.path.join(src, "passes", "Passes.td")).read()
    found = []
    for m in re.finditer(r'def \w+ : Pass<"([\w-]+)", "([\w:]+)">', text):
        end = text.find("\ndef ", m.end())
        body = text[m.end():end if end >= 0 else len(text)]
        bools = re.findall(
            r'Option<"\w+", "([\w-]+)", "bool",\s*(?:/\*default=\*/)?"(\w+)"',
            body)
        if m.group(2) not in ANCHORS:
            sys.exit("unknown anchor %s of pass %s; add it to ANCHORS" %
                     (m.group(2), m.group(1)))
        found.append((m.group(1), ANCHORS[m.group(2)], bools))
    return found


def pipelines(src):
    result = []  # (label, -pass-pipeline value)
    for name, anchor, bools in passes_from_td(src):
        variants = [name]
        for option, default in bools:
            flipped = "false" if default == "true" else "true"
            variants.append("%s{%s=%s}" % (name, option, flipped))
        variants += EXTRA.get(name, [])
        for v in variants:
            nested = "%s(%s)" % (anchor, v) if anchor else v
            result.append((v, "builtin.module(%s)" % nested))
    labels = [label for label, _ in result]
    missing = [r for r in REQUIRED if r not in labels]
    if missing:
        sys.exit("Passes.td no longer declares %s" % ", ".join(missing))
    return result


def split_source(text):
    """The splits of a file as heed-opt cuts them: (line, text); heed-opt
    names a split after the line of the marker before it (1 for the first)."""
    splits, start, current = [], 1, []
    for number, line in enumerate(text.split("\n"), 1):
        if re.match(r"^\s*// -----", line):
            splits.append((start, "\n".join(current)))
            start, current = number, []
        else:
            current.append(line)
    splits.append((start, "\n".join(current)))
    return splits


def run(opt, args, stdin=None):
    p = subprocess.run([opt] + args, input=stdin, capture_output=True,
                       text=True)
    crashed = (p.returncode < 0 or p.returncode >= 128 or
               any(t in p.stderr for t in CRASH_TEXT))
    return p, crashed


def output_chunks(stdout):
    chunks, current = [], []
    for line in stdout.split("\n"):
        if line == MARKER:
            chunks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    chunks.append("\n".join(current))
    return [c.strip() for c in chunks]


def errors_by_split(stderr):
    """{split start line: first error} from 'within split at F:N offset'."""
    found = {}
    for m in re.finditer(r"within split at [^\n]*?:(\d+) offset :\d+:\d+: "
                         r"error: ([^\n]*)", stderr):
        found.setdefault(int(m.group(1)), m.group(2))
    return found


class Checker:
    """Runs every pipeline over files of splits and counts problems."""

    def __init__(self, opt, pipes):
        self.opt, self.pipes = opt, pipes
        self.base = ["-split-input-file", "-allow-unregistered-dialect"]
        self.combos = self.crashes = self.invalid = 0
        self.silent = self.rejected = 0
        self.problems = []
        self.lock = threading.Lock()

    def check(self, path, rel):
        splits = split_source(open(path).read())
        # Which splits verify before any pass.
        plain, crashed = run(self.opt, [path] + self.base)
        if crashed:
            self.crashes += 1
            self.problems.append("CRASH parsing %s:\n%s" %
                                 (rel, plain.stderr))
            return
        chunks = output_chunks(plain.stdout)
        if len(chunks) != len(splits):
            sys.exit("%s: %d splits but %d output chunks" %
                     (rel, len(splits), len(chunks)))
        valid = [bool(c) for c in chunks]
        print("%s: %d splits, %d verify, %d do not" %
              (rel, len(splits), sum(valid), len(splits) - sum(valid)))
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            for _ in pool.map(
                    lambda lp: self.check_pipeline(path, rel, splits, valid,
                                                   *lp), self.pipes):
                pass

    def rejects_alone(self, text, pipe):
        """Whether the pass fails on this split alone with an error (for
        errors at unknown locations, which name no split)."""
        q, crashed = run(self.opt, ["-", "-allow-unregistered-dialect",
                                    "-pass-pipeline=" + pipe], text)
        return not crashed and q.returncode != 0 and "error:" in q.stderr

    def check_pipeline(self, path, rel, splits, valid, label, pipe):
        local = Checker(self.opt, self.pipes)
        local.check_pipeline_alone(path, rel, splits, valid, label, pipe)
        with self.lock:
            for counter in ("combos", "crashes", "invalid", "silent",
                            "rejected"):
                setattr(self, counter,
                        getattr(self, counter) + getattr(local, counter))
            self.problems += local.problems

    def check_pipeline_alone(self, path, rel, splits, valid, label, pipe):
        p, crashed = run(self.opt, [path] + self.base +
                         ["-pass-pipeline=" + pipe])
        self.combos += len(splits)
        if crashed:
            # Name the crashing splits.
            for start, text in splits:
                q, c = run(self.opt, ["-", "-allow-unregistered-dialect",
                                      "-pass-pipeline=" + pipe], text)
                if c:
                    self.crashes += 1
                    self.problems.append(
                        "CRASH: %s on %s:%d (exit %d)\n%s" %
                        (label, rel, start, q.returncode,
                         "\n".join(q.stderr.splitlines()[:30])))
            return
        out = output_chunks(p.stdout)
        if len(out) != len(splits):
            self.invalid += 1
            self.problems.append("%s on %s: %d output chunks for %d splits" %
                                 (label, rel, len(out), len(splits)))
            return
        errors = errors_by_split(p.stderr)
        survivors = []
        for (start, text), ok, result in zip(splits, valid, out):
            if not ok:
                continue  # rejected by the parser/verifier; no crash
            if result:
                survivors.append((start, result))
            elif start in errors or self.rejects_alone(text, pipe):
                self.rejected += 1
            else:
                self.silent += 1
                self.problems.append("SILENT FAILURE: %s on %s:%d\n%s" %
                                     (label, rel, start, p.stderr[:2000]))
        if not survivors:
            return
        # The output of the pass must parse and verify again.
        again, crashed = run(
            self.opt, ["-"] + self.base,
            ("\n" + MARKER + "\n").join(r for _, r in survivors))
        reparsed = output_chunks(again.stdout)
        if crashed or len(reparsed) != len(survivors):
            self.crashes += crashed
            self.invalid += 1
            self.problems.append("%s on %s: re-parse failed\n%s" %
                                 (label, rel, again.stderr[:2000]))
            return
        for (start, _), r in zip(survivors, reparsed):
            if not r:
                self.invalid += 1
                self.problems.append(
                    "INVALID OUTPUT: %s on %s:%d does not re-parse:\n%s" %
                    (label, rel, start, again.stderr[:2000]))


def model_stages(bindir, src, work):
    """Phase 2: IR of every .heed model under test/e2e, test/driver and
    examples at each stage a pass can meet: tensors (-O0: as written; -O2:
    after the tensor passes), unplanned plans (heed-to-heedrt of both) and
    planned plans (heedc --emit=heedrt). Returns {stage: file of splits}."""
    heedc = os.path.join(bindir, "heedc")
    opt = os.path.join(bindir, "heed-opt")
    models = sorted(
        os.path.join(dirpath, f)
        for top in ("test/e2e", "test/driver", "examples")
        for dirpath, _, names in os.walk(os.path.join(src, top))
        for f in names if f.endswith(".heed"))
    graphs = []  # (model, --entry flags, name)
    for model in models:
        rel = os.path.relpath(model, src)
        names = re.findall(r"^\s*graph\s+(\w+)", open(model).read(), re.M)
        if not names:
            print("%s: declares no graph (a test's RUN lines), skipped" % rel)
        for graph in names:
            entry = ["--entry", graph] if len(names) > 1 else []
            graphs.append((model, entry,
                           rel + (" --entry " + graph if entry else "")))

    def stages_of(graph):
        model, entry, _ = graph
        outs = {}
        for level in ("O0", "O2"):
            for emit, key in (("mlir", "tensor"), ("heedrt", "planned")):
                p = subprocess.run(
                    [heedc, model, "-" + level, "--emit=" + emit,
                     "--no-locations"] + entry,
                    capture_output=True, text=True)
                if p.returncode != 0:
                    return p.stderr
                outs[key + "-" + level] = p.stdout
            p = subprocess.run(
                [opt, "-", "-pass-pipeline=builtin.module(heed-to-heedrt)"],
                input=outs["tensor-" + level], capture_output=True, text=True)
            if p.returncode != 0:
                return p.stderr
            outs["plan-" + level] = p.stdout
        return outs

    stages = {k: [] for k in ("tensor-O0", "tensor-O2", "plan-O0", "plan-O2",
                              "planned-O0", "planned-O2")}
    used = 0
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        for (_, _, name), outs in zip(graphs, pool.map(stages_of, graphs)):
            if isinstance(outs, str):
                print("model %s: not compiled, skipped: %s" %
                      (name, (outs.strip().splitlines() or ["?"])[0]))
                continue
            used += 1
            for key, text in outs.items():
                stages[key].append("// model %s\n%s" % (name, text))
    print("models: %d graphs from %d files compiled at every stage" %
          (used, len(models)))
    files = {}
    for key, texts in stages.items():
        files[key] = os.path.join(work, key + ".mlir")
        with open(files[key], "w") as f:
            f.write(("\n" + MARKER + "\n").join(texts))
    return files


def main():
    bindir, src = sys.argv[1], sys.argv[2]
    work = sys.argv[3] if len(sys.argv) > 3 else None
    opt = os.path.join(bindir, "heed-opt")
    pipes = pipelines(src)
    print("pipelines: " + " ".join(label for label, _ in pipes))
    files = sorted(
        os.path.join(dirpath, f)
        for dirpath, _, names in os.walk(os.path.join(src, "test"))
        for f in names if f.endswith(".mlir"))
    checker = Checker(opt, pipes)
    for path in files:
        checker.check(path, os.path.relpath(path, src))
    summary = ("ran %d pass x split combinations, %d crashes, %d invalid "
               "outputs, %d silent failures")
    if work:
        print(".mlir files: " + summary %
              (checker.combos, checker.crashes, checker.invalid,
               checker.silent))
        os.makedirs(work, exist_ok=True)
        for stage, path in model_stages(bindir, src, work).items():
            checker.check(path, "models at stage " + stage)
    for problem in checker.problems:
        print(problem)
    print("%d .mlir files%s, %d pipelines; %d pass runs rejected their input "
          "with an error" % (len(files), " and the models" if work else "",
                             len(pipes), checker.rejected))
    print(summary % (checker.combos, checker.crashes, checker.invalid,
                     checker.silent))
    return 1 if checker.crashes or checker.invalid or checker.silent else 0


if __name__ == "__main__":
    sys.exit(main())
