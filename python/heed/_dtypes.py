"""Heed's element types and the NumPy dtypes that carry them."""

import numpy as np

#: Heed's dtype name -> the NumPy dtype of its arrays. bf16 has no NumPy
#: dtype: inputs take float32 (rounded to nearest even) and outputs come
#: back as float32 (widened exactly).
NUMPY = {
    "f32": np.dtype(np.float32),
    "f16": np.dtype(np.float16),
    "bf16": np.dtype(np.float32),
    "i64": np.dtype(np.int64),
    "i32": np.dtype(np.int32),
    "i1": np.dtype(np.bool_),
}


def float32_to_bf16_bits(array):
    """The bf16 bit patterns (uint16) of float32 ``array``, rounded to
    nearest even as the runtime rounds (NaN stays NaN)."""
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(array)
    return np.where(nan, (bits >> 16) | 0x40, rounded).astype(np.uint16)
