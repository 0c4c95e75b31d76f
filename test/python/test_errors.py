"""Every error path of the package raises its documented exception with a
message that says what is wrong (the expected messages are written here by
hand from the models and feeds)."""

import os

import numpy as np
import pytest

import heed
from conftest import REPO, encoder_feeds


def test_exceptions_share_a_base():
    assert issubclass(heed.CompileError, heed.Error)
    assert issubclass(heed.RunError, heed.Error)


def test_unknown_input_name(encoder):
    feeds = encoder_feeds()
    feeds["idz"] = feeds.pop("ids")
    with pytest.raises(heed.RunError,
                       match=r"^the model has no input 'idz' \(its inputs: ids, keep\)$"):
        encoder(**feeds)


def test_missing_input(encoder):
    with pytest.raises(heed.RunError, match=r"^input 'keep' \(i1\[2, 16\]\) is not given$"):
        encoder(ids=encoder_feeds()["ids"])


def test_wrong_dtype(encoder):
    feeds = encoder_feeds()
    feeds["ids"] = feeds["ids"].astype(np.int32)
    with pytest.raises(heed.RunError,
                       match=r"^input 'ids' is int32, the model needs int64 \(i64\)$"):
        encoder(**feeds)


def test_wrong_shape(encoder):
    feeds = encoder_feeds(L=8)
    with pytest.raises(heed.RunError,
                       match=r"^input 'ids' has shape \[2, 8\], the model needs \[2, 16\]$"):
        encoder(**feeds)


def test_size_outside_a_bounded_range(cache):
    model = heed.compile(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                         dims={"L": (1, 16)}, random_weights=3, cache_dir=cache)
    feeds = encoder_feeds(L=20)
    with pytest.raises(heed.RunError, match=r"^input 'ids' is i64\[2, 20\], the model "
                       r"needs i64\[2, L\] with L in 1\.\.16 \(it gives L = 20\)$"):
        model(**feeds)


def test_unknown_output_name(encoder):
    with pytest.raises(heed.RunError, match=r"^the model has no output 'z'"):
        encoder.run(["z"], encoder_feeds())


def test_syntax_error_in_source(cache):
    text = "graph g(x: f32[4]) {\n  return y = x +\n}\n"
    with pytest.raises(heed.CompileError) as info:
        heed.compile_string(text, name="broken.heed", cache_dir=cache)
    e = info.value
    assert (e.file, e.line, e.column) == ("broken.heed", 3, 1)
    lines = str(e).splitlines()
    assert lines[0].startswith("broken.heed:3:1: error: ")
    assert lines[1:] == ["  }", "  ^"]  # the source line and a caret


def test_missing_weights(cache):
    text = "graph g(x: f32[4]) {\n  return y = linear[fc](x, out=2)\n}\n"
    with pytest.raises(heed.CompileError, match="the model has parameters; give "
                       r"--weights=FILE.safetensors or --random-weights=SEED"):
        heed.compile_string(text, cache_dir=cache)


def test_missing_weight_in_the_file(cache, tmp_path):
    from heed import _safetensors
    path = tmp_path / "w.safetensors"
    _safetensors.write(path, {"fc.weight": np.zeros((2, 4), np.float32)})
    text = "graph g(x: f32[4]) {\n  return y = linear[fc](x, out=2)\n}\n"
    with pytest.raises(heed.CompileError, match="fc.bias"):
        heed.compile_string(text, weights=path, cache_dir=cache)


def test_missing_file(cache):
    with pytest.raises(heed.CompileError, match="no such file"):
        heed.compile("/nonexistent/model.heed", cache_dir=cache)


def test_bad_options(cache):
    path = os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed")
    with pytest.raises(ValueError, match="opt=1"):
        heed.compile(path, opt=1, cache_dir=cache)
    with pytest.raises(ValueError, match="precision='f64'"):
        heed.compile(path, precision="f64", cache_dir=cache)


def test_load_something_else(tmp_path):
    path = tmp_path / "not-a-model.so"
    path.write_bytes(b"hello")
    with pytest.raises(heed.Error, match="is not a 64-bit little-endian ELF"):
        heed.load(path)


def test_compiler_warnings_are_python_warnings(cache, tmp_path):
    from heed import _safetensors
    path = tmp_path / "extra.safetensors"
    _safetensors.write(path, {"fc.weight": np.ones((2, 4), np.float32),
                              "fc.bias": np.zeros(2, np.float32),
                              "unused": np.zeros(1, np.float32)})
    text = "graph g(x: f32[4]) {\n  return y = linear[fc](x, out=2)\n}\n"
    with pytest.warns(heed.HeedWarning, match=r"has 1 tensors the model does not "
                      r"use \(the first: 'unused'\)"):
        model = heed.compile_string(text, weights=path, cache_dir=cache)
    # The weights still load: y = sum(x) per output.
    assert model(x=np.arange(4, dtype=np.float32))["y"].tolist() == [6.0, 6.0]
    # A second compile loads the cached library and warns the same.
    with pytest.warns(heed.HeedWarning, match="does not use"):
        heed.compile_string(text, weights=path, cache_dir=cache)
