"""The models that `make bench-peers` compares: what each one is, how its
inputs are drawn and how many GEMM FLOPs a run does.

The shapes here are those of bench/bert_base.heed and bench/gpt2_small.heed
(their `dim` defaults); export_onnx.py checks them against the weights that
heed-run saves, so a change to a .heed file that these constants miss is an
error, not a silently different graph.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ModelSpec:
    """One benchmark model.

    name: the .heed file's graph name (also the symbol prefix of the library
    heedc compiles it to); heed_file: the model; default_lengths: the
    sequence lengths `--models NAME` expands to; inputs/outputs: the graph's
    ports in order; vocab: the bound of the token ids; batch, width, heads,
    layers, ffn: the architecture (batch and the rest fixed, L per run).
    """

    name: str
    heed_file: Path
    default_lengths: Tuple[int, ...]
    inputs: Tuple[str, ...]
    outputs: Tuple[str, ...]
    vocab: int
    max_positions: int
    batch: int = 1
    width: int = 768
    heads: int = 12
    layers: int = 12
    ffn: int = 3072
    causal: bool = False
    has_pooler: bool = False
    make_inputs: Callable[["ModelSpec", int, int], Dict[str, np.ndarray]] = None

    def gemm_flops(self, length: int) -> int:
        """GEMM FLOPs of one run at sequence length `length` (2 per
        multiply-add): per layer the four D x D projections (QKV and the
        output, 8 L D^2), the two FFN GEMMs (4 L D F), and attention's
        Q K^T and P V (4 L^2 D, counted dense for causal models too, as the
        ONNX engines compute it); plus BERT's pooler (2 D^2, one token).
        Bias adds, softmax, norms and activations are not GEMMs."""
        L, D, F = length, self.width, self.ffn
        per_layer = 8 * L * D * D + 4 * L * D * F + 4 * L * L * D
        total = self.layers * per_layer
        if self.has_pooler:
            total += 2 * D * D
        return self.batch * total

    def random_inputs(self, length: int, seed: int) -> Dict[str, np.ndarray]:
        """The inputs of one run at `length`, drawn from `seed`."""
        return self.make_inputs(self, length, seed)


def _bert_inputs(spec: ModelSpec, length: int, seed: int) -> Dict[str, np.ndarray]:
    """Token ids in the vocabulary, token types 0/1, and a padding mask that
    keeps about half the keys (as heed-bench's random inputs do) and always
    the first, so that no softmax row is all -inf (Heed gives zeros there,
    ONNX's Softmax NaN). The mask is random, not a padded tail: no engine can
    skip whole key tiles, so every engine does the same work."""
    rng = np.random.default_rng(seed)
    shape = (spec.batch, length)
    mask = rng.random(shape) < 0.5
    mask[:, 0] = True
    return {
        "input_ids": rng.integers(0, spec.vocab, shape, dtype=np.int64),
        "token_type_ids": rng.integers(0, 2, shape, dtype=np.int64),
        "attention_mask": mask,
    }


def _gpt2_inputs(spec: ModelSpec, length: int, seed: int) -> Dict[str, np.ndarray]:
    """Token ids in the vocabulary."""
    rng = np.random.default_rng(seed)
    return {"idx": rng.integers(0, spec.vocab, (spec.batch, length), dtype=np.int64)}


MODELS: Dict[str, ModelSpec] = {
    "bert_base": ModelSpec(
        name="bert_base",
        heed_file=REPO / "bench" / "bert_base.heed",
        default_lengths=(128, 512),
        inputs=("input_ids", "token_type_ids", "attention_mask"),
        outputs=("last_hidden_state", "pooler_output"),
        vocab=30522,
        max_positions=512,
        has_pooler=True,
        make_inputs=_bert_inputs,
    ),
    "gpt2_small": ModelSpec(
        name="gpt2_small",
        heed_file=REPO / "bench" / "gpt2_small.heed",
        default_lengths=(256, 1024),
        inputs=("idx",),
        outputs=("y",),
        vocab=50257,
        max_positions=1024,
        causal=True,
        make_inputs=_gpt2_inputs,
    ),
}


def parse_models(text: str) -> List[Tuple[ModelSpec, int]]:
    """Parses `--models`: comma-separated `NAME:L` (one length) or `NAME`
    (its default lengths), e.g. `bert_base:128,gpt2_small`."""
    points = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, _, length = item.partition(":")
        if name not in MODELS:
            raise ValueError(f"unknown model '{name}' (known: {', '.join(MODELS)})")
        spec = MODELS[name]
        if not length:
            points += [(spec, L) for L in spec.default_lengths]
            continue
        if not length.isdigit() or not 0 < int(length) <= spec.max_positions:
            raise ValueError(f"'{item}': L must be an integer in [1, {spec.max_positions}]")
        points.append((spec, int(length)))
    if not points:
        raise ValueError("--models names no model")
    return points
