#!/bin/bash
# check-golden.sh BIN MODEL.heed GOLDEN WORK [model flags...]
#
# Runs MODEL.heed with `BIN/heed-run --reference` (random weights, seed 1,
# plus the model flags, e.g. --entry G --dim L=8) on the inputs in
# GOLDEN/inputs/NAME.npy and compares every output with
# GOLDEN/expected/NAME.npy, PyTorch's output for the same inputs and weights
# (written by tools/torch-reference/seed_models.py goldens), using
# BIN/heed-compare (tolerances $RTOL / $ATOL, default 1e-4 / 1e-5 per
# element). When WORK/model exists (the executable that check-compiled.sh
# built from the same model and flags), it is run on the same inputs and
# compared too. Every output must have a golden. Prints one heed-compare
# line per comparison, then "matched N outputs with PyTorch: reference
# [compiled]".
set -euo pipefail
bin=$1 model=$2 golden=$3 work=$4
shift 4
mkdir -p "$work"
rm -rf "$work/golden"
inputs=()
for f in "$golden"/inputs/*.npy; do
  inputs+=(--input "$(basename "$f" .npy)=$f")
done
"$bin/heed-run" --reference "$model" --random-weights=1 "$@" "${inputs[@]}" \
  --output-dir "$work/golden/reference"
runs=(reference)
if [ -x "$work/model" ]; then
  "$work/model" "${inputs[@]}" --output-dir "$work/golden/compiled"
  runs+=(compiled)
fi
for got in "$work/golden/reference"/*.npy; do
  if [ ! -f "$golden/expected/$(basename "$got")" ]; then
    echo "error: no golden for output $(basename "$got" .npy) in $golden" >&2
    exit 1
  fi
done
n=0
for want in "$golden"/expected/*.npy; do
  name=$(basename "$want" .npy)
  for run in "${runs[@]}"; do
    echo -n "$name ($run): "
    "$bin/heed-compare" "$work/golden/$run/$name.npy" "$want" \
      --rtol "${RTOL:-1e-4}" --atol "${ATOL:-1e-5}"
  done
  n=$((n + 1))
done
echo "matched $n outputs with PyTorch: ${runs[*]}"
