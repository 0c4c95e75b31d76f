"""docs/python.md's five-minute tour, step by step, on a smaller BERT (2
layers, width 64) where the tour uses BERT-base, so that it runs in seconds.
Expected values: Hugging Face's BertModel in PyTorch (float tolerance) and
ONNX Runtime on the same ONNX file."""

import os

import numpy as np
import pytest

import heed
from conftest import REPO

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
onnxruntime = pytest.importorskip("onnxruntime")


def test_tour(cache, tmp_path):
    # 1. A .heed description with random weights: compile, run, time.
    bert = heed.compile(os.path.join(REPO, "bench/bert_base.heed"),
                        dims={"L": 16}, random_weights=1, cache_dir=cache)
    assert [p.name for p in bert.inputs] == ["input_ids", "token_type_ids",
                                             "attention_mask"]
    L = 16
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(0, 30522, (1, L)),
             "token_type_ids": np.zeros((1, L), np.int64),
             "attention_mask": np.ones((1, L), np.bool_)}
    out = bert(**feeds)
    assert out["last_hidden_state"].shape == (1, L, 768)
    assert heed.benchmark(bert, feeds, repeat=3)["runs"] == 3

    # 2. The same architecture from PyTorch: its weights (a state_dict), its
    # ONNX export through Heed and ONNX Runtime, and the module itself.
    config = transformers.BertConfig(hidden_size=64, num_hidden_layers=2,
                                     num_attention_heads=4, intermediate_size=128,
                                     vocab_size=1000)
    torch.manual_seed(0)
    module = transformers.BertModel(config).eval()
    ids = torch.randint(0, 1000, (1, L))
    types = torch.zeros(1, L, dtype=torch.int64)
    mask = torch.ones(1, L, dtype=torch.int64)
    with torch.no_grad():
        expected = module(ids, attention_mask=mask, token_type_ids=types)
    expected = expected.last_hidden_state.numpy()

    path = str(tmp_path / "bert.onnx")
    torch.onnx.export(module, (ids, mask, types), path,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state", "pooler_output"],
                      opset_version=17)
    onnx_feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                  "token_type_ids": types.numpy()}
    ort = onnxruntime.InferenceSession(path)
    (ort_out, _) = ort.run(None, onnx_feeds)
    from_onnx = heed.compile(path, cache_dir=cache)
    heed_out = from_onnx.run(["last_hidden_state"], onnx_feeds)[0]
    np.testing.assert_allclose(heed_out, ort_out, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(heed_out, expected, rtol=1e-4, atol=1e-4)
    assert heed.benchmark(from_onnx, onnx_feeds, repeat=3)["runs"] == 3

    direct = heed.compile(module, example_inputs=(ids, mask, types), cache_dir=cache)
    got = direct(input_ids=ids, attention_mask=mask, token_type_ids=types)
    first = next(iter(got.values()))
    assert isinstance(first, torch.Tensor)
    np.testing.assert_allclose(first.numpy(), expected, rtol=1e-4, atol=1e-4)
    assert any(r["fused"] for r in direct.attention_report())
