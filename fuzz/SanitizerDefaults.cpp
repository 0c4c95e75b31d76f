//===- SanitizerDefaults.cpp - ASan settings built into the fuzz targets --===//
//
// Heed's code is instrumented, LLVM's and MLIR's shared libraries are not,
// and both allocate from an MLIRContext's BumpPtrAllocator. When
// instrumented code (an attribute storage's construct, inlined from
// llvm/Support/Allocator.h) starts a new slab it poisons all of it, and what
// libMLIR then allocates from that slab is never unpoisoned: reading it
// reports use-after-poison where nothing is wrong. allow_user_poisoning=0
// ignores such manual poisoning; ASan's own checks are unaffected. The
// setting is built in so that a crash reproduces by hand as under make
// fuzz; ASAN_OPTIONS still overrides it (make check-sanitizers sets it too).
//
//===----------------------------------------------------------------------===//

extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}
