"""heed.compile: a model (a .heed or .onnx file, .heed text, or a torch
module) to a loaded Model, through heedc.

heedc runs as a child process and writes a shared library into a cache
directory named by a hash of everything that decides its contents: the
heedc binary, the model's bytes, the flags and the weights. A second
compile of the same model loads the cached library without compiling. A
compiler failure is then a CompileError with heedc's diagnostic, and can
never take the Python process down.
"""

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import warnings

import numpy as np

from . import _safetensors
from ._model import Model
from .errors import CompileError, HeedWarning

_log = logging.getLogger("heed")

_PLACED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): "
                     r"(?P<severity>error|warning|remark|note): (?P<message>.*)$")
_UNPLACED = re.compile(r"^heedc: (?P<severity>error|warning|note): (?P<message>.*)$")


def heedc_path():
    """The heedc this package compiles with: the one installed beside it
    (a wheel), else the build tree's."""
    here = os.path.dirname(os.path.abspath(__file__))
    bundled = os.path.join(here, "bin", "heedc")
    if os.path.exists(bundled):
        return bundled
    from ._build_paths import HEEDC
    return HEEDC


def cache_root(cache_dir=None):
    """``cache_dir``, else $HEED_CACHE_DIR, else ~/.cache/heed."""
    root = cache_dir or os.environ.get("HEED_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "heed")
    os.makedirs(root, exist_ok=True)
    return root


def _diagnostics(stderr):
    """heedc's diagnostics: dicts of severity, message, file, line, column
    and text (the lines as printed, with the source line and caret)."""
    found = []
    for line in stderr.splitlines():
        match = _PLACED.match(line) or _UNPLACED.match(line)
        if match:
            d = match.groupdict()
            found.append({"severity": d["severity"], "message": d["message"],
                          "file": d.get("file"),
                          "line": int(d["line"]) if d.get("line") else None,
                          "column": int(d["col"]) if d.get("col") else None,
                          "text": [line]})
        elif found:
            found[-1]["text"].append(line)
    return found


def _report(diagnostics, rename=None):
    """Sends warnings to Python's warnings, remarks and notes to the heed
    logger, and returns the first error as a CompileError (or None)."""
    error = None
    for d in diagnostics:
        text = "\n".join(d["text"])
        if rename:
            text = text.replace(*rename)
            if d["file"] == rename[0]:
                d["file"] = rename[1]
        if d["severity"] == "error" and error is None:
            error = CompileError(text, d["message"], d["file"], d["line"],
                                 d["column"])
        elif d["severity"] == "warning":
            warnings.warn(text, HeedWarning, stacklevel=4)
        elif d["severity"] != "error":
            _log.info("%s", text)
    return error


def _fingerprint(path):
    """What identifies a file for the cache: its path, size and time."""
    st = os.stat(path)
    return f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"


def _is_torch_module(source):
    return type(source).__module__.startswith("torch") or any(
        c.__module__.startswith("torch.nn") for c in type(source).__mro__)


def _export_onnx(module, example_inputs, root):
    """``module`` exported to ONNX (torch.onnx.export, opset 17) at fixed
    shapes, with the inputs named after forward()'s parameters."""
    import inspect

    import torch
    if example_inputs is None:
        raise TypeError("compiling a torch module needs example_inputs=")
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    params = list(inspect.signature(module.forward).parameters)
    names = params[:len(example_inputs)]
    fd, path = tempfile.mkstemp(suffix=".onnx", dir=root)
    os.close(fd)
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, tuple(example_inputs), path,
                          input_names=names, opset_version=17,
                          do_constant_folding=True)
    return path


def compile(source, *, dims=None, opt=2, precision="f32", weights=None,
            random_weights=None, threads=None, entry=None,
            example_inputs=None, cache_dir=None):
    """Compiles ``source`` and loads it.

    ``source`` is a path to a ``.heed`` or ``.onnx`` file, or a
    ``torch.nn.Module`` (with ``example_inputs=``, exported to ONNX at those
    shapes). ``dims`` binds dimensions: ``{"L": 128}``, or a range
    ``{"L": (1, 512)}`` for one model that runs every size in it.
    ``opt`` is 2 (fused, the default) or 0 (unfused); ``precision`` "f32"
    or "bf16". ``weights`` is a ``.safetensors`` path (read when the model
    loads, never copied into the library) or a dict of arrays or tensors (a
    ``state_dict``); ``random_weights=SEED`` draws the parameters that have
    none. ``threads`` sets the model's worker threads. Raises CompileError
    with the compiler's diagnostic.
    """
    root = cache_root(cache_dir)
    cleanup = []
    try:
        if _is_torch_module(source):
            path = _export_onnx(source, example_inputs, root)
            cleanup.append(path)
        else:
            path = os.fspath(source)
            if not os.path.exists(path):
                raise CompileError(f"{path}: no such file", f"no such file: {path}")
        return _compile_file(path, root, dims, opt, precision, weights,
                             random_weights, threads, entry)
    finally:
        for p in cleanup:
            os.unlink(p)


def compile_string(text, *, name="<string>", **kwargs):
    """Compiles ``.heed`` source held in ``text`` (keywords as for
    compile); diagnostics name it ``name``."""
    root = cache_root(kwargs.get("cache_dir"))
    sources = os.path.join(root, "sources")
    os.makedirs(sources, exist_ok=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    path = os.path.join(sources, digest + ".heed")
    if not os.path.exists(path):
        with tempfile.NamedTemporaryFile("w", dir=sources, delete=False,
                                         suffix=".tmp") as f:
            f.write(text)
        os.replace(f.name, path)
    kwargs["cache_dir"] = root
    try:
        model = compile(path, **kwargs)
    except CompileError as e:
        raise _renamed(e, path, name) from None
    model._source_rename = (path, name)
    return model


def _renamed(error, path, name):
    text = str(error).replace(path, name)
    return CompileError(text, error.message.replace(path, name),
                        name if error.file == path else error.file,
                        error.line, error.column)


def _flags(dims, opt, precision, random_weights, entry):
    if opt not in (0, 2):
        raise ValueError(f"opt={opt!r}: 0 (unfused) or 2 (fused)")
    if precision not in ("f32", "bf16"):
        raise ValueError(f"precision={precision!r}: 'f32' or 'bf16'")
    flags = [f"-O{opt}", f"--precision={precision}"]
    for name, value in sorted((dims or {}).items()):
        if isinstance(value, range):
            value = (value.start, value.stop - 1)
        if isinstance(value, (tuple, list)):
            lo, hi = value
            flags += ["--dim", f"{name}={int(lo)}..{int(hi)}"]
        else:
            flags += ["--dim", f"{name}={int(value)}"]
    if random_weights is not None:
        flags.append(f"--random-weights={int(random_weights)}")
    if entry:
        flags += ["--entry", entry]
    return flags


def _weights_flags(weights, root):
    """The flags for ``weights`` and what identifies them for the cache."""
    if weights is None:
        return [], ""
    if isinstance(weights, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(weights))
        return [f"--weights={path}", "--weights-external"], _fingerprint(path)
    digest = hashlib.sha256()
    arrays = {}
    for name in sorted(weights):
        array = _safetensors.to_numpy(weights[name])
        arrays[name] = array
        digest.update(name.encode())
        digest.update(str(array.dtype).encode() + str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
    path = os.path.join(root, "weights-" + digest.hexdigest()[:24] + ".safetensors")
    if not os.path.exists(path):
        fd, temporary = tempfile.mkstemp(dir=root, suffix=".tmp")
        os.close(fd)
        _safetensors.write(temporary, arrays)
        os.replace(temporary, path)
    return [f"--weights={path}", "--weights-external"], _fingerprint(path)


def _compile_file(path, root, dims, opt, precision, weights, random_weights,
                  threads, entry):
    heedc = heedc_path()
    flags = _flags(dims, opt, precision, random_weights, entry)
    weight_flags, weight_id = _weights_flags(weights, root)
    key = hashlib.sha256()
    for part in [_fingerprint(heedc), weight_id, *flags, *weight_flags]:
        key.update(part.encode() + b"\0")
    with open(path, "rb") as f:
        key.update(f.read())
    out = os.path.join(root, key.hexdigest()[:32])
    library = os.path.join(out, "model.so")
    report = os.path.join(out, "model.so.attention.json")
    said = os.path.join(out, "heedc.stderr")
    if os.path.exists(library):
        # What the compile said is said again, as if it compiled now.
        if os.path.exists(said):
            with open(said) as f:
                _report(_diagnostics(f.read()))
    else:
        work = tempfile.mkdtemp(dir=root, prefix="compiling-")
        try:
            result = subprocess.run(
                [heedc, os.path.abspath(path), "-o", os.path.join(work, "model.so"),
                 "--attention-report=" + os.path.join(work, "model.so.attention.json"),
                 *flags, *weight_flags],
                capture_output=True, text=True)
            error = _report(_diagnostics(result.stderr))
            if result.returncode != 0:
                if error is None:
                    error = CompileError(
                        result.stderr.strip() or
                        f"heedc failed with exit status {result.returncode}")
                raise error
            with open(os.path.join(work, "heedc.stderr"), "w") as f:
                f.write(result.stderr)
            try:
                os.rename(work, out)
            except OSError:  # compiled meanwhile by another process
                pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return Model(library, threads=threads, report_path=report)
