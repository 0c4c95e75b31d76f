"""How far an engine's outputs are from the reference's (Heed fp32 in
`make bench-peers`, heed-run in `export_onnx.py --check`)."""

from typing import Dict

import numpy as np


def relative_errors(got: np.ndarray, ref: np.ndarray) -> Dict[str, float]:
    """Norm-wise relative errors of `got` against `ref`, which do not blow
    up at elements near zero (as |got - ref| / |ref| per element would):

    max_rel  = max |got - ref| / max |ref|
    mean_rel = mean |got - ref| / mean |ref|

    NaN or a shape mismatch gives inf."""
    if got.shape != ref.shape:
        return {"max_rel": float("inf"), "mean_rel": float("inf")}
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    ref_abs = np.abs(ref.astype(np.float64))
    if not np.isfinite(diff).all():
        return {"max_rel": float("inf"), "mean_rel": float("inf")}
    return {"max_rel": float(diff.max() / max(ref_abs.max(), 1e-30)),
            "mean_rel": float(diff.mean() / max(ref_abs.mean(), 1e-30))}


def compare_outputs(got: Dict[str, np.ndarray], ref: Dict[str, np.ndarray]) -> Dict[str, Dict[str, float]]:
    """relative_errors for every output of `ref` (an output `got` lacks is
    inf)."""
    missing = {"max_rel": float("inf"), "mean_rel": float("inf")}
    return {name: relative_errors(got[name], r) if name in got else dict(missing)
            for name, r in ref.items()}
