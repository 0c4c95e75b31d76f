"""compare.py ACTUAL.npy EXPECTED.npy RTOL: prints 'ok' when the shapes and
dtypes match and max|a - e| <= RTOL * max|e| (relative, max-norm), else the
error; exits non-zero on a mismatch."""
import sys

import numpy as np

actual, expected = np.load(sys.argv[1]), np.load(sys.argv[2])
rtol = float(sys.argv[3])
if actual.shape != expected.shape or actual.dtype != expected.dtype:
    print(f"mismatch: {actual.dtype}{actual.shape} vs "
          f"{expected.dtype}{expected.shape}")
    sys.exit(1)
err = float(np.abs(actual.astype(np.float64) - expected).max() /
            max(np.abs(expected).max(), 1e-30))
print("ok" if err <= rtol else f"relative error {err:.3g} > {rtol}")
sys.exit(0 if err <= rtol else 1)
