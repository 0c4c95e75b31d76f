#!/bin/bash
# check-attention.sh BIN MODEL.heed GOLDEN WORK [model flags...]
#
# Runs MODEL.heed compiled (`BIN/heed-run -O0` and `-O2`, random weights,
# seed 1, plus the model flags) on the inputs in GOLDEN/inputs/NAME.npy with
# --dump-attention, and compares every GOLDEN/attention/NAME.npy, PyTorch's
# attention weights [B, H, Lq, Lk] for the same inputs and weights (written
# by tools/torch-reference/seed_models.py goldens), with NAME.npy of both
# dumps using BIN/heed-compare (tolerances $RTOL / $ATOL, default 1e-4 /
# 1e-5 per element). Each dump must also hold summary.json naming the map,
# overview.png and a heatmap per head (NAME.h0.png at least). Prints one
# heed-compare line per comparison, then "matched N attention maps with
# PyTorch: -O0 -O2".
set -euo pipefail
bin=$1 model=$2 golden=$3 work=$4
shift 4
rm -rf "$work/attention"
mkdir -p "$work/attention"
inputs=()
for f in "$golden"/inputs/*.npy; do
  inputs+=(--input "$(basename "$f" .npy)=$f")
done
for level in -O0 -O2; do
  "$bin/heed-run" "$level" "$model" --random-weights=1 "$@" "${inputs[@]}" \
    --dump-attention "$work/attention/$level" >/dev/null
done
n=0
for want in "$golden"/attention/*.npy; do
  name=$(basename "$want" .npy)
  for level in -O0 -O2; do
    dump="$work/attention/$level"
    for f in summary.json overview.png "$name.h0.png"; do
      if [ ! -s "$dump/$f" ]; then
        echo "error: $level wrote no $f" >&2
        exit 1
      fi
    done
    grep -q "\"name\": \"$name\"" "$dump/summary.json" ||
      { echo "error: $level's summary.json names no map '$name'" >&2; exit 1; }
    echo -n "$name ($level): "
    "$bin/heed-compare" "$dump/$name.npy" "$want" \
      --rtol "${RTOL:-1e-4}" --atol "${ATOL:-1e-5}"
  done
  n=$((n + 1))
done
echo "matched $n attention maps with PyTorch: -O0 -O2"
