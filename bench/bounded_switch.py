#!/usr/bin/env python3
"""What a run costs when a bounded model's sequence length changes.

Compiles bench/bert_base.heed (random weights) once for L in 1..512 into a
shared library, loads it through the C API (ctypes), and times runs at
L = 37, 128 and 512: steady runs at one L, and the first run after L
changed (which creates the kernels that depend on L again; linear and
matmul keep their packed weights). Prints the medians over --rounds rounds,
and the process's peak RSS.

    /usr/bin/python3 bench/bounded_switch.py [--bin build/bin] [--rounds 5]
"""

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [37, 128, 512]


class Model:
    def __init__(self, library, runtime):
        self.rt = ctypes.CDLL(runtime, mode=ctypes.RTLD_GLOBAL)
        self.lib = ctypes.CDLL(library)
        self.lib.bert_base_load.restype = ctypes.c_void_p
        self.rt.heed_last_error.restype = ctypes.c_char_p
        self.rt.heed_model_set_threads.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        self.rt.heed_tensor_wrap.argtypes = [
            ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(ctypes.c_int64),
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        self.rt.heed_model_run_alloc.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int32,
            ctypes.POINTER(ctypes.c_void_p), ctypes.c_int32]
        self.rt.heed_tensor_free.argtypes = [ctypes.c_void_p]
        self.model = self.lib.bert_base_load()
        if not self.model:
            raise SystemExit(self.rt.heed_last_error().decode())

    def check(self, status):
        if status != 0:
            raise SystemExit(self.rt.heed_last_error().decode())

    def tensor(self, array, dtype_code):
        shape = (ctypes.c_int64 * array.ndim)(*array.shape)
        handle = ctypes.c_void_p()
        self.check(self.rt.heed_tensor_wrap(
            dtype_code, array.ndim, shape, array.ctypes.data, ctypes.byref(handle)))
        return handle

    def run(self, inputs):
        """Runs once on (array, dtype code) pairs; returns the time in ms."""
        handles = [self.tensor(a, code) for a, code in inputs]
        ins = (ctypes.c_void_p * len(handles))(*handles)
        outs = (ctypes.c_void_p * 2)()
        start = time.perf_counter()
        self.check(self.rt.heed_model_run_alloc(self.model, ins, len(handles), outs, 2))
        elapsed = (time.perf_counter() - start) * 1e3
        for h in list(handles) + list(outs):
            self.rt.heed_tensor_free(h)
        return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="heed-bounded-")
    library = os.path.join(work, "libbert.so")
    subprocess.run([os.path.join(args.bin, "heedc"), os.path.join(HERE, "bert_base.heed"),
                    "--dim", "L=1..512", "--random-weights", "1", "-o", library], check=True)
    runtime = os.path.join(args.bin, "..", "lib", "libheedrt.so")
    model = Model(library, runtime)
    model.check(model.rt.heed_model_set_threads(model.model, args.threads))
    rng = np.random.default_rng(0)
    # heed_dtype codes: HEED_I64 and HEED_I1 (heed/runtime.h).
    I64, I1 = 3, 5
    inputs = {L: [(rng.integers(0, 30522, (1, L)).astype(np.int64), I64),
                  (np.zeros((1, L), np.int64), I64),
                  (np.ones((1, L), np.bool_), I1)] for L in SIZES}
    steady = {L: [] for L in SIZES}
    switch = {L: [] for L in SIZES}
    model.run(inputs[SIZES[-1]])
    for _ in range(args.rounds):
        for L in SIZES:
            switch[L].append(model.run(inputs[L]))  # L changed
            steady[L].extend(model.run(inputs[L]) for _ in range(3))
    print("L     steady ms  first run after a change of L, ms")
    for L in SIZES:
        print(f"{L:<5} {statistics.median(steady[L]):9.2f}  {statistics.median(switch[L]):9.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
