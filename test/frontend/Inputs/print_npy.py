"""print_npy.py DIR NAME...: prints DIR/NAME.npy for each NAME as
`NAME: DTYPE SHAPE = VALUES`, every element (nested lists, NumPy's own
float formatting), for the FileCheck lines of the builtin tests."""
import sys

import numpy as np

for name in sys.argv[2:]:
    a = np.load(f"{sys.argv[1]}/{name}.npy")
    print(f"{name}: {a.dtype} {list(a.shape)} = {a.tolist()}")
