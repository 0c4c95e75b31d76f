#!/bin/bash
# check-maps.sh BIN WORK_O0 WORK_O2 [GOLDEN]
#
# Runs the executables check-compiled.sh built from one model at -O0
# (WORK_O0/model) and -O2 (WORK_O2/model) with --dump-attention, on the
# inputs GOLDEN/inputs/NAME.npy when GOLDEN is given, else on
# --random-inputs=7, and checks:
#   - each dump holds summary.json and overview.png, and both levels list
#     the same maps (files), each with its heatmap NAME.h0.png;
#   - every map is the same at both levels (BIN/heed-compare, tolerances
#     $RTOL / $ATOL, default 1e-4 / 1e-5 per element): at -O0 a
#     spelled-out attention's map is its softmax kernel's output, at -O2
#     the fused kernel's materialising path;
#   - with GOLDEN/attention/NAME.npy (PyTorch's attention weights for the
#     same inputs and weights, written by tools/torch-reference/
#     seed_models.py goldens), map NAME equals it at both levels.
# Prints one heed-compare line per comparison, then "N attention maps agree
# at -O0 and -O2" and, with goldens, "M match PyTorch".
set -euo pipefail
bin=$1 work0=$2 work2=$3 golden=${4:-}
inputs=(--random-inputs=7)
if [ -n "$golden" ]; then
  inputs=()
  for f in "$golden"/inputs/*.npy; do
    inputs+=(--input "$(basename "$f" .npy)=$f")
  done
fi
for work in "$work0" "$work2"; do
  rm -rf "$work/maps"
  "$work/model" "${inputs[@]}" --dump-attention "$work/maps" >/dev/null
  for f in summary.json overview.png; do
    [ -s "$work/maps/$f" ] || { echo "error: $work/maps has no $f" >&2; exit 1; }
  done
done
maps() { grep -o '"file": "[^"]*\.npy"' "$1/maps/summary.json" | sed 's/"file": "//; s/\.npy"$//'; }
if [ "$(maps "$work0")" != "$(maps "$work2")" ]; then
  echo "error: -O0 dumps maps $(maps "$work0" | tr '\n' ' ')but -O2 $(maps "$work2" | tr '\n' ' ')" >&2
  exit 1
fi
n=0
for name in $(maps "$work2"); do
  [ -s "$work2/maps/$name.h0.png" ] || { echo "error: no $name.h0.png" >&2; exit 1; }
  echo -n "$name (-O0 vs -O2): "
  "$bin/heed-compare" "$work0/maps/$name.npy" "$work2/maps/$name.npy" \
    --rtol "${RTOL:-1e-4}" --atol "${ATOL:-1e-5}"
  n=$((n + 1))
done
echo "$n attention maps agree at -O0 and -O2"
if [ -n "$golden" ] && [ -d "$golden/attention" ]; then
  m=0
  for want in "$golden"/attention/*.npy; do
    name=$(basename "$want" .npy)
    for work in "$work0" "$work2"; do
      echo -n "$name ($(basename "$work")) vs PyTorch: "
      "$bin/heed-compare" "$work/maps/$name.npy" "$want" \
        --rtol "${RTOL:-1e-4}" --atol "${ATOL:-1e-5}"
    done
    m=$((m + 1))
  done
  echo "$m match PyTorch"
fi
