#!/usr/bin/env bash
# `make demo`: compile an example model, run it with the reference
# interpreter and as a native executable, check they agree, and time the
# unfused (-O0) and fused (-O2) builds side by side.
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
echo "== 4. heedc: a native executable (-O2), run on the same weights and inputs"
"$bin/heedc" "$model" --weights="$out/weights.safetensors" -O2 -v -o "$out/model_O2"
"$out/model_O2" --random-inputs=1 --output-dir "$out/compiled"
"$bin/heed-run" "$model" --reference --weights="$out/weights.safetensors" \
  --random-inputs=1 --output-dir "$out/reference"
echo -n "   compiled vs reference, y: "
"$bin/heed-compare" "$out/compiled/y.npy" "$out/reference/y.npy" --rtol 1e-4 --atol 1e-5
echo
echo "== 5. fused (-O2) vs unfused (-O0) timing, median of 20 runs each"
"$bin/heedc" "$model" --weights="$out/weights.safetensors" -O0 -o "$out/model_O0"
for variant in O0 O2; do
  echo -n "   -$variant: "
  "$out/model_$variant" --random-inputs=1 --repeat 20 --json
done
echo "   (Until the attention passes land (issue 7), -O2 builds the same plan"
echo "   as -O0; heed-bench will time the variants interleaved.)"
