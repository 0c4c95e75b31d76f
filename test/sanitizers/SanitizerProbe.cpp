//===- SanitizerProbe.cpp - Undefined behaviour on purpose ----------------===//
//
// Built only under UBSan (the asan preset): `heed-sanitizer-probe` overflows
// a signed integer, so that test/sanitizers/ubsan-halts.test can check that
// a UBSan report fails the process that makes it, with a stack trace, in
// the environment lit gives its tests (make check-sanitizers sets
// UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1).
//
//===----------------------------------------------------------------------===//

#include <climits>
#include <cstdio>

int main(int argc, char **argv) {
  volatile int big = INT_MAX;
  int sum = big + argc; // argc >= 1: signed overflow
  std::printf("probe: survived the overflow (%d)\n", sum);
  return 0;
}
