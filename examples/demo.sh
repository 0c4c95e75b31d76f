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
gpt=examples/seed/gpt_decoder_layer.heed
echo "== 5. fused (-O2) vs unfused (-O0): $gpt at L = 1024, median of 10 runs"
echo "   (attention spelled out with a causal mask built from iota; at -O2"
echo "   attn-fuse makes it one flash-attention op, attn-sparsify skips the"
echo "   masked tiles, heedrt-fuse-post-ops folds bias/GELU/residual adds)"
for variant in O0 O2; do
  "$bin/heedc" "$gpt" "-$variant" --dim B=1 --dim L=1024 --random-weights=1 \
    -o "$out/gpt_$variant"
  "$out/gpt_$variant" --random-inputs=1 --repeat 10 --json >"$out/$variant.json"
  echo "   -$variant: $(cat "$out/$variant.json")"
done
/usr/bin/python3 - "$out/O0.json" "$out/O2.json" <<'PY'
import json, sys
o0, o2 = (json.load(open(f))["median_ms"] for f in sys.argv[1:])
print(f"   fused is {o0 / o2:.2f}x faster than unfused ({o0:.1f} ms -> {o2:.1f} ms)")
PY
