#!/usr/bin/env bash
# The install test: installs Heed from a build tree, then builds and runs a
# program that finds it with find_package(Heed) and links a compiled model.
#
#   run-install-test.sh BUILD SCRATCH MODEL
#
#   BUILD    a configured and built Heed build tree
#   SCRATCH  a scratch folder (the prefix and the consumer's build go there;
#            both are recreated)
#   MODEL    add_model compiled by heedc (.o or .so), or add_model.heed, which
#            the installed heedc then compiles to SCRATCH/add_model.o
#
# It checks that every installed binary finds its libraries, and that the
# consumer (test/install/main.cpp) computes add_model's output correctly.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 BUILD SCRATCH MODEL(.o|.so|.heed)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
mkdir -p "$2"
scratch=$(cd "$2" && pwd)
model=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=$scratch/prefix
cmake=${CMAKE:-cmake}

fail() {
  echo "run-install-test.sh: error: $*" >&2
  exit 1
}

rm -rf "$prefix" "$scratch/consumer"
"$cmake" --install "$build" --prefix "$prefix" >"$scratch/install.log" ||
  { cat "$scratch/install.log" >&2; fail "cmake --install failed"; }

# The layout the issue asks for.
for f in bin/heedc bin/heed-run bin/heed-opt bin/heed-bench share/heed/plot.py lib/libheedrt.so \
         include/heed/runtime.h lib/cmake/Heed/HeedConfig.cmake \
         lib/cmake/Heed/HeedConfigVersion.cmake lib/cmake/Heed/HeedTargets.cmake; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done
# Every installed header, including those added later.
(cd "$here/../../runtime/include" && find heed -type f) | while read -r h; do
  [[ -e $prefix/include/$h ]] || fail "header not installed: include/$h"
done

# Installed executables and libraries resolve all their libraries (heedc and
# heed-run find libheedrt in ../lib through their RPATH).
# (ldd's output is captured first: with pipefail, `ldd | grep -q` fails
# whenever grep stops reading before ldd has written everything.)
for f in "$prefix"/bin/* "$prefix"/lib/*.so*; do
  libs=$(ldd "$f")
  if grep -q 'not found' <<<"$libs"; then
    echo "$libs" >&2
    fail "$f does not find all its libraries"
  fi
done
"$prefix/bin/heedc" --version >/dev/null || fail "the installed heedc does not run"

case $model in
*.heed)
  "$prefix/bin/heedc" "$model" --emit=obj -o "$scratch/add_model.o" ||
    fail "the installed heedc cannot compile $model"
  model=$scratch/add_model.o
  ;;
esac
[[ -e $model ]] || fail "no such model: $model"
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")

# The consumer sees only the prefix: no path into the source or build tree.
"$cmake" -S "$here" -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DHEED_MODEL_OBJECT="$model" -DCMAKE_BUILD_TYPE=Release \
  >"$scratch/consumer-configure.log" 2>&1 ||
  { cat "$scratch/consumer-configure.log" >&2; fail "configuring the consumer failed"; }
"$cmake" --build "$scratch/consumer" >"$scratch/consumer-build.log" 2>&1 ||
  { cat "$scratch/consumer-build.log" >&2; fail "building the consumer failed"; }

# The consumer must run against the installed libheedrt, not the build tree's.
consumer=$scratch/consumer/add_model_consumer
libs=$(ldd "$consumer")
grep -q "=> $prefix/lib/libheedrt.so" <<<"$libs" || {
  echo "$libs" >&2
  fail "the consumer does not load $prefix/lib/libheedrt.so"
}
"$consumer"
