"""A compiled model, loaded: its signature, runs and reports."""

import collections
import ctypes
import json
import os
import shutil

import numpy as np

from . import _dtypes, _elf, _heed
from .errors import Error, RunError

#: One input or output of a model: its name, Heed dtype ("f32", "i64",
#: ...), the NumPy dtype of its arrays, and its shape (with bounded
#: dimensions, at their largest values; Model.dims has the ranges).
Port = collections.namedtuple("Port", "name dtype numpy_dtype shape")


class Model:
    """A compiled model loaded in this process.

    Call it with one keyword per input, ``model(input_ids=ids, ...)``, to get
    a dict of outputs, or use ``model.run(output_names, feeds)`` as with
    ONNX Runtime. Inputs may be NumPy arrays or anything with
    ``__dlpack__`` (torch tensors); a C-contiguous one of the input's dtype
    is read in place, without a copy. Outputs are NumPy arrays, or torch
    tensors when an input was one. Runs release the GIL, and one model may
    be called from several threads (its runs take turns).
    """

    def __init__(self, library_path, threads=None, report_path=None):
        self._path = os.fspath(library_path)
        self._report_path = report_path
        self._source_rename = None
        name = _elf.model_name(self._path)
        self._library = ctypes.CDLL(os.path.abspath(self._path))
        runtime = ctypes.cast(self._library.heed_abi_version, ctypes.c_void_p)
        if runtime.value != _heed.runtime_address():
            raise Error(f"{self._path} is linked against another libheedrt than "
                        f"this heed package's; compile it again with heed.compile "
                        f"or this package's heedc")
        load = getattr(self._library, name + "_load")
        load.restype = ctypes.c_void_p
        load.argtypes = []
        self._library.heed_last_error.restype = ctypes.c_char_p
        pointer = load()
        if not pointer:
            raise Error(f"cannot load {self._path}: "
                        f"{self._library.heed_last_error().decode()}")
        self._model = _heed.LoadedModel(pointer)
        self.name = name
        self.inputs = [self._port(p) for p in self._model.inputs()]
        self.outputs = [self._port(p) for p in self._model.outputs()]
        #: Bounded dimensions (heedc --dim NAME=LO..HI): name -> (lo, hi).
        self.dims = {n: (lo, hi) for n, lo, hi in self._model.dims()}
        self._input_index = {p.name: i for i, p in enumerate(self.inputs)}
        if threads is not None:
            self.threads = threads

    @staticmethod
    def _port(description):
        name, dtype, shape = description
        return Port(name, dtype, _dtypes.NUMPY[dtype], tuple(shape))

    def __repr__(self):
        sig = ", ".join(f"{p.name}: {p.dtype}{list(p.shape)}" for p in self.inputs)
        return f"<heed.Model {self.name}({sig}) from {self._path}>"

    @property
    def path(self):
        """The shared library the model was loaded from."""
        return self._path

    @property
    def threads(self):
        raise AttributeError("threads can be set, not read")

    @threads.setter
    def threads(self, n):
        """Worker threads: n > 0, or 0 for $HEED_NUM_THREADS, else every
        core."""
        self._model.set_threads(int(n))

    @property
    def memory_bytes(self):
        """The model's arena and its kernels' scratch memory, in bytes."""
        return self._model.memory_bytes()

    def _arrays(self, feeds):
        """The input arrays in model order, checked, and whether any feed
        was a torch tensor."""
        for name in feeds:
            if name not in self._input_index:
                names = ", ".join(p.name for p in self.inputs) or "none"
                raise RunError(f"the model has no input '{name}' (its inputs: "
                               f"{names})")
        arrays, torch_in = [], False
        for port in self.inputs:
            if port.name not in feeds:
                raise RunError(f"input '{port.name}' ({port.dtype}"
                               f"{list(port.shape)}) is not given")
            array, is_torch = _as_array(feeds[port.name])
            torch_in |= is_torch
            arrays.append(self._check(port, array))
        return arrays, torch_in

    def _check(self, port, array):
        if array.dtype != port.numpy_dtype:
            raise RunError(f"input '{port.name}' is {array.dtype}, the model "
                           f"needs {port.numpy_dtype} ({port.dtype})")
        if array.ndim != len(port.shape) or (
                not self.dims and tuple(array.shape) != port.shape):
            raise RunError(f"input '{port.name}' has shape {list(array.shape)}, "
                           f"the model needs {list(port.shape)}")
        if port.dtype == "bf16":
            return _dtypes.float32_to_bf16_bits(array)
        # Read in place when the layout allows; otherwise one copy.
        return array if array.flags.c_contiguous else np.ascontiguousarray(array)

    def __call__(self, **feeds):
        """Runs on ``feeds`` (one per input, by name); returns a dict of the
        outputs by name."""
        return dict(zip((p.name for p in self.outputs), self._run(feeds)))

    def run(self, output_names, feeds):
        """ONNX Runtime's shape: the outputs named in ``output_names`` (all of
        them when None), in that order, for ``feeds`` (a dict by input
        name)."""
        results = self._run(feeds)
        if output_names is None:
            return results
        index = {p.name: i for i, p in enumerate(self.outputs)}
        missing = [n for n in output_names if n not in index]
        if missing:
            raise RunError(f"the model has no output '{missing[0]}' (its "
                           f"outputs: {', '.join(index)})")
        return [results[index[n]] for n in output_names]

    def _run(self, feeds):
        arrays, torch_in = self._arrays(feeds)
        outputs = self._model.run(arrays)
        if torch_in:
            import torch
            return [torch.from_numpy(o) for o in outputs]
        return outputs

    def attention_maps(self, **feeds):
        """Runs on ``feeds`` like ``model(**feeds)`` and also returns the
        probabilities of every attention of the model: ``(outputs, maps)``,
        ``maps`` a dict from each attention's source name to a float32 array
        [B, H, Lq, Lk] (docs/attention-maps.md). Fused attention computes
        them through its slower materialising path for this run only;
        calls of the model itself never do."""
        arrays, torch_in = self._arrays(feeds)
        outputs, maps = self._model.run_capturing(arrays)
        if torch_in:
            import torch
            outputs = [torch.from_numpy(o) for o in outputs]
        return (dict(zip((p.name for p in self.outputs), outputs)),
                {name: probs for name, _, probs in maps})

    def _time(self, feeds, repeat, warmup):
        arrays, _ = self._arrays(feeds)
        return self._model.time(arrays, repeat, warmup)

    def _input_addresses(self, feeds):
        """The data addresses a run on ``feeds`` hands the runtime (tests)."""
        arrays, _ = self._arrays(feeds)
        return self._model.input_addresses(arrays)

    def attention_report(self):
        """Each attention of the model as heedc saw it: a list of dicts with
        ``where`` (file:line:col), ``fused``, and for fused attention ``op``,
        ``structure`` (none, causal, window, blocks), ``batch_heads``,
        ``lq``, ``lk``, ``tile`` and ``skipped_fraction`` (the share of
        query-key scores it never computes), or for a spelled-out attention
        attn-fuse could not fuse, ``why``."""
        if not self._report_path or not os.path.exists(self._report_path):
            raise Error(f"{self._path} has no attention report beside it; "
                        f"compile with heed.compile (or heedc "
                        f"--attention-report)")
        with open(self._report_path) as f:
            report = json.load(f)["attention"]
        if self._source_rename:  # compile_string's text has a name
            path, name = self._source_rename
            for entry in report:
                entry["where"] = entry["where"].replace(path, name)
        return report

    def save(self, path):
        """Writes the model's shared library to ``path`` (and its attention
        report to PATH.attention.json): heed.load(path) loads it. A model
        compiled with weights from a file reads them from that file when it
        loads."""
        path = os.fspath(path)
        shutil.copyfile(self._path, path)
        if self._report_path and os.path.exists(self._report_path):
            shutil.copyfile(self._report_path, report_path_for(path))


def report_path_for(library_path):
    """Where the attention report of a saved library lives."""
    return os.fspath(library_path) + ".attention.json"


def _as_array(value):
    """(NumPy array over ``value``'s memory where possible, is_torch)."""
    if isinstance(value, np.ndarray):
        return value, False
    if type(value).__module__.startswith("torch"):
        if value.device.type != "cpu":
            raise RunError(f"a {value.device} tensor: Heed runs on the CPU; "
                           f"pass tensor.cpu()")
        return value.detach().numpy(), True  # shares the tensor's memory
    if hasattr(value, "__dlpack__"):
        return np.from_dlpack(value), False
    return np.asarray(value), False


def load(path, *, threads=None):
    """Loads a model that ``heedc model.heed -o libmodel.so`` (or
    Model.save) wrote."""
    report = report_path_for(path)
    return Model(path, threads=threads,
                 report_path=report if os.path.exists(report) else None)
