#!/usr/bin/env bash
# `make demo`: compile an example model to MLIR, run it with the reference
# interpreter, and show where its parameters and outputs went.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
model=examples/transformer_encoder.heed
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== 1. the model: $model"
grep -v '^\s*#' "$model" | sed '/^\s*$/d' | head -40
echo
echo "== 2. heedc --emit=mlir (the first compute ops of the tensor-level module)"
"$bin/heedc" "$model" --emit=mlir --no-locations | grep -E 'heed\.|attn\.' | grep -v 'heed.param' | head -12
echo "   ... $("$bin/heedc" "$model" --emit=mlir --no-locations | grep -cE 'heed\.|attn\.') ops in all"
echo
echo "== 3. heed-run --reference with random weights and inputs"
"$bin/heed-run" "$model" --reference --random-weights=1 --random-inputs=1 \
  --save-weights="$out/weights.safetensors"
"$bin/heed-run" "$model" --reference --random-weights=1 --random-inputs=1 \
  --repeat 3 --json | sed 's/^/   reference interpreter timing: /'
echo
echo "== 4. fused vs unfused timing"
echo "   The compiled pipelines (-O0 unfused, -O2 fused) are not built yet;"
echo "   this demo will time them side by side once they land."
