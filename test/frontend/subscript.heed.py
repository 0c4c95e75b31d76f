# NumPy's indexing of the inputs of subscript.heed, compared with the outputs
# Heed wrote (argv: x.npy ids.npy output-dir).
import sys
import numpy as np

x = np.load(sys.argv[1])
ids = np.load(sys.argv[2])
L = 3
expected = {
    "a": x[:, 0],
    "b": x[..., 1:3],
    "c": x[-1, :, ::2],
    "d": x[0, None, -2:],
    "e": x[:, ids],
    "f": x[1][2],
    "h": x[:, 1:L - 1, -3:-1:2],
    "i": x[..., 3:100],
    "j": np.maximum(x, 0)[1, ..., 0],
}
for name, want in expected.items():
    got = np.load(f"{sys.argv[3]}/{name}.npy")
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert np.array_equal(got, want), (name, got, want)
print("ok")
