"""Compile and run round trips: .heed files, .heed text, ONNX, torch
modules, bounded sizes, save and load. Expected values come from heed-run
(the command-line tools, compiled the same way: bitwise), the reference
interpreter and PyTorch (to float tolerance)."""

import os
import subprocess

import numpy as np
import pytest

import heed
from conftest import BIN, REPO, encoder_feeds


def heed_run(args, feeds, tmp_path):
    """heed-run's outputs (a dict of arrays) for ``feeds``."""
    flags = []
    for name, array in feeds.items():
        np.save(tmp_path / f"{name}.npy", array)
        flags += ["--input", f"{name}={tmp_path / name}.npy"]
    out = tmp_path / "out"
    subprocess.run([os.path.join(BIN, "heed-run"), *args, *flags,
                    "--output-dir", str(out)], check=True)
    return {f[:-4]: np.load(out / f) for f in os.listdir(out)}


def test_heed_file_equals_heed_run_bitwise(encoder, tmp_path):
    feeds = encoder_feeds()
    ours = encoder(**feeds)
    theirs = heed_run([os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                       "--random-weights", "3"], feeds, tmp_path)
    assert set(ours) == {"y", "mean", "first"}
    for name in ours:
        assert ours[name].dtype == np.float32
        assert np.array_equal(ours[name], theirs[name]), name


def test_reference_interpreter_agrees(encoder, tmp_path):
    feeds = encoder_feeds(seed=5)
    ours = encoder(**feeds)
    reference = heed_run([os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                          "--random-weights", "3", "--reference"], feeds, tmp_path)
    for name in ours:
        np.testing.assert_allclose(ours[name], reference[name], rtol=1e-5, atol=1e-5)


def test_run_is_onnx_runtime_shaped(encoder):
    feeds = encoder_feeds()
    everything = encoder.run(None, feeds)
    assert [p.name for p in encoder.outputs] == ["y", "mean", "first"]
    first, mean = encoder.run(["first", "mean"], feeds)
    assert np.array_equal(first, everything[2])
    assert np.array_equal(mean, everything[1])


def test_compile_string_equals_the_file(encoder, cache):
    with open(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed")) as f:
        text = f.read()
    model = heed.compile_string(text, random_weights=3, cache_dir=cache)
    feeds = encoder_feeds(seed=2)
    for name, value in model(**feeds).items():
        assert np.array_equal(value, encoder(**feeds)[name])


def test_cache_reuses_the_library(encoder, cache):
    again = heed.compile(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                         random_weights=3, cache_dir=cache)
    assert again.path == encoder.path
    other = heed.compile(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                         random_weights=4, cache_dir=cache)
    assert other.path != encoder.path


def test_bounded_dims_run_every_size(cache):
    model = heed.compile(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                         dims={"L": (1, 16)}, random_weights=3, cache_dir=cache)
    assert model.dims == {"L": (1, 16)}
    fixed = heed.compile(os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                         dims={"L": 5}, random_weights=3, cache_dir=cache)
    feeds = encoder_feeds(L=5)
    out = model(**feeds)
    assert out["y"].shape == (2, 5, 32)
    for name, value in fixed(**feeds).items():
        assert np.array_equal(out[name], value), name
    assert model(**encoder_feeds(L=16))["y"].shape == (2, 16, 32)


def test_onnx_equals_heed_run_bitwise(cache, tmp_path):
    path = os.path.join(REPO, "test/onnx/Inputs/tiny_bert.onnx")
    model = heed.compile(path, dims={"batch": 2, "seq": 8}, cache_dir=cache)
    rng = np.random.default_rng(1)
    feeds = {}
    for port in model.inputs:
        if port.numpy_dtype == np.int64:
            feeds[port.name] = rng.integers(0, 2, port.shape).astype(np.int64)
        else:
            feeds[port.name] = rng.standard_normal(port.shape).astype(port.numpy_dtype)
    ours = model(**feeds)
    theirs = heed_run([path, "--dim", "batch=2", "--dim", "seq=8"], feeds, tmp_path)
    for name in ours:
        assert np.array_equal(ours[name], theirs[name]), name


def test_save_and_load(encoder, tmp_path):
    path = tmp_path / "libencoder.so"
    encoder.save(path)
    loaded = heed.load(path)
    feeds = encoder_feeds(seed=3)
    for name, value in loaded(**feeds).items():
        assert np.array_equal(value, encoder(**feeds)[name])
    assert loaded.attention_report() == encoder.attention_report()


def test_load_a_library_heedc_wrote(tmp_path):
    library = tmp_path / "libencoder.so"
    subprocess.run([os.path.join(BIN, "heedc"),
                    os.path.join(REPO, "test/e2e/bounded/tiny_encoder.heed"),
                    "--random-weights", "3", "-o", str(library)], check=True)
    model = heed.load(library)
    assert model.name == "tiny_encoder"
    assert model(**encoder_feeds())["y"].shape == (2, 16, 32)
    with pytest.raises(heed.Error, match="no attention report"):
        model.attention_report()


def test_attention_report(encoder):
    report = encoder.attention_report()
    # tiny_encoder.heed: line 22 spells out a causal attention (fused, and
    # causal: 16 * 17 / 2 of 256 scores, so 120 / 256 = 0.46875 skipped),
    # line 23 calls attention() with a padding mask (nothing skipped).
    assert [(r["where"].rsplit(":", 2)[1], r["fused"], r["structure"])
            for r in report] == [("22", True, "causal"), ("23", True, "none")]
    assert report[0]["skipped_fraction"] == pytest.approx(120 / 256)
    assert report[1]["skipped_fraction"] == 0
    assert report[0]["lq"] == report[0]["lk"] == 16


def test_attention_report_names_an_unfused_attention(cache):
    # A softmax over the query axis is no attention attn-fuse can fuse: the
    # report says where (line 4 of the text) and why.
    text = """dim L = 8
graph g(q: f32[1, L, 4], k: f32[1, L, 4], v: f32[1, L, 4]) {
  s = matmul(q, transpose(k))
  return y = matmul(softmax(s, axis=1), v)
}
"""
    model = heed.compile_string(text, name="unfused.heed", cache_dir=cache)
    (entry,) = model.attention_report()
    assert entry["fused"] is False
    assert entry["why"] == "not fused: the softmax is not over the last axis"
    assert entry["where"] == "unfused.heed:4:14"


@pytest.mark.parametrize("opt", [0, 2])
def test_attention_maps_equal_numpy(cache, opt):
    # A spelled-out attention (fused at -O2, a softmax kernel at -O0): its
    # map is softmax(q k^T / 2) per head, computed here with NumPy.
    text = """dim L = 5
graph g(q: f32[1, 2, L, 4], k: f32[1, 2, L, 4], v: f32[1, 2, L, 4]) {
  p = softmax(matmul(q, transpose(k)) * 0.5)
  return y = matmul(p, v)
}
"""
    model = heed.compile_string(text, name="maps.heed", opt=opt,
                                cache_dir=cache)
    rng = np.random.default_rng(4)
    feeds = {n: rng.standard_normal((1, 2, 5, 4)).astype(np.float32)
             for n in "qkv"}
    outputs, maps = model.attention_maps(**feeds)
    s = feeds["q"] @ feeds["k"].transpose(0, 1, 3, 2) * 0.5
    want = np.exp(s - s.max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    assert list(maps) == ["p"]
    assert maps["p"].dtype == np.float32 and maps["p"].shape == (1, 2, 5, 5)
    np.testing.assert_allclose(maps["p"], want, rtol=1e-5, atol=1e-6)
    # The outputs are those of a plain call (which captures nothing) up to
    # rounding: the materialising path sums in another order.
    np.testing.assert_allclose(outputs["y"], model(**feeds)["y"], rtol=1e-5,
                               atol=1e-6)


def test_benchmark_reports_the_executables_figures(encoder):
    stats = heed.benchmark(encoder, encoder_feeds(), repeat=5, warmup=1)
    assert set(stats) == {"median_ms", "min_ms", "max_ms", "runs", "memory_bytes"}
    assert stats["runs"] == 5
    assert 0 < stats["min_ms"] <= stats["median_ms"] <= stats["max_ms"]
    assert stats["memory_bytes"] == encoder.memory_bytes > 0


torch = pytest.importorskip("torch")


class TinyAttention(torch.nn.Module):
    """One head of self-attention and a projection."""

    def __init__(self):
        super().__init__()
        self.qkv = torch.nn.Linear(8, 24)
        self.out = torch.nn.Linear(8, 8)

    def forward(self, x):
        q, k, v = self.qkv(x).split(8, dim=-1)
        p = torch.softmax(q @ k.transpose(-1, -2) / 8 ** 0.5, dim=-1)
        return self.out(p @ v)


def test_torch_module_equals_pytorch(cache):
    torch.manual_seed(0)
    module = TinyAttention()
    x = torch.randn(2, 6, 8)
    model = heed.compile(module, example_inputs=(x,), cache_dir=cache)
    assert [p.name for p in model.inputs] == ["x"]
    (y,) = model.run(None, {"x": x})
    assert isinstance(y, torch.Tensor)  # torch in, torch out
    with torch.no_grad():
        expected = module(x)
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-5)
    report = model.attention_report()
    assert report and report[0]["fused"] is True


def test_contiguous_torch_input_is_not_copied(encoder):
    feeds = {k: torch.from_numpy(v) for k, v in encoder_feeds().items()}
    addresses = encoder._input_addresses(feeds)
    assert addresses == [feeds["ids"].data_ptr(), feeds["keep"].data_ptr()]
    out = encoder(**feeds)
    assert all(isinstance(v, torch.Tensor) for v in out.values())
    # A transposed (non-contiguous) tensor is copied once, and still right.
    ids = torch.from_numpy(encoder_feeds()["ids"].T.copy()).T
    assert not ids.is_contiguous()
    out2 = encoder(ids=ids, keep=feeds["keep"])
    assert torch.equal(out2["y"], out["y"])


def test_weights_from_a_state_dict_and_a_file(cache, tmp_path):
    torch.manual_seed(1)
    module = TinyAttention()
    x = torch.randn(1, 4, 8)
    text = """dim L = 4
graph tiny(x: f32[1, L, 8]) {
  qkv = linear[qkv](x, out=24)
  q = qkv[..., 0:8]
  k = qkv[..., 8:16]
  v = qkv[..., 16:24]
  p = softmax(matmul(q, transpose(k)) * 0.35355339059327373)
  return y = linear[out](matmul(p, v), out=8)
}
"""
    model = heed.compile_string(text, weights=module.state_dict(), cache_dir=cache)
    with torch.no_grad():
        expected = module(x)
    torch.testing.assert_close(model(x=x)["y"], expected, rtol=1e-5, atol=1e-5)
