"""What the real-model checks (ppocr_check.py, silero_check.py) share: an
ONNX Runtime session on the CPU with a given thread count, and running a
Heed tool that must succeed."""

import subprocess
import sys


def ort_session(path: str, threads: int = 0):
    """An ONNX Runtime CPU session; `threads` intra-op threads (0: ORT's
    default), one inter-op thread. Warnings (unused initializers) are
    silenced."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3
    if threads:
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    """Runs `cmd`; on a non-zero exit prints it with its stderr and exits 1."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL: {' '.join(cmd)} exited {r.returncode}:\n"
              f"{r.stderr.strip()}")
        sys.exit(1)
    return r
