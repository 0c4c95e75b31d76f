"""The engines that `make bench-peers` times, each in a worker process of
its own, driven by run_peers.py over a pipe.

A worker process per engine keeps the runtimes apart (Heed links Debian's
libtbb, OpenVINO ships its own libtbb.so.12: in one process only one of
them would load) and lets every engine load once and stay warm across the
interleaved rounds. A worker waits on its pipe between requests, so an
engine that is not being timed uses no CPU.

Every engine runs one model on row-major numpy inputs and returns numpy
outputs; a timed run is the wall-clock time (time.perf_counter) of one
call: inputs in, the whole model, outputs out.
"""

import ctypes
import os
import time
import traceback
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np


@dataclass(frozen=True)
class EngineKind:
    """An engine of the comparison: `runtime` is heed, ort or openvino;
    `precision` what it computes in (OpenVINO's default is decided by
    OpenVINO: bf16 on a CPU with AVX512_BF16 or AMX, else f32)."""

    key: str
    runtime: str
    precision: str
    label: str


ENGINES: Dict[str, EngineKind] = {e.key: e for e in [
    EngineKind("heed-fp32", "heed", "fp32", "Heed fp32"),
    EngineKind("heed-bf16", "heed", "bf16", "Heed bf16 (--precision=bf16)"),
    EngineKind("ort-fp32", "ort", "fp32", "ONNX Runtime fp32"),
    EngineKind("ov-f32", "openvino", "f32", "OpenVINO f32 (INFERENCE_PRECISION_HINT=f32)"),
    EngineKind("ov-default", "openvino", "default", "OpenVINO default (no precision hint)"),
]}


# --- Heed: a model compiled by heedc into a shared library, through ctypes.

HEED_DTYPES = {0: np.float32, 1: np.float16, 2: np.uint16, 3: np.int64, 4: np.int32, 5: np.uint8}
HEED_BF16 = 2


class HeedEngine:
    """A heedc-compiled shared library (`heedc M.heed -o libM.so`): loads it
    with NAME_load, sets the worker threads and runs NAME_run on raw
    pointers, as the model's generated header describes."""

    def __init__(self, library: str, graph: str, threads: int, precision: str) -> None:
        self.precision = precision
        os.environ["HEED_NUM_THREADS"] = str(threads)
        self.lib = ctypes.CDLL(library)
        self.graph = graph
        load = getattr(self.lib, f"{graph}_load")
        load.restype = ctypes.c_void_p
        self._run = getattr(self.lib, f"{graph}_run")
        self._run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                              ctypes.POINTER(ctypes.c_void_p)]
        self._run.restype = ctypes.c_int32
        self.lib.heed_last_error.restype = ctypes.c_char_p
        self.model = load()
        if not self.model:
            raise RuntimeError(f"{graph}_load: {self.lib.heed_last_error().decode()}")
        self.lib.heed_model_set_threads.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        self._check(self.lib.heed_model_set_threads(self.model, threads), "heed_model_set_threads")
        self.in_ports = self._ports("input")
        self.out_ports = self._ports("output")
        self.outputs = {name: np.empty(shape, HEED_DTYPES[dt]) for name, dt, shape in self.out_ports}
        self._out_ptrs = (ctypes.c_void_p * len(self.out_ports))(
            *[self.outputs[name].ctypes.data for name, _, _ in self.out_ports])
        self._inputs: List[np.ndarray] = []
        self._in_ptrs = None

    def _check(self, status: int, what: str) -> None:
        if status != 0:
            raise RuntimeError(f"{what}: {self.lib.heed_last_error().decode()}")

    def _ports(self, kind: str):
        """(name, dtype, shape) of every input or output."""
        count = getattr(self.lib, f"heed_model_num_{kind}s")
        count.argtypes = [ctypes.c_void_p]
        query = getattr(self.lib, f"heed_model_{kind}")
        query.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_char_p),
                          ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32),
                          ctypes.POINTER(ctypes.POINTER(ctypes.c_int64))]
        ports = []
        for i in range(count(self.model)):
            name, dtype, rank = ctypes.c_char_p(), ctypes.c_int32(), ctypes.c_int32()
            shape = ctypes.POINTER(ctypes.c_int64)()
            self._check(query(self.model, i, ctypes.byref(name), ctypes.byref(dtype),
                              ctypes.byref(rank), ctypes.byref(shape)), f"heed_model_{kind}")
            ports.append((name.value.decode(), dtype.value, tuple(shape[j] for j in range(rank.value))))
        return ports

    def info(self) -> Dict[str, str]:
        return {"precision": {"fp32": "f32"}.get(self.precision, self.precision)}

    def prepare(self, inputs: Dict[str, np.ndarray]) -> None:
        """Keeps the inputs in the model's order, dtypes and shapes."""
        arrays = []
        for name, dtype, shape in self.in_ports:
            a = np.ascontiguousarray(inputs[name])
            if a.dtype == np.bool_:
                a = a.view(np.uint8)
            if a.dtype != HEED_DTYPES[dtype] or a.shape != shape:
                raise ValueError(f"input '{name}': {a.dtype}{list(a.shape)}, the model wants "
                                 f"{np.dtype(HEED_DTYPES[dtype])}{list(shape)}")
            arrays.append(a)
        self._inputs = arrays
        self._in_ptrs = (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])

    def run(self) -> None:
        self._check(self._run(self.model, self._in_ptrs, self._out_ptrs), f"{self.graph}_run")

    def results(self) -> Dict[str, np.ndarray]:
        """The last run's outputs as f32 (bf16 bit patterns widened)."""
        out = {}
        for name, dtype, _ in self.out_ports:
            a = self.outputs[name]
            if dtype == HEED_BF16:
                a = (a.astype(np.uint32) << 16).view(np.float32)
            out[name] = np.array(a, dtype=np.float32 if a.dtype.kind == "f" else a.dtype)
        return out


# --- ONNX Runtime.

class OrtEngine:
    """An onnxruntime.InferenceSession on the CPU provider: all graph
    optimizations, `threads` intra-op threads, one inter-op thread,
    sequential execution."""

    def __init__(self, onnx_path: str, threads: int) -> None:
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
        self.version = ort.__version__
        self.feeds: Dict[str, np.ndarray] = {}
        self.last: Optional[List[np.ndarray]] = None

    def info(self) -> Dict[str, str]:
        return {"precision": "f32", "version": self.version}

    def prepare(self, inputs: Dict[str, np.ndarray]) -> None:
        self.feeds = {i.name: inputs[i.name] for i in self.sess.get_inputs()}

    def run(self) -> None:
        self.last = self.sess.run(None, self.feeds)

    def results(self) -> Dict[str, np.ndarray]:
        return {o.name: np.array(v) for o, v in zip(self.sess.get_outputs(), self.last)}


# --- OpenVINO.

class OpenVinoEngine:
    """An OpenVINO CPU compiled model with one infer request: LATENCY hint
    (one stream), INFERENCE_NUM_THREADS = threads and, unless `precision` is
    'default', INFERENCE_PRECISION_HINT = precision."""

    def __init__(self, onnx_path: str, threads: int, precision: str) -> None:
        import openvino as ov
        import openvino.properties as props
        import openvino.properties.hint as hints
        core = ov.Core()
        config = {hints.performance_mode: hints.PerformanceMode.LATENCY,
                  props.inference_num_threads: threads,
                  props.num_streams: 1}
        if precision != "default":
            config[hints.inference_precision] = {"f32": ov.Type.f32, "bf16": ov.Type.bf16}[precision]
        self.compiled = core.compile_model(core.read_model(onnx_path), "CPU", config)
        self.request = self.compiled.create_infer_request()
        self.precision = self.compiled.get_property(hints.inference_precision).get_type_name()
        self.threads = self.compiled.get_property(props.inference_num_threads)
        self.version = ov.get_version()
        self.feeds: Dict[str, np.ndarray] = {}

    def info(self) -> Dict[str, str]:
        return {"precision": self.precision, "threads": str(self.threads), "version": self.version}

    def prepare(self, inputs: Dict[str, np.ndarray]) -> None:
        self.feeds = {p.get_any_name(): inputs[p.get_any_name()] for p in self.compiled.inputs}

    def run(self) -> None:
        self.request.infer(self.feeds)

    def results(self) -> Dict[str, np.ndarray]:
        """The outputs under every name OpenVINO gives them (an ONNX output
        behind an Identity also carries the name of the value before it)."""
        out = {}
        for p in self.compiled.outputs:
            value = np.array(self.request.get_tensor(p).data, dtype=np.float32)
            for name in p.get_names():
                out[name] = value
        return out


def make_engine(kind: EngineKind, artifact: str, graph: str, threads: int):
    """The engine of `kind` on `artifact` (a heedc library or an ONNX file)."""
    if kind.runtime == "heed":
        return HeedEngine(artifact, graph, threads, kind.precision)
    if kind.runtime == "ort":
        return OrtEngine(artifact, threads)
    return OpenVinoEngine(artifact, threads, kind.precision)


def worker_main(conn, kind: EngineKind, artifact: str, graph: str, threads: int) -> None:
    """A worker process's loop. Requests (tuples) and replies:

    ("inputs", dict)        -> ("ok", None): keep the inputs
    ("outputs",)            -> ("outputs", dict): run once, return the outputs
    ("round", warmup, runs) -> ("times", [ms, ...]): warmup untimed runs,
                               then `runs` timed ones
    ("quit",)               -> exits

    The first reply is ("ready", {"setup_s": load time, ...info}) or
    ("error", traceback); any failure later replies ("error", traceback).
    """
    try:
        start = time.perf_counter()
        engine = make_engine(kind, artifact, graph, threads)
        info = dict(engine.info(), setup_s=time.perf_counter() - start)
        conn.send(("ready", info))
    except Exception:
        conn.send(("error", traceback.format_exc()))
        return
    while True:
        request = conn.recv()
        try:
            if request[0] == "quit":
                return
            if request[0] == "inputs":
                engine.prepare(request[1])
                conn.send(("ok", None))
            elif request[0] == "outputs":
                engine.run()
                conn.send(("outputs", engine.results()))
            elif request[0] == "round":
                _, warmup, runs = request
                for _ in range(warmup):
                    engine.run()
                times = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    engine.run()
                    times.append((time.perf_counter() - t0) * 1e3)
                conn.send(("times", times))
            else:
                raise ValueError(f"unknown request {request[0]!r}")
        except Exception:
            conn.send(("error", traceback.format_exc()))
