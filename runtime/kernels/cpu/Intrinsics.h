//===- Intrinsics.h - x86 intrinsics for the kernels ------------*- C++ -*-===//
//
// <immintrin.h> for the kernels' SIMD code, on x86 only (HEED_X86 says
// which). GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() (a
// self-initialised variable) as the pass-through operand, which
// -W(maybe-)uninitialized reports at the header's lines wherever they are
// inlined; the warning is keyed to those lines, so it is silenced for the
// header only. The SIMD functions carry target attributes, so libheedrt
// still builds for, and runs on, any x86-64.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_KERNELS_INTRINSICS_H
#define HEED_RUNTIME_KERNELS_INTRINSICS_H

#if defined(__x86_64__) || defined(__i386__)
#define HEED_X86 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace heed::rt {

/// Whether the CPU has AVX-512F and AVX-512BW, which the kernels' own
/// AVX-512 code (LaneTiles, GemmBf16) needs; false off x86.
inline bool cpuHasAvx512FBW() {
#ifdef HEED_X86
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw");
  }();
  return yes;
#else
  return false;
#endif
}

} // namespace heed::rt

#endif // HEED_RUNTIME_KERNELS_INTRINSICS_H
