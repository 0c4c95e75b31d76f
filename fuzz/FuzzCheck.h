//===- FuzzCheck.h - The invariants a fuzz target asserts -------*- C++ -*-===//
//
// A fuzz target fails on a crash, a sanitizer report, or a broken promise of
// the code under test: HEED_FUZZ_CHECK(cond) prints the condition and where
// it was checked, then aborts, which libFuzzer (and the replay driver's
// ctest) reports as a failure with the input that caused it.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_FUZZ_FUZZCHECK_H
#define HEED_FUZZ_FUZZCHECK_H

#include <cstdio>
#include <cstdlib>

namespace heed::fuzz {

/// Reports a broken invariant and aborts.
[[noreturn]] inline void invariantFailed(const char *condition,
                                         const char *file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line,
               condition);
  std::fflush(stderr);
  std::abort();
}

} // namespace heed::fuzz

/// Aborts with a message naming \p cond when it is false.
#define HEED_FUZZ_CHECK(cond)                                                  \
  ((cond) ? (void)0 : ::heed::fuzz::invariantFailed(#cond, __FILE__, __LINE__))

#endif // HEED_FUZZ_FUZZCHECK_H
