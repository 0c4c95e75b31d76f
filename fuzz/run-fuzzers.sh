#!/usr/bin/env bash
# Runs the fuzz targets of a fuzz build (`make fuzz`, `make fuzz-smoke`):
#
#   fuzz/run-fuzzers.sh BUILD_DIR SECONDS [TARGET...]
#
# Each target (every one the build declares when none is named) runs for
# SECONDS under libFuzzer on three corpora: BUILD_DIR/fuzz-work/T/corpus
# (kept between runs; what libFuzzer finds goes there), a copy of its seeds
# (the list CMake wrote to BUILD_DIR/fuzz/T.seeds) and fuzz/regressions/T/.
# A crash, a sanitizer report, a broken invariant, an input slower than
# FUZZ_TIMEOUT seconds or above FUZZ_RSS_MB MiB fails the target; its input
# is saved under BUILD_DIR/fuzz-work/T/artifacts/ and the script prints how
# to minimise it into a regression. Exits 1 when any target failed.
#
# With FUZZ_RUNS=N set, each target instead runs N inputs from the fixed
# seed FUZZ_SEED (default 1), and its corpus starts empty: the same build
# then tries the same inputs on any machine, so CI's smoke (make
# fuzz-smoke) passes or fails the same way everywhere, whatever the speed.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
timeout=${FUZZ_TIMEOUT:-25}
rss=${FUZZ_RSS_MB:-2560}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for list in "$build"/fuzz/*.seeds; do
    [ -e "$list" ] && targets+=("$(basename "$list" .seeds)")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: $build declares no fuzz target (configure it with --preset fuzz)" >&2
  exit 2
fi

# UBSan is built not to recover; halt_on_error covers anything built without
# that flag.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for t in "${targets[@]}"; do
  bin=$build/fuzz/heed-fuzz-$t
  if [ ! -x "$bin" ] || [ ! -f "$build/fuzz/$t.seeds" ]; then
    echo "fuzz: no target '$t' in $build (build it with make fuzz)" >&2
    failed+=("$t")
    continue
  fi
  work=$build/fuzz-work/$t
  rm -rf "$work/seeds"
  mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
  # Seeds from several folders may share a name: number them.
  n=0
  while IFS= read -r seed; do
    [ -n "$seed" ] || continue
    n=$((n + 1))
    cp "$seed" "$work/seeds/$(printf %04d "$n")-$(basename "$seed")"
  done < "$build/fuzz/$t.seeds"
  corpora=("$work/corpus" "$work/seeds")
  [ -d "$src/fuzz/regressions/$t" ] && corpora+=("$src/fuzz/regressions/$t")
  dict=()
  [ -f "$src/fuzz/dicts/$t.dict" ] && dict=(-dict="$src/fuzz/dicts/$t.dict")
  if [ -n "${FUZZ_RUNS:-}" ]; then
    rm -rf "$work/corpus" && mkdir -p "$work/corpus"
    limit=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
    echo "== fuzz $t: $FUZZ_RUNS inputs from seed ${FUZZ_SEED:-1}, $n seeds =="
  else
    limit=(-max_total_time="$seconds")
    echo "== fuzz $t: ${seconds} s, $n seeds, corpus $work/corpus =="
  fi
  "$bin" "${limit[@]}" -timeout="$timeout" -rss_limit_mb="$rss" \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "${dict[@]}" \
    "${corpora[@]}" > "$work/log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)" \
      "$work/log" | sed 's/^/  /'
    grep -m1 -E "^#[0-9]+[[:space:]]+DONE" "$work/log" | sed "s/^/  /"
    continue
  fi
  failed+=("$t")
  echo "fuzz $t FAILED (exit $rc); the end of $work/log:"
  tail -n 60 "$work/log"
  for crash in $(grep -o "Test unit written to .*" "$work/log" | sed 's/Test unit written to //'); do
    echo "  input: $crash"
    echo "  minimise: $bin -minimize_crash=1 -max_total_time=60 -exact_artifact_path=$src/fuzz/regressions/$t/NAME $crash"
  done
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzz: FAILED: ${failed[*]} =="
  exit 1
fi
echo "== fuzz: ${#targets[@]} targets ran, none failed =="
