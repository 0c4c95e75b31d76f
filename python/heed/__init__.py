"""Heed: compile attention models to native code and run them from Python.

    import heed
    model = heed.compile("bert_base.heed", dims={"L": 128},
                         weights="bert.safetensors")
    outputs = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
    heed.benchmark(model, feeds, repeat=20)

docs/python.md is the tour; help(heed.compile) and help(heed.Model) the
reference.
"""

import statistics as _statistics

from . import _heed
from ._compile import compile, compile_string
from ._model import Model, Port, load
from .errors import CompileError, Error, HeedWarning, RunError

__all__ = ["compile", "compile_string", "load", "benchmark", "Model", "Port",
           "Error", "CompileError", "RunError", "HeedWarning"]
__version__ = "0.1"

_heed.set_run_error(RunError)


def benchmark(model, feeds, repeat=10, warmup=1):
    """Times ``repeat`` runs of ``model`` on ``feeds`` after ``warmup``
    untimed ones, in the runtime (no Python in the loop), and returns what a
    compiled executable's ``--json`` prints: ``median_ms``, ``min_ms``,
    ``max_ms``, ``runs`` and ``memory_bytes``."""
    times = model._time(feeds, int(repeat), int(warmup))
    return {"median_ms": _statistics.median(times), "min_ms": min(times),
            "max_ms": max(times), "runs": len(times),
            "memory_bytes": model.memory_bytes}
