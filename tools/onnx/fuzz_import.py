#!/usr/bin/env python3
"""Structure-aware fuzzing of the ONNX importer.

Mutates models (the committed test models and a sample of the ONNX node
tests): attribute values (0, -1, 2^40, NaN...), input extents, op types,
dropped inputs, initializer dims. Each mutant goes through
`heedc --emit=mlir` (or `heed-run --random-inputs` with --run), which must
exit 0 or 1 with a diagnostic: a signal or another exit code is a crash,
and the mutant is saved for a regression test. Run with the pinned venv:

    build/venv/bin/python tools/onnx/fuzz_import.py --bin build/bin -n 800 --seed 1
"""

import argparse
import copy
import glob
import os
import random
import subprocess
import sys
import tempfile

import onnx
import onnx.backend.test.case.node as node_cases

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "..", "..", "test", "onnx", "Inputs")
INTS = [0, -1, 1, 2, -7, 3, 1 << 40, -(1 << 40), 7, 100000]
OPS = ["Add", "MatMul", "Reshape", "Softmax", "Transpose", "Gather", "Slice",
       "Concat", "Conv", "Resize", "Pad", "TopK", "Einsum", "Attention",
       "LSTM", "Split", "ConvTranspose", "MaxPool", "GatherND", "If"]


def mutate(rng, model):
    g = model.graph
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(5)
        if kind == 0 and g.node:
            n = rng.choice(g.node)
            if n.attribute:
                a = rng.choice(n.attribute)
                if a.type == onnx.AttributeProto.INT:
                    a.i = rng.choice(INTS)
                elif a.type == onnx.AttributeProto.INTS and len(a.ints):
                    a.ints[rng.randrange(len(a.ints))] = rng.choice(INTS)
                elif a.type == onnx.AttributeProto.FLOAT:
                    a.f = rng.choice([0.0, -1.0, 1e30, float("nan"), 3.5])
        elif kind == 1 and g.input:
            shape = rng.choice(g.input).type.tensor_type.shape
            if shape.dim:
                rng.choice(shape.dim).dim_value = rng.choice(
                    [1, 2, 3, 5, 64, 1 << 20])
        elif kind == 2 and g.node:
            rng.choice(g.node).op_type = rng.choice(OPS)
        elif kind == 3 and g.node:
            n = rng.choice(g.node)
            if n.input:
                del n.input[rng.randrange(len(n.input))]
        elif kind == 4 and g.initializer:
            t = rng.choice(g.initializer)
            if t.dims:
                t.dims[rng.randrange(len(t.dims))] = rng.choice(
                    [0, 1, 2, 1 << 30])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", required=True)
    p.add_argument("-n", type=int, default=400)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--run", action="store_true",
                   help="compile and run (heed-run) instead of importing")
    p.add_argument("--work", default=None)
    args = p.parse_args()
    rng = random.Random(args.seed)
    work = args.work or tempfile.mkdtemp(prefix="heed-fuzz-")
    os.makedirs(work, exist_ok=True)
    seeds = [onnx.load(f, load_external_data=False)
             for f in sorted(glob.glob(os.path.join(INPUTS, "*.onnx")))]
    for f in glob.glob(os.path.join(INPUTS, "*.weights")):
        data = open(f, "rb").read()
        open(os.path.join(work, os.path.basename(f)), "wb").write(data)
    for case in node_cases.collect_testcases(None):
        if "_expanded" not in case.name and rng.random() < 0.25:
            seeds.append(case.model)
    bin_dir = os.path.abspath(args.bin)
    crashes = accepted = 0
    for i in range(args.n):
        model = copy.deepcopy(rng.choice(seeds))
        mutate(rng, model)
        path = os.path.join(work, "m.onnx")
        onnx.save(model, path)
        if args.run:
            cmd = [os.path.join(bin_dir, "heed-run"), path,
                   "--random-inputs=1", "--output-dir",
                   os.path.join(work, "out")]
        else:
            # The module goes to stdout (captured): -o refuses devices.
            cmd = [os.path.join(bin_dir, "heedc"), path, "--emit=mlir"]
        dims = {d.dim_param for inp in model.graph.input
                for d in inp.type.tensor_type.shape.dim if d.dim_param}
        for d in sorted(dims):
            cmd += ["--dim", f"{d}=2"]
        try:
            r = subprocess.run(cmd, capture_output=True, timeout=60, cwd=work)
            rc = r.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        accepted += rc == 0
        if rc not in (0, 1):
            crashes += 1
            saved = os.path.join(work, f"crash{i}.onnx")
            onnx.save(model, saved)
            print(f"mutant {i}: exit {rc}, saved as {saved}")
    # Mutants that still compile show the smoke reaches past the reader.
    print(f"{args.n} mutants, {accepted} accepted, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
