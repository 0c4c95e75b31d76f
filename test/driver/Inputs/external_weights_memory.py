# heedc --weights-external checks the weights file without copying it
# (issue 15, item 11): compiling a model with 128 MiB of external weights
# may add at most 1.5 x 128 MiB to heedc's peak resident set over the same
# model with 64 bytes of weights (reading the file's pages once for the
# NaN check costs 1 x; copying every tensor, as before, cost 2 x).
# Usage: external_weights_memory.py HEEDC WORKDIR
import json
import struct
import subprocess
import sys
from pathlib import Path

heedc, work = sys.argv[1], Path(sys.argv[2])
model = work / "scale.heed"
model.write_text("dim N = 16\ngraph g(x: f32[N]) {\n  return y = x * parameter[w]([N])\n}\n")


def weights(path, n):
    text = json.dumps({"w": {"dtype": "F32", "shape": [n],
                             "data_offsets": [0, 4 * n]}}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        chunk = bytes(1 << 20)
        left = 4 * n
        while left:
            f.write(chunk[: min(left, len(chunk))])
            left -= min(left, len(chunk))


def peak_kib(n, file):
    """heedc's peak resident set (KiB) compiling the model at N = n."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M", heedc, str(model), f"--dim=N={n}",
         f"--weights={file}", "--weights-external", "-o", str(work / "m")],
        stderr=subprocess.PIPE, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1])


big = 32 << 20  # floats: 128 MiB
weights(work / "small.safetensors", 16)
weights(work / "big.safetensors", big)
small_kib = peak_kib(16, work / "small.safetensors")
big_kib = peak_kib(big, work / "big.safetensors")
(work / "big.safetensors").unlink()
grown_mib = (big_kib - small_kib) / 1024
print(f"peak RSS: {small_kib} KiB with 64 B of weights, {big_kib} KiB with "
      f"128 MiB: +{grown_mib:.0f} MiB")
if grown_mib > 1.5 * 128:
    sys.exit(f"FAIL: --weights-external grew heedc by {grown_mib:.0f} MiB "
             "for 128 MiB of weights (more than 1.5 x)")
print("OK")
