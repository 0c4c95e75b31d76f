#!/usr/bin/env python3
"""Decode time per token against the position and the cache capacity.

Runs bench/gpt2_small_decode.heed (GPT-2-small-sized, random weights) with
heed-run --generate 16 after prompts of 1, 256 and 768 tokens (capacity T =
1024), and after 256 tokens with T = 512 and 2048, interleaved for --rounds
rounds, and prints the median prefill and decode time per token of each.
The decode time should follow the position (the attention reads the
cache's filled prefix: its key mask trims every K/V tile to the visible
keys) and not the capacity (no copy of the cache per step).

    /usr/bin/python3 bench/generate_decode.py [--bin build/bin] [--rounds 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [(1, 1024), (256, 1024), (768, 1024), (256, 512), (256, 2048)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="heed-decode-")
    results = {case: ([], []) for case in CASES}
    for _ in range(args.rounds):
        for prompt, capacity in CASES:
            ids = os.path.join(work, f"p{prompt}.npy")
            np.save(ids, (np.arange(prompt) * 7919 % 50257).astype(np.int64))
            out = subprocess.run(
                [os.path.join(args.bin, "heed-run"),
                 os.path.join(HERE, "gpt2_small_decode.heed"),
                 "--random-weights=1", f"--dim=T={capacity}",
                 "--generate", "16", "--prompt-ids", ids, "--json",
                 "--threads", str(args.threads)],
                check=True, capture_output=True, text=True).stdout
            d = json.loads(out)
            results[(prompt, capacity)][0].append(d["prefill_ms"])
            results[(prompt, capacity)][1].append(d["decode_ms_per_token"])
    print("| prompt tokens | cache capacity T | prefill (ms/token) "
          "| decode (ms/token) |")
    print("|---:|---:|---:|---:|")
    for (prompt, capacity), (prefill, decode) in results.items():
        print(f"| {prompt} | {capacity} | "
              f"{statistics.median(prefill) / prompt:.2f} | "
              f"{statistics.median(decode):.2f} |")


if __name__ == "__main__":
    main()
