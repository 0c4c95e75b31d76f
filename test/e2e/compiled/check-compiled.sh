#!/bin/bash
# check-compiled.sh BIN MODEL.heed WORK -O<N> [model flags...]
#
# Compiles MODEL.heed with BIN/heedc -O<N> (random weights, seed 1, plus the
# model flags, e.g. --dim L=8, which the reference gets too), runs the executable on random inputs (seed 7), evaluates
# the same model with `heed-run --reference` (the plain-loop interpreter, the
# independent source of expected values), and compares every output with
# BIN/heed-compare (tolerances from $RTOL/$ATOL, default 1e-4 / 1e-5 per
# element: f32 kernels against a double-precision reference). Prints one
# heed-compare line per output, then "checked N outputs".
set -euo pipefail
bin=$1 model=$2 work=$3 opt=$4
shift 4
rm -rf "$work"
mkdir -p "$work"
"$bin/heedc" "$model" "$opt" --random-weights=1 "$@" -o "$work/model"
"$work/model" --random-inputs=7 --output-dir "$work/compiled"
"$bin/heed-run" --reference "$model" --random-weights=1 --random-inputs=7 \
  "$@" --output-dir "$work/reference"
n=0
for ref in "$work"/reference/*.npy; do
  name=$(basename "$ref" .npy)
  echo -n "$name: "
  "$bin/heed-compare" "$work/compiled/$name.npy" "$ref" \
    --rtol "${RTOL:-1e-4}" --atol "${ATOL:-1e-5}"
  n=$((n + 1))
done
echo "checked $n outputs"
